/* test_zk.c -- kx_zk_poll against a fake ZooKeeper client: answers in time, an answer after the deadline,
 * and (with --race, the TSan tier's case) /brokers/ids answering right at the deadline, again and again.
 *
 * The fake stands in for the few libzookeeper_mt calls zk.c makes (defined here, they take the place of
 * the library's): a session that is always connected, and an event thread that delivers each read's
 * completion when the test says, as the real client's completion thread does. Before ac7e7f1, zk.c read
 * ids->done after unlocking the batch; a completion landing between that unlock and the next lock raced
 * with the read, which TSan reports in the --race loop: 8 runs of 8 against that zk.c, each within its
 * first 550 polls; none of 5 against today's. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zookeeper/zookeeper.h>

#include "clock.h"
#include "test.h"
#include "zk.h"

struct _zhandle {
    int unused;
};
static struct _zhandle handle;

/* ---- the fake's event thread: completions in the order they fall due ---- */

enum { KIND_STAT, KIND_DATA, KIND_CHILDREN };
typedef struct event {
    double due; /* monotonic seconds */
    int kind;
    void (*fn)(void);
    const void *data;
    const char *value;
} event;

enum { MAX_EVENTS = 64, RACE_POLLS = 1000 };
static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_cond = PTHREAD_COND_INITIALIZER;
static event queue[MAX_EVENTS];
static size_t nqueued;
static int quit, delivering;
static double ids_delay; /* seconds after the request at which /brokers/ids answers */

static void push(int kind, void (*fn)(void), const void *data, const char *value, double delay)
{
    pthread_mutex_lock(&q_lock);
    if (nqueued == MAX_EVENTS)
        abort();
    queue[nqueued++] = (event){now_monotonic() + delay, kind, fn, data, value};
    pthread_cond_broadcast(&q_cond);
    pthread_mutex_unlock(&q_lock);
}

static void deliver(const event *e)
{
    if (e->kind == KIND_STAT) {
        ((stat_completion_t)e->fn)(ZOK, NULL, e->data);
    } else if (e->kind == KIND_DATA) {
        ((data_completion_t)e->fn)(ZOK, e->value, (int)strlen(e->value), NULL, e->data);
    } else {
        char *ids[] = {(char *)"1"};
        struct String_vector sv = {1, ids};
        ((strings_completion_t)e->fn)(ZOK, &sv, e->data);
    }
}

static void *event_thread(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&q_lock);
    while (!quit || nqueued) {
        if (!nqueued) {
            pthread_cond_wait(&q_cond, &q_lock);
            continue;
        }
        size_t first = 0;
        for (size_t i = 1; i < nqueued; i++)
            if (queue[i].due < queue[first].due)
                first = i;
        event e = queue[first];
        queue[first] = queue[--nqueued];
        delivering = 1;
        pthread_mutex_unlock(&q_lock);
        struct timespec at = {(time_t)e.due, (long)((e.due - (double)(time_t)e.due) * 1e9)};
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL) != 0)
            ;
        deliver(&e);
        pthread_mutex_lock(&q_lock);
        delivering = 0;
        pthread_cond_broadcast(&q_cond);
    }
    pthread_mutex_unlock(&q_lock);
    return NULL;
}

/* Waits until every completion asked for has been delivered. */
static void drain(void)
{
    pthread_mutex_lock(&q_lock);
    while (nqueued || delivering)
        pthread_cond_wait(&q_cond, &q_lock);
    pthread_mutex_unlock(&q_lock);
}

/* ---- the libzookeeper_mt calls zk.c makes ---- */

zhandle_t *zookeeper_init2(const char *host, watcher_fn fn, int recv_timeout, const clientid_t *clientid,
                           void *context, int flags, log_callback_fn log_callback)
{
    (void)host, (void)fn, (void)recv_timeout, (void)clientid, (void)context, (void)flags, (void)log_callback;
    return &handle;
}

int zookeeper_close(zhandle_t *zh)
{
    (void)zh;
    return ZOK;
}

int zoo_state(zhandle_t *zh)
{
    (void)zh;
    return ZOO_CONNECTED_STATE;
}

int zoo_aexists(zhandle_t *zh, const char *path, int watch, stat_completion_t completion, const void *data)
{
    (void)zh, (void)path, (void)watch;
    push(KIND_STAT, (void (*)(void))completion, data, NULL, 0);
    return ZOK;
}

int zoo_aget(zhandle_t *zh, const char *path, int watch, data_completion_t completion, const void *data)
{
    (void)zh, (void)watch;
    const char *value = strcmp(path, "/controller") == 0
                            ? "{\"version\":1,\"brokerid\":1,\"timestamp\":\"0\"}"
                            : "{\"endpoints\":[\"PLAINTEXT://kafka01:9092\"]}";
    push(KIND_DATA, (void (*)(void))completion, data, value, 0);
    return ZOK;
}

int zoo_aget_children(zhandle_t *zh, const char *path, int watch, strings_completion_t completion,
                      const void *data)
{
    (void)zh, (void)path, (void)watch;
    push(KIND_CHILDREN, (void (*)(void))completion, data, NULL, ids_delay);
    return ZOK;
}

/* ---- the cases ---- */

static int poll_once(kx_zk *z, double timeout, kx_zk_status *st)
{
    return kx_zk_poll(z, "PLAINTEXT", NULL, now_monotonic() + timeout, st);
}

int main(int argc, char **argv)
{
    int race = argc > 1 && strcmp(argv[1], "--race") == 0;
    pthread_t events;
    CHECK_INT_EQ(pthread_create(&events, NULL, event_thread, NULL), 0);
    char err[256];
    kx_zk *z = kx_zk_new("zk01:2181/kafka", 10, err, sizeof err);
    CHECK(z != NULL);
    kx_zk_status st;

    if (!race) {
        /* In time: the broker, its endpoint and the controller. */
        ids_delay = 0;
        CHECK_INT_EQ(poll_once(z, 2, &st), 0);
        CHECK(st.up && st.chroot_exists);
        CHECK_INT_EQ(st.controller_id, 1);
        CHECK_INT_EQ(st.nbrokers, 1);
        CHECK(st.nbrokers == 1 && st.broker_ids[0] == 1);
        CHECK_STR_EQ(st.bootstrap, "kafka01:9092");
        kx_zk_status_free(&st);

        /* /brokers/ids answers after the deadline: up, no brokers, the reason; the late completion
         * finds its batch alive (ASan) and frees it. */
        ids_delay = 0.1;
        CHECK_INT_EQ(poll_once(z, 0.02, &st), 0);
        CHECK(st.up);
        CHECK_INT_EQ(st.nbrokers, 0);
        CHECK_STR_EQ(st.err, "zookeeper: /brokers/ids: no answer before the deadline");
        kx_zk_status_free(&st);
        drain();
    } else {
        /* /brokers/ids answers around the deadline: a staircase on its delay (1 µs later after an
         * answer in time, 1 µs sooner after a late one) keeps it at the point where the completion
         * lands as the poll gives up waiting, whatever this machine's timing. Either outcome is right;
         * TSan judges the rest. */
        int answered = 0, late = 0, down = 0;
        double timeout = 0.004, offset = -100e-6; /* near where the probe's round trip puts it */
        for (int i = 0; i < RACE_POLLS; i++) {
            ids_delay = timeout + offset;
            if (poll_once(z, timeout, &st) < 0)
                down++; /* the probe itself was late: a loaded machine */
            else if (st.nbrokers == 1)
                answered++, offset += 1e-6;
            else if (strstr(st.err, "no answer before the deadline"))
                late++, offset -= 1e-6;
            kx_zk_status_free(&st);
            drain();
        }
        fprintf(stderr, "in time %d, late %d, probe late %d of %d\n", answered, late, down, RACE_POLLS);
        CHECK_INT_EQ(answered + late + down, RACE_POLLS);
        CHECK(late > 0 && down < RACE_POLLS / 2);
    }

    pthread_mutex_lock(&q_lock);
    quit = 1;
    pthread_cond_broadcast(&q_cond);
    pthread_mutex_unlock(&q_lock);
    pthread_join(events, NULL);
    kx_zk_free(z);
    return TEST_RESULT();
}
