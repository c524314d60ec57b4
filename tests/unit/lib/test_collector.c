/* test_collector.c -- the registry: switches, scrape metrics, failures, the deadline. */
#include <stdlib.h>

#include "collector.h"
#include "log.h"
#include "test.h"

static int ran_b;

static int collect_a(expo *w, collector_ctx *ctx)
{
    expo_sample(expo_family_get(w, "t_a", "A.", EXPO_GAUGE), *(double *)ctx->state, NULL);
    return 0;
}

static int collect_fail(expo *w, collector_ctx *ctx)
{
    (void)w;
    snprintf(ctx->err, ctx->errlen, "broken");
    return -1;
}

static int collect_b(expo *w, collector_ctx *ctx)
{
    (void)w;
    (void)ctx;
    ran_b++;
    return 0;
}

static const collector table[] = {
    {"a", true, "A.", collect_a},
    {"fail", true, "Fails.", collect_fail},
    {"b", false, "B.", collect_b},
};

static char *scrape(collectors *c, void *state, double deadline)
{
    expo *w = expo_new(1 << 20);
    collectors_scrape(c, w, state, deadline);
    buf b;
    buf_init(&b, 1 << 20);
    CHECK_INT_EQ(expo_render(w, &b), 0);
    expo_free(w);
    return buf_steal(&b, NULL);
}

int main(void)
{
    log_setup("error", "logfmt");
    collectors *c = collectors_new("t", table, 3);
    CHECK_INT_EQ(collectors_count(c), 3);
    bool on;
    CHECK_STR_EQ(collectors_at(c, 2, &on)->name, "b");
    CHECK(!on);
    CHECK(collectors_at(c, 3, &on) == NULL);
    CHECK_INT_EQ(collectors_set(c, "nope", true), -1);

    double value = 7;
    char *out = scrape(c, &value, now_monotonic() + 10);
    CHECK_CONTAINS(out, "t_a 7\n");
    CHECK_CONTAINS(out,
                   "# HELP t_scrape_collector_duration_seconds t_exporter: Duration of a collector scrape.\n"
                   "# TYPE t_scrape_collector_duration_seconds gauge\n");
    CHECK_CONTAINS(out, "t_scrape_collector_success{collector=\"a\"} 1\n");
    CHECK_CONTAINS(out, "t_scrape_collector_success{collector=\"fail\"} 0\n");
    CHECK(strstr(out, "collector=\"b\"") == NULL); /* disabled */
    CHECK_INT_EQ(ran_b, 0);
    free(out);

    CHECK_INT_EQ(collectors_set(c, "b", true), 0);
    CHECK_INT_EQ(collectors_set(c, "a", false), 0);
    out = scrape(c, &value, now_monotonic() + 10);
    CHECK_INT_EQ(ran_b, 1);
    CHECK(strstr(out, "t_a ") == NULL);
    CHECK_CONTAINS(out, "t_scrape_collector_success{collector=\"b\"} 1\n");
    free(out);

    /* Past the deadline, collectors are not run and report failure. */
    out = scrape(c, &value, now_monotonic() - 1);
    CHECK_INT_EQ(ran_b, 1);
    CHECK_CONTAINS(out, "t_scrape_collector_success{collector=\"b\"} 0\n");
    free(out);

    CHECK(now_realtime() > 1.7e9);
    double t0 = now_monotonic();
    CHECK(now_monotonic() >= t0);
    collectors_free(c);
    return TEST_RESULT();
}
