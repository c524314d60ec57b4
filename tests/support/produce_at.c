/* produce_at.c -- test helper: produces records whose CreateTime is given, for lag-in-seconds tests
 * (records "written" minutes ago without waiting minutes; kcat cannot set a timestamp).
 *
 *   produce-at BOOTSTRAP TOPIC PARTITION COUNT FIRST_TIMESTAMP_MS [STEP_MS]
 *
 * Record i gets timestamp FIRST + i * STEP (default step 0), value "r<i>". Exit 0 once every record
 * is acknowledged (acks=all), 1 on a delivery error, 2 on bad arguments. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

static int failed;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    (void)opaque;
    if (m->err) {
        fprintf(stderr, "produce-at: delivery failed: %s\n", rd_kafka_err2str(m->err));
        failed = 1;
    }
}

static int number(const char *s, long long *out)
{
    char *end;
    errno = 0;
    *out = strtoll(s, &end, 10);
    return errno == 0 && end != s && *end == '\0' ? 0 : -1;
}

int main(int argc, char **argv)
{
    long long partition, count, first, step = 0;
    if ((argc != 6 && argc != 7) || number(argv[3], &partition) || number(argv[4], &count) ||
        number(argv[5], &first) || (argc == 7 && number(argv[6], &step)) || count < 0) {
        fprintf(stderr, "usage: produce-at BOOTSTRAP TOPIC PARTITION COUNT FIRST_TIMESTAMP_MS [STEP_MS]\n");
        return 2;
    }
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", argv[1], errstr, sizeof errstr) ||
        rd_kafka_conf_set(conf, "acks", "all", errstr, sizeof errstr) ||
        rd_kafka_conf_set(conf, "linger.ms", "5", errstr, sizeof errstr)) {
        fprintf(stderr, "produce-at: %s\n", errstr);
        return 2;
    }
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!rk) {
        fprintf(stderr, "produce-at: %s\n", errstr);
        return 2;
    }
    for (long long i = 0; i < count; i++) {
        char value[32];
        int n = snprintf(value, sizeof value, "r%lld", i);
        rd_kafka_resp_err_t err;
        while ((err = rd_kafka_producev(
                    rk, RD_KAFKA_V_TOPIC(argv[2]), RD_KAFKA_V_PARTITION((int32_t)partition),
                    RD_KAFKA_V_VALUE(value, (size_t)n), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                    RD_KAFKA_V_TIMESTAMP(first + i * step), RD_KAFKA_V_END)) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
            rd_kafka_poll(rk, 100);
        if (err) {
            fprintf(stderr, "produce-at: %s\n", rd_kafka_err2str(err));
            failed = 1;
            break;
        }
    }
    if (rd_kafka_flush(rk, 30000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        fprintf(stderr, "produce-at: not every record was acknowledged in 30 s\n");
        failed = 1;
    }
    rd_kafka_destroy(rk);
    return failed;
}
