/* collector_loadavg.c -- node_load1, node_load5, node_load15, from libproc2. */
#include <libproc2/misc.h>

#include "node.h"

int collect_loadavg(expo *w, collector_ctx *ctx)
{
    double l1, l5, l15;
    if (procps_loadavg(&l1, &l5, &l15) < 0)
        return node_fail(ctx, "libproc2", "procps_loadavg failed");
    expo_sample(expo_family_get(w, "node_load1", "1m load average.", EXPO_GAUGE), l1, NULL);
    expo_sample(expo_family_get(w, "node_load5", "5m load average.", EXPO_GAUGE), l5, NULL);
    expo_sample(expo_family_get(w, "node_load15", "15m load average.", EXPO_GAUGE), l15, NULL);
    return 0;
}
