/* lag.h -- consumer lag in messages and in seconds (pure functions, no I/O).
 *
 * Lag in seconds is estimated as kafka-lag-exporter does: each partition keeps a
 * short history of (end offset, time) samples, and the time at which the
 * partition's end offset passed the group's committed offset is interpolated on
 * it. The age of the oldest unconsumed record is then `now - that time`.
 * docs/metrics-kafka.md has the full definition, incl. the idle and no-history
 * cases. Times are CLOCK_MONOTONIC seconds, so wall-clock jumps do not matter. */
#ifndef KX_LAG_H
#define KX_LAG_H

#include <stddef.h>
#include <stdint.h>

/* Samples kept per partition: at a 15 s scrape interval, 8 minutes of history
 * to interpolate on; older records are extrapolated at the history's rate. */
#define LAG_HISTORY_MAX 32

typedef struct lag_sample {
    int64_t offset; /* end offset (high watermark) seen */
    double t;       /* when it was seen */
} lag_sample;

/* Samples in time order, offsets non-decreasing. A run of equal offsets keeps
 * only its first and last sample, so an idle partition costs two samples. */
typedef struct lag_history {
    lag_sample *s; /* grown on demand up to LAG_HISTORY_MAX */
    uint16_t n, cap;
} lag_history;

/* Frees the samples; the history is empty and reusable afterwards. */
void lag_history_free(lag_history *h);
/* Records that the end offset was `end_offset` at time `t`. An offset lower than
 * the last one (topic recreated or truncated) restarts the history. Samples
 * older than `t` only; a sample not newer than the last one is ignored. Can't
 * fail (aborts on out-of-memory: the size is bounded by LAG_HISTORY_MAX). */
void lag_history_add(lag_history *h, int64_t end_offset, double t);

/* Messages behind: end - committed, never negative (a commit read before the end
 * offset can only be at or below it, but a truncated log can still cross). */
int64_t lag_messages(int64_t committed, int64_t end_offset);

/* Seconds behind for a group at `committed`, as of `now`, given the partition's
 * history (whose last sample is the current end offset). Returns 0 and sets
 * *seconds, or -1 if there is no estimate: the record at `committed` predates
 * the history and the history shows no production rate to extrapolate with
 * (an idle partition, or a single sample just after start). */
int lag_seconds(const lag_history *h, int64_t committed, double now, double *seconds);

#endif
