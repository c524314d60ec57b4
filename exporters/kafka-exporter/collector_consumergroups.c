/* collector_consumergroups.c -- committed offsets, lag (messages and seconds), state and members per group.
 */
#include <stdio.h>
#include <stdlib.h>

#include "collector.h"
#include "kx.h"
#include "lag.h"
#include "snapshot.h"

typedef struct group_families {
    expo_family *current, *current_sum, *lag, *lag_sum, *lag_seconds, *members, *state;
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
    f->lag_seconds = expo_family_get(w, "kafka_consumergroup_lag_seconds",
                                     "Estimated age of the oldest unconsumed record of a ConsumerGroup at "
                                     "Topic/Partition, interpolated on the partition's end-offset history",
                                     EXPO_GAUGE);
    f->members = expo_family_get(w, "kafka_consumergroup_members", "Amount of members in a consumer group",
                                 EXPO_GAUGE);
    f->state =
        expo_family_get(w, "kafka_consumergroup_state",
                        "1 for the current state of a consumer group (Stable, Empty, PreparingRebalance, "
                        "CompletingRebalance, Dead, Unknown)",
                        EXPO_GAUGE);
}

/* Emits one group's per-partition series and, per topic, the two sums; the
 * commits must be sorted by topic. */
static void emit_group(kx_state *st, const kx_snapshot *s, const kx_group *g, const group_families *f)
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
            const lag_history *h = kx_histories_get(&st->histories, t->name, c->partition);
            double secs;
            if (h && lag_seconds(h, c->offset, s->mono_time, &secs) == 0)
                expo_sample(f->lag_seconds, secs, "consumergroup", g->name, "topic", t->name, "partition", id,
                            NULL);
        }
        expo_sample(f->current_sum, current_sum, "consumergroup", g->name, "topic", t->name, NULL);
        expo_sample(f->lag_sum, lag_sum, "consumergroup", g->name, "topic", t->name, NULL);
    }
}

static int cmp_commit(const void *a, const void *b)
{
    const kx_commit *x = a, *y = b;
    if (x->topic != y->topic)
        return (x->topic > y->topic) - (x->topic < y->topic);
    return (x->partition > y->partition) - (x->partition < y->partition);
}

static int collect_consumergroups(expo *w, collector_ctx *ctx)
{
    kx_state *st = ctx->state;
    kx_snapshot *s = st->snap;
    int rc = -1;
    if (!kx_snapshot_usable(s, ctx->err, ctx->errlen)) {
        goto out;
    }
    group_families f;
    families(w, &f);
    for (size_t i = 0; i < s->ngroups; i++) {
        kx_group *g = &s->groups[i];
        if (g->members >= 0)
            expo_sample(f.members, g->members, "consumergroup", g->name, NULL);
        if (g->state[0])
            expo_sample(f.state, 1, "consumergroup", g->name, "state", g->state, NULL);
        if (!g->offsets_ok)
            continue;
        /* One series per topic for the sums needs the commits grouped by topic. */
        qsort(g->commits, g->ncommits, sizeof *g->commits, cmp_commit);
        emit_group(st, s, g, &f);
    }
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
