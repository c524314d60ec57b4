/* records.c -- the timestamp of the record at an offset, read with a bounded one-record fetch.
 *
 * Each chosen read starts the legacy consumer of its partition at the offset, onto one private
 * queue; the first message (or error) of each partition settles it, and every partition is stopped
 * before returning. The client is set up for this in rdk.c: auto.offset.reset=error (a deleted
 * offset is an error, not a jump to the end) and small fetches (one record is wanted, not a
 * prefetch of megabytes). */
#include "records.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "snapshot.h"
#include "xalloc.h"

static kx_read *match(kx_read *reads, size_t n, const char *topic, int32_t partition)
{
    for (size_t i = 0; i < n; i++)
        if (reads[i].chosen && reads[i].partition == partition && strcmp(reads[i].topic, topic) == 0)
            return &reads[i];
    return NULL;
}

int kx_records_read(rd_kafka_t *rk, kx_read *reads, size_t n, double deadline)
{
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_topic_t **rkts = xcalloc(n, sizeof *rkts);
    int chosen = 0;
    size_t pending = 0;
    for (size_t i = 0; i < n; i++) {
        if (!reads[i].chosen)
            continue;
        chosen++;
        reads[i].result = KX_READ_PENDING;
        rkts[i] = rd_kafka_topic_new(rk, reads[i].topic, NULL);
        if (!rkts[i] || rd_kafka_consume_start_queue(rkts[i], reads[i].partition, reads[i].offset, q) != 0) {
            log_debug("record read not started", "topic", reads[i].topic, "error",
                      rd_kafka_err2str(rd_kafka_last_error()), NULL);
            reads[i].result = KX_READ_FAILED;
            if (rkts[i])
                rd_kafka_topic_destroy(rkts[i]);
            rkts[i] = NULL;
            continue;
        }
        pending++;
    }
    while (pending > 0 && now_monotonic() < deadline) {
        rd_kafka_message_t *m = rd_kafka_consume_queue(q, kx_remaining_ms(deadline));
        if (!m)
            continue;
        kx_read *r = m->rkt ? match(reads, n, rd_kafka_topic_name(m->rkt), m->partition) : NULL;
        if (r && r->result == KX_READ_PENDING) {
            if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                /* Nothing at or after the offset yet: stays pending until a record comes. */
            } else if (m->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET ||
                       m->err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE) {
                r->result = KX_READ_GONE;
                pending--;
            } else if (m->err) {
                log_debug("record read failed", "topic", r->topic, "error", rd_kafka_err2str(m->err), NULL);
                r->result = KX_READ_FAILED;
                pending--;
            } else if (m->offset >= r->offset) {
                rd_kafka_timestamp_type_t type;
                int64_t ts = rd_kafka_message_timestamp(m, &type);
                r->result = ts >= 0 ? KX_READ_OK : KX_READ_FAILED; /* pre-0.10 records have none */
                r->ts_ms = ts;
                r->found_offset = m->offset;
                pending--;
            }
        }
        rd_kafka_message_destroy(m);
    }
    for (size_t i = 0; i < n; i++) {
        if (!rkts[i])
            continue;
        rd_kafka_consume_stop(rkts[i], reads[i].partition);
        rd_kafka_topic_destroy(rkts[i]);
    }
    free(rkts);
    rd_kafka_queue_destroy(q);
    return chosen;
}
