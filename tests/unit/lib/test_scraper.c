/* test_scraper.c -- the scrape worker: output, the deadline with a stuck collector, waiting, stopping. */
#include <stdlib.h>
#include <time.h>

#include "collector.h"
#include "log.h"
#include "scraper.h"
#include "test.h"

static _Atomic double sleep_for; /* seconds the fill function sleeps, ignoring the deadline (set by main) */

static void fill(void *arg, expo *w, double deadline)
{
    (void)deadline;
    int *calls = arg;
    (*calls)++;
    double d = sleep_for;
    if (d > 0) {
        struct timespec ts = {(time_t)d, (long)((d - (double)(time_t)d) * 1e9)};
        nanosleep(&ts, NULL);
    }
    expo_sample(expo_family_get(w, "calls", "Calls.", EXPO_COUNTER), *calls, NULL);
}

int main(void)
{
    log_setup("error", "logfmt");
    int calls = 0;
    char err[256];
    scraper *s = scraper_start(fill, &calls, 1 << 20);
    CHECK(s != NULL);

    buf out;
    buf_init(&out, 1 << 20);
    CHECK_INT_EQ(scraper_run(s, &out, now_monotonic() + 5, 0.1, err, sizeof(err)), 0);
    CHECK_STR_EQ(out.data, "# HELP calls Calls.\n# TYPE calls counter\ncalls 1\n");
    buf_free(&out);

    /* A collector that overstays: the answer comes at deadline + grace, not when it ends. */
    sleep_for = 0.6;
    buf_init(&out, 1 << 20);
    double t0 = now_monotonic();
    CHECK_INT_EQ(scraper_run(s, &out, t0 + 0.2, 0.1, err, sizeof(err)), -1);
    double took = now_monotonic() - t0;
    CHECK(took >= 0.29 && took < 0.5);
    CHECK_CONTAINS(err, "did not finish");
    CHECK_INT_EQ(out.len, 0);

    /* While it still runs, a scrape with a short deadline gives up waiting for it... */
    t0 = now_monotonic();
    CHECK_INT_EQ(scraper_run(s, &out, t0 + 0.1, 0.1, err, sizeof(err)), -1);
    CHECK_CONTAINS(err, "previous scrape");
    CHECK(now_monotonic() - t0 < 0.3);
    /* ... and one with a longer deadline waits for it, then runs. */
    sleep_for = 0;
    CHECK_INT_EQ(scraper_run(s, &out, now_monotonic() + 3, 0.1, err, sizeof(err)), 0);
    CHECK_CONTAINS(out.data, "calls 3\n");
    buf_free(&out);

    /* Over the output cap the scrape fails, saying why: never an answer that looks complete. */
    scraper *tiny = scraper_start(fill, &calls, 10);
    buf_init(&out, 10);
    CHECK_INT_EQ(scraper_run(tiny, &out, now_monotonic() + 3, 0.1, err, sizeof(err)), -1);
    CHECK_CONTAINS(err, "over the cap of 10 bytes (--web.max-scrape-size): samples dropped");
    CHECK_INT_EQ(out.len, 0);
    buf_free(&out);
    CHECK_INT_EQ(scraper_stop(tiny, 1), 0);

    /* Stopping while a collector is stuck: -1, then 0 once it is done. */
    sleep_for = 0.5;
    buf_init(&out, 1 << 20);
    CHECK_INT_EQ(scraper_run(s, &out, now_monotonic() + 0.05, 0.05, err, sizeof(err)), -1);
    buf_free(&out);
    CHECK_INT_EQ(scraper_stop(s, 0.05), -1);
    CHECK_INT_EQ(scraper_stop(s, 2), 0);
    return TEST_RESULT();
}
