/* collector_vmstat.c -- node_vmstat_*: the <procfs>/vmstat fields that --collector.vmstat.fields matches. */
#include <stdlib.h>
#include <string.h>

#include "node.h"
#include "parsers.h"
#include "procfile.h"
#include "textutil.h"
#include "xalloc.h"

static char *fields; /* --collector.vmstat.fields */

static const flag vmstat_flags[] = {
    {"collector.vmstat.fields", FLAG_STRING, &fields, "^(oom_kill|pgpg|pswp|pg.*fault).*",
     "Regexp of fields to return for vmstat collector.", 0, 0},
};

/* The collector's own (init / release). */
typedef struct vmstat_state {
    procfile file;
    node_fields *fields;
} vmstat_state;

static int init_vmstat(void *exporter_state, void **self, char *err, size_t errlen)
{
    (void)exporter_state;
    node_fields *nf = node_fields_new("collector.vmstat.fields", fields, err, errlen);
    if (!nf)
        return -1;
    vmstat_state *st = xmalloc(sizeof *st);
    st->file = (procfile)PROCFILE_INIT;
    st->fields = nf;
    *self = st;
    return 0;
}

static void release_vmstat(void *self)
{
    vmstat_state *st = self;
    procfile_close(&st->file);
    node_fields_free(st->fields);
    free(st);
}

typedef struct vm_ctx {
    expo *w;
    vmstat_state *st;
} vm_ctx;

static void on_field(void *arg, const char *name, double value)
{
    vm_ctx *c = arg;
    expo *w = c->w;
    char metric[160], help[200];
    if (!node_fields_match(c->st->fields, name) ||
        text_join(metric, sizeof metric, "node_vmstat_", name, (char *)NULL) < 0 ||
        text_join(help, sizeof help, "/proc/vmstat information field ", name, ".", (char *)NULL) < 0)
        return;
    /* node_exporter exports these untyped: it does not know which vmstat fields are counters. */
    expo_sample(expo_family_get(w, metric, help, EXPO_UNTYPED), value, NULL);
}

static int collect_vmstat(expo *w, collector_ctx *ctx)
{
    vmstat_state *st = ctx->self;
    char path[4096], err[256], *text;
    if (node_path(path, sizeof path, NODE_PATHS(ctx)->procfs, "vmstat") < 0)
        return node_fail(ctx, "vmstat", "path too long");
    if (procfile_read(&st->file, path, 1 << 20, &text, err, sizeof err) < 0)
        return node_fail(ctx, "vmstat", err);
    vm_ctx c = {w, st};
    int rc = namevalue_parse(text, on_field, &c, err, sizeof err);
    node_fields_settle(st->fields);
    return rc < 0 ? node_fail(ctx, path, err) : 0;
}

const collector node_collector_vmstat = {.name = "vmstat",
                                         .enabled_by_default = true,
                                         .help = "Exposes statistics from /proc/vmstat.",
                                         .collect = collect_vmstat,
                                         .flags = vmstat_flags,
                                         .nflags = 1,
                                         .init = init_vmstat,
                                         .release = release_vmstat};
