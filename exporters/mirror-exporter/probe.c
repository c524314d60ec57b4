/* probe.c -- encoding and strict decoding of probe payloads (layout in probe.h). */
#include "probe.h"

#include <string.h>

#include "wire.h"

static int valid_id_bytes(const uint8_t *s, size_t n)
{
    if (n == 0 || n > PROBE_ID_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x21 || s[i] > 0x7e)
            return 0;
    return 1;
}

int probe_valid_id(const char *s)
{
    return s && valid_id_bytes((const uint8_t *)s, strlen(s));
}

int probe_encode(const probe *p, uint8_t *out, size_t outlen)
{
    size_t idlen = strnlen(p->exporter_id, sizeof p->exporter_id);
    if (!valid_id_bytes((const uint8_t *)p->exporter_id, idlen) || p->partition < 0)
        return -1;
    size_t need = PROBE_MIN_LEN - 1 + idlen;
    if (outlen < need)
        return -1;
    uint8_t *o = out;
    memcpy(o, PROBE_MAGIC, 4);
    o += 4;
    *o++ = PROBE_VERSION;
    *o++ = (uint8_t)idlen;
    memcpy(o, p->exporter_id, idlen);
    o += idlen;
    wire_put_u64(o, p->run_id);
    o += 8;
    wire_put_u32(o, (uint32_t)p->partition);
    o += 4;
    wire_put_u64(o, p->seq);
    o += 8;
    wire_put_u64(o, p->send_ns);
    return (int)need;
}

int probe_decode(const void *data, size_t len, probe *out)
{
    wire_reader r;
    uint8_t version, idlen;
    uint32_t part;
    if (!data || len < PROBE_MIN_LEN || len > PROBE_MAX_LEN || memcmp(data, PROBE_MAGIC, 4) != 0)
        return -1;
    wire_reader_init(&r, (const uint8_t *)data + 4, len - 4);
    if (wire_read_u8(&r, &version) < 0 || version != PROBE_VERSION || wire_read_u8(&r, &idlen) < 0)
        return -1;
    if (r.left != (size_t)idlen + 28 || !valid_id_bytes(r.p, idlen))
        return -1;
    memcpy(out->exporter_id, r.p, idlen);
    out->exporter_id[idlen] = '\0';
    r.p += idlen;
    r.left -= idlen;
    if (wire_read_u64(&r, &out->run_id) < 0 || wire_read_u32(&r, &part) < 0 || part > INT32_MAX ||
        wire_read_u64(&r, &out->seq) < 0 || wire_read_u64(&r, &out->send_ns) < 0 || r.left != 0)
        return -1;
    out->partition = (int32_t)part;
    return 0;
}
