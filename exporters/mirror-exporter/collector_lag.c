/* collector_lag.c -- mirror lag of the real topics from MM2's offset syncs and end offsets. */
#include <stdio.h>

#include "collector.h"
#include "state.h"

#define F(name, help, type) expo_family_get(w, name, help, type)

static int collect_lag(expo *w, collector_ctx *ctx)
{
    mirror_state *s = ctx->state;
    double now = now_monotonic();
    expo_family *send = F("mirror_source_end_offset", "Upstream end offset of a mirrored topic.", EXPO_GAUGE);
    expo_family *sstart = F("mirror_source_start_offset", "Upstream log-start offset.", EXPO_GAUGE);
    expo_family *pos =
        F("mirror_mirrored_offset",
          "MM2's upstream position: its newest offset sync, advanced by the records downstream "
          "after it.",
          EXPO_GAUGE);
    expo_family *tend =
        F("mirror_target_end_offset", "End offset of the remote topic downstream.", EXPO_GAUGE);
    expo_family *lag = F("mirror_lag_records", "Upstream end offset minus MM2's position.", EXPO_GAUGE);
    expo_family *stall = F("mirror_no_progress",
                           "1 if lag > 0 and the position has not moved for the stall window.", EXPO_GAUGE);
    expo_family *exp = F("mirror_records_expired_total",
                         "Records deleted upstream before MM2 mirrored them: real loss.", EXPO_COUNTER);
    pthread_mutex_lock(&s->mu);
    int fresh = s->up_source && s->up_target;
    for (size_t i = 0; i < s->nlags; i++) {
        const lag_tp *t = &s->lags[i];
        char part[24];
        snprintf(part, sizeof part, "%d", t->partition);
        if (t->have_source) {
            expo_sample(send, (double)t->source_end, "topic", t->topic, "partition", part, NULL);
            expo_sample(sstart, (double)t->source_start, "topic", t->topic, "partition", part, NULL);
        }
        if (t->have_target)
            expo_sample(tend, (double)t->target_end, "topic", t->topic, "partition", part, NULL);
        if (t->have_position) {
            expo_sample(pos, (double)t->position, "topic", t->topic, "partition", part, NULL);
            expo_sample(lag, (double)lag_records(t), "topic", t->topic, "partition", part, NULL);
            expo_sample(stall, lag_no_progress(t, now, s->cfg.stall_window), "topic", t->topic, "partition",
                        part, NULL);
        }
        expo_sample(exp, (double)t->expired_total, "topic", t->topic, "partition", part, NULL);
    }
    pthread_mutex_unlock(&s->mu);
    if (!fresh) {
        snprintf(ctx->err, ctx->errlen, "a cluster did not answer: offsets are stale");
        return -1;
    }
    return 0;
}

const collector mirror_collector_lag = {.name = "lag",
                                        .enabled_by_default = true,
                                        .help = "mirror lag of the real topics from MM2 offset syncs",
                                        .collect = collect_lag};
