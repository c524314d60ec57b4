/* collector.c -- the collector registry: switches, flags, lifecycle and the scrape metrics (collector.h). */
#include "collector.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "xalloc.h"

struct collectors {
    char *ns;
    const collector *const *table;
    size_t n;
    bool *enabled;
    bool *explicit_choice; /* set by a flag, which --collector.disable-defaults keeps */
    const char *const *foreign;
    collector_fn prepare;
    void **self; /* each collector's state, from its init */
    bool *made;  /* init succeeded: release is due */
    double *dur; /* per scrape, reused: the worker is the only user */
    int *ok;
};

collectors *collectors_new(const char *ns, const collector *const *table, size_t n)
{
    collectors *c = xcalloc(1, sizeof(*c));
    c->ns = xstrdup(ns);
    c->enabled = xcalloc(n, sizeof(bool));
    c->explicit_choice = xcalloc(n, sizeof(bool));
    c->self = xcalloc(n, sizeof(void *));
    c->made = xcalloc(n, sizeof(bool));
    c->dur = xcalloc(n, sizeof(double));
    c->ok = xcalloc(n, sizeof(int));
    c->table = table;
    c->n = n;
    for (size_t i = 0; i < n; i++)
        c->enabled[i] = table[i]->enabled_by_default;
    return c;
}

void collectors_free(collectors *c)
{
    if (!c)
        return;
    free(c->ns);
    free(c->enabled);
    free(c->explicit_choice);
    free(c->self);
    free(c->made);
    free(c->dur);
    free(c->ok);
    free(c);
}

void collectors_set_prepare(collectors *c, collector_fn prepare)
{
    c->prepare = prepare;
}

int collectors_set(collectors *c, const char *name, bool enabled)
{
    for (size_t i = 0; i < c->n; i++) {
        if (strcmp(c->table[i]->name, name) == 0) {
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

flag *collectors_flags(const collectors *c, const flag *head, size_t n, size_t *total, char *err,
                       size_t errlen)
{
    size_t all = n;
    for (size_t i = 0; i < c->n; i++)
        all += c->table[i]->nflags;
    flag *out = xcalloc(all, sizeof(flag));
    if (n)
        memcpy(out, head, n * sizeof(flag));
    size_t k = n;
    for (size_t i = 0; i < c->n; i++)
        for (size_t j = 0; j < c->table[i]->nflags; j++)
            out[k++] = c->table[i]->flags[j];
    for (size_t i = 0; i < all; i++) {
        for (size_t j = 0; j < i; j++) {
            if (strcmp(out[i].name, out[j].name) == 0) {
                snprintf(err, errlen, "flag --%s is defined twice (a bug in this exporter)", out[i].name);
                free(out);
                return NULL;
            }
        }
    }
    *total = all;
    return out;
}

int collectors_init(collectors *c, void *exporter_state, char *err, size_t errlen)
{
    for (size_t i = 0; i < c->n; i++) {
        const collector *col = c->table[i];
        if (!c->enabled[i] || c->made[i])
            continue;
        c->self[i] = NULL;
        if (col->init) {
            char why[768] = "";
            if (col->init(exporter_state, &c->self[i], why, sizeof(why)) < 0) {
                snprintf(err, errlen, "collector %s: %s", col->name, why[0] ? why : "failed to start");
                collectors_release(c);
                return -1;
            }
        }
        c->made[i] = true;
    }
    return 0;
}

void collectors_release(collectors *c)
{
    for (size_t i = c->n; i-- > 0;) {
        if (!c->made[i])
            continue;
        if (c->table[i]->release)
            c->table[i]->release(c->self[i]);
        c->self[i] = NULL;
        c->made[i] = false;
    }
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
    return c->table[i];
}

/* Runs one stage (a collector, or prepare when name is NULL) unless the deadline has passed;
 * returns whether it succeeded, its duration in *dur. */
static int run_stage(collector_fn fn, const char *name, expo *w, void *state, void *self, double deadline,
                     double *dur)
{
    char err[512] = "";
    int ok;
    double t0 = now_monotonic();
    if (t0 >= deadline) {
        /* Running it after the deadline would only delay the answer. */
        snprintf(err, sizeof(err), "scrape deadline passed before it ran");
        ok = 0;
    } else {
        collector_ctx ctx = {
            .state = state, .self = self, .deadline = deadline, .err = err, .errlen = sizeof(err)};
        ok = fn(w, &ctx) == 0;
    }
    *dur = now_monotonic() - t0;
    if (!ok)
        log_debug(name ? "collector failed" : "scrape prepare stage failed", "collector", name ? name : "",
                  "err", err[0] ? err : "unknown", NULL);
    return ok;
}

/* One gauge family "<ns>_scrape_<what>" with node_exporter's style of help text. */
static expo_family *scrape_family(const collectors *c, expo *w, const char *what, const char *help)
{
    char name[256], text[256];
    snprintf(name, sizeof(name), "%s_scrape_%s", c->ns, what);
    snprintf(text, sizeof(text), "%s_exporter: %s", c->ns, help);
    return expo_family_get(w, name, text, EXPO_GAUGE);
}

void collectors_scrape(collectors *c, expo *w, void *state, double deadline)
{
    double prep_dur = 0;
    int prep_ok = 0;
    if (c->prepare)
        prep_ok = run_stage(c->prepare, NULL, w, state, NULL, deadline, &prep_dur);
    for (size_t i = 0; i < c->n; i++)
        if (c->enabled[i])
            c->ok[i] = run_stage(c->table[i]->collect, c->table[i]->name, w, state, c->self[i], deadline,
                                 &c->dur[i]);
    if (c->prepare) {
        expo_sample(scrape_family(c, w, "prepare_duration_seconds",
                                  "Duration of the scrape's prepare stage, the work all collectors share."),
                    prep_dur, NULL);
        expo_sample(scrape_family(c, w, "prepare_success", "Whether the scrape's prepare stage succeeded."),
                    prep_ok ? 1.0 : 0.0, NULL);
    }
    /* "node_exporter: ..." is node_exporter's own help text; dashboards and comparisons see the same. */
    expo_family *fdur = scrape_family(c, w, "collector_duration_seconds", "Duration of a collector scrape.");
    expo_family *fok = scrape_family(c, w, "collector_success", "Whether a collector succeeded.");
    for (size_t i = 0; i < c->n; i++) {
        if (!c->enabled[i])
            continue;
        expo_sample(fdur, c->dur[i], "collector", c->table[i]->name, NULL);
        expo_sample(fok, c->ok[i] ? 1.0 : 0.0, "collector", c->table[i]->name, NULL);
    }
}
