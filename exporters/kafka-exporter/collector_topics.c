/* collector_topics.c -- per-topic and per-partition metrics (danielqsj/kafka_exporter names, plus health). */
#include <math.h>
#include <stdio.h>

#include "collector.h"
#include "kx.h"
#include "snapshot.h"

typedef struct topic_families {
    expo_family *partitions, *current, *oldest, *isr, *leader, *preferred, *replicas, *under_replicated,
        *under_min_isr, *offline, *min_isr, *retention, *cleanup;
} topic_families;

static void families(expo *w, topic_families *f)
{
    f->partitions =
        expo_family_get(w, "kafka_topic_partitions", "Number of partitions for this Topic", EXPO_GAUGE);
    f->current = expo_family_get(w, "kafka_topic_partition_current_offset",
                                 "Current Offset of a Broker at Topic/Partition", EXPO_GAUGE);
    f->oldest = expo_family_get(w, "kafka_topic_partition_oldest_offset",
                                "Oldest Offset of a Broker at Topic/Partition", EXPO_GAUGE);
    f->isr = expo_family_get(w, "kafka_topic_partition_in_sync_replica",
                             "Number of In-Sync Replicas for this Topic/Partition", EXPO_GAUGE);
    f->leader = expo_family_get(w, "kafka_topic_partition_leader",
                                "Leader Broker ID of this Topic/Partition (-1: no leader)", EXPO_GAUGE);
    f->preferred = expo_family_get(w, "kafka_topic_partition_leader_is_preferred",
                                   "1 if Topic/Partition is using the Preferred Broker", EXPO_GAUGE);
    f->replicas = expo_family_get(w, "kafka_topic_partition_replicas",
                                  "Number of Replicas for this Topic/Partition", EXPO_GAUGE);
    f->under_replicated = expo_family_get(w, "kafka_topic_partition_under_replicated_partition",
                                          "1 if Topic/Partition is under Replicated", EXPO_GAUGE);
    f->under_min_isr = expo_family_get(
        w, "kafka_topic_partition_under_min_isr",
        "1 if Topic/Partition has fewer in-sync replicas than min.insync.replicas", EXPO_GAUGE);
    f->offline =
        expo_family_get(w, "kafka_topic_partition_offline", "1 if Topic/Partition has no leader", EXPO_GAUGE);
    f->min_isr = expo_family_get(w, "kafka_topic_min_insync_replicas",
                                 "min.insync.replicas of this Topic (from its configuration)", EXPO_GAUGE);
    f->retention = expo_family_get(w, "kafka_topic_retention_seconds",
                                   "retention.ms of this Topic in seconds (+Inf: unlimited)", EXPO_GAUGE);
    f->cleanup = expo_family_get(w, "kafka_topic_cleanup_policy",
                                 "1 for the cleanup.policy of this Topic (delete, compact, compact,delete)",
                                 EXPO_GAUGE);
}

static int collect_topics(expo *w, collector_ctx *ctx)
{
    kx_state *st = ctx->state;
    const kx_snapshot *s = st->snap;
    int rc = -1;
    if (!kx_snapshot_usable(s, ctx->err, ctx->errlen)) {
        goto out;
    }
    topic_families f;
    families(w, &f);
    size_t offline = 0, under_min = 0;
    for (size_t i = 0; i < s->ntopics; i++) {
        const kx_topic *t = &s->topics[i];
        expo_sample(f.partitions, t->nparts, "topic", t->name, NULL);
        if (t->min_isr >= 0)
            expo_sample(f.min_isr, t->min_isr, "topic", t->name, NULL);
        if (t->retention_ms != KX_UNKNOWN)
            expo_sample(f.retention, t->retention_ms < 0 ? INFINITY : (double)t->retention_ms / 1000.0,
                        "topic", t->name, NULL);
        if (t->cleanup)
            expo_sample(f.cleanup, 1, "topic", t->name, "policy",
                        t->cleanup == KX_CLEANUP_DELETE    ? "delete"
                        : t->cleanup == KX_CLEANUP_COMPACT ? "compact"
                                                           : "compact,delete",
                        NULL);
        for (int p = 0; p < t->nparts; p++) {
            const kx_partition *kp = &t->parts[p];
            char id[16];
            snprintf(id, sizeof id, "%d", (int)kp->id);
            if (kp->end_offset >= 0)
                expo_sample(f.current, (double)kp->end_offset, "topic", t->name, "partition", id, NULL);
            if (kp->start_offset >= 0)
                expo_sample(f.oldest, (double)kp->start_offset, "topic", t->name, "partition", id, NULL);
            expo_sample(f.leader, kp->leader, "topic", t->name, "partition", id, NULL);
            expo_sample(f.replicas, kp->nreplicas, "topic", t->name, "partition", id, NULL);
            expo_sample(f.isr, kp->nisr, "topic", t->name, "partition", id, NULL);
            expo_sample(f.preferred, kp->leader >= 0 && kp->leader == kp->preferred, "topic", t->name,
                        "partition", id, NULL);
            expo_sample(f.under_replicated, kp->nisr < kp->nreplicas, "topic", t->name, "partition", id,
                        NULL);
            expo_sample(f.offline, kp->leader < 0, "topic", t->name, "partition", id, NULL);
            offline += kp->leader < 0;
            if (t->min_isr >= 0) {
                expo_sample(f.under_min_isr, kp->nisr < t->min_isr, "topic", t->name, "partition", id, NULL);
                under_min += kp->nisr < t->min_isr;
            }
        }
    }
    expo_sample(
        expo_family_get(w, "kafka_offline_partitions", "Number of partitions without a leader.", EXPO_GAUGE),
        (double)offline, NULL);
    expo_sample(expo_family_get(w, "kafka_under_min_isr_partitions",
                                "Number of partitions with fewer in-sync replicas than min.insync.replicas.",
                                EXPO_GAUGE),
                (double)under_min, NULL);
    if (!s->offsets_ok)
        snprintf(ctx->err, ctx->errlen, "%s", s->offsets_err);
    else if (!s->configs_ok)
        snprintf(ctx->err, ctx->errlen, "%s", s->configs_err);
    else
        rc = 0;
out:
    return rc;
}

const collector kx_collector_topics = {
    .name = "topics",
    .enabled_by_default = true,
    .help = "Partitions, offsets, replicas, ISR, under-replicated/under-min-ISR/offline partitions.",
    .collect = collect_topics};
