/* offsetlog.c -- the reader of __consumer_offsets and the commits it keeps (offsetlog.h).
 *
 * Threads: the reader thread alone polls its handle and writes the store; the collection thread reads it
 * (kx_offsetlog_ready, kx_offsetlog_each). One mutex guards the entries, the table and the read state;
 * `stop` is atomic so the thread sees it between polls of 200 ms. */
#include "offsetlog.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "hashtab.h"
#include "log.h"
#include "offsetrec.h"
#include "xalloc.h"

#define TOPIC "__consumer_offsets"

typedef struct entry {
    char *group, *topic;
    int32_t partition;
    int64_t offset; /* -1: removed by a tombstone (the entry is reused by a later commit) */
} entry;

struct kx_offsetlog {
    kx_offsetlog_keep_fn keep;
    void *keep_arg;
    pthread_mutex_t lock;
    /* Under lock: */
    entry *v;
    size_t n, cap;
    hashtab index; /* hash of (group, topic, partition) -> index in v + 1 */
    bool *eof;     /* per partition: read to its end since start or its last error */
    int nparts;    /* 0 until the partitions are being read */
    bool ready, full;
    char why[192];
    uint64_t malformed, applied;

    rd_kafka_t *rk;
    rd_kafka_topic_t *rkt; /* the topic, while its partitions are read (reader thread only) */
    rd_kafka_queue_t *q;   /* where they are read to */
    pthread_t thread;
    bool started;
    atomic_bool stop;
};

typedef struct lookup {
    const char *group, *topic;
    size_t group_len, topic_len;
    int32_t partition;
} lookup;

static uint64_t key_hash(const lookup *k)
{
    uint64_t h = hashtab_fnv1a(k->group, k->group_len, HASHTAB_FNV_BASIS);
    h = hashtab_fnv1a("", 1, h); /* a separator: ("ab","c") is not ("a","bc") */
    h = hashtab_fnv1a(k->topic, k->topic_len, h);
    return hashtab_fnv1a(&k->partition, sizeof k->partition, h);
}

static int key_match(uint64_t value, const void *owner, const void *key)
{
    const entry *e = &((const entry *)owner)[value - 1];
    const lookup *k = key;
    return e->partition == k->partition && strlen(e->group) == k->group_len &&
           memcmp(e->group, k->group, k->group_len) == 0 && strlen(e->topic) == k->topic_len &&
           memcmp(e->topic, k->topic, k->topic_len) == 0;
}

kx_offsetlog *kx_offsetlog_new(kx_offsetlog_keep_fn keep, void *arg)
{
    kx_offsetlog *l = xcalloc(1, sizeof *l);
    l->keep = keep;
    l->keep_arg = arg;
    pthread_mutex_init(&l->lock, NULL);
    l->index = (hashtab)HASHTAB_INIT;
    snprintf(l->why, sizeof l->why, TOPIC " not read yet");
    atomic_init(&l->stop, false);
    return l;
}

/* Keeps or removes one commit; lock held. A store that ran out of memory stops growing and is never ready
 * again (the collection asks the coordinators). */
static void store(kx_offsetlog *l, const kx_offsetrec_key *k, bool tombstone, int64_t offset)
{
    lookup key = {k->group, k->topic, k->group_len, k->topic_len, k->partition};
    uint64_t h = key_hash(&key);
    uint64_t at = hashtab_find(&l->index, h, key_match, l->v, &key);
    if (at) {
        l->v[at - 1].offset = tombstone ? -1 : offset;
        return;
    }
    if (tombstone || l->full)
        return;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 1024;
        entry *v = reallocarray(l->v, cap, sizeof *v);
        if (!v)
            goto full;
        l->v = v;
        l->cap = cap;
    }
    entry e = {strndup(k->group, k->group_len), strndup(k->topic, k->topic_len), k->partition, offset};
    if (!e.group || !e.topic || hashtab_add(&l->index, h, l->n + 1) != 0) {
        free(e.group);
        free(e.topic);
        goto full;
    }
    l->v[l->n++] = e;
    return;
full:
    l->full = true;
    l->ready = false;
    snprintf(l->why, sizeof l->why, TOPIC ": out of memory after %zu commits", l->n);
    log_error("commits from " TOPIC " no longer kept: out of memory", NULL);
}

void kx_offsetlog_apply(kx_offsetlog *l, const void *key, size_t klen, const void *value, size_t vlen)
{
    kx_offsetrec_key k;
    int64_t offset = -1;
    int kind = kx_offsetrec_key_decode(key, klen, &k);
    bool bad = kind == KX_OFFSETREC_BAD ||
               (kind == KX_OFFSETREC_COMMIT && value && kx_offsetrec_value_decode(value, vlen, &offset) != 0);
    bool keep = kind == KX_OFFSETREC_COMMIT && !bad;
    char group[256];
    /* The group filter wants a C string; a longer name than this is matched truncated. */
    if (keep && l->keep) {
        snprintf(group, sizeof group, "%.*s", (int)(k.group_len < 255 ? k.group_len : 255), k.group);
        keep = l->keep(l->keep_arg, group);
    }
    pthread_mutex_lock(&l->lock);
    if (bad)
        l->malformed++;
    if (keep) {
        store(l, &k, value == NULL, offset);
        l->applied++;
    }
    pthread_mutex_unlock(&l->lock);
}

bool kx_offsetlog_ready(kx_offsetlog *l, char *why, size_t whylen)
{
    pthread_mutex_lock(&l->lock);
    bool ready = l->ready;
    if (!ready)
        snprintf(why, whylen, "%s", l->why);
    pthread_mutex_unlock(&l->lock);
    return ready;
}

void kx_offsetlog_each(kx_offsetlog *l, kx_offsetlog_each_fn each, void *arg)
{
    pthread_mutex_lock(&l->lock);
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].offset >= 0)
            each(arg, l->v[i].group, l->v[i].topic, l->v[i].partition, l->v[i].offset);
    pthread_mutex_unlock(&l->lock);
}

uint64_t kx_offsetlog_malformed(kx_offsetlog *l)
{
    pthread_mutex_lock(&l->lock);
    uint64_t n = l->malformed;
    pthread_mutex_unlock(&l->lock);
    return n;
}

/* ---- the reader thread ---- */

/* Starts reading every partition of the topic from its beginning onto l->q, with the legacy consumer (an
 * assignment would need a group.id, hence a group and its coordinator); 0, or -1 with the reason in
 * l->why. */
static int read_all(kx_offsetlog *l)
{
    const rd_kafka_metadata_t *md = NULL;
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(l->rk, TOPIC, NULL);
    rd_kafka_resp_err_t err = rkt ? rd_kafka_metadata(l->rk, 0, rkt, &md, 2000) : rd_kafka_last_error();
    int nparts = 0;
    if (!err && (md->topic_cnt != 1 || md->topics[0].err))
        err = md->topic_cnt == 1 ? md->topics[0].err : RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
    if (!err)
        nparts = md->topics[0].partition_cnt;
    if (md)
        rd_kafka_metadata_destroy(md);
    if (!err && nparts == 0)
        err = RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
    int started = 0;
    for (; !err && started < nparts; started++)
        if (rd_kafka_consume_start_queue(rkt, started, RD_KAFKA_OFFSET_BEGINNING, l->q) != 0)
            err = rd_kafka_last_error();
    if (err) {
        for (int p = 0; p < started; p++)
            rd_kafka_consume_stop(rkt, p);
        if (rkt)
            rd_kafka_topic_destroy(rkt);
        rkt = NULL;
    }
    l->rkt = rkt;
    pthread_mutex_lock(&l->lock);
    if (err) {
        snprintf(l->why, sizeof l->why, TOPIC ": %s", rd_kafka_err2str(err));
    } else {
        l->eof = xcalloc((size_t)nparts, sizeof *l->eof);
        l->nparts = nparts;
        snprintf(l->why, sizeof l->why, TOPIC ": still reading to its end");
    }
    pthread_mutex_unlock(&l->lock);
    return err ? -1 : 0;
}

/* A partition at its end (at_end) or failed (err); lock held. Ready while every partition is at its end.
 * An error of no partition (a broker down) changes nothing: librdkafka retries it, and the end of a
 * partition is reported only once per new record, so waiting for it again could wait for ever. */
static void partition_state(kx_offsetlog *l, int32_t p, bool at_end, const char *err)
{
    if (err && !l->full && !l->ready)
        snprintf(l->why, sizeof l->why, TOPIC ": %s", err);
    if (p < 0 || p >= l->nparts)
        return;
    l->eof[p] = at_end;
    bool all = !l->full;
    for (int i = 0; i < l->nparts && all; i++)
        all = l->eof[i];
    if (!all && !l->full && err)
        snprintf(l->why, sizeof l->why, TOPIC " partition %d: %s", (int)p, err);
    l->ready = all;
}

static void *reader_run(void *arg)
{
    kx_offsetlog *l = arg;
    double t0 = now_monotonic(), retry = 0;
    bool reading = false, logged_ready = false, logged_err = false;
    while (!atomic_load(&l->stop)) {
        if (!reading) {
            /* The topic exists once a group has committed; until then (or while the metadata fails)
             * try again every 5 s. */
            if (now_monotonic() < retry) {
                rd_kafka_poll(l->rk, 200);
                continue;
            }
            reading = read_all(l) == 0;
            retry = now_monotonic() + 5;
            char why[192];
            if (!reading && !logged_err && !kx_offsetlog_ready(l, why, sizeof why))
                log_warn("cannot read " TOPIC ": committed offsets are asked of the coordinators", "reason",
                         why, NULL);
            logged_err = !reading;
            continue;
        }
        rd_kafka_poll(l->rk, 0); /* error callbacks (and OAUTHBEARER token refreshes) */
        rd_kafka_message_t *m = rd_kafka_consume_queue(l->q, 200);
        if (!m)
            continue;
        if (!m->err) {
            kx_offsetlog_apply(l, m->key, m->key_len, m->payload, m->len);
        } else {
            bool eof = m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF;
            const char *reason = eof ? NULL : rd_kafka_message_errstr(m);
            pthread_mutex_lock(&l->lock);
            partition_state(l, m->rkt ? m->partition : -1, eof, reason);
            bool ready = l->ready;
            uint64_t applied = l->applied;
            size_t n = l->n;
            pthread_mutex_unlock(&l->lock);
            if (ready && !logged_ready) {
                char secs[32], records[32], commits[32];
                snprintf(secs, sizeof secs, "%.1f", now_monotonic() - t0);
                snprintf(records, sizeof records, "%llu", (unsigned long long)applied);
                snprintf(commits, sizeof commits, "%zu", n);
                log_info("commits read from " TOPIC, "seconds", secs, "records", records, "commits", commits,
                         NULL);
                logged_ready = true;
            }
            /* One warning per failure (an ACL refusal repeats on every fetch), then debug. */
            if (reason && !logged_err)
                log_warn("cannot read " TOPIC ": committed offsets are asked of the coordinators", "reason",
                         reason, NULL);
            else if (reason)
                log_debug("cannot read " TOPIC, "reason", reason, NULL);
            logged_err = reason != NULL || (logged_err && !eof);
        }
        rd_kafka_message_destroy(m);
    }
    for (int p = 0; l->rkt && p < l->nparts; p++)
        rd_kafka_consume_stop(l->rkt, p);
    if (l->rkt)
        rd_kafka_topic_destroy(l->rkt);
    l->rkt = NULL;
    return NULL;
}

int kx_offsetlog_start(kx_offsetlog *l, rd_kafka_t *rk, char *err, size_t errlen)
{
    l->rk = rk;
    l->q = rd_kafka_queue_new(rk);
    if (pthread_create(&l->thread, NULL, reader_run, l) != 0) {
        rd_kafka_queue_destroy(l->q);
        l->q = NULL;
        l->rk = NULL;
        snprintf(err, errlen, "cannot start the " TOPIC " reader thread");
        return -1;
    }
    l->started = true;
    return 0;
}

void kx_offsetlog_add_brokers(kx_offsetlog *l, const char *list)
{
    if (l && l->rk && list && *list)
        rd_kafka_brokers_add(l->rk, list);
}

void kx_offsetlog_free(kx_offsetlog *l)
{
    if (!l)
        return;
    if (l->started) {
        atomic_store(&l->stop, true);
        pthread_join(l->thread, NULL);
    }
    if (l->q)
        rd_kafka_queue_destroy(l->q);
    if (l->rk)
        rd_kafka_destroy(l->rk);
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].group);
        free(l->v[i].topic);
    }
    free(l->v);
    free(l->eof);
    hashtab_release(&l->index);
    pthread_mutex_destroy(&l->lock);
    free(l);
}
