/* exporter.h -- what every exporter's main() calls: common flags, logging,
 * web config, the HTTP server and the scrape loop.
 *
 * Common flags: --web.listen-address, --web.telemetry-path, --web.config.file,
 * --web.max-requests, --web.max-connections, --web.max-scrape-size, --scrape.timeout,
 * --log.level, --log.format, --version, --help.
 * Every scrape also reports <ns>_build_info{version,revision,goversion-free} = 1,
 * the per-collector duration/success metrics, and the collectors' samples.
 *
 * Lifecycle: flags are parsed (the common ones, the exporter's and every collector's);
 * each enabled collector's init runs (its flags' checks come before anything starts); `start`
 * runs (it must not block on the network: a dead cluster at start is reported by
 * metrics, not by exit); the server listens;
 * SIGINT/SIGTERM stop it; the collectors are released (reverse order); `stop` runs.
 * Whatever fails, what started is undone in reverse and nothing is left running.
 *
 * Threads: see lib/README.md ("Threads"); in short, scrape_begin, prepare and the
 * collectors run on the one scrape worker thread, one scrape at a time; start, the
 * collectors' init and release, and stop run on the main thread while no scrape runs. */
#ifndef EXP_EXPORTER_H
#define EXP_EXPORTER_H

#include <stddef.h>

#include "collector.h"
#include "flags.h"

typedef struct exporter_def {
    const char *name;              /* "node-exporter-lite" */
    const char *ns;                /* metric namespace: "node", "kafka", "mirror" */
    const char *description;       /* one line for --help and the landing page */
    const char *default_listen;    /* ":9100" */
    double default_scrape_timeout; /* seconds */
    const flag *flags;             /* exporter-specific flags */
    size_t nflags;
    const collector *const *collectors; /* the table: one line per collector (collector.h) */
    size_t ncollectors;
    /* The peer exporter's collectors this one lacks (NULL-terminated; may be NULL): see
     * collectors_set_foreign. */
    const char *const *foreign_collectors;
    /* Flags whose values, and client-option flags whose secret options, are hidden from ps once
     * parsed (NULL-terminated; may be NULL): see secretargs.h. */
    const char *const *secret_flags;
    const char *const *secret_option_flags;
    void *state; /* handed to collectors and hooks */
    /* After flags are parsed, before the web config is read: web-config YAML built from the exporter's
     * own flags (danielqsj's --server.tls.*) into *yaml (malloc'd; left NULL: none). Returns 0, or -1
     * with a reason (exit 2). May be NULL. */
    int (*web_config_yaml)(void *state, char **yaml, char *err, size_t errlen);
    /* After flags are parsed. Returns 0, or -1 with a reason (exit 2: bad config). On -1 it has
     * undone itself: no thread it started runs, nothing it made is left for `stop` (which is then
     * not called) and the state may be freed. May be NULL. */
    int (*start)(void *state, char *err, size_t errlen);
    /* Once per scrape before the collectors run: constant labels and the like. May be NULL. */
    void (*scrape_begin)(void *state, expo *w);
    /* Once per scrape after scrape_begin, before the collectors: the work they share (a snapshot
     * of the cluster), timed and reported as <ns>_scrape_prepare_duration_seconds and
     * <ns>_scrape_prepare_success (collector.h). May be NULL (no such series). */
    collector_fn prepare;
    /* At shutdown, after a successful start only. May be NULL. */
    void (*stop)(void *state);
} exporter_def;

/* Runs the exporter; returns the process exit code (0, or 2 for bad input). */
int exporter_main(const exporter_def *def, int argc, char **argv);

/* Version strings baked in by the build (EXP_VERSION, EXP_REVISION). */
const char *exporter_version(void);
const char *exporter_revision(void);

#endif
