/* zk.c -- the ZooKeeper client (libzookeeper_mt): async reads bounded by the scrape deadline.
 *
 * Every read is asynchronous and waited for with a deadline; a completion that
 * arrives after the scrape gave up still has live memory to write into, as each
 * batch of reads is reference-counted (the waiter plus one per pending read). */
#include "zk.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zookeeper/zookeeper.h>

#include "collector.h"
#include "log.h"
#include "zkparse.h"
#include "xalloc.h"
#include "parse.h"

struct kx_zk {
    char *connect;
    int timeout_ms;
    zhandle_t *zh;
    pthread_mutex_t lock; /* the ZooKeeper client's event thread (watcher) and the scrape worker */
    int last_state;       /* as the watcher last saw it */
    bool expired;
    uint64_t expirations;
    bool logged_down;
    char logged_err[192]; /* the reason last logged: a new one is logged again (not connected, then no chroot)
                           */
};

typedef struct zk_read {
    int rc;
    bool done;
    char *data; /* data reads */
    int len;
    char **children; /* children reads */
    int nchildren;
} zk_read;

typedef struct zk_batch {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int refs;
    int pending;
    zk_read *reads;
    size_t nreads;
} zk_batch;

typedef struct zk_cookie {
    zk_batch *b;
    size_t idx;
} zk_cookie;

static void batch_unref_locked(zk_batch *b)
{
    if (--b->refs > 0) {
        pthread_mutex_unlock(&b->lock);
        return;
    }
    pthread_mutex_unlock(&b->lock);
    for (size_t i = 0; i < b->nreads; i++) {
        free(b->reads[i].data);
        for (int c = 0; c < b->reads[i].nchildren; c++)
            free(b->reads[i].children[c]);
        free(b->reads[i].children);
    }
    pthread_cond_destroy(&b->cond);
    pthread_mutex_destroy(&b->lock);
    free(b->reads);
    free(b);
}

static zk_batch *batch_new(size_t nreads)
{
    zk_batch *b = xcalloc(1, sizeof *b);
    b->reads = xcalloc(nreads, sizeof *b->reads);
    b->nreads = nreads;
    b->refs = 1;
    pthread_mutex_init(&b->lock, NULL);
    pthread_cond_init(&b->cond, NULL);
    return b;
}

static zk_cookie *cookie_new(zk_batch *b, size_t idx)
{
    zk_cookie *c = xmalloc(sizeof *c);
    c->b = b;
    c->idx = idx;
    pthread_mutex_lock(&b->lock);
    b->refs++;
    b->pending++;
    pthread_mutex_unlock(&b->lock);
    return c;
}

static void finish(zk_cookie *c, int rc, const char *data, int len, const struct String_vector *sv)
{
    zk_batch *b = c->b;
    pthread_mutex_lock(&b->lock);
    zk_read *r = &b->reads[c->idx];
    r->rc = rc;
    r->done = true;
    if (rc == ZOK && data && len > 0) {
        r->data = malloc((size_t)len);
        if (r->data) {
            memcpy(r->data, data, (size_t)len);
            r->len = len;
        }
    }
    if (rc == ZOK && sv && sv->count > 0) {
        r->children = calloc((size_t)sv->count, sizeof *r->children);
        for (int i = 0; r->children && i < sv->count; i++)
            if ((r->children[r->nchildren] = strdup(sv->data[i])))
                r->nchildren++;
    }
    b->pending--;
    pthread_cond_broadcast(&b->cond);
    free(c);
    batch_unref_locked(b);
}

static void on_stat(int rc, const struct Stat *stat, const void *data)
{
    (void)stat;
    finish((zk_cookie *)data, rc, NULL, 0, NULL);
}

static void on_data(int rc, const char *value, int len, const struct Stat *stat, const void *data)
{
    (void)stat;
    finish((zk_cookie *)data, rc, value, len, NULL);
}

static void on_children(int rc, const struct String_vector *sv, const void *data)
{
    finish((zk_cookie *)data, rc, NULL, 0, sv);
}

/* Waits until the batch has no pending reads or the deadline passes. */
static void batch_wait(zk_batch *b, double deadline)
{
    pthread_mutex_lock(&b->lock);
    while (b->pending > 0) {
        double left = deadline - now_monotonic();
        if (left <= 0)
            break;
        struct timespec ts = clock_timespec(now_realtime() + left);
        if (pthread_cond_timedwait(&b->cond, &b->lock, &ts) == ETIMEDOUT && now_monotonic() >= deadline)
            break;
    }
    pthread_mutex_unlock(&b->lock);
}

static void watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
    (void)zh;
    (void)path;
    kx_zk *z = ctx;
    if (type != ZOO_SESSION_EVENT)
        return;
    pthread_mutex_lock(&z->lock);
    z->last_state = state;
    if (state == ZOO_EXPIRED_SESSION_STATE)
        z->expired = true;
    pthread_mutex_unlock(&z->lock);
}

static void zk_log(const char *message)
{
    /* The C client is chatty while the ensemble is down; kafka_zookeeper_up says it. */
    log_debug("zookeeper client", "detail", message, NULL);
}

static int open_handle(kx_zk *z)
{
    errno = 0;
    z->zh = zookeeper_init2(z->connect, watcher, z->timeout_ms, NULL, z, 0, zk_log);
    return z->zh ? 0 : -1;
}

kx_zk *kx_zk_new(const char *connect, double session_timeout, char *err, size_t errlen)
{
    kx_zk *z = xcalloc(1, sizeof *z);
    z->connect = xstrdup(connect);
    z->timeout_ms = session_timeout > 0 ? (int)(session_timeout * 1000) : 10000;
    pthread_mutex_init(&z->lock, NULL);
    zoo_set_debug_level(ZOO_LOG_LEVEL_WARN);
    if (open_handle(z) != 0) {
        snprintf(err, errlen, "--zookeeper.server %s: %s", connect, strerror(errno ? errno : EINVAL));
        kx_zk_free(z);
        return NULL;
    }
    return z;
}

void kx_zk_free(kx_zk *z)
{
    if (!z)
        return;
    if (z->zh)
        zookeeper_close(z->zh);
    pthread_mutex_destroy(&z->lock);
    free(z->connect);
    free(z);
}

void kx_zk_status_free(kx_zk_status *st)
{
    free(st->broker_ids);
    free(st->bootstrap);
    st->broker_ids = NULL;
    st->bootstrap = NULL;
}

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

static void read_brokers(kx_zk *z, const zk_read *ids, const char *protocol, const char *listener,
                         double deadline, kx_zk_status *st)
{
    if (ids->nchildren <= 0)
        return;
    size_t n = (size_t)ids->nchildren;
    zk_batch *b = batch_new(n);
    for (size_t i = 0; i < n; i++) {
        char path[256];
        int len = snprintf(path, sizeof path, "/brokers/ids/%s", ids->children[i]);
        if (len < 0 || (size_t)len >= sizeof path)
            continue;
        zk_cookie *c = cookie_new(b, i);
        if (zoo_aget(z->zh, path, 0, on_data, c) != ZOK)
            finish(c, ZSYSTEMERROR, NULL, 0, NULL);
    }
    batch_wait(b, deadline);
    st->broker_ids = xcalloc(n, sizeof *st->broker_ids);
    size_t cap = 1 + n * 300;
    st->bootstrap = xcalloc(1, cap);
    size_t off = 0;
    pthread_mutex_lock(&b->lock);
    for (size_t i = 0; i < n; i++) {
        int64_t id;
        if (parse_int64(ids->children[i], &id) < 0 || id < 0 || id > INT32_MAX)
            continue;
        st->broker_ids[st->nbrokers++] = (int32_t)id;
        const zk_read *r = &b->reads[i];
        char ep[256], why[128];
        if (!r->done || r->rc != ZOK || !r->data)
            continue;
        if (zkparse_broker_endpoint(r->data, (size_t)r->len, protocol, listener, ep, sizeof ep, why,
                                    sizeof why)) {
            log_warn("zookeeper: unusable broker registration", "broker", ids->children[i], "reason", why,
                     NULL);
            continue;
        }
        int w = snprintf(st->bootstrap + off, cap - off, "%s%s", off ? "," : "", ep);
        if (w > 0 && (size_t)w < cap - off)
            off += (size_t)w;
    }
    batch_unref_locked(b); /* unlocks */
    qsort(st->broker_ids, st->nbrokers, sizeof *st->broker_ids, cmp_i32);
    if (off == 0) {
        free(st->bootstrap);
        st->bootstrap = NULL;
    }
}

int kx_zk_poll(kx_zk *z, const char *protocol, const char *listener, double deadline, kx_zk_status *st)
{
    memset(st, 0, sizeof *st);
    st->rtt = -1;
    st->controller_id = -1;
    pthread_mutex_lock(&z->lock);
    bool expired = z->expired;
    z->expired = false;
    pthread_mutex_unlock(&z->lock);
    if (expired) {
        /* The C client never recovers an expired session by itself: a new handle is needed. */
        log_warn("zookeeper session expired, reconnecting", "server", z->connect, NULL);
        zookeeper_close(z->zh);
        z->zh = NULL;
        z->expirations++;
        if (open_handle(z) != 0) {
            snprintf(st->err, sizeof st->err, "zookeeper: cannot create a new session: %s", strerror(errno));
            goto down;
        }
    }
    st->expirations = z->expirations;
    int state = zoo_state(z->zh);
    if (state != ZOO_CONNECTED_STATE) {
        snprintf(st->err, sizeof st->err, "zookeeper %s: not connected", z->connect);
        goto down;
    }

    /* Probe: "/" is the chroot when the connect string has one. */
    zk_batch *b = batch_new(3);
    double t0 = now_monotonic();
    zk_cookie *c = cookie_new(b, 0);
    if (zoo_aexists(z->zh, "/", 0, on_stat, c) != ZOK)
        finish(c, ZSYSTEMERROR, NULL, 0, NULL);
    batch_wait(b, deadline);
    pthread_mutex_lock(&b->lock);
    zk_read probe = b->reads[0];
    pthread_mutex_unlock(&b->lock);
    if (!probe.done) {
        snprintf(st->err, sizeof st->err, "zookeeper %s: no answer before the deadline", z->connect);
        pthread_mutex_lock(&b->lock);
        batch_unref_locked(b);
        goto down;
    }
    st->rtt = now_monotonic() - t0;
    if (probe.rc == ZNONODE) {
        st->up = true;
        snprintf(st->err, sizeof st->err, "zookeeper %s: chroot does not exist", z->connect);
        pthread_mutex_lock(&b->lock);
        batch_unref_locked(b);
        goto chroot_missing;
    }
    if (probe.rc != ZOK) {
        snprintf(st->err, sizeof st->err, "zookeeper %s: %s", z->connect, zerror(probe.rc));
        pthread_mutex_lock(&b->lock);
        batch_unref_locked(b);
        goto down;
    }
    st->up = true;
    st->chroot_exists = true;
    c = cookie_new(b, 1);
    if (zoo_aget_children(z->zh, "/brokers/ids", 0, on_children, c) != ZOK)
        finish(c, ZSYSTEMERROR, NULL, 0, NULL);
    c = cookie_new(b, 2);
    if (zoo_aget(z->zh, "/controller", 0, on_data, c) != ZOK)
        finish(c, ZSYSTEMERROR, NULL, 0, NULL);
    batch_wait(b, deadline);
    pthread_mutex_lock(&b->lock);
    const zk_read *ids = &b->reads[1], *ctl = &b->reads[2];
    if (ctl->done && ctl->rc == ZOK && ctl->data) {
        char why[128];
        if (zkparse_controller(ctl->data, (size_t)ctl->len, &st->controller_id, why, sizeof why))
            log_warn("zookeeper: unusable /controller", "reason", why, NULL);
    }
    /* Decided under the lock: a completion arriving after the deadline writes ids under it. Once done, a
     * read is never written again, so ids may be read unlocked (and stays allocated: this function holds a
     * reference to b until below). */
    bool ids_ok = ids->done && ids->rc == ZOK;
    if (!ids_ok)
        snprintf(st->err, sizeof st->err, "zookeeper: /brokers/ids: %s",
                 ids->done ? zerror(ids->rc) : "no answer before the deadline");
    pthread_mutex_unlock(&b->lock);
    if (ids_ok)
        read_brokers(z, ids, protocol, listener, deadline, st);
    pthread_mutex_lock(&b->lock);
    batch_unref_locked(b);
    if (z->logged_down)
        log_info("zookeeper reachable again", "server", z->connect, NULL);
    z->logged_down = false;
    z->logged_err[0] = '\0';
    return 0;
chroot_missing:
down:
    if (!z->logged_down || strcmp(z->logged_err, st->err) != 0)
        log_error("zookeeper unavailable", "reason", st->err, NULL);
    z->logged_down = true;
    snprintf(z->logged_err, sizeof z->logged_err, "%s", st->err);
    return st->up ? 0 : -1;
}
