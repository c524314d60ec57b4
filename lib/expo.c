/* expo.c -- the text exposition writer (expo.h): families, escaping, histograms, duplicates, size cap. */
#include "expo.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hashtab.h"
#include "log.h"
#include "xalloc.h"
#include "parse.h"

#define EXPO_MAX_LABELS 64

/* The label sets a family has seen, to drop a second sample with the same set.
 * Only a 128-bit hash of each key is kept, not the key: the keys took nearly as
 * much memory as the sample text. Two different label sets collide by chance
 * with odds about n^2/2^129 (1e-27 for a million samples in one family); the
 * hash is not cryptographic, so label values crafted to collide could, at
 * worst, get one sample dropped and counted as a duplicate. The table holds the
 * first half as its hash and the second as its value. */
struct expo_family {
    expo *w;
    char *name;
    char *help;
    expo_type type;
    buf body;
    size_t nsamples;
    hashtab keys; /* label-set hashes seen (above) */
};

struct expo {
    buf line; /* scratch for one sample's text */
    buf key;  /* scratch for one sample's label-set key */
    expo_family **fams;
    size_t nfams, famcap;
    hashtab index; /* fams by name: value i + 1 */
    size_t size;   /* bytes the rendered output will take */
    size_t limit;
    int truncated;
    size_t duplicates;
    size_t invalid;
    char **cnames, **cvalues;
    size_t nconst;
};

static uint64_t rotl64(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

static uint64_t fmix64(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    k ^= k >> 33;
    return k;
}

/* MurmurHash3 x64_128 (public domain, Austin Appleby), seed 0: two well-mixed 64-bit halves. */
static void hash128(const char *key, size_t len, uint64_t *o1, uint64_t *o2)
{
    const unsigned char *data = (const unsigned char *)key;
    const uint64_t c1 = 0x87c37b91114253d5ULL, c2 = 0x4cf5ad432745937fULL;
    uint64_t h1 = 0, h2 = 0, k1, k2;
    size_t nblocks = len / 16;
    for (size_t i = 0; i < nblocks; i++) {
        memcpy(&k1, data + i * 16, 8);
        memcpy(&k2, data + i * 16 + 8, 8);
        k1 *= c1;
        k1 = rotl64(k1, 31);
        k1 *= c2;
        h1 ^= k1;
        h1 = rotl64(h1, 27);
        h1 += h2;
        h1 = h1 * 5 + 0x52dce729;
        k2 *= c2;
        k2 = rotl64(k2, 33);
        k2 *= c1;
        h2 ^= k2;
        h2 = rotl64(h2, 31);
        h2 += h1;
        h2 = h2 * 5 + 0x38495ab5;
    }
    const unsigned char *tail = data + nblocks * 16;
    size_t rem = len & 15;
    k1 = k2 = 0;
    for (size_t i = 0; i < rem; i++) {
        if (i < 8)
            k1 |= (uint64_t)tail[i] << (8 * i);
        else
            k2 |= (uint64_t)tail[i] << (8 * (i - 8));
    }
    if (rem > 8) {
        k2 *= c2;
        k2 = rotl64(k2, 33);
        k2 *= c1;
        h2 ^= k2;
    }
    if (rem > 0) {
        k1 *= c1;
        k1 = rotl64(k1, 31);
        k1 *= c2;
        h1 ^= k1;
    }
    h1 ^= (uint64_t)len;
    h2 ^= (uint64_t)len;
    h1 += h2;
    h2 += h1;
    h1 = fmix64(h1);
    h2 = fmix64(h2);
    h1 += h2;
    h2 += h1;
    *o1 = h1;
    *o2 = h2;
}

static int same_value(uint64_t value, const void *owner, const void *key)
{
    (void)owner;
    return value == *(const uint64_t *)key;
}

/* Adds key unless present; returns 1 if added, 0 if it was already there. */
static int keyset_add(hashtab *ks, const char *key, size_t keylen)
{
    uint64_t h1, h2;
    hash128(key, keylen, &h1, &h2);
    if (!h2)
        h2 = 1; /* a value of 0 marks an empty slot */
    if (hashtab_find(ks, h1, same_value, NULL, &h2))
        return 0;
    if (hashtab_add(ks, h1, h2) < 0)
        xalloc_die(ks->cap * 2 * sizeof *ks->slots);
    return 1;
}

expo *expo_new(size_t limit)
{
    expo *w = xmalloc(sizeof(*w));
    memset(w, 0, sizeof(*w));
    w->limit = limit;
    buf_init(&w->line, limit);
    buf_init(&w->key, (size_t)-1);
    return w;
}

void expo_free(expo *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->nfams; i++) {
        expo_family *f = w->fams[i];
        free(f->name);
        free(f->help);
        buf_free(&f->body);
        hashtab_release(&f->keys);
        free(f);
    }
    free(w->fams);
    hashtab_release(&w->index);
    for (size_t i = 0; i < w->nconst; i++) {
        free(w->cnames[i]);
        free(w->cvalues[i]);
    }
    free(w->cnames);
    free(w->cvalues);
    buf_free(&w->line);
    buf_free(&w->key);
    free(w);
}

int expo_valid_metric_name(const char *name)
{
    if (!name || !*name)
        return 0;
    for (const char *p = name; *p; p++) {
        char c = *p;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
                 (p != name && c >= '0' && c <= '9');
        if (!ok)
            return 0;
    }
    return 1;
}

int expo_valid_label_name(const char *name)
{
    if (!name || !*name)
        return 0;
    /* Names starting with "__" are reserved for Prometheus itself. */
    if (name[0] == '_' && name[1] == '_')
        return 0;
    for (const char *p = name; *p; p++) {
        char c = *p;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                 (p != name && c >= '0' && c <= '9');
        if (!ok)
            return 0;
    }
    return 1;
}

const char *expo_const_label_problem(const char *name)
{
    if (name && name[0] == '_' && name[1] == '_')
        return "names starting with \"__\" are reserved for Prometheus";
    if (!expo_valid_label_name(name))
        return "not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*)";
    if (strcmp(name, "le") == 0 || strcmp(name, "quantile") == 0)
        return "reserved for histogram and summary samples";
    return NULL;
}

int expo_const_label(expo *w, const char *name, const char *value)
{
    if (expo_const_label_problem(name))
        return -1;
    for (size_t i = 0; i < w->nconst; i++) {
        if (strcmp(w->cnames[i], name) == 0) {
            free(w->cvalues[i]);
            w->cvalues[i] = xstrdup(value ? value : "");
            return 0;
        }
    }
    if (w->nconst == EXPO_MAX_CONST_LABELS)
        return -1;
    w->cnames = xrealloc(w->cnames, (w->nconst + 1) * sizeof(char *));
    w->cvalues = xrealloc(w->cvalues, (w->nconst + 1) * sizeof(char *));
    w->cnames[w->nconst] = xstrdup(name);
    w->cvalues[w->nconst] = xstrdup(value ? value : "");
    w->nconst++;
    return 0;
}

void expo_labels_free(char **pairs, size_t npairs)
{
    for (size_t i = 0; i < npairs; i++)
        free(pairs[i]);
    free(pairs);
}

int expo_labels_parse(const char *spec, char ***pairs, size_t *npairs, char *err, size_t errlen)
{
    char **out = NULL;
    size_t n = 0;
    *pairs = NULL;
    *npairs = 0;
    for (const char *p = spec ? spec : ""; *p;) {
        size_t len = strcspn(p, ",");
        const char *eq = memchr(p, '=', len);
        if (len == 0) {
            p++;
            continue;
        }
        char *name = xstrndup(p, eq ? (size_t)(eq - p) : len);
        const char *why = eq ? expo_const_label_problem(name) : NULL;
        int bad = 1;
        if (!eq)
            snprintf(err, errlen, "\"%.*s\" is not name=value", (int)len, p);
        else if (why)
            snprintf(err, errlen, "label \"%s\": %s", name, why);
        else if (n / 2 == EXPO_MAX_CONST_LABELS)
            snprintf(err, errlen, "more than %d labels", EXPO_MAX_CONST_LABELS);
        else
            bad = 0;
        for (size_t i = 0; !bad && i < n; i += 2)
            if (strcmp(out[i], name) == 0) {
                snprintf(err, errlen, "label \"%s\" is given twice", name);
                bad = 1;
            }
        if (bad) {
            free(name);
            expo_labels_free(out, n);
            return -1;
        }
        out = xreallocarray(out, n + 2, sizeof *out);
        out[n++] = name;
        out[n++] = xstrndup(eq + 1, len - (size_t)(eq + 1 - p));
        p += len;
    }
    *pairs = out;
    *npairs = n;
    return 0;
}

static const char *type_name(expo_type t)
{
    switch (t) {
    case EXPO_COUNTER:
        return "counter";
    case EXPO_GAUGE:
        return "gauge";
    case EXPO_HISTOGRAM:
        return "histogram";
    case EXPO_SUMMARY:
        return "summary";
    case EXPO_UNTYPED:
    default:
        return "untyped";
    }
}

/* Appends s escaped for HELP text (backslash, newline). */
static int put_help(buf *b, const char *s)
{
    while (*s) {
        size_t run = strcspn(s, "\\\n"); /* copy plain runs at once: this is on every scrape's path */
        if (run && buf_append(b, s, run) < 0)
            return -1;
        s += run;
        if (!*s)
            break;
        if (buf_puts(b, *s == '\\' ? "\\\\" : "\\n") < 0)
            return -1;
        s++;
    }
    return 0;
}

/* Length of a valid UTF-8 sequence at s, or 0 if it is not one. */
static size_t utf8_seq_len(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    size_t n;
    uint32_t cp;
    if ((s[0] & 0xE0) == 0xC0) {
        n = 2;
        cp = s[0] & 0x1F;
    } else if ((s[0] & 0xF0) == 0xE0) {
        n = 3;
        cp = s[0] & 0x0F;
    } else if ((s[0] & 0xF8) == 0xF0) {
        n = 4;
        cp = s[0] & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    static const uint32_t min_cp[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_cp[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

/* Appends s escaped for a label value (backslash, quote, newline); invalid
 * UTF-8 becomes U+FFFD because Prometheus rejects the whole scrape otherwise. */
static int put_label_value(buf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t plain = 0;
    while (p[plain] && p[plain] != '\\' && p[plain] != '"' && p[plain] != '\n' && p[plain] < 0x80)
        plain++;
    if (!p[plain])
        return buf_append(b, s, plain); /* the common case: nothing to escape */
    while (*p) {
        int rc;
        size_t n = 1;
        if (*p == '\\')
            rc = buf_puts(b, "\\\\");
        else if (*p == '"')
            rc = buf_puts(b, "\\\"");
        else if (*p == '\n')
            rc = buf_puts(b, "\\n");
        else if ((n = utf8_seq_len(p)) == 0) {
            n = 1;
            rc = buf_puts(b, "\xEF\xBF\xBD");
        } else
            rc = buf_append(b, p, n);
        if (rc < 0)
            return -1;
        p += n;
    }
    return 0;
}

void expo_format_double(double v, char *out, size_t outlen)
{
    if (isnan(v)) {
        snprintf(out, outlen, "NaN");
        return;
    }
    if (isinf(v)) {
        snprintf(out, outlen, v > 0 ? "+Inf" : "-Inf");
        return;
    }
    if (v == 0) {
        snprintf(out, outlen, "0");
        return;
    }
    /* Integers (most samples) print exactly as integers: no search needed. */
    if (fabs(v) < 1e15 && v == (double)(long long)v) {
        snprintf(out, outlen, "%lld", (long long)v);
        return;
    }
    /* %g drops trailing zeros, so the first precision from 15 that reads back to
     * the same double is the shortest such form (below 15 digits, %.15g is exact). */
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(out, outlen, "%.*g", prec, v);
        double back;
        if (parse_double(out, &back) == 0 && back == v)
            return;
    }
}

static int fam_named(uint64_t value, const void *owner, const void *name)
{
    const expo *w = owner;
    return strcmp(w->fams[value - 1]->name, name) == 0;
}

expo_family *expo_family_get(expo *w, const char *name, const char *help, expo_type type)
{
    if (!w)
        return NULL;
    if (!name) {
        log_warn("invalid metric name, family dropped", "name", "(null)", NULL);
        w->invalid++;
        return NULL;
    }
    /* Looked up before validation: a name found was valid when its family was made. */
    uint64_t hash = hashtab_fnv1a(name, strlen(name), HASHTAB_FNV_BASIS);
    uint64_t found = hashtab_find(&w->index, hash, fam_named, w, name);
    if (found) {
        expo_family *f = w->fams[found - 1];
        if (f->type != type) {
            log_warn("metric family asked for with two types, second dropped", "name", name, NULL);
            w->invalid++;
            return NULL;
        }
        return f;
    }
    if (!expo_valid_metric_name(name)) {
        log_warn("invalid metric name, family dropped", "name", name, NULL);
        w->invalid++;
        return NULL;
    }
    if (w->nfams == w->famcap) {
        w->famcap = w->famcap ? w->famcap * 2 : 16;
        w->fams = xrealloc(w->fams, w->famcap * sizeof(*w->fams));
    }
    expo_family *f = xmalloc(sizeof(*f));
    memset(f, 0, sizeof(*f));
    f->w = w;
    f->name = xstrdup(name);
    f->help = xstrdup(help ? help : "");
    f->type = type;
    buf_init(&f->body, w->limit);
    w->fams[w->nfams] = f;
    if (hashtab_add(&w->index, hash, w->nfams + 1) < 0)
        xalloc_die(w->index.cap * 2 * sizeof *w->index.slots);
    w->nfams++;
    return f;
}

/* Bytes of the HELP and TYPE lines of f. */
static size_t header_size(const expo_family *f)
{
    buf b;
    buf_init(&b, (size_t)-1);
    size_t n = 0;
    if (f->help[0]) {
        if (put_help(&b, f->help) == 0)
            n += b.len;
        n += strlen("# HELP  \n") + strlen(f->name);
    }
    buf_free(&b);
    n += strlen("# TYPE  \n") + strlen(f->name) + strlen(type_name(f->type));
    return n;
}

/* The labels of one sample, merged with the writer's constant labels and checked. */
typedef struct labelset {
    const char *names[EXPO_MAX_LABELS];
    const char *values[EXPO_MAX_LABELS];
    size_t n;
} labelset;

/* Builds the label set; returns -1 (and counts it) if a name is invalid or repeated. */
static int labelset_build(expo_family *f, labelset *ls, const char *const *names, const char *const *values,
                          size_t n)
{
    expo *w = f->w;
    ls->n = 0;
    for (size_t i = 0; i < w->nconst; i++) {
        int overridden = 0;
        for (size_t j = 0; j < n; j++)
            if (names[j] && strcmp(names[j], w->cnames[i]) == 0)
                overridden = 1;
        if (overridden)
            continue;
        if (ls->n == EXPO_MAX_LABELS) /* expo_const_label keeps it well below; never write past names[] */
            break;
        ls->names[ls->n] = w->cnames[i];
        ls->values[ls->n] = w->cvalues[i];
        ls->n++;
    }
    for (size_t j = 0; j < n; j++) {
        const char *name = names[j];
        int reserved = name && ((f->type == EXPO_HISTOGRAM && strcmp(name, "le") == 0) ||
                                (f->type == EXPO_SUMMARY && strcmp(name, "quantile") == 0));
        if (!expo_valid_label_name(name) || reserved || ls->n == EXPO_MAX_LABELS) {
            log_warn("invalid label name, sample dropped", "metric", f->name, "label", name ? name : "(null)",
                     NULL);
            w->invalid++;
            return -1;
        }
        for (size_t k = 0; k < ls->n; k++) {
            if (strcmp(ls->names[k], name) == 0) {
                log_warn("repeated label name, sample dropped", "metric", f->name, "label", name, NULL);
                w->invalid++;
                return -1;
            }
        }
        ls->names[ls->n] = name;
        ls->values[ls->n] = values[j] ? values[j] : "";
        ls->n++;
    }
    return 0;
}

/* Records the label set as seen; 0 if it is new, -1 if this family already has it. */
static int labelset_claim(expo_family *f, const labelset *ls)
{
    size_t order[EXPO_MAX_LABELS];
    for (size_t i = 0; i < ls->n; i++)
        order[i] = i;
    /* Insertion sort by name: the key must not depend on argument order. */
    for (size_t i = 1; i < ls->n; i++) {
        size_t v = order[i], j = i;
        while (j > 0 && strcmp(ls->names[order[j - 1]], ls->names[v]) > 0) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = v;
    }
    buf *key = &f->w->key;
    buf_reset(key);
    for (size_t i = 0; i < ls->n; i++) {
        /* NUL-terminated pieces: a C string cannot contain NUL, so the key is unambiguous. */
        if (buf_append(key, ls->names[order[i]], strlen(ls->names[order[i]]) + 1) < 0 ||
            buf_append(key, ls->values[order[i]], strlen(ls->values[order[i]]) + 1) < 0)
            abort();
    }
    if (!keyset_add(&f->keys, key->data ? key->data : "", key->len)) {
        f->w->duplicates++;
        return -1;
    }
    return 0;
}

/* Writes `{a="x",b="y"[,extra="v"]}` (nothing if there are no labels). */
static int put_labels(buf *b, const labelset *ls, const char *extra_name, const char *extra_value)
{
    if (ls->n == 0 && !extra_name)
        return 0;
    if (buf_puts(b, "{") < 0)
        return -1;
    for (size_t i = 0; i < ls->n; i++) {
        if ((i && buf_append(b, ",", 1) < 0) || buf_puts(b, ls->names[i]) < 0 ||
            buf_append(b, "=\"", 2) < 0 || put_label_value(b, ls->values[i]) < 0 ||
            buf_append(b, "\"", 1) < 0)
            return -1;
    }
    if (extra_name && buf_printf(b, "%s%s=\"%s\"", ls->n ? "," : "", extra_name, extra_value) < 0)
        return -1;
    return buf_puts(b, "}");
}

/* Moves the rendered lines in `lines` into f's body if the output cap allows. */
static void commit_lines(expo_family *f, buf *lines)
{
    expo *w = f->w;
    size_t need = lines->len + (f->nsamples == 0 ? header_size(f) : 0);
    if (lines->len == 0 || need > w->limit - (w->size < w->limit ? w->size : w->limit) ||
        buf_append(&f->body, lines->data, lines->len) < 0) {
        w->truncated = 1;
        return;
    }
    w->size += need;
    f->nsamples++;
}

/* A sample not written: says why, counts it in expo_invalid. */
static void drop_sample(expo_family *f, const char *why)
{
    log_warn(why, "metric", f->name, NULL);
    f->w->invalid++;
}

void expo_samplev(expo_family *f, double value, const char *const *names, const char *const *values,
                  size_t nlabels)
{
    if (!f)
        return;
    if (f->type == EXPO_HISTOGRAM || f->type == EXPO_SUMMARY) {
        drop_sample(f, "expo_sample on a histogram or summary family, sample dropped");
        return;
    }
    labelset ls;
    if (labelset_build(f, &ls, names, values, nlabels) < 0)
        return;
    if (f->w->truncated)
        return;
    if (labelset_claim(f, &ls) < 0)
        return;
    buf *line = &f->w->line;
    buf_reset(line);
    char num[40];
    expo_format_double(value, num + 1, sizeof(num) - 2);
    num[0] = ' ';
    size_t nl = strlen(num);
    num[nl] = '\n';
    if (buf_puts(line, f->name) < 0 || put_labels(line, &ls, NULL, NULL) < 0 ||
        buf_append(line, num, nl + 1) < 0)
        buf_reset(line);
    commit_lines(f, line);
}

/* Collects NULL-terminated name/value varargs; -1 if there are too many. */
static int collect_varargs(va_list ap, const char **names, const char **values, size_t *n)
{
    *n = 0;
    for (;;) {
        const char *k = va_arg(ap, const char *);
        if (!k)
            return 0;
        const char *v = va_arg(ap, const char *);
        if (*n == EXPO_MAX_LABELS)
            return -1;
        names[*n] = k;
        values[*n] = v;
        (*n)++;
    }
}

void expo_sample(expo_family *f, double value, ...)
{
    const char *names[EXPO_MAX_LABELS], *values[EXPO_MAX_LABELS];
    size_t n;
    va_list ap;
    va_start(ap, value);
    int rc = collect_varargs(ap, names, values, &n);
    va_end(ap);
    if (!f)
        return;
    if (rc < 0) {
        f->w->invalid++;
        return;
    }
    expo_samplev(f, value, names, values, n);
}

/* The _sum and _count lines of a histogram or summary. */
static int put_sum_count(buf *lines, const expo_family *f, const labelset *ls, double sum, uint64_t count)
{
    char num[40];
    expo_format_double(sum, num, sizeof(num));
    return buf_printf(lines, "%s_sum", f->name) < 0 || put_labels(lines, ls, NULL, NULL) < 0 ||
                   buf_printf(lines, " %s\n%s_count", num, f->name) < 0 ||
                   put_labels(lines, ls, NULL, NULL) < 0 || buf_printf(lines, " %" PRIu64 "\n", count) < 0
               ? -1
               : 0;
}

void expo_histogramv(expo_family *f, const double *bounds, const uint64_t *counts, size_t n,
                     uint64_t inf_count, double sum, const char *const *names, const char *const *values,
                     size_t nlabels)
{
    if (!f)
        return;
    if (f->type != EXPO_HISTOGRAM) {
        drop_sample(f, "bad histogram call, sample dropped");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (isnan(bounds[i]) || (i && !(bounds[i] > bounds[i - 1])) || (isinf(bounds[i]) && bounds[i] > 0)) {
            drop_sample(f, "histogram bounds not ascending, sample dropped");
            return;
        }
    }
    labelset ls;
    if (labelset_build(f, &ls, names, values, nlabels) < 0 || f->w->truncated || labelset_claim(f, &ls) < 0)
        return;
    buf *lines = &f->w->line;
    buf_reset(lines);
    uint64_t cum = 0;
    char num[40];
    int rc2 = 0;
    for (size_t i = 0; i < n && rc2 == 0; i++) {
        cum += counts[i];
        expo_format_double(bounds[i], num, sizeof(num));
        rc2 = buf_printf(lines, "%s_bucket", f->name) < 0 || put_labels(lines, &ls, "le", num) < 0 ||
                      buf_printf(lines, " %" PRIu64 "\n", cum) < 0
                  ? -1
                  : 0;
    }
    cum += inf_count;
    if (rc2 < 0 || buf_printf(lines, "%s_bucket", f->name) < 0 || put_labels(lines, &ls, "le", "+Inf") < 0 ||
        buf_printf(lines, " %" PRIu64 "\n", cum) < 0 || put_sum_count(lines, f, &ls, sum, cum) < 0)
        buf_reset(lines);
    commit_lines(f, lines);
}

void expo_histogram(expo_family *f, const double *bounds, const uint64_t *counts, size_t n,
                    uint64_t inf_count, double sum, ...)
{
    const char *names[EXPO_MAX_LABELS], *values[EXPO_MAX_LABELS];
    size_t nl;
    va_list ap;
    va_start(ap, sum);
    int rc = collect_varargs(ap, names, values, &nl);
    va_end(ap);
    if (!f)
        return;
    if (rc < 0) {
        drop_sample(f, "bad histogram call, sample dropped");
        return;
    }
    expo_histogramv(f, bounds, counts, n, inf_count, sum, names, values, nl);
}

void expo_summaryv(expo_family *f, const double *quantiles, const double *qvalues, size_t n, double sum,
                   uint64_t count, const char *const *names, const char *const *values, size_t nlabels)
{
    if (!f)
        return;
    if (f->type != EXPO_SUMMARY) {
        drop_sample(f, "bad summary call, sample dropped");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (!(quantiles[i] >= 0 && quantiles[i] <= 1) || (i && !(quantiles[i] > quantiles[i - 1]))) {
            drop_sample(f, "summary quantiles not ascending within [0, 1], sample dropped");
            return;
        }
    }
    labelset ls;
    if (labelset_build(f, &ls, names, values, nlabels) < 0 || f->w->truncated || labelset_claim(f, &ls) < 0)
        return;
    buf *lines = &f->w->line;
    buf_reset(lines);
    char q[40], v[40];
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        expo_format_double(quantiles[i], q, sizeof(q));
        expo_format_double(qvalues[i], v, sizeof(v));
        rc = buf_puts(lines, f->name) < 0 || put_labels(lines, &ls, "quantile", q) < 0 ||
                     buf_printf(lines, " %s\n", v) < 0
                 ? -1
                 : 0;
    }
    if (rc < 0 || put_sum_count(lines, f, &ls, sum, count) < 0)
        buf_reset(lines);
    commit_lines(f, lines);
}

static int render_family(const expo_family *f, buf *out)
{
    if (f->nsamples == 0)
        return 0;
    if (f->help[0] &&
        (buf_printf(out, "# HELP %s ", f->name) < 0 || put_help(out, f->help) < 0 || buf_puts(out, "\n") < 0))
        return -1;
    if (buf_printf(out, "# TYPE %s %s\n", f->name, type_name(f->type)) < 0 ||
        buf_append(out, f->body.data, f->body.len) < 0)
        return -1;
    return 0;
}

int expo_render(const expo *w, buf *out)
{
    /* One allocation of the known size instead of a dozen doublings. */
    if (buf_grow(out, w->size) < 0)
        return -1;
    for (size_t i = 0; i < w->nfams; i++)
        if (render_family(w->fams[i], out) < 0)
            return -1;
    return 0;
}

int expo_render_consume(expo *w, buf *out)
{
    if (buf_grow(out, w->size) < 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < w->nfams; i++) {
        expo_family *f = w->fams[i];
        if (rc == 0 && render_family(f, out) < 0)
            rc = -1;
        /* Each family's text is freed once copied, so the scrape never holds two whole copies. */
        buf_free(&f->body);
        hashtab_release(&f->keys);
        memset(&f->keys, 0, sizeof(f->keys));
        f->nsamples = 0;
    }
    return rc;
}

int expo_truncated(const expo *w)
{
    return w->truncated;
}

size_t expo_duplicates(const expo *w)
{
    return w->duplicates;
}

size_t expo_invalid(const expo *w)
{
    return w->invalid;
}

size_t expo_size(const expo *w)
{
    return w->size;
}
