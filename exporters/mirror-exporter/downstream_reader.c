/* downstream_reader.c -- the downstream reader thread: mirrored probes (committed offsets, so a
 * restart resumes), MM2's heartbeats and checkpoints; everything undecodable is counted. */
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collector.h"
#include "log.h"
#include "mm2_records.h"
#include "state.h"
#include "threads.h"

#define READ_BATCH 256
#define GATHER_NS (1000 * 1000)

typedef struct assigned {
    int32_t probe, heartbeats, checkpoints;
} assigned;

/* Adds partitions [from, to) of topic at `offset` to list. */
static void add_range(rd_kafka_topic_partition_list_t *list, const char *topic, int32_t from, int32_t to,
                      int64_t offset)
{
    for (int32_t p = from; p < to; p++)
        rd_kafka_topic_partition_list_add(list, topic, p)->offset = offset;
}

/* Assigns the partitions that appeared since the last call; earlier ones keep their position. */
static void grow_assignment(mirror_state *s, assigned *have)
{
    pthread_mutex_lock(&s->mu);
    assigned want = {s->target_probe_partitions, s->heartbeats_partitions, s->checkpoints_partitions};
    pthread_mutex_unlock(&s->mu);
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(8);
    /* Probes resume from the committed offset (earliest the first time: no probe of this run
     * can be missed); heartbeats from near the end; checkpoints (compacted) from the start. */
    add_range(list, s->remote_probe_topic, have->probe, want.probe, RD_KAFKA_OFFSET_STORED);
    add_range(list, s->heartbeats_topic, have->heartbeats, want.heartbeats, RD_KAFKA_OFFSET_TAIL(5));
    add_range(list, s->checkpoints_topic, have->checkpoints, want.checkpoints, RD_KAFKA_OFFSET_BEGINNING);
    if (list->cnt > 0) {
        rd_kafka_error_t *e = rd_kafka_incremental_assign(s->target_rk, list);
        if (e) {
            log_warn("downstream assign failed", "reason", rd_kafka_error_string(e), NULL);
            rd_kafka_error_destroy(e);
        } else {
            if (want.probe > have->probe)
                have->probe = want.probe;
            if (want.heartbeats > have->heartbeats)
                have->heartbeats = want.heartbeats;
            if (want.checkpoints > have->checkpoints)
                have->checkpoints = want.checkpoints;
        }
    }
    rd_kafka_topic_partition_list_destroy(list);
}

/* Under s->mu. */
static void on_probe(mirror_state *s, const rd_kafka_message_t *m, double now)
{
    probe pr;
    if (probe_decode(m->payload, m->len, &pr) == 0)
        account_on_receive(s->acct, &pr, m->partition, now);
    else
        account_on_invalid(s->acct);
}

/* Under s->mu. */
static void on_heartbeat(mirror_state *s, const rd_kafka_message_t *m)
{
    mm2_heartbeat hb;
    int ok = mm2_heartbeat_decode(m->key, m->key_len, m->payload, m->len, &hb) == 0;
    /* Whatever aliases the key names: the topic is the mirror path being watched. */
    if (ok && (double)hb.timestamp_ms / 1000.0 > s->heartbeat_last)
        s->heartbeat_last = (double)hb.timestamp_ms / 1000.0;
    else if (!ok)
        s->internal_invalid[INTERNAL_HEARTBEATS]++;
}

/* Under s->mu. */
static void on_checkpoint(mirror_state *s, const rd_kafka_message_t *m)
{
    mm2_checkpoint cp;
    int ok = mm2_checkpoint_decode(m->key, m->key_len, m->payload, m->len, &cp) == 0;
    int64_t ts = rd_kafka_message_timestamp(m, NULL);
    /* Checkpoints carry no time of their own: the record timestamp is when MM2 emitted it. */
    double t = ts > 0 ? (double)ts / 1000.0 : now_realtime();
    if (ok)
        mirror_age_note(&s->checkpoints, &s->ncheckpoints, cp.group, t);
    else
        s->internal_invalid[INTERNAL_CHECKPOINTS]++;
}

/* Waits up to timeout_ms for the consumer queue's wake-up byte and empties the pipe; returns
 * the monotonic time of the wake-up, or 0 on timeout. */
static double wait_wakeup(int fd, int timeout_ms)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    if (poll(&pfd, 1, timeout_ms) <= 0)
        return 0;
    double woke = now_monotonic();
    /* The broker thread hands over a fetch response one partition at a time: let it finish
     * rather than race it for the queue lock and be woken again for every partition. */
    nanosleep(&(struct timespec){0, GATHER_NS}, NULL);
    char buf[64];
    while (read(fd, buf, sizeof buf) > 0)
        ;
    return woke;
}

void *downstream_reader_main(void *arg)
{
    mirror_state *s = arg;
    assigned have = {0, 0, 0};
    uint64_t gen = (uint64_t)-1;
    rd_kafka_queue_t *queue = rd_kafka_queue_get_consumer(s->target_rk);
    rd_kafka_message_t *msgs[READ_BATCH];
    /* Blocking inside rd_kafka_consume_batch_queue costs twice: it waits until the batch is full
     * or the timeout passes (stamping early probes late), and the broker thread wakes this thread
     * through a condition variable once per partition of every fetch response. Instead the queue
     * writes one byte to a pipe when it turns non-empty, and it is drained without blocking;
     * what one wake-up finds is stamped with the wake-up time (the records arrived together). */
    int pipefd[2] = {-1, -1};
    double woke = 0;
    if (pipe2(pipefd, O_NONBLOCK | O_CLOEXEC) == 0)
        rd_kafka_queue_io_event_enable(queue, pipefd[1], "1", 1);
    while (!atomic_load(&s->stopping)) {
        pthread_mutex_lock(&s->mu);
        uint64_t g = s->assign_generation;
        pthread_mutex_unlock(&s->mu);
        if (g != gen) {
            grow_assignment(s, &have);
            gen = g;
        }
        ssize_t n = rd_kafka_consume_batch_queue(queue, pipefd[0] >= 0 ? 0 : 200, msgs, READ_BATCH);
        if (n <= 0) {
            if (pipefd[0] >= 0)
                woke = wait_wakeup(pipefd[0], 200);
            continue;
        }
        double now = now_monotonic();
        if (woke > 0 && n < READ_BATCH && now - woke < 0.1)
            now = woke;
        woke = 0; /* a backlog read in several batches is stamped as it is read */
        pthread_mutex_lock(&s->mu);
        for (ssize_t i = 0; i < n; i++) {
            const rd_kafka_message_t *m = msgs[i];
            if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR && m->rkt) {
                const char *topic = rd_kafka_topic_name(m->rkt);
                if (strcmp(topic, s->remote_probe_topic) == 0)
                    on_probe(s, m, now);
                else if (strcmp(topic, s->heartbeats_topic) == 0)
                    on_heartbeat(s, m);
                else if (strcmp(topic, s->checkpoints_topic) == 0)
                    on_checkpoint(s, m);
            }
        }
        pthread_mutex_unlock(&s->mu);
        for (ssize_t i = 0; i < n; i++) {
            if (msgs[i]->err && msgs[i]->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                log_debug("downstream consumer", "error", rd_kafka_err2name(msgs[i]->err), NULL);
            rd_kafka_message_destroy(msgs[i]);
        }
    }
    if (pipefd[0] >= 0) {
        rd_kafka_queue_io_event_enable(queue, -1, NULL, 0);
        close(pipefd[0]);
        close(pipefd[1]);
    }
    rd_kafka_queue_destroy(queue);
    return NULL;
}
