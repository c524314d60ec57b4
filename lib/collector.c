/* collector.c -- the collector registry and the per-collector scrape metrics (collector.h). */
#include "collector.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "xalloc.h"

struct collectors {
    char *ns;
    const collector *table;
    size_t n;
    bool *enabled;
    bool *explicit_choice; /* set by a flag, which --collector.disable-defaults keeps */
    const char *const *foreign;
};

collectors *collectors_new(const char *ns, const collector *table, size_t n)
{
    collectors *c = xcalloc(1, sizeof(*c));
    c->ns = xstrdup(ns);
    c->enabled = xcalloc(n, sizeof(bool));
    c->explicit_choice = xcalloc(n, sizeof(bool));
    c->table = table;
    c->n = n;
    for (size_t i = 0; i < n; i++)
        c->enabled[i] = table[i].enabled_by_default;
    return c;
}

void collectors_free(collectors *c)
{
    if (!c)
        return;
    free(c->ns);
    free(c->enabled);
    free(c->explicit_choice);
    free(c);
}

int collectors_set(collectors *c, const char *name, bool enabled)
{
    for (size_t i = 0; i < c->n; i++) {
        if (strcmp(c->table[i].name, name) == 0) {
            c->enabled[i] = enabled;
            c->explicit_choice[i] = true;
            return 0;
        }
    }
    for (const char *const *f = c->foreign; f && *f; f++)
        if (strcmp(*f, name) == 0)
            return -2;
    return -1;
}

void collectors_set_foreign(collectors *c, const char *const *names)
{
    c->foreign = names;
}

void collectors_disable_defaults(collectors *c)
{
    for (size_t i = 0; i < c->n; i++)
        if (!c->explicit_choice[i])
            c->enabled[i] = false;
}

size_t collectors_count(const collectors *c)
{
    return c->n;
}

const collector *collectors_at(const collectors *c, size_t i, bool *enabled)
{
    if (i >= c->n)
        return NULL;
    if (enabled)
        *enabled = c->enabled[i];
    return &c->table[i];
}

void collectors_scrape(collectors *c, expo *w, void *state, double deadline)
{
    char name[256];
    snprintf(name, sizeof(name), "%s_scrape_collector_duration_seconds", c->ns);
    expo_family *fdur = NULL, *fok = NULL;
    size_t nen = 0;
    for (size_t i = 0; i < c->n; i++)
        nen += c->enabled[i];
    double *dur = xcalloc(nen, sizeof(double));
    int *ok = xcalloc(nen, sizeof(int));
    size_t k = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (!c->enabled[i])
            continue;
        const collector *col = &c->table[i];
        char err[512] = "";
        double t0 = now_monotonic();
        if (t0 >= deadline) {
            /* Running a collector after the deadline would only delay the answer. */
            snprintf(err, sizeof(err), "scrape deadline passed before the collector ran");
            ok[k] = 0;
        } else {
            collector_ctx ctx = {.state = state, .deadline = deadline, .err = err, .errlen = sizeof(err)};
            ok[k] = col->collect(w, &ctx) == 0;
        }
        dur[k] = now_monotonic() - t0;
        if (!ok[k])
            log_debug("collector failed", "collector", col->name, "err", err[0] ? err : "unknown", NULL);
        k++;
    }
    /* "node_exporter: ..." is node_exporter's own help text; dashboards and comparisons see the same. */
    char help[256];
    snprintf(help, sizeof(help), "%s_exporter: Duration of a collector scrape.", c->ns);
    fdur = expo_family_get(w, name, help, EXPO_GAUGE);
    snprintf(name, sizeof(name), "%s_scrape_collector_success", c->ns);
    snprintf(help, sizeof(help), "%s_exporter: Whether a collector succeeded.", c->ns);
    fok = expo_family_get(w, name, help, EXPO_GAUGE);
    k = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (!c->enabled[i])
            continue;
        expo_sample(fdur, dur[k], "collector", c->table[i].name, NULL);
        expo_sample(fok, ok[k] ? 1.0 : 0.0, "collector", c->table[i].name, NULL);
        k++;
    }
    free(dur);
    free(ok);
}
