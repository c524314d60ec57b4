/* collector_cpu.c -- node_cpu_seconds_total and node_cpu_guest_seconds_total from <procfs>/stat,
 * node_cpu_info and the flag/bug info from <procfs>/cpuinfo (--collector.cpu.info), and from sysfs the
 * thermal throttle counters (bare metal) and node_cpu_isolated, as node_exporter 1.5. */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "node.h"
#include "parsers.h"
#include "procfile.h"
#include "readfile.h"
#include "goregex.h"
#include "textutil.h"
#include "xalloc.h"

enum { M_USER, M_NICE, M_SYSTEM, M_IDLE, M_IOWAIT, M_IRQ, M_SOFTIRQ, M_STEAL, M_GUEST, M_GUEST_NICE, M_N };
static const char *const mode_names[M_N - 2] = {"user",   "nice", "system",  "idle",
                                                "iowait", "irq",  "softirq", "steal"};

/* Last values exported per CPU: node_exporter keeps counters from going
 * backwards (a kernel quirk on some CPUs), and resets a CPU whose idle time
 * jumped back by more than 3 s (a hotplug). */
typedef struct cpu_seen {
    int id;
    double v[M_N];
} cpu_seen;

static struct {
    bool guest, info;                   /* flag targets */
    char *flags_include, *bugs_include; /* flag targets */
} cpu;

/* One throttle counter file: per (package, core) for cores, per package for packages. */
typedef struct throttle {
    unsigned package, core;
    int is_core;
    char path[320];
    procfile file;
} throttle;

/* The collector's own (init / release). CPU topology does not change while we run: sysfs is scanned
 * on the first scrape, and later scrapes read only the counters (none at all on a VM). */
typedef struct cpu_state {
    const char *sysfs_root; /* --path.sysfs */
    bool guest, info;
    regex_t flags_re, bugs_re; /* compiled when the include pattern is not empty */
    bool flags_custom, bugs_custom;
    procfile stat_file, cpuinfo_file;
    cpu_seen *seen;
    size_t nseen;
    int sysfs_scanned;
    throttle *throttles;
    size_t nthrottles;
    unsigned *isolated;
    size_t nisolated;
} cpu_state;

static const flag cpu_flags[] = {
    {"collector.cpu.guest", FLAG_BOOL, &cpu.guest, "true", "Enables metric node_cpu_guest_seconds_total.", 0,
     0},
    {"collector.cpu.info", FLAG_BOOL, &cpu.info, "false", "Enables metric cpu_info.", 0, 0},
    {"collector.cpu.info.flags-include", FLAG_STRING, &cpu.flags_include, "",
     "Filter the `flags` field in cpuInfo with a value that must be a regular expression.", 0, 0},
    {"collector.cpu.info.bugs-include", FLAG_STRING, &cpu.bugs_include, "",
     "Filter the `bugs` field in cpuInfo with a value that must be a regular expression.", 0, 0},
};

static void release_cpu(void *self);

static int init_cpu(void *exporter_state, void **self, char *err, size_t errlen)
{
    cpu_state *st = xcalloc(1, sizeof *st);
    st->sysfs_root = ((const node_paths *)exporter_state)->sysfs;
    st->guest = cpu.guest;
    st->info = cpu.info;
    st->stat_file = st->cpuinfo_file = (procfile)PROCFILE_INIT;
    /* As node_exporter: an include pattern turns --collector.cpu.info on. */
    if (*cpu.flags_include) {
        if (node_regex_flag(&st->flags_re, "collector.cpu.info.flags-include", cpu.flags_include, err,
                            errlen) < 0) {
            release_cpu(st);
            return -1;
        }
        st->flags_custom = st->info = true;
    }
    if (*cpu.bugs_include) {
        if (node_regex_flag(&st->bugs_re, "collector.cpu.info.bugs-include", cpu.bugs_include, err, errlen) <
            0) {
            release_cpu(st);
            return -1;
        }
        st->bugs_custom = st->info = true;
    }
    *self = st;
    return 0;
}

static cpu_seen *seen_for(cpu_state *st, int id)
{
    for (size_t i = 0; i < st->nseen; i++)
        if (st->seen[i].id == id)
            return &st->seen[i];
    cpu_seen *n = realloc(st->seen, (st->nseen + 1) * sizeof *n);
    if (!n)
        return NULL;
    st->seen = n;
    n[st->nseen].id = id;
    for (int m = 0; m < M_N; m++)
        n[st->nseen].v[m] = -1;
    return &n[st->nseen++];
}

static void keep_monotonic(cpu_seen *s, double *v)
{
    if (s->v[M_IDLE] - v[M_IDLE] >= 3.0) {
        memcpy(s->v, v, sizeof s->v);
        return;
    }
    for (int m = 0; m < M_N; m++) {
        if (v[m] < s->v[m])
            v[m] = s->v[m];
        s->v[m] = v[m];
    }
}

static int read_u64_file(const char *path, uint64_t *out)
{
    char text[64];
    return readfile_buf(path, text, sizeof text, NULL) == 0 && text_u64(text_trim(text), out) == 0 ? 0 : -1;
}

static void add_throttle(cpu_state *st, unsigned package, unsigned core, int is_core, const char *path)
{
    for (size_t i = 0; i < st->nthrottles; i++)
        if (st->throttles[i].is_core == is_core && st->throttles[i].package == package &&
            (!is_core || st->throttles[i].core == core))
            return; /* read once per core and per package, like node_exporter */
    uint64_t probe;
    if (read_u64_file(path, &probe) < 0)
        return;
    throttle *n = realloc(st->throttles, (st->nthrottles + 1) * sizeof *n);
    if (!n)
        return;
    st->throttles = n;
    throttle *t = &n[st->nthrottles++];
    memset(t, 0, sizeof *t);
    t->package = package;
    t->core = core;
    t->is_core = is_core;
    snprintf(t->path, sizeof t->path, "%s", path);
    t->file.fd = -1;
}

static void on_isolated(void *arg, unsigned cpu)
{
    cpu_state *st = arg;
    unsigned *n = realloc(st->isolated, (st->nisolated + 1) * sizeof *n);
    if (n) {
        st->isolated = n;
        n[st->nisolated++] = cpu;
    }
}

static void scan_sysfs(cpu_state *st)
{
    char dir[4096], path[4400];
    st->sysfs_scanned = 1;
    if (node_path(dir, sizeof dir, st->sysfs_root, "devices/system/cpu") < 0)
        return;
    char text[4096], err[128];
    snprintf(path, sizeof path, "%s/isolated", dir);
    if (readfile_buf(path, text, sizeof text, NULL) == 0 &&
        cpulist_parse(text, on_isolated, st, err, sizeof err) < 0)
        log_warn("cannot parse isolated CPUs", "path", path, "err", err, NULL);
    /* In name order, as node_exporter's glob: the first thread of a core is the one read. */
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort);
    for (int i = 0; i < n; i++) {
        const struct dirent *e = names[i];
        if (strncmp(e->d_name, "cpu", 3) != 0 || !isdigit((unsigned char)e->d_name[3]))
            continue;
        uint64_t package, core;
        snprintf(path, sizeof path, "%s/%s/topology/physical_package_id", dir, e->d_name);
        if (read_u64_file(path, &package) < 0 || package > 0xffffffffu)
            continue;
        snprintf(path, sizeof path, "%s/%s/topology/core_id", dir, e->d_name);
        if (read_u64_file(path, &core) < 0 || core > 0xffffffffu)
            continue;
        snprintf(path, sizeof path, "%s/%s/thermal_throttle/core_throttle_count", dir, e->d_name);
        add_throttle(st, (unsigned)package, (unsigned)core, 1, path);
        snprintf(path, sizeof path, "%s/%s/thermal_throttle/package_throttle_count", dir, e->d_name);
        add_throttle(st, (unsigned)package, 0, 0, path);
    }
    for (int i = 0; i < n; i++)
        free(names[i]);
    if (n > 0)
        free(names);
}

static void collect_sysfs(cpu_state *st, expo *w)
{
    if (!st->sysfs_scanned)
        scan_sysfs(st);
    char a[16], b[16], err[128], *text;
    for (size_t i = 0; i < st->nthrottles; i++) {
        throttle *t = &st->throttles[i];
        uint64_t v;
        if (procfile_read(&t->file, t->path, 4096, &text, err, sizeof err) < 0)
            continue;
        int ok = text_u64(text_trim(text), &v) == 0;
        if (!ok)
            continue;
        snprintf(a, sizeof a, "%u", t->package);
        snprintf(b, sizeof b, "%u", t->core);
        if (t->is_core)
            expo_sample(expo_family_get(w, "node_cpu_core_throttles_total",
                                        "Number of times this CPU core has been throttled.", EXPO_COUNTER),
                        (double)v, "package", a, "core", b, NULL);
        else
            expo_sample(expo_family_get(w, "node_cpu_package_throttles_total",
                                        "Number of times this CPU package has been throttled.", EXPO_COUNTER),
                        (double)v, "package", a, NULL);
    }
    for (size_t i = 0; i < st->nisolated; i++) {
        snprintf(a, sizeof a, "%u", st->isolated[i]);
        expo_sample(expo_family_get(
                        w, "node_cpu_isolated",
                        "Whether each core is isolated, information from /sys/devices/system/cpu/isolated.",
                        EXPO_GAUGE),
                    1, "cpu", a, NULL);
    }
}

/* The CPU lines of one read of /proc/stat, indexed by CPU number as procfs 0.8 keeps them (a CPU
 * missing between two others, an offline one, is all zeros, as in node_exporter). */
typedef struct cpu_lines {
    double (*v)[M_N];
    size_t n, cap;
    int oom;
} cpu_lines;

static void on_cpu_line(void *arg, int64_t cpu, const double ticks[STAT_CPU_FIELDS])
{
    cpu_lines *l = arg;
    if (cpu < 0 || l->oom)
        return;
    size_t id = (size_t)cpu;
    if (id >= l->cap) {
        size_t ncap = l->cap ? l->cap : 8;
        while (ncap <= id)
            ncap *= 2;
        double(*n)[M_N] = realloc(l->v, ncap * sizeof *n);
        if (!n) {
            l->oom = 1;
            return;
        }
        l->v = n;
        l->cap = ncap;
    }
    for (; l->n <= id; l->n++)
        memset(l->v[l->n], 0, sizeof l->v[l->n]);
    /* /proc/stat counts in USER_HZ ticks, which procfs takes as 100 (the kernel fixes it on Linux). */
    for (int m = 0; m < M_N; m++)
        l->v[id][m] = ticks[m] / 100.0;
}

/* cpuinfo's flags or bugs of the first CPU, each matching the include pattern, as node_exporter. */
static void field_info(expo *w, const char *list, const regex_t *re, const char *name, const char *help,
                       const char *label)
{
    if (!list)
        return;
    char copy[8192];
    snprintf(copy, sizeof copy, "%s", list);
    char *f = copy, *tok;
    expo_family *fam = expo_family_get(w, name, help, EXPO_GAUGE);
    while ((tok = text_next_field(&f)))
        if (goregex_match(re, tok))
            expo_sample(fam, 1, label, tok, NULL);
}

typedef struct info_ctx {
    expo *w;
    const cpu_state *st;
    expo_family *fam;
    int first;
} info_ctx;

static void on_cpuinfo(void *arg, const cpuinfo_rec *r)
{
    info_ctx *c = arg;
    char processor[16];
    snprintf(processor, sizeof processor, "%u", r->processor);
#define S(x) ((x) ? (x) : "")
    expo_sample(c->fam, 1, "package", S(r->physical_id), "core", S(r->core_id), "cpu", processor, "vendor",
                S(r->vendor), "family", S(r->family), "model", S(r->model), "model_name", S(r->model_name),
                "microcode", S(r->microcode), "stepping", S(r->stepping), "cachesize", S(r->cache_size),
                NULL);
#undef S
    if (c->first) {
        c->first = 0;
        if (c->st->flags_custom)
            field_info(c->w, r->flags, &c->st->flags_re, "node_cpu_flag_info",
                       "The `flags` field of CPU information from /proc/cpuinfo taken from the first core.",
                       "flag");
        if (c->st->bugs_custom)
            field_info(c->w, r->bugs, &c->st->bugs_re, "node_cpu_bug_info",
                       "The `bugs` field of CPU information from /proc/cpuinfo taken from the first core.",
                       "bug");
    }
}

/* --collector.cpu.info: node_cpu_info per processor from /proc/cpuinfo. */
static int collect_info(cpu_state *st, expo *w, collector_ctx *ctx)
{
    char path[4096], err[256], *text;
    if (node_path(path, sizeof path, NODE_PATHS(ctx)->procfs, "cpuinfo") < 0)
        return node_fail(ctx, "cpuinfo", "path too long");
    if (procfile_read(&st->cpuinfo_file, path, 4 << 20, &text, err, sizeof err) < 0)
        return node_fail(ctx, "cpu", err);
    info_ctx c = {w, st,
                  expo_family_get(w, "node_cpu_info", "CPU information from /proc/cpuinfo.", EXPO_GAUGE), 1};
    int rc = cpuinfo_parse(text, on_cpuinfo, &c, err, sizeof err);
    return rc < 0 ? node_fail(ctx, path, err) : 0;
}

static int collect_cpu(expo *w, collector_ctx *ctx)
{
    cpu_state *st = ctx->self;
    if (st->info && collect_info(st, w, ctx) < 0)
        return -1;
    char path[4096], err[256], *text;
    if (node_path(path, sizeof path, NODE_PATHS(ctx)->procfs, "stat") < 0)
        return node_fail(ctx, "stat", "path too long");
    if (procfile_read(&st->stat_file, path, 4 << 20, &text, err, sizeof err) < 0)
        return node_fail(ctx, "cpu", err);
    cpu_lines lines = {0};
    stat_rec rec;
    int prc = stat_parse(text, &rec, on_cpu_line, &lines, err, sizeof err);
    if (prc < 0 || lines.oom || !lines.n) {
        free(lines.v);
        return node_fail(ctx, path, prc < 0 ? err : lines.oom ? "out of memory" : "no cpuN lines");
    }
    expo_family *fcpu =
        expo_family_get(w, "node_cpu_seconds_total", "Seconds the CPUs spent in each mode.", EXPO_COUNTER);
    expo_family *fguest =
        st->guest ? expo_family_get(w, "node_cpu_guest_seconds_total",
                                    "Seconds the CPUs spent in guests (VMs) for each mode.", EXPO_COUNTER)
                  : NULL;
    if (st->nseen != lines.n)
        st->nseen = 0; /* CPUs came or went: start over, as node_exporter */
    for (size_t i = 0; i < lines.n; i++) {
        double *v = lines.v[i];
        cpu_seen *s = seen_for(st, (int)i);
        if (s)
            keep_monotonic(s, v);
        char cpu[24];
        snprintf(cpu, sizeof cpu, "%zu", i);
        for (int m = 0; m < M_GUEST; m++)
            expo_sample(fcpu, v[m], "cpu", cpu, "mode", mode_names[m], NULL);
        if (fguest) {
            /* Guest time is also counted in user and nice; node_exporter shows it apart as well. */
            expo_sample(fguest, v[M_GUEST], "cpu", cpu, "mode", "user", NULL);
            expo_sample(fguest, v[M_GUEST_NICE], "cpu", cpu, "mode", "nice", NULL);
        }
    }
    free(lines.v);
    collect_sysfs(st, w);
    return 0;
}

static void release_cpu(void *self)
{
    cpu_state *st = self;
    if (!st)
        return;
    procfile_close(&st->stat_file);
    procfile_close(&st->cpuinfo_file);
    free(st->seen);
    for (size_t i = 0; i < st->nthrottles; i++)
        procfile_close(&st->throttles[i].file);
    free(st->throttles);
    free(st->isolated);
    if (st->flags_custom)
        regfree(&st->flags_re);
    if (st->bugs_custom)
        regfree(&st->bugs_re);
    free(st);
}

const collector node_collector_cpu = {.name = "cpu",
                                      .enabled_by_default = true,
                                      .help = "Exposes CPU statistics.",
                                      .collect = collect_cpu,
                                      .flags = cpu_flags,
                                      .nflags = 4,
                                      .init = init_cpu,
                                      .release = release_cpu};
