/* collector_vmstat.c -- node_vmstat_* (node_exporter's default fields), from libproc2's vmstat. */
#include <libproc2/vmstat.h>
#include <pthread.h>

#include "node.h"

/* node_exporter's default --collector.vmstat.fields, ^(oom_kill|pgpg|pswp|pg.*fault).*,
 * matches exactly these on Linux; libproc2 names fields by enum, so the set is fixed here. */
static const struct {
    enum vmstat_item item;
    const char *name, *help;
} fields[] = {
    {VMSTAT_OOM_KILL, "node_vmstat_oom_kill", "/proc/vmstat information field oom_kill."},
    {VMSTAT_PGFAULT, "node_vmstat_pgfault", "/proc/vmstat information field pgfault."},
    {VMSTAT_PGMAJFAULT, "node_vmstat_pgmajfault", "/proc/vmstat information field pgmajfault."},
    {VMSTAT_PGPGIN, "node_vmstat_pgpgin", "/proc/vmstat information field pgpgin."},
    {VMSTAT_PGPGOUT, "node_vmstat_pgpgout", "/proc/vmstat information field pgpgout."},
    {VMSTAT_PSWPIN, "node_vmstat_pswpin", "/proc/vmstat information field pswpin."},
    {VMSTAT_PSWPOUT, "node_vmstat_pswpout", "/proc/vmstat information field pswpout."},
};
enum { NFIELDS = sizeof fields / sizeof fields[0] };

static pthread_mutex_t vm_mu = PTHREAD_MUTEX_INITIALIZER;
static struct vmstat_info *vm_info;

int collect_vmstat(expo *w, collector_ctx *ctx)
{
    enum vmstat_item items[NFIELDS];
    for (int i = 0; i < NFIELDS; i++)
        items[i] = fields[i].item;
    int rc = 0;
    pthread_mutex_lock(&vm_mu);
    if (!vm_info && procps_vmstat_new(&vm_info) < 0) {
        vm_info = NULL;
        rc = node_fail(ctx, "libproc2", "procps_vmstat_new failed");
        goto out;
    }
    /* select re-reads /proc/vmstat; procps_vmstat_get would serve values up to a second old. */
    struct vmstat_stack *s = procps_vmstat_select(vm_info, items, NFIELDS);
    if (!s) {
        rc = node_fail(ctx, "libproc2", "procps_vmstat_select failed");
        goto out;
    }
    /* node_exporter exports these untyped: it does not know which vmstat fields are counters. */
    for (int i = 0; i < NFIELDS; i++)
        expo_sample(expo_family_get(w, fields[i].name, fields[i].help, EXPO_UNTYPED),
                    (double)VMSTAT_VAL(i, ul_int, s, vm_info), NULL);
out:
    pthread_mutex_unlock(&vm_mu);
    return rc;
}

void collector_vmstat_free(void)
{
    pthread_mutex_lock(&vm_mu);
    if (vm_info)
        procps_vmstat_unref(&vm_info);
    pthread_mutex_unlock(&vm_mu);
}
