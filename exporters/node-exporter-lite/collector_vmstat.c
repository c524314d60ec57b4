/* collector_vmstat.c -- node_vmstat_*: the <procfs>/vmstat fields that --collector.vmstat.fields matches. */
#include <stdlib.h>
#include <string.h>

#include "node.h"
#include "parsers.h"
#include "procfile.h"
#include "goregex.h"
#include "textutil.h"
#include "xalloc.h"

static char *fields; /* --collector.vmstat.fields */

static const flag vmstat_flags[] = {
    {"collector.vmstat.fields", FLAG_STRING, &fields, "^(oom_kill|pgpg|pswp|pg.*fault).*",
     "Regexp of fields to return for vmstat collector.", 0, 0},
};

/* The pattern's verdict per line of the file: the kernel's field list does not change while we run,
 * and a regexec per line (about 180 of them) would cost more than the rest of the collector. */
typedef struct verdict {
    char name[64];
    int match;
} verdict;

/* The collector's own (init / release). */
typedef struct vmstat_state {
    procfile file;
    regex_t fields_re;
    verdict *verdicts; /* by line */
    size_t nverdicts;
} vmstat_state;

static int init_vmstat(void *exporter_state, void **self, char *err, size_t errlen)
{
    (void)exporter_state;
    vmstat_state *st = xcalloc(1, sizeof *st);
    if (node_regex_flag(&st->fields_re, "collector.vmstat.fields", fields, err, errlen) < 0) {
        free(st);
        return -1;
    }
    st->file = (procfile)PROCFILE_INIT;
    *self = st;
    return 0;
}

static void release_vmstat(void *self)
{
    vmstat_state *st = self;
    if (!st)
        return;
    procfile_close(&st->file);
    free(st->verdicts);
    regfree(&st->fields_re);
    free(st);
}

typedef struct vm_ctx {
    expo *w;
    vmstat_state *st;
    size_t line;
} vm_ctx;

static int field_matches(vmstat_state *st, size_t i, const char *name)
{
    if (strlen(name) >= sizeof st->verdicts[0].name)
        return goregex_match(&st->fields_re, name); /* too long to keep: decided each time */
    if (i >= st->nverdicts) {
        verdict *n = realloc(st->verdicts, (i + 1) * sizeof *n);
        if (!n)
            return goregex_match(&st->fields_re, name);
        for (; st->nverdicts <= i; st->nverdicts++)
            n[st->nverdicts].match = -1;
        st->verdicts = n;
    }
    verdict *v = &st->verdicts[i];
    if (v->match < 0 || strcmp(v->name, name) != 0) {
        memcpy(v->name, name, strlen(name) + 1); /* fits: checked above */
        v->match = goregex_match(&st->fields_re, name);
    }
    return v->match;
}

static void on_field(void *arg, const char *name, double value)
{
    vm_ctx *c = arg;
    expo *w = c->w;
    char metric[160], help[200];
    if (!field_matches(c->st, c->line++, name) ||
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
    vm_ctx c = {w, st, 0};
    int rc = namevalue_parse(text, on_field, &c, err, sizeof err);
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
