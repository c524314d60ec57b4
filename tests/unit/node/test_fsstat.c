/* test_fsstat.c -- statfs with a deadline: a hung mount is reported, skipped, and recovers. */
#include "check.h"
#include "clock.h"
#include "fsstat.h"

#include <errno.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static int gate_open;
static int calls_hang;

/* "/hang" blocks until the test opens the gate, like a dead NFS server coming back. */
static int fake_stat(const char *path, struct statfs *out)
{
    memset(out, 0, sizeof *out);
    if (strcmp(path, "/slow") == 0)
        usleep(60000);
    if (strcmp(path, "/hang") == 0 || strcmp(path, "/hang2") == 0) {
        pthread_mutex_lock(&gate_mu);
        calls_hang++;
        while (!gate_open)
            pthread_cond_wait(&gate_cv, &gate_mu);
        pthread_mutex_unlock(&gate_mu);
    }
    if (strcmp(path, "/missing") == 0) {
        errno = ENOENT;
        return -1;
    }
    out->f_bsize = 4096;
    out->f_blocks = strlen(path);
    return 0;
}

/* One path, as the collector's batch of one: its FSSTAT_* code; errno on FSSTAT_ERROR. */
static int fsstat_stat(fsstat *s, const char *path, double timeout, struct statfs *out)
{
    fsstat_req r = {.path = path};
    fsstat_stat_all(s, &r, 1, timeout, now_monotonic() + timeout);
    if (r.rc == FSSTAT_OK)
        *out = r.st;
    else if (r.rc == FSSTAT_ERROR)
        errno = r.err;
    return r.rc;
}

static void gate(int open)
{
    pthread_mutex_lock(&gate_mu);
    gate_open = open;
    pthread_cond_broadcast(&gate_cv);
    pthread_mutex_unlock(&gate_mu);
}

/* All mounts in one hand-over: each path still gets its own timeout, and a hung one
 * costs its timeout, is marked stuck, and the paths after it are still answered. */
static void test_batch(void)
{
    gate(0);
    fsstat *s = fsstat_new(fake_stat);
    fsstat_req r[5] = {
        {.path = "/a"}, {.path = "/hang"}, {.path = "/bb"}, {.path = "/missing"}, {.path = "/hang2"}};
    double t0 = now_monotonic();
    fsstat_stat_all(s, r, 5, 0.2, t0 + 10);
    double took = now_monotonic() - t0;
    CHECK(took >= 0.39 && took < 3.0); /* two hung paths, 0.2 s each */
    CHECK(r[0].rc == FSSTAT_OK && r[0].st.f_blocks == 2);
    CHECK(r[1].rc == FSSTAT_TIMEOUT);
    CHECK(r[2].rc == FSSTAT_OK && r[2].st.f_blocks == 3);
    CHECK(r[3].rc == FSSTAT_ERROR && r[3].err == ENOENT);
    CHECK(r[4].rc == FSSTAT_TIMEOUT);
    CHECK(fsstat_is_stuck(s, "/hang") && fsstat_is_stuck(s, "/hang2"));

    /* Next scrape: both skipped at once, the others answered. */
    t0 = now_monotonic();
    fsstat_stat_all(s, r, 5, 5.0, t0 + 10);
    CHECK(now_monotonic() - t0 < 1.0);
    CHECK(r[0].rc == FSSTAT_OK && r[1].rc == FSSTAT_STUCK && r[2].rc == FSSTAT_OK);
    CHECK(r[3].rc == FSSTAT_ERROR && r[4].rc == FSSTAT_STUCK);

    /* Slow but answering paths: 3 x 60 ms, each under its own timeout, are all fine. The timeout is
     * 1 s, not just over 60 ms: under TSan on a loaded machine a worker can take that long to run. */
    fsstat_req slow[3] = {{.path = "/slow"}, {.path = "/slow"}, {.path = "/slow"}};
    fsstat_stat_all(s, slow, 3, 1.0, now_monotonic() + 10);
    CHECK(slow[0].rc == FSSTAT_OK && slow[1].rc == FSSTAT_OK && slow[2].rc == FSSTAT_OK);

    /* The scrape deadline bounds the whole batch: past it, nothing is stat'ed. */
    fsstat_stat_all(s, r, 3, 5.0, now_monotonic() - 1);
    CHECK(r[0].rc == FSSTAT_ERROR && r[0].err == ETIMEDOUT && r[1].rc == FSSTAT_STUCK);
    fsstat_req past_deadline[2] = {{.path = "/slow"}, {.path = "/b"}};
    t0 = now_monotonic();
    fsstat_stat_all(s, past_deadline, 2, 5.0, t0 + 0.03);
    CHECK(now_monotonic() - t0 < 1.0);
    CHECK(past_deadline[0].rc == FSSTAT_TIMEOUT && past_deadline[1].rc == FSSTAT_ERROR);

    fsstat_free(s);
    gate(1); /* the abandoned workers return and free what they hold (LeakSanitizer checks) */
    usleep(200000);
}

int main(void)
{
    fsstat *s = fsstat_new(fake_stat);
    struct statfs st;
    CHECK(fsstat_stat(s, "/ok", 1.0, &st) == FSSTAT_OK);
    CHECK(st.f_blocks == 3 && st.f_bsize == 4096);
    errno = 0;
    CHECK(fsstat_stat(s, "/missing", 1.0, &st) == FSSTAT_ERROR);
    CHECK(errno == ENOENT);

    /* A hung call costs the caller its timeout, not more, and marks the mount stuck. */
    double t0 = now_monotonic();
    CHECK(fsstat_stat(s, "/hang", 0.2, &st) == FSSTAT_TIMEOUT);
    double took = now_monotonic() - t0;
    CHECK(took >= 0.19 && took < 2.0); /* generous: CI machines are loaded */
    CHECK(fsstat_is_stuck(s, "/hang"));

    /* Later calls skip it at once; other mounts still work (on a fresh worker). */
    t0 = now_monotonic();
    CHECK(fsstat_stat(s, "/hang", 5.0, &st) == FSSTAT_STUCK);
    CHECK(now_monotonic() - t0 < 1.0); /* no wait for the stuck mount: this call was given 5 s */
    CHECK(fsstat_stat(s, "/other", 1.0, &st) == FSSTAT_OK && st.f_blocks == 6);
    pthread_mutex_lock(&gate_mu);
    CHECK(calls_hang == 1);
    pthread_mutex_unlock(&gate_mu);

    /* The mount answers at last: the mark is cleared and it is stat'ed again. */
    pthread_mutex_lock(&gate_mu);
    gate_open = 1;
    pthread_cond_broadcast(&gate_cv);
    pthread_mutex_unlock(&gate_mu);
    for (int i = 0; i < 200 && fsstat_is_stuck(s, "/hang"); i++)
        usleep(5000);
    CHECK(!fsstat_is_stuck(s, "/hang"));
    CHECK(fsstat_stat(s, "/hang", 1.0, &st) == FSSTAT_OK);

    fsstat_free(s);

    /* Freed while a call is still hung: the abandoned worker cleans up when it returns. */
    gate_open = 0;
    s = fsstat_new(fake_stat);
    CHECK(fsstat_stat(s, "/hang", 0.05, &st) == FSSTAT_TIMEOUT);
    fsstat_free(s);
    pthread_mutex_lock(&gate_mu);
    gate_open = 1;
    pthread_cond_broadcast(&gate_cv);
    pthread_mutex_unlock(&gate_mu);
    usleep(50000); /* let the abandoned worker finish and free (checked by LeakSanitizer) */
    test_batch();
    CHECK_DONE();
}
