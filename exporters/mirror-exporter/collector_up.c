/* collector_up.c -- mirror_up{side}: did each cluster answer the poller's last metadata request. */
#include <stdio.h>

#include "collector.h"
#include "state.h"

static int collect_up(expo *w, collector_ctx *ctx)
{
    mirror_state *s = ctx->state;
    pthread_mutex_lock(&s->mu);
    int up_source = s->up_source, up_target = s->up_target;
    pthread_mutex_unlock(&s->mu);
    expo_family *f = expo_family_get(
        w, "mirror_up", "1 if that cluster answered the last metadata request in time.", EXPO_GAUGE);
    expo_sample(f, up_source, "side", "source", NULL);
    expo_sample(f, up_target, "side", "target", NULL);
    return 0;
}

const collector mirror_collector_up = {
    .name = "up", .enabled_by_default = true, .help = "mirror_up per cluster", .collect = collect_up};
