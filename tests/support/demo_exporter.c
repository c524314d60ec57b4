/* demo_exporter.c -- a tiny exporter over the shared library, for the HTTP integration tests. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "exporter.h"

static double slow_seconds;
static long bulk_samples;
static double hang_seconds;

/* Emits values that exercise escaping, special values and a histogram. */
static int collect_demo(expo *w, collector_ctx *ctx)
{
    (void)ctx;
    expo_family *f =
        expo_family_get(w, "demo_value", "A value with \\ and\nnewline in its help.", EXPO_GAUGE);
    expo_sample(f, 42, "name", "plain", NULL);
    expo_sample(f, 1.5, "name", "quote\" back\\slash new\nline", NULL);
    expo_sample(f, 1.0 / 0.0, "name", "inf", NULL);
    expo_sample(f, 7, "name", "plain", NULL); /* duplicate: dropped */
    expo_family *c = expo_family_get(w, "demo_requests_total", "Requests seen.", EXPO_COUNTER);
    expo_sample(c, 12345, NULL);
    static const double bounds[] = {0.1, 0.5, 1};
    static const uint64_t counts[] = {3, 2, 1};
    expo_histogram(expo_family_get(w, "demo_latency_seconds", "Latency.", EXPO_HISTOGRAM), bounds, counts, 3,
                   4, 12.5, "path", "/x", NULL);
    return 0;
}

/* Sleeps --demo.hang seconds on the first scrape only, ignoring the deadline (a misbehaving collector). */
static int collect_hang(expo *w, collector_ctx *ctx)
{
    (void)w;
    (void)ctx;
    static int scrapes;
    if (scrapes++ == 0 && hang_seconds > 0) {
        struct timespec ts = {(time_t)hang_seconds,
                              (long)((hang_seconds - (double)(time_t)hang_seconds) * 1e9)};
        nanosleep(&ts, NULL);
    }
    return 0;
}

/* --demo.samples=N node-like samples, for benchmarks and the size cap. */
static int collect_bulk(expo *w, collector_ctx *ctx)
{
    (void)ctx;
    static const char *const modes[] = {"user",   "nice", "system",  "idle",
                                        "iowait", "irq",  "softirq", "steal"};
    expo_family *f =
        expo_family_get(w, "demo_cpu_seconds_total", "Seconds the CPUs spent in each mode.", EXPO_COUNTER);
    char cpu[24];
    for (long i = 0; i < bulk_samples; i++) {
        snprintf(cpu, sizeof(cpu), "%ld", i / 8);
        expo_sample(f, 12345.67 * (double)(i / 8) + (double)(i % 8) / 100, "cpu", cpu, "mode", modes[i % 8],
                    NULL);
    }
    return 0;
}

static int collect_failing(expo *w, collector_ctx *ctx)
{
    (void)w;
    snprintf(ctx->err, ctx->errlen, "this collector always fails");
    return -1;
}

/* Sleeps --demo.slow seconds, but never past the scrape deadline. */
static int collect_slow(expo *w, collector_ctx *ctx)
{
    double end = now_monotonic() + slow_seconds;
    int late = 0;
    if (end > ctx->deadline) {
        end = ctx->deadline;
        late = 1;
    }
    for (;;) {
        double left = end - now_monotonic();
        if (left <= 0)
            break;
        struct timespec ts = {(time_t)left, (long)((left - (double)(time_t)left) * 1e9)};
        nanosleep(&ts, NULL);
    }
    if (late) {
        snprintf(ctx->err, ctx->errlen, "deadline reached");
        return -1;
    }
    expo_sample(expo_family_get(w, "demo_slow_done", "1 when the slow collector finished.", EXPO_GAUGE), 1,
                NULL);
    return 0;
}

static const collector demo = {
    .name = "demo", .enabled_by_default = true, .help = "Demo values.", .collect = collect_demo};
static const collector failing = {
    .name = "failing", .enabled_by_default = true, .help = "Always fails.", .collect = collect_failing};
static const collector slow = {
    .name = "slow", .enabled_by_default = true, .help = "Sleeps for --demo.slow.", .collect = collect_slow};
static const collector off = {
    .name = "off", .enabled_by_default = false, .help = "Disabled by default.", .collect = collect_failing};
static const collector bulk = {.name = "bulk",
                               .enabled_by_default = true,
                               .help = "Emits --demo.samples samples.",
                               .collect = collect_bulk};
static const collector hang = {.name = "hang",
                               .enabled_by_default = true,
                               .help = "Sleeps --demo.hang on the first scrape, ignoring the deadline.",
                               .collect = collect_hang};
static const collector *const demo_collectors[] = {&demo, &failing, &slow, &off, &bulk, &hang};

static const flag demo_flags[] = {
    {"demo.slow", FLAG_DURATION, &slow_seconds, "0s", "How long the slow collector sleeps.", 0, 0},
    {"demo.hang", FLAG_DURATION, &hang_seconds, "0s", "How long the hang collector blocks the first scrape.",
     0, 0},
    {"demo.samples", FLAG_INT, &bulk_samples, "0", "How many samples the bulk collector emits.", 0, 10000000},
};

int main(int argc, char **argv)
{
    exporter_def def = {
        .name = "demo-exporter",
        .ns = "demo",
        .description = "A demo exporter for tests.",
        .default_listen = ":9999",
        .default_scrape_timeout = 5,
        .flags = demo_flags,
        .nflags = sizeof(demo_flags) / sizeof(demo_flags[0]),
        .collectors = demo_collectors,
        .ncollectors = sizeof(demo_collectors) / sizeof(demo_collectors[0]),
    };
    return exporter_main(&def, argc, argv);
}
