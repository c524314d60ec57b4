/* probe_sender.c -- the probe sender thread: one probe per partition per interval upstream,
 * idempotent and acks=all; delivery reports go to the accounting; settles overdue probes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collector.h"
#include "log.h"
#include "rk_util.h"
#include "state.h"
#include "threads.h"

/* The delivery report's opaque packs the partition (low 16 bits) and sequence number. */
#define OPAQUE_PART_BITS 16

/* Delivery reports arrive in the sender thread (inside rd_kafka_poll); they are collected here
 * and applied under one lock per poll rather than one per probe. */
typedef struct ack {
    int32_t part;
    int ok;
    uint64_t seq;
} ack;
#define ACK_BATCH 1024

typedef struct ack_batch {
    ack acks[ACK_BATCH];
    size_t n;
} ack_batch;

static _Thread_local ack_batch *acks_pending;

static void acks_flush(mirror_state *s)
{
    ack_batch *b = acks_pending;
    if (!b || b->n == 0)
        return;
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < b->n; i++)
        account_on_ack(s->acct, b->acks[i].part, b->acks[i].seq, b->acks[i].ok);
    pthread_mutex_unlock(&s->mu);
    b->n = 0;
}

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    mirror_state *s = opaque;
    uintptr_t o = (uintptr_t)m->_private;
    ack_batch *b = acks_pending;
    if (b->n == ACK_BATCH)
        acks_flush(s);
    b->acks[b->n++] = (ack){.part = (int32_t)(o & ((1u << OPAQUE_PART_BITS) - 1)),
                            .seq = (uint64_t)(o >> OPAQUE_PART_BITS),
                            .ok = m->err == RD_KAFKA_RESP_ERR_NO_ERROR};
    if (m->err)
        log_debug("probe not delivered", "error", rd_kafka_err2name(m->err), NULL);
}

/* rd_kafka_poll that applies the delivery reports it served. */
static void serve(mirror_state *s, rd_kafka_t *rk, int timeout_ms)
{
    rd_kafka_poll(rk, timeout_ms);
    acks_flush(s);
}

static void producer_hook(rd_kafka_conf_t *conf, void *arg)
{
    rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
    rd_kafka_conf_set_opaque(conf, arg);
}

static rd_kafka_t *new_producer(mirror_state *s)
{
    char timeout[32], err[512];
    /* Undelivered probes must be reported well before they could be counted lost. */
    snprintf(timeout, sizeof timeout, "%d", rk_ms(s->cfg.deadline / 2));
    const char *extra[] = {"enable.idempotence",
                           "true",
                           "acks",
                           "all",
                           "linger.ms",
                           "5",
                           "message.timeout.ms",
                           timeout,
                           "queue.buffering.max.messages",
                           "100000",
                           "queue.buffering.max.kbytes",
                           "16384",
                           NULL};
    rd_kafka_t *rk = rk_new(RD_KAFKA_PRODUCER, "mirror-exporter-probe", s->source_bootstrap,
                            &s->cfg.source_options, extra, producer_hook, s, err, sizeof err);
    if (!rk)
        log_error("cannot create the probe producer", "reason", err, NULL);
    return rk;
}

static void drop_producer(mirror_state *s, rd_kafka_t *rk)
{
    rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    serve(s, rk, 100); /* purged probes come back as failed deliveries */
    rd_kafka_destroy(rk);
}

typedef struct round_buf {
    uint64_t *seqs;
    int32_t n;
} round_buf;

static void send_round(mirror_state *s, rd_kafka_t *rk, double now, round_buf *rb)
{
    /* Sequence numbers for the whole round under one lock. */
    pthread_mutex_lock(&s->mu);
    int32_t n = s->probe_partitions;
    int ok = n > 0 && account_ensure_partitions(s->acct, (size_t)n) == 0;
    if (ok && n > rb->n) {
        uint64_t *grown = realloc(rb->seqs, (size_t)n * sizeof *grown);
        if (grown) {
            rb->seqs = grown;
            rb->n = n;
        }
    }
    if (ok && n > rb->n)
        n = rb->n;
    for (int32_t p = 0; ok && p < n; p++)
        if (account_on_send(s->acct, p, now, &rb->seqs[p]) < 0)
            ok = 0;
    pthread_mutex_unlock(&s->mu);
    if (!ok)
        return;
    for (int32_t p = 0; p < n; p++) {
        probe pr = {
            .run_id = s->run_id, .partition = p, .seq = rb->seqs[p], .send_ns = (uint64_t)(now * 1e9)};
        memcpy(pr.exporter_id, s->exporter_id, sizeof pr.exporter_id);
        uint8_t payload[PROBE_MAX_LEN];
        int len = probe_encode(&pr, payload, sizeof payload);
        rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR__INVALID_ARG;
        if (len > 0) {
            uintptr_t o = (uintptr_t)(pr.seq << OPAQUE_PART_BITS | (uint64_t)p);
            err = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(s->cfg.probe_topic), RD_KAFKA_V_PARTITION(p),
                                    RD_KAFKA_V_VALUE(payload, (size_t)len),
                                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE((void *)o),
                                    RD_KAFKA_V_END);
        }
        if (err) {
            pthread_mutex_lock(&s->mu);
            account_on_ack(s->acct, p, pr.seq, 0);
            pthread_mutex_unlock(&s->mu);
        }
    }
}

void *probe_sender_main(void *arg)
{
    mirror_state *s = arg;
    rd_kafka_t *rk = NULL;
    ack_batch batch = {.n = 0};
    round_buf rb = {NULL, 0};
    acks_pending = &batch;
    double next_send = now_monotonic(), next_tick = next_send + 1, retry_at = 0;
    while (!atomic_load(&s->stopping)) {
        double now = now_monotonic();
        if (!rk && now >= retry_at) {
            rk = new_producer(s);
            retry_at = now + 5;
        }
        if (rk && rd_kafka_fatal_error(rk, NULL, 0) != RD_KAFKA_RESP_ERR_NO_ERROR) {
            log_warn("probe producer hit a fatal error; recreating it", NULL);
            drop_producer(s, rk);
            rk = NULL;
            continue;
        }
        if (now >= next_send) {
            if (rk)
                send_round(s, rk, now, &rb);
            next_send += s->cfg.probe_interval;
            if (next_send < now) /* fell behind (suspended?): skip, don't burst */
                next_send = now + s->cfg.probe_interval;
        }
        if (now >= next_tick) {
            pthread_mutex_lock(&s->mu);
            account_tick(s->acct, now);
            pthread_mutex_unlock(&s->mu);
            next_tick = now + 1;
        }
        double wait = next_send - now_monotonic();
        if (wait > 0.1)
            wait = 0.1;
        /* Delivery reports are served once per wake-up, not waited for: blocking in rd_kafka_poll
         * would wake this thread once per report, i.e. once per probe. */
        if (rk)
            serve(s, rk, 0);
        if (wait > 0)
            nanosleep(&(struct timespec){0, (long)(wait * 1e9)}, NULL);
    }
    if (rk) {
        rd_kafka_flush(rk, 2000);
        drop_producer(s, rk);
    }
    free(rb.seqs);
    acks_pending = NULL;
    return NULL;
}
