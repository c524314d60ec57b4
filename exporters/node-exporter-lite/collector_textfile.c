/* collector_textfile.c -- metrics from *.prom files (--collector.textfile.directory), as node_exporter 1.5.
 *
 * Every *.prom file in the directory (or in each directory a glob pattern names) is parsed whole;
 * a file that does not parse, or has client-side timestamps, is skipped and sets
 * node_textfile_scrape_error 1. Families without HELP get "Metric read from <files>". A family
 * that an earlier file already gave another type or HELP is dropped, as node_exporter's registry
 * drops it. */
#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "log.h"
#include "node.h"
#include "readfile.h"
#include "textfile.h"

enum { TEXTFILE_LIMIT = 64 << 20, MAX_LABELS = 64 };

typedef struct tfile {
    char *path, *text;
    tf_file model;
    double mtime;
} tfile;

typedef struct tscrape {
    tfile *files;
    size_t n, cap;
    int errored;
} tscrape;

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void read_one(tscrape *s, const char *path)
{
    char err[512];
    size_t len;
    struct stat big;
    char *text = NULL;
    /* A file over the limit is refused by its size, not read up to the limit on every scrape. */
    if (stat(path, &big) == 0 && big.st_size > TEXTFILE_LIMIT)
        snprintf(err, sizeof err, "%lld bytes, over the limit of %d", (long long)big.st_size, TEXTFILE_LIMIT);
    else
        text = readfile(path, TEXTFILE_LIMIT, &len, err, sizeof err);
    if (!text) {
        log_error("failed to collect textfile data", "file", path, "err", err, NULL);
        s->errored = 1;
        return;
    }
    tf_file model;
    const char *why = NULL;
    if (textfile_parse(text, len, &model, err, sizeof err) < 0)
        why = err;
    else if (model.has_timestamps)
        why = "contains unsupported client-side timestamps, skipping entire file";
    struct stat st;
    if (!why && stat(path, &st) < 0)
        why = strerror(errno);
    tfile *nf = NULL;
    if (!why && s->n == s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 8;
        if ((nf = realloc(s->files, ncap * sizeof *nf))) {
            s->files = nf;
            s->cap = ncap;
        } else {
            why = "out of memory";
        }
    }
    char *pathcopy = why ? NULL : strdup(path);
    if (!why && !pathcopy)
        why = "out of memory";
    if (why) {
        log_error("failed to collect textfile data", "file", path, "err", why, NULL);
        s->errored = 1;
        tf_file_free(&model);
        free(text);
        return;
    }
    s->files[s->n++] = (tfile){pathcopy, text, model, (double)st.st_mtim.tv_sec};
}

static void read_dir(tscrape *s, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        log_error("failed to read textfile collector directory", "path", dir, "err", strerror(errno), NULL);
        s->errored = 1;
        return;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 5, ".prom") != 0)
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            char **nn = realloc(names, ncap * sizeof *nn);
            if (!nn)
                break;
            names = nn;
            cap = ncap;
        }
        if (!(names[n] = strdup(e->d_name)))
            break;
        n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, name_cmp); /* os.ReadDir's order */
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        if (tf_path_join(path, sizeof path, dir, names[i]) == 0)
            read_one(s, path);
        else
            s->errored = 1;
        free(names[i]);
    }
    free(names);
}

/* "Metric read from a.prom, b.prom": every file that has the family. */
static int default_help(const tscrape *s, const char *name, buf *out)
{
    buf_reset(out);
    int first = 1, rc = buf_puts(out, "Metric read from ");
    for (size_t i = 0; i < s->n && rc == 0; i++) {
        if (!tf_find_family(&s->files[i].model, name))
            continue;
        rc = (!first && buf_puts(out, ", ") < 0) || buf_puts(out, s->files[i].path) < 0 ? -1 : 0;
        first = 0;
    }
    return rc;
}

/* 1 if an earlier file already has this family with another type or HELP (the later one is dropped). */
static int clashes(const tscrape *s, size_t k, const tf_family *fam)
{
    for (size_t j = 0; j < k; j++) {
        const tf_family *g = tf_find_family(&s->files[j].model, fam->name);
        if (!g)
            continue;
        if (g->type != fam->type || !g->help != !fam->help)
            return 1;
        return g->help && strcmp(g->help, fam->help) != 0;
    }
    return 0;
}

typedef struct scratch {
    double *bounds, *values;
    uint64_t *counts;
    size_t cap;
} scratch;

static void emit_family(expo *w, const tf_file *m, const tf_family *fam, const char *help, scratch *sc)
{
    static const expo_type types[] = {EXPO_COUNTER, EXPO_GAUGE, EXPO_SUMMARY, EXPO_UNTYPED, EXPO_HISTOGRAM};
    /* Every metric gets every label name of its family, "" where it has none (as node_exporter). */
    const char *all[MAX_LABELS];
    size_t nall = 0;
    for (size_t i = 0; i < fam->nmetrics; i++) {
        const tf_metric *mt = &m->metrics[m->order[fam->first + i]];
        for (size_t l = 0; l < mt->nlabels; l++) {
            const char *ln = m->labels[mt->label0 + l].name;
            size_t k;
            for (k = 0; k < nall && strcmp(all[k], ln) != 0; k++)
                ;
            if (k < nall)
                continue;
            if (nall == MAX_LABELS) {
                log_warn("textfile family with too many label names, dropped", "metric", fam->name, NULL);
                return;
            }
            all[nall++] = ln;
        }
    }
    expo_family *f = expo_family_get(w, fam->name, help, types[fam->type]);
    if (!f)
        return;
    for (size_t i = 0; i < fam->nmetrics; i++) {
        const tf_metric *mt = &m->metrics[m->order[fam->first + i]];
        const char *names[MAX_LABELS + 1], *values[MAX_LABELS + 1];
        size_t n = 0;
        for (size_t l = 0; l < mt->nlabels; l++) {
            names[n] = m->labels[mt->label0 + l].name;
            values[n++] = m->labels[mt->label0 + l].value;
        }
        for (size_t k = 0; k < nall; k++) {
            size_t l;
            for (l = 0; l < mt->nlabels && strcmp(m->labels[mt->label0 + l].name, all[k]) != 0; l++)
                ;
            if (l == mt->nlabels) {
                names[n] = all[k];
                values[n++] = "";
            }
        }
        if (fam->type != TF_HISTOGRAM && fam->type != TF_SUMMARY) {
            expo_samplev(f, mt->value, names, values, n);
            continue;
        }
        if (mt->npoints > sc->cap) {
            double *b = realloc(sc->bounds, mt->npoints * sizeof *b);
            if (b)
                sc->bounds = b;
            double *v = realloc(sc->values, mt->npoints * sizeof *v);
            if (v)
                sc->values = v;
            uint64_t *c = realloc(sc->counts, mt->npoints * sizeof *c);
            if (c)
                sc->counts = c;
            if (!b || !v || !c)
                return;
            sc->cap = mt->npoints;
        }
        if (fam->type == TF_SUMMARY) {
            for (size_t p = 0; p < mt->npoints; p++) {
                sc->bounds[p] = m->points[mt->point0 + p].key;
                sc->values[p] = m->points[mt->point0 + p].value;
            }
            expo_summaryv(f, sc->bounds, sc->values, mt->npoints, mt->sum, tf_count(mt->count), names, values,
                          n);
            continue;
        }
        /* The file's buckets are cumulative and the writer accumulates: hand it the differences
         * (modulo 2^64, so even non-monotonic buckets come out as written). Its +Inf bucket is
         * _count, as node_exporter's is when the file has none. */
        size_t nb = 0;
        uint64_t prev = 0;
        for (size_t p = 0; p < mt->npoints; p++) {
            const tf_point *pt = &m->points[mt->point0 + p];
            if (isinf(pt->key) && pt->key > 0)
                continue;
            uint64_t cum = tf_count(pt->value);
            sc->bounds[nb] = pt->key;
            sc->counts[nb++] = cum - prev;
            prev = cum;
        }
        expo_histogramv(f, sc->bounds, sc->counts, nb, tf_count(mt->count) - prev, mt->sum, names, values, n);
    }
}

static char *directory; /* --collector.textfile.directory */

static const flag textfile_flags[] = {
    {"collector.textfile.directory", FLAG_STRING, &directory, "",
     "Directory to read text files with metrics from.", 0, 0},
};

static int collect_textfile(expo *w, collector_ctx *ctx)
{
    (void)ctx;
    tscrape s = {0};
    const char *dir = directory;
    if (*dir) {
        glob_t g;
        /* As filepath.Glob: a pattern that matches nothing (or any plain path) is read as a directory. */
        if (glob(dir, 0, NULL, &g) == 0 && g.gl_pathc > 0) {
            for (size_t i = 0; i < g.gl_pathc; i++)
                read_dir(&s, g.gl_pathv[i]);
        } else {
            read_dir(&s, dir);
        }
        globfree(&g);
    }
    buf help;
    buf_init(&help, 1 << 20);
    scratch sc = {0};
    for (size_t k = 0; k < s.n; k++) {
        const tf_file *m = &s.files[k].model;
        for (size_t i = 0; i < m->nfams; i++) {
            const tf_family *fam = &m->fams[i];
            if (!fam->nmetrics)
                continue;
            if (clashes(&s, k, fam)) {
                log_error("textfile family has another type or HELP in an earlier file, dropped", "metric",
                          fam->name, "file", s.files[k].path, NULL);
                continue;
            }
            if (!fam->help && default_help(&s, fam->name, &help) < 0)
                continue;
            emit_family(w, m, fam, fam->help ? fam->help : help.data, &sc);
        }
    }
    buf_free(&help);
    free(sc.bounds);
    free(sc.counts);
    free(sc.values);
    if (s.n) {
        expo_family *f = expo_family_get(w, "node_textfile_mtime_seconds",
                                         "Unixtime mtime of textfiles successfully read.", EXPO_GAUGE);
        for (size_t k = 0; k < s.n; k++)
            expo_sample(f, s.files[k].mtime, "file", s.files[k].path, NULL);
    }
    expo_sample(expo_family_get(w, "node_textfile_scrape_error",
                                "1 if there was an error opening or reading a file, 0 otherwise", EXPO_GAUGE),
                s.errored ? 1 : 0, NULL);
    for (size_t k = 0; k < s.n; k++) {
        tf_file_free(&s.files[k].model);
        free(s.files[k].text);
        free(s.files[k].path);
    }
    free(s.files);
    return 0;
}

const collector node_collector_textfile = {
    .name = "textfile",
    .enabled_by_default = true,
    .help = "Exposes statistics read from local disk (--collector.textfile.directory).",
    .collect = collect_textfile,
    .flags = textfile_flags,
    .nflags = 1};
