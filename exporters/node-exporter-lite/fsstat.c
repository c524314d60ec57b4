/* fsstat.c -- statfs(2) with a deadline on a worker thread (fsstat.h). */
#include "fsstat.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct stuck_path {
    struct stuck_path *next;
    char path[];
} stuck_path;

typedef struct fs_worker {
    struct fsstat *owner;
    pthread_t tid;
    pthread_cond_t job_cv;
    int has_job, done, quit, abandoned;
    int rc, err;
    struct statfs st;
    char path[PATH_MAX];
} fs_worker;

struct fsstat {
    pthread_mutex_t mu;
    pthread_cond_t done_cv; /* CLOCK_MONOTONIC */
    fsstat_fn fn;
    fs_worker *cur; /* the live worker, NULL until first use or after abandoning one */
    int busy;       /* a caller owns cur's current job */
    int refs;       /* the handle + every worker thread */
    stuck_path *stuck;
};

static int default_stat(const char *path, struct statfs *out)
{
    return statfs(path, out);
}

/* Called with mu held. */
static void stuck_remove(fsstat *s, const char *path)
{
    for (stuck_path **pp = &s->stuck; *pp; pp = &(*pp)->next) {
        if (strcmp((*pp)->path, path) == 0) {
            stuck_path *dead = *pp;
            *pp = dead->next;
            free(dead);
            return;
        }
    }
}

static int stuck_has(const fsstat *s, const char *path)
{
    for (const stuck_path *p = s->stuck; p; p = p->next)
        if (strcmp(p->path, path) == 0)
            return 1;
    return 0;
}

static void stuck_add(fsstat *s, const char *path)
{
    size_t n = strlen(path) + 1;
    stuck_path *p = malloc(sizeof *p + n);
    if (!p)
        return; /* not remembered: the next scrape waits for it once more */
    memcpy(p->path, path, n);
    p->next = s->stuck;
    s->stuck = p;
}

static void fsstat_destroy(fsstat *s)
{
    while (s->stuck) {
        stuck_path *p = s->stuck;
        s->stuck = p->next;
        free(p);
    }
    pthread_cond_destroy(&s->done_cv);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

static void *worker_main(void *arg)
{
    fs_worker *w = arg;
    fsstat *s = w->owner;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (!w->has_job && !w->quit)
            pthread_cond_wait(&w->job_cv, &s->mu);
        if (w->quit)
            break;
        pthread_mutex_unlock(&s->mu);
        struct statfs st;
        int rc = s->fn(w->path, &st);
        int e = errno;
        pthread_mutex_lock(&s->mu);
        w->has_job = 0;
        if (w->abandoned) {
            stuck_remove(s, w->path); /* it answered at last: monitor it again */
            break;
        }
        w->st = st;
        w->rc = rc;
        w->err = e;
        w->done = 1;
        pthread_cond_broadcast(&s->done_cv);
    }
    int last = --s->refs == 0;
    pthread_mutex_unlock(&s->mu);
    pthread_cond_destroy(&w->job_cv);
    free(w);
    if (last)
        fsstat_destroy(s);
    return NULL;
}

fsstat *fsstat_new(fsstat_fn fn)
{
    fsstat *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->done_cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&s->mu, NULL);
    s->fn = fn ? fn : default_stat;
    s->refs = 1;
    return s;
}

void fsstat_free(fsstat *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    fs_worker *w = s->cur;
    s->cur = NULL;
    pthread_t tid;
    if (w) {
        tid = w->tid;
        w->quit = 1;
        pthread_cond_signal(&w->job_cv);
    }
    int last = --s->refs == 0;
    pthread_mutex_unlock(&s->mu);
    if (w)
        pthread_join(tid, NULL); /* idle: it returns at once (and may free s) */
    else if (last)
        fsstat_destroy(s);
}

static fs_worker *worker_start(fsstat *s)
{
    fs_worker *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->owner = s;
    pthread_cond_init(&w->job_cv, NULL);
    /* statfs needs little stack; keep the thread cheap. */
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    int rc = pthread_create(&w->tid, &attr, worker_main, w);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        pthread_cond_destroy(&w->job_cv);
        free(w);
        errno = rc;
        return NULL;
    }
    s->refs++;
    return w;
}

static struct timespec deadline_after(double seconds)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    if (seconds < 0)
        seconds = 0;
    long long ns = (long long)ts.tv_nsec + (long long)(seconds * 1e9);
    ts.tv_sec += (time_t)(ns / 1000000000LL);
    ts.tv_nsec = (long)(ns % 1000000000LL);
    return ts;
}

int fsstat_stat(fsstat *s, const char *path, double timeout, struct statfs *out)
{
    if (strlen(path) >= PATH_MAX) {
        errno = ENAMETOOLONG;
        return FSSTAT_ERROR;
    }
    struct timespec until = deadline_after(timeout);
    int result;
    pthread_mutex_lock(&s->mu);
    if (stuck_has(s, path)) {
        result = FSSTAT_STUCK;
        goto out;
    }
    while (s->busy) {
        if (pthread_cond_timedwait(&s->done_cv, &s->mu, &until) == ETIMEDOUT && s->busy) {
            result = FSSTAT_BUSY;
            goto out;
        }
    }
    if (!s->cur && !(s->cur = worker_start(s))) {
        result = FSSTAT_ERROR;
        goto out;
    }
    fs_worker *w = s->cur;
    s->busy = 1;
    memcpy(w->path, path, strlen(path) + 1);
    w->done = 0;
    w->has_job = 1;
    pthread_cond_signal(&w->job_cv);
    while (!w->done) {
        if (pthread_cond_timedwait(&s->done_cv, &s->mu, &until) == ETIMEDOUT && !w->done) {
            w->abandoned = 1;
            pthread_detach(w->tid);
            stuck_add(s, path);
            s->cur = NULL;
            s->busy = 0;
            pthread_cond_broadcast(&s->done_cv);
            result = FSSTAT_TIMEOUT;
            goto out;
        }
    }
    w->done = 0;
    s->busy = 0;
    pthread_cond_broadcast(&s->done_cv);
    if (w->rc != 0) {
        errno = w->err;
        result = FSSTAT_ERROR;
    } else {
        *out = w->st;
        result = FSSTAT_OK;
    }
out:;
    int e = errno;
    pthread_mutex_unlock(&s->mu);
    errno = e;
    return result;
}

int fsstat_is_stuck(fsstat *s, const char *path)
{
    pthread_mutex_lock(&s->mu);
    int r = stuck_has(s, path);
    pthread_mutex_unlock(&s->mu);
    return r;
}
