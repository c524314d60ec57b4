/* collector_brokers.c -- brokers and controller, from the scrape's metadata. */
#include <pthread.h>
#include <stdio.h>

#include "collectors.h"
#include "kx.h"
#include "snapshot.h"

int kx_collect_brokers(expo *w, collector_ctx *ctx)
{
    kx_state *st = ctx->state;
    pthread_mutex_lock(&st->lock);
    const kx_snapshot *s = kx_current_snapshot(st, w, ctx->deadline);
    int rc = -1;
    if (!s->metadata_ok) {
        snprintf(ctx->err, ctx->errlen, "%s", s->metadata_err);
        goto out;
    }
    expo_sample(expo_family_get(w, "kafka_brokers", "Number of Brokers in the Kafka Cluster.", EXPO_GAUGE),
                (double)s->nbrokers, NULL);
    expo_family *info =
        expo_family_get(w, "kafka_broker_info", "Information about the Kafka Broker.", EXPO_GAUGE);
    for (size_t i = 0; i < s->nbrokers; i++) {
        char id[16], addr[300];
        snprintf(id, sizeof id, "%d", (int)s->brokers[i].id);
        snprintf(addr, sizeof addr, "%s:%d", s->brokers[i].host, s->brokers[i].port);
        expo_sample(info, 1, "id", id, "address", addr, NULL);
    }
    expo_sample(expo_family_get(w, "kafka_controller_id",
                                "Broker ID of the active controller, from metadata (-1 if unknown).",
                                EXPO_GAUGE),
                (double)s->controller_id, NULL);
    rc = 0;
out:
    pthread_mutex_unlock(&st->lock);
    return rc;
}
