/* tsan_c11threads.c -- C11 <threads.h> over the pthread calls ThreadSanitizer intercepts (TSan builds only).
 *
 * Debian's librdkafka makes its threads, mutexes and condition variables with C11 thrd_create, mtx_lock,
 * cnd_wait...; glibc implements those by calling its pthread internals directly, past TSan's
 * interceptors, so TSan neither knows the threads (it crashes in its allocator on their first malloc)
 * nor sees their locking. Linked into every TSan executable, these definitions take the place of
 * glibc's for librdkafka (the executable's symbols come first) and go through pthread_*. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <threads.h>
#include <time.h>

typedef struct tramp {
    thrd_start_t fn;
    void *arg;
} tramp;

static int code(int rc)
{
    return rc == 0           ? thrd_success
           : rc == ENOMEM    ? thrd_nomem
           : rc == ETIMEDOUT ? thrd_timedout
           : rc == EBUSY     ? thrd_busy
                             : thrd_error;
}

static void *run(void *p)
{
    tramp t = *(tramp *)p;
    free(p);
    return (void *)(intptr_t)t.fn(t.arg);
}

int thrd_create(thrd_t *thr, thrd_start_t fn, void *arg)
{
    tramp *t = malloc(sizeof *t);
    if (!t)
        return thrd_nomem;
    t->fn = fn;
    t->arg = arg;
    pthread_t p;
    int rc = pthread_create(&p, NULL, run, t);
    if (rc != 0) {
        free(t);
        return code(rc);
    }
    *thr = (thrd_t)p;
    return thrd_success;
}

int thrd_join(thrd_t thr, int *res)
{
    void *r;
    int rc = pthread_join((pthread_t)thr, &r);
    if (rc == 0 && res)
        *res = (int)(intptr_t)r;
    return code(rc);
}

int thrd_detach(thrd_t thr)
{
    return code(pthread_detach((pthread_t)thr));
}

int mtx_init(mtx_t *m, int type)
{
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    if (type & mtx_recursive)
        pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
    int rc = pthread_mutex_init((pthread_mutex_t *)m, &a);
    pthread_mutexattr_destroy(&a);
    return code(rc);
}

int mtx_lock(mtx_t *m)
{
    return code(pthread_mutex_lock((pthread_mutex_t *)m));
}

int mtx_trylock(mtx_t *m)
{
    return code(pthread_mutex_trylock((pthread_mutex_t *)m));
}

int mtx_timedlock(mtx_t *restrict m, const struct timespec *restrict ts)
{
    return code(pthread_mutex_timedlock((pthread_mutex_t *)m, ts));
}

int mtx_unlock(mtx_t *m)
{
    return code(pthread_mutex_unlock((pthread_mutex_t *)m));
}

void mtx_destroy(mtx_t *m)
{
    pthread_mutex_destroy((pthread_mutex_t *)m);
}

int cnd_init(cnd_t *c)
{
    return code(pthread_cond_init((pthread_cond_t *)c, NULL));
}

int cnd_signal(cnd_t *c)
{
    return code(pthread_cond_signal((pthread_cond_t *)c));
}

int cnd_broadcast(cnd_t *c)
{
    return code(pthread_cond_broadcast((pthread_cond_t *)c));
}

int cnd_wait(cnd_t *c, mtx_t *m)
{
    return code(pthread_cond_wait((pthread_cond_t *)c, (pthread_mutex_t *)m));
}

int cnd_timedwait(cnd_t *restrict c, mtx_t *restrict m, const struct timespec *restrict ts)
{
    return code(pthread_cond_timedwait((pthread_cond_t *)c, (pthread_mutex_t *)m, ts));
}

void cnd_destroy(cnd_t *c)
{
    pthread_cond_destroy((pthread_cond_t *)c);
}
