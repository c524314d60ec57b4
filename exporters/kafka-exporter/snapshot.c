/* snapshot.c -- reads one scrape's worth of cluster state with bounded cost and time.
 *
 * Deadline budget: metadata may use half of what is left, the group reads half
 * of what is left then (the listing 40% of that, committed offsets the rest),
 * the offset reads most of the rest, the topic configs the remainder. A hung
 * broker thus costs its own share, never the scrape. */
#include "snapshot.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "log.h"
#include "xalloc.h"
#include "parse.h"

int kx_remaining_ms(double deadline)
{
    double left = (deadline - now_monotonic()) * 1000.0;
    if (left < 1)
        return 1;
    if (left > 3600e3)
        return 3600000;
    return (int)left;
}

/* A deadline `share` of the way from now to `deadline`. */
static double share_of(double deadline, double share)
{
    double now = now_monotonic();
    return deadline > now ? now + (deadline - now) * share : deadline;
}

static int cmp_topic(const void *a, const void *b)
{
    return strcmp(((const kx_topic *)a)->name, ((const kx_topic *)b)->name);
}

static int cmp_partition(const void *a, const void *b)
{
    int32_t x = ((const kx_partition *)a)->id, y = ((const kx_partition *)b)->id;
    return (x > y) - (x < y);
}

int kx_group_cmp_name(const void *a, const void *b)
{
    return strcmp(((const kx_group *)a)->name, ((const kx_group *)b)->name);
}

static int cmp_broker(const void *a, const void *b)
{
    int32_t x = ((const kx_broker *)a)->id, y = ((const kx_broker *)b)->id;
    return (x > y) - (x < y);
}

const kx_topic *kx_snapshot_topic(const kx_snapshot *s, const char *name)
{
    kx_topic key = {.name = (char *)name};
    return s->ntopics ? bsearch(&key, s->topics, s->ntopics, sizeof key, cmp_topic) : NULL;
}

static kx_partition *find_partition(const kx_topic *t, int32_t id)
{
    kx_partition key = {.id = id};
    return t->nparts ? bsearch(&key, t->parts, (size_t)t->nparts, sizeof key, cmp_partition) : NULL;
}

/* ---- metadata: one request for all topics (never names topics: no auto-creation) ---- */

static void fetch_metadata(rd_kafka_t *rk, const kx_fetch_opts *opts, kx_snapshot *s, double deadline)
{
    const rd_kafka_metadata_t *md = NULL;
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR__TIMED_OUT;
    /* librdkafka sends the request to one broker of its choice; if that one hangs,
     * another attempt usually picks another broker: three tries in the time given. */
    for (int attempt = 0; attempt < 3 && err && now_monotonic() < deadline; attempt++) {
        double until = attempt < 2 ? share_of(deadline, 1.0 / (3 - attempt)) : deadline;
        err = rd_kafka_metadata(rk, 1, NULL, &md, kx_remaining_ms(until));
    }
    if (err) {
        snprintf(s->metadata_err, sizeof s->metadata_err, "metadata: %s", rd_kafka_err2str(err));
        return;
    }
    s->metadata_ok = true;
    s->brokers = xcalloc((size_t)md->broker_cnt, sizeof *s->brokers);
    for (int i = 0; i < md->broker_cnt; i++) {
        s->brokers[i].id = md->brokers[i].id;
        s->brokers[i].host = xstrdup(md->brokers[i].host ? md->brokers[i].host : "");
        s->brokers[i].port = md->brokers[i].port;
    }
    s->nbrokers = (size_t)md->broker_cnt;
    qsort(s->brokers, s->nbrokers, sizeof *s->brokers, cmp_broker);

    s->topics = xcalloc((size_t)md->topic_cnt, sizeof *s->topics);
    for (int i = 0; i < md->topic_cnt; i++) {
        const rd_kafka_metadata_topic_t *mt = &md->topics[i];
        /* A topic being deleted or created answers with an error: skip it this round. */
        if (mt->err || !kx_filter_match(opts->topics, mt->topic))
            continue;
        kx_topic *t = &s->topics[s->ntopics++];
        t->name = xstrdup(mt->topic ? mt->topic : "");
        t->min_isr = -1;
        t->retention_ms = KX_UNKNOWN;
        t->parts = xcalloc((size_t)mt->partition_cnt, sizeof *t->parts);
        t->nparts = mt->partition_cnt;
        for (int p = 0; p < mt->partition_cnt; p++) {
            const rd_kafka_metadata_partition_t *mp = &mt->partitions[p];
            kx_partition *kp = &t->parts[p];
            kp->id = mp->id;
            kp->leader = mp->leader;
            kp->preferred = mp->replica_cnt > 0 ? mp->replicas[0] : -1;
            kp->nreplicas = mp->replica_cnt;
            kp->nisr = mp->isr_cnt;
            kp->end_offset = kp->start_offset = -1;
        }
        qsort(t->parts, (size_t)t->nparts, sizeof *t->parts, cmp_partition);
    }
    qsort(s->topics, s->ntopics, sizeof *s->topics, cmp_topic);
    rd_kafka_metadata_destroy(md);
    /* Answered from the metadata just fetched: no request of its own. */
    s->controller_id = rd_kafka_controllerid(rk, 0);
}

/* ---- admin calls: each on its own queue, waited for until the deadline ---- */

static rd_kafka_AdminOptions_t *admin_options(rd_kafka_t *rk, rd_kafka_admin_op_t op, double deadline)
{
    char errstr[256];
    rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(rk, op);
    if (rd_kafka_AdminOptions_set_request_timeout(o, kx_remaining_ms(deadline), errstr, sizeof errstr))
        log_debug("admin request timeout not set", "reason", errstr, NULL);
    return o;
}

/* Waits for one event of `type` on q; NULL on timeout. */
static rd_kafka_event_t *wait_event(rd_kafka_queue_t *q, rd_kafka_event_type_t type, double deadline)
{
    for (;;) {
        rd_kafka_event_t *ev = rd_kafka_queue_poll(q, kx_remaining_ms(deadline));
        if (!ev)
            return NULL;
        if (rd_kafka_event_type(ev) == type)
            return ev;
        rd_kafka_event_destroy(ev);
        if (now_monotonic() >= deadline)
            return NULL;
    }
}

static kx_group *add_group(kx_snapshot *s, size_t *cap, const char *name)
{
    if (s->ngroups == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        s->groups = xreallocarray(s->groups, *cap, sizeof *s->groups);
    }
    kx_group *g = &s->groups[s->ngroups++];
    memset(g, 0, sizeof *g);
    g->name = xstrdup(name);
    g->members = -1;
    return g;
}

/* Lists and describes every group with librdkafka's rd_kafka_list_groups(): one ListGroups and
 * one batched DescribeGroups per broker. (The 2.0.2 admin DescribeConsumerGroups sends a
 * FindCoordinator and a DescribeGroups per group.) */
static void list_groups(rd_kafka_t *rk, const kx_fetch_opts *opts, kx_snapshot *s, double deadline)
{
    const struct rd_kafka_group_list *gl = NULL;
    size_t cap = 0;
    rd_kafka_resp_err_t err = rd_kafka_list_groups(rk, NULL, &gl, kx_remaining_ms(deadline));
    s->groups_listed_ok = err == RD_KAFKA_RESP_ERR_NO_ERROR;
    if (err == RD_KAFKA_RESP_ERR__PARTIAL) {
        snprintf(s->groups_err, sizeof s->groups_err, "list groups: not every broker answered in time");
    } else if (err) {
        snprintf(s->groups_err, sizeof s->groups_err, "list groups: %s", rd_kafka_err2str(err));
        return;
    }
    for (int i = 0; i < gl->group_cnt; i++) {
        const struct rd_kafka_group_info *gi = &gl->groups[i];
        if (!gi->group || !kx_filter_match(opts->groups, gi->group))
            continue;
        kx_group *g = add_group(s, &cap, gi->group);
        if (gi->err) {
            snprintf(s->groups_err, sizeof s->groups_err, "describe group %s: %s", gi->group,
                     rd_kafka_err2str(gi->err));
            continue;
        }
        /* Kafka answers a classic DescribeGroups about a KIP-848 group with Dead, no protocol type and no
         * members, though the group was just listed and may be Stable (Java's tools describe it with
         * ConsumerGroupDescribe, API 69, which librdkafka's DescribeConsumerGroups sends from 2.10). A group
         * really gone between the two requests has no commits either: it leaves at the next collection. */
        if (gi->state && strcmp(gi->state, "Dead") == 0 && (!gi->protocol_type || !gi->protocol_type[0])) {
            g->undescribed = true;
            continue;
        }
        g->members = gi->member_cnt;
        snprintf(g->state, sizeof g->state, "%s", gi->state ? gi->state : "");
        /* An empty or undecodable assignment adds nothing, as in danielqsj's exporter. */
        for (int m = 0; !opts->offset_show_all && m < gi->member_cnt; m++)
            if (gi->members[m].member_assignment_size > 0)
                (void)kx_assignment_add(&g->assigned, gi->members[m].member_assignment,
                                        (size_t)gi->members[m].member_assignment_size);
    }
    rd_kafka_group_list_destroy(gl);
    if (s->ngroups > 1)
        qsort(s->groups, s->ngroups, sizeof *s->groups, kx_group_cmp_name);
    /* A group listed by two brokers (moving coordinator) is kept once. */
    size_t w = 0;
    for (size_t i = 0; i < s->ngroups; i++) {
        if (w > 0 && strcmp(s->groups[w - 1].name, s->groups[i].name) == 0) {
            free(s->groups[i].name);
            kx_assignment_free(&s->groups[i].assigned);
            continue;
        }
        s->groups[w++] = s->groups[i];
    }
    s->ngroups = w;
}

static kx_group *find_group(kx_snapshot *s, const char *name)
{
    kx_group key = {.name = (char *)name};
    return s->ngroups ? bsearch(&key, s->groups, s->ngroups, sizeof key, kx_group_cmp_name) : NULL;
}

/* Keeps the group's commits (sorted by topic later); with an assignment (only with --no-offset.show-all)
 * only those of assigned partitions: danielqsj asks the broker for just those, or, when no member has
 * an assignment, for all (a null partition list). */
static void take_commits(kx_snapshot *s, kx_group *g, const rd_kafka_topic_partition_list_t *l)
{
    g->commits = xcalloc((size_t)l->cnt, sizeof *g->commits);
    for (int i = 0; i < l->cnt; i++) {
        const rd_kafka_topic_partition_t *p = &l->elems[i];
        /* -1: no commit on that partition; a deleted or filtered-out topic is not shown. */
        if (p->err || p->offset < 0)
            continue;
        const kx_topic *t = kx_snapshot_topic(s, p->topic);
        if (!t || (g->assigned.n > 0 && !kx_assignment_has(&g->assigned, p->topic, p->partition)))
            continue;
        kx_commit *c = &g->commits[g->ncommits++];
        c->topic = (int)(t - s->topics);
        c->partition = p->partition;
        c->offset = p->offset;
        c->lag_seconds = c->margin_seconds = c->lost = NAN;
    }
}

/* One OffsetFetch per group (librdkafka 2.0.2 takes one group per call), all in flight at once. */
static void fetch_commits(rd_kafka_t *rk, kx_snapshot *s, double deadline)
{
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *o = admin_options(rk, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, deadline);
    size_t sent = 0, got = 0, failed = 0;
    for (size_t i = 0; i < s->ngroups; i++) {
        kx_group *g = &s->groups[i];
        rd_kafka_ListConsumerGroupOffsets_t *req = rd_kafka_ListConsumerGroupOffsets_new(g->name, NULL);
        rd_kafka_ListConsumerGroupOffsets(rk, &req, 1, o, q);
        rd_kafka_ListConsumerGroupOffsets_destroy(req);
        sent++;
    }
    while (got < sent) {
        rd_kafka_event_t *ev = wait_event(q, RD_KAFKA_EVENT_LISTCONSUMERGROUPOFFSETS_RESULT, deadline);
        if (!ev)
            break;
        got++;
        size_t n = 0;
        const rd_kafka_group_result_t **r = rd_kafka_ListConsumerGroupOffsets_result_groups(
            rd_kafka_event_ListConsumerGroupOffsets_result(ev), &n);
        if (rd_kafka_event_error(ev) || n != 1 || rd_kafka_group_result_error(r[0])) {
            failed++;
            if (n == 1 && rd_kafka_group_result_error(r[0]))
                snprintf(s->groups_err, sizeof s->groups_err, "offsets of group %s: %s",
                         rd_kafka_group_result_name(r[0]),
                         rd_kafka_error_string(rd_kafka_group_result_error(r[0])));
            else
                snprintf(s->groups_err, sizeof s->groups_err, "group offsets: %s",
                         rd_kafka_event_error_string(ev));
        } else {
            kx_group *g = find_group(s, rd_kafka_group_result_name(r[0]));
            const rd_kafka_topic_partition_list_t *l = rd_kafka_group_result_partitions(r[0]);
            if (g && l && !g->offsets_ok) {
                take_commits(s, g, l);
                g->offsets_ok = true;
            }
        }
        rd_kafka_event_destroy(ev);
    }
    if (got < sent)
        snprintf(s->groups_err, sizeof s->groups_err, "group offsets: %zu of %zu groups timed out",
                 sent - got, sent);
    if (got == sent && failed == 0 && s->groups_err[0] == '\0')
        s->groups_ok = true;
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_queue_destroy(q);
}

/* What commits_from_log's callback needs: the snapshot and each group's commits capacity. */
typedef struct log_take {
    kx_snapshot *s;
    size_t *cap;
} log_take;

/* One commit held by the reader of __consumer_offsets, kept as take_commits keeps OffsetFetch's. */
static void take_logged(void *arg, const char *group, const char *topic, int32_t partition, int64_t offset)
{
    log_take *lt = arg;
    kx_group *g = find_group(lt->s, group);
    const kx_topic *t = g ? kx_snapshot_topic(lt->s, topic) : NULL;
    if (!t || (g->assigned.n > 0 && !kx_assignment_has(&g->assigned, topic, partition)))
        return;
    size_t i = (size_t)(g - lt->s->groups);
    if (g->ncommits == lt->cap[i]) {
        lt->cap[i] = lt->cap[i] ? lt->cap[i] * 2 : 8;
        g->commits = xreallocarray(g->commits, lt->cap[i], sizeof *g->commits);
    }
    kx_commit *c = &g->commits[g->ncommits++];
    memset(c, 0, sizeof *c);
    c->topic = (int)(t - lt->s->topics);
    c->partition = partition;
    c->offset = offset;
    c->lag_seconds = c->margin_seconds = c->lost = NAN;
}

/* Every listed group's commits from the reader of __consumer_offsets: no request at all. A group with no
 * commit there has none, as OffsetFetch would answer. */
static void commits_from_log(kx_offsetlog *l, kx_snapshot *s)
{
    log_take lt = {s, xcalloc(s->ngroups ? s->ngroups : 1, sizeof *lt.cap)};
    kx_offsetlog_each(l, take_logged, &lt);
    for (size_t i = 0; i < s->ngroups; i++)
        s->groups[i].offsets_ok = true;
    free(lt.cap);
    if (s->groups_err[0] == '\0')
        s->groups_ok = true;
}

/* ---- end and start offsets: per leader, in parallel, one batched request each ---- */

typedef struct leader_job {
    rd_kafka_t *rk;
    int32_t leader;
    rd_kafka_topic_partition_list_t *list; /* offsets in: -1 end, -2 start; out: the offsets */
    double deadline;
    rd_kafka_resp_err_t err;
    pthread_t thread;
    bool started;
} leader_job;

static void *leader_job_run(void *arg)
{
    leader_job *j = arg;
    /* offsets_for_times batches by leader: all partitions of this job are one ListOffsets request. */
    j->err = rd_kafka_offsets_for_times(j->rk, j->list, kx_remaining_ms(j->deadline));
    return NULL;
}

static void apply_offsets(kx_snapshot *s, const rd_kafka_topic_partition_list_t *l, bool end)
{
    for (int i = 0; i < l->cnt; i++) {
        const rd_kafka_topic_partition_t *p = &l->elems[i];
        const kx_topic *t = kx_snapshot_topic(s, p->topic);
        kx_partition *kp = t ? find_partition(t, p->partition) : NULL;
        if (!kp || p->err || p->offset < 0)
            continue;
        if (end)
            kp->end_offset = p->offset;
        else
            kp->start_offset = p->offset;
    }
}

/* Two jobs per leader broker (end and start offsets), each in its own thread: a hung broker
 * holds only its own jobs, and librdkafka's per-partition work runs on both cores. */
static void fetch_offsets(rd_kafka_t *rk, kx_snapshot *s, double deadline)
{
    size_t njobs = 2 * s->nbrokers;
    leader_job *jobs = xcalloc(njobs, sizeof *jobs);
    for (size_t b = 0; b < s->nbrokers; b++) {
        for (size_t k = 0; k < 2; k++) {
            jobs[2 * b + k].rk = rk;
            jobs[2 * b + k].leader = s->brokers[b].id;
            jobs[2 * b + k].deadline = deadline;
        }
    }
    for (size_t i = 0; i < s->ntopics; i++) {
        const kx_topic *t = &s->topics[i];
        for (int p = 0; p < t->nparts; p++) {
            size_t b = 0;
            while (b < s->nbrokers && s->brokers[b].id != t->parts[p].leader)
                b++;
            if (b == s->nbrokers)
                continue; /* no leader: reported offline from metadata, not as an offsets failure */
            for (size_t k = 0; k < 2; k++) {
                leader_job *j = &jobs[2 * b + k];
                if (!j->list)
                    j->list = rd_kafka_topic_partition_list_new(64);
                rd_kafka_topic_partition_list_add(j->list, t->name, t->parts[p].id)->offset =
                    k == 0 ? RD_KAFKA_OFFSET_END : RD_KAFKA_OFFSET_BEGINNING;
            }
        }
    }
    for (size_t k = 0; k < njobs; k++) {
        if (!jobs[k].list)
            continue;
        if (pthread_create(&jobs[k].thread, NULL, leader_job_run, &jobs[k]) == 0)
            jobs[k].started = true;
        else
            leader_job_run(&jobs[k]);
    }
    /* All joined before any result is read: the end job's check below reads its start job's error too
     * (read before that thread was joined, it was a data race: TSan, tests/run tsan). */
    for (size_t k = 0; k < njobs; k++)
        if (jobs[k].list && jobs[k].started)
            pthread_join(jobs[k].thread, NULL);
    int failed = 0;
    for (size_t k = 0; k < njobs; k++) {
        leader_job *j = &jobs[k];
        if (!j->list)
            continue;
        /* Count a broker once, on its end-offsets job, if either of its jobs failed. */
        if (k % 2 == 0 && (j->err || jobs[k + 1].err)) {
            failed++;
            snprintf(s->offsets_err, sizeof s->offsets_err, "offsets from broker %d: %s", (int)j->leader,
                     rd_kafka_err2str(j->err ? j->err : jobs[k + 1].err));
        }
    }
    for (size_t k = 0; k < njobs; k++) {
        if (!jobs[k].list)
            continue;
        /* Partial answers are still used: per-partition errors mark the rest. */
        apply_offsets(s, jobs[k].list, k % 2 == 0);
        rd_kafka_topic_partition_list_destroy(jobs[k].list);
    }
    s->offsets_failed_brokers = failed;
    s->offsets_ok = failed == 0;
    free(jobs);
}

/* ---- topic configs: min.insync.replicas, retention.ms and cleanup.policy in one DescribeConfigs ---- */

static void apply_config(kx_topic *t, const char *name, const char *v)
{
    int64_t x;
    if (strcmp(name, "min.insync.replicas") == 0) {
        if (parse_int64(v, &x) == 0 && x >= 0 && x < 1000)
            t->min_isr = (int)x;
    } else if (strcmp(name, "retention.ms") == 0) {
        if (parse_int64(v, &x) == 0 && x >= -1)
            t->retention_ms = x;
    } else if (strcmp(name, "cleanup.policy") == 0) {
        /* A list: "delete", "compact" or "compact,delete" (any order, maybe with spaces). */
        t->cleanup =
            (strstr(v, "delete") ? KX_CLEANUP_DELETE : 0) | (strstr(v, "compact") ? KX_CLEANUP_COMPACT : 0);
    }
}

static void fetch_configs(rd_kafka_t *rk, kx_snapshot *s, double deadline)
{
    if (s->ntopics == 0) {
        s->configs_ok = true;
        return;
    }
    rd_kafka_ConfigResource_t **res = xcalloc(s->ntopics, sizeof *res);
    for (size_t i = 0; i < s->ntopics; i++) {
        res[i] = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, s->topics[i].name);
        /* Naming the configs we need keeps the response small. */
        rd_kafka_ConfigResource_set_config(res[i], "min.insync.replicas", NULL);
        rd_kafka_ConfigResource_set_config(res[i], "retention.ms", NULL);
        rd_kafka_ConfigResource_set_config(res[i], "cleanup.policy", NULL);
    }
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *o = admin_options(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, deadline);
    rd_kafka_DescribeConfigs(rk, res, s->ntopics, o, q);
    rd_kafka_event_t *ev = wait_event(q, RD_KAFKA_EVENT_DESCRIBECONFIGS_RESULT, deadline);
    if (!ev) {
        snprintf(s->configs_err, sizeof s->configs_err, "topic configs: timed out");
    } else if (rd_kafka_event_error(ev)) {
        snprintf(s->configs_err, sizeof s->configs_err, "topic configs: %s", rd_kafka_event_error_string(ev));
    } else {
        size_t n = 0;
        const rd_kafka_ConfigResource_t **rr =
            rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(ev), &n);
        s->configs_ok = true;
        for (size_t i = 0; i < n; i++) {
            kx_topic *t = (kx_topic *)kx_snapshot_topic(s, rd_kafka_ConfigResource_name(rr[i]));
            if (!t)
                continue;
            if (rd_kafka_ConfigResource_error(rr[i])) {
                /* A topic deleted since the metadata request: not a failure. */
                continue;
            }
            size_t nc = 0;
            const rd_kafka_ConfigEntry_t **ce = rd_kafka_ConfigResource_configs(rr[i], &nc);
            for (size_t c = 0; c < nc; c++) {
                const char *v = rd_kafka_ConfigEntry_value(ce[c]);
                if (v)
                    apply_config(t, rd_kafka_ConfigEntry_name(ce[c]), v);
            }
        }
    }
    if (ev)
        rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_queue_destroy(q);
    rd_kafka_ConfigResource_destroy_array(res, s->ntopics);
    free(res);
}

/* Logs, at debug level, how long one phase of the fetch took. */
static void phase_done(const char *phase, double *t0)
{
    double now = now_monotonic();
    if (log_enabled(LOG_LEVEL_DEBUG)) {
        char ms[32];
        snprintf(ms, sizeof ms, "%.1f", (now - *t0) * 1000);
        log_debug("fetch phase", "phase", phase, "ms", ms, NULL);
    }
    *t0 = now;
}

kx_snapshot *kx_snapshot_fetch(rd_kafka_t *rk, const kx_fetch_opts *opts, double deadline)
{
    kx_snapshot *s = xcalloc(1, sizeof *s);
    s->controller_id = -1;
    s->refs = 1;
    s->zk.rtt = -1;
    s->zk.controller_id = -1;
    double t0 = now_monotonic();
    fetch_metadata(rk, opts, s, share_of(deadline, 0.5));
    phase_done("metadata", &t0);
    if (!s->metadata_ok) {
        snprintf(s->offsets_err, sizeof s->offsets_err, "no metadata");
        snprintf(s->configs_err, sizeof s->configs_err, "no metadata");
        snprintf(s->groups_err, sizeof s->groups_err, "no metadata");
        s->mono_time = now_monotonic();
        s->real_time = now_realtime();
        return s;
    }
    double groups_deadline = share_of(deadline, 0.5);
    /* rd_kafka_list_groups waits for every broker, a dead one until the deadline: it gets
     * 40% so that the committed offsets of the groups it did list can still be read. */
    list_groups(rk, opts, s, share_of(groups_deadline, 0.4));
    phase_done("list and describe groups", &t0);
    char why[192];
    if (opts->offsetlog)
        s->offsets_malformed = kx_offsetlog_malformed(opts->offsetlog);
    if (opts->offsetlog && kx_offsetlog_ready(opts->offsetlog, why, sizeof why)) {
        commits_from_log(opts->offsetlog, s);
        s->commits_source = KX_COMMITS_TOPIC;
    } else if (opts->offsetlog && opts->offsets_topic_only) {
        snprintf(s->groups_err, sizeof s->groups_err, "committed offsets: %.140s", why);
    } else {
        fetch_commits(rk, s, groups_deadline);
        s->commits_source = KX_COMMITS_OFFSETFETCH;
    }
    phase_done("committed offsets", &t0);
    fetch_offsets(rk, s, share_of(deadline, 0.85));
    s->mono_time = now_monotonic();
    s->real_time = now_realtime();
    phase_done("end and start offsets", &t0);
    fetch_configs(rk, s, deadline);
    phase_done("topic configs", &t0);
    return s;
}

kx_snapshot *kx_snapshot_empty(const char *why)
{
    kx_snapshot *s = xcalloc(1, sizeof *s);
    s->controller_id = -1;
    s->refs = 1;
    s->mono_time = s->finished_mono = now_monotonic();
    s->real_time = s->started_real = now_realtime();
    snprintf(s->metadata_err, sizeof s->metadata_err, "%s", why);
    snprintf(s->offsets_err, sizeof s->offsets_err, "%s", why);
    snprintf(s->configs_err, sizeof s->configs_err, "%s", why);
    snprintf(s->groups_err, sizeof s->groups_err, "%s", why);
    snprintf(s->zk.err, sizeof s->zk.err, "%s", why);
    s->zk.rtt = -1;
    s->zk.controller_id = -1;
    return s;
}

void kx_snapshot_ref(kx_snapshot *s)
{
    if (s)
        __atomic_add_fetch(&s->refs, 1, __ATOMIC_SEQ_CST);
}

void kx_snapshot_release(kx_snapshot *s)
{
    if (s && __atomic_sub_fetch(&s->refs, 1, __ATOMIC_SEQ_CST) == 0)
        kx_snapshot_free(s);
}

void kx_snapshot_free(kx_snapshot *s)
{
    if (!s)
        return;
    kx_zk_status_free(&s->zk);
    for (size_t i = 0; i < s->nbrokers; i++)
        free(s->brokers[i].host);
    for (size_t i = 0; i < s->ntopics; i++) {
        free(s->topics[i].name);
        free(s->topics[i].parts);
    }
    for (size_t i = 0; i < s->ngroups; i++) {
        free(s->groups[i].name);
        free(s->groups[i].commits);
        for (size_t k = 0; k < s->groups[i].npstats; k++)
            free(s->groups[i].pstats[k].topic);
        free(s->groups[i].pstats);
        kx_assignment_free(&s->groups[i].assigned);
    }
    free(s->brokers);
    free(s->topics);
    free(s->groups);
    free(s);
}
