/* textfile.h -- the Prometheus text format (0.0.4) as node_exporter 1.5's textfile collector reads it.
 *
 * textfile_parse follows expfmt.TextParser (prometheus/common 0.37) byte for byte: what it rejects,
 * this rejects (a whole file, with "line N: reason"), and families come out as it builds them:
 * samples of one family may be spread over the file, histogram and summary lines are merged per
 * label set, metrics without samples are dropped. Two deliberate differences, both for files
 * node_exporter mishandles: a NUL byte is refused (C strings), and so is a label name starting
 * with "__" (node_exporter 1.5 panics on it when it builds the metric).
 *
 * The file's text is split and unescaped in place: every string in the result points into it,
 * so the text must outlive the tf_file. Memory grows with the input (a few arrays, no allocation
 * per sample); textfile_parse fails cleanly when an allocation does. */
#ifndef NEL_TEXTFILE_H
#define NEL_TEXTFILE_H

#include <stddef.h>
#include <stdint.h>

#include "hashtab.h"

/* In client_model's order. */
typedef enum { TF_COUNTER, TF_GAUGE, TF_SUMMARY, TF_UNTYPED, TF_HISTOGRAM } tf_type;

typedef struct tf_label {
    const char *name, *value;
} tf_label;

typedef struct tf_family {
    const char *name;
    const char *help; /* NULL when the file gave none */
    tf_type type;
    int typed;       /* a TYPE line or a sample fixed the type */
    size_t nmetrics; /* 0: only HELP/TYPE lines, not a family in the result */
    size_t first;    /* after textfile_parse: its metrics are order[first .. first+nmetrics) */
} tf_family;

typedef struct tf_point {
    size_t metric, seq; /* seq: file order, for "the last line wins" among equal keys */
    double key, value;  /* le or quantile, and the sample */
} tf_point;

typedef struct tf_metric {
    size_t family;
    size_t label0, nlabels; /* into labels[] (without le or quantile) */
    int has_timestamp;
    double value;           /* counter, gauge, untyped */
    double sum, count;      /* histogram, summary: _sum and _count (0 if absent) */
    size_t point0, npoints; /* after textfile_parse: its buckets or quantiles, sorted by key, unique */
} tf_metric;

typedef struct tf_file {
    tf_family *fams;
    size_t nfams, capfams;
    tf_metric *metrics;
    size_t nmetrics, capmetrics;
    tf_label *labels;
    size_t nlabels, caplabels;
    tf_point *points;
    size_t npoints, cappoints;
    size_t *order;        /* metric indices grouped by family */
    hashtab fam_index;    /* families by name: value family index + 1 */
    hashtab metric_index; /* histogram and summary metrics by label set: value metric index + 1 */
    int has_timestamps;
} tf_file;

/* Parses `len` bytes of `text` (which must have a NUL at text[len]) into f (zeroed first).
 * 0, or -1 with "line N: reason" in err; f must be freed with tf_file_free either way. */
int textfile_parse(char *text, size_t len, tf_file *f, char *err, size_t errlen);
void tf_file_free(tf_file *f);
/* The family named `name` with at least one metric, or NULL. */
const tf_family *tf_find_family(const tf_file *f, const char *name);

/* Go's strconv.ParseFloat as expfmt calls it (no '_', 'p' or hex; "Inf", "+inf", "infinity", "NaN";
 * out of range is an error): 0 or -1. */
int tf_parse_float(const char *s, double *out) __attribute__((warn_unused_result));
/* 1 if s is valid UTF-8 (Go's utf8.ValidString: no overlong forms, surrogates or values past U+10FFFF). */
int tf_valid_utf8(const char *s);
/* Go's uint64(v) for the counts of histograms and summaries, without C's undefined behaviour
 * (negative and NaN give 0, too large gives UINT64_MAX). */
uint64_t tf_count(double v);
/* Go's filepath.Join(dir, name) (which cleans the result) into out: 0, or -1 if it does not fit. */
int tf_path_join(char *out, size_t outlen, const char *dir, const char *name);

#endif
