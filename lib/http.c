/* http.c -- the libmicrohttpd server behind exporter_main (http.h). */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <malloc.h>
#include <netinet/in.h>
#include <sys/socket.h>
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

#include "clock.h"
#include "log.h"
#include "parse.h"
#include "xalloc.h"

#define HTTP_REALM "exporter"
#define HTTP_CONN_MEMORY (16 * 1024) /* caps URL + headers: larger requests get 414/431 */
#define HTTP_STACK_SIZE (512 * 1024)

/* What the server counts; written into every scrape by http_stats_write. */
static const unsigned STAT_CODES[] = {200, 400, 401, 403, 404, 405, 413, 414, 431, 500, 503};
#define NCODES (sizeof STAT_CODES / sizeof STAT_CODES[0])
enum { DROP_HEADER_TIMEOUT, DROP_RESPONSE_TIMEOUT, DROP_EVICTED, DROP_REFUSED, NDROPS };
static const char *const DROP_NAMES[NDROPS] = {"header_timeout", "response_timeout", "evicted", "refused"};

struct http_stats {
    atomic_ulong codes[NCODES + 1]; /* the last: any other status */
    atomic_ulong dropped[NDROPS];
    atomic_long open;
};

/* One open connection, from MHD's "started" notification to its "closed" one (socket_context). */
typedef struct conn_slot {
    struct conn_slot *prev, *next;
    int fd;
    struct sockaddr_storage addr; /* the client's address (port ignored when compared) */
    double since;                 /* monotonic: opened, or its last answer finished, or its request began */
    unsigned served;              /* answers finished */
    bool busy;                    /* a request is being answered */
    bool scraping;                /* inside serve_metrics */
    bool closing;                 /* shut down by us: no longer counted */
} conn_slot;

struct http_server {
    struct MHD_Daemon *daemon;
    http_opts o;
    atomic_int trim;    /* a big scrape was served: give its memory back once it is sent */
    pthread_mutex_t mu; /* guards the slot list, its fields and the scrape counts */
    conn_slot *slots;
    long nscraping;
    long per_addr_conns, per_addr_scrapes;
    pthread_t watchdog;
    pthread_cond_t wake;
    bool watchdog_running, quit;
};

/* One request, from the URI callback (which sees the raw request target) to "completed". */
typedef struct req_ctx {
    bool seen;          /* the handler ran once (the header was complete) */
    const char *reject; /* why this request gets 400 (NULL: fine) */
    const char *target; /* the request target in MHD's read buffer, and its strlen then */
    size_t target_len;
} req_ctx;

#define HTTP_LOG_INTERVAL 10.0 /* seconds between two log lines of one kind */
#define HTTP_WATCHDOG_PERIOD 0.2
/* A connection is replaced only once it has waited this long for its request: a prompt client's is in
 * by then, and a client that reconnects as fast as it is dropped cannot make the server churn. */
#define HTTP_REPLACE_AGE 1.0
#define HTTP_CONN_MARGIN 64 /* MHD's own limit above ours: room for replaced ones still closing */

/* Below this body size a scrape's memory is small and needed again next time:
 * trimming it would cost more CPU (madvise, page faults) than it saves. */
#define HTTP_TRIM_BODY_BYTES (256 * 1024)

static const char *const CT_METRICS = "text/plain; version=0.0.4; charset=utf-8";
static const char *const CT_TEXT = "text/plain; charset=utf-8";

int http_accepts_gzip(const char *ae)
{
    if (!ae)
        return 0;
    double q_gzip = -1, q_star = -1; /* -1: not named */
    const char *p = ae;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *tok = p;
        while (*p && *p != ',' && *p != ';' && *p != ' ' && *p != '\t')
            p++;
        size_t tl = (size_t)(p - tok);
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
                if (parse_double(num, &q) < 0 || q < 0 || q > 1)
                    q = 0;
            } else {
                while (*p && *p != ',' && *p != ';')
                    p++;
            }
        }
        /* x-gzip is gzip (RFC 9110 8.4.1.3); a coding named twice: the highest weight. */
        if ((tl == 4 && strncasecmp(tok, "gzip", 4) == 0) ||
            (tl == 6 && strncasecmp(tok, "x-gzip", 6) == 0)) {
            if (q > q_gzip)
                q_gzip = q;
        } else if (tl == 1 && *tok == '*') {
            if (q > q_star)
                q_star = q;
        }
    }
    return q_gzip >= 0 ? q_gzip > 0 : q_star > 0;
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

/* ---- counters and the bounded log ------------------------------------------------------------------ */

http_stats *http_stats_new(void)
{
    http_stats *st = xcalloc(1, sizeof(*st));
    return st;
}

void http_stats_free(http_stats *st)
{
    free(st);
}

void http_stats_write(const http_stats *st, expo *w, const char *ns)
{
    char name[128];
    snprintf(name, sizeof name, "%s_http_requests_total", ns);
    expo_family *f =
        expo_family_get(w, name, "HTTP answers by status code, the server's own included.", EXPO_COUNTER);
    char code[16];
    for (size_t i = 0; i <= NCODES; i++) {
        unsigned long n = atomic_load(&st->codes[i]);
        if (i < NCODES)
            snprintf(code, sizeof code, "%u", STAT_CODES[i]);
        if (n || i == 0 || i == NCODES - 1) /* 200 and 503 always: what alerts divide by */
            expo_sample(f, (double)n, "code", i < NCODES ? code : "other", NULL);
    }
    snprintf(name, sizeof name, "%s_http_connections_dropped_total", ns);
    f = expo_family_get(w, name,
                        "Connections closed by the server: header_timeout (no whole request in time), "
                        "response_timeout, evicted (replaced by a new connection over a limit), refused.",
                        EXPO_COUNTER);
    for (size_t i = 0; i < NDROPS; i++)
        expo_sample(f, (double)atomic_load(&st->dropped[i]), "reason", DROP_NAMES[i], NULL);
    snprintf(name, sizeof name, "%s_http_connections", ns);
    expo_sample(expo_family_get(w, name, "Open HTTP connections.", EXPO_GAUGE),
                (double)atomic_load(&st->open), NULL);
}

static void count_code(http_stats *st, unsigned code)
{
    size_t i = 0;
    while (i < NCODES && STAT_CODES[i] != code)
        i++;
    atomic_fetch_add(&st->codes[i], 1);
}

static log_every log_dropped[NDROPS] = {LOG_EVERY_INIT, LOG_EVERY_INIT, LOG_EVERY_INIT, LOG_EVERY_INIT};
static log_every log_busy = LOG_EVERY_INIT, log_bad = LOG_EVERY_INIT, log_failed = LOG_EVERY_INIT;

static void count_drop(http_stats *st, int why)
{
    atomic_fetch_add(&st->dropped[why], 1);
    char n[24];
    if (log_every_due(&log_dropped[why], HTTP_LOG_INTERVAL, n, sizeof n))
        log_warn("http connections dropped", "reason", DROP_NAMES[why], "count", n, "per", "10s", NULL);
}

/* ---- connections: the slot list, the accept policy, the watchdog ----------------------------------------
 */

static int same_address(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
    if (a->ss_family != b->ss_family)
        return 0;
    if (a->ss_family == AF_INET)
        return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
               ((const struct sockaddr_in *)b)->sin_addr.s_addr;
    if (a->ss_family == AF_INET6)
        return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
                      &((const struct sockaddr_in6 *)b)->sin6_addr, sizeof(struct in6_addr)) == 0;
    return 1;
}

static void addr_copy(struct sockaddr_storage *dst, const struct sockaddr *src, socklen_t len)
{
    memset(dst, 0, sizeof *dst);
    if (src && len > 0 && (size_t)len <= sizeof *dst)
        memcpy(dst, src, (size_t)len);
}

/* Closes a connection under the library: shutdown() wakes its thread, which closes it; the fd stays
 * valid until MHD's "closed" notification, which takes s->mu first. Caller holds s->mu. */
static void slot_shut(http_server *s, conn_slot *c, int why)
{
    c->closing = true;
    shutdown(c->fd, SHUT_RDWR);
    count_drop(s->o.stats, why);
}

/* MHD's accept policy (the listening thread, before the "started" notification of this connection). */
static enum MHD_Result accept_policy(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
    http_server *s = cls;
    struct sockaddr_storage peer;
    addr_copy(&peer, addr, addrlen);
    enum MHD_Result ok = MHD_YES;
    pthread_mutex_lock(&s->mu);
    long total = 0, mine = 0;
    for (conn_slot *c = s->slots; c; c = c->next) {
        if (c->closing)
            continue;
        total++;
        if (same_address(&c->addr, &peer))
            mine++;
    }
    bool over_mine = mine >= s->per_addr_conns;
    if (over_mine || total >= s->o.max_connections) {
        /* Replace the oldest connection waiting for a request, never-served ones first: of this address
         * if it is over its own bound, else of anyone. A prompt client is waiting for milliseconds. */
        conn_slot *victim = NULL;
        double now = now_monotonic();
        for (conn_slot *c = s->slots; c; c = c->next) {
            if (c->closing || c->busy || (over_mine && !same_address(&c->addr, &peer)) ||
                now - c->since < HTTP_REPLACE_AGE)
                continue;
            if (!victim || (c->served == 0 && victim->served > 0) ||
                ((c->served == 0) == (victim->served == 0) && c->since < victim->since))
                victim = c;
        }
        if (victim) {
            slot_shut(s, victim, DROP_EVICTED);
        } else {
            count_drop(s->o.stats, DROP_REFUSED);
            ok = MHD_NO;
        }
    }
    pthread_mutex_unlock(&s->mu);
    return ok;
}

static void notify_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                              enum MHD_ConnectionNotificationCode code)
{
    http_server *s = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        conn_slot *c = xcalloc(1, sizeof(*c));
        const union MHD_ConnectionInfo *fdi =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        const union MHD_ConnectionInfo *ai =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        c->fd = fdi ? fdi->connect_fd : -1;
        if (ai && ai->client_addr)
            addr_copy(&c->addr, ai->client_addr,
                      ai->client_addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                             : sizeof(struct sockaddr_in));
        c->since = now_monotonic();
        pthread_mutex_lock(&s->mu);
        c->next = s->slots;
        if (s->slots)
            s->slots->prev = c;
        s->slots = c;
        pthread_mutex_unlock(&s->mu);
        atomic_fetch_add(&s->o.stats->open, 1);
        *socket_context = c;
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context) {
        conn_slot *c = *socket_context;
        pthread_mutex_lock(&s->mu);
        if (c->prev)
            c->prev->next = c->next;
        else
            s->slots = c->next;
        if (c->next)
            c->next->prev = c->prev;
        pthread_mutex_unlock(&s->mu);
        atomic_fetch_sub(&s->o.stats->open, 1);
        free(c);
        *socket_context = NULL;
    }
}

static conn_slot *slot_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

/* Enforces the total header time (MHD's own timeout restarts with every byte) and the answer time. */
static void *watchdog_main(void *arg)
{
    http_server *s = arg;
    double header_limit = s->o.conn_timeout, answer_limit = s->o.scrape_timeout + s->o.conn_timeout;
    pthread_mutex_lock(&s->mu);
    while (!s->quit) {
        struct timespec until = clock_timespec(now_monotonic() + HTTP_WATCHDOG_PERIOD);
        pthread_cond_timedwait(&s->wake, &s->mu, &until);
        double now = now_monotonic();
        /* A kept-alive connection that was served and then sits idle is MHD's to close at the same
         * limit (not a drop); ours a second later only if it is dripping bytes. */
        for (conn_slot *c = s->slots; c && !s->quit; c = c->next)
            if (!c->closing && now - c->since > (c->busy         ? answer_limit
                                                 : c->served > 0 ? header_limit + 1
                                                                 : header_limit))
                slot_shut(s, c, c->busy ? DROP_RESPONSE_TIMEOUT : DROP_HEADER_TIMEOUT);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* ---- requests: what is rejected before a handler --------------------------------------------------------
 */

/* MHD's URI callback sees the request target before it is split and unescaped: "%00" (which MHD
 * would unescape to a NUL that ends "/metrics%00" early) and control bytes are noted here. */
static void *uri_seen(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)cls;
    (void)conn;
    req_ctx *r = xcalloc(1, sizeof(*r));
    r->target = uri;
    r->target_len = strlen(uri);
    for (const unsigned char *p = (const unsigned char *)uri; *p; p++) {
        if (*p < 0x21 || *p == 0x7f)
            r->reject = "control byte in the URL";
        else if (p[0] == '%' && p[1] == '0' && p[2] == '0')
            r->reject = "%00 in the URL";
    }
    return r;
}

/* RFC 9110 5.6.2 token characters: what a header name may hold ("X-A " may not). */
static int is_token(const char *s, size_t n)
{
    static const char extra[] = "!#$%&'*+-.^_`|~";
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
              (ch && strchr(extra, ch))))
            return 0;
    }
    return 1;
}

typedef struct header_check {
    const char *reject;
    int content_lengths, transfer_encodings, hosts;
    const char *prev_end; /* where the previous header's value ended in MHD's read buffer */
} header_check;

static enum MHD_Result check_header(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
                                    const char *value, size_t value_size)
{
    (void)kind;
    header_check *h = cls;
    /* Headers lie in order in MHD's read buffer, one line each: a value's end and the next name are
     * at most "\0\r\n" apart, unless the line had a NUL byte (MHD ends the value at it). */
    if (h->prev_end && key > h->prev_end && key - h->prev_end > 3 && key - h->prev_end < HTTP_CONN_MEMORY)
        h->reject = "NUL in a header line";
    h->prev_end = value && value_size ? value + value_size : NULL;
    if (!is_token(key, key_size))
        h->reject = "bad header name";
    else if (value && strlen(value) != value_size)
        h->reject = "NUL in a header value";
    else if (strcasecmp(key, "Content-Length") == 0)
        h->content_lengths++;
    else if (strcasecmp(key, "Transfer-Encoding") == 0)
        h->transfer_encodings++;
    else if (strcasecmp(key, "Host") == 0)
        h->hosts++;
    return MHD_YES;
}

/* NULL if the request may go to a handler, else why it gets 400. The URL's NUL byte: MHD ends the
 * target at it, so the target's length (up to the version, which follows it in MHD's read buffer)
 * differs from its strlen. */
static const char *request_rejected(struct MHD_Connection *conn, const req_ctx *r, const char *url,
                                    const char *version)
{
    (void)url;
    if (r->reject)
        return r->reject;
    /* "GET /metrics\0x HTTP/1.1": MHD ends the target where the version's separator was; a NUL
     * byte inside ends its string earlier. (version is "" when the line has none.) */
    if (r->target && version && version[0] && version > r->target &&
        (size_t)(version - 1 - r->target) != r->target_len)
        return "NUL in the URL";
    header_check h = {0};
    MHD_get_connection_values_n(conn, MHD_HEADER_KIND, check_header, &h);
    /* After the last value: its line end and the empty line, all NULs now ("\0\0" at least). */
    if (!h.reject && h.prev_end && (h.prev_end[0] != '\0' || h.prev_end[1] != '\0'))
        h.reject = "NUL in a header line";
    if (h.reject)
        return h.reject;
    if (h.content_lengths > 1)
        return "more than one Content-Length";
    if (h.content_lengths && h.transfer_encodings)
        return "Content-Length with Transfer-Encoding";
    /* RFC 9112 3.2: exactly one Host in HTTP/1.1. Checked here, not by MHD's strict mode, whose own
     * 400 for it 0.9.75 sends with its status line and headers twice (fixed in MHD 1.0.0). */
    if (h.hosts > 1)
        return "more than one Host";
    if (!h.hosts && version && strcmp(version, MHD_HTTP_VERSION_1_1) == 0)
        return "no Host header";
    return NULL;
}

/* ---- handlers ---------------------------------------------------------------------------------------------
 */

/* 1 if the client may start a scrape now (and it is counted), else 0. */
static int scrape_admit(http_server *s, conn_slot *slot)
{
    int ok = 0;
    pthread_mutex_lock(&s->mu);
    long mine = 0;
    if (slot)
        for (conn_slot *c = s->slots; c; c = c->next)
            if (c->scraping && same_address(&c->addr, &slot->addr))
                mine++;
    if (s->nscraping < s->o.max_requests && mine < s->per_addr_scrapes) {
        s->nscraping++;
        if (slot)
            slot->scraping = true;
        ok = 1;
    }
    pthread_mutex_unlock(&s->mu);
    return ok;
}

static void scrape_done(http_server *s, conn_slot *slot)
{
    pthread_mutex_lock(&s->mu);
    s->nscraping--;
    if (slot)
        slot->scraping = false;
    pthread_mutex_unlock(&s->mu);
}

static enum MHD_Result serve_metrics(http_server *s, struct MHD_Connection *conn)
{
    conn_slot *slot = slot_of(conn);
    char n[24];
    if (!scrape_admit(s, slot)) {
        if (log_every_due(&log_busy, HTTP_LOG_INTERVAL, n, sizeof n))
            log_warn("too many concurrent scrapes, answering 503", "count", n, "per", "10s", NULL);
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

    enum MHD_Result ret;
    buf out, z;
    buf_init(&out, s->o.max_response);
    buf_init(&z, s->o.max_response);
    char err[256] = "";
    if (s->o.scrape(s->o.scrape_arg, &out, deadline, err, sizeof(err)) < 0) {
        if (log_every_due(&log_failed, HTTP_LOG_INTERVAL, n, sizeof n))
            log_warn("scrape failed, answering 503", "err", err, "count", n, "per", "10s", NULL);
        /* The reason in the body: Prometheus shows it as the target's last error. */
        char body[300];
        snprintf(body, sizeof body, "scrape failed: %s\n", err);
        char *copy = strdup(body);
        ret = copy ? respond(conn, MHD_HTTP_SERVICE_UNAVAILABLE, CT_TEXT, copy, strlen(copy), 1, NULL, 0)
                   : respond_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "scrape failed\n");
        goto out;
    }
    if (out.len >= HTTP_TRIM_BODY_BYTES)
        atomic_store(&s->trim, 1);
    const char *ae = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);
    buf *send = &out;
    if (http_accepts_gzip(ae) && http_gzip(out.data ? out.data : "", out.len, &z) == 0)
        send = &z;
    size_t len;
    char *body = buf_steal(send, &len);
    ret = respond(conn, MHD_HTTP_OK, CT_METRICS, body, len, 1, send == &z ? "gzip" : NULL, 0);
out:
    buf_free(&out);
    buf_free(&z);
    scrape_done(s, slot);
    return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                              const char *version, const char *upload_data, size_t *upload_data_size,
                              void **con_cls)
{
    (void)upload_data;
    http_server *s = cls;
    req_ctx *r = *con_cls;
    if (!r) /* not from uri_seen: cannot happen, but fail closed */
        return MHD_NO;
    if (!r->seen) {
        /* The header is complete: from now on the answer's time limit applies, not the header's. */
        r->seen = true;
        conn_slot *slot = slot_of(conn);
        if (slot) {
            pthread_mutex_lock(&s->mu);
            slot->busy = true;
            slot->since = now_monotonic();
            pthread_mutex_unlock(&s->mu);
        }
        const char *why = request_rejected(conn, r, url, version);
        if (why) {
            char n[24];
            if (log_every_due(&log_bad, HTTP_LOG_INTERVAL, n, sizeof n))
                log_warn("bad request, answering 400", "reason", why, "count", n, "per", "10s", NULL);
            *upload_data_size = 0;
            return respond_text(conn, MHD_HTTP_BAD_REQUEST, "bad request\n");
        }
        if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
            /* Refused before any body is read; MHD closes the connection after it. */
            *upload_data_size = 0;
            return respond_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n");
        }
        /* Answering only once the whole request is in keeps the connection alive. */
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

/* A request ended (answered, or the client went away): count its status, free its context, start
 * the connection's header clock again, and after a big response hand the scrape's freed memory back
 * to the system, or the heap stays at its peak (scrape buffers) between scrapes. */
static void request_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                              enum MHD_RequestTerminationCode toe)
{
    http_server *s = cls;
    (void)toe;
    const union MHD_ConnectionInfo *st = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_HTTP_STATUS);
    if (st && st->http_status)
        count_code(s->o.stats, st->http_status);
    free(*con_cls);
    *con_cls = NULL;
    conn_slot *slot = slot_of(conn);
    if (slot) {
        pthread_mutex_lock(&s->mu);
        slot->busy = false;
        slot->served++;
        slot->since = now_monotonic();
        pthread_mutex_unlock(&s->mu);
    }
    if (atomic_exchange(&s->trim, 0))
        malloc_trim(0);
}

http_server *http_start(const http_opts *opts, char *err, size_t errlen)
{
    http_server *s = xcalloc(1, sizeof(*s));
    s->o = *opts;
    pthread_mutex_init(&s->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->wake, &ca);
    pthread_condattr_destroy(&ca);
    s->per_addr_conns = opts->max_connections / 4 > 8 ? opts->max_connections / 4 : 8;
    if (s->per_addr_conns > opts->max_connections)
        s->per_addr_conns = opts->max_connections;
    s->per_addr_scrapes = opts->max_requests / 4 > 1 ? opts->max_requests / 4 : 1;
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
    if (pthread_create(&s->watchdog, NULL, watchdog_main, s) != 0) {
        snprintf(err, errlen, "cannot start the HTTP watchdog thread");
        goto fail;
    }
    s->watchdog_running = true;
    /* MHD's own limit is above ours: a connection we replace is still closing when its successor
     * arrives. Each connection holds a thread (a few KiB resident) until it closes. Not MHD's strict
     * mode: its Host check is request_rejected's (see there) and a space in the URL uri_seen's (MHD's
     * closes the connection without an answer). */
    s->daemon = MHD_start_daemon(
        flags, 0, accept_policy, s, handle, s, MHD_OPTION_LISTEN_SOCKET, opts->listen_fd,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)opts->max_connections + HTTP_CONN_MARGIN,
        MHD_OPTION_CONNECTION_TIMEOUT, opts->conn_timeout, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)HTTP_CONN_MEMORY, MHD_OPTION_THREAD_STACK_SIZE, (size_t)HTTP_STACK_SIZE,
        MHD_OPTION_STRICT_FOR_CLIENT, 0, MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, NULL,
        MHD_OPTION_NOTIFY_COMPLETED, request_completed, s, MHD_OPTION_NOTIFY_CONNECTION, notify_connection, s,
        MHD_OPTION_URI_LOG_CALLBACK, uri_seen, s, MHD_OPTION_ARRAY, tls_opts, MHD_OPTION_END);
    if (!s->daemon) {
        snprintf(err, errlen, "cannot start the HTTP server%s", wc && wc->tls ? " (TLS setup failed)" : "");
        goto fail;
    }
    return s;
fail:
    close(opts->listen_fd);
    http_stop(s);
    return NULL;
}

void http_stop(http_server *s)
{
    if (!s)
        return;
    if (s->watchdog_running) {
        pthread_mutex_lock(&s->mu);
        s->quit = true;
        pthread_cond_signal(&s->wake);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->watchdog, NULL);
    }
    if (s->daemon)
        MHD_stop_daemon(s->daemon); /* also closes the listening socket and every connection */
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->mu);
    free(s);
    http_gzip_release();
}
