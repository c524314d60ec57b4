/* collector_zookeeper.c -- ZooKeeper session health and what the brokers registered there. */
#include <stdio.h>

#include "collector.h"
#include "kx.h"
#include "snapshot.h"

static int collect_zookeeper(expo *w, collector_ctx *ctx)
{
    kx_state *st = ctx->state;
    if (!st->zk)
        return 0; /* not in ZooKeeper mode: nothing to say */
    const kx_zk_status *z = &st->snap->zk;
    expo_sample(
        expo_family_get(w, "kafka_zookeeper_up",
                        "1 if the ZooKeeper session is connected and answered a read in the last collection.",
                        EXPO_GAUGE),
        z->up, NULL);
    expo_sample(
        expo_family_get(w, "kafka_zookeeper_chroot_exists",
                        "1 if the chroot of --zookeeper.server exists (0 also when ZooKeeper is down).",
                        EXPO_GAUGE),
        z->chroot_exists, NULL);
    if (z->rtt >= 0)
        expo_sample(
            expo_family_get(
                w, "kafka_zookeeper_rtt_seconds",
                "Round-trip time of one ZooKeeper read (exists on the chroot) in the last collection.",
                EXPO_GAUGE),
            z->rtt, NULL);
    expo_sample(expo_family_get(w, "kafka_zookeeper_session_expirations_total",
                                "ZooKeeper sessions that expired and were replaced by a new one.",
                                EXPO_COUNTER),
                (double)z->expirations, NULL);
    int rc = -1;
    if (z->up && z->chroot_exists) {
        expo_sample(expo_family_get(w, "kafka_zookeeper_brokers",
                                    "Number of brokers registered in /brokers/ids.", EXPO_GAUGE),
                    (double)z->nbrokers, NULL);
        expo_family *reg = expo_family_get(w, "kafka_zookeeper_broker_registered",
                                           "1 for each broker ID registered in /brokers/ids.", EXPO_GAUGE);
        for (size_t i = 0; i < z->nbrokers; i++) {
            char id[16];
            snprintf(id, sizeof id, "%d", (int)z->broker_ids[i]);
            expo_sample(reg, 1, "id", id, NULL);
        }
        expo_sample(expo_family_get(w, "kafka_zookeeper_controller_id",
                                    "Broker ID in /controller (-1 if none).", EXPO_GAUGE),
                    (double)z->controller_id, NULL);
        if (z->err[0])
            snprintf(ctx->err, ctx->errlen, "%s", z->err);
        else
            rc = 0;
    } else {
        snprintf(ctx->err, ctx->errlen, "%s", z->err);
    }
    return rc;
}

const collector kx_collector_zookeeper = {
    .name = "zookeeper",
    .enabled_by_default = true,
    .help = "ZooKeeper session health and broker registrations (with --zookeeper.server).",
    .collect = collect_zookeeper};
