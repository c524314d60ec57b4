/* http.c -- the libmicrohttpd server behind exporter_main (http.h). */
#include "http.h"

#include <gnutls/gnutls.h>
#include <malloc.h>
#include <pthread.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <libdeflate.h>

#include "collector.h"
#include "log.h"
#include "parse.h"
#include "xalloc.h"

#define HTTP_REALM "exporter"
#define HTTP_CONN_MEMORY (16 * 1024) /* caps URL + headers: larger requests get 414/431 */
#define HTTP_STACK_SIZE (512 * 1024)

struct http_server {
    struct MHD_Daemon *daemon;
    http_opts o;
    atomic_long inflight;
    atomic_int trim; /* a big scrape was served: give its memory back once it is sent */
};

/* Below this body size a scrape's memory is small and needed again next time:
 * trimming it would cost more CPU (madvise, page faults) than it saves. */
#define HTTP_TRIM_BODY_BYTES (256 * 1024)

static const char *const CT_METRICS = "text/plain; version=0.0.4; charset=utf-8";
static const char *const CT_TEXT = "text/plain; charset=utf-8";

int http_accepts_gzip(const char *ae)
{
    if (!ae)
        return 0;
    const char *p = ae;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *tok = p;
        while (*p && *p != ',' && *p != ';' && *p != ' ' && *p != '\t')
            p++;
        size_t tl = (size_t)(p - tok);
        int match = (tl == 4 && strncasecmp(tok, "gzip", 4) == 0) || (tl == 1 && *tok == '*');
        double q = 1;
        while (*p && *p != ',') {
            /* parameters: look for q=... */
            while (*p == ' ' || *p == '\t' || *p == ';')
                p++;
            if ((p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
                char num[16];
                size_t n = 0;
                p += 2;
                while (*p && *p != ',' && *p != ';' && *p != ' ' && n < sizeof(num) - 1)
                    num[n++] = *p++;
                num[n] = '\0';
                if (parse_double(num, &q) < 0)
                    q = 0;
            } else {
                while (*p && *p != ',' && *p != ';')
                    p++;
            }
        }
        if (match && q > 0)
            return 1;
    }
    return 0;
}

/* One compressor is kept between scrapes: a fresh one is 200 kB of hash tables that
 * fault in anew each time, which cost more than compressing the scrape. A scrape that
 * finds it in use makes its own. */
static pthread_mutex_t gzip_mu = PTHREAD_MUTEX_INITIALIZER;
static struct libdeflate_compressor *gzip_kept;

static size_t gzip_into(struct libdeflate_compressor *c, const char *in, size_t inlen, buf *out)
{
    /* Room up to the bound, or what the cap leaves: the output may still fit in less. */
    size_t room = libdeflate_gzip_compress_bound(c, inlen);
    if (out->limit - out->len < room)
        room = out->limit - out->len;
    if (room == 0 || buf_grow(out, room) < 0)
        return 0;
    return libdeflate_gzip_compress(c, in, inlen, out->data + out->len, room);
}

int http_gzip(const char *in, size_t inlen, buf *out)
{
    /* libdeflate, level 1: whole-buffer, about 1.6 times faster than zlib's level 1 on
     * exposition text and a little smaller; the body is already whole in memory. */
    size_t n = 0;
    if (pthread_mutex_trylock(&gzip_mu) == 0) {
        if (!gzip_kept)
            gzip_kept = libdeflate_alloc_compressor(1);
        if (gzip_kept)
            n = gzip_into(gzip_kept, in, inlen, out);
        pthread_mutex_unlock(&gzip_mu);
    } else {
        struct libdeflate_compressor *c = libdeflate_alloc_compressor(1);
        if (c)
            n = gzip_into(c, in, inlen, out);
        libdeflate_free_compressor(c);
    }
    if (n == 0)
        return -1;
    out->len += n;
    out->data[out->len] = '\0'; /* buf's invariant; buf_grow left room for it */
    return 0;
}

void http_gzip_release(void)
{
    pthread_mutex_lock(&gzip_mu);
    libdeflate_free_compressor(gzip_kept);
    gzip_kept = NULL;
    pthread_mutex_unlock(&gzip_mu);
}

static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    if (!log_enabled(LOG_LEVEL_DEBUG))
        return;
    char msg[512];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    log_debug("http server", "detail", msg, NULL);
}

/* Queues a response; takes ownership of body (freed with free()) when must_free. */
static enum MHD_Result respond(struct MHD_Connection *conn, unsigned status, const char *ctype, char *body,
                               size_t len, int must_free, const char *encoding, int auth_challenge)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        len, body, must_free ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!r) {
        if (must_free)
            free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    if (encoding) {
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, encoding);
        MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, MHD_HTTP_HEADER_ACCEPT_ENCODING);
    }
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    enum MHD_Result ret = auth_challenge ? MHD_queue_basic_auth_fail_response(conn, HTTP_REALM, r)
                                         : MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result respond_text(struct MHD_Connection *conn, unsigned status, const char *text)
{
    return respond(conn, status, CT_TEXT, (char *)text, strlen(text), 0, NULL, 0);
}

/* 0 if the TLS client certificate satisfies client_auth_type, else -1. */
static int check_client_cert(http_server *s, struct MHD_Connection *conn)
{
    webconfig *wc = s->o.web;
    if (!wc || !wc->tls || wc->client_auth == WEB_CLIENT_NONE || wc->client_auth == WEB_CLIENT_REQUEST)
        return 0;
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    if (!ci || !ci->tls_session)
        return -1;
    gnutls_session_t sess = (gnutls_session_t)ci->tls_session;
    unsigned n = 0;
    const gnutls_datum_t *peers = gnutls_certificate_get_peers(sess, &n);
    if (!peers || n == 0)
        return wc->client_auth == WEB_CLIENT_VERIFY_IF_GIVEN ? 0 : -1;
    if (wc->client_auth == WEB_CLIENT_REQUIRE_ANY)
        return 0;
    unsigned status = 0;
    if (gnutls_certificate_verify_peers2(sess, &status) < 0 || status != 0)
        return -1;
    return 0;
}

/* 1 if basic auth is off or the request carries good credentials. */
static int check_basic_auth(http_server *s, struct MHD_Connection *conn)
{
    if (!webconfig_has_users(s->o.web))
        return 1;
    char *pass = NULL;
    char *user = MHD_basic_auth_get_username_password(conn, &pass);
    int ok = user && pass && webconfig_check_user(s->o.web, user, pass);
    if (pass) {
        explicit_bzero(pass, strlen(pass));
        MHD_free(pass);
    }
    if (user)
        MHD_free(user);
    return ok;
}

static enum MHD_Result serve_metrics(http_server *s, struct MHD_Connection *conn)
{
    long n = atomic_fetch_add(&s->inflight, 1) + 1;
    enum MHD_Result ret;
    if (n > s->o.max_requests) {
        atomic_fetch_sub(&s->inflight, 1);
        log_warn("too many concurrent scrapes, answering 503", NULL);
        return respond_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "too many concurrent scrapes\n");
    }
    double timeout = s->o.scrape_timeout;
    const char *hdr =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Prometheus-Scrape-Timeout-Seconds");
    double ht;
    if (hdr && parse_double(hdr, &ht) == 0 && ht > 0) {
        /* Leave Prometheus time to receive the answer before its own timeout fires. */
        ht -= ht > 2 ? 0.5 : ht / 4;
        if (ht < timeout)
            timeout = ht;
    }
    double deadline = now_monotonic() + timeout;

    buf out;
    buf_init(&out, s->o.max_response);
    char err[256] = "";
    if (s->o.scrape(s->o.scrape_arg, &out, deadline, err, sizeof(err)) < 0) {
        buf_free(&out);
        atomic_fetch_sub(&s->inflight, 1);
        log_warn("scrape failed", "err", err, NULL);
        return respond_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "scrape failed\n");
    }
    if (out.len >= HTTP_TRIM_BODY_BYTES)
        atomic_store(&s->trim, 1);
    const char *ae = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);
    if (http_accepts_gzip(ae)) {
        buf z;
        buf_init(&z, s->o.max_response);
        if (http_gzip(out.data ? out.data : "", out.len, &z) == 0) {
            buf_free(&out);
            size_t len;
            char *body = buf_steal(&z, &len);
            ret = respond(conn, MHD_HTTP_OK, CT_METRICS, body, len, 1, "gzip", 0);
            atomic_fetch_sub(&s->inflight, 1);
            return ret;
        }
        buf_free(&z);
    }
    size_t len;
    char *body = buf_steal(&out, &len);
    ret = respond(conn, MHD_HTTP_OK, CT_METRICS, body, len, 1, NULL, 0);
    atomic_fetch_sub(&s->inflight, 1);
    return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                              const char *version, const char *upload_data, size_t *upload_data_size,
                              void **con_cls)
{
    (void)version;
    (void)upload_data;
    static int request_seen;
    http_server *s = cls;
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
        /* Refused before any body is read; MHD closes the connection after it. */
        *upload_data_size = 0;
        return respond_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n");
    }
    if (*con_cls == NULL) {
        /* Answering only once the whole request is in keeps the connection alive. */
        *con_cls = &request_seen;
        return MHD_YES;
    }
    if (*upload_data_size != 0) {
        *upload_data_size = 0; /* a GET with a body: ignore the body */
        return MHD_YES;
    }
    if (check_client_cert(s, conn) < 0)
        return respond_text(conn, MHD_HTTP_FORBIDDEN, "client certificate required\n");
    if (!check_basic_auth(s, conn))
        return respond(conn, MHD_HTTP_UNAUTHORIZED, CT_TEXT, (char *)"unauthorized\n", 13, 0, NULL, 1);
    if (strcmp(url, s->o.telemetry_path) == 0)
        return serve_metrics(s, conn);
    if (strcmp(url, "/") == 0)
        return respond(conn, MHD_HTTP_OK, "text/html; charset=utf-8", (char *)s->o.landing_html,
                       strlen(s->o.landing_html), 0, NULL, 0);
    if (strcmp(url, "/healthz") == 0)
        return respond_text(conn, MHD_HTTP_OK, "OK\n");
    return respond_text(conn, MHD_HTTP_NOT_FOUND, "not found\n");
}

/* After a big response is sent and freed: hand the scrape's freed memory back to
 * the system, or the heap stays at its peak (scrape buffers) between scrapes. */
static void request_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                              enum MHD_RequestTerminationCode toe)
{
    http_server *s = cls;
    (void)conn;
    (void)con_cls;
    (void)toe;
    if (atomic_exchange(&s->trim, 0))
        malloc_trim(0);
}

http_server *http_start(const http_opts *opts, char *err, size_t errlen)
{
    http_server *s = xcalloc(1, sizeof(*s));
    s->o = *opts;
    atomic_init(&s->inflight, 0);
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
    struct MHD_OptionItem tls_opts[6];
    size_t nt = 0;
    webconfig *wc = opts->web;
    if (wc && wc->tls) {
        flags |= MHD_USE_TLS;
        tls_opts[nt++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, wc->cert_pem};
        tls_opts[nt++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, wc->key_pem};
        tls_opts[nt++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_PRIORITIES, 0, wc->priorities};
        if (wc->ca_pem && wc->client_auth != WEB_CLIENT_NONE)
            tls_opts[nt++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_TRUST, 0, wc->ca_pem};
    }
    tls_opts[nt++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    /* Idle and stalled connections each hold a thread (a few KiB resident) until the timeout;
     * enough of them that a handful of bad clients cannot lock Prometheus out. */
    unsigned conn_limit = (unsigned)(opts->max_requests * 2 + 16);
    if (conn_limit < 256)
        conn_limit = 256;
    s->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, handle, s, MHD_OPTION_LISTEN_SOCKET, opts->listen_fd,
        MHD_OPTION_CONNECTION_LIMIT, conn_limit, MHD_OPTION_CONNECTION_TIMEOUT, opts->conn_timeout,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONN_MEMORY, MHD_OPTION_THREAD_STACK_SIZE,
        (size_t)HTTP_STACK_SIZE, MHD_OPTION_STRICT_FOR_CLIENT, 1, MHD_OPTION_EXTERNAL_LOGGER, mhd_logger,
        NULL, MHD_OPTION_NOTIFY_COMPLETED, request_completed, s, MHD_OPTION_ARRAY, tls_opts, MHD_OPTION_END);
    if (!s->daemon) {
        snprintf(err, errlen, "cannot start the HTTP server%s", wc && wc->tls ? " (TLS setup failed)" : "");
        close(opts->listen_fd);
        free(s);
        return NULL;
    }
    return s;
}

void http_stop(http_server *s)
{
    if (!s)
        return;
    MHD_stop_daemon(s->daemon); /* also closes the listening socket */
    free(s);
    http_gzip_release();
}
