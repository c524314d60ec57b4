/* collector_stat.c -- boot time, context switches, interrupts, forks, process counts and (with
 * --collector.stat.softirq) softirqs per vector, from <procfs>/stat. */
#include "node.h"
#include "parsers.h"
#include "procfile.h"

static bool softirq; /* --collector.stat.softirq */

static const flag stat_flags[] = {
    {"collector.stat.softirq", FLAG_BOOL, &softirq, "false", "Export softirq calls per vector.", 0, 0},
};

static int collect_stat(expo *w, collector_ctx *ctx)
{
    char path[4096], err[256], *text;
    if (node_path(path, sizeof path, NODE_PATHS(ctx)->procfs, "stat") < 0)
        return node_fail(ctx, "stat", "path too long");
    if (procfile_read(&NODE_FILES(ctx)[0], path, 4 << 20, &text, err, sizeof err) < 0)
        return node_fail(ctx, "stat", err);
    stat_rec st;
    int rc = stat_parse(text, &st, NULL, NULL, err, sizeof err);
    if (rc < 0)
        return node_fail(ctx, path, err);
    if (softirq && !st.has_softirq)
        return node_fail(ctx, path, "no softirq line");
    expo_sample(expo_family_get(w, "node_intr_total", "Total number of interrupts serviced.", EXPO_COUNTER),
                (double)st.intr, NULL);
    expo_sample(
        expo_family_get(w, "node_context_switches_total", "Total number of context switches.", EXPO_COUNTER),
        (double)st.ctxt, NULL);
    expo_sample(expo_family_get(w, "node_forks_total", "Total number of forks.", EXPO_COUNTER),
                (double)st.processes, NULL);
    expo_sample(expo_family_get(w, "node_boot_time_seconds", "Node boot time, in unixtime.", EXPO_GAUGE),
                (double)st.btime, NULL);
    /* The kernel's numbers as they are (procs_running counts the reader itself, as in node_exporter). */
    expo_sample(
        expo_family_get(w, "node_procs_running", "Number of processes in runnable state.", EXPO_GAUGE),
        (double)st.running, NULL);
    expo_sample(expo_family_get(w, "node_procs_blocked",
                                "Number of processes blocked waiting for I/O to complete.", EXPO_GAUGE),
                (double)st.blocked, NULL);
    if (softirq) {
        expo_family *f = expo_family_get(w, "node_softirqs_total", "Number of softirq calls.", EXPO_COUNTER);
        for (int i = 0; i < STAT_SOFTIRQS; i++)
            expo_sample(f, (double)st.softirq[i], "vector", softirq_names[i], NULL);
    }
    return 0;
}

const collector node_collector_stat = {
    .name = "stat",
    .enabled_by_default = true,
    .help = "Exposes various statistics from /proc/stat (boot time, forks, interrupts...).",
    .collect = collect_stat,
    .flags = stat_flags,
    .nflags = 1,
    NODE_FILES_STATE};
