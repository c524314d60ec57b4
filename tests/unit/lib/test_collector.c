/* test_collector.c -- the registry: switches, scrape metrics, failures, the deadline. */
#include <stdlib.h>
#include <time.h>

#include "collector.h"
#include "flags.h"
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

static const collector col_a = {.name = "a", .enabled_by_default = true, .help = "A.", .collect = collect_a};
static const collector col_fail = {
    .name = "fail", .enabled_by_default = true, .help = "Fails.", .collect = collect_fail};
static const collector col_b = {.name = "b", .enabled_by_default = false, .help = "B.", .collect = collect_b};
static const collector *const table[] = {&col_a, &col_fail, &col_b};

/* A collector with flags and state: init checks its flag and makes the state, collect uses it,
 * release frees it; the log records the order. */
static long counter_start;
static char lifecycle[256];

static void note(const char *what)
{
    size_t n = strlen(lifecycle);
    snprintf(lifecycle + n, sizeof(lifecycle) - n, "%s ", what);
}

typedef struct counter_state {
    long next;
} counter_state;

static const flag counter_flags[] = {
    {"collector.counter.start", FLAG_INT, &counter_start, "5", "First value.", 0, 0},
};

static int counter_init(void *exporter_state, void **self, char *err, size_t errlen)
{
    CHECK_INT_EQ(*(double *)exporter_state, 7);
    if (counter_start < 0) {
        snprintf(err, errlen, "bad --collector.counter.start: negative");
        return -1;
    }
    counter_state *s = malloc(sizeof(*s));
    s->next = counter_start;
    *self = s;
    note("init:counter");
    return 0;
}

static int counter_collect(expo *w, collector_ctx *ctx)
{
    counter_state *s = ctx->self;
    expo_sample(expo_family_get(w, "t_counter", "C.", EXPO_GAUGE), (double)s->next++, NULL);
    return 0;
}

static void counter_release(void *self)
{
    free(self);
    note("release:counter");
}

static const collector col_counter = {.name = "counter",
                                      .enabled_by_default = true,
                                      .help = "Counts.",
                                      .collect = counter_collect,
                                      .flags = counter_flags,
                                      .nflags = 1,
                                      .init = counter_init,
                                      .release = counter_release};

/* Initialises fine, with nothing to release but a note. */
static int other_init(void *exporter_state, void **self, char *err, size_t errlen)
{
    (void)exporter_state;
    (void)err;
    (void)errlen;
    *self = NULL;
    note("init:other");
    return 0;
}

static void other_release(void *self)
{
    CHECK(self == NULL);
    note("release:other");
}

static const collector col_other = {.name = "other",
                                    .enabled_by_default = true,
                                    .help = "Other.",
                                    .collect = collect_b,
                                    .init = other_init,
                                    .release = other_release};
static const flag dup_flags[] = {{"collector.counter.start", FLAG_INT, &counter_start, "1", "Again.", 0, 0}};
static const collector col_dup = {.name = "dup",
                                  .enabled_by_default = true,
                                  .help = "Dup.",
                                  .collect = collect_b,
                                  .flags = dup_flags,
                                  .nflags = 1};

/* The prepare stage: it takes time and fails when asked, and the collectors still run. */
static int prepare_fails;
static int prepare_runs;

static int prepare(expo *w, collector_ctx *ctx)
{
    prepare_runs++;
    CHECK(ctx->self == NULL);
    expo_sample(expo_family_get(w, "t_up", "Up.", EXPO_GAUGE), prepare_fails ? 0 : 1, NULL);
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
    if (prepare_fails) {
        snprintf(ctx->err, ctx->errlen, "cluster down");
        return -1;
    }
    return 0;
}

/* The value of the sample whose line starts with `prefix`, or -1. */
static double sample_value(const char *text, const char *prefix)
{
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (strncmp(p, prefix, strlen(prefix)) == 0 && p[strlen(prefix)] == ' ')
            return strtod(p + strlen(prefix) + 1, NULL);
    return -1;
}

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

    /* Flags: the collectors' own are appended to the exporter's, in table order; a clash is an error. */
    static const collector *const t2[] = {&col_a, &col_counter, &col_other};
    c = collectors_new("t", t2, 3);
    flag head[] = {{"web.x", FLAG_STRING, NULL, NULL, "X.", 0, 0}};
    size_t nall = 0;
    char err[256] = "";
    flag *all = collectors_flags(c, head, 1, &nall, err, sizeof(err));
    CHECK_INT_EQ(nall, 2);
    CHECK_STR_EQ(all[0].name, "web.x");
    CHECK_STR_EQ(all[1].name, "collector.counter.start");
    char *argv[] = {"prog", "--collector.counter.start=40", NULL};
    CHECK_INT_EQ(flags_parse(all + 1, 1, c, "prog", "1", 2, argv, err, sizeof(err)), 0);
    CHECK_INT_EQ(counter_start, 40);
    free(all);
    static const collector *const t3[] = {&col_counter, &col_dup};
    collectors *d = collectors_new("t", t3, 2);
    CHECK(collectors_flags(d, head, 1, &nall, err, sizeof(err)) == NULL);
    CHECK_CONTAINS(err, "--collector.counter.start is defined twice");
    collectors_free(d);

    /* Lifecycle: init in table order for enabled collectors, state handed to collect, release reversed. */
    lifecycle[0] = '\0';
    CHECK_INT_EQ(collectors_init(c, &value, err, sizeof(err)), 0);
    CHECK_STR_EQ(lifecycle, "init:counter init:other ");
    out = scrape(c, &value, now_monotonic() + 10);
    CHECK_CONTAINS(out, "t_counter 40\n");
    free(out);
    out = scrape(c, &value, now_monotonic() + 10);
    CHECK_CONTAINS(out, "t_counter 41\n");
    CHECK(strstr(out, "prepare") == NULL); /* no prepare stage, no prepare series */
    free(out);
    collectors_release(c);
    CHECK_STR_EQ(lifecycle, "init:counter init:other release:other release:counter ");
    collectors_release(c); /* twice is harmless */
    CHECK_STR_EQ(lifecycle, "init:counter init:other release:other release:counter ");

    /* A disabled collector is neither made nor released. */
    lifecycle[0] = '\0';
    CHECK_INT_EQ(collectors_set(c, "other", false), 0);
    CHECK_INT_EQ(collectors_init(c, &value, err, sizeof(err)), 0);
    collectors_release(c);
    CHECK_STR_EQ(lifecycle, "init:counter release:counter ");

    /* A failing init: the reason names the collector, and those made before it are released. */
    CHECK_INT_EQ(collectors_set(c, "other", true), 0);
    static const collector *const t4[] = {&col_other, &col_counter};
    d = collectors_new("t", t4, 2);
    counter_start = -1;
    lifecycle[0] = '\0';
    CHECK_INT_EQ(collectors_init(d, &value, err, sizeof(err)), -1);
    CHECK_STR_EQ(err, "collector counter: bad --collector.counter.start: negative");
    CHECK_STR_EQ(lifecycle, "init:other release:other ");
    collectors_release(d);
    CHECK_STR_EQ(lifecycle, "init:other release:other ");
    collectors_free(d);
    collectors_free(c);

    /* The prepare stage: before the collectors, its own duration and success, whatever is enabled. */
    c = collectors_new("t", table, 3);
    collectors_set_prepare(c, prepare);
    out = scrape(c, &value, now_monotonic() + 10);
    CHECK_INT_EQ(prepare_runs, 1);
    CHECK(strstr(out, "t_up 1\n") < strstr(out, "t_a 7\n")); /* prepare ran first */
    CHECK_CONTAINS(out,
                   "# HELP t_scrape_prepare_duration_seconds t_exporter: Duration of the scrape's prepare "
                   "stage, the work all collectors share.\n# TYPE t_scrape_prepare_duration_seconds gauge\n");
    CHECK(sample_value(out, "t_scrape_prepare_duration_seconds") >= 0.02);
    CHECK(sample_value(out, "t_scrape_collector_duration_seconds{collector=\"a\"}") < 0.01);
    CHECK_CONTAINS(out, "t_scrape_prepare_success 1\n");
    free(out);
    prepare_fails = 1;
    CHECK_INT_EQ(collectors_set(c, "a", false), 0);
    CHECK_INT_EQ(collectors_set(c, "fail", false), 0);
    out = scrape(c, &value, now_monotonic() + 10);
    CHECK_CONTAINS(out, "t_up 0\n"); /* no collector enabled: the prepare stage still runs */
    CHECK_CONTAINS(out, "t_scrape_prepare_success 0\n");
    CHECK(strstr(out, "collector=") == NULL);
    free(out);
    out = scrape(c, &value, now_monotonic() - 1);
    CHECK_INT_EQ(prepare_runs, 2); /* past the deadline it does not run */
    CHECK_CONTAINS(out, "t_scrape_prepare_success 0\n");
    free(out);
    collectors_free(c);
    return TEST_RESULT();
}
