/* test_parse_stat.c -- /proc/stat, /proc/loadavg and /proc/cpuinfo as procfs 0.8 reads them. */
#include "check.h"
#include "parsers.h"

static int ncpu, total_seen;
static int64_t cpu_ids[8];
static double cpu_ticks[8][STAT_CPU_FIELDS];

static void on_cpu(void *arg, int64_t cpu, const double v[STAT_CPU_FIELDS])
{
    (void)arg;
    if (cpu < 0) {
        total_seen++;
        return;
    }
    if (ncpu < 8) {
        cpu_ids[ncpu] = cpu;
        memcpy(cpu_ticks[ncpu++], v, sizeof cpu_ticks[0]);
    }
}

static void test_stat(void)
{
    char err[128];
    stat_rec st;
    char *t = dup_text("cpu  30 1 20 400 5 0 2 0 0 0\n"
                       "cpu0 10 1 10 200 2 0 1 0 7 3\n"
                       "cpu3 20 0 10 200 3 0 1\n"
                       "intr 9876 0 5 6\n"
                       "ctxt 123456\n"
                       "btime 1700000000\n"
                       "processes 4321\n"
                       "procs_running 3\n"
                       "procs_blocked 1\n"
                       "softirq 55 1 2 3 4 5 6 7 8 9 10\n");
    CHECK(stat_parse(t, &st, on_cpu, NULL, err, sizeof err) == 0);
    CHECK(total_seen == 1 && ncpu == 2 && cpu_ids[0] == 0 && cpu_ids[1] == 3);
    CHECK_NUM(cpu_ticks[0][8], 7);
    CHECK_NUM(cpu_ticks[1][6], 1);
    CHECK_NUM(cpu_ticks[1][9], 0); /* missing trailing fields are 0 */
    CHECK(st.btime == 1700000000 && st.intr == 9876 && st.ctxt == 123456 && st.processes == 4321);
    CHECK(st.running == 3 && st.blocked == 1); /* the file's numbers, none added */
    CHECK(st.has_softirq && st.softirq_total == 55 && st.softirq[0] == 1 && st.softirq[9] == 10);
    free(t);

    const char *bad[] = {
        "",                        /* empty: truncated */
        "cpu0 1 2 3 4\nbtime x\n", /* not a number */
        "cpu0 1 2\nbtime 1\nintr 1\nctxt 1\nprocesses 1\nprocs_running 1\nprocs_blocked 1\n", /* 2 fields */
        "cpuX 1 2 3 4\nbtime 1\nintr 1\nctxt 1\nprocesses 1\nprocs_running 1\nprocs_blocked 1\n",
        "cpu0 1 2 3 4\nbtime 1\nintr 1\nctxt 1\nprocesses 1\nprocs_running 1\n", /* no procs_blocked */
        "cpu0 1 2 3 4\nbtime 1\nintr 1\nctxt 1\nprocesses 1\nprocs_running 1\nprocs_blocked 1\nsoftirq 1 2\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        t = dup_text(bad[i]);
        CHECK(stat_parse(t, &st, NULL, NULL, err, sizeof err) == -1);
        CHECK(strncmp(err, "line ", 5) == 0);
        free(t);
    }
    t = dup_text("cpu0 1 2 3 4\nbtime 1\nintr 1\nctxt 1\nprocesses 1\nprocs_running 0\nprocs_blocked 0\n");
    CHECK(stat_parse(t, &st, NULL, NULL, err, sizeof err) == 0 && !st.has_softirq && st.running == 0);
    free(t);
}

static void test_loadavg(void)
{
    char err[128];
    double l[3];
    char *t = dup_text("0.52 1.25 10.00 2/345 6789\n");
    CHECK(loadavg_parse(t, l, err, sizeof err) == 0);
    CHECK_NUM(l[0], 0.52);
    CHECK_NUM(l[1], 1.25);
    CHECK_NUM(l[2], 10);
    free(t);
    const char *bad[] = {"", "0.5 1\n", "0.5 x 1\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        t = dup_text(bad[i]);
        CHECK(loadavg_parse(t, l, err, sizeof err) == -1);
        free(t);
    }
}

static cpuinfo_rec infos[4];
static char info_flags[4][128];
static int ninfo;
static void on_info(void *arg, const cpuinfo_rec *r)
{
    (void)arg;
    if (ninfo < 4) {
        infos[ninfo] = *r;
        snprintf(info_flags[ninfo], sizeof info_flags[0], "%s", r->flags ? r->flags : "(none)");
        ninfo++;
    }
}

static void test_cpuinfo(void)
{
    char err[128];
    char *t = dup_text("\n"
                       "processor\t: 0\n"
                       "vendor_id\t: GenuineFake\n"
                       "cpu family\t: 6\n"
                       "model\t\t: 85\n"
                       "model name\t: Fake CPU @ 2.00GHz \n"
                       "stepping\t: 7\n"
                       "microcode\t: 0x5003\n"
                       "cpu MHz\t\t: 1999.999\n"
                       "cache size\t: 512 KB\n"
                       "physical id\t: 1\n"
                       "core id\t\t: 4\n"
                       "flags\t\t: fpu vme  sse2\n"
                       "bugs\t\t: spectre_v1\n"
                       "power management:\n"
                       "\n"
                       "processor\t: 0x1\n"
                       "vendor_id\t: GenuineFake\n");
    CHECK(cpuinfo_parse(t, on_info, NULL, err, sizeof err) == 0);
    CHECK(ninfo == 2);
    CHECK(infos[0].processor == 0 && infos[1].processor == 1);
    CHECK_STR(infos[0].model_name, "Fake CPU @ 2.00GHz "); /* the value keeps its blanks, as procfs */
    CHECK_STR(infos[0].physical_id, "1");
    CHECK_STR(info_flags[0], "fpu vme  sse2");
    CHECK_STR(info_flags[1], "(none)");
    CHECK(infos[1].core_id == NULL);
    free(t);
    const char *bad[] = {"", "vendor_id\t: x\nprocessor\t: 0\n", "processor\t: x\n",
                         "processor\t: 0\ncpu MHz\t: fast\n", "processor\t: 0\nsiblings\t: -1\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        t = dup_text(bad[i]);
        CHECK(cpuinfo_parse(t, on_info, NULL, err, sizeof err) == -1);
        free(t);
    }
}

int main(void)
{
    test_stat();
    test_loadavg();
    test_cpuinfo();
    CHECK_DONE();
}
