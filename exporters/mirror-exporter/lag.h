/* lag.h -- mirror lag of one upstream topic-partition, from MM2's offset syncs and end offsets.
 *
 * An offset sync (U, D) says upstream offset U was written downstream at D; the records after
 * D downstream are the records after U upstream, one for one, so with the remote partition's
 * end offset T, MM2's upstream position (next offset to mirror) is U + (T - D), clamped to
 * [U, source end]. Gaps upstream (compaction, transaction markers) make this an underestimate
 * until the next sync. Records below the source log-start offset that were never mirrored
 * (log start > position) have expired upstream: real loss, counted once each. MM2 may skip such
 * records (its consumer resets to the log start) before a poll sees them: a sync that jumps further
 * upstream than downstream, over offsets now below the log start, counts them too. Pure. */
#ifndef MIRROR_LAG_H
#define MIRROR_LAG_H

#include <stdint.h>

#include "mm2_records.h"

typedef struct lag_tp {
    char topic[MM2_NAME_MAX + 1]; /* the upstream topic */
    int32_t partition;
    int have_sync, have_source, have_target;
    int64_t sync_upstream, sync_downstream;
    int64_t source_start, source_end, target_end;
    int have_position;
    int64_t position;     /* MM2's upstream position (derived) */
    int64_t moved_from;   /* position when it was last seen moving */
    double last_move;     /* monotonic seconds */
    int64_t expired_upto; /* expiry counted up to this offset */
    int have_prev_sync;   /* the sync seen by the previous lag_update */
    int64_t prev_sync_upstream, prev_sync_downstream;
    uint64_t expired_total;
} lag_tp;

void lag_init(lag_tp *t, const char *topic, int32_t partition, double now);
void lag_on_sync(lag_tp *t, int64_t upstream, int64_t downstream);
void lag_on_source(lag_tp *t, int64_t start, int64_t end);
void lag_on_target(lag_tp *t, int64_t end);
/* Recomputes the position and counts newly expired records; call after new offsets arrived. */
void lag_update(lag_tp *t, double now);
/* Source end minus position (0 when unknown). */
int64_t lag_records(const lag_tp *t);
/* 1 if there is lag and the position has not moved for stall_window seconds. */
int lag_no_progress(const lag_tp *t, double now, double stall_window);

#endif
