/* mm2_records.c -- strict decoders for MM2's heartbeat, offset-sync and checkpoint records. */
#include "mm2_records.h"

#include "wire.h"

static int read_i64_nonneg(wire_reader *r, int64_t *out)
{
    uint64_t v;
    if (wire_read_u64(r, &v) < 0 || v > INT64_MAX)
        return -1;
    *out = (int64_t)v;
    return 0;
}

static int read_partition(wire_reader *r, int32_t *out)
{
    uint32_t v;
    if (wire_read_u32(r, &v) < 0 || v > INT32_MAX)
        return -1;
    *out = (int32_t)v;
    return 0;
}

static int read_version0(wire_reader *r)
{
    uint16_t v;
    return wire_read_u16(r, &v) < 0 || v != 0 ? -1 : 0;
}

/* Skips a STRING of any length (the checkpoint's metadata). */
static int skip_string(wire_reader *r)
{
    uint16_t raw;
    if (wire_read_u16(r, &raw) < 0)
        return -1;
    int16_t len = (int16_t)raw;
    if (len < 0 || (size_t)len > r->left)
        return -1;
    r->p += len;
    r->left -= (size_t)len;
    return 0;
}

int mm2_heartbeat_decode(const void *key, size_t keylen, const void *val, size_t vallen, mm2_heartbeat *out)
{
    wire_reader k, v;
    wire_reader_init(&k, key, keylen);
    wire_reader_init(&v, val, vallen);
    if (wire_read_string(&k, out->source_alias, sizeof out->source_alias) < 0 ||
        wire_read_string(&k, out->target_alias, sizeof out->target_alias) < 0 || k.left != 0)
        return -1;
    if (read_version0(&v) < 0 || read_i64_nonneg(&v, &out->timestamp_ms) < 0 || v.left != 0)
        return -1;
    return 0;
}

int mm2_offset_sync_decode(const void *key, size_t keylen, const void *val, size_t vallen,
                           mm2_offset_sync *out)
{
    wire_reader k, v;
    wire_reader_init(&k, key, keylen);
    wire_reader_init(&v, val, vallen);
    if (wire_read_string(&k, out->topic, sizeof out->topic) < 0 || out->topic[0] == '\0' ||
        read_partition(&k, &out->partition) < 0 || k.left != 0)
        return -1;
    if (read_i64_nonneg(&v, &out->upstream_offset) < 0 || read_i64_nonneg(&v, &out->downstream_offset) < 0 ||
        v.left != 0)
        return -1;
    return 0;
}

int mm2_checkpoint_decode(const void *key, size_t keylen, const void *val, size_t vallen, mm2_checkpoint *out)
{
    wire_reader k, v;
    wire_reader_init(&k, key, keylen);
    wire_reader_init(&v, val, vallen);
    if (wire_read_string(&k, out->group, sizeof out->group) < 0 ||
        wire_read_string(&k, out->topic, sizeof out->topic) < 0 || out->topic[0] == '\0' ||
        read_partition(&k, &out->partition) < 0 || k.left != 0)
        return -1;
    if (read_version0(&v) < 0 || read_i64_nonneg(&v, &out->upstream_offset) < 0 ||
        read_i64_nonneg(&v, &out->downstream_offset) < 0 || skip_string(&v) < 0 || v.left != 0)
        return -1;
    return 0;
}
