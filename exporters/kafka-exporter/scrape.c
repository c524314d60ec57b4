/* scrape.c -- one collection of the cluster (run by collection.c), the prepare stage that hands its
 * snapshot to a scrape, and the collector table. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "kx.h"
#include "log.h"
#include "rdk.h"
#include "records.h"
#include "snapshot.h"
#include "xalloc.h"

#define COLLECTOR(symbol) extern const collector symbol;
#include "collectors.def"
#undef COLLECTOR
const collector *const kx_collectors[] = {
#define COLLECTOR(symbol) &symbol,
#include "collectors.def"
#undef COLLECTOR
};
const size_t kx_ncollectors = sizeof kx_collectors / sizeof kx_collectors[0];

static void feed_histories(kx_state *st, const kx_snapshot *s)
{
    kx_histories_begin(&st->histories);
    for (size_t i = 0; i < s->ntopics; i++) {
        const kx_topic *t = &s->topics[i];
        int32_t nparts = 0;
        for (int p = 0; p < t->nparts; p++)
            if (t->parts[p].id >= nparts)
                nparts = t->parts[p].id + 1;
        lag_history *h = kx_histories_touch(&st->histories, t->name, nparts);
        for (int p = 0; p < t->nparts; p++)
            if (t->parts[p].end_offset >= 0)
                lag_history_add(&h[t->parts[p].id], t->parts[p].end_offset, s->mono_time);
    }
    kx_histories_end(&st->histories);
}

/* The offset of a group's oldest unconsumed record that still exists: the committed offset, or the
 * log start if that is past it. -1 when there is none (caught up) or the offsets are unknown. */
int64_t kx_oldest_unconsumed(const kx_partition *kp, int64_t committed)
{
    if (!kp || kp->end_offset < 0)
        return -1;
    int64_t o = kp->start_offset > committed ? kp->start_offset : committed;
    return o < kp->end_offset ? o : -1;
}

static const kx_partition *partition_of(const kx_snapshot *s, const char *topic, int32_t id)
{
    const kx_topic *t = kx_snapshot_topic(s, topic);
    for (int p = 0; t && p < t->nparts; p++)
        if (t->parts[p].id == id)
            return &t->parts[p];
    return NULL;
}

static int cmp_read(const void *a, const void *b)
{
    const kx_read *x = a, *y = b;
    int c = strcmp(x->topic, y->topic);
    if (c)
        return c;
    if (x->partition != y->partition)
        return (x->partition > y->partition) - (x->partition < y->partition);
    return (x->offset > y->offset) - (x->offset < y->offset);
}

/* Reads the timestamps of the oldest unconsumed records whose offset moved since they were last
 * read: each distinct offset once, at most --consumergroup.record-reads per collection and one per
 * partition, starting where the last collection stopped so every group gets its turn. */
static void read_oldest_records(kx_state *st, const kx_snapshot *s, double deadline)
{
    size_t n = 0, cap = 0;
    kx_read *reads = NULL;
    for (size_t i = 0; i < st->consumers.n; i++) {
        const kx_cgroup *g = &st->consumers.v[i];
        for (size_t k = 0; k < g->nparts; k++) {
            const kx_cpart *p = &g->parts[k];
            if (p->stale || p->nwin == 0)
                continue;
            int64_t want =
                kx_oldest_unconsumed(partition_of(s, p->topic, p->partition), p->win[p->nwin - 1].committed);
            if (want < 0 || p->ts_offset == want)
                continue;
            if (n == cap) {
                cap = cap ? cap * 2 : 64;
                reads = xreallocarray(reads, cap, sizeof *reads);
            }
            reads[n++] = (kx_read){.topic = p->topic, .partition = p->partition, .offset = want};
        }
    }
    if (n == 0)
        return;
    qsort(reads, n, sizeof *reads, cmp_read);
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        if (w == 0 || cmp_read(&reads[w - 1], &reads[i]) != 0)
            reads[w++] = reads[i];
    n = w;
    size_t budget = st->opt.record_reads > 0 ? (size_t)st->opt.record_reads : 0, chosen = 0;
    size_t start = st->read_rotor % n, i = start;
    for (size_t k = 0; k < n && chosen < budget; k++, i = (i + 1) % n) {
        /* One per partition: the legacy consumer reads one offset of a partition at a time. Entries
         * of one partition are adjacent. */
        bool taken = false;
        for (size_t j = i; j > 0 && !taken && strcmp(reads[j - 1].topic, reads[i].topic) == 0 &&
                           reads[j - 1].partition == reads[i].partition;
             j--)
            taken = reads[j - 1].chosen;
        for (size_t j = i + 1; j < n && !taken && strcmp(reads[j].topic, reads[i].topic) == 0 &&
                               reads[j].partition == reads[i].partition;
             j++)
            taken = reads[j].chosen;
        if (!taken) {
            reads[i].chosen = true;
            chosen++;
        }
    }
    st->read_rotor = i;
    kx_records_read(st->rk, reads, n, deadline);
    for (size_t k = 0; k < n; k++)
        st->reads[reads[k].result]++;
    for (size_t gi = 0; gi < st->consumers.n; gi++) {
        const kx_cgroup *g = &st->consumers.v[gi];
        for (size_t k = 0; k < g->nparts; k++) {
            kx_cpart *p = &g->parts[k];
            if (p->stale || p->nwin == 0)
                continue;
            kx_read key = {.topic = p->topic,
                           .partition = p->partition,
                           .offset = kx_oldest_unconsumed(partition_of(s, p->topic, p->partition),
                                                          p->win[p->nwin - 1].committed)};
            if (key.offset < 0)
                continue;
            const kx_read *r = bsearch(&key, reads, n, sizeof key, cmp_read);
            if (r && r->result == KX_READ_OK) {
                p->ts_offset = key.offset;
                p->ts_ms = r->ts_ms;
            }
        }
    }
    free(reads);
}

/* Age of the oldest unconsumed record of commit c: read (exact) or, where it could not be read,
 * interpolated on the end-offset history; -1 when there is no value. */
static double record_age(const kx_state *st, const kx_snapshot *s, const kx_topic *t, const kx_partition *kp,
                         const kx_cpart *cp, int64_t committed)
{
    int64_t oldest = kx_oldest_unconsumed(kp, committed);
    if (!kp || kp->end_offset < 0)
        return -1;
    if (oldest < 0)
        return 0;
    if (cp && cp->ts_offset == oldest) {
        double age = s->real_time - (double)cp->ts_ms / 1000.0;
        return age > 0 ? age : 0; /* a producer clock ahead of ours: no negative age */
    }
    const lag_history *h = kx_histories_get(&st->histories, t->name, kp->id);
    double secs;
    return h && lag_seconds(h, oldest, s->mono_time, &secs) == 0 ? secs : -1;
}

static kx_pstat *copy_pstats(const kx_cgroup *cg, size_t *n)
{
    kx_pstat *v = xcalloc(cg->nparts, sizeof *v);
    for (size_t k = 0; k < cg->nparts; k++) {
        v[k].topic = xstrdup(cg->parts[k].topic);
        v[k].partition = cg->parts[k].partition;
        v[k].status = cg->parts[k].status;
    }
    *n = cg->nparts;
    return v;
}

static int cmp_commit(const void *a, const void *b)
{
    const kx_commit *x = a, *y = b;
    if (x->topic != y->topic)
        return (x->topic > y->topic) - (x->topic < y->topic);
    return (x->partition > y->partition) - (x->partition < y->partition);
}

/* Writes into the snapshot what its scrapes show from the state kept between collections (lag in
 * seconds, margins, records lost, statuses), so that the snapshot alone answers them. */
static void kx_snapshot_derive(const kx_state *st, kx_snapshot *s)
{
    const kx_consumers *cs = &st->consumers;
    size_t listed = s->ngroups, extra = 0;
    for (size_t i = 0; i < cs->n; i++)
        if (!bsearch(&(kx_group){.name = cs->v[i].name}, s->groups, listed, sizeof *s->groups,
                     kx_group_cmp_name))
            extra++;
    if (extra) {
        s->groups = xreallocarray(s->groups, listed + extra, sizeof *s->groups);
        for (size_t i = 0; i < cs->n; i++) {
            if (bsearch(&(kx_group){.name = cs->v[i].name}, s->groups, listed, sizeof *s->groups,
                        kx_group_cmp_name))
                continue;
            kx_group *g = &s->groups[s->ngroups++];
            memset(g, 0, sizeof *g);
            g->name = xstrdup(cs->v[i].name);
            g->members = -1;
            g->unlisted = true;
        }
        qsort(s->groups, s->ngroups, sizeof *s->groups, kx_group_cmp_name);
    }
    for (size_t i = 0; i < s->ngroups; i++) {
        kx_group *g = &s->groups[i];
        /* One series per topic for the sums needs the commits grouped by topic. */
        if (g->ncommits > 1)
            qsort(g->commits, g->ncommits, sizeof *g->commits, cmp_commit);
        const kx_cgroup *cg = kx_consumers_group(cs, g->name);
        if (!cg)
            continue;
        g->has_status = true;
        g->status = cg->status;
        g->status_stale = cg->stale;
        if (!g->offsets_ok) {
            g->pstats = copy_pstats(cg, &g->npstats);
            continue;
        }
        for (size_t k = 0; k < g->ncommits; k++) {
            kx_commit *c = &g->commits[k];
            const kx_topic *t = &s->topics[c->topic];
            const kx_partition *kp = partition_of(s, t->name, c->partition);
            const kx_cpart *cp = kx_cgroup_part(cg, t->name, c->partition);
            if (cp)
                c->status = cp->status;
            double age = record_age(st, s, t, kp, cp, c->offset);
            c->lag_seconds = age >= 0 ? age : NAN;
            if (t->cleanup == KX_CLEANUP_COMPACT)
                continue; /* compaction removes superseded keys, not unread history: no loss, no margin */
            if (cp && !cp->stale)
                c->lost = (double)cp->lost_total;
            /* A time margin only where the configs were read and say records are deleted by age. */
            if ((t->cleanup & KX_CLEANUP_DELETE) && t->retention_ms != KX_UNKNOWN && age >= 0) {
                double m = t->retention_ms < 0 ? INFINITY : (double)t->retention_ms / 1000.0 - age;
                c->margin_seconds = m > 0 ? m : 0;
            }
        }
    }
}

static void poll_zookeeper(kx_state *st, double deadline, kx_zk_status *zst)
{
    if (kx_zk_poll(st->zk, st->security_protocol, st->opt.zookeeper_listener, deadline, zst) != 0)
        return;
    const char *list = zst->bootstrap;
    if (list && (!st->zk_bootstrap || strcmp(list, st->zk_bootstrap) != 0)) {
        log_info("brokers from zookeeper", "brokers", list, NULL);
        kx_rdk_add_brokers(st, list);
        kx_offsetlog_add_brokers(st->offsetlog, list);
        free(st->zk_bootstrap);
        st->zk_bootstrap = xstrdup(list);
    }
}

kx_snapshot *kx_collect(kx_state *st, double deadline)
{
    double now = now_monotonic();
    kx_zk_status zst = {.rtt = -1, .controller_id = -1};
    if (st->zk)
        poll_zookeeper(st, deadline > now ? now + (deadline - now) * 0.3 : deadline, &zst);
    kx_fetch_opts opts = {.topics = &st->topics,
                          .groups = &st->groups,
                          .offset_show_all = st->opt.offset_show_all,
                          .offsetlog = st->offsetlog,
                          .offsets_topic_only = st->offsets_topic_only};
    /* The record reads come last and get what the snapshot leaves of the collection's time. */
    now = now_monotonic();
    double fetch_deadline = deadline > now ? now + (deadline - now) * 0.85 : deadline;
    kx_snapshot *s = kx_snapshot_fetch(st->rk, &opts, fetch_deadline);
    s->zk = zst; /* moved */
    if (s->metadata_ok)
        feed_histories(st, s);
    kx_consumers_update(&st->consumers, s, s->mono_time,
                        st->opt.status_window > 0 ? st->opt.status_window : 60);
    if (s->metadata_ok) {
        read_oldest_records(st, s, deadline);
        kx_snapshot_derive(st, s);
    }
    memcpy(s->reads, st->reads, sizeof s->reads);
    char cause[1024] = "";
    if (!s->metadata_ok) {
        kx_rdk_last_cause(cause, sizeof cause);
        kx_rdk_reload_password(st);
    } else {
        kx_rdk_clear_cause();
    }
    if (!s->metadata_ok && !st->kafka_down_logged && cause[0])
        log_error("kafka unavailable", "reason", s->metadata_err, "cause", cause, NULL);
    else if (!s->metadata_ok && !st->kafka_down_logged)
        log_error("kafka unavailable", "reason", s->metadata_err, NULL);
    else if (s->metadata_ok && st->kafka_down_logged)
        log_info("kafka reachable again", NULL);
    st->kafka_down_logged = !s->metadata_ok;
    return s;
}

int kx_prepare(expo *w, collector_ctx *ctx)
{
    kx_state *st = ctx->state;
    double deadline = ctx->deadline;
    kx_snapshot_release(st->snap);
    /* Never a collection of its own: the last complete one, waiting only for the very first (at
     * most half of what is left, so an unreachable cluster still gets a fast kafka_up 0). */
    double now = now_monotonic();
    st->snap = kx_collection_take(st, deadline > now ? now + (deadline - now) * 0.5 : now);
    if (!st->snap)
        st->snap = kx_snapshot_empty("no collection has finished yet");
    const kx_snapshot *s = st->snap;
    expo_sample(
        expo_family_get(w, "kafka_up",
                        "1 if the Kafka cluster answered the metadata request of the last collection.",
                        EXPO_GAUGE),
        s->metadata_ok ? 1 : 0, NULL);
    expo_sample(
        expo_family_get(w, "kafka_collection_success",
                        "1 if the last collection read everything: metadata, offsets, groups and configs.",
                        EXPO_GAUGE),
        s->metadata_ok && s->offsets_ok && s->groups_ok && s->configs_ok ? 1 : 0, NULL);
    expo_sample(expo_family_get(w, "kafka_collection_duration_seconds",
                                "How long the last collection of the cluster took.", EXPO_GAUGE),
                s->duration, NULL);
    expo_sample(expo_family_get(w, "kafka_collection_age_seconds",
                                "Seconds since the snapshot this scrape answers from was completed.",
                                EXPO_GAUGE),
                now_monotonic() - s->finished_mono, NULL);
    expo_sample(expo_family_get(w, "kafka_collection_timestamp_seconds",
                                "When the collection this scrape answers from started (Unix time).",
                                EXPO_GAUGE),
                s->started_real, NULL);
    expo_family *src = expo_family_get(
        w, "kafka_consumergroup_offsets_source",
        "1 for where the last collection read groups' committed offsets: offsetfetch (one request per "
        "group to its coordinator) or topic (__consumer_offsets, read all along); 0 for the other.",
        EXPO_GAUGE);
    expo_sample(src, s->commits_source == KX_COMMITS_OFFSETFETCH ? 1 : 0, "source", "offsetfetch", NULL);
    expo_sample(src, s->commits_source == KX_COMMITS_TOPIC ? 1 : 0, "source", "topic", NULL);
    if (st->offsetlog)
        expo_sample(
            expo_family_get(w, "kafka_consumergroup_offsets_malformed_records_total",
                            "Records of __consumer_offsets skipped because they could not be decoded.",
                            EXPO_COUNTER),
            (double)s->offsets_malformed, NULL);
    if (!s->metadata_ok)
        snprintf(ctx->err, ctx->errlen, "%s", s->metadata_err);
    return s->metadata_ok ? 0 : -1;
}

bool kx_snapshot_usable(const kx_snapshot *s, char *err, size_t errlen)
{
    if (!s)
        snprintf(err, errlen, "no snapshot of the cluster in this scrape");
    else if (!s->metadata_ok)
        snprintf(err, errlen, "%s", s->metadata_err);
    return s && s->metadata_ok;
}
