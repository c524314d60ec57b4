/* test_mm2_records.c -- MM2 heartbeat, offset-sync and checkpoint decoders, on bytes laid out as
 * Kafka 3.9's Heartbeat/OffsetSync/Checkpoint serialize them. */
#include <string.h>

#include "test.h"
#include "mm2_records.h"

/* Bytes as Java's Struct writes them: recorded by hand from the schemas. */
static const uint8_t hb_key[] = {0, 3, 's', 'r', 'c', 0, 3, 'd', 's', 't'};
static const uint8_t hb_val[] = {0, 0, 0, 0, 0x01, 0x93, 0x6b, 0x2c, 0x5a, 0x10};
static const uint8_t os_key[] = {0, 4, 'o', 'r', 'd', 's', 0, 0, 0, 5};
static const uint8_t os_val[] = {0, 0, 0, 0, 0, 0, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 0x80};
static const uint8_t cp_key[] = {0, 2, 'g', '1', 0, 4, 'o', 'r', 'd', 's', 0, 0, 0, 2};
static const uint8_t cp_val[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0, 9, 0, 2, 'm', 'd'};

static void heartbeat(void)
{
    mm2_heartbeat hb;
    CHECK(mm2_heartbeat_decode(hb_key, sizeof hb_key, hb_val, sizeof hb_val, &hb) == 0);
    CHECK(strcmp(hb.source_alias, "src") == 0 && strcmp(hb.target_alias, "dst") == 0);
    CHECK_INT_EQ(hb.timestamp_ms, 0x01936b2c5a10LL);
    for (size_t n = 0; n < sizeof hb_val; n++)
        CHECK(mm2_heartbeat_decode(hb_key, sizeof hb_key, hb_val, n, &hb) == -1);
    for (size_t n = 0; n < sizeof hb_key; n++)
        CHECK(mm2_heartbeat_decode(hb_key, n, hb_val, sizeof hb_val, &hb) == -1);
    uint8_t v[sizeof hb_val + 1];
    memcpy(v, hb_val, sizeof hb_val);
    v[sizeof hb_val] = 0;
    CHECK(mm2_heartbeat_decode(hb_key, sizeof hb_key, v, sizeof v, &hb) == -1); /* trailing byte */
    v[1] = 1;
    CHECK(mm2_heartbeat_decode(hb_key, sizeof hb_key, v, sizeof hb_val, &hb) == -1); /* version 1 */
    uint8_t k[sizeof hb_key];
    memcpy(k, hb_key, sizeof k);
    k[0] = 0xff; /* negative (null) string length */
    CHECK(mm2_heartbeat_decode(k, sizeof k, hb_val, sizeof hb_val, &hb) == -1);
    k[0] = 0;
    k[1] = 200; /* longer than the key */
    CHECK(mm2_heartbeat_decode(k, sizeof k, hb_val, sizeof hb_val, &hb) == -1);
    CHECK(mm2_heartbeat_decode(NULL, 0, NULL, 0, &hb) == -1);
}

static void offset_sync(void)
{
    mm2_offset_sync os;
    CHECK(mm2_offset_sync_decode(os_key, sizeof os_key, os_val, sizeof os_val, &os) == 0);
    CHECK(strcmp(os.topic, "ords") == 0);
    CHECK_INT_EQ(os.partition, 5);
    CHECK_INT_EQ(os.upstream_offset, 256);
    CHECK_INT_EQ(os.downstream_offset, 128);
    for (size_t n = 0; n < sizeof os_val; n++)
        CHECK(mm2_offset_sync_decode(os_key, sizeof os_key, os_val, n, &os) == -1);
    for (size_t n = 0; n < sizeof os_key; n++)
        CHECK(mm2_offset_sync_decode(os_key, n, os_val, sizeof os_val, &os) == -1);
    uint8_t k[sizeof os_key];
    memcpy(k, os_key, sizeof k);
    k[6] = 0x80; /* negative partition */
    CHECK(mm2_offset_sync_decode(k, sizeof k, os_val, sizeof os_val, &os) == -1);
    uint8_t v[sizeof os_val];
    memcpy(v, os_val, sizeof v);
    v[0] = 0xff; /* negative offset */
    CHECK(mm2_offset_sync_decode(os_key, sizeof os_key, v, sizeof v, &os) == -1);
    static const uint8_t empty_topic[] = {0, 0, 0, 0, 0, 1};
    CHECK(mm2_offset_sync_decode(empty_topic, sizeof empty_topic, os_val, sizeof os_val, &os) == -1);
}

static void checkpoint(void)
{
    mm2_checkpoint cp;
    CHECK(mm2_checkpoint_decode(cp_key, sizeof cp_key, cp_val, sizeof cp_val, &cp) == 0);
    CHECK(strcmp(cp.group, "g1") == 0 && strcmp(cp.topic, "ords") == 0);
    CHECK_INT_EQ(cp.partition, 2);
    CHECK_INT_EQ(cp.upstream_offset, 10);
    CHECK_INT_EQ(cp.downstream_offset, 9);
    for (size_t n = 0; n < sizeof cp_val; n++)
        CHECK(mm2_checkpoint_decode(cp_key, sizeof cp_key, cp_val, n, &cp) == -1);
    for (size_t n = 0; n < sizeof cp_key; n++)
        CHECK(mm2_checkpoint_decode(cp_key, n, cp_val, sizeof cp_val, &cp) == -1);
    uint8_t v[sizeof cp_val];
    memcpy(v, cp_val, sizeof v);
    v[1] = 2; /* unknown version */
    CHECK(mm2_checkpoint_decode(cp_key, sizeof cp_key, v, sizeof v, &cp) == -1);
    v[1] = 0;
    v[18] = 0xff; /* null metadata */
    CHECK(mm2_checkpoint_decode(cp_key, sizeof cp_key, v, sizeof v, &cp) == -1);
    /* A heartbeat is not a checkpoint, nor an offset sync. */
    CHECK(mm2_checkpoint_decode(hb_key, sizeof hb_key, hb_val, sizeof hb_val, &cp) == -1);
    mm2_offset_sync os;
    CHECK(mm2_offset_sync_decode(hb_key, sizeof hb_key, hb_val, sizeof hb_val, &os) == -1);
    /* A name longer than the field is rejected, not truncated. */
    static uint8_t longkey[2 + 300 + 2 + 1 + 4];
    longkey[0] = 300 >> 8;
    longkey[1] = 300 & 0xff;
    memset(longkey + 2, 'g', 300);
    longkey[303] = 1;
    longkey[304] = 't';
    CHECK(mm2_checkpoint_decode(longkey, sizeof longkey, cp_val, sizeof cp_val, &cp) == -1);
}

int main(void)
{
    heartbeat();
    offset_sync();
    checkpoint();
    return TEST_RESULT();
}
