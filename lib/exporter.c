/* exporter.c -- exporter_main: common flags, logging, web config, the HTTP server, signals (exporter.h). */
#include "exporter.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "http.h"
#include "listen.h"
#include "log.h"
#include "process.h"
#include "scraper.h"
#include "secretargs.h"
#include "webconfig.h"
#include "xalloc.h"

#ifndef EXP_VERSION
#define EXP_VERSION "0.0.0"
#endif
#ifndef EXP_REVISION
#define EXP_REVISION "unknown"
#endif

#define EXPORTER_CONN_TIMEOUT 10 /* seconds a connection may sit idle or half-sent */

const char *exporter_version(void)
{
    return EXP_VERSION;
}

const char *exporter_revision(void)
{
    return EXP_REVISION;
}

typedef struct common_flags {
    char *listen;
    char *telemetry_path;
    char *web_config;
    long max_requests;
    long max_connections;
    double scrape_timeout;
    size_t max_scrape_bytes;
    char *log_level;
    char *log_format;
    bool disable_exporter_metrics;
} common_flags;

#define EXPORTER_SCRAPE_GRACE 0.25 /* seconds past the deadline before answering 503 */

typedef struct scrape_ctx {
    const exporter_def *def;
    collectors *cols;
    scraper *worker;
    bool process_metrics;
    http_stats *http; /* the server's counters, written into every scrape */
} scrape_ctx;

/* Fills one scrape; runs on the scraper's worker thread. */
static void fill_scrape(void *arg, expo *w, double deadline)
{
    scrape_ctx *sc = arg;
    const exporter_def *def = sc->def;
    char name[256];
    char help[256];
    snprintf(name, sizeof(name), "%s_build_info", def->ns);
    snprintf(help, sizeof(help),
             "A metric with a constant '1' value labeled by version and revision from which %s was built.",
             def->name);
    /* Constant labels first: they belong on every sample, build_info included. */
    if (def->scrape_begin)
        def->scrape_begin(def->state, w);
    expo_sample(expo_family_get(w, name, help, EXPO_GAUGE), 1, "version", exporter_version(), "revision",
                exporter_revision(), NULL);
    collectors_scrape(sc->cols, w, def->state, deadline);
    /* process_* as every client library serves them: always, not a collector (process.h). */
    char err[256];
    if (sc->process_metrics && process_collect(w, err, sizeof err) < 0)
        log_debug("process metrics incomplete", "err", err, NULL);
    http_stats_write(sc->http, w, def->ns);
}

/* The HTTP server's scrape callback. */
static int do_scrape(void *arg, buf *out, double deadline, char *err, size_t errlen)
{
    scrape_ctx *sc = arg;
    return scraper_run(sc->worker, out, deadline, EXPORTER_SCRAPE_GRACE, err, errlen);
}

/* The landing page is small and fixed; an append that fails only shortens it. */
static void bput(buf *b, const char *s)
{
    if (buf_puts(b, s) < 0)
        return;
}

/* Escapes s for HTML text into b. */
static void html_escape(buf *b, const char *s)
{
    for (; *s; s++) {
        int rc;
        switch (*s) {
        case '<':
            rc = buf_puts(b, "&lt;");
            break;
        case '>':
            rc = buf_puts(b, "&gt;");
            break;
        case '&':
            rc = buf_puts(b, "&amp;");
            break;
        case '"':
            rc = buf_puts(b, "&quot;");
            break;
        default:
            rc = buf_append(b, s, 1);
        }
        if (rc < 0)
            return;
    }
}

static char *landing_page(const exporter_def *def, const char *path)
{
    buf b;
    buf_init(&b, 65536);
    bput(&b, "<!DOCTYPE html>\n<html><head><title>");
    html_escape(&b, def->name);
    bput(&b, "</title></head><body>\n<h1>");
    html_escape(&b, def->name);
    bput(&b, "</h1>\n<p>");
    html_escape(&b, def->description ? def->description : "");
    bput(&b, "</p>\n<p>Version ");
    html_escape(&b, exporter_version());
    bput(&b, " (");
    html_escape(&b, exporter_revision());
    bput(&b, ")</p>\n<ul><li><a href=\"");
    html_escape(&b, path + 1); /* relative, so it works behind a path prefix */
    bput(&b, "\">Metrics</a></li><li><a href=\"healthz\">Health</a></li></ul>\n</body></html>\n");
    return buf_steal(&b, NULL);
}

/* The common flags, the exporter's own, then every collector's; NULL (with err) on a name clash. */
static flag *merge_flags(const exporter_def *def, const collectors *cols, common_flags *cf, char *defaults,
                         size_t dlen, size_t *n, char *err, size_t errlen)
{
    snprintf(defaults, dlen, "%gs", def->default_scrape_timeout > 0 ? def->default_scrape_timeout : 10.0);
    /* "%gs" may give "1.5s", which parse_duration rejects; fall back to milliseconds. */
    if (strchr(defaults, '.') || strchr(defaults, 'e'))
        snprintf(defaults, dlen, "%.0fms", def->default_scrape_timeout * 1000);
    const flag common[] = {
        {"web.listen-address", FLAG_STRING, &cf->listen, def->default_listen ? def->default_listen : ":9100",
         "Address to listen on: host:port, [ipv6]:port or :port.", 0, 0},
        {"web.telemetry-path", FLAG_STRING, &cf->telemetry_path, "/metrics",
         "Path under which to expose metrics.", 0, 0},
        {"web.config.file", FLAG_STRING, &cf->web_config, NULL,
         "Path to a web-config YAML file enabling TLS and/or basic auth (exporter-toolkit format).", 0, 0},
        {"web.max-requests", FLAG_INT, &cf->max_requests, "40",
         "Maximum number of scrapes served at once; more get 503.", 1, 100000},
        {"web.max-connections", FLAG_INT, &cf->max_connections, "256",
         "Maximum number of open connections; over it (or over a quarter of it from one address) a new one "
         "replaces the oldest that waits for a request.",
         1, 100000},
        /* One cap for the writer and the HTTP body; samples past it fail the scrape (503), never a short 200.
         * 1 MiB to 4 GiB: below, a build_info and the process metrics barely fit. */
        {"web.max-scrape-size", FLAG_SIZE, &cf->max_scrape_bytes, "32MiB",
         "Largest exposition a scrape may produce (before gzip), in bytes or with a unit (KiB, MiB, GiB); a "
         "scrape past it answers 503 with the reason.",
         1L << 20, 4L << 30},
        {"scrape.timeout", FLAG_DURATION, &cf->scrape_timeout, defaults,
         "Time a scrape may take; collectors stop at this deadline.", 0, 0},
        {"log.level", FLAG_STRING, &cf->log_level, "info",
         "Only log messages with this or a higher level: debug, "
         "info, warn, error.",
         0, 0},
        {"log.format", FLAG_STRING, &cf->log_format, "logfmt", "Log format: logfmt or json.", 0, 0},
        {"web.disable-exporter-metrics", FLAG_BOOL, &cf->disable_exporter_metrics, "false",
         "Exclude metrics about the exporter itself (process_*), as node_exporter's flag does.", 0, 0},
    };
    size_t nc = sizeof(common) / sizeof(common[0]);
    flag *head = xcalloc(nc + def->nflags, sizeof(flag));
    memcpy(head, common, sizeof(common));
    if (def->nflags)
        memcpy(head + nc, def->flags, def->nflags * sizeof(flag));
    flag *all = collectors_flags(cols, head, nc + def->nflags, n, err, errlen);
    free(head);
    return all;
}

int exporter_main(const exporter_def *def, int argc, char **argv)
{
    int rc = 2;
    char err[1024] = "";
    char tmo_default[32];
    common_flags cf;
    memset(&cf, 0, sizeof(cf));
    webconfig wc;
    memset(&wc, 0, sizeof(wc));
    int have_wc = 0, started = 0, fd = -1, collectors_stuck = 0;
    char *landing = NULL;
    http_server *srv = NULL;
    size_t nflags = 0;
    scrape_ctx sc = {.def = def, .http = http_stats_new()};
    /* The time zone is read once here, before any thread: localtime_r would otherwise load it on first
     * use, on whichever thread, under a libc lock that ThreadSanitizer cannot see. */
    tzset();
    sc.cols = collectors_new(def->ns, def->collectors, def->ncollectors);
    collectors_set_foreign(sc.cols, def->foreign_collectors);
    collectors_set_prepare(sc.cols, def->prepare);
    flag *flags = merge_flags(def, sc.cols, &cf, tmo_default, sizeof(tmo_default), &nflags, err, sizeof(err));
    if (!flags)
        goto out;

    char version_line[256];
    snprintf(version_line, sizeof(version_line), "%s, version %s (revision %s)", def->name,
             exporter_version(), exporter_revision());
    int fr = flags_parse(flags, nflags, sc.cols, def->name, version_line, argc, argv, err, sizeof(err));
    if (fr == 1) {
        rc = 0;
        goto out;
    }
    if (fr < 0)
        goto out;
    hide_secret_args(argc, argv, def->secret_flags, def->secret_option_flags);
    sc.process_metrics = !cf.disable_exporter_metrics;
    if (log_setup(cf.log_level, "logfmt") < 0) {
        snprintf(err, sizeof(err), "bad --log.level \"%s\": want debug, info, warn or error", cf.log_level);
        goto out;
    }
    if (log_setup(cf.log_level, cf.log_format) < 0) {
        snprintf(err, sizeof(err), "bad --log.format \"%s\": want logfmt or json", cf.log_format);
        goto out;
    }
    if (!cf.telemetry_path || cf.telemetry_path[0] != '/' || strcmp(cf.telemetry_path, "/") == 0 ||
        strcmp(cf.telemetry_path, "/healthz") == 0) {
        snprintf(err, sizeof(err), "bad --web.telemetry-path \"%s\": want a path like /metrics",
                 cf.telemetry_path);
        goto out;
    }
    if (cf.scrape_timeout <= 0) {
        snprintf(err, sizeof(err), "bad --scrape.timeout: must be above zero");
        goto out;
    }
    char *flag_yaml = NULL;
    if (def->web_config_yaml && def->web_config_yaml(def->state, &flag_yaml, err, sizeof(err)) < 0)
        goto out;
    if (flag_yaml && cf.web_config) {
        free(flag_yaml);
        snprintf(err, sizeof(err), "give --web.config.file or the --server.tls.* flags, not both");
        goto out;
    }
    if (flag_yaml) {
        int lr = webconfig_load_text("--server.tls flags", flag_yaml, &wc, err, sizeof(err));
        explicit_bzero(flag_yaml, strlen(flag_yaml));
        free(flag_yaml);
        if (lr < 0)
            goto out;
        have_wc = 1;
    } else if (cf.web_config) {
        if (webconfig_load(cf.web_config, &wc, err, sizeof(err)) < 0)
            goto out;
        have_wc = 1;
    }
    char bound[128];
    fd = listen_open(cf.listen, bound, sizeof(bound), err, sizeof(err));
    if (fd < 0)
        goto out;
    /* The collectors first: their flags are checked before start touches the network or makes threads. */
    if (collectors_init(sc.cols, def->state, err, sizeof(err)) < 0) {
        close(fd); /* the collectors released what they made */
        goto out;
    }
    if (def->start && def->start(def->state, err, sizeof(err)) < 0) {
        close(fd); /* start undid itself (exporter.h) */
        collectors_release(sc.cols);
        goto out;
    }
    started = 1;
    landing = landing_page(def, cf.telemetry_path);

    /* Signals go to sigwait below, not to the worker and server threads, which inherit this mask. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    sc.worker = scraper_start(fill_scrape, &sc, cf.max_scrape_bytes);
    if (!sc.worker) {
        snprintf(err, sizeof(err), "cannot start the scrape thread");
        close(fd);
        goto out;
    }

    http_opts ho = {.listen_fd = fd,
                    .telemetry_path = cf.telemetry_path,
                    .landing_html = landing,
                    .max_requests = cf.max_requests,
                    .max_connections = cf.max_connections,
                    .stats = sc.http,
                    .scrape_timeout = cf.scrape_timeout,
                    .conn_timeout = EXPORTER_CONN_TIMEOUT,
                    .max_response = cf.max_scrape_bytes,
                    .web = have_wc ? &wc : NULL,
                    .scrape = do_scrape,
                    .scrape_arg = &sc};
    srv = http_start(&ho, err, sizeof(err));
    if (!srv)
        goto out;
    log_info("listening", "exporter", def->name, "version", exporter_version(), "address", bound, "tls",
             have_wc && wc.tls ? "true" : "false", "basic_auth", webconfig_has_users(&wc) ? "true" : "false",
             NULL);
    int sig = 0;
    while (sigwait(&sigs, &sig) != 0)
        ;
    log_info("shutting down", "signal", sig == SIGINT ? "SIGINT" : "SIGTERM", NULL);
    http_stop(srv);
    srv = NULL;
    rc = 0;
out:
    if (sc.worker && scraper_stop(sc.worker, 5.0) < 0) {
        /* Freeing what a running collector uses would crash; the exit cleans up instead. */
        log_warn("a collector is still running after 5s; exiting without cleanup", NULL);
        collectors_stuck = 1;
        started = 0;
    }
    if (rc == 2) {
        for (char *p = err; *p; p++)
            if (*p == '\n' || *p == '\r')
                *p = ' '; /* the promise is one line */
        fprintf(stderr, "%s: %s\n", def->name, err[0] ? err : "failed to start");
    }
    if (started) {
        if (def->stop)
            def->stop(def->state);
        collectors_release(sc.cols);
    }
    if (flags)
        flags_free(flags, nflags);
    free(flags);
    free(landing);
    if (have_wc)
        webconfig_free(&wc);
    if (!collectors_stuck) {
        collectors_free(sc.cols);
        http_stats_free(sc.http);
    }
    return rc;
}
