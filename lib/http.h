/* http.h -- the HTTP(S) server on libmicrohttpd: /metrics, /, /healthz, auth, gzip, limits.
 *
 * Threading: one thread per connection (MHD_USE_THREAD_PER_CONNECTION), so a
 * slow or stalled client only ever holds its own thread; an idle connection is
 * closed after `conn_timeout` seconds. The scrape callback runs on the
 * connection's thread; at most `max_requests` scrapes run at once, others get 503. */
#ifndef EXP_HTTP_H
#define EXP_HTTP_H

#include <stddef.h>

#include "buf.h"
#include "webconfig.h"

/* Renders the metrics into out (whose limit is set). Returns 0, or -1 with a
 * short reason in err for a 503 (busy) or 500. */
typedef int (*http_scrape_fn)(void *arg, buf *out, double deadline, char *err, size_t errlen);

typedef struct http_opts {
    int listen_fd;              /* from listen_open; owned by the server once started */
    const char *telemetry_path; /* "/metrics" */
    const char *landing_html;   /* the page at "/" */
    long max_requests;          /* concurrent scrapes */
    double scrape_timeout;      /* seconds; lowered by X-Prometheus-Scrape-Timeout-Seconds */
    unsigned conn_timeout;      /* idle seconds before a connection is dropped */
    size_t max_response;        /* cap on the exposition size */
    webconfig *web;             /* may be NULL: plain HTTP, no auth */
    http_scrape_fn scrape;
    void *scrape_arg;
} http_opts;

typedef struct http_server http_server;

/* Starts serving. The strings in opts must outlive the server. On error NULL is
 * returned with a reason in err, and listen_fd is closed. */
http_server *http_start(const http_opts *opts, char *err, size_t errlen);
/* Stops accepting, waits for running requests, frees. */
void http_stop(http_server *s);

/* 1 if an Accept-Encoding value allows gzip. Exposed for tests. */
int http_accepts_gzip(const char *accept_encoding);
/* Gzips in into out (appending); -1 on error or if out's limit is hit. */
int http_gzip(const char *in, size_t inlen, buf *out);
/* Frees the compressor http_gzip keeps between calls (http_stop calls it). */
void http_gzip_release(void);

#endif
