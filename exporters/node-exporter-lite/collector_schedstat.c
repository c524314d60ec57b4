/* collector_schedstat.c -- node_schedstat_*: per-CPU run and wait time from /proc/schedstat. */
#include <errno.h>

#include "node.h"
#include "parsers.h"
#include "procfile.h"

typedef struct sched_scrape {
    expo_family *running, *waiting, *slices;
    unsigned cpus;
} sched_scrape;

static void on_cpu(void *arg, const char *cpu, uint64_t running_ns, uint64_t waiting_ns, uint64_t timeslices)
{
    sched_scrape *s = arg;
    s->cpus++;
    expo_sample(s->running, (double)running_ns / 1e9, "cpu", cpu, NULL);
    expo_sample(s->waiting, (double)waiting_ns / 1e9, "cpu", cpu, NULL);
    expo_sample(s->slices, (double)timeslices, "cpu", cpu, NULL);
}

static int collect_schedstat(expo *w, collector_ctx *ctx)
{
    char path[4096], err[256], *text;
    if (node_path(path, sizeof path, NODE_PATHS(ctx)->procfs, "schedstat") < 0)
        return node_fail(ctx, "schedstat", "path too long");
    /* A kernel without CONFIG_SCHEDSTATS has no file: "no data" in node_exporter (success 0). */
    if (procfile_read(&NODE_FILES(ctx)[0], path, 4 << 20, &text, err, sizeof err) < 0)
        return node_fail(ctx, "schedstat", errno == ENOENT ? "schedstat file does not exist (no data)" : err);
    sched_scrape s = {
        expo_family_get(w, "node_schedstat_running_seconds_total",
                        "Number of seconds CPU spent running a process.", EXPO_COUNTER),
        expo_family_get(w, "node_schedstat_waiting_seconds_total",
                        "Number of seconds spent by processing waiting for this CPU.", EXPO_COUNTER),
        expo_family_get(w, "node_schedstat_timeslices_total", "Number of timeslices executed by CPU.",
                        EXPO_COUNTER),
        0,
    };
    schedstat_parse(text, on_cpu, &s);
    /* A kernel's file always has its CPUs' lines; without one it is truncated or not schedstat at all
     * (node_exporter would report success with no data). */
    return s.cpus ? 0 : node_fail(ctx, path, "no cpuN line");
}

const collector node_collector_schedstat = {.name = "schedstat",
                                            .enabled_by_default = true,
                                            .help = "Exposes task scheduler statistics from /proc/schedstat.",
                                            .collect = collect_schedstat,
                                            NODE_FILES_STATE};
