/* collector.h -- the collector registry (node_exporter's design).
 *
 * Each collector has a name and a default; `--collector.NAME` and
 * `--no-collector.NAME` switch it. A scrape runs every enabled collector and
 * reports, for each, `<ns>_scrape_collector_duration_seconds{collector}` and
 * `<ns>_scrape_collector_success{collector}`: a collector that fails does not
 * fail the scrape, it just reports success 0 (and logs why at debug level).
 *
 * A collector should finish before `deadline` (CLOCK_MONOTONIC seconds, see
 * now_monotonic()); every network call it makes must be bounded by it. */
#ifndef EXP_COLLECTOR_H
#define EXP_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>

#include "clock.h"
#include "expo.h"

typedef struct collector_ctx {
    void *state;     /* the exporter's own state, as given to collectors_scrape */
    double deadline; /* monotonic seconds by which the scrape must answer */
    char *err;       /* a collector writes a one-line reason here on failure */
    size_t errlen;
} collector_ctx;

typedef struct collector {
    const char *name; /* [a-z0-9_]+, used in flags and the collector label */
    bool enabled_by_default;
    const char *help; /* shown by --help */
    /* Emits samples into w. Returns 0 on success, -1 on failure (reason in ctx->err). */
    int (*collect)(expo *w, collector_ctx *ctx);
} collector;

typedef struct collectors collectors;

/* Creates a registry over a static table (which must outlive it). `ns` is the
 * metric namespace for the scrape metrics ("node", "kafka", "mirror"). */
collectors *collectors_new(const char *ns, const collector *table, size_t n);
void collectors_free(collectors *c);
/* Enables or disables by name (an explicit choice, which --collector.disable-defaults keeps);
 * -1 if no such collector, -2 if the name is one of the foreign collectors (below). */
int collectors_set(collectors *c, const char *name, bool enabled);
/* Names of the peer exporter's collectors this one does not have (NULL-terminated, static):
 * `--no-collector.NAME` is then accepted (it is off anyway) and `--collector.NAME` is an error
 * that says so, so a peer's command line carries over. */
void collectors_set_foreign(collectors *c, const char *const *names);
/* node_exporter's --collector.disable-defaults: every collector not explicitly set is disabled. */
void collectors_disable_defaults(collectors *c);
/* Runs every enabled collector into w, then writes the scrape metrics. */
void collectors_scrape(collectors *c, expo *w, void *state, double deadline);
size_t collectors_count(const collectors *c);
const collector *collectors_at(const collectors *c, size_t i, bool *enabled);

#endif
