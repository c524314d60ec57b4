/* collector_vmstat.c -- node_vmstat_*: the <procfs>/vmstat fields that --collector.vmstat.fields matches. */
#include <stdlib.h>
#include <string.h>

#include "node.h"
#include "parsers.h"
#include "procfile.h"
#include "goregex.h"
#include "textutil.h"

static procfile vmstat_file = PROCFILE_INIT;

/* The pattern's verdict per line of the file: the kernel's field list does not change while we run,
 * and a regexec per line (about 180 of them) would cost more than the rest of the collector. */
typedef struct verdict {
    char name[64];
    int match;
} verdict;
static verdict *verdicts; /* guarded by vmstat_file's lock */
static size_t nverdicts;

typedef struct vm_ctx {
    expo *w;
    size_t line;
} vm_ctx;

static int field_matches(size_t i, const char *name)
{
    if (strlen(name) >= sizeof verdicts[0].name)
        return goregex_match(&node_cfg.vmstat_re, name); /* too long to keep: decided each time */
    if (i >= nverdicts) {
        verdict *n = realloc(verdicts, (i + 1) * sizeof *n);
        if (!n)
            return goregex_match(&node_cfg.vmstat_re, name);
        for (; nverdicts <= i; nverdicts++)
            n[nverdicts].match = -1;
        verdicts = n;
    }
    verdict *v = &verdicts[i];
    if (v->match < 0 || strcmp(v->name, name) != 0) {
        strcpy(v->name, name);
        v->match = goregex_match(&node_cfg.vmstat_re, name);
    }
    return v->match;
}

static void on_field(void *arg, const char *name, double value)
{
    vm_ctx *c = arg;
    expo *w = c->w;
    char metric[160], help[200];
    if (!field_matches(c->line++, name) ||
        text_join(metric, sizeof metric, "node_vmstat_", name, (char *)NULL) < 0 ||
        text_join(help, sizeof help, "/proc/vmstat information field ", name, ".", (char *)NULL) < 0)
        return;
    /* node_exporter exports these untyped: it does not know which vmstat fields are counters. */
    expo_sample(expo_family_get(w, metric, help, EXPO_UNTYPED), value, NULL);
}

int collect_vmstat(expo *w, collector_ctx *ctx)
{
    char path[4096], err[256], *text;
    if (node_path(path, sizeof path, node_cfg.procfs, "vmstat") < 0)
        return node_fail(ctx, "vmstat", "path too long");
    if (procfile_read_locked(&vmstat_file, path, 1 << 20, &text, err, sizeof err) < 0)
        return node_fail(ctx, "vmstat", err);
    vm_ctx c = {w, 0};
    int rc = namevalue_parse(text, on_field, &c, err, sizeof err);
    procfile_unlock(&vmstat_file);
    return rc < 0 ? node_fail(ctx, path, err) : 0;
}

void collector_vmstat_free(void)
{
    procfile_close(&vmstat_file);
    free(verdicts);
    verdicts = NULL;
    nverdicts = 0;
}
