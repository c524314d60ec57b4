/* collector_connect.c -- MirrorMaker 2's connectors and tasks as Kafka Connect's REST API reports them.
 *
 * One GET of /connectors?expand=status&expand=info per scrape, within the scrape deadline and
 * --connect.timeout. If Connect cannot be asked, mirror_up{side="connect"} is 0 and the last known
 * connectors and tasks stay, in state UNKNOWN: never a RUNNING that nobody saw. Its flags, its client
 * and what it remembers between scrapes are its own (init / release); only the scrape worker uses them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "collector.h"
#include "connect_status.h"
#include "httpget.h"
#include "log.h"
#include "xalloc.h"

static struct {
    char *url, *username, *password_file, *ca_file, *cert_file, *key_file; /* flag targets */
    bool insecure;
    double timeout;
} opt;

static const flag connect_flags[] = {
    {"connect.url", FLAG_STRING, &opt.url, NULL,
     "Kafka Connect REST URL (http:// or https://) whose MirrorMaker 2 connectors the connect collector "
     "reports.",
     0, 0},
    {"connect.username", FLAG_STRING, &opt.username, NULL, "Basic-auth user for Connect's REST API.", 0, 0},
    {"connect.password-file", FLAG_STRING, &opt.password_file, NULL,
     "File whose first line is that user's password.", 0, 0},
    {"connect.tls.ca-file", FLAG_STRING, &opt.ca_file, NULL,
     "CA bundle to verify Connect's certificate (default: the system's).", 0, 0},
    {"connect.tls.cert-file", FLAG_STRING, &opt.cert_file, NULL,
     "Client certificate for Connect (mutual TLS).", 0, 0},
    {"connect.tls.key-file", FLAG_STRING, &opt.key_file, NULL, "Key of that client certificate.", 0, 0},
    {"connect.tls.insecure-skip-verify", FLAG_BOOL, &opt.insecure, "false",
     "Do not verify Connect's certificate.", 0, 0},
    {"connect.timeout", FLAG_DURATION, &opt.timeout, "3s",
     "Deadline of each request to Connect (the scrape's own deadline also bounds it).", 0, 0},
};

/* What the collector keeps between scrapes; made by init when --connect.url is given. */
typedef struct connect_state {
    struct httpget *http;
    buf body;
    connect_status last; /* the last good answer */
    connect_tracker clock;
    int up;
    uint64_t invalid, failures;
} connect_state;

static void release_connect(void *self)
{
    connect_state *c = self;
    if (!c)
        return;
    httpget_free(c->http);
    buf_free(&c->body);
    connect_status_free(&c->last);
    connect_tracker_free(&c->clock);
    httpget_global_cleanup();
    free(c);
}

/* The Connect client, if --connect.url is given (else no state: the collector reports nothing); the
 * other --connect.* flags without it are an error. */
static int init_connect(void *exporter_state, void **self, char *err, size_t errlen)
{
    (void)exporter_state;
    const char *url = opt.url;
    if (!url || !*url) {
        const char *orphan = opt.username        ? "--connect.username"
                             : opt.password_file ? "--connect.password-file"
                             : opt.ca_file       ? "--connect.tls.ca-file"
                             : opt.cert_file     ? "--connect.tls.cert-file"
                             : opt.key_file      ? "--connect.tls.key-file"
                             : opt.insecure      ? "--connect.tls.insecure-skip-verify"
                                                 : NULL;
        if (orphan) {
            snprintf(err, errlen, "%s is set without --connect.url", orphan);
            return -1;
        }
        return 0;
    }
    const char *rest = strncmp(url, "http://", 7) == 0    ? url + 7
                       : strncmp(url, "https://", 8) == 0 ? url + 8
                                                          : NULL;
    if (!rest || !*rest || *rest == '/') {
        snprintf(err, errlen, "--connect.url %s: want http://host:port or https://host:port", url);
        return -1;
    }
    if (memchr(rest, '@', strcspn(rest, "/"))) {
        snprintf(err, errlen,
                 "--connect.url: credentials in the URL; use --connect.username and "
                 "--connect.password-file");
        return -1;
    }
    if ((opt.cert_file == NULL) != (opt.key_file == NULL)) {
        snprintf(err, errlen, "--connect.tls.cert-file and --connect.tls.key-file go together");
        return -1;
    }
    if (httpget_global_init() < 0) {
        snprintf(err, errlen, "cannot initialise libcurl");
        return -1;
    }
    httpget_options o = {.ca_file = opt.ca_file,
                         .cert_file = opt.cert_file,
                         .key_file = opt.key_file,
                         .insecure_skip_verify = opt.insecure,
                         .username = opt.username,
                         .password_file = opt.password_file};
    char why[512];
    struct httpget *http = httpget_new(&o, why, sizeof why);
    if (!http) {
        snprintf(err, errlen, "--connect.*: %s", why);
        httpget_global_cleanup();
        return -1;
    }
    connect_state *c = xcalloc(1, sizeof *c);
    c->http = http;
    buf_init(&c->body, 8u << 20);
    c->up = 1; /* so that a first failure is logged */
    *self = c;
    return 0;
}

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

/* Asks Connect; 0 with s->last replaced, or -1 (reason in err). */
static int ask(connect_state *s, double deadline, char *err, size_t errlen)
{
    char url[2048];
    size_t len = strlen(opt.url);
    while (len && opt.url[len - 1] == '/')
        len--;
    snprintf(url, sizeof url, "%.*s/connectors?expand=status&expand=info", (int)len, opt.url);
    double own = now_monotonic() + opt.timeout;
    long status = httpget_fetch(s->http, url, own < deadline ? own : deadline, &s->body, err, errlen);
    if (status < 0)
        return -1;
    if (status != 200) {
        snprintf(err, errlen, "GET /connectors: HTTP %ld", status);
        return -1;
    }
    connect_status next;
    char why[256];
    if (connect_status_parse(s->body.data ? s->body.data : "", s->body.len, &next, why, sizeof why) < 0) {
        s->invalid++;
        snprintf(err, errlen, "GET /connectors: unexpected answer: %s", why);
        return -1;
    }
    connect_status_free(&s->last);
    s->last = next;
    return 0;
}

static int collect_connect(expo *w, collector_ctx *ctx)
{
    connect_state *s = ctx->self;
    if (!s)
        return 0; /* no --connect.url */
    double now = now_monotonic();
    int ok = ask(s, ctx->deadline, ctx->err, ctx->errlen) == 0;
    if (ok)
        connect_tracker_update(&s->clock, &s->last, now);
    else
        s->failures++;
    if (ok != s->up)
        log_warn(ok ? "Kafka Connect answers again" : "Kafka Connect cannot be asked", "url", opt.url,
                 "reason", ok ? "" : ctx->err, NULL);
    s->up = ok;

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
    for (size_t i = 0; i < s->last.n; i++) {
        const connect_connector *c = &s->last.connectors[i];
        int state = ok ? c->state : CONNECT_UNKNOWN;
        const char *cn[3] = {"connector", "class"}, *cv[3] = {c->name, c->class_name};
        one_hot(cst, state, cn, cv, 2);
        double since = connect_tracker_since(&s->clock, c->name, -1);
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
            since = connect_tracker_since(&s->clock, c->name, t->id);
            if (ok && since > 0)
                expo_sample(tage, now - since, "connector", c->name, "task", id, NULL);
            if (ok && t->state == CONNECT_FAILED)
                expo_sample(errf, 1, "connector", c->name, "task", id, "error_class", t->error_class, NULL);
        }
    }
    expo_sample(F("mirror_connect_invalid_responses_total",
                  "Answers of Kafka Connect's REST API that were not the expected JSON.", EXPO_COUNTER),
                (double)s->invalid, NULL);
    expo_sample(F("mirror_connect_request_failures_total",
                  "Requests to Kafka Connect's REST API that failed (connection, TLS, timeout, status, "
                  "answer).",
                  EXPO_COUNTER),
                (double)s->failures, NULL);
    return ok ? 0 : -1;
}

const collector mirror_collector_connect = {
    .name = "connect",
    .enabled_by_default = true,
    .help = "MM2 connectors and tasks from Kafka Connect's REST API (with --connect.url)",
    .collect = collect_connect,
    .flags = connect_flags,
    .nflags = sizeof connect_flags / sizeof connect_flags[0],
    .init = init_connect,
    .release = release_connect};
