/* collector_vmstat.c -- node_vmstat_*: the <procfs>/vmstat fields that --collector.vmstat.fields matches. */
#include <stdlib.h>
#include <string.h>

#include "node.h"
#include "parsers.h"
#include "procfile.h"
#include "goregex.h"
#include "textutil.h"

static procfile vmstat_file = PROCFILE_INIT;
static char *fields; /* --collector.vmstat.fields */
static regex_t fields_re;
static bool compiled;

static const flag vmstat_flags[] = {
    {"collector.vmstat.fields", FLAG_STRING, &fields, "^(oom_kill|pgpg|pswp|pg.*fault).*",
     "Regexp of fields to return for vmstat collector.", 0, 0},
};

static int init_vmstat(void *exporter_state, void **self, char *err, size_t errlen)
{
    (void)exporter_state;
    (void)self;
    compiled = node_regex_flag(&fields_re, "collector.vmstat.fields", fields, err, errlen) == 0;
    return compiled ? 0 : -1;
}

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
        return goregex_match(&fields_re, name); /* too long to keep: decided each time */
    if (i >= nverdicts) {
        verdict *n = realloc(verdicts, (i + 1) * sizeof *n);
        if (!n)
            return goregex_match(&fields_re, name);
        for (; nverdicts <= i; nverdicts++)
            n[nverdicts].match = -1;
        verdicts = n;
    }
    verdict *v = &verdicts[i];
    if (v->match < 0 || strcmp(v->name, name) != 0) {
        strcpy(v->name, name);
        v->match = goregex_match(&fields_re, name);
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

static int collect_vmstat(expo *w, collector_ctx *ctx)
{
    char path[4096], err[256], *text;
    if (node_path(path, sizeof path, NODE_PATHS(ctx)->procfs, "vmstat") < 0)
        return node_fail(ctx, "vmstat", "path too long");
    if (procfile_read(&vmstat_file, path, 1 << 20, &text, err, sizeof err) < 0)
        return node_fail(ctx, "vmstat", err);
    vm_ctx c = {w, 0};
    int rc = namevalue_parse(text, on_field, &c, err, sizeof err);
    return rc < 0 ? node_fail(ctx, path, err) : 0;
}

static void release_vmstat(void *self)
{
    (void)self;
    procfile_close(&vmstat_file);
    free(verdicts);
    verdicts = NULL;
    nverdicts = 0;
    if (compiled)
        regfree(&fields_re);
    compiled = false;
}

const collector node_collector_vmstat = {.name = "vmstat",
                                         .enabled_by_default = true,
                                         .help = "Exposes statistics from /proc/vmstat.",
                                         .collect = collect_vmstat,
                                         .flags = vmstat_flags,
                                         .nflags = 1,
                                         .init = init_vmstat,
                                         .release = release_vmstat};
