/* test_parse_proc.c -- the /proc and /etc parsers on fixtures, including malformed input. */
#include "check.h"
#include "parsers.h"

typedef struct seen {
    int n;
    char names[128][64];
    double values[128];
} seen;

static void on_meminfo(void *arg, const char *name, double value)
{
    seen *s = arg;
    if (s->n < 128) {
        snprintf(s->names[s->n], sizeof s->names[0], "%s", name);
        s->values[s->n++] = value;
    }
}

static double seen_get(const seen *s, const char *name)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->names[i], name) == 0)
            return s->values[i];
    return -1;
}

static void test_meminfo(void)
{
    char err[128];
    seen s = {0};
    char *t = fixture("meminfo");
    CHECK(meminfo_parse(t, on_meminfo, &s, err, sizeof err) == 0);
    CHECK(s.n == 54);
    CHECK_NUM(seen_get(&s, "MemTotal_bytes"), 24684092.0 * 1024);
    CHECK_NUM(seen_get(&s, "Active_anon_bytes"), 1552.0 * 1024);
    CHECK_NUM(seen_get(&s, "HugePages_Total"), 0);
    CHECK_NUM(seen_get(&s, "Hugepagesize_bytes"), 2048.0 * 1024);
    free(t);

    const char *bad[] = {"MemTotal 5 kB\n",   "MemTotal: x kB\n",       "MemTotal: 5 MB\n",
                         "MemTotal: -5 kB\n", "MemTotal: 5 kB extra\n", "MemTotal:\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        seen z = {0};
        t = dup_text(bad[i]);
        err[0] = '\0';
        CHECK(meminfo_parse(t, on_meminfo, &z, err, sizeof err) == -1);
        CHECK(strncmp(err, "line 1: ", 8) == 0);
        free(t);
    }
    seen e = {0};
    t = dup_text("");
    CHECK(meminfo_parse(t, on_meminfo, &e, err, sizeof err) == 0 && e.n == 0);
    free(t);
}

static diskstats_rec disks[16];
static char disk_names[16][32];
static int ndisks;
static void on_disk(void *arg, const diskstats_rec *r)
{
    (void)arg;
    if (ndisks < 16) {
        disks[ndisks] = *r;
        snprintf(disk_names[ndisks], sizeof disk_names[0], "%s", r->name);
        disks[ndisks].name = disk_names[ndisks];
        ndisks++;
    }
}

static void test_diskstats(void)
{
    char err[128];
    char *t = fixture("diskstats");
    ndisks = 0;
    CHECK(diskstats_parse(t, on_disk, NULL, err, sizeof err) == 0);
    CHECK(ndisks == 10);
    CHECK_STR(disks[8].name, "vda");
    CHECK(disks[8].major == 254 && disks[8].minor == 0 && disks[8].n == 17);
    CHECK_NUM(disks[8].v[0], 65278);   /* reads completed */
    CHECK_NUM(disks[8].v[2], 4257026); /* sectors read */
    CHECK_NUM(disks[8].v[16], 457);    /* flush time */
    free(t);

    /* Old kernels: 11 counters. */
    ndisks = 0;
    t = dup_text("   8       0 sda 1 2 3 4 5 6 7 8 9 10 11\n");
    CHECK(diskstats_parse(t, on_disk, NULL, err, sizeof err) == 0 && ndisks == 1 && disks[0].n == 11);
    free(t);

    const char *bad[] = {"8 0 sda 1 2 3\n", "x 0 sda 1 2 3 4 5 6 7 8 9 10 11\n",
                         "8 0 sda 1 2 3 4 5 6 7 8 9 10 z\n",
                         "8 0 sda 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18\n", "8\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        t = dup_text(bad[i]);
        CHECK(diskstats_parse(t, on_disk, NULL, err, sizeof err) == -1);
        free(t);
    }
}

static mount_rec mounts[32];
static int nmounts;
static void on_mount(void *arg, const mount_rec *r)
{
    (void)arg;
    if (nmounts < 32)
        mounts[nmounts++] = *r;
}

static void test_mounts(void)
{
    char err[128];
    char *t = fixture("mounts");
    nmounts = 0;
    CHECK(mounts_parse(t, on_mount, NULL, err, sizeof err) == 0);
    CHECK(nmounts == 20);
    CHECK_STR(mounts[5].device, "/dev/vda");
    CHECK_STR(mounts[5].mountpoint, "/");
    CHECK_STR(mounts[5].fstype, "ext4");
    CHECK(!mounts_has_ro(mounts[5].options));
    CHECK(mounts_has_ro(mounts[6].options));
    free(t);

    nmounts = 0;
    t = dup_text("srv:/x /mnt/my\\040disk\\011tab nfs4 rw,root 0 0\n");
    CHECK(mounts_parse(t, on_mount, NULL, err, sizeof err) == 0 && nmounts == 1);
    CHECK_STR(mounts[0].mountpoint, "/mnt/my disk\ttab");
    free(t);
    CHECK(mounts_has_ro("ro"));
    CHECK(mounts_has_ro("rw,ro,x"));
    CHECK(!mounts_has_ro("rw,errors=remount-ro,roX"));

    t = dup_text("/dev/sda1 /boot ext4\n");
    CHECK(mounts_parse(t, on_mount, NULL, err, sizeof err) == -1);
    CHECK_STR(err, "line 1: fewer than 4 fields");
    free(t);
}

static char kv[16][2][64];
static int nkv;
static void on_kv(void *arg, const char *k, const char *v)
{
    (void)arg;
    if (nkv < 16) {
        snprintf(kv[nkv][0], 64, "%s", k);
        snprintf(kv[nkv][1], 64, "%s", v);
        nkv++;
    }
}
static const char *kv_get(const char *k)
{
    for (int i = 0; i < nkv; i++)
        if (strcmp(kv[i][0], k) == 0)
            return kv[i][1];
    return NULL;
}

static void test_osrelease(void)
{
    char err[128];
    char *t = fixture("os-release");
    nkv = 0;
    CHECK(osrelease_parse(t, on_kv, NULL, err, sizeof err) == 0);
    CHECK(nkv == 9);
    CHECK_STR(kv_get("PRETTY_NAME"), "Debian GNU/Linux 12 (bookworm)");
    CHECK_STR(kv_get("VERSION_CODENAME"), "bookworm");
    CHECK_STR(kv_get("ID"), "debian");
    free(t);

    nkv = 0;
    t = dup_text("# comment\n\nNAME='Ubuntu'\nID_LIKE=\"rhel \\\"fedora\\\"\"\nexport X=a\\ b  # tail\nE=\n");
    CHECK(osrelease_parse(t, on_kv, NULL, err, sizeof err) == 0);
    CHECK(nkv == 4);
    CHECK_STR(kv_get("NAME"), "Ubuntu");
    CHECK_STR(kv_get("ID_LIKE"), "rhel \"fedora\"");
    CHECK_STR(kv_get("X"), "a b");
    CHECK_STR(kv_get("E"), "");
    free(t);

    const char *bad[] = {"NAME=\"open\n", "NAME='open\n", "no equals sign\n",
                         "=value\n",      "BAD-KEY=1\n",  "A=b c\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        t = dup_text(bad[i]);
        CHECK(osrelease_parse(t, on_kv, NULL, err, sizeof err) == -1);
        free(t);
    }
    CHECK_NUM(osrelease_version("12"), 12);
    CHECK_NUM(osrelease_version("22.04"), 22.04);
    CHECK_NUM(osrelease_version("22.04.3"), 22.04);
    CHECK_NUM(osrelease_version("rolling"), 0);
    CHECK_NUM(osrelease_version(""), 0);
}

static void test_small(void)
{
    char err[128];
    pressure_rec p;
    char *t = fixture("pressure_io");
    CHECK(pressure_parse(t, &p, err, sizeof err) == 0);
    CHECK(p.has_some && p.has_full);
    free(t);
    t = dup_text("some avg10=0.49 avg60=1.57 avg300=4.07 total=29671966\nfull avg10=0.00 total=12\n");
    CHECK(pressure_parse(t, &p, err, sizeof err) == 0);
    CHECK(p.some_total == 29671966 && p.full_total == 12);
    free(t);
    t = dup_text("some avg10=0.10 avg60=0.00 avg300=0.00 total=5\n");
    CHECK(pressure_parse(t, &p, err, sizeof err) == 0 && p.has_some && !p.has_full && p.some_total == 5);
    free(t);
    const char *bad[] = {"", "some avg10=1\n", "half total=1\n", "some total=x\n", "some total=1 junk\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        t = dup_text(bad[i]);
        CHECK(pressure_parse(t, &p, err, sizeof err) == -1);
        free(t);
    }

    uint64_t a = 0, m = 0;
    t = fixture("file-nr");
    CHECK(filenr_parse(t, &a, &m, err, sizeof err) == 0 && a == 532 && m == 2466177);
    free(t);
    const char *badnr[] = {"", "1 2\n", "1 2 x\n", "1 2 3 4\n"};
    for (size_t i = 0; i < sizeof badnr / sizeof badnr[0]; i++) {
        t = dup_text(badnr[i]);
        CHECK(filenr_parse(t, &a, &m, err, sizeof err) == -1);
        free(t);
    }

    uint64_t v = 0;
    t = dup_text("256\n");
    CHECK(single_u64_parse(t, &v, err, sizeof err) == 0 && v == 256);
    free(t);
    t = dup_text("25 6\n");
    CHECK(single_u64_parse(t, &v, err, sizeof err) == -1);
    free(t);
    t = dup_text("99999999999999999999999\n");
    CHECK(single_u64_parse(t, &v, err, sizeof err) == -1);
    free(t);
}

static unsigned cpus[64];
static int ncpus;
static void on_cpu(void *arg, unsigned cpu)
{
    (void)arg;
    if (ncpus < 64)
        cpus[ncpus++] = cpu;
}

static void test_cpulist(void)
{
    char err[128];
    char *t = dup_text("0-2,8,10-11\n");
    ncpus = 0;
    CHECK(cpulist_parse(t, on_cpu, NULL, err, sizeof err) == 0);
    CHECK(ncpus == 6 && cpus[0] == 0 && cpus[2] == 2 && cpus[3] == 8 && cpus[4] == 10 && cpus[5] == 11);
    free(t);
    t = dup_text("\n"); /* no isolated CPUs: an empty line */
    ncpus = 0;
    CHECK(cpulist_parse(t, on_cpu, NULL, err, sizeof err) == 0 && ncpus == 0);
    free(t);
    const char *bad[] = {"3-1", "a", "1,", "1-", "-1", "0-70000", "1;2"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        t = dup_text(bad[i]);
        CHECK(cpulist_parse(t, on_cpu, NULL, err, sizeof err) == -1);
        free(t);
    }
}

static void on_nv(void *arg, const char *name, double value)
{
    seen *s = arg;
    if (s->n < 128) {
        snprintf(s->names[s->n], sizeof s->names[0], "%s", name);
        s->values[s->n++] = value;
    }
}

static void test_namevalue(void)
{
    char err[128];
    seen s = {0};
    char *t = dup_text("nr_free_pages 5900\npgfault 11500446\n\noom_kill 0\n");
    CHECK(namevalue_parse(t, on_nv, &s, err, sizeof err) == 0 && s.n == 3);
    CHECK_NUM(seen_get(&s, "pgfault"), 11500446);
    free(t);
    const char *bad[] = {"pgfault\n", "pgfault x\n", "pgfault 1 2\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        seen z = {0};
        t = dup_text(bad[i]);
        CHECK(namevalue_parse(t, on_nv, &z, err, sizeof err) == -1);
        free(t);
    }
}

int main(void)
{
    test_namevalue();
    test_cpulist();
    test_meminfo();
    test_diskstats();
    test_mounts();
    test_osrelease();
    test_small();
    CHECK_DONE();
}
