/* http.h -- the HTTP(S) server on libmicrohttpd: /metrics, /, /healthz, auth, gzip, limits.
 *
 * Threading: one thread per connection (MHD_USE_THREAD_PER_CONNECTION), so a
 * slow or stalled client only ever holds its own thread. The scrape callback runs on
 * the connection's thread.
 *
 * No client can lock others out (lib/README.md, "Slow and idle clients"):
 * - a connection must deliver a whole request header within `conn_timeout` seconds of
 *   opening (or of its previous answer), in total, however slowly it drips; and an answer
 *   must be taken within scrape_timeout + `conn_timeout`; a watchdog shuts down the rest;
 * - at most `max_connections` are open, at most a quarter of them (at least 8) per client
 *   address: a new connection over either bound replaces the oldest one that is waiting
 *   for a request (never-served first), so a client that sends its request promptly gets
 *   in; it is refused only if every connection is busy answering;
 * - at most `max_requests` scrapes run at once, at most a quarter of them (at least 1) per
 *   client address; others get 503.
 * Requests the library would pass but a proxy might read differently (a NUL or %00 in the
 * URL, control bytes, a header name that is not a token such as "X-A ", NUL in a header
 * value, two Content-Length headers, Content-Length with Transfer-Encoding) get 400
 * before any handler runs. Every answer is counted by status, every dropped connection by
 * reason (http_stats); the log gets at most one line per kind per 10 s, with a count. */
#ifndef EXP_HTTP_H
#define EXP_HTTP_H

#include <stddef.h>

#include "buf.h"
#include "expo.h"
#include "webconfig.h"

/* Renders the metrics into out (whose limit is set). Returns 0, or -1 with a
 * short reason in err for a 503 (busy) or 500. */
typedef int (*http_scrape_fn)(void *arg, buf *out, double deadline, char *err, size_t errlen);

/* Counters the server keeps and the exporter serves (http_stats_write). */
typedef struct http_stats http_stats;
http_stats *http_stats_new(void);
void http_stats_free(http_stats *st);
/* <ns>_http_requests_total{code}, <ns>_http_connections_dropped_total{reason}, <ns>_http_connections. */
void http_stats_write(const http_stats *st, expo *w, const char *ns);

typedef struct http_opts {
    int listen_fd;              /* from listen_open; owned by the server once started */
    const char *telemetry_path; /* "/metrics" */
    const char *landing_html;   /* the page at "/" */
    long max_requests;          /* concurrent scrapes */
    long max_connections;       /* open connections */
    double scrape_timeout;      /* seconds; lowered by X-Prometheus-Scrape-Timeout-Seconds */
    unsigned conn_timeout;      /* seconds to send a whole request header (and idle limit) */
    size_t max_response;        /* cap on the exposition size */
    webconfig *web;             /* may be NULL: plain HTTP, no auth */
    http_stats *stats;          /* not NULL; outlives the server */
    http_scrape_fn scrape;
    void *scrape_arg;
} http_opts;

typedef struct http_server http_server;

/* Starts serving. The strings in opts must outlive the server. On error NULL is
 * returned with a reason in err, and listen_fd is closed. */
http_server *http_start(const http_opts *opts, char *err, size_t errlen);
/* Stops accepting, waits for running requests, frees. */
void http_stop(http_server *s);

/* 1 if an Accept-Encoding value allows gzip (RFC 9110 12.5.3: an explicit "gzip;q=0" refuses it
 * even when "*" is acceptable; "*" counts only for codings not named). Exposed for tests. */
int http_accepts_gzip(const char *accept_encoding);
/* Gzips in into out (appending); -1 on error or if out's limit is hit. */
int http_gzip(const char *in, size_t inlen, buf *out);
/* Frees the compressor http_gzip keeps between calls (http_stop calls it). */
void http_gzip_release(void);

#endif
