/* probe.h -- the probe payload: what the exporter sends upstream and expects back downstream.
 *
 * Layout (big-endian), 34 to 97 bytes, nothing more, nothing less:
 *   "MXPB"  magic (4)          version u8 = 1        id length u8 (1..64)
 *   exporter id (printable ASCII, no space)         run id u64
 *   partition u32 (0..INT32_MAX)  sequence u64      send time u64 (CLOCK_MONOTONIC ns)
 * Anything else -- other magic, version, sizes, trailing bytes -- is rejected. */
#ifndef MIRROR_PROBE_H
#define MIRROR_PROBE_H

#include <stddef.h>
#include <stdint.h>

#define PROBE_MAGIC "MXPB"
#define PROBE_VERSION 1
#define PROBE_ID_MAX 64
#define PROBE_MIN_LEN (4 + 1 + 1 + 1 + 8 + 4 + 8 + 8)
#define PROBE_MAX_LEN (PROBE_MIN_LEN - 1 + PROBE_ID_MAX)

typedef struct probe {
    char exporter_id[PROBE_ID_MAX + 1];
    uint64_t run_id;
    int32_t partition;
    uint64_t seq;
    uint64_t send_ns;
} probe;

/* Encodes p into out (at least PROBE_MAX_LEN bytes). Returns the length, or -1 if the
 * exporter id is empty, too long or not printable, or the partition is negative. */
int probe_encode(const probe *p, uint8_t *out, size_t outlen);
/* Decodes exactly len bytes. Returns 0, or -1 (out unspecified) for anything that is not a
 * valid probe. */
int probe_decode(const void *data, size_t len, probe *out);
/* 1 if s is usable as an exporter id (1..64 printable ASCII characters, no space). */
int probe_valid_id(const char *s);

#endif
