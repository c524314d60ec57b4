/* test_probe.c -- the probe payload: round trip and rejection of everything else. */
#include <stdio.h>
#include <string.h>

#include "test.h"
#include "probe.h"

static probe sample(void)
{
    probe p;
    memset(&p, 0, sizeof p);
    snprintf(p.exporter_id, sizeof p.exporter_id, "dc2-mirror-1");
    p.run_id = 0x0123456789abcdefULL;
    p.partition = 7;
    p.seq = 42;
    p.send_ns = 1234567890123ULL;
    return p;
}

int main(void)
{
    uint8_t buf[PROBE_MAX_LEN + 8];
    probe in = sample(), out;
    int n = probe_encode(&in, buf, sizeof buf);
    CHECK(n == PROBE_MIN_LEN - 1 + 12);
    CHECK(probe_decode(buf, (size_t)n, &out) == 0);
    CHECK(strcmp(out.exporter_id, "dc2-mirror-1") == 0);
    CHECK_INT_EQ(out.run_id, in.run_id);
    CHECK_INT_EQ(out.partition, 7);
    CHECK_INT_EQ(out.seq, 42);
    CHECK_INT_EQ(out.send_ns, in.send_ns);

    /* Byte layout is fixed: magic, version, id length, id, then big-endian fields. */
    CHECK(memcmp(buf,
                 "MXPB\x01\x0c"
                 "dc2-mirror-1",
                 18) == 0);
    CHECK(buf[18] == 0x01 && buf[25] == 0xef);

    /* Every truncation and any extension is rejected. */
    for (int len = 0; len < n; len++)
        CHECK(probe_decode(buf, (size_t)len, &out) == -1);
    buf[n] = 0;
    CHECK(probe_decode(buf, (size_t)n + 1, &out) == -1);
    CHECK(probe_decode(NULL, 0, &out) == -1);

    /* Each single-byte change in the header is rejected. */
    for (int i = 0; i < 6; i++) {
        uint8_t save = buf[i];
        buf[i] ^= 0x40;
        CHECK(probe_decode(buf, (size_t)n, &out) == -1);
        buf[i] = save;
    }
    /* A space or control byte in the id is rejected. */
    buf[8] = ' ';
    CHECK(probe_decode(buf, (size_t)n, &out) == -1);
    buf[8] = 0;
    CHECK(probe_decode(buf, (size_t)n, &out) == -1);
    buf[8] = '-';
    CHECK(probe_decode(buf, (size_t)n, &out) == 0);
    /* A partition above INT32_MAX is rejected. */
    buf[26] = 0x80;
    CHECK(probe_decode(buf, (size_t)n, &out) == -1);

    /* Encoding refuses bad ids and negative partitions, and short buffers. */
    probe bad = sample();
    bad.exporter_id[0] = '\0';
    CHECK(probe_encode(&bad, buf, sizeof buf) == -1);
    bad = sample();
    memset(bad.exporter_id, 'x', PROBE_ID_MAX);
    bad.exporter_id[PROBE_ID_MAX] = '\0';
    CHECK(probe_encode(&bad, buf, sizeof buf) == PROBE_MAX_LEN);
    CHECK(probe_decode(buf, PROBE_MAX_LEN, &out) == 0 && strlen(out.exporter_id) == PROBE_ID_MAX);
    bad = sample();
    bad.exporter_id[3] = ' ';
    CHECK(probe_encode(&bad, buf, sizeof buf) == -1);
    bad = sample();
    bad.partition = -1;
    CHECK(probe_encode(&bad, buf, sizeof buf) == -1);
    CHECK(probe_encode(&in, buf, 10) == -1);

    /* Text that happens to start with the magic is still rejected. */
    const char *text = "MXPB hello world, this is not a probe at all";
    CHECK(probe_decode(text, strlen(text), &out) == -1);
    CHECK(probe_valid_id("a") && !probe_valid_id("") && !probe_valid_id("a b") && !probe_valid_id(NULL));
    return TEST_RESULT();
}
