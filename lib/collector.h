/* collector.h -- collectors as objects, and the registry that owns their lifecycle (node_exporter's design).
 *
 * A collector is one `const collector` defined in its own file: name, default, help, its own flags,
 * and the init / collect / release of its own state. An exporter lists pointers to them in one table.
 * The registry merges every collector's flags into the flag parser and --help
 * (collectors_flags), switches collectors with `--collector.NAME` / `--no-collector.NAME`,
 * runs `init` for each enabled collector once flags are parsed, before the exporter's start
 * (collectors_init), and `release` in reverse order at shutdown, after stop (collectors_release).
 *
 * A scrape first runs the exporter's prepare stage, if it has one (work every collector shares,
 * such as kafka-exporter's snapshot of the cluster), then every enabled collector, and reports
 *   <ns>_scrape_prepare_duration_seconds, <ns>_scrape_prepare_success    (only with a prepare stage)
 *   <ns>_scrape_collector_duration_seconds{collector}, <ns>_scrape_collector_success{collector}
 * A collector that fails does not fail the scrape, it reports success 0 (and logs why at debug);
 * so does a failing prepare stage, and the collectors still run on what it left.
 *
 * Everything here runs on the one scrape worker thread (lib/README.md, "Threads"), except
 * collectors_init / collectors_release, which run on the main thread before the worker starts
 * and after it ended: a collector's state needs no lock for scrapes.
 *
 * A collector should finish before `deadline` (CLOCK_MONOTONIC seconds, see now_monotonic());
 * every network call it makes must be bounded by it. */
#ifndef EXP_COLLECTOR_H
#define EXP_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>

#include "clock.h"
#include "expo.h"
#include "flags.h"

typedef struct collector_ctx {
    void *state;     /* the exporter's state (exporter_def.state), shared by all its collectors */
    void *self;      /* this collector's own state, as its init made it (NULL without init) */
    double deadline; /* monotonic seconds by which the scrape must answer */
    char *err;       /* a collector writes a one-line reason here on failure */
    size_t errlen;
} collector_ctx;

/* Emits samples into w. Returns 0 on success, -1 on failure (reason in ctx->err). The prepare
 * stage has the same shape (ctx->self is NULL for it). */
typedef int (*collector_fn)(expo *w, collector_ctx *ctx);

typedef struct collector {
    const char *name; /* [a-z0-9_]+, used in flags and the collector label */
    bool enabled_by_default;
    const char *help; /* shown by --help */
    collector_fn collect;
    /* Optional from here on (zero when absent). */
    const flag *flags; /* this collector's own flags (--collector.NAME.x by convention) */
    size_t nflags;
    /* After flags are parsed, before the exporter's start, for an enabled collector only: checks
     * its flags, builds its state into *self. `exporter_state` is exporter_def.state (its flags set,
     * not started: what needs the started exporter belongs in collect). Returns 0, or -1 with a
     * one-line reason in err (the exporter exits 2); on -1 it has released what it made. */
    int (*init)(void *exporter_state, void **self, char *err, size_t errlen);
    /* Frees what init made (self may be NULL when init left it so). Runs once, at shutdown after
     * the exporter's stop, or when start failed. */
    void (*release)(void *self);
} collector;

typedef struct collectors collectors;

/* Creates a registry over a static table of collectors (which must outlive it). `ns` is the
 * metric namespace for the scrape metrics ("node", "kafka", "mirror"). Aborts on out-of-memory. */
collectors *collectors_new(const char *ns, const collector *const *table, size_t n);
/* Frees the registry; collectors_release must have run if collectors_init succeeded. */
void collectors_free(collectors *c);
/* The prepare stage run before the collectors of each scrape (NULL: none, no prepare series). */
void collectors_set_prepare(collectors *c, collector_fn prepare);
/* Enables or disables by name (an explicit choice, which --collector.disable-defaults keeps);
 * -1 if no such collector, -2 if the name is one of the foreign collectors (below). */
int collectors_set(collectors *c, const char *name, bool enabled);
/* Names of the peer exporter's collectors this one does not have (NULL-terminated, static):
 * `--no-collector.NAME` is then accepted (it is off anyway) and `--collector.NAME` is an error
 * that says so, so a peer's command line carries over. */
void collectors_set_foreign(collectors *c, const char *const *names);
/* node_exporter's --collector.disable-defaults: every collector not explicitly set is disabled. */
void collectors_disable_defaults(collectors *c);
/* The flags of every collector, in table order, appended to `head` (n entries) in a new array
 * (caller frees it; the flags' targets stay the collectors'); *total gets the length. NULL with
 * a reason in err if two flags share a name (a bug in the exporter). */
flag *collectors_flags(const collectors *c, const flag *head, size_t n, size_t *total, char *err,
                       size_t errlen);
/* Runs init of every enabled collector, in table order, with the exporter's state. Returns 0, or
 * -1 with "collector NAME: reason" in err after releasing those already made (nothing is left). */
int collectors_init(collectors *c, void *exporter_state, char *err, size_t errlen);
/* Releases every collector collectors_init made, in reverse order. Safe to call twice. */
void collectors_release(collectors *c);
/* Runs the prepare stage and every enabled collector into w, then writes the scrape metrics. */
void collectors_scrape(collectors *c, expo *w, void *state, double deadline);
size_t collectors_count(const collectors *c);
const collector *collectors_at(const collectors *c, size_t i, bool *enabled);

#endif
