/* collector_cpu.c -- node_cpu_seconds_total and node_cpu_guest_seconds_total, from libproc2's stat. */
#include <libproc2/stat.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "node.h"

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

static pthread_mutex_t cpu_mu = PTHREAD_MUTEX_INITIALIZER;
static struct stat_info *cpu_info;
static cpu_seen *seen;
static size_t nseen;

static cpu_seen *seen_for(int id)
{
    for (size_t i = 0; i < nseen; i++)
        if (seen[i].id == id)
            return &seen[i];
    cpu_seen *n = realloc(seen, (nseen + 1) * sizeof *seen);
    if (!n)
        return NULL;
    seen = n;
    seen[nseen].id = id;
    for (int m = 0; m < M_N; m++)
        seen[nseen].v[m] = -1;
    return &seen[nseen++];
}

static void keep_monotonic(cpu_seen *s, double *v)
{
    if (s->v[M_IDLE] >= 0 && v[M_IDLE] < s->v[M_IDLE] - 3.0) {
        memcpy(s->v, v, sizeof s->v);
        return;
    }
    for (int m = 0; m < M_N; m++) {
        if (v[m] < s->v[m])
            v[m] = s->v[m];
        s->v[m] = v[m];
    }
}

int collect_cpu(expo *w, collector_ctx *ctx)
{
    static enum stat_item items[] = {STAT_TIC_ID,     STAT_TIC_USER,   STAT_TIC_NICE,      STAT_TIC_SYSTEM,
                                     STAT_TIC_IDLE,   STAT_TIC_IOWAIT, STAT_TIC_IRQ,       STAT_TIC_SOFTIRQ,
                                     STAT_TIC_STOLEN, STAT_TIC_GUEST,  STAT_TIC_GUEST_NICE};
    int rc = 0;
    /* /proc/stat counts in USER_HZ ticks, which the kernel fixes at sysconf(_SC_CLK_TCK). */
    double hz = (double)sysconf(_SC_CLK_TCK);
    pthread_mutex_lock(&cpu_mu);
    if (!cpu_info && procps_stat_new(&cpu_info) < 0) {
        cpu_info = NULL;
        rc = node_fail(ctx, "libproc2", "procps_stat_new failed");
        goto out;
    }
    struct stat_reaped *r =
        procps_stat_reap(cpu_info, STAT_REAP_CPUS_ONLY, items, (int)(sizeof items / sizeof items[0]));
    if (!r || !r->cpus) {
        rc = node_fail(ctx, "libproc2", "procps_stat_reap failed");
        goto out;
    }
    expo_family *fcpu =
        expo_family_get(w, "node_cpu_seconds_total", "Seconds the CPUs spent in each mode.", EXPO_COUNTER);
    expo_family *fguest =
        node_cfg.cpu_guest
            ? expo_family_get(w, "node_cpu_guest_seconds_total",
                              "Seconds the CPUs spent in guests (VMs) for each mode.", EXPO_COUNTER)
            : NULL;
    for (int i = 0; i < r->cpus->total; i++) {
        struct stat_stack *st = r->cpus->stacks[i];
        int id = STAT_VAL(0, s_int, st, cpu_info);
        double v[M_N];
        for (int m = 0; m < M_N; m++)
            v[m] = (double)STAT_VAL(m + 1, ull_int, st, cpu_info) / hz;
        cpu_seen *s = seen_for(id);
        if (s)
            keep_monotonic(s, v);
        char cpu[16];
        snprintf(cpu, sizeof cpu, "%d", id);
        for (int m = 0; m < M_GUEST; m++)
            expo_sample(fcpu, v[m], "cpu", cpu, "mode", mode_names[m], NULL);
        if (fguest) {
            /* Guest time is also counted in user and nice; node_exporter shows it apart as well. */
            expo_sample(fguest, v[M_GUEST], "cpu", cpu, "mode", "user", NULL);
            expo_sample(fguest, v[M_GUEST_NICE], "cpu", cpu, "mode", "nice", NULL);
        }
    }
out:
    pthread_mutex_unlock(&cpu_mu);
    return rc;
}

void collector_cpu_free(void)
{
    pthread_mutex_lock(&cpu_mu);
    if (cpu_info)
        procps_stat_unref(&cpu_info);
    free(seen);
    seen = NULL;
    nseen = 0;
    pthread_mutex_unlock(&cpu_mu);
}
