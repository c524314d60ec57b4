/* test_http.c -- HTTP helpers: Accept-Encoding, gzip round trip, listen address parsing and binding. */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

#include "http.h"
#include "listen.h"
#include "test.h"

static void test_accepts_gzip(void)
{
    CHECK(http_accepts_gzip("gzip"));
    CHECK(http_accepts_gzip("deflate, gzip;q=1.0, *;q=0.5"));
    CHECK(http_accepts_gzip("GZIP"));
    CHECK(http_accepts_gzip("*"));
    CHECK(http_accepts_gzip("br, gzip ; q=0.5"));
    CHECK(!http_accepts_gzip("gzip;q=0"));
    CHECK(!http_accepts_gzip("gzip;q=0.0, identity"));
    CHECK(!http_accepts_gzip("identity"));
    CHECK(http_accepts_gzip("x-gzip")); /* RFC 9110 8.4.1.3: the same as gzip */
    /* RFC 9110 12.5.3: "*" stands for codings not named; a named gzip;q=0 refuses gzip. */
    CHECK(!http_accepts_gzip("gzip;q=0, *"));
    CHECK(!http_accepts_gzip("*, gzip;q=0"));
    CHECK(!http_accepts_gzip("gzip;q=0, *;q=1"));
    CHECK(!http_accepts_gzip("*;q=0"));
    CHECK(!http_accepts_gzip("identity, *;q=0"));
    CHECK(http_accepts_gzip("deflate, *"));
    CHECK(http_accepts_gzip("gzip;q=0.001"));
    CHECK(!http_accepts_gzip("gzip;q=1.5"));        /* out of range: not a weight */
    CHECK(http_accepts_gzip("gzip;q=0, gzip;q=1")); /* named twice: the higher weight */
    CHECK(!http_accepts_gzip(""));
    CHECK(!http_accepts_gzip(NULL));
    CHECK(!http_accepts_gzip("gzip;q=abc"));
}

/* 1 if z gunzips (with zlib: an independent decoder) to exactly in. */
static int gunzips_to(const buf *z, const buf *in)
{
    if (z->len < 2 || (unsigned char)z->data[0] != 0x1f || (unsigned char)z->data[1] != 0x8b)
        return 0;
    char *out = malloc(in->len + 1);
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    int ok = out && inflateInit2(&zs, 15 + 16) == Z_OK;
    if (ok) {
        zs.next_in = (unsigned char *)z->data;
        zs.avail_in = (uInt)z->len;
        zs.next_out = (unsigned char *)out;
        zs.avail_out = (uInt)in->len + 1;
        ok = inflate(&zs, Z_FINISH) == Z_STREAM_END && zs.total_out == in->len &&
             memcmp(out, in->data, in->len) == 0;
        inflateEnd(&zs);
    }
    free(out);
    return ok;
}

static void metrics_text(buf *in, int n, int seed)
{
    buf_init(in, 1 << 20);
    for (int i = 0; i < n; i++)
        if (buf_printf(in, "metric{i=\"%d\"} %d\n", i, i * seed) < 0)
            abort();
}

static void test_gzip_round_trip(void)
{
    buf in;
    metrics_text(&in, 5000, 7);
    for (int round = 0; round < 2; round++) { /* the second call reuses the kept compressor */
        buf z;
        buf_init(&z, 1 << 20);
        CHECK_INT_EQ(http_gzip(in.data, in.len, &z), 0);
        CHECK(z.len < in.len / 3);
        CHECK(z.data[z.len] == '\0');
        CHECK(gunzips_to(&z, &in));
        buf_free(&z);
    }
    /* Appends after what the buffer holds. */
    buf z;
    buf_init(&z, 1 << 20);
    CHECK_INT_EQ(buf_puts(&z, "head"), 0);
    CHECK_INT_EQ(http_gzip(in.data, in.len, &z), 0);
    CHECK(memcmp(z.data, "head", 4) == 0);
    buf rest = {.data = z.data + 4, .len = z.len - 4};
    CHECK(gunzips_to(&rest, &in));
    buf_free(&z);
    /* A cap too small for the compressed output fails. */
    buf tiny;
    buf_init(&tiny, 16);
    CHECK_INT_EQ(http_gzip(in.data, in.len, &tiny), -1);
    buf_free(&tiny);
    buf_free(&in);
    http_gzip_release();
    http_gzip_release(); /* twice is harmless */
}

/* Scrapes at once: one uses the kept compressor, the others their own. */
static void *gzip_many(void *arg)
{
    int seed = *(int *)arg, ok = 1;
    buf in;
    metrics_text(&in, 2000, seed);
    for (int i = 0; i < 50; i++) {
        buf z;
        buf_init(&z, 1 << 20);
        ok &= http_gzip(in.data, in.len, &z) == 0 && gunzips_to(&z, &in);
        buf_free(&z);
    }
    buf_free(&in);
    *(int *)arg = ok;
    return NULL;
}

static void test_gzip_concurrent(void)
{
    pthread_t t[4];
    int arg[4];
    for (int i = 0; i < 4; i++) {
        arg[i] = i + 3;
        CHECK_INT_EQ(pthread_create(&t[i], NULL, gzip_many, &arg[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        CHECK_INT_EQ(arg[i], 1);
    }
    http_gzip_release();
}

static void test_listen(void)
{
    char host[64], err[256];
    unsigned port = 0;
    CHECK_INT_EQ(listen_split(":9100", host, sizeof(host), &port, err, sizeof(err)), 0);
    CHECK_STR_EQ(host, "");
    CHECK_INT_EQ(port, 9100);
    CHECK_INT_EQ(listen_split("127.0.0.1:80", host, sizeof(host), &port, err, sizeof(err)), 0);
    CHECK_STR_EQ(host, "127.0.0.1");
    CHECK_INT_EQ(port, 80);
    CHECK_INT_EQ(listen_split("[::1]:9308", host, sizeof(host), &port, err, sizeof(err)), 0);
    CHECK_STR_EQ(host, "::1");
    CHECK_INT_EQ(port, 9308);
    CHECK_INT_EQ(listen_split("localhost:0", host, sizeof(host), &port, err, sizeof(err)), 0);
    CHECK_INT_EQ(listen_split("9100", host, sizeof(host), &port, err, sizeof(err)), -1);
    CHECK_CONTAINS(err, "missing port");
    CHECK_INT_EQ(listen_split("::1:9100", host, sizeof(host), &port, err, sizeof(err)), -1);
    CHECK_CONTAINS(err, "brackets");
    CHECK_INT_EQ(listen_split("[::1]9100", host, sizeof(host), &port, err, sizeof(err)), -1);
    CHECK_INT_EQ(listen_split("host:65536", host, sizeof(host), &port, err, sizeof(err)), -1);
    CHECK_CONTAINS(err, "bad port");
    CHECK_INT_EQ(listen_split("host:", host, sizeof(host), &port, err, sizeof(err)), -1);
    CHECK_INT_EQ(listen_split("host:http", host, sizeof(host), &port, err, sizeof(err)), -1);

    /* Bind an ephemeral port, then the same port again: "in use". */
    char bound[128], addr[160];
    int fd = listen_open("127.0.0.1:0", bound, sizeof(bound), err, sizeof(err));
    CHECK(fd >= 0);
    CHECK(strncmp(bound, "127.0.0.1:", 10) == 0);
    snprintf(addr, sizeof(addr), "%s", bound);
    int fd2 = listen_open(addr, bound, sizeof(bound), err, sizeof(err));
    CHECK_INT_EQ(fd2, -1);
    CHECK_CONTAINS(err, "Address already in use");
    if (fd >= 0)
        close(fd);
    fd = listen_open("[::1]:0", bound, sizeof(bound), err, sizeof(err));
    if (fd >= 0) { /* IPv6 may be off on some machines */
        CHECK(strncmp(bound, "[::1]:", 6) == 0);
        close(fd);
    }
    CHECK_INT_EQ(listen_open("256.1.1.1:80", bound, sizeof(bound), err, sizeof(err)), -1);
    CHECK_CONTAINS(err, "256.1.1.1:80");
}

int main(void)
{
    test_accepts_gzip();
    test_gzip_round_trip();
    test_gzip_concurrent();
    test_listen();
    return TEST_RESULT();
}
