/* collector_consumergroups.c -- committed offsets, lag (messages and seconds), state and members per group.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "collector.h"
#include "kx.h"
#include "lag.h"
#include "snapshot.h"

typedef struct group_families {
    expo_family *current, *current_sum, *lag, *lag_sum, *lag_seconds, *members, *state, *undescribed;
    expo_family *lost, *margin_seconds, *margin_records, *status, *pstatus, *stale, *reads;
} group_families;

static void families(expo *w, group_families *f)
{
    f->current = expo_family_get(w, "kafka_consumergroup_current_offset",
                                 "Current Offset of a ConsumerGroup at Topic/Partition", EXPO_GAUGE);
    f->current_sum =
        expo_family_get(w, "kafka_consumergroup_current_offset_sum",
                        "Current Offset of a ConsumerGroup at Topic for all partitions", EXPO_UNTYPED);
    f->lag = expo_family_get(w, "kafka_consumergroup_lag",
                             "Current Approximate Lag of a ConsumerGroup at Topic/Partition", EXPO_GAUGE);
    f->lag_sum = expo_family_get(w, "kafka_consumergroup_lag_sum",
                                 "Current Approximate Lag of a ConsumerGroup at Topic for all partitions",
                                 EXPO_UNTYPED);
    f->lag_seconds =
        expo_family_get(w, "kafka_consumergroup_lag_seconds",
                        "Age of the oldest unconsumed record of a ConsumerGroup at Topic/Partition "
                        "(its timestamp, read; interpolated where it could not be read)",
                        EXPO_GAUGE);
    f->lost =
        expo_family_get(w, "kafka_consumergroup_records_lost_total",
                        "Records deleted from Topic/Partition before the ConsumerGroup read them (committed "
                        "offset below the log start), counted since the exporter started",
                        EXPO_COUNTER);
    f->margin_seconds = expo_family_get(
        w, "kafka_consumergroup_retention_margin_seconds",
        "Seconds until retention.ms may delete the oldest unconsumed record of a ConsumerGroup "
        "at Topic/Partition (0: it may be deleted now)",
        EXPO_GAUGE);
    f->margin_records =
        expo_family_get(w, "kafka_consumergroup_retention_margin_records",
                        "Records the log start of Topic/Partition can advance before it passes "
                        "the ConsumerGroup's committed offset",
                        EXPO_GAUGE);
    f->status =
        expo_family_get(w, "kafka_consumergroup_status",
                        "1 for the Burrow-style status of a consumer group (OK, WARN, ERR)", EXPO_GAUGE);
    f->pstatus =
        expo_family_get(w, "kafka_consumergroup_partition_status",
                        "1 for the Burrow-style status of a ConsumerGroup at Topic/Partition (OK, WARN, "
                        "STOP, STALL, REWIND)",
                        EXPO_GAUGE);
    f->stale =
        expo_family_get(w, "kafka_consumergroup_status_stale",
                        "1 if the group's offsets could not be read by the last collection: its status is "
                        "the last one known",
                        EXPO_GAUGE);
    f->reads =
        expo_family_get(w, "kafka_consumergroup_record_reads_total",
                        "One-record reads for the timestamp of oldest unconsumed records, by result (ok, "
                        "gone, failed, deferred: over the per-collection budget or deadline)",
                        EXPO_COUNTER);
    f->members = expo_family_get(w, "kafka_consumergroup_members", "Amount of members in a consumer group",
                                 EXPO_GAUGE);
    f->state =
        expo_family_get(w, "kafka_consumergroup_state",
                        "1 for the current state of a consumer group (Stable, Empty, PreparingRebalance, "
                        "CompletingRebalance, Dead, Unknown)",
                        EXPO_GAUGE);
    f->undescribed =
        expo_family_get(w, "kafka_consumergroup_undescribed",
                        "1 for a listed group the classic DescribeGroups cannot describe (a KIP-848 "
                        "group.protocol=consumer group; librdkafka 2.10 describes them): no state or members",
                        EXPO_GAUGE);
}

/* Emits one group's per-partition series and, per topic, the two sums; the
 * commits are sorted by topic (kx_snapshot_derive). */
static void emit_group(const kx_snapshot *s, const kx_group *g, const group_families *f)
{
    size_t i = 0;
    while (i < g->ncommits) {
        int ti = g->commits[i].topic;
        const kx_topic *t = &s->topics[ti];
        double current_sum = 0, lag_sum = 0;
        for (; i < g->ncommits && g->commits[i].topic == ti; i++) {
            const kx_commit *c = &g->commits[i];
            char id[16];
            snprintf(id, sizeof id, "%d", (int)c->partition);
            expo_sample(f->current, (double)c->offset, "consumergroup", g->name, "topic", t->name,
                        "partition", id, NULL);
            current_sum += (double)c->offset;
            if (g->has_status)
                expo_sample(f->pstatus, 1, "consumergroup", g->name, "topic", t->name, "partition", id,
                            "status", kx_status_name(c->status), NULL);
            const kx_partition *kp = NULL;
            for (int p = 0; p < t->nparts && !kp; p++)
                if (t->parts[p].id == c->partition)
                    kp = &t->parts[p];
            if (!kp || kp->end_offset < 0)
                continue;
            int64_t lag = lag_messages(c->offset, kp->end_offset);
            expo_sample(f->lag, (double)lag, "consumergroup", g->name, "topic", t->name, "partition", id,
                        NULL);
            lag_sum += (double)lag;
            if (!isnan(c->lag_seconds))
                expo_sample(f->lag_seconds, c->lag_seconds, "consumergroup", g->name, "topic", t->name,
                            "partition", id, NULL);
            if (t->cleanup == KX_CLEANUP_COMPACT)
                continue; /* compaction removes superseded keys, not unread history: no loss, no margin */
            if (!isnan(c->lost))
                expo_sample(f->lost, c->lost, "consumergroup", g->name, "topic", t->name, "partition", id,
                            NULL);
            if (kp->start_offset >= 0)
                expo_sample(f->margin_records,
                            c->offset > kp->start_offset ? (double)(c->offset - kp->start_offset) : 0,
                            "consumergroup", g->name, "topic", t->name, "partition", id, NULL);
            if (!isnan(c->margin_seconds))
                expo_sample(f->margin_seconds, c->margin_seconds, "consumergroup", g->name, "topic", t->name,
                            "partition", id, NULL);
        }
        expo_sample(f->current_sum, current_sum, "consumergroup", g->name, "topic", t->name, NULL);
        expo_sample(f->lag_sum, lag_sum, "consumergroup", g->name, "topic", t->name, NULL);
    }
}

/* The group's status; a group whose offsets were not read keeps its last one, marked stale, instead
 * of losing it or turning OK. */
static void emit_status(const kx_group *g, const group_families *f)
{
    if (!g->has_status)
        return;
    expo_sample(f->status, 1, "consumergroup", g->name, "status", kx_group_status_name(g->status), NULL);
    expo_sample(f->stale, g->status_stale ? 1 : 0, "consumergroup", g->name, NULL);
    for (size_t k = 0; k < g->npstats; k++) {
        const kx_pstat *p = &g->pstats[k];
        char id[16];
        snprintf(id, sizeof id, "%d", (int)p->partition);
        expo_sample(f->pstatus, 1, "consumergroup", g->name, "topic", p->topic, "partition", id, "status",
                    kx_status_name(p->status), NULL);
    }
}

static int collect_consumergroups(expo *w, collector_ctx *ctx)
{
    kx_state *st = ctx->state;
    const kx_snapshot *s = st->snap;
    int rc = -1;
    if (!kx_snapshot_usable(s, ctx->err, ctx->errlen)) {
        goto out;
    }
    group_families f;
    families(w, &f);
    for (size_t i = 0; i < s->ngroups; i++) {
        const kx_group *g = &s->groups[i];
        emit_status(g, &f);
        if (g->unlisted)
            continue;
        if (g->undescribed)
            expo_sample(f.undescribed, 1, "consumergroup", g->name, NULL);
        if (g->members >= 0)
            expo_sample(f.members, g->members, "consumergroup", g->name, NULL);
        if (g->state[0])
            expo_sample(f.state, 1, "consumergroup", g->name, "state", g->state, NULL);
        if (!g->offsets_ok)
            continue;
        emit_group(s, g, &f);
    }
    static const char *const results[] = {"deferred", "ok", "gone", "failed"};
    for (size_t i = 0; i < 4; i++)
        expo_sample(f.reads, (double)s->reads[i], "result", results[i], NULL);
    if (!s->groups_ok)
        snprintf(ctx->err, ctx->errlen, "%s", s->groups_err);
    else
        rc = 0;
out:
    return rc;
}

const collector kx_collector_consumergroups = {
    .name = "consumergroups",
    .enabled_by_default = true,
    .help = "Consumer groups: committed offsets, lag in messages and seconds, state, members.",
    .collect = collect_consumergroups};
