/* offsetrec.c -- Kafka's offset-commit record layouts, read with bounds checks on every field. */
#include "offsetrec.h"

#include <stdbool.h>

/* A cursor over the record: every read checks what is left and fails the whole decode once short. */
typedef struct cursor {
    const uint8_t *p;
    size_t left;
    bool bad;
} cursor;

static uint64_t be(cursor *c, size_t n)
{
    uint64_t v = 0;
    if (c->bad || c->left < n) {
        c->bad = true;
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        v = v << 8 | c->p[i];
    c->p += n;
    c->left -= n;
    return v;
}

static void skip(cursor *c, uint64_t n)
{
    if (c->bad || c->left < n) {
        c->bad = true;
        return;
    }
    c->p += n;
    c->left -= (size_t)n;
}

/* An unsigned varint of at most 5 bytes (Kafka's lengths and tag counts are 32-bit). */
static uint32_t uvarint(cursor *c)
{
    uint32_t v = 0;
    for (int shift = 0; shift < 35; shift += 7) {
        uint8_t b = (uint8_t)be(c, 1);
        if (c->bad)
            return 0;
        if (shift == 28 && (b & 0xf0)) /* more than 32 bits */
            break;
        v |= (uint32_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return v;
    }
    c->bad = true;
    return 0;
}

/* A non-nullable string, classic (int16 length) or compact (varint length + 1). */
static const char *string(cursor *c, bool compact, size_t *len)
{
    int64_t n;
    if (compact)
        n = (int64_t)uvarint(c) - 1;
    else
        n = (int16_t)be(c, 2);
    if (c->bad || n < 0) {
        c->bad = true;
        return NULL;
    }
    const char *s = (const char *)c->p;
    skip(c, (uint64_t)n);
    *len = (size_t)n;
    return c->bad ? NULL : s;
}

int kx_offsetrec_key_decode(const void *key, size_t len, kx_offsetrec_key *out)
{
    cursor c = {.p = key, .left = key ? len : 0};
    int16_t version = (int16_t)be(&c, 2);
    if (c.bad || version < 0)
        return KX_OFFSETREC_BAD;
    if (version > 1)
        return KX_OFFSETREC_OTHER;
    kx_offsetrec_key k;
    k.group = string(&c, false, &k.group_len);
    k.topic = string(&c, false, &k.topic_len);
    k.partition = (int32_t)be(&c, 4);
    if (c.bad || c.left != 0 || k.partition < 0)
        return KX_OFFSETREC_BAD;
    *out = k;
    return KX_OFFSETREC_COMMIT;
}

int kx_offsetrec_value_decode(const void *value, size_t len, int64_t *offset)
{
    cursor c = {.p = value, .left = value ? len : 0};
    int16_t version = (int16_t)be(&c, 2);
    if (c.bad || version < 0)
        return -1;
    /* KIP-915: versions after 4 only add tagged fields, so 4's layout reads them all. */
    bool flexible = version >= 4;
    int64_t off = (int64_t)be(&c, 8);
    if (version >= 3)
        (void)be(&c, 4); /* leaderEpoch */
    size_t mlen;
    (void)string(&c, flexible, &mlen); /* metadata */
    (void)be(&c, 8);                   /* commitTimestamp */
    if (version == 1)
        (void)be(&c, 8); /* expireTimestamp */
    if (flexible) {
        uint32_t ntags = uvarint(&c);
        for (uint32_t i = 0; i < ntags && !c.bad; i++) {
            (void)uvarint(&c); /* tag */
            skip(&c, uvarint(&c));
        }
    }
    if (c.bad || c.left != 0)
        return -1;
    *offset = off;
    return 0;
}
