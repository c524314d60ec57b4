/* test_parse_garbage.c -- every parser on truncated and mutated kernel text: an answer (0 or -1), never a
 * crash (run under ASan+UBSan, which turn any overrun into a failure). */
#include "check.h"
#include "parsers.h"

static void kv_sink(void *arg, const char *k, const char *v)
{
    (void)arg;
    CHECK(k && v);
}
static void num_sink(void *arg, const char *name, double v)
{
    (void)arg;
    (void)v;
    CHECK(name && *name);
}
static void disk_sink(void *arg, const diskstats_rec *r)
{
    (void)arg;
    CHECK(r->n >= 11 && r->n <= DISKSTATS_MAX);
}
static void mount_sink(void *arg, const mount_rec *r)
{
    (void)arg;
    CHECK(r->device && r->mountpoint && r->fstype && r->options);
}
static void dev_sink(void *arg, const netdev_rec *r)
{
    (void)arg;
    CHECK(r->name && *r->name);
}
static void sock_sink(void *arg, const char *p, const char *k, uint64_t v)
{
    (void)arg;
    (void)v;
    CHECK(p && k);
}
static void stat_sink(void *arg, const char *p, const char *n, double v)
{
    (void)arg;
    (void)v;
    CHECK(p && n);
}
static void cpu_sink(void *arg, unsigned cpu)
{
    (void)arg;
    CHECK(cpu < 65536);
}

/* Runs the parser that fits fixture `name` on text (a writable copy); returns its result. */
static int run(const char *name, char *text)
{
    char err[128];
    pressure_rec p;
    uint64_t a, b;
    if (strcmp(name, "meminfo") == 0)
        return meminfo_parse(text, num_sink, NULL, err, sizeof err);
    if (strcmp(name, "diskstats") == 0)
        return diskstats_parse(text, disk_sink, NULL, err, sizeof err);
    if (strcmp(name, "mounts") == 0)
        return mounts_parse(text, mount_sink, NULL, err, sizeof err);
    if (strcmp(name, "netdev") == 0)
        return netdev_parse(text, dev_sink, NULL, err, sizeof err);
    if (strcmp(name, "os-release") == 0)
        return osrelease_parse(text, kv_sink, NULL, err, sizeof err);
    if (strncmp(name, "pressure", 8) == 0)
        return pressure_parse(text, &p, err, sizeof err);
    if (strcmp(name, "file-nr") == 0)
        return filenr_parse(text, &a, &b, err, sizeof err);
    if (strncmp(name, "sockstat", 8) == 0)
        return sockstat_parse(text, sock_sink, NULL, err, sizeof err);
    if (strcmp(name, "netstat") == 0 || strcmp(name, "snmp") == 0)
        return netstat_parse(text, stat_sink, NULL, err, sizeof err);
    if (strcmp(name, "snmp6") == 0)
        return snmp6_parse(text, stat_sink, NULL, err, sizeof err);
    if (strcmp(name, "cpulist") == 0)
        return cpulist_parse(text, cpu_sink, NULL, err, sizeof err);
    if (strcmp(name, "vmstat") == 0)
        return namevalue_parse(text, num_sink, NULL, err, sizeof err);
    return udev_parse(text, kv_sink, NULL, err, sizeof err);
}

static unsigned long long rng = 0x9E3779B97F4A7C15ULL;
static unsigned next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)rng;
}

int main(void)
{
    static const char *const fixtures[] = {"meminfo",     "diskstats",    "mounts",  "netdev",   "os-release",
                                           "pressure_io", "pressure_cpu", "file-nr", "sockstat", "sockstat6",
                                           "netstat",     "snmp",         "snmp6"};
    static const char bytes[] = " \t\n:=\"'\\-,.0123456789aZ()\xff";
    int failures_seen = 0;
    for (size_t f = 0; f < sizeof fixtures / sizeof fixtures[0]; f++) {
        char *orig = fixture(fixtures[f]);
        size_t len = strlen(orig);
        char *work = malloc(len + 1);
        if (!work)
            abort();
        /* Every prefix: files cut short mid-line or mid-number. */
        for (size_t cut = 0; cut <= len; cut += 1 + len / 400) {
            memcpy(work, orig, cut);
            work[cut] = '\0';
            int rc = run(fixtures[f], work);
            CHECK(rc == 0 || rc == -1);
        }
        /* Random mutations: a few bytes replaced by separators, digits, quotes, junk. */
        for (int round = 0; round < 300; round++) {
            memcpy(work, orig, len + 1);
            for (int k = 0; k < 1 + round % 8; k++)
                if (len)
                    work[next_rand() % len] = bytes[next_rand() % (sizeof bytes - 1)];
            int rc = run(fixtures[f], work);
            CHECK(rc == 0 || rc == -1);
            failures_seen += rc == -1;
        }
        free(work);
        free(orig);
    }
    /* Parsers without a fixture file: short generated inputs. */
    for (int round = 0; round < 2000; round++) {
        char buf[64];
        size_t n = next_rand() % (sizeof buf - 1);
        for (size_t i = 0; i < n; i++)
            buf[i] = bytes[next_rand() % (sizeof bytes - 1)];
        buf[n] = '\0';
        char copy[64];
        memcpy(copy, buf, n + 1);
        int rc = run("cpulist", copy);
        CHECK(rc == 0 || rc == -1);
        memcpy(copy, buf, n + 1);
        rc = run("vmstat", copy);
        CHECK(rc == 0 || rc == -1);
        memcpy(copy, buf, n + 1);
        rc = run("udev", copy);
        CHECK(rc == 0 || rc == -1);
    }
    CHECK(failures_seen > 100); /* the mutations did reach the error paths */
    CHECK_DONE();
}
