/* poller.c -- the poller thread: bounded-time metadata, offsets and topic configs of both
 * clusters into the shared state; creates the probe topic if it is missing. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collector.h"
#include "log.h"
#include "rk_util.h"
#include "state.h"
#include "threads.h"

#define DESCRIBE_MAX 200 /* remote topics per DescribeConfigs request */

static int32_t md_partitions(const struct rd_kafka_metadata *md, const char *topic)
{
    for (int i = 0; md && i < md->topic_cnt; i++)
        if (strcmp(md->topics[i].topic, topic) == 0)
            return md->topics[i].err ? 0 : md->topics[i].partition_cnt;
    return 0;
}

static void create_probe_topic(mirror_state *s, int brokers)
{
    long parts = s->cfg.probe_partitions > 0 ? s->cfg.probe_partitions : brokers > 0 ? brokers : 1;
    char err[256];
    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(s->cfg.probe_topic, (int)parts,
                                                    (int)s->cfg.replication_factor, err, sizeof err);
    if (!nt) {
        log_error("cannot describe the probe topic to create", "reason", err, NULL);
        return;
    }
    rd_kafka_queue_t *q = rd_kafka_queue_new(s->source_rk);
    rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(s->source_rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_request_timeout(o, rk_ms(s->cfg.kafka_timeout), NULL, 0);
    rd_kafka_CreateTopics(s->source_rk, &nt, 1, o, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, rk_ms(s->cfg.kafka_timeout) + 1000);
    char n[24];
    snprintf(n, sizeof n, "%ld", parts);
    if (!ev) {
        log_warn("probe topic creation timed out", "topic", s->cfg.probe_topic, NULL);
    } else {
        const rd_kafka_CreateTopics_result_t *res = rd_kafka_event_CreateTopics_result(ev);
        size_t cnt = 0;
        const rd_kafka_topic_result_t **tr = res ? rd_kafka_CreateTopics_result_topics(res, &cnt) : NULL;
        rd_kafka_resp_err_t e = rd_kafka_event_error(ev);
        if (!e && cnt == 1)
            e = rd_kafka_topic_result_error(tr[0]);
        if (e && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
            log_warn("probe topic creation failed", "topic", s->cfg.probe_topic, "error",
                     rd_kafka_err2name(e), NULL);
        else
            log_info("probe topic created", "topic", s->cfg.probe_topic, "partitions", n, NULL);
        rd_kafka_event_destroy(ev);
    }
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_NewTopic_destroy(nt);
    rd_kafka_queue_destroy(q);
}

/* Fills list offsets with the earliest (-2) or latest (-1) offsets; 0, or -1 if the request failed. */
static int list_offsets(rd_kafka_t *rk, rd_kafka_topic_partition_list_t *list, int64_t which, double timeout)
{
    for (int i = 0; i < list->cnt; i++) {
        list->elems[i].offset = which;
        list->elems[i].err = 0;
    }
    return list->cnt == 0 ||
                   rd_kafka_offsets_for_times(rk, list, rk_ms(timeout)) == RD_KAFKA_RESP_ERR_NO_ERROR
               ? 0
               : -1;
}

typedef struct tp_ref {
    char topic[MM2_NAME_MAX + 1];
    int32_t partition;
} tp_ref;

/* The lag record refs[i] was copied from, found by index (records are only appended meanwhile:
 * pruning runs in this thread) and checked; else looked up. Under s->mu. */
static lag_tp *lag_of(mirror_state *s, const tp_ref *refs, size_t i, double now)
{
    if (i < s->nlags && s->lags[i].partition == refs[i].partition &&
        strcmp(s->lags[i].topic, refs[i].topic) == 0)
        return &s->lags[i];
    return mirror_lag_get(s, refs[i].topic, refs[i].partition, now);
}

static void poll_offsets(mirror_state *s, const struct rd_kafka_metadata *smd,
                         const struct rd_kafka_metadata *tmd)
{
    pthread_mutex_lock(&s->mu);
    size_t n = s->nlags;
    tp_ref *refs = calloc(n ? n : 1, sizeof *refs);
    for (size_t i = 0; refs && i < n; i++) {
        memcpy(refs[i].topic, s->lags[i].topic, sizeof refs[i].topic);
        refs[i].partition = s->lags[i].partition;
    }
    pthread_mutex_unlock(&s->mu);
    /* Position in each request list -> index in refs: librdkafka fills the lists in place, in order,
     * so results map back without searching (hundreds of mirrored partitions are common). */
    size_t *src_ref = calloc(n ? n : 1, sizeof *src_ref), *dst_ref = calloc(n ? n : 1, sizeof *dst_ref);
    if (!refs || !src_ref || !dst_ref) {
        free(refs);
        free(src_ref);
        free(dst_ref);
        return;
    }
    rd_kafka_topic_partition_list_t *src = rd_kafka_topic_partition_list_new((int)n + 1);
    rd_kafka_topic_partition_list_t *dst = rd_kafka_topic_partition_list_new((int)n + 1);
    for (size_t i = 0; i < n; i++) {
        char remote[512];
        mirror_remote_name(s, refs[i].topic, remote, sizeof remote);
        /* Only partitions the metadata knows: one unknown topic must not fail the batch. */
        if (smd && refs[i].partition < md_partitions(smd, refs[i].topic)) {
            src_ref[src->cnt] = i;
            rd_kafka_topic_partition_list_add(src, refs[i].topic, refs[i].partition);
        }
        if (tmd && refs[i].partition < md_partitions(tmd, remote)) {
            dst_ref[dst->cnt] = i;
            rd_kafka_topic_partition_list_add(dst, remote, refs[i].partition);
        }
    }
    rd_kafka_topic_partition_list_t *src_start = rd_kafka_topic_partition_list_copy(src);
    int ok_end = smd && list_offsets(s->source_rk, src, RD_KAFKA_OFFSET_END, s->cfg.kafka_timeout) == 0;
    int ok_start =
        smd && list_offsets(s->source_rk, src_start, RD_KAFKA_OFFSET_BEGINNING, s->cfg.kafka_timeout) == 0;
    int ok_dst = tmd && list_offsets(s->target_rk, dst, RD_KAFKA_OFFSET_END, s->cfg.kafka_timeout) == 0;
    double now = now_monotonic();
    pthread_mutex_lock(&s->mu);
    for (int i = 0; ok_end && ok_start && i < src->cnt; i++) {
        const rd_kafka_topic_partition_t *e = &src->elems[i], *b = &src_start->elems[i];
        if (e->err || b->err || e->offset < 0 || b->offset < 0)
            continue;
        lag_tp *t = lag_of(s, refs, src_ref[i], now);
        if (t)
            lag_on_source(t, b->offset, e->offset);
    }
    for (int i = 0; ok_dst && i < dst->cnt; i++) {
        const rd_kafka_topic_partition_t *e = &dst->elems[i];
        if (e->err || e->offset < 0)
            continue;
        lag_tp *t = lag_of(s, refs, dst_ref[i], now);
        if (t)
            lag_on_target(t, e->offset);
    }
    for (size_t i = 0; i < s->nlags; i++)
        lag_update(&s->lags[i], now);
    pthread_mutex_unlock(&s->mu);
    rd_kafka_topic_partition_list_destroy(src);
    rd_kafka_topic_partition_list_destroy(src_start);
    rd_kafka_topic_partition_list_destroy(dst);
    free(refs);
    free(src_ref);
    free(dst_ref);
}

/* Remote topic names to check for LogAppendTime: the mirrored probe topic and every synced topic. */
static size_t remote_names(mirror_state *s, const struct rd_kafka_metadata *tmd,
                           char (*names)[MM2_NAME_MAX + 1], size_t max)
{
    size_t n = 0;
    if (md_partitions(tmd, s->remote_probe_topic) > 0)
        snprintf(names[n++], MM2_NAME_MAX + 1, "%s", s->remote_probe_topic);
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->nlags && n < max; i++) {
        char remote[512];
        mirror_remote_name(s, s->lags[i].topic, remote, sizeof remote);
        if (strlen(remote) > MM2_NAME_MAX || md_partitions(tmd, remote) == 0)
            continue;
        size_t j = 0;
        while (j < n && strcmp(names[j], remote) != 0)
            j++;
        if (j == n)
            memcpy(names[n++], remote, strlen(remote) + 1); /* length checked above */
    }
    pthread_mutex_unlock(&s->mu);
    return n;
}

/* Returns how many topics were asked about (0: none exist yet, ask again next poll). */
static size_t describe_remotes(mirror_state *s, const struct rd_kafka_metadata *tmd)
{
    static char names[DESCRIBE_MAX][MM2_NAME_MAX + 1]; /* only the poller thread uses it */
    size_t n = remote_names(s, tmd, names, DESCRIBE_MAX);
    if (n == 0)
        return 0;
    rd_kafka_ConfigResource_t *res[DESCRIBE_MAX];
    for (size_t i = 0; i < n; i++)
        res[i] = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, names[i]);
    rd_kafka_queue_t *q = rd_kafka_queue_new(s->target_rk);
    rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(s->target_rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
    rd_kafka_AdminOptions_set_request_timeout(o, rk_ms(s->cfg.kafka_timeout), NULL, 0);
    rd_kafka_DescribeConfigs(s->target_rk, res, n, o, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, rk_ms(s->cfg.kafka_timeout) + 1000);
    const rd_kafka_DescribeConfigs_result_t *r = ev ? rd_kafka_event_DescribeConfigs_result(ev) : NULL;
    if (r && !rd_kafka_event_error(ev)) {
        size_t cnt = 0;
        const rd_kafka_ConfigResource_t **rs = rd_kafka_DescribeConfigs_result_resources(r, &cnt);
        remote_topic *out = calloc(cnt ? cnt : 1, sizeof *out);
        size_t nout = 0;
        for (size_t i = 0; out && i < cnt; i++) {
            if (rd_kafka_ConfigResource_error(rs[i]))
                continue;
            size_t nc = 0;
            const rd_kafka_ConfigEntry_t **ce = rd_kafka_ConfigResource_configs(rs[i], &nc);
            remote_topic *rt = &out[nout++];
            snprintf(rt->topic, sizeof rt->topic, "%s", rd_kafka_ConfigResource_name(rs[i]));
            rt->log_append_time = -1;
            for (size_t k = 0; k < nc; k++)
                if (strcmp(rd_kafka_ConfigEntry_name(ce[k]), "message.timestamp.type") == 0) {
                    const char *v = rd_kafka_ConfigEntry_value(ce[k]);
                    rt->log_append_time = v && strcmp(v, "LogAppendTime") == 0;
                }
        }
        if (out) {
            pthread_mutex_lock(&s->mu);
            free(s->remotes);
            s->remotes = out;
            s->nremotes = nout;
            pthread_mutex_unlock(&s->mu);
        }
    }
    if (ev)
        rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_queue_destroy(q);
    for (size_t i = 0; i < n; i++)
        rd_kafka_ConfigResource_destroy(res[i]);
    return n;
}

/* Forgets topic-partitions that no longer exist upstream (deleted topics keep their offset syncs in
 * MM2's compacted topic forever); their expired counts go with them. */
static void prune_deleted(mirror_state *s, const struct rd_kafka_metadata *smd)
{
    pthread_mutex_lock(&s->mu);
    size_t keep = 0;
    for (size_t i = 0; i < s->nlags; i++) {
        const struct rd_kafka_metadata_topic *t = NULL;
        for (int j = 0; j < smd->topic_cnt && !t; j++)
            if (strcmp(smd->topics[j].topic, s->lags[i].topic) == 0)
                t = &smd->topics[j];
        /* A topic in error (leader election...) is kept: only absence means deleted. */
        if (t && (t->err || s->lags[i].partition < t->partition_cnt))
            s->lags[keep++] = s->lags[i];
    }
    s->nlags = keep;
    pthread_mutex_unlock(&s->mu);
}

static const struct rd_kafka_metadata *fetch_metadata(rd_kafka_t *rk, double timeout)
{
    const struct rd_kafka_metadata *md = NULL;
    if (rd_kafka_metadata(rk, 1, NULL, &md, rk_ms(timeout)) != RD_KAFKA_RESP_ERR_NO_ERROR)
        return NULL;
    return md;
}

static void poll_once(mirror_state *s, double *next_describe)
{
    const struct rd_kafka_metadata *smd = fetch_metadata(s->source_rk, s->cfg.kafka_timeout);
    /* Each step may take up to --kafka.timeout: give up between steps once stopping. */
    const struct rd_kafka_metadata *tmd =
        atomic_load(&s->stopping) ? NULL : fetch_metadata(s->target_rk, s->cfg.kafka_timeout);
    int32_t probe_parts = smd ? md_partitions(smd, s->cfg.probe_topic) : -1;
    if (smd && probe_parts == 0 && s->cfg.probe_create) {
        create_probe_topic(s, smd->broker_cnt);
        rd_kafka_metadata_destroy(smd);
        smd = fetch_metadata(s->source_rk, s->cfg.kafka_timeout);
        probe_parts = smd ? md_partitions(smd, s->cfg.probe_topic) : -1;
    }
    pthread_mutex_lock(&s->mu);
    s->up_source = smd != NULL;
    s->up_target = tmd != NULL;
    if (smd) {
        s->source_brokers = smd->broker_cnt;
        if (probe_parts > s->probe_partitions)
            s->probe_partitions = probe_parts;
        int32_t sp = md_partitions(smd, s->offset_syncs_topic);
        if (sp > s->syncs_partitions)
            s->syncs_partitions = sp;
    }
    if (tmd) {
        int32_t a = md_partitions(tmd, s->remote_probe_topic), b = md_partitions(tmd, s->heartbeats_topic),
                c = md_partitions(tmd, s->checkpoints_topic);
        if (a > s->target_probe_partitions || b > s->heartbeats_partitions || c > s->checkpoints_partitions) {
            s->target_probe_partitions = a > s->target_probe_partitions ? a : s->target_probe_partitions;
            s->heartbeats_partitions = b > s->heartbeats_partitions ? b : s->heartbeats_partitions;
            s->checkpoints_partitions = c > s->checkpoints_partitions ? c : s->checkpoints_partitions;
            s->assign_generation++;
        }
    }
    pthread_mutex_unlock(&s->mu);
    if (smd)
        prune_deleted(s, smd);
    if ((smd || tmd) && !atomic_load(&s->stopping))
        poll_offsets(s, smd, tmd);
    if (tmd && !atomic_load(&s->stopping) && now_monotonic() >= *next_describe &&
        describe_remotes(s, tmd) > 0)
        *next_describe = now_monotonic() + s->cfg.config_interval;
    if (smd)
        rd_kafka_metadata_destroy(smd);
    if (tmd)
        rd_kafka_metadata_destroy(tmd);
}

void *poller_main(void *arg)
{
    mirror_state *s = arg;
    double next_describe = 0;
    while (!atomic_load(&s->stopping)) {
        double started = now_monotonic();
        poll_once(s, &next_describe);
        /* librdkafka's threads free in the middle of the heap (fetch buffers, message copies),
         * which glibc only returns from its top: hand the free pages back once a poll. */
        malloc_trim(0);
        /* Sleep in short steps so that shutdown is prompt. */
        while (!atomic_load(&s->stopping) && now_monotonic() < started + s->cfg.poll_interval)
            nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
    }
    return NULL;
}
