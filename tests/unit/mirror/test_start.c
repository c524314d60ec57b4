/* test_start.c -- mirror_start undoes itself on failure (exporter.h): when a thread cannot be made, the
 * threads already running are joined before it returns, so freeing the state after it is safe (it was a
 * use-after-free of s->acct: ASan reported it from the probe sender's tick). */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "log.h"
#include "start.h"
#include "state.h"
#include "test.h"

static int created, fail_at;

/* pthread_create, but the fail_at-th call (0-based) fails as if the system had no threads left. */
static int create_or_fail(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg)
{
    if (created++ == fail_at)
        return EAGAIN;
    return pthread_create(t, a, fn, arg);
}

static void config(mirror_state *s, char **servers)
{
    memset(s, 0, sizeof *s);
    pthread_mutex_init(&s->mu, NULL);
    servers[0] = (char *)"127.0.0.1:1"; /* nothing there: start must not need the network */
    s->cfg.source_servers = (strlist){servers, 1};
    s->cfg.target_servers = (strlist){servers, 1};
    s->cfg.source_alias = (char *)"src";
    s->cfg.target_alias = (char *)"dst";
    s->cfg.separator = (char *)".";
    s->cfg.probe_topic = (char *)"mirror-probe";
    s->cfg.exporter_id = (char *)"test";
    s->cfg.probe_interval = 0.01;
    s->cfg.deadline = 1;
    s->cfg.poll_interval = 0.05;
    s->cfg.kafka_timeout = 0.2;
    s->cfg.stall_window = 60;
    s->cfg.config_interval = 60;
}

int main(void)
{
    log_setup("error", "logfmt");
    mirror_thread_create = create_or_fail;
    char *servers[1];
    char err[256];
    /* The third thread fails: the first two are running. */
    for (fail_at = 2; fail_at < 3; fail_at++) {
        mirror_state s;
        config(&s, servers);
        created = 0;
        err[0] = '\0';
        CHECK_INT_EQ(mirror_start(&s, err, sizeof err), -1);
        CHECK_STR_EQ(err, "cannot start a thread");
        CHECK_INT_EQ(s.nthreads, 0);
        CHECK(s.source_rk == NULL && s.target_rk == NULL && s.acct == NULL);
        /* What exporter_main and main() do after a failed start: free the state. A thread still running
         * would use it; give the probe sender time for its once-a-second tick. */
        mirror_state_release(&s);
        nanosleep(&(struct timespec){1, 200 * 1000 * 1000}, NULL);
        pthread_mutex_destroy(&s.mu);
    }

    /* Started fully, stopped: the ordinary path still works. */
    mirror_thread_create = pthread_create;
    mirror_state s;
    config(&s, servers);
    CHECK_INT_EQ(mirror_start(&s, err, sizeof err), 0);
    CHECK_INT_EQ(s.nthreads, 4);
    mirror_stop(&s);
    CHECK_INT_EQ(s.nthreads, 0);
    mirror_state_release(&s);
    pthread_mutex_destroy(&s.mu);
    return TEST_RESULT();
}
