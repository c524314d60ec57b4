/* wire.h -- bounds-checked big-endian readers and writers for Kafka's binary layouts. */
#ifndef MIRROR_WIRE_H
#define MIRROR_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A read cursor: every read fails (returns -1, cursor unchanged) rather than run past the end. */
typedef struct wire_reader {
    const uint8_t *p;
    size_t left;
} wire_reader;

static inline void wire_reader_init(wire_reader *r, const void *data, size_t len)
{
    r->p = data;
    r->left = data ? len : 0;
}

static inline int wire_read_u64(wire_reader *r, uint64_t *out)
{
    if (r->left < 8)
        return -1;
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | r->p[i];
    r->p += 8;
    r->left -= 8;
    *out = v;
    return 0;
}

static inline int wire_read_u32(wire_reader *r, uint32_t *out)
{
    if (r->left < 4)
        return -1;
    *out = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 | (uint32_t)r->p[2] << 8 | r->p[3];
    r->p += 4;
    r->left -= 4;
    return 0;
}

static inline int wire_read_u16(wire_reader *r, uint16_t *out)
{
    if (r->left < 2)
        return -1;
    *out = (uint16_t)(r->p[0] << 8 | r->p[1]);
    r->p += 2;
    r->left -= 2;
    return 0;
}

static inline int wire_read_u8(wire_reader *r, uint8_t *out)
{
    if (r->left < 1)
        return -1;
    *out = r->p[0];
    r->p++;
    r->left--;
    return 0;
}

/* Kafka protocol STRING: int16 length then bytes; a negative length (null) is rejected,
 * as Kafka's Type.STRING does. The result is copied NUL-terminated into out (outlen bytes);
 * a string that does not fit, or that holds a NUL byte, is rejected. */
static inline int wire_read_string(wire_reader *r, char *out, size_t outlen)
{
    wire_reader save = *r;
    uint16_t raw;
    if (wire_read_u16(r, &raw) < 0)
        return -1;
    int16_t len = (int16_t)raw;
    if (len < 0 || (size_t)len > r->left || (size_t)len >= outlen || memchr(r->p, 0, (size_t)len)) {
        *r = save;
        return -1;
    }
    memcpy(out, r->p, (size_t)len);
    out[len] = '\0';
    r->p += len;
    r->left -= (size_t)len;
    return 0;
}

static inline void wire_put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

static inline void wire_put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline void wire_put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

#endif
