/* fuzz_flags.c -- libFuzzer target: the command line. The input is split at NUL bytes into argv and parsed
 * against a table with every kind of flag (string, int, duration, bool, list, double) and a collector
 * registry with foreign names; the number parsers of lib/parse.c get each argument too. A parse either
 * succeeds or fails with a reason; nothing leaks (ASan) and nothing is printed but --help/--version. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "flags.h"
#include "parse.h"

static int collect_none(expo *w, collector_ctx *ctx)
{
    (void)w;
    (void)ctx;
    return 0;
}

static long cpu_x;
static const flag cpu_flags[] = {{"collector.cpu.x", FLAG_INT, &cpu_x, "1", "", 0, 9}};
static const collector cpu = {.name = "cpu",
                              .enabled_by_default = true,
                              .help = "cpu",
                              .collect = collect_none,
                              .flags = cpu_flags,
                              .nflags = 1};
static const collector textfile = {.name = "textfile", .help = "textfile", .collect = collect_none};
static const collector *const table[] = {&cpu, &textfile};
static const char *const foreign[] = {"hwmon", "systemd", NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int quiet;
    if (!quiet) {
        quiet = 1;
        if (!freopen("/dev/null", "w", stdout)) /* --help and --version print */
            return 0;
    }
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *argv[64];
    int argc = 0;
    argv[argc++] = (char *)"fuzz";
    for (char *p = buf; p <= buf + size && argc < 63; p += strlen(p) + 1)
        argv[argc++] = p;
    argv[argc] = NULL;

    char *s = NULL;
    long n = 0;
    double d = 0, x = 0;
    size_t z = 0;
    bool b = false;
    strlist l = {0};
    const flag flags[] = {
        {"web.listen-address", FLAG_STRING, &s, ":9100", "", 0, 0},
        {"web.max-requests", FLAG_INT, &n, "40", "", 1, 100000},
        {"scrape.timeout", FLAG_DURATION, &d, "10s", "", 0, 0},
        {"tls.enabled", FLAG_BOOL, &b, "false", "", 0, 0},
        {"kafka.server", FLAG_LIST, &l, "a:1", "", 0, 0},
        {"ratio", FLAG_DOUBLE, &x, "0.5", "", 0, 0},
        {"web.max-scrape-size", FLAG_SIZE, &z, "32MiB", "", 1L << 20, 4L << 30},
    };
    collectors *c = collectors_new("fuzz", table, sizeof table / sizeof table[0]);
    collectors_set_foreign(c, foreign);
    char err[1024] = "";
    int rc =
        flags_parse(flags, sizeof flags / sizeof flags[0], c, "fuzz", "fuzz 1", argc, argv, err, sizeof err);
    if (rc < 0 && !err[0])
        __builtin_trap(); /* every failure says why */
    if (rc == 0 && (n < 1 || n > 100000 || z < (1u << 20) || z > (4UL << 30)))
        __builtin_trap(); /* the bounds hold */
    for (int i = 1; i < argc; i++) {
        int64_t i64;
        uint64_t u64;
        double v;
        char q[96];
        (void)!parse_int64(argv[i], &i64);
        (void)!parse_uint64(argv[i], &u64);
        (void)!parse_double(argv[i], &v);
        (void)!parse_duration(argv[i], &v);
        (void)!parse_size(argv[i], &u64);
        flag_quote(argv[i], q, sizeof q);
    }
    flags_free(flags, sizeof flags / sizeof flags[0]);
    collectors_free(c);
    free(buf);
    return 0;
}
