/* collector_loadavg.c -- node_load1, node_load5, node_load15, from libproc2. */
#include <libproc2/misc.h>
#include <pthread.h>

#include "node.h"

/* procps_loadavg keeps a static descriptor and buffer: one caller at a time. */
static pthread_mutex_t load_mu = PTHREAD_MUTEX_INITIALIZER;

int collect_loadavg(expo *w, collector_ctx *ctx)
{
    double l1, l5, l15;
    pthread_mutex_lock(&load_mu);
    int rc = procps_loadavg(&l1, &l5, &l15);
    pthread_mutex_unlock(&load_mu);
    if (rc < 0)
        return node_fail(ctx, "libproc2", "procps_loadavg failed");
    expo_sample(expo_family_get(w, "node_load1", "1m load average.", EXPO_GAUGE), l1, NULL);
    expo_sample(expo_family_get(w, "node_load5", "5m load average.", EXPO_GAUGE), l5, NULL);
    expo_sample(expo_family_get(w, "node_load15", "15m load average.", EXPO_GAUGE), l15, NULL);
    return 0;
}
