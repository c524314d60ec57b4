/* scraper.c -- the scrape worker thread and the hand-over with a deadline (scraper.h). */
#include "scraper.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "collector.h"
#include "log.h"

typedef struct scrape_job {
    double deadline;
    buf out;
    int rc;
    bool done;
    int refs; /* the waiting HTTP thread and the worker; the last one frees */
} scrape_job;

struct scraper {
    scraper_fn fn;
    void *arg;
    size_t max_bytes;
    pthread_mutex_t m;
    pthread_cond_t work; /* worker: a job was posted or quit was set */
    pthread_cond_t done; /* HTTP threads: a job finished, the worker went idle or exited */
    scrape_job *pending;
    bool busy;
    bool quit;
    bool exited;
    pthread_t thread;
};

static void job_release(scrape_job *j)
{
    if (--j->refs == 0) {
        buf_free(&j->out);
        free(j);
    }
}

/* Runs the scrape of one job, outside the lock. */
static int run_job(scraper *s, scrape_job *j)
{
    expo *w = expo_new(s->max_bytes);
    s->fn(s->arg, w, j->deadline);
    int rc = expo_render_consume(w, &j->out);
    /* Never a 200 that looks complete: samples dropped at the cap fail the scrape (503, the reason in
     * the body), which Prometheus records as up 0. */
    if (expo_truncated(w))
        rc = -1;
    if (expo_duplicates(w) > 0) {
        char n[32];
        snprintf(n, sizeof(n), "%zu", expo_duplicates(w));
        log_warn("samples with a repeated label set dropped", "count", n, NULL);
    }
    expo_free(w);
    return rc;
}

static void *worker(void *arg)
{
    scraper *s = arg;
    pthread_mutex_lock(&s->m);
    for (;;) {
        while (!s->pending && !s->quit)
            pthread_cond_wait(&s->work, &s->m);
        if (!s->pending)
            break;
        scrape_job *j = s->pending;
        s->pending = NULL;
        pthread_mutex_unlock(&s->m);
        int rc = run_job(s, j);
        pthread_mutex_lock(&s->m);
        j->rc = rc;
        j->done = true;
        s->busy = false;
        job_release(j);
        /* Woken after the unlock, the waiter finds the mutex free instead of
         * blocking on it once more: one context switch less per scrape. */
        pthread_mutex_unlock(&s->m);
        pthread_cond_broadcast(&s->done);
        pthread_mutex_lock(&s->m);
    }
    s->exited = true;
    pthread_cond_broadcast(&s->done);
    pthread_mutex_unlock(&s->m);
    return NULL;
}

scraper *scraper_start(scraper_fn fn, void *arg, size_t max_bytes)
{
    scraper *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->fn = fn;
    s->arg = arg;
    s->max_bytes = max_bytes;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* deadlines are CLOCK_MONOTONIC */
    pthread_mutex_init(&s->m, NULL);
    pthread_cond_init(&s->work, &ca);
    pthread_cond_init(&s->done, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&s->thread, NULL, worker, s) != 0) {
        pthread_cond_destroy(&s->work);
        pthread_cond_destroy(&s->done);
        pthread_mutex_destroy(&s->m);
        free(s);
        return NULL;
    }
    return s;
}

int scraper_run(scraper *s, buf *out, double deadline, double grace, char *err, size_t errlen)
{
    int rc = -1;
    pthread_mutex_lock(&s->m);
    struct timespec until = clock_timespec(deadline);
    while ((s->busy || s->pending) && !s->quit) {
        if (pthread_cond_timedwait(&s->done, &s->m, &until) == ETIMEDOUT) {
            snprintf(err, errlen, "the previous scrape was still running at this scrape's deadline");
            pthread_mutex_unlock(&s->m);
            return -1;
        }
    }
    if (s->quit) {
        snprintf(err, errlen, "shutting down");
        pthread_mutex_unlock(&s->m);
        return -1;
    }
    scrape_job *j = calloc(1, sizeof(*j));
    if (!j) {
        snprintf(err, errlen, "out of memory");
        pthread_mutex_unlock(&s->m);
        return -1;
    }
    j->deadline = deadline;
    j->refs = 2;
    buf_init(&j->out, out->limit);
    s->pending = j;
    s->busy = true;
    pthread_cond_signal(&s->work);
    until = clock_timespec(deadline + grace);
    while (!j->done)
        if (pthread_cond_timedwait(&s->done, &s->m, &until) == ETIMEDOUT)
            break;
    if (!j->done) {
        snprintf(err, errlen, "collectors did not finish by the scrape deadline");
    } else if (j->rc < 0) {
        snprintf(err, errlen,
                 "scrape output over the cap of %zu bytes (--web.max-scrape-size): samples dropped",
                 s->max_bytes);
    } else {
        buf_free(out);
        *out = j->out; /* the job's storage moves to the caller */
        buf_init(&j->out, out->limit);
        rc = 0;
    }
    job_release(j);
    pthread_mutex_unlock(&s->m);
    return rc;
}

int scraper_stop(scraper *s, double wait)
{
    if (!s)
        return 0;
    pthread_mutex_lock(&s->m);
    s->quit = true;
    pthread_cond_signal(&s->work);
    struct timespec until = clock_timespec(now_monotonic() + wait);
    while (!s->exited)
        if (pthread_cond_timedwait(&s->done, &s->m, &until) == ETIMEDOUT)
            break;
    bool exited = s->exited;
    pthread_mutex_unlock(&s->m);
    if (!exited)
        return -1;
    pthread_join(s->thread, NULL);
    pthread_cond_destroy(&s->work);
    pthread_cond_destroy(&s->done);
    pthread_mutex_destroy(&s->m);
    free(s);
    return 0;
}
