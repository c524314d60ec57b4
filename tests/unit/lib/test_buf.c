/* test_buf.c -- the capped buffer: growth, the limit, printf, steal. */
#include <stdlib.h>

#include "buf.h"
#include "test.h"

int main(void)
{
    buf b;
    buf_init(&b, 10);
    CHECK_INT_EQ(buf_puts(&b, "hello"), 0);
    CHECK_STR_EQ(b.data, "hello");
    CHECK_INT_EQ(buf_puts(&b, "world"), 0); /* exactly at the limit */
    CHECK_INT_EQ(b.len, 10);
    CHECK_INT_EQ(buf_puts(&b, "!"), -1); /* one more byte crosses it */
    CHECK_STR_EQ(b.data, "helloworld");  /* unchanged */
    CHECK_INT_EQ(buf_printf(&b, "%d", 1), -1);
    CHECK_INT_EQ(b.len, 10);
    buf_reset(&b);
    CHECK_INT_EQ(b.len, 0);
    CHECK_STR_EQ(b.data, "");
    CHECK_INT_EQ(buf_printf(&b, "%s-%d", "ab", 42), 0);
    CHECK_STR_EQ(b.data, "ab-42");
    CHECK_INT_EQ(buf_printf(&b, "%s", "toolong"), -1);
    CHECK_STR_EQ(b.data, "ab-42");
    buf_free(&b);
    CHECK(b.data == NULL);

    /* A long printf goes through the second vsnprintf path. */
    buf big;
    buf_init(&big, 100000);
    char chunk[1001];
    memset(chunk, 'x', 1000);
    chunk[1000] = '\0';
    for (int i = 0; i < 50; i++)
        CHECK_INT_EQ(buf_printf(&big, "%s%d", chunk, i % 10), 0);
    CHECK_INT_EQ(big.len, 50 * 1001);
    CHECK_INT_EQ(big.data[1000], '0');
    CHECK_INT_EQ(big.data[big.len - 1], '9');
    CHECK(big.cap <= 100001);
    size_t len;
    char *s = buf_steal(&big, &len);
    CHECK_INT_EQ(len, 50 * 1001);
    CHECK(big.data == NULL && big.len == 0);
    free(s);

    /* Appending binary data with NULs; a zero-length append is fine. */
    buf z;
    buf_init(&z, 8);
    CHECK_INT_EQ(buf_append(&z, "a\0b", 3), 0);
    CHECK_INT_EQ(buf_append(&z, "", 0), 0);
    CHECK_INT_EQ(z.len, 3);
    CHECK_INT_EQ(z.data[1], '\0');
    CHECK_INT_EQ(buf_append(&z, "123456", 6), -1);
    buf_free(&z);

    /* Stealing an empty buffer gives an empty string, never NULL. */
    buf e;
    buf_init(&e, 8);
    s = buf_steal(&e, &len);
    CHECK(s != NULL && s[0] == '\0' && len == 0);
    free(s);

    /* buf_grow reserves exactly, within the limit, and keeps the content. */
    buf g;
    buf_init(&g, 1000);
    CHECK_INT_EQ(buf_grow(&g, 1001), -1);
    CHECK_INT_EQ(buf_grow(&g, 500), 0);
    CHECK_INT_EQ(g.cap, 501);
    CHECK_STR_EQ(g.data, "");
    CHECK_INT_EQ(buf_puts(&g, "abc"), 0);
    CHECK_INT_EQ(buf_grow(&g, 997), 0);
    CHECK_INT_EQ(buf_grow(&g, 998), -1);
    CHECK_STR_EQ(g.data, "abc");
    CHECK_INT_EQ(g.cap, 1001);
    buf_free(&g);

    /* A zero limit refuses everything. */
    buf n;
    buf_init(&n, 0);
    CHECK_INT_EQ(buf_puts(&n, "a"), -1);
    CHECK_INT_EQ(buf_puts(&n, ""), 0);
    buf_free(&n);
    return TEST_RESULT();
}
