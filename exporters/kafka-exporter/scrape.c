/* scrape.c -- the prepare stage (the snapshot of the cluster every collector reads, and kafka_up) and the
 * collector table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "kx.h"
#include "log.h"
#include "rdk.h"
#include "snapshot.h"

#define COLLECTOR(symbol) extern const collector symbol;
#include "collectors.def"
#undef COLLECTOR
const collector *const kx_collectors[] = {
#define COLLECTOR(symbol) &symbol,
#include "collectors.def"
#undef COLLECTOR
};
const size_t kx_ncollectors = sizeof kx_collectors / sizeof kx_collectors[0];

static void feed_histories(kx_state *st, const kx_snapshot *s)
{
    kx_histories_begin(&st->histories);
    for (size_t i = 0; i < s->ntopics; i++) {
        const kx_topic *t = &s->topics[i];
        int32_t nparts = 0;
        for (int p = 0; p < t->nparts; p++)
            if (t->parts[p].id >= nparts)
                nparts = t->parts[p].id + 1;
        lag_history *h = kx_histories_touch(&st->histories, t->name, nparts);
        for (int p = 0; p < t->nparts; p++)
            if (t->parts[p].end_offset >= 0)
                lag_history_add(&h[t->parts[p].id], t->parts[p].end_offset, s->mono_time);
    }
    kx_histories_end(&st->histories);
}

static void poll_zookeeper(kx_state *st, double deadline)
{
    kx_zk_status_free(&st->zkst);
    if (kx_zk_poll(st->zk, st->security_protocol, st->opt.zookeeper_listener, deadline, &st->zkst) != 0)
        return;
    const char *list = st->zkst.bootstrap;
    if (list && (!st->zk_bootstrap || strcmp(list, st->zk_bootstrap) != 0)) {
        log_info("brokers from zookeeper", "brokers", list, NULL);
        kx_rdk_add_brokers(st, list);
        free(st->zk_bootstrap);
        st->zk_bootstrap = strdup(list);
    }
}

int kx_prepare(expo *w, collector_ctx *ctx)
{
    kx_state *st = ctx->state;
    double deadline = ctx->deadline;
    kx_snapshot_free(st->snap);
    st->snap = NULL;
    /* The collectors that run after this stage need time to write their samples, and the
     * library skips a collector that starts past the deadline: keep a tenth back. */
    double now = now_monotonic();
    if (deadline > now)
        deadline -= (deadline - now) * 0.1;
    if (st->zk)
        poll_zookeeper(st, deadline > now ? now + (deadline - now) * 0.3 : deadline);
    kx_fetch_opts opts = {
        .topics = &st->topics, .groups = &st->groups, .offset_show_all = st->opt.offset_show_all};
    st->snap = kx_snapshot_fetch(st->rk, &opts, deadline);
    if (st->snap->metadata_ok)
        feed_histories(st, st->snap);
    char cause[1024] = "";
    if (!st->snap->metadata_ok) {
        kx_rdk_last_cause(cause, sizeof cause);
        kx_rdk_reload_password(st);
    } else {
        kx_rdk_clear_cause();
    }
    if (!st->snap->metadata_ok && !st->kafka_down_logged && cause[0])
        log_error("kafka unavailable", "reason", st->snap->metadata_err, "cause", cause, NULL);
    else if (!st->snap->metadata_ok && !st->kafka_down_logged)
        log_error("kafka unavailable", "reason", st->snap->metadata_err, NULL);
    else if (st->snap->metadata_ok && st->kafka_down_logged)
        log_info("kafka reachable again", NULL);
    st->kafka_down_logged = !st->snap->metadata_ok;
    expo_sample(expo_family_get(w, "kafka_up",
                                "1 if the Kafka cluster answered the metadata request of this scrape.",
                                EXPO_GAUGE),
                st->snap->metadata_ok ? 1 : 0, NULL);
    if (!st->snap->metadata_ok)
        snprintf(ctx->err, ctx->errlen, "%s", st->snap->metadata_err);
    return st->snap->metadata_ok ? 0 : -1;
}

bool kx_snapshot_usable(const kx_snapshot *s, char *err, size_t errlen)
{
    if (!s)
        snprintf(err, errlen, "no snapshot of the cluster in this scrape");
    else if (!s->metadata_ok)
        snprintf(err, errlen, "%s", s->metadata_err);
    return s && s->metadata_ok;
}
