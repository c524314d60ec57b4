/* fsstat.c -- statfs(2) with a deadline on a worker thread, all mounts in one hand-over (fsstat.h). */
#include "fsstat.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"

typedef struct stuck_path {
    struct stuck_path *next;
    char path[];
} stuck_path;

typedef struct fs_entry {
    const char
        *path;  /* into the job's own copy: the caller's strings may be gone when an abandoned call returns */
    size_t req; /* index in the caller's array */
    int rc, err;
    struct statfs st;
} fs_entry;

/* A batch of paths. The caller reads it back; once abandoned, the worker frees it. */
typedef struct fs_job {
    size_t n;
    size_t pos;         /* the entry being stat'ed; n when all are done */
    double pos_started; /* when entry pos began (CLOCK_MONOTONIC) */
    fs_entry e[];
} fs_job;

typedef struct fs_worker {
    struct fsstat *owner;
    pthread_t tid;
    pthread_cond_t job_cv;
    fs_job *job; /* posted by the caller; NULL when idle */
    int quit, abandoned;
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
        while (!w->job && !w->quit)
            pthread_cond_wait(&w->job_cv, &s->mu);
        if (w->quit)
            break;
        fs_job *j = w->job;
        while (j->pos < j->n) {
            fs_entry *e = &j->e[j->pos];
            j->pos_started = now_monotonic();
            pthread_mutex_unlock(&s->mu);
            struct statfs st;
            int rc = s->fn(e->path, &st);
            int err = errno;
            pthread_mutex_lock(&s->mu);
            if (w->abandoned) {
                stuck_remove(s, e->path); /* it answered at last: monitor it again */
                free(j);
                goto out;
            }
            e->rc = rc == 0 ? FSSTAT_OK : FSSTAT_ERROR;
            e->err = err;
            e->st = st;
            j->pos++;
        }
        w->job = NULL;
        /* After the unlock, so the woken caller does not block on the mutex again;
         * s lives on: this thread holds a reference. */
        pthread_mutex_unlock(&s->mu);
        pthread_cond_broadcast(&s->done_cv);
        pthread_mutex_lock(&s->mu);
    }
out:;
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

/* The requests from `from` on that are not stuck, as one job; NULL on out-of-memory. Called with mu held. */
static fs_job *job_new(fsstat *s, fsstat_req *reqs, size_t n, size_t from)
{
    size_t count = 0, bytes = 0;
    for (size_t i = from; i < n; i++) {
        reqs[i].rc = stuck_has(s, reqs[i].path) ? FSSTAT_STUCK : FSSTAT_ERROR;
        if (reqs[i].rc == FSSTAT_STUCK)
            continue;
        count++;
        bytes += strlen(reqs[i].path) + 1;
    }
    fs_job *j = malloc(sizeof *j + count * sizeof(fs_entry) + bytes);
    if (!j)
        return NULL;
    j->n = count;
    j->pos = 0;
    char *copy = (char *)&j->e[count];
    size_t k = 0;
    for (size_t i = from; i < n; i++) {
        if (reqs[i].rc == FSSTAT_STUCK)
            continue;
        size_t len = strlen(reqs[i].path) + 1;
        memcpy(copy, reqs[i].path, len);
        j->e[k++] = (fs_entry){.path = copy, .req = i};
        copy += len;
    }
    return j;
}

/* Marks requests from `from` on that have no answer yet. */
static void fail_rest(fsstat_req *reqs, size_t n, size_t from, int rc, int err)
{
    for (size_t i = from; i < n; i++) {
        if (reqs[i].rc == FSSTAT_STUCK)
            continue;
        reqs[i].rc = rc;
        reqs[i].err = err;
    }
}

void fsstat_stat_all(fsstat *s, fsstat_req *reqs, size_t n, double timeout, double deadline)
{
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < n; i++) {
        reqs[i].rc = stuck_has(s, reqs[i].path) ? FSSTAT_STUCK : FSSTAT_ERROR;
        reqs[i].err = 0;
    }
    struct timespec until = clock_timespec(deadline);
    while (s->busy) {
        if (pthread_cond_timedwait(&s->done_cv, &s->mu, &until) == ETIMEDOUT && s->busy) {
            fail_rest(reqs, n, 0, FSSTAT_BUSY, 0);
            pthread_mutex_unlock(&s->mu);
            return;
        }
    }
    s->busy = 1;
    size_t from = 0;
    while (from < n) {
        if (now_monotonic() >= deadline) {
            fail_rest(reqs, n, from, FSSTAT_ERROR, ETIMEDOUT);
            break;
        }
        fs_job *j = job_new(s, reqs, n, from);
        if (j && j->n == 0) {
            free(j);
            break;
        }
        if (!j || (!s->cur && !(s->cur = worker_start(s)))) {
            fail_rest(reqs, n, from, FSSTAT_ERROR, j ? errno : ENOMEM);
            free(j);
            break;
        }
        fs_worker *w = s->cur;
        j->pos_started = now_monotonic();
        w->job = j;
        pthread_cond_signal(&w->job_cv);
        from = n;
        for (;;) {
            /* Each path gets its own timeout, counted from when the worker began it. */
            double give_up = j->pos_started + timeout;
            if (give_up > deadline)
                give_up = deadline;
            until = clock_timespec(give_up);
            if (w->job == NULL)
                break;
            if (pthread_cond_timedwait(&s->done_cv, &s->mu, &until) != ETIMEDOUT || w->job == NULL)
                continue;
            if (j->pos_started + timeout > now_monotonic() && now_monotonic() < deadline)
                continue; /* the worker moved on to a later path meanwhile */
            /* Hung on entry pos: abandon the worker, which now owns the job; the rest go to a new one. */
            fs_entry *hung = &j->e[j->pos];
            reqs[hung->req].rc = FSSTAT_TIMEOUT;
            stuck_add(s, hung->path);
            for (size_t k = 0; k < j->pos; k++) {
                reqs[j->e[k].req].rc = j->e[k].rc;
                reqs[j->e[k].req].err = j->e[k].err;
                reqs[j->e[k].req].st = j->e[k].st;
            }
            from = hung->req + 1;
            w->abandoned = 1;
            pthread_detach(w->tid);
            s->cur = NULL;
            j = NULL;
            break;
        }
        if (j) { /* finished: all answers are in */
            for (size_t k = 0; k < j->n; k++) {
                reqs[j->e[k].req].rc = j->e[k].rc;
                reqs[j->e[k].req].err = j->e[k].err;
                reqs[j->e[k].req].st = j->e[k].st;
            }
            free(j);
        }
    }
    s->busy = 0;
    pthread_mutex_unlock(&s->mu);
    pthread_cond_broadcast(&s->done_cv);
}

int fsstat_is_stuck(fsstat *s, const char *path)
{
    pthread_mutex_lock(&s->mu);
    int r = stuck_has(s, path);
    pthread_mutex_unlock(&s->mu);
    return r;
}
