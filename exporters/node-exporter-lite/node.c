/* node.c -- what node-exporter-lite's collectors share: device filters, regex flags, paths (node.h). */
#include "node.h"

#include "flags.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goregex.h"
#include "hashtab.h"
#include "xalloc.h"

int node_files_init(void *exporter_state, void **self, char *err, size_t errlen)
{
    (void)exporter_state;
    (void)err;
    (void)errlen;
    procfile *files = xmalloc(NODE_FILES_MAX * sizeof *files);
    for (size_t i = 0; i < NODE_FILES_MAX; i++)
        files[i] = (procfile)PROCFILE_INIT;
    *self = files;
    return 0;
}

void node_files_release(void *self)
{
    procfile *files = self;
    if (!files)
        return;
    for (size_t i = 0; i < NODE_FILES_MAX; i++)
        procfile_close(&files[i]);
    free(files);
}

int node_regex_flag(regex_t *re, const char *flagname, const char *pattern, char *err, size_t errlen)
{
    char why[256];
    if (goregex_compile(re, pattern, why, sizeof why) < 0) {
        char q[96];
        snprintf(err, errlen, "bad --%s %s: %s", flagname, flag_quote(pattern, q, sizeof q), why);
        return -1;
    }
    return 0;
}

/* An empty pattern means no filter, as node_exporter's device filter has it. */
int devfilter_setup(devfilter *f, const char *what, const char *exclude, const char *include, char *err,
                    size_t errlen)
{
    char name[128];
    f->mode = DEVFILTER_NONE;
    if (exclude && *exclude && include && *include) {
        snprintf(err, errlen,
                 "--collector.%s.device-exclude and --collector.%s.device-include are mutually "
                 "exclusive",
                 what, what);
        return -1;
    }
    if (include && *include) {
        snprintf(name, sizeof name, "collector.%s.device-include", what);
        if (node_regex_flag(&f->re, name, include, err, errlen) < 0)
            return -1;
        f->mode = DEVFILTER_INCLUDE;
    }
    if (exclude && *exclude) {
        snprintf(name, sizeof name, "collector.%s.device-exclude", what);
        if (node_regex_flag(&f->re, name, exclude, err, errlen) < 0)
            return -1;
        f->mode = DEVFILTER_EXCLUDE;
    }
    return 0;
}

int node_pick_deprecated(const char *now, const char *old, const char *newname, const char *oldname,
                         const char **value, char *err, size_t errlen)
{
    if (old && now) {
        snprintf(err, errlen, "--%s is deprecated and --%s was given too: use only --%s", oldname, newname,
                 newname);
        return -1;
    }
    *value = old ? old : now;
    return 0;
}

void devfilter_release(devfilter *f)
{
    if (f->mode != DEVFILTER_NONE)
        regfree(&f->re);
    f->mode = DEVFILTER_NONE;
}

int devfilter_ignored(const devfilter *f, const char *name)
{
    switch (f->mode) {
    case DEVFILTER_EXCLUDE:
        return goregex_match(&f->re, name);
    case DEVFILTER_INCLUDE:
        return !goregex_match(&f->re, name);
    default:
        return 0;
    }
}

int node_path(char *out, size_t outlen, const char *root, const char *rel)
{
    size_t rl = strlen(root);
    const char *sep = rl && root[rl - 1] == '/' ? "" : "/";
    int n = snprintf(out, outlen, "%s%s%s", root, sep, rel);
    return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

int node_fail(collector_ctx *ctx, const char *what, const char *reason)
{
    snprintf(ctx->err, ctx->errlen, "%s: %s", what, reason);
    return -1;
}

int node_devfile_init(void **self, const char *what, const char *exclude, const char *include, char *err,
                      size_t errlen)
{
    node_devfile *d = xmalloc(sizeof *d);
    d->file = (procfile)PROCFILE_INIT;
    if (devfilter_setup(&d->filter, what, exclude, include, err, errlen) < 0) {
        free(d);
        return -1;
    }
    *self = d;
    return 0;
}

void node_devfile_release(void *self)
{
    node_devfile *d = self;
    if (!d)
        return;
    procfile_close(&d->file);
    devfilter_release(&d->filter);
    free(d);
}

struct node_fields {
    char *pattern; /* to compile afresh */
    regex_t re;
    hashtab kept; /* name -> names[value - 1], matches[value - 1] */
    char *names[NODE_FIELDS_KEPT];
    bool matches[NODE_FIELDS_KEPT];
    size_t n;
    bool regex_used; /* since the last settle */
};

node_fields *node_fields_new(const char *flagname, const char *pattern, char *err, size_t errlen)
{
    node_fields *nf = xcalloc(1, sizeof *nf);
    if (node_regex_flag(&nf->re, flagname, pattern, err, errlen) < 0) {
        free(nf);
        return NULL;
    }
    nf->pattern = xstrdup(pattern);
    return nf;
}

static int field_named(uint64_t value, const void *owner, const void *name)
{
    const node_fields *nf = owner;
    return strcmp(nf->names[value - 1], name) == 0;
}

int node_fields_match(node_fields *nf, const char *name)
{
    uint64_t h = hashtab_fnv1a(name, strlen(name), HASHTAB_FNV_BASIS);
    uint64_t found = hashtab_find(&nf->kept, h, field_named, nf, name);
    if (found)
        return nf->matches[found - 1];
    int match = goregex_match(&nf->re, name);
    nf->regex_used = true;
    if (nf->n < NODE_FIELDS_KEPT && (nf->names[nf->n] = strdup(name))) {
        nf->matches[nf->n] = match;
        if (hashtab_add(&nf->kept, h, nf->n + 1) == 0)
            nf->n++;
        else
            free(nf->names[nf->n]);
    }
    return match;
}

void node_fields_settle(node_fields *nf)
{
    regex_t fresh;
    char why[256];
    if (!nf->regex_used || goregex_compile(&fresh, nf->pattern, why, sizeof why) < 0)
        return;
    regfree(&nf->re);
    nf->re = fresh;
    nf->regex_used = false;
    malloc_trim(0); /* and give those pages back now, not never */
}

void node_fields_free(node_fields *nf)
{
    if (!nf)
        return;
    for (size_t i = 0; i < nf->n; i++)
        free(nf->names[i]);
    hashtab_release(&nf->kept);
    regfree(&nf->re);
    free(nf->pattern);
    free(nf);
}
