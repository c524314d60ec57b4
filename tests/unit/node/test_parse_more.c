/* test_parse_more.c -- softnet_stat, nf_conntrack stat, schedstat, ARP, sysfs numbers and adjtimex values. */
#include <sys/timex.h>

#include "check.h"
#include "parsers.h"

typedef struct rows {
    int n;
    unsigned index[8];
    uint64_t v[8][3];
    char name[8][32];
} rows;

static void on_softnet(void *arg, unsigned index, uint64_t processed, uint64_t dropped, uint64_t squeezed)
{
    rows *r = arg;
    if (r->n < 8) {
        r->index[r->n] = index;
        r->v[r->n][0] = processed, r->v[r->n][1] = dropped, r->v[r->n][2] = squeezed;
        r->n++;
    }
}

static void test_softnet(void)
{
    char err[128];
    rows r = {0};
    char *t = fixture("softnet_stat");
    CHECK(softnet_parse(t, on_softnet, &r, err, sizeof err) == 0);
    CHECK(r.n == 2);
    CHECK(r.index[0] == 0 && r.index[1] == 1);
    CHECK(r.v[0][0] == 0x00e99e03 && r.v[0][1] == 0 && r.v[0][2] == 1);
    CHECK(r.v[1][0] == 0xffffffffu && r.v[1][1] == 42 && r.v[1][2] == 11);
    free(t);
    const char *bad[] = {"1 2 3 4 5 6 7 8\n", "x 0 0 0 0 0 0 0 0\n", "100000000 0 0 0 0 0 0 0 0\n",
                         "0x1 0 0 0 0 0 0 0 0\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rows z = {0};
        t = dup_text(bad[i]);
        CHECK(softnet_parse(t, on_softnet, &z, err, sizeof err) == -1);
        CHECK(strncmp(err, "line 1: ", 8) == 0);
        CHECK(z.n == 0);
        free(t);
    }
}

static void test_conntrack(void)
{
    char err[128];
    conntrack_stat st;
    char *t = fixture("nf_conntrack_busy");
    CHECK(conntrack_stat_parse(t, &st, err, sizeof err) == 0);
    CHECK(st.cpus == 2);
    /* found invalid ignore insert insert_failed drop early_drop search_restart, summed over CPUs */
    const uint64_t want[CONNTRACK_STATS] = {20, 6, 8, 10, 12, 14, 16, 20};
    for (int i = 0; i < CONNTRACK_STATS; i++)
        CHECK(st.v[i] == want[i]);
    CHECK_STR(conntrack_stat_names[7], "search_restart");
    free(t);
    t = fixture("nf_conntrack");
    CHECK(conntrack_stat_parse(t, &st, err, sizeof err) == 0 && st.cpus == 2 && st.v[0] == 0);
    free(t);
    t = dup_text("header\n");
    CHECK(conntrack_stat_parse(t, &st, err, sizeof err) == 0 && st.cpus == 0);
    free(t);
    const char *bad[] = {"h\n0 0 0\n", "h\n0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
                         "h\n0 0 zz 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        t = dup_text(bad[i]);
        CHECK(conntrack_stat_parse(t, &st, err, sizeof err) == -1);
        CHECK(strncmp(err, "line 2: ", 8) == 0);
        free(t);
    }
}

static void on_sched(void *arg, const char *cpu, uint64_t running, uint64_t waiting, uint64_t slices)
{
    rows *r = arg;
    if (r->n < 8) {
        snprintf(r->name[r->n], sizeof r->name[0], "%s", cpu);
        r->v[r->n][0] = running, r->v[r->n][1] = waiting, r->v[r->n][2] = slices;
        r->n++;
    }
}

static void test_schedstat(void)
{
    rows r = {0};
    char *t = fixture("schedstat");
    schedstat_parse(t, on_sched, &r);
    CHECK(r.n == 2);
    CHECK_STR(r.name[0], "0");
    CHECK(r.v[0][0] == 2045936778163039ULL && r.v[0][1] == 343796328384ULL && r.v[0][2] == 6799258016ULL);
    CHECK_STR(r.name[1], "1");
    CHECK(r.v[1][2] == 7074998426ULL);
    free(t);
    /* Lines procfs's regexp does not match are skipped, not errors. */
    rows z = {0};
    t = dup_text("cpu0 1 2 3\ncpux 1 2 3 4 5 6 7 8 9\ncpu3  1 2 3 4 5 6 7 8 9\n"
                 "cpu2 1 2 3 4 5 6 7 8 99999999999999999999\ncpu7 1 2 3 4 5 6 7 8 9 10 11\n");
    schedstat_parse(t, on_sched, &z);
    CHECK(z.n == 1);
    CHECK_STR(z.name[0], "7");
    CHECK(z.v[0][0] == 7 && z.v[0][1] == 8 && z.v[0][2] == 9);
    free(t);
}

static void on_arp(void *arg, const char *device)
{
    rows *r = arg;
    if (r->n < 8)
        snprintf(r->name[r->n++], sizeof r->name[0], "%s", device);
}

static void test_arp(void)
{
    char err[128];
    rows r = {0};
    char *t = fixture("arp");
    CHECK(arp_parse(t, on_arp, &r, err, sizeof err) == 0);
    CHECK(r.n == 3);
    CHECK_STR(r.name[0], "eth0");
    CHECK_STR(r.name[2], "wlan0");
    free(t);
    rows z = {0};
    t = dup_text("IP address HW type Flags HW address Mask Device\n1.2.3.4 0x1 0x2 aa *\n");
    CHECK(arp_parse(t, on_arp, &z, err, sizeof err) == -1);
    CHECK(strncmp(err, "line 2: ", 8) == 0);
    free(t);
}

static void test_sysattr(void)
{
    int64_t v = 7;
    CHECK(sysattr_int64("1500", &v) == 0 && v == 1500);
    CHECK(sysattr_int64("0x1003", &v) == 0 && v == 4099);
    CHECK(sysattr_int64("-1", &v) == 0 && v == -1);
    CHECK(sysattr_int64("010", &v) == 0 && v == 8); /* base 0: octal, as Go's ParseInt(s, 0, 64) */
    v = 7;
    CHECK(sysattr_int64("", &v) == -1 && v == 7);
    CHECK(sysattr_int64("up", &v) == -1);
    CHECK(sysattr_int64("12 ", &v) == -1);
    CHECK(sysattr_int64(" 12", &v) == -1);
    CHECK(sysattr_int64("99999999999999999999", &v) == -1);
}

static void test_timex(void)
{
    struct timex tx;
    memset(&tx, 0, sizeof tx);
    tx.offset = -250;
    tx.freq = 65536 * 10; /* +10 ppm */
    tx.maxerror = 16000;
    tx.esterror = 500;
    tx.status = STA_PLL;
    tx.constant = 7;
    tx.tick = 10000;
    tx.ppsfreq = 65536;
    tx.jitter = 3;
    tx.shift = 4;
    tx.stabil = 65536 * 2;
    tx.jitcnt = 1, tx.calcnt = 2, tx.errcnt = 3, tx.stbcnt = 4;
    tx.tai = 37;
    double v[TIMEX_VALUES];
    timex_values(&tx, TIME_OK, v);
    CHECK_NUM(v[0], 1);
    CHECK_NUM(v[1], -250e-6); /* microseconds without STA_NANO */
    CHECK_NUM(v[2], 1.00001);
    CHECK_NUM(v[3], 0.016);
    CHECK_NUM(v[4], 0.0005);
    CHECK_NUM(v[5], STA_PLL);
    CHECK_NUM(v[6], 7);
    CHECK_NUM(v[7], 0.01);
    CHECK_NUM(v[8], 1e-6);
    CHECK_NUM(v[9], 3e-6);
    CHECK_NUM(v[10], 4);
    CHECK_NUM(v[11], 2e-6);
    CHECK_NUM(v[12] + v[13] + v[14] + v[15], 10);
    CHECK_NUM(v[16], 37);
    tx.status = STA_NANO;
    timex_values(&tx, TIME_ERROR, v);
    CHECK_NUM(v[0], 0);
    CHECK_NUM(v[1], -250e-9);
    CHECK_NUM(v[9], 3e-9);
    CHECK_STR(timex_names[2], "frequency_adjustment_ratio");
}

int main(void)
{
    test_softnet();
    test_conntrack();
    test_schedstat();
    test_arp();
    test_sysattr();
    test_timex();
    CHECK_DONE();
}
