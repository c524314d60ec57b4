/* collector_stat.c -- boot time, context switches, interrupts, forks and process counts, from libproc2's
 * stat. */
#include <libproc2/stat.h>
#include <pthread.h>

#include "node.h"

static pthread_mutex_t stat_mu = PTHREAD_MUTEX_INITIALIZER;
static struct stat_info *stat_info_h;

int collect_stat(expo *w, collector_ctx *ctx)
{
    static enum stat_item items[] = {STAT_SYS_TIME_OF_BOOT, STAT_SYS_CTX_SWITCHES, STAT_SYS_INTERRUPTS,
                                     STAT_SYS_PROC_CREATED, STAT_SYS_PROC_BLOCKED, STAT_SYS_PROC_RUNNING};
    int rc = 0;
    pthread_mutex_lock(&stat_mu);
    if (!stat_info_h && procps_stat_new(&stat_info_h) < 0) {
        stat_info_h = NULL;
        rc = node_fail(ctx, "libproc2", "procps_stat_new failed");
        goto out;
    }
    /* select re-reads /proc/stat; procps_stat_get would serve values up to a second old. */
    struct stat_stack *s = procps_stat_select(stat_info_h, items, (int)(sizeof items / sizeof items[0]));
    if (!s) {
        rc = node_fail(ctx, "libproc2", "procps_stat_select failed");
        goto out;
    }
    expo_sample(expo_family_get(w, "node_boot_time_seconds", "Node boot time, in unixtime.", EXPO_GAUGE),
                (double)STAT_VAL(0, ul_int, s, stat_info_h), NULL);
    expo_sample(
        expo_family_get(w, "node_context_switches_total", "Total number of context switches.", EXPO_COUNTER),
        (double)STAT_VAL(1, ul_int, s, stat_info_h), NULL);
    expo_sample(expo_family_get(w, "node_intr_total", "Total number of interrupts serviced.", EXPO_COUNTER),
                (double)STAT_VAL(2, ul_int, s, stat_info_h), NULL);
    expo_sample(expo_family_get(w, "node_forks_total", "Total number of forks.", EXPO_COUNTER),
                (double)STAT_VAL(3, ul_int, s, stat_info_h), NULL);
    expo_sample(expo_family_get(w, "node_procs_blocked",
                                "Number of processes blocked waiting for I/O to complete.", EXPO_GAUGE),
                (double)STAT_VAL(4, ul_int, s, stat_info_h), NULL);
    /* libproc2 subtracts the reading process from procs_running ("exclude
     * itself", stat.c); node_exporter exports the kernel's count, which always
     * includes the reader, so add it back: exact, since the kernel never says 0 to a running reader. */
    expo_sample(
        expo_family_get(w, "node_procs_running", "Number of processes in runnable state.", EXPO_GAUGE),
        (double)STAT_VAL(5, ul_int, s, stat_info_h) + 1, NULL);
out:
    pthread_mutex_unlock(&stat_mu);
    return rc;
}

void collector_stat_free(void)
{
    pthread_mutex_lock(&stat_mu);
    if (stat_info_h)
        procps_stat_unref(&stat_info_h);
    pthread_mutex_unlock(&stat_mu);
}
