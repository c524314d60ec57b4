/* collection.c -- reads the cluster on its own cadence, apart from scrapes.
 *
 * One collection thread runs kx_collect every --collection.interval under --collection.timeout and
 * publishes each complete snapshot; a scrape takes a reference to the last one published and never
 * waits on Kafka (only for the very first collection after start). Everything a collection keeps
 * between runs (histories, consumer state, librdkafka and ZooKeeper calls) is touched by this thread
 * only; a published snapshot is never changed again, so scrapes read it without a lock. */
#include <stdio.h>
#include <stdlib.h>

#include "clock.h"
#include "kx.h"
#include "log.h"
#include "snapshot.h"

static void *collection_run(void *arg)
{
    kx_state *st = arg;
    pthread_mutex_lock(&st->pub_lock);
    while (!st->collect_stop) {
        pthread_mutex_unlock(&st->pub_lock);
        double t0 = now_monotonic(), r0 = now_realtime();
        kx_snapshot *s = kx_collect(st, t0 + st->opt.collection_timeout);
        s->started_real = r0;
        s->finished_mono = now_monotonic();
        s->duration = s->finished_mono - t0;
        pthread_mutex_lock(&st->pub_lock);
        kx_snapshot *old = st->published;
        st->published = s; /* the publisher's reference */
        pthread_cond_broadcast(&st->pub_cond);
        pthread_mutex_unlock(&st->pub_lock);
        kx_snapshot_release(old);
        pthread_mutex_lock(&st->pub_lock);
        /* A collection longer than the interval is followed at once by the next one. */
        struct timespec next = clock_timespec(t0 + st->opt.collection_interval);
        while (!st->collect_stop && now_monotonic() < t0 + st->opt.collection_interval)
            pthread_cond_timedwait(&st->pub_cond, &st->pub_lock, &next);
    }
    pthread_mutex_unlock(&st->pub_lock);
    return NULL;
}

int kx_collection_start(kx_state *st, char *err, size_t errlen)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&st->pub_cond, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&st->pub_lock, NULL);
    st->collect_stop = false;
    if (pthread_create(&st->collect_thread, NULL, collection_run, st) != 0) {
        snprintf(err, errlen, "cannot start the collection thread");
        pthread_cond_destroy(&st->pub_cond);
        pthread_mutex_destroy(&st->pub_lock);
        return -1;
    }
    st->collect_started = true;
    return 0;
}

void kx_collection_stop(kx_state *st)
{
    if (!st->collect_started)
        return;
    pthread_mutex_lock(&st->pub_lock);
    st->collect_stop = true;
    pthread_cond_broadcast(&st->pub_cond);
    pthread_mutex_unlock(&st->pub_lock);
    /* A collection in progress ends by its own deadline (--collection.timeout). */
    pthread_join(st->collect_thread, NULL);
    st->collect_started = false;
    kx_snapshot_release(st->published);
    st->published = NULL;
    pthread_cond_destroy(&st->pub_cond);
    pthread_mutex_destroy(&st->pub_lock);
}

kx_snapshot *kx_collection_take(kx_state *st, double wait_until)
{
    if (!st->collect_started)
        return NULL;
    struct timespec until = clock_timespec(wait_until);
    pthread_mutex_lock(&st->pub_lock);
    while (!st->published && !st->collect_stop && now_monotonic() < wait_until)
        pthread_cond_timedwait(&st->pub_cond, &st->pub_lock, &until);
    kx_snapshot *s = st->published;
    kx_snapshot_ref(s);
    pthread_mutex_unlock(&st->pub_lock);
    return s;
}
