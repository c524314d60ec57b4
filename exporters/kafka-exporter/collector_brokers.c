/* collector_brokers.c -- brokers and controller, from the scrape's metadata. */
#include <stdio.h>

#include "collector.h"
#include "kx.h"
#include "snapshot.h"

static int collect_brokers(expo *w, collector_ctx *ctx)
{
    kx_state *st = ctx->state;
    const kx_snapshot *s = st->snap;
    int rc = -1;
    if (!kx_snapshot_usable(s, ctx->err, ctx->errlen)) {
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
    return rc;
}

const collector kx_collector_brokers = {
    .name = "brokers",
    .enabled_by_default = true,
    .help = "Brokers and controller from metadata (kafka_brokers, kafka_broker_info).",
    .collect = collect_brokers};
