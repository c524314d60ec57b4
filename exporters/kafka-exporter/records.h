/* records.h -- reads the timestamp of the record at an offset: a bounded fetch of one record.
 *
 * Used for the oldest unconsumed record of lagging groups (exact lag in seconds and retention
 * margin). Every read of one call runs at once on a private queue of the process's client
 * (librdkafka's legacy consumer, no group): one Fetch per leader broker carries them all. */
#ifndef KX_RECORDS_H
#define KX_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

typedef enum kx_read_result {
    KX_READ_PENDING, /* not done (deadline passed, or not asked) */
    KX_READ_OK,      /* ts_ms is the timestamp of the first record at or after offset */
    KX_READ_GONE,    /* the offset is out of range: below the log start (deleted), or past the end */
    KX_READ_FAILED,  /* an error (authorization, leader gone...): no timestamp */
} kx_read_result;

typedef struct kx_read {
    const char *topic; /* borrowed */
    int32_t partition;
    int64_t offset;
    int64_t ts_ms;        /* out */
    int64_t found_offset; /* out: the record's own offset (> offset across a compacted gap) */
    kx_read_result result;
    bool chosen; /* in: read this one in this call */
} kx_read;

/* Reads every chosen entry of `reads` (at most one per topic-partition), returning by `deadline`
 * (monotonic seconds); entries not done stay KX_READ_PENDING. Returns how many were chosen. */
int kx_records_read(rd_kafka_t *rk, kx_read *reads, size_t n, double deadline);

#endif
