/* test_flags.c -- command-line parsing: each kind, defaults, --no-x, collector switches, bad input. */
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

#include "collector.h"
#include "flags.h"
#include "test.h"

static char *s_str;
static strlist s_list;
static bool s_bool;
static long s_int;
static double s_dur, s_dbl;
static size_t s_size;

static const flag table[] = {
    {"web.listen-address", FLAG_STRING, &s_str, ":9100", "Listen.", 0, 0},
    {"kafka.server", FLAG_LIST, &s_list, "localhost:9092", "Brokers.", 0, 0},
    {"tls.enabled", FLAG_BOOL, &s_bool, NULL, "TLS.", 0, 0},
    {"web.max-requests", FLAG_INT, &s_int, "40", "Max.", 1, 100},
    {"scrape.timeout", FLAG_DURATION, &s_dur, "10s", "Timeout.", 0, 0},
    {"ratio", FLAG_DOUBLE, &s_dbl, "0.5", "Ratio.", 0, 0},
    {"web.max-scrape-size", FLAG_SIZE, &s_size, "32MiB", "Cap.", 1L << 20, 4L << 30},
};
#define NT (sizeof(table) / sizeof(table[0]))

static int noop(expo *w, collector_ctx *ctx)
{
    (void)w;
    (void)ctx;
    return 0;
}

static const collector cpu = {.name = "cpu", .enabled_by_default = true, .help = "CPU.", .collect = noop};
static const collector wifi = {.name = "wifi", .enabled_by_default = false, .help = "WiFi.", .collect = noop};
static const collector *const cols[] = {&cpu, &wifi};

/* Parses a NULL-terminated argument list; returns flags_parse's result. */
static int parse(collectors *c, char *err, size_t errlen, ...)
{
    char *argv[32];
    int argc = 0;
    argv[argc++] = (char *)"prog";
    va_list ap;
    va_start(ap, errlen);
    const char *a;
    while ((a = va_arg(ap, const char *)) != NULL)
        argv[argc++] = (char *)a;
    va_end(ap);
    argv[argc] = NULL;
    err[0] = '\0';
    return flags_parse(table, NT, c, "prog", "prog 1.0", argc, argv, err, errlen);
}

int main(void)
{
    char err[256];
    collectors *c = collectors_new("t", cols, 2);

    /* Defaults. */
    CHECK_INT_EQ(parse(c, err, sizeof(err), NULL), 0);
    CHECK_STR_EQ(s_str, ":9100");
    CHECK_INT_EQ(s_list.n, 1);
    CHECK_STR_EQ(s_list.items[0], "localhost:9092");
    CHECK(!s_bool);
    CHECK_INT_EQ(s_int, 40);
    CHECK_DBL_EQ(s_dur, 10);
    CHECK_DBL_EQ(s_dbl, 0.5);
    CHECK_INT_EQ(s_size, 32 << 20);
    flags_free(table, NT);
    CHECK(s_str == NULL);

    /* Each kind, in both --x=v and --x v forms; a given list replaces the default. */
    CHECK_INT_EQ(parse(c, err, sizeof(err), "--web.listen-address", "127.0.0.1:1", "--kafka.server=a:1",
                       "--kafka.server", "b:2", "--tls.enabled", "--web.max-requests=100",
                       "--scrape.timeout=1m30s", "--ratio", "-2.5", NULL),
                 0);
    CHECK_STR_EQ(s_str, "127.0.0.1:1");
    CHECK_INT_EQ(s_list.n, 2);
    CHECK_STR_EQ(s_list.items[0], "a:1");
    CHECK_STR_EQ(s_list.items[1], "b:2");
    CHECK(s_bool);
    CHECK_INT_EQ(s_int, 100);
    CHECK_DBL_EQ(s_dur, 90);
    CHECK_DBL_EQ(s_dbl, -2.5);
    flags_free(table, NT);

    /* Sizes: bytes or units, the bounds included. */
    static const struct {
        const char *arg;
        size_t bytes;
    } sizes[] = {{"--web.max-scrape-size=1GiB", 1UL << 30},
                 {"--web.max-scrape-size=1048576", 1UL << 20},
                 {"--web.max-scrape-size=4GiB", 4UL << 30}};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        CHECK_INT_EQ(parse(c, err, sizeof(err), sizes[i].arg, NULL), 0);
        CHECK(s_size == sizes[i].bytes);
        flags_free(table, NT);
    }
    CHECK_INT_EQ(parse(c, err, sizeof(err), "--web.max-scrape-size", "2MiB", NULL), 0); /* the --x v form */
    CHECK_INT_EQ(s_size, 2 << 20);
    flags_free(table, NT);

    /* Booleans: --no-x, --x=false; the last one wins; strings too. */
    CHECK_INT_EQ(parse(c, err, sizeof(err), "--tls.enabled", "--no-tls.enabled", "--web.listen-address=:1",
                       "--web.listen-address=:2", NULL),
                 0);
    CHECK(!s_bool);
    CHECK_STR_EQ(s_str, ":2");
    flags_free(table, NT);
    CHECK_INT_EQ(parse(c, err, sizeof(err), "--tls.enabled=true", NULL), 0);
    CHECK(s_bool);
    flags_free(table, NT);

    /* Collector switches. */
    CHECK_INT_EQ(parse(c, err, sizeof(err), "--no-collector.cpu", "--collector.wifi", NULL), 0);
    bool on;
    collectors_at(c, 0, &on);
    CHECK(!on);
    collectors_at(c, 1, &on);
    CHECK(on);
    flags_free(table, NT);
    CHECK_INT_EQ(parse(c, err, sizeof(err), "--collector.cpu=true", "--collector.wifi=false", NULL), 0);
    collectors_at(c, 0, &on);
    CHECK(on);
    collectors_at(c, 1, &on);
    CHECK(!on);
    flags_free(table, NT);

    /* node_exporter's --collector.disable-defaults: only the collectors given explicitly stay on, in any
     * order; the peer's collectors this exporter lacks: --no-collector.X accepted, --collector.X refused. */
    static const char *const foreign[] = {"hwmon", "systemd", NULL};
    collectors *d = collectors_new("t", cols, 2);
    collectors_set_foreign(d, foreign);
    CHECK_INT_EQ(parse(d, err, sizeof(err), "--collector.wifi", "--collector.disable-defaults",
                       "--no-collector.hwmon", NULL),
                 0);
    collectors_at(d, 0, &on);
    CHECK(!on);
    collectors_at(d, 1, &on);
    CHECK(on);
    flags_free(table, NT);
    collectors_free(d);
    d = collectors_new("t", cols, 2);
    collectors_set_foreign(d, foreign);
    CHECK_INT_EQ(
        parse(d, err, sizeof(err), "--collector.disable-defaults=false", "--no-collector.systemd", NULL), 0);
    collectors_at(d, 0, &on);
    CHECK(on); /* defaults kept */
    flags_free(table, NT);
    CHECK_INT_EQ(parse(d, err, sizeof(err), "--collector.systemd", NULL), -1);
    CHECK_CONTAINS(err, "collector \"systemd\" is not implemented here");
    flags_free(table, NT);
    CHECK_INT_EQ(parse(d, err, sizeof(err), "--no-collector.nosuch", NULL), -1);
    CHECK_CONTAINS(err, "unknown collector \"nosuch\"");
    flags_free(table, NT);
    collectors_free(d);

    /* Bad input: each is -1 with a reason naming the problem. */
    CHECK_INT_EQ(parse(c, err, sizeof(err), "--nope", NULL), -1);
    CHECK_STR_EQ(err, "unknown flag --nope");
    flags_free(table, NT);
    CHECK_INT_EQ(parse(c, err, sizeof(err), "--web.max-requests=0", NULL), -1);
    CHECK_CONTAINS(err, "want 1..100");
    flags_free(table, NT);
    CHECK_INT_EQ(parse(c, err, sizeof(err), "--web.max-requests=12x", NULL), -1);
    CHECK_CONTAINS(err, "--web.max-requests");
    flags_free(table, NT);
    CHECK_INT_EQ(parse(c, err, sizeof(err), "--web.max-requests=99999999999999999999", NULL), -1);
    flags_free(table, NT);
    CHECK_INT_EQ(parse(c, err, sizeof(err), "--scrape.timeout=10", NULL), -1);
    CHECK_CONTAINS(err, "duration");
    flags_free(table, NT);
    /* Sizes out of range or malformed: the bounds in units, or the forms wanted. */
    static const struct {
        const char *arg, *want;
    } bad_sizes[] = {
        {"--web.max-scrape-size=1023KiB",
         "invalid value \"1023KiB\" for flag --web.max-scrape-size: want 1MiB..4GiB"},
        {"--web.max-scrape-size=4294967297", "want 1MiB..4GiB"},
        {"--web.max-scrape-size=32mb",
         "invalid value \"32mb\" for flag --web.max-scrape-size: want a size like 4096, 512KiB, 32MiB"},
    };
    for (size_t i = 0; i < sizeof(bad_sizes) / sizeof(bad_sizes[0]); i++) {
        CHECK_INT_EQ(parse(c, err, sizeof(err), bad_sizes[i].arg, NULL), -1);
        CHECK_CONTAINS(err, bad_sizes[i].want);
        flags_free(table, NT);
    }
    CHECK_INT_EQ(parse(c, err, sizeof(err), "--ratio=abc", NULL), -1);
    flags_free(table, NT);
    CHECK_INT_EQ(parse(c, err, sizeof(err), "--tls.enabled=maybe", NULL), -1);
    flags_free(table, NT);
    CHECK_INT_EQ(parse(c, err, sizeof(err), "--no-tls.enabled=true", NULL), -1);
    flags_free(table, NT);
    CHECK_INT_EQ(parse(c, err, sizeof(err), "--no-ratio", NULL), -1);
    CHECK_CONTAINS(err, "not a boolean");
    flags_free(table, NT);
    CHECK_INT_EQ(parse(c, err, sizeof(err), "--web.listen-address", NULL), -1);
    CHECK_STR_EQ(err, "flag --web.listen-address needs a value");
    flags_free(table, NT);
    CHECK_INT_EQ(parse(c, err, sizeof(err), "stray", NULL), -1);
    CHECK_CONTAINS(err, "unexpected argument");
    flags_free(table, NT);
    CHECK_INT_EQ(parse(c, err, sizeof(err), "-x", NULL), -1);
    flags_free(table, NT);
    CHECK_INT_EQ(parse(c, err, sizeof(err), "--", NULL), -1);
    flags_free(table, NT);
    CHECK_INT_EQ(parse(c, err, sizeof(err), "--collector.gpu", NULL), -1);
    CHECK_CONTAINS(err, "unknown collector \"gpu\"");
    flags_free(table, NT);
    CHECK_INT_EQ(parse(c, err, sizeof(err), "--collector.cpu=yes", NULL), -1);
    flags_free(table, NT);
    CHECK_INT_EQ(parse(NULL, err, sizeof(err), "--collector.cpu", NULL), -1); /* no registry: unknown flag */
    flags_free(table, NT);

    /* --help and --version print to stdout and return 1. */
    fflush(stdout);
    int saved = dup(1);
    FILE *devnull = freopen("/dev/null", "w", stdout);
    CHECK(devnull != NULL);
    CHECK_INT_EQ(parse(c, err, sizeof(err), "--help", NULL), 1);
    flags_free(table, NT);
    CHECK_INT_EQ(parse(c, err, sizeof(err), "--version", NULL), 1);
    flags_free(table, NT);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);

    collectors_free(c);
    return TEST_RESULT();
}
