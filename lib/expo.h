/* expo.h -- the Prometheus text exposition format 0.0.4, written correctly.
 *
 * A scrape writes into one `expo`. Samples are grouped by family: asking for a
 * family that already exists returns it, so collectors may emit families in any
 * order and interleave them, and the output still has HELP/TYPE exactly once,
 * immediately before that family's samples. Families come out in the order they
 * were first asked for.
 *
 * Labels are given as NULL-terminated name/value pairs:
 *   expo_gauge(f, 3.0, "topic", t, "partition", p, NULL);
 * Label values and HELP text are escaped here; callers pass raw strings.
 * Constant labels (e.g. cluster="upstream") set with expo_const_label() are
 * added to every sample. Values: +Inf, -Inf and NaN are written as such.
 *
 * Threads: an expo is not thread-safe; one thread writes into it at a time (a
 * collector that fans out to threads must collect their results and write them
 * from one thread).
 *
 * Memory: the writer allocates and aborts on out-of-memory for its own small
 * objects; total output is capped (expo_new's limit), after which samples are
 * dropped and expo_truncated() returns 1. */
#ifndef EXP_EXPO_H
#define EXP_EXPO_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

typedef enum { EXPO_COUNTER, EXPO_GAUGE, EXPO_UNTYPED, EXPO_HISTOGRAM, EXPO_SUMMARY } expo_type;

typedef struct expo expo;
typedef struct expo_family expo_family;

/* Creates a writer whose output may not exceed `limit` bytes. Can't fail. */
expo *expo_new(size_t limit);
void expo_free(expo *w);

/* At most this many constant labels per writer (a sample has room for 64 labels in all). */
#define EXPO_MAX_CONST_LABELS 16

/* Adds a label to every sample written afterwards (`--kafka.labels cluster=upstream`); a second call with
 * the same name replaces the value. Returns -1 (and changes nothing) if expo_const_label_problem() finds
 * fault with the name or the writer already has EXPO_MAX_CONST_LABELS. */
int expo_const_label(expo *w, const char *name, const char *value);
/* Why `name` cannot be a constant label, or NULL if it can: not a valid label name, reserved by
 * Prometheus (a "__" prefix) or by the format (le, quantile). */
const char *expo_const_label_problem(const char *name);
/* Parses a constant-label flag, "name=value,name=value" (empty pairs skipped), into *pairs: names at even
 * indexes, values after them, all allocated (free with expo_labels_free). Every name is checked with
 * expo_const_label_problem, and repeats and more than EXPO_MAX_CONST_LABELS are refused, so a flag that
 * parses is one every writer takes whole. 0, or -1 with "reason" in err and nothing allocated. */
int expo_labels_parse(const char *spec, char ***pairs, size_t *npairs, char *err, size_t errlen);
void expo_labels_free(char **pairs, size_t npairs);

/* Returns the family `name`, creating it with `help` and `type` on first use.
 * The name must be a valid metric name (checked: NULL is returned and a
 * message logged otherwise). For counters, pass the name without `_total`
 * only if the metric really lacks it: the name is used exactly as given. */
expo_family *expo_family_get(expo *w, const char *name, const char *help, expo_type type);

/* One sample of a gauge/counter/untyped family. Labels: name, value, ..., NULL. */
void expo_sample(expo_family *f, double value, ...) __attribute__((sentinel));
void expo_samplev(expo_family *f, double value, const char *const *names, const char *const *values,
                  size_t nlabels);

/* One histogram: `bounds` are the n upper bounds (ascending, without +Inf),
 * `counts` the n per-bucket counts (NOT cumulative; the writer accumulates),
 * `inf_count` the observations above the last bound. _count is the sum of all,
 * and le="+Inf" equals it. Labels as for expo_sample. */
void expo_histogram(expo_family *f, const double *bounds, const uint64_t *counts, size_t n,
                    uint64_t inf_count, double sum, ...) __attribute__((sentinel));

/* expo_histogram with the labels as arrays (names[i] = values[i], nlabels of them). */
void expo_histogramv(expo_family *f, const double *bounds, const uint64_t *counts, size_t n,
                     uint64_t inf_count, double sum, const char *const *names, const char *const *values,
                     size_t nlabels);
/* One summary: n quantiles (ascending, within [0, 1]) with their values, then _sum and _count.
 * Labels as for expo_samplev; each quantile line adds quantile="q" after them. */
void expo_summaryv(expo_family *f, const double *quantiles, const double *qvalues, size_t n, double sum,
                   uint64_t count, const char *const *names, const char *const *values, size_t nlabels);

/* Writes the whole exposition into `out` (appending). Returns -1 if `out`'s
 * limit was hit. */
int expo_render(const expo *w, buf *out);
/* Like expo_render, but frees each family's samples as it goes (lower peak memory); afterwards the
 * writer holds no samples and is only good for expo_free. */
int expo_render_consume(expo *w, buf *out);
/* 1 if samples were dropped because the output cap was reached. */
int expo_truncated(const expo *w);
/* Samples dropped because their family already had a sample with the same label set
 * (the first one is kept: Prometheus rejects a scrape with duplicates). */
size_t expo_duplicates(const expo *w);
/* Samples or families dropped for an invalid metric/label name, a type clash or bad bounds. */
size_t expo_invalid(const expo *w);
/* Bytes expo_render will write. */
size_t expo_size(const expo *w);

/* Helpers, exposed for tests and for other writers. */
int expo_valid_metric_name(const char *name);
int expo_valid_label_name(const char *name);
/* Formats a double the way Prometheus reads it (shortest round-trip, +Inf, -Inf, NaN). */
void expo_format_double(double v, char *out, size_t outlen);

#endif
