/* lag.c -- MM2 position, lag, stall and upstream-expiry accounting per topic-partition. */
#include "lag.h"

#include <stdio.h>
#include <string.h>

void lag_init(lag_tp *t, const char *topic, int32_t partition, double now)
{
    memset(t, 0, sizeof *t);
    snprintf(t->topic, sizeof t->topic, "%s", topic);
    t->partition = partition;
    t->last_move = now;
}

void lag_on_sync(lag_tp *t, int64_t upstream, int64_t downstream)
{
    t->have_sync = 1;
    t->sync_upstream = upstream;
    t->sync_downstream = downstream;
}

void lag_on_source(lag_tp *t, int64_t start, int64_t end)
{
    t->have_source = 1;
    t->source_start = start;
    t->source_end = end;
}

void lag_on_target(lag_tp *t, int64_t end)
{
    t->have_target = 1;
    t->target_end = end;
}

void lag_update(lag_tp *t, double now)
{
    if (!t->have_sync)
        return;
    int64_t pos = t->sync_upstream;
    if (t->have_target && t->target_end > t->sync_downstream)
        pos += t->target_end - t->sync_downstream;
    if (t->have_source && pos > t->source_end)
        pos = t->source_end;
    /* Records MM2 skipped since the last update: the sync moved further upstream than downstream.
     * Those below the log start were deleted unmirrored. */
    int64_t skipped = 0;
    if (t->have_prev_sync && t->have_position)
        skipped = (t->sync_upstream - t->prev_sync_upstream) - (t->sync_downstream - t->prev_sync_downstream);
    int64_t prev_pos = t->have_position ? t->position : pos;
    t->have_prev_sync = 1;
    t->prev_sync_upstream = t->sync_upstream;
    t->prev_sync_downstream = t->sync_downstream;
    if (skipped > 0 && t->have_source) {
        int64_t lo = prev_pos > t->expired_upto ? prev_pos : t->expired_upto;
        int64_t hi = t->source_start < pos ? t->source_start : pos;
        if (hi > lo)
            t->expired_total += (uint64_t)(hi - lo < skipped ? hi - lo : skipped);
    }
    if (!t->have_position || pos != t->moved_from) {
        t->moved_from = pos;
        t->last_move = now;
    }
    t->have_position = 1;
    t->position = pos;
    if (t->have_source && t->source_start > pos) {
        int64_t from = pos > t->expired_upto ? pos : t->expired_upto;
        if (t->source_start > from)
            t->expired_total += (uint64_t)(t->source_start - from);
    }
    if (t->have_source && t->source_start > t->expired_upto)
        t->expired_upto = t->source_start;
}

int64_t lag_records(const lag_tp *t)
{
    if (!t->have_position || !t->have_source || t->source_end < t->position)
        return 0;
    return t->source_end - t->position;
}

int lag_no_progress(const lag_tp *t, double now, double stall_window)
{
    return lag_records(t) > 0 && now - t->last_move >= stall_window;
}
