/* setup.c -- fills a cluster for the kafka-exporter benchmark: topics, one record per partition, groups. */
#include <errno.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long arg_long(const char *s)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < 0) {
        fprintf(stderr, "setup: not a number: %s\n", s);
        exit(2);
    }
    return v;
}

static rd_kafka_t *client(rd_kafka_type_t type, const char *bootstrap)
{
    char errstr[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    /* A broker busy creating tens of thousands of partitions answers other requests minutes late: the
     * default 60 s socket timeout dropped the connection in the middle of a fill (300 s: librdkafka's
     * maximum). */
    if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, errstr, sizeof errstr) != RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(conf, "socket.timeout.ms", "300000", errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "setup: %s\n", errstr);
        exit(1);
    }
    rd_kafka_t *rk = rd_kafka_new(type, conf, errstr, sizeof errstr);
    if (!rk) {
        fprintf(stderr, "setup: %s\n", errstr);
        exit(1);
    }
    return rk;
}

/* Waits for `n` admin results on q; returns how many carried an error. */
static int wait_results(rd_kafka_queue_t *q, int n)
{
    int failed = 0;
    for (int got = 0; got < n;) {
        rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 600000);
        if (!ev) {
            fprintf(stderr, "setup: timed out waiting for admin results\n");
            return n - got;
        }
        if (rd_kafka_event_error(ev)) {
            fprintf(stderr, "setup: %s\n", rd_kafka_event_error_string(ev));
            failed++;
        }
        got++;
        rd_kafka_event_destroy(ev);
    }
    return failed;
}

/* Admin options with a long timeout: creating thousands of partitions on one broker is slow. */
static rd_kafka_AdminOptions_t *slow_options(rd_kafka_t *rk, rd_kafka_admin_op_t op)
{
    char errstr[256];
    rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(rk, op);
    if (rd_kafka_AdminOptions_set_request_timeout(o, 600000, errstr, sizeof errstr) ||
        (op == RD_KAFKA_ADMIN_OP_CREATETOPICS &&
         rd_kafka_AdminOptions_set_operation_timeout(o, 600000, errstr, sizeof errstr))) {
        fprintf(stderr, "setup: %s\n", errstr);
        exit(1);
    }
    return o;
}

/* One batch of 20 topics at a time, so the single broker is never asked for too much at once. */
static void create_topics(rd_kafka_t *rk, const char *prefix, long ntopics, long nparts)
{
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *o = slow_options(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    char name[128], errstr[256];
    for (long first = 0; first < ntopics; first += 20) {
        long n = ntopics - first < 20 ? ntopics - first : 20;
        rd_kafka_NewTopic_t *nt[20];
        for (long i = 0; i < n; i++) {
            snprintf(name, sizeof name, "%s-t%04ld", prefix, first + i);
            nt[i] = rd_kafka_NewTopic_new(name, (int)nparts, 1, errstr, sizeof errstr);
        }
        rd_kafka_CreateTopics(rk, nt, (size_t)n, o, q);
        rd_kafka_NewTopic_destroy_array(nt, (size_t)n);
        /* Topic-level errors (e.g. already exists on a rerun) are fine: the result itself must arrive. */
        if (wait_results(q, 1))
            exit(1);
    }
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_queue_destroy(q);
}

static void produce_one_each(rd_kafka_t *rk, const char *prefix, long ntopics, long nparts)
{
    char name[128];
    for (long t = 0; t < ntopics; t++) {
        snprintf(name, sizeof name, "%s-t%04ld", prefix, t);
        for (long p = 0; p < nparts; p++) {
            while (rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(name), RD_KAFKA_V_PARTITION((int32_t)p),
                                     RD_KAFKA_V_VALUE("bench", 5),
                                     RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
                rd_kafka_poll(rk, 100);
        }
        rd_kafka_poll(rk, 0);
    }
    if (rd_kafka_flush(rk, 300000)) {
        fprintf(stderr, "setup: produce did not finish\n");
        exit(1);
    }
}

/* Each group commits offset 0 on every partition of two topics (so 100 partitions at 50 per topic). */
static void commit_groups(rd_kafka_t *rk, const char *prefix, long ngroups, long ntopics, long nparts)
{
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *o = slow_options(rk, RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS);
    char group[128], topic[128];
    for (long g = 0; g < ngroups; g++) {
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)(2 * nparts));
        for (long k = 0; k < 2 && k < ntopics; k++) {
            snprintf(topic, sizeof topic, "%s-t%04ld", prefix, (g + k) % ntopics);
            for (long p = 0; p < nparts; p++)
                rd_kafka_topic_partition_list_add(l, topic, (int32_t)p)->offset = 0;
        }
        snprintf(group, sizeof group, "%s-g%04ld", prefix, g);
        rd_kafka_AlterConsumerGroupOffsets_t *a = rd_kafka_AlterConsumerGroupOffsets_new(group, l);
        rd_kafka_AlterConsumerGroupOffsets(rk, &a, 1, o, q);
        rd_kafka_AlterConsumerGroupOffsets_destroy(a);
        rd_kafka_topic_partition_list_destroy(l);
    }
    if (wait_results(q, (int)ngroups))
        exit(1);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_queue_destroy(q);
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: setup BOOTSTRAP PREFIX TOPICS PARTITIONS_PER_TOPIC GROUPS\n");
        return 2;
    }
    const char *bootstrap = argv[1], *prefix = argv[2];
    long ntopics = arg_long(argv[3]), nparts = arg_long(argv[4]), ngroups = arg_long(argv[5]);
    rd_kafka_t *rk = client(RD_KAFKA_PRODUCER, bootstrap);
    create_topics(rk, prefix, ntopics, nparts);
    fprintf(stderr, "setup: %ld topics x %ld partitions created\n", ntopics, nparts);
    produce_one_each(rk, prefix, ntopics, nparts);
    fprintf(stderr, "setup: one record per partition written\n");
    commit_groups(rk, prefix, ngroups, ntopics, nparts);
    fprintf(stderr, "setup: %ld groups with commits\n", ngroups);
    rd_kafka_destroy(rk);
    return 0;
}
