/* collector_vmstat.c -- node_vmstat_*: node_exporter's default fields from libproc2's vmstat; other
 * --collector.vmstat.fields from /proc/vmstat directly, since libproc2 names its fields only as enums. */
#include <libproc2/vmstat.h>
#include <pthread.h>

#include "node.h"
#include "parsers.h"
#include "procfile.h"
#include "regex_compat.h"
#include "textutil.h"

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

static procfile vmstat_file = PROCFILE_INIT;

static void on_field(void *arg, const char *name, double value)
{
    expo *w = arg;
    char metric[160], help[200];
    if (!regex_compat_match(&node_cfg.vmstat_re, name) ||
        text_join(metric, sizeof metric, "node_vmstat_", name, (char *)NULL) < 0 ||
        text_join(help, sizeof help, "/proc/vmstat information field ", name, ".", (char *)NULL) < 0)
        return;
    expo_sample(expo_family_get(w, metric, help, EXPO_UNTYPED), value, NULL);
}

static int collect_custom(expo *w, collector_ctx *ctx)
{
    char path[4096], err[256], *text;
    if (node_path(path, sizeof path, node_cfg.procfs, "vmstat") < 0)
        return node_fail(ctx, "vmstat", "path too long");
    if (procfile_read_locked(&vmstat_file, path, 1 << 20, &text, err, sizeof err) < 0)
        return node_fail(ctx, "vmstat", err);
    int rc = namevalue_parse(text, on_field, w, err, sizeof err);
    procfile_unlock(&vmstat_file);
    return rc < 0 ? node_fail(ctx, path, err) : 0;
}

int collect_vmstat(expo *w, collector_ctx *ctx)
{
    if (node_cfg.vmstat_custom)
        return collect_custom(w, ctx);
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
