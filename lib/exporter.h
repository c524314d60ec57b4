/* exporter.h -- what every exporter's main() calls: common flags, logging,
 * web config, the HTTP server and the scrape loop.
 *
 * Common flags: --web.listen-address, --web.telemetry-path, --web.config.file,
 * --web.max-requests, --scrape.timeout, --log.level, --log.format, --version, --help.
 * Every scrape also reports <ns>_build_info{version,revision,goversion-free} = 1,
 * the per-collector duration/success metrics, and the collectors' samples.
 *
 * Lifecycle: flags are parsed; `start` runs (it must not block on the network:
 * a dead cluster at start is reported by metrics, not by exit); the server
 * listens; SIGINT/SIGTERM stop it; `stop` runs; everything is freed.
 *
 * Threads: collectors and scrape_begin run on one scrape worker thread, one
 * scrape at a time; start and stop run on the main thread. */
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
    const collector *collectors;
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
    /* After flags are parsed. Returns 0, or -1 with a reason (exit 2: bad config). */
    int (*start)(void *state, char *err, size_t errlen);
    /* Once per scrape before the collectors run: constant labels and the like. May be NULL. */
    void (*scrape_begin)(void *state, expo *w);
    /* At shutdown. May be NULL. */
    void (*stop)(void *state);
} exporter_def;

/* Runs the exporter; returns the process exit code (0, or 2 for bad input). */
int exporter_main(const exporter_def *def, int argc, char **argv);

/* Version strings baked in by the build (EXP_VERSION, EXP_REVISION). */
const char *exporter_version(void);
const char *exporter_revision(void);

#endif
