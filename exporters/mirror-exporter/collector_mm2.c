/* collector_mm2.c -- MM2's own health from its internal topics, and LogAppendTime remote topics. */
#include <stdio.h>
#include <string.h>

#include "collector.h"
#include "state.h"

#define F(name, help, type) expo_family_get(w, name, help, type)

static int collect_mm2(expo *w, collector_ctx *ctx)
{
    mirror_state *s = ctx->state;
    double now = now_realtime();
    expo_family *hb =
        F("mirror_heartbeat_age_seconds",
          "Age of the newest MM2 heartbeat in <source alias>.heartbeats (since exporter start if none yet).",
          EXPO_GAUGE);
    expo_family *cp = F("mirror_checkpoint_age_seconds",
                        "Age of the newest MM2 checkpoint per consumer group.", EXPO_GAUGE);
    expo_family *lat =
        F("mirror_target_log_append_time",
          "1 if the remote topic stamps LogAppendTime (latency then is not end-to-end).", EXPO_GAUGE);
    expo_family *inv =
        F("mirror_internal_invalid_total", "Undecodable records in MM2's internal topics.", EXPO_COUNTER);
    pthread_mutex_lock(&s->mu);
    /* None seen yet: the age runs from the exporter's start, so that alerts can fire. */
    double hb_age = now - (s->heartbeat_last > 0 ? s->heartbeat_last : s->start_realtime);
    expo_sample(hb, hb_age > 0 ? hb_age : 0, "source", s->cfg.source_alias, NULL);
    for (size_t i = 0; i < s->ncheckpoints; i++) {
        double age = now - s->checkpoints[i].last;
        expo_sample(cp, age > 0 ? age : 0, "consumergroup", s->checkpoints[i].name, NULL);
    }
    for (size_t i = 0; i < s->nremotes; i++)
        if (s->remotes[i].log_append_time >= 0)
            expo_sample(lat, s->remotes[i].log_append_time, "topic", s->remotes[i].topic, NULL);
    expo_sample(inv, (double)s->internal_invalid[INTERNAL_OFFSET_SYNCS], "topic", s->offset_syncs_topic,
                NULL);
    expo_sample(inv, (double)s->internal_invalid[INTERNAL_HEARTBEATS], "topic", s->heartbeats_topic, NULL);
    expo_sample(inv, (double)s->internal_invalid[INTERNAL_CHECKPOINTS], "topic", s->checkpoints_topic, NULL);
    pthread_mutex_unlock(&s->mu);
    return 0;
}

const collector mirror_collector_mm2 = {
    .name = "mm2",
    .enabled_by_default = true,
    .help = "MM2 heartbeat and checkpoint ages, internal topic errors, LogAppendTime",
    .collect = collect_mm2};
