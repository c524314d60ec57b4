/* collector_connect.c -- MirrorMaker 2's connectors and tasks as Kafka Connect's REST API reports them.
 *
 * One GET of /connectors?expand=status&expand=info per scrape, within the scrape deadline and
 * --connect.timeout. If Connect cannot be asked, mirror_up{side="connect"} is 0 and the last known
 * connectors and tasks stay, in state UNKNOWN: never a RUNNING that nobody saw. */
#include <stdio.h>
#include <string.h>

#include "collectors.h"
#include "httpget.h"
#include "log.h"
#include "state.h"

#define F(name, help, type) expo_family_get(w, name, help, type)

/* One sample per state, 1 for the current one (the enum-as-labels convention of kube-state-metrics):
 * `names`/`values` hold n labels and room for "state" after them. */
static void one_hot(expo_family *f, int state, const char **names, const char **values, size_t n)
{
    names[n] = "state";
    for (int i = 0; i < CONNECT_NSTATES; i++) {
        values[n] = connect_state_names[i];
        expo_samplev(f, i == state, names, values, n + 1);
    }
}

/* Asks Connect; 0 with s->connect_last replaced, or -1 (reason in err). */
static int ask(mirror_state *s, double deadline, char *err, size_t errlen)
{
    char url[2048];
    size_t len = strlen(s->cfg.connect_url);
    while (len && s->cfg.connect_url[len - 1] == '/')
        len--;
    snprintf(url, sizeof url, "%.*s/connectors?expand=status&expand=info", (int)len, s->cfg.connect_url);
    double own = now_monotonic() + s->cfg.connect_timeout;
    long status =
        httpget_fetch(s->connect_http, url, own < deadline ? own : deadline, &s->connect_body, err, errlen);
    if (status < 0)
        return -1;
    if (status != 200) {
        snprintf(err, errlen, "GET /connectors: HTTP %ld", status);
        return -1;
    }
    connect_status next;
    char why[256];
    if (connect_status_parse(s->connect_body.data ? s->connect_body.data : "", s->connect_body.len, &next,
                             why, sizeof why) < 0) {
        s->connect_invalid++;
        snprintf(err, errlen, "GET /connectors: unexpected answer: %s", why);
        return -1;
    }
    connect_status_free(&s->connect_last);
    s->connect_last = next;
    return 0;
}

int collect_connect(expo *w, collector_ctx *ctx)
{
    mirror_state *s = ctx->state;
    if (!s->connect_http)
        return 0; /* no --connect.url */
    double now = now_monotonic();
    int ok = ask(s, ctx->deadline, ctx->err, ctx->errlen) == 0;
    if (ok)
        connect_tracker_update(&s->connect_clock, &s->connect_last, now);
    else
        s->connect_failures++;
    if (ok != s->connect_up)
        log_warn(ok ? "Kafka Connect answers again" : "Kafka Connect cannot be asked", "url",
                 s->cfg.connect_url, "reason", ok ? "" : ctx->err, NULL);
    s->connect_up = ok;

    expo_sample(F("mirror_up", "1 if that cluster answered the last metadata request in time.", EXPO_GAUGE),
                ok, "side", "connect", NULL);
    expo_family *cst = F("mirror_connect_connector_state",
                         "MirrorMaker 2 connector state in Kafka Connect (1 for the current one); UNKNOWN "
                         "while Connect cannot be asked.",
                         EXPO_GAUGE);
    expo_family *cage =
        F("mirror_connect_connector_state_age_seconds",
          "Time since the connector entered its state, as seen by this exporter.", EXPO_GAUGE);
    expo_family *ntasks =
        F("mirror_connect_connector_tasks", "Tasks of the MirrorMaker 2 connector.", EXPO_GAUGE);
    expo_family *tst =
        F("mirror_connect_task_state",
          "MirrorMaker 2 task state in Kafka Connect (1 for the current one), with its worker; "
          "UNKNOWN while Connect cannot be asked.",
          EXPO_GAUGE);
    expo_family *tage = F("mirror_connect_task_state_age_seconds",
                          "Time since the task entered its state, as seen by this exporter.", EXPO_GAUGE);
    expo_family *errf = F("mirror_connect_failed_info",
                          "A FAILED connector (task=\"\") or task, with the exception class at the head of "
                          "its trace.",
                          EXPO_GAUGE);
    for (size_t i = 0; i < s->connect_last.n; i++) {
        const connect_connector *c = &s->connect_last.connectors[i];
        int state = ok ? c->state : CONNECT_UNKNOWN;
        const char *cn[3] = {"connector", "class"}, *cv[3] = {c->name, c->class_name};
        one_hot(cst, state, cn, cv, 2);
        double since = connect_tracker_since(&s->connect_clock, c->name, -1);
        if (ok && since > 0)
            expo_sample(cage, now - since, "connector", c->name, NULL);
        expo_sample(ntasks, (double)c->ntasks, "connector", c->name, NULL);
        if (ok && c->state == CONNECT_FAILED)
            expo_sample(errf, 1, "connector", c->name, "task", "", "error_class", c->error_class, NULL);
        for (size_t j = 0; j < c->ntasks; j++) {
            const connect_task *t = &c->tasks[j];
            char id[16];
            snprintf(id, sizeof id, "%d", t->id);
            const char *tn[4] = {"connector", "task", "worker_id"}, *tv[4] = {c->name, id, t->worker};
            one_hot(tst, ok ? t->state : CONNECT_UNKNOWN, tn, tv, 3);
            since = connect_tracker_since(&s->connect_clock, c->name, t->id);
            if (ok && since > 0)
                expo_sample(tage, now - since, "connector", c->name, "task", id, NULL);
            if (ok && t->state == CONNECT_FAILED)
                expo_sample(errf, 1, "connector", c->name, "task", id, "error_class", t->error_class, NULL);
        }
    }
    expo_sample(F("mirror_connect_invalid_responses_total",
                  "Answers of Kafka Connect's REST API that were not the expected JSON.", EXPO_COUNTER),
                (double)s->connect_invalid, NULL);
    expo_sample(F("mirror_connect_request_failures_total",
                  "Requests to Kafka Connect's REST API that failed (connection, TLS, timeout, status, "
                  "answer).",
                  EXPO_COUNTER),
                (double)s->connect_failures, NULL);
    return ok ? 0 : -1;
}
