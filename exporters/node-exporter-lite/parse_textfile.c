/* parse_textfile.c -- the text exposition format as node_exporter's textfile collector reads it (textfile.h).
 */
#include "textfile.h"
#include "parse.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The parser's state: `c` is the current byte (expfmt's currentByte) and `i` its index; the text
 * at i may already hold a NUL written to end a token, so the byte is kept apart. */
typedef struct tp {
    char *text;
    size_t len, i;
    char c;
    int eof;
    int line;
    tf_file *f;
    char *err;
    size_t errlen;
    /* The sample being read. */
    size_t fam, label0;
    int is_count, is_sum;
    double quantile, bucket;
} tp;

static int fail(tp *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(tp *p, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(p->err, p->errlen, "line %d: %s", p->line, msg);
    return -1;
}

/* Reads the next byte into p->c; 0 at the end of the text (expfmt's io.EOF). */
static int next(tp *p)
{
    if (p->i + 1 >= p->len) {
        p->i = p->len;
        p->eof = 1;
        return 0;
    }
    p->c = p->text[++p->i];
    return 1;
}

static int blank(char c)
{
    return c == ' ' || c == '\t';
}

/* expfmt's skipBlankTab: reads at least one byte. */
static int skip_blank(tp *p)
{
    while (next(p))
        if (!blank(p->c))
            return 1;
    return 0;
}

static int label_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int label_cont(char c)
{
    return label_start(c) || (c >= '0' && c <= '9');
}

/* Reads a metric (colons allowed) or label name starting at the current byte into [*start, p->i);
 * 0 at the end of the text. An empty token is possible. */
static int read_name(tp *p, int metric, size_t *start)
{
    *start = p->i;
    if (!(label_start(p->c) || (metric && p->c == ':')))
        return 1;
    do {
        if (!next(p))
            return 0;
    } while (label_cont(p->c) || (metric && p->c == ':'));
    return 1;
}

static int grow(void **arr, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 16;
    void *a = realloc(*arr, ncap * size);
    if (!a)
        return -1;
    *arr = a;
    *cap = ncap;
    return 0;
}

/* ---- family lookup by name ---- */

typedef struct name_key {
    const char *name;
    size_t n;
} name_key;

static int fam_named(uint64_t value, const void *owner, const void *key)
{
    const tf_file *f = owner;
    const name_key *k = key;
    const char *fn = f->fams[value - 1].name;
    return strncmp(fn, k->name, k->n) == 0 && fn[k->n] == '\0';
}

/* The family named by the n bytes at name, or -1. */
static long fam_lookup(const tf_file *f, const char *name, size_t n)
{
    name_key key = {name, n};
    uint64_t found =
        hashtab_find(&f->fam_index, hashtab_fnv1a(name, n, HASHTAB_FNV_BASIS), fam_named, f, &key);
    return found ? (long)found - 1 : -1;
}

static int fam_add(tp *p, const char *name, size_t *out)
{
    tf_file *f = p->f;
    if (grow((void **)&f->fams, &f->capfams, f->nfams, sizeof *f->fams) < 0 ||
        hashtab_add(&f->fam_index, hashtab_fnv1a(name, strlen(name), HASHTAB_FNV_BASIS), f->nfams + 1) < 0)
        return fail(p, "out of memory");
    tf_family *fam = &f->fams[f->nfams];
    memset(fam, 0, sizeof *fam);
    fam->name = name;
    *out = f->nfams++;
    return 0;
}

static int ends_with(const char *s, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n > k && memcmp(s + n - k, suffix, k) == 0;
}

/* expfmt's setOrCreateCurrentMF: "x_count"/"x_sum" (and "x_bucket") belong to an existing summary
 * (histogram) x; any other name is its own family. */
static int current_family(tp *p, const char *name)
{
    tf_file *f = p->f;
    size_t n = strlen(name);
    p->is_count = p->is_sum = 0;
    long k = fam_lookup(f, name, n);
    if (k >= 0) {
        p->fam = (size_t)k;
        return 0;
    }
    int count = ends_with(name, n, "_count"), sum = ends_with(name, n, "_sum");
    size_t base = count ? n - 6 : sum ? n - 4 : n;
    if (base != n && (k = fam_lookup(f, name, base)) >= 0 && f->fams[k].type == TF_SUMMARY &&
        f->fams[k].typed) {
        p->fam = (size_t)k;
        p->is_count = count;
        p->is_sum = sum;
        return 0;
    }
    if (ends_with(name, n, "_bucket"))
        base = n - 7;
    if (base != n && (k = fam_lookup(f, name, base)) >= 0 && f->fams[k].type == TF_HISTOGRAM &&
        f->fams[k].typed) {
        p->fam = (size_t)k;
        p->is_count = count;
        p->is_sum = sum;
        return 0;
    }
    return fam_add(p, name, &p->fam);
}

/* ---- histogram and summary metrics by label set ---- */

static uint64_t labelset_hash(const tf_file *f, size_t fam, size_t label0, size_t n)
{
    uint64_t h = 0;
    /* A sum of per-label hashes: the same set in another order hashes alike. */
    for (size_t i = 0; i < n; i++) {
        const tf_label *l = &f->labels[label0 + i];
        uint64_t x = hashtab_fnv1a(l->name, strlen(l->name) + 1, HASHTAB_FNV_BASIS);
        h += hashtab_fnv1a(l->value, strlen(l->value), x);
    }
    return h * 31 + fam;
}

static int labelset_equal(const tf_file *f, const tf_metric *m, size_t fam, size_t label0, size_t n)
{
    if (m->family != fam || m->nlabels != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        const tf_label *a = &f->labels[label0 + i];
        size_t j;
        for (j = 0; j < n; j++) {
            const tf_label *b = &f->labels[m->label0 + j];
            if (strcmp(a->name, b->name) == 0) {
                if (strcmp(a->value, b->value) != 0)
                    return 0;
                break;
            }
        }
        if (j == n)
            return 0;
    }
    return 1;
}

typedef struct labelset_key {
    size_t fam, label0, n;
} labelset_key;

static int metric_labelled(uint64_t value, const void *owner, const void *key)
{
    const tf_file *f = owner;
    const labelset_key *k = key;
    return labelset_equal(f, &f->metrics[value - 1], k->fam, k->label0, k->n);
}

static int metric_new(tp *p, size_t *out)
{
    tf_file *f = p->f;
    if (grow((void **)&f->metrics, &f->capmetrics, f->nmetrics, sizeof *f->metrics) < 0)
        return fail(p, "out of memory");
    tf_metric *m = &f->metrics[f->nmetrics];
    memset(m, 0, sizeof *m);
    m->family = p->fam;
    m->label0 = p->label0;
    m->nlabels = f->nlabels - p->label0;
    f->fams[p->fam].nmetrics++;
    *out = f->nmetrics++;
    return 0;
}

/* The metric of a histogram or summary line: the one with the same label set, or a new one. */
static int metric_merge(tp *p, size_t *out)
{
    tf_file *f = p->f;
    labelset_key key = {p->fam, p->label0, f->nlabels - p->label0};
    uint64_t h = labelset_hash(f, key.fam, key.label0, key.n);
    uint64_t found = hashtab_find(&f->metric_index, h, metric_labelled, f, &key);
    if (found) {
        *out = found - 1;
        f->nlabels = p->label0; /* the line's labels are the metric's already */
        return 0;
    }
    if (metric_new(p, out) < 0)
        return -1;
    if (hashtab_add(&f->metric_index, h, *out + 1) < 0)
        return fail(p, "out of memory");
    return 0;
}

/* ---- numbers and strings ---- */

int tf_parse_float(const char *s, double *out)
{
    const char *b = s;
    if (!*s || strpbrk(s, "pP_xX"))
        return -1;
    int neg = 0;
    if (*b == '+' || *b == '-')
        neg = *b++ == '-';
    if (strcasecmp(b, "inf") == 0 || strcasecmp(b, "infinity") == 0) {
        *out = neg ? -INFINITY : INFINITY;
        return 0;
    }
    if (strcasecmp(s, "nan") == 0) { /* Go takes no sign on NaN */
        *out = NAN;
        return 0;
    }
    /* Only what Go's decimal syntax allows may reach parse_double (strtod also takes hex, "nan(...)"). */
    int digits = 0;
    const char *q = b;
    for (; *q >= '0' && *q <= '9'; q++)
        digits++;
    if (*q == '.')
        for (q++; *q >= '0' && *q <= '9'; q++)
            digits++;
    if (!digits)
        return -1;
    if (*q == 'e' || *q == 'E') {
        q++;
        if (*q == '+' || *q == '-')
            q++;
        if (!(*q >= '0' && *q <= '9'))
            return -1;
        while (*q >= '0' && *q <= '9')
            q++;
    }
    if (*q)
        return -1;
    return parse_double(s, out);
}

int tf_valid_utf8(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    while (*u) {
        unsigned c = *u;
        size_t n;
        unsigned min, cp;
        if (c < 0x80) {
            u++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            n = 1, min = 0x80, cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            n = 2, min = 0x800, cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            n = 3, min = 0x10000, cp = c & 0x07;
        } else {
            return 0;
        }
        for (size_t k = 1; k <= n; k++) {
            if ((u[k] & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (u[k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        u += n + 1;
    }
    return 1;
}

uint64_t tf_count(double v)
{
    if (!(v >= 0))
        return 0;
    if (v >= 18446744073709551616.0)
        return UINT64_MAX;
    return (uint64_t)v;
}

static int parse_ts(const char *s)
{
    const char *q = s;
    if (*q == '+' || *q == '-')
        q++;
    if (!*q)
        return -1;
    for (const char *d = q; *d; d++)
        if (*d < '0' || *d > '9')
            return -1;
    int64_t ts;
    return parse_int64(s, &ts); /* in range */
}

/* ---- the states ---- */

static int eof_fail(tp *p)
{
    return fail(p, "unexpected end of input stream");
}

/* "# ..." lines; p->c is '#'. 1 to go on with the next line, 0 at the end, -1 on error. */
static int comment(tp *p)
{
    if (!skip_blank(p))
        return eof_fail(p);
    if (p->c == '\n')
        return 1;
    size_t start = p->i;
    while (!blank(p->c) && p->c != '\n')
        if (!next(p))
            return eof_fail(p);
    if (p->c == '\n')
        return 1;
    size_t kwlen = p->i - start;
    const char *kw = p->text + start;
    int help = kwlen == 4 && memcmp(kw, "HELP", 4) == 0, type = kwlen == 4 && memcmp(kw, "TYPE", 4) == 0;
    if (!help && !type) {
        while (p->c != '\n')
            if (!next(p))
                return eof_fail(p);
        return 1;
    }
    if (!skip_blank(p))
        return eof_fail(p);
    size_t nstart;
    if (!read_name(p, 1, &nstart))
        return eof_fail(p);
    if (p->c == '\n')
        return 1;
    if (!blank(p->c))
        return fail(p, "invalid metric name in comment");
    p->text[p->i] = '\0'; /* the blank after the name; p->c keeps it */
    if (current_family(p, p->text + nstart) < 0)
        return -1;
    if (!skip_blank(p))
        return eof_fail(p);
    if (p->c == '\n')
        return 1;
    tf_family *fam = &p->f->fams[p->fam];
    if (help && fam->help)
        return fail(p, "second HELP line for metric name \"%s\"", fam->name);
    if (type && fam->typed)
        return fail(p, "second TYPE line for metric name \"%s\", or TYPE reported after samples", fam->name);
    /* The rest of the line, unescaped in place (HELP knows \\ and \n; TYPE drops backslashes). */
    char *w = p->text + p->i, *rest = w;
    int escaped = 0;
    for (;;) {
        if (help && escaped) {
            if (p->c == '\\')
                *w++ = '\\';
            else if (p->c == 'n')
                *w++ = '\n';
            else
                return fail(p, "invalid escape sequence '\\%c'", p->c);
            escaped = 0;
        } else if (p->c == '\n') {
            break;
        } else if (p->c == '\\') {
            escaped = 1;
        } else {
            *w++ = p->c;
        }
        if (!next(p))
            return eof_fail(p);
    }
    *w = '\0';
    if (help) {
        fam->help = rest;
        return 1;
    }
    static const char *const types[] = {"COUNTER", "GAUGE", "SUMMARY", "UNTYPED", "HISTOGRAM"};
    for (int t = 0; t < 5; t++) {
        if (strcasecmp(rest, types[t]) == 0) {
            fam->type = (tf_type)t;
            fam->typed = 1;
            return 1;
        }
    }
    return fail(p, "unknown metric type \"%s\"", rest);
}

static int label_add(tp *p, const char *name)
{
    tf_file *f = p->f;
    if (grow((void **)&f->labels, &f->caplabels, f->nlabels, sizeof *f->labels) < 0)
        return fail(p, "out of memory");
    f->labels[f->nlabels].name = name;
    f->labels[f->nlabels].value = "";
    f->nlabels++;
    return 0;
}

/* "{a="x",...}"; p->c is '{'. On success p->c is the first byte of the value. */
static int labels(tp *p)
{
    tf_file *f = p->f;
    tf_type type = f->fams[p->fam].type;
    for (;;) {
        if (!skip_blank(p))
            return eof_fail(p);
        if (p->c == '}')
            break;
        size_t nstart;
        if (!read_name(p, 0, &nstart))
            return eof_fail(p);
        size_t nlen = p->i - nstart;
        if (!nlen)
            return fail(p, "invalid label name for metric \"%s\"", f->fams[p->fam].name);
        char name_end = p->c;
        p->text[p->i] = '\0';
        const char *name = p->text + nstart;
        if (strcmp(name, "__name__") == 0)
            return fail(p, "label name \"__name__\" is reserved");
        if (name[0] == '_' && name[1] == '_')
            return fail(p, "label name \"%s\" is reserved (node_exporter would crash on it)", name);
        int is_q = type == TF_SUMMARY && strcmp(name, "quantile") == 0;
        int is_le = type == TF_HISTOGRAM && strcmp(name, "le") == 0;
        if (!is_q && !is_le && label_add(p, name) < 0)
            return -1;
        p->c = name_end;
        if (blank(p->c) && !skip_blank(p))
            return eof_fail(p);
        if (p->c != '=')
            return fail(p, "expected '=' after label name, found %#x", (unsigned char)p->c);
        for (size_t a = p->label0; a < f->nlabels; a++)
            for (size_t b = a + 1; b < f->nlabels; b++)
                if (strcmp(f->labels[a].name, f->labels[b].name) == 0)
                    return fail(p, "duplicate label names for metric \"%s\"", f->fams[p->fam].name);
        if (!skip_blank(p))
            return eof_fail(p);
        if (p->c != '"')
            return fail(p, "expected '\"' at start of label value, found %#x", (unsigned char)p->c);
        char *w = p->text + p->i + 1, *vstart = w;
        int escaped = 0;
        for (;;) {
            if (!next(p))
                return eof_fail(p);
            if (escaped) {
                if (p->c == '"' || p->c == '\\')
                    *w++ = p->c;
                else if (p->c == 'n')
                    *w++ = '\n';
                else
                    return fail(p, "invalid escape sequence '\\%c'", p->c);
                escaped = 0;
                continue;
            }
            if (p->c == '"')
                break;
            if (p->c == '\n')
                return fail(p, "label value contains unescaped new-line");
            if (p->c == '\\')
                escaped = 1;
            else
                *w++ = p->c;
        }
        *w = '\0'; /* w is at most at the closing quote, which p->c holds */
        if (!tf_valid_utf8(vstart))
            return fail(p, "invalid label value (not UTF-8)");
        if (is_q && tf_parse_float(vstart, &p->quantile) < 0)
            return fail(p, "expected float as value for 'quantile' label, got \"%s\"", vstart);
        if (is_le && tf_parse_float(vstart, &p->bucket) < 0)
            return fail(p, "expected float as value for 'le' label, got \"%s\"", vstart);
        if (!is_q && !is_le)
            f->labels[f->nlabels - 1].value = vstart;
        if (!skip_blank(p))
            return eof_fail(p);
        if (p->c == ',')
            continue;
        if (p->c == '}')
            break;
        return fail(p, "unexpected end of label value \"%s\"", vstart);
    }
    if (!skip_blank(p))
        return eof_fail(p);
    return 0;
}

/* A sample line; p->c is its first byte. 1 to go on, -1 on error. */
static int sample(tp *p)
{
    tf_file *f = p->f;
    size_t nstart;
    if (!read_name(p, 1, &nstart))
        return eof_fail(p);
    if (p->i == nstart)
        return fail(p, "invalid metric name");
    char after = p->c;
    p->text[p->i] = '\0';
    if (current_family(p, p->text + nstart) < 0)
        return -1;
    p->c = after;
    tf_family *fam = &f->fams[p->fam];
    if (!fam->typed) {
        fam->type = TF_UNTYPED;
        fam->typed = 1;
    }
    if (blank(p->c) && !skip_blank(p))
        return eof_fail(p);
    p->label0 = f->nlabels;
    p->quantile = p->bucket = NAN;
    if (p->c == '{' && labels(p) < 0)
        return -1;
    fam = &f->fams[p->fam];
    size_t mi;
    int merged = fam->type == TF_SUMMARY || fam->type == TF_HISTOGRAM;
    if ((merged ? metric_merge(p, &mi) : metric_new(p, &mi)) < 0)
        return -1;
    size_t vstart = p->i;
    while (!blank(p->c) && p->c != '\n')
        if (!next(p))
            return eof_fail(p);
    char vend = p->c;
    p->text[p->i] = '\0';
    double v;
    if (tf_parse_float(p->text + vstart, &v) < 0)
        return fail(p, "expected float as value, got \"%s\"", p->text + vstart);
    tf_metric *m = &f->metrics[mi];
    if (!merged) {
        m->value = v;
    } else if (p->is_count) {
        m->count = v;
    } else if (p->is_sum) {
        m->sum = v;
    } else {
        double key = fam->type == TF_SUMMARY ? p->quantile : p->bucket;
        if (!isnan(key)) {
            if (grow((void **)&f->points, &f->cappoints, f->npoints, sizeof *f->points) < 0)
                return fail(p, "out of memory");
            f->points[f->npoints] = (tf_point){mi, f->npoints, key, v};
            f->npoints++;
        }
    }
    p->c = vend;
    if (p->c == '\n')
        return 1;
    /* A timestamp. */
    if (!skip_blank(p))
        return eof_fail(p);
    size_t tstart = p->i;
    while (!blank(p->c) && p->c != '\n')
        if (!next(p))
            return eof_fail(p);
    char tend = p->c;
    p->text[p->i] = '\0';
    if (parse_ts(p->text + tstart) < 0)
        return fail(p, "expected integer as timestamp, got \"%s\"", p->text + tstart);
    p->c = tend;
    m->has_timestamp = 1;
    f->has_timestamps = 1;
    /* expfmt's readTokenUntilNewline: anything but backslashes left on the line is spurious. */
    int spurious = 0;
    while (p->c != '\n') {
        if (p->c != '\\')
            spurious = 1;
        if (!next(p))
            return eof_fail(p);
    }
    return spurious ? fail(p, "spurious string after timestamp") : 1;
}

static int point_cmp(const void *a, const void *b)
{
    const tf_point *x = a, *y = b;
    if (x->metric != y->metric)
        return x->metric < y->metric ? -1 : 1;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Groups metrics by family and sorts each metric's points, keeping the last of equal keys (Go's map). */
static int finish(tp *p)
{
    tf_file *f = p->f;
    if (f->nmetrics && !(f->order = malloc(f->nmetrics * sizeof *f->order)))
        return fail(p, "out of memory");
    size_t pos = 0;
    for (size_t k = 0; k < f->nfams; k++) {
        f->fams[k].first = pos;
        pos += f->fams[k].nmetrics;
        f->fams[k].nmetrics = 0;
    }
    for (size_t i = 0; i < f->nmetrics; i++) {
        tf_family *fam = &f->fams[f->metrics[i].family];
        f->order[fam->first + fam->nmetrics++] = i;
    }
    if (f->npoints)
        qsort(f->points, f->npoints, sizeof *f->points, point_cmp);
    size_t out = 0;
    for (size_t i = 0; i < f->npoints; i++) {
        if (out && f->points[out - 1].metric == f->points[i].metric &&
            f->points[out - 1].key == f->points[i].key)
            out--; /* the later line replaces the earlier */
        f->points[out++] = f->points[i];
    }
    f->npoints = out;
    for (size_t i = 0; i < f->npoints;) {
        tf_metric *m = &f->metrics[f->points[i].metric];
        m->point0 = i;
        while (i < f->npoints && &f->metrics[f->points[i].metric] == m)
            i++;
        m->npoints = i - m->point0;
    }
    return 0;
}

int textfile_parse(char *text, size_t len, tf_file *f, char *err, size_t errlen)
{
    memset(f, 0, sizeof *f);
    tp p = {.text = text, .len = len, .f = f, .err = err, .errlen = errlen};
    if (memchr(text, '\0', len))
        return fail(&p, "NUL byte in the file");
    /* Before the first line the "current byte" is a virtual newline before the text. */
    p.i = (size_t)-1;
    for (;;) {
        p.line++;
        if (!skip_blank(&p))
            break; /* the end, at the start of a line: fine */
        int rc;
        if (p.c == '\n')
            continue;
        rc = p.c == '#' ? comment(&p) : sample(&p);
        if (rc < 0)
            return -1;
    }
    return finish(&p);
}

void tf_file_free(tf_file *f)
{
    free(f->fams);
    free(f->metrics);
    free(f->labels);
    free(f->points);
    free(f->order);
    hashtab_release(&f->fam_index);
    hashtab_release(&f->metric_index);
    memset(f, 0, sizeof *f);
}

const tf_family *tf_find_family(const tf_file *f, const char *name)
{
    long k = fam_lookup(f, name, strlen(name));
    return k >= 0 && f->fams[k].nmetrics ? &f->fams[k] : NULL;
}

int tf_path_join(char *out, size_t outlen, const char *dir, const char *name)
{
    /* Go's filepath.Clean, step for step: one slash between elements, "." dropped, ".." eats the
     * element before it (or stays, leading a relative path). */
    char tmp[4096];
    int len = snprintf(tmp, sizeof tmp, "%s%s%s", dir, *dir ? "/" : "", name);
    if (len < 0 || (size_t)len >= sizeof tmp || (size_t)len + 2 > outlen)
        return -1;
    size_t n = (size_t)len, r = 0, w = 0, dotdot = 0;
    int rooted = tmp[0] == '/';
    if (rooted) {
        out[w++] = '/';
        r = dotdot = 1;
    }
    while (r < n) {
        if (tmp[r] == '/') {
            r++;
        } else if (tmp[r] == '.' && (r + 1 == n || tmp[r + 1] == '/')) {
            r++;
        } else if (tmp[r] == '.' && tmp[r + 1] == '.' && (r + 2 == n || tmp[r + 2] == '/')) {
            r += 2;
            if (w > dotdot) {
                w--;
                while (w > dotdot && out[w] != '/')
                    w--;
            } else if (!rooted) {
                if (w > 0)
                    out[w++] = '/';
                out[w++] = '.';
                out[w++] = '.';
                dotdot = w;
            }
        } else {
            if ((rooted && w != 1) || (!rooted && w != 0))
                out[w++] = '/';
            for (; r < n && tmp[r] != '/'; r++)
                out[w++] = tmp[r];
        }
    }
    if (w == 0)
        out[w++] = '.';
    out[w] = '\0';
    return 0;
}
