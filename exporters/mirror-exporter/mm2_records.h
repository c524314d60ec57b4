/* mm2_records.h -- decoders for MirrorMaker 2's internal records (Kafka 3.9 connect/mirror).
 *
 * Kafka's Struct encoding: STRING = int16 length + bytes (null rejected), INT16/INT32/INT64
 * big-endian. Checked against Heartbeat.java, Checkpoint.java (mirror-client) and
 * OffsetSync.java (mirror):
 *   heartbeat   key [string sourceClusterAlias][string targetClusterAlias]
 *               value [int16 version=0][int64 timestamp ms]
 *   offset-sync key [string topic][int32 partition]
 *               value [int64 upstreamOffset][int64 offset]       (no version header)
 *   checkpoint  key [string group][string topic][int32 partition]
 *               value [int16 version=0][int64 upstreamOffset][int64 offset][string metadata]
 * Each decoder takes key and value, requires every byte to be consumed, rejects versions other
 * than 0 (Kafka itself asserts version 0), negative partitions and negative offsets, and returns
 * 0 or -1. Names longer than the fields below are rejected rather than truncated. */
#ifndef MIRROR_MM2_RECORDS_H
#define MIRROR_MM2_RECORDS_H

#include <stddef.h>
#include <stdint.h>

#define MM2_NAME_MAX 255 /* Kafka topic names are at most 249; cluster aliases and groups are capped here */

typedef struct mm2_heartbeat {
    char source_alias[MM2_NAME_MAX + 1];
    char target_alias[MM2_NAME_MAX + 1];
    int64_t timestamp_ms;
} mm2_heartbeat;

typedef struct mm2_offset_sync {
    char topic[MM2_NAME_MAX + 1];
    int32_t partition;
    int64_t upstream_offset;
    int64_t downstream_offset;
} mm2_offset_sync;

typedef struct mm2_checkpoint {
    char group[MM2_NAME_MAX + 1];
    char topic[MM2_NAME_MAX + 1];
    int32_t partition;
    int64_t upstream_offset;
    int64_t downstream_offset;
    /* metadata is validated but not kept: it is free-form text */
} mm2_checkpoint;

int mm2_heartbeat_decode(const void *key, size_t keylen, const void *val, size_t vallen, mm2_heartbeat *out);
int mm2_offset_sync_decode(const void *key, size_t keylen, const void *val, size_t vallen,
                           mm2_offset_sync *out);
int mm2_checkpoint_decode(const void *key, size_t keylen, const void *val, size_t vallen,
                          mm2_checkpoint *out);

#endif
