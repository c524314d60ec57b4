/* sync_reader.c -- the sync reader thread: MM2's offset-syncs topic on the source cluster. */
#include "collector.h"
#include "log.h"
#include "mm2_records.h"
#include "state.h"
#include "threads.h"

void *sync_reader_main(void *arg)
{
    mirror_state *s = arg;
    int32_t have = 0;
    while (!atomic_load(&s->stopping)) {
        pthread_mutex_lock(&s->mu);
        int32_t want = s->syncs_partitions;
        pthread_mutex_unlock(&s->mu);
        if (want > have) {
            rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(want - have);
            for (int32_t p = have; p < want; p++) /* compacted: the newest sync per key wins */
                rd_kafka_topic_partition_list_add(list, s->offset_syncs_topic, p)->offset =
                    RD_KAFKA_OFFSET_BEGINNING;
            rd_kafka_error_t *e = rd_kafka_incremental_assign(s->source_rk, list);
            if (e) {
                log_warn("offset-syncs assign failed", "reason", rd_kafka_error_string(e), NULL);
                rd_kafka_error_destroy(e);
            } else {
                have = want;
            }
            rd_kafka_topic_partition_list_destroy(list);
        }
        rd_kafka_message_t *m = rd_kafka_consumer_poll(s->source_rk, 200);
        if (!m)
            continue;
        if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            mm2_offset_sync os;
            int ok = mm2_offset_sync_decode(m->key, m->key_len, m->payload, m->len, &os) == 0;
            pthread_mutex_lock(&s->mu);
            lag_tp *t = ok ? mirror_lag_get(s, os.topic, os.partition, now_monotonic()) : NULL;
            if (t)
                lag_on_sync(t, os.upstream_offset, os.downstream_offset);
            else if (!ok)
                s->internal_invalid[INTERNAL_OFFSET_SYNCS]++;
            pthread_mutex_unlock(&s->mu);
        } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            log_debug("offset-syncs consumer", "error", rd_kafka_err2name(m->err), NULL);
        }
        rd_kafka_message_destroy(m);
    }
    return NULL;
}
