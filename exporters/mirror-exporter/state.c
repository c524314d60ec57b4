/* state.c -- derived names and the small tables of the shared state (state.h). */
#include "state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "listen.h"
#include "xalloc.h"

void mirror_remote_name(const mirror_state *s, const char *t, char *out, size_t outlen)
{
    if (s->cfg.identity_naming)
        snprintf(out, outlen, "%s", t);
    else
        snprintf(out, outlen, "%s%s%s", s->cfg.source_alias, s->cfg.separator, t);
}

int mirror_state_derive(mirror_state *s, char *err, size_t errlen)
{
    mirror_config *c = &s->cfg;
    const strlist *target = c->target_servers.n ? &c->target_servers : &c->kafka_servers;
    if (c->source_servers.n == 0 || target->n == 0) {
        snprintf(err, errlen, "need --source.kafka.server and --target.kafka.server");
        return -1;
    }
    for (size_t i = 0; i < c->source_servers.n; i++)
        if (listen_check_peers("source.kafka.server", c->source_servers.items[i], err, errlen) < 0)
            return -1;
    for (size_t i = 0; i < target->n; i++)
        if (listen_check_peers(target == &c->target_servers ? "target.kafka.server" : "kafka.server",
                               target->items[i], err, errlen) < 0)
            return -1;
    if (!c->source_alias || !*c->source_alias || !c->target_alias || !*c->target_alias) {
        snprintf(err, errlen, "--source.alias and --target.alias may not be empty");
        return -1;
    }
    if (!c->separator || !*c->separator) {
        snprintf(err, errlen, "--replication.separator may not be empty (MM2's default is \".\")");
        return -1;
    }
    if (c->exporter_id && !*c->exporter_id) {
        snprintf(err, errlen, "--probe.exporter-id may not be empty (leave it out for the host name)");
        return -1;
    }
    /* Each item may itself hold commas: one bootstrap string either way. */
    s->source_bootstrap = strlist_join(&c->source_servers, ",");
    s->target_bootstrap = strlist_join(target, ",");
    if (c->exporter_id) {
        if (!probe_valid_id(c->exporter_id)) {
            snprintf(err, errlen, "--probe.exporter-id must be 1..64 printable characters without spaces");
            return -1;
        }
        snprintf(s->exporter_id, sizeof s->exporter_id, "%s", c->exporter_id);
    } else {
        char host[PROBE_ID_MAX + 1] = "mirror-exporter";
        if (gethostname(host, sizeof host - 1) != 0 || !probe_valid_id(host))
            snprintf(host, sizeof host, "mirror-exporter");
        snprintf(s->exporter_id, sizeof s->exporter_id, "%s", host);
    }
    if (!c->probe_topic || !*c->probe_topic || strlen(c->probe_topic) > 200) {
        snprintf(err, errlen, "--probe.topic must be a topic name");
        return -1;
    }
    if (!(c->deadline > c->probe_interval) || !(c->probe_interval >= 0.01)) {
        snprintf(err, errlen, "--probe.deadline must be longer than --probe.interval (at least 10ms)");
        return -1;
    }
    char remote[512];
    mirror_remote_name(s, c->probe_topic, remote, sizeof remote);
    s->remote_probe_topic = xstrdup(remote);
    /* MM2's names (DefaultReplicationPolicy, internal topic separator enabled). */
    s->heartbeats_topic = c->heartbeats_topic && *c->heartbeats_topic
                              ? xstrdup(c->heartbeats_topic)
                              : xasprintf("%s%sheartbeats", c->source_alias, c->separator);
    s->checkpoints_topic = c->checkpoints_topic && *c->checkpoints_topic
                               ? xstrdup(c->checkpoints_topic)
                               : xasprintf("%s%scheckpoints.internal", c->source_alias, c->separator);
    if (c->offset_syncs_topic && *c->offset_syncs_topic) {
        s->offset_syncs_topic = xstrdup(c->offset_syncs_topic);
    } else {
        s->offset_syncs_topic =
            xasprintf("mm2-offset-syncs%s%s%sinternal", c->separator, c->target_alias, c->separator);
    }
    if (c->group && *c->group)
        s->cfg.group = c->group;
    return 0;
}

void mirror_state_release(mirror_state *s)
{
    free(s->source_bootstrap);
    free(s->target_bootstrap);
    free(s->remote_probe_topic);
    free(s->heartbeats_topic);
    free(s->checkpoints_topic);
    free(s->offset_syncs_topic);
    free(s->lags);
    free(s->checkpoints);
    free(s->remotes);
    account_free(s->acct);
}

lag_tp *mirror_lag_get(mirror_state *s, const char *topic, int32_t partition, double now)
{
    for (size_t i = 0; i < s->nlags; i++)
        if (s->lags[i].partition == partition && strcmp(s->lags[i].topic, topic) == 0)
            return &s->lags[i];
    if (s->nlags == s->caplags) {
        size_t cap = s->caplags ? s->caplags * 2 : 16;
        if (cap > 100000)
            return NULL; /* a flood of bogus offset syncs must not grow us without bound */
        lag_tp *l = realloc(s->lags, cap * sizeof *l);
        if (!l)
            return NULL;
        s->lags = l;
        s->caplags = cap;
    }
    lag_tp *t = &s->lags[s->nlags++];
    lag_init(t, topic, partition, now);
    return t;
}

void mirror_age_note(named_age **tab, size_t *n, const char *name, double t)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*tab)[i].name, name) == 0) {
            if (t > (*tab)[i].last)
                (*tab)[i].last = t;
            return;
        }
    if (*n >= 10000)
        return;
    named_age *g = realloc(*tab, (*n + 1) * sizeof *g);
    if (!g)
        return;
    *tab = g;
    snprintf(g[*n].name, sizeof g[*n].name, "%s", name);
    g[*n].last = t;
    (*n)++;
}
