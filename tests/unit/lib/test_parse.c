/* test_parse.c -- strict number and duration parsing, including overflow and junk. */
#include <math.h>

#include "parse.h"
#include "test.h"

int main(void)
{
    int64_t i = 7;
    CHECK_INT_EQ(parse_int64("42", &i), 0);
    CHECK_INT_EQ(i, 42);
    CHECK_INT_EQ(parse_int64("-9223372036854775808", &i), 0);
    CHECK(i == INT64_MIN);
    i = 7;
    CHECK_INT_EQ(parse_int64("9223372036854775808", &i), -1); /* overflow */
    CHECK_INT_EQ(parse_int64("", &i), -1);
    CHECK_INT_EQ(parse_int64(" 1", &i), -1);
    CHECK_INT_EQ(parse_int64("1 ", &i), -1);
    CHECK_INT_EQ(parse_int64("12abc", &i), -1);
    CHECK_INT_EQ(parse_int64("0x10", &i), -1);
    CHECK_INT_EQ(parse_int64(NULL, &i), -1);
    CHECK_INT_EQ(i, 7); /* untouched on error */

    uint64_t u = 3;
    CHECK_INT_EQ(parse_uint64("18446744073709551615", &u), 0);
    CHECK(u == UINT64_MAX);
    u = 3;
    CHECK_INT_EQ(parse_uint64("18446744073709551616", &u), -1);
    CHECK_INT_EQ(parse_uint64("-1", &u), -1);
    CHECK_INT_EQ(parse_uint64("+1", &u), 0);
    CHECK_INT_EQ(u, 1);
    CHECK_INT_EQ(parse_uint64("1.5", &u), -1);

    double d = 0;
    CHECK_INT_EQ(parse_double("1.5e3", &d), 0);
    CHECK_DBL_EQ(d, 1500);
    CHECK_INT_EQ(parse_double("-0.25", &d), 0);
    CHECK_DBL_EQ(d, -0.25);
    CHECK_INT_EQ(parse_double("1e400", &d), -1); /* overflow */
    CHECK_INT_EQ(parse_double("1e-400", &d), 0); /* underflow is fine */
    CHECK_INT_EQ(parse_double("inf", &d), 0);
    CHECK(isinf(d));
    CHECK_INT_EQ(parse_double("nan", &d), 0);
    CHECK(isnan(d));
    CHECK_INT_EQ(parse_double("1.5x", &d), -1);
    CHECK_INT_EQ(parse_double("", &d), -1);

    /* Base 0, as Go's ParseInt/ParseUint(s, 0, 64) for the kernel's forms; nothing else is a number. */
    CHECK_INT_EQ(parse_int64_base0("0x10", &i), 0);
    CHECK_INT_EQ(i, 16);
    CHECK_INT_EQ(parse_int64_base0("-010", &i), 0);
    CHECK_INT_EQ(i, -8);
    CHECK_INT_EQ(parse_int64_base0("+7", &i), 0);
    CHECK_INT_EQ(i, 7);
    CHECK_INT_EQ(parse_int64_base0("\t1", &i), -1);
    CHECK_INT_EQ(parse_int64_base0("0x", &i), -1);
    CHECK_INT_EQ(parse_int64_base0("0x8000000000000000", &i), -1);
    CHECK_INT_EQ(parse_uint64_base0("0xffffffffffffffff", &u), 0);
    CHECK(u == UINT64_MAX);
    CHECK_INT_EQ(parse_uint64_base0("+1", &u), -1);
    CHECK_INT_EQ(parse_uint64_base0("-1", &u), -1);
    CHECK_INT_EQ(parse_uint64_base0("08", &u), -1); /* not octal */
    CHECK_INT_EQ(parse_double_finite("12.5", &d), 0);
    CHECK_DBL_EQ(d, 12.5);
    CHECK_INT_EQ(parse_double_finite("inf", &d), -1);
    CHECK_INT_EQ(parse_double_finite("nan", &d), -1);
    CHECK_INT_EQ(parse_double_finite("1e400", &d), -1);
    CHECK_INT_EQ(parse_double_finite("1e-400", &d), -1); /* underflow too: no kernel counter is that */
    CHECK_INT_EQ(parse_double_finite(" 1", &d), -1);

    double s = -1;
    CHECK_INT_EQ(parse_duration("250ms", &s), 0);
    CHECK_DBL_EQ(s, 0.25);
    CHECK_INT_EQ(parse_duration("15s", &s), 0);
    CHECK_DBL_EQ(s, 15);
    CHECK_INT_EQ(parse_duration("1m30s", &s), 0);
    CHECK_DBL_EQ(s, 90);
    CHECK_INT_EQ(parse_duration("2h", &s), 0);
    CHECK_DBL_EQ(s, 7200);
    CHECK_INT_EQ(parse_duration("1h1m1s1ms", &s), 0);
    CHECK_DBL_EQ(s, 3661.001);
    CHECK_INT_EQ(parse_duration("0", &s), 0);
    CHECK_DBL_EQ(s, 0);
    CHECK_INT_EQ(parse_duration("1d", &s), 0);
    CHECK_DBL_EQ(s, 86400);
    s = -1;
    CHECK_INT_EQ(parse_duration("10", &s), -1);   /* unit missing */
    CHECK_INT_EQ(parse_duration("1s1m", &s), -1); /* wrong order */
    CHECK_INT_EQ(parse_duration("1s1s", &s), -1); /* repeated unit */
    CHECK_INT_EQ(parse_duration("-1s", &s), -1);  /* negative */
    CHECK_INT_EQ(parse_duration("1.5s", &s), -1); /* Prometheus has no fractions */
    CHECK_INT_EQ(parse_duration("5x", &s), -1);
    CHECK_INT_EQ(parse_duration("", &s), -1);
    CHECK_INT_EQ(parse_duration("99999999999999999999s", &s), -1); /* overflow */
    CHECK_DBL_EQ(s, -1);

    uint64_t z = 7;
    CHECK_INT_EQ(parse_size("4096", &z), 0);
    CHECK_INT_EQ(z, 4096);
    CHECK_INT_EQ(parse_size("0B", &z), 0);
    CHECK_INT_EQ(z, 0);
    CHECK_INT_EQ(parse_size("512KiB", &z), 0);
    CHECK_INT_EQ(z, 512 << 10);
    CHECK_INT_EQ(parse_size("32MiB", &z), 0);
    CHECK_INT_EQ(z, 32 << 20);
    CHECK_INT_EQ(parse_size("512MB", &z), 0); /* Prometheus' MB is 2^20, as its retention.size */
    CHECK_INT_EQ(z, 512 << 20);
    CHECK_INT_EQ(parse_size("4GiB", &z), 0);
    CHECK(z == 4ULL << 30);
    CHECK_INT_EQ(parse_size("16777215TiB", &z), 0); /* 2^64 - 2^40: the last TiB that fits */
    CHECK(z == 16777215ULL << 40);
    z = 7;
    CHECK_INT_EQ(parse_size("16777216TiB", &z), -1); /* 2^64 */
    CHECK_INT_EQ(parse_size("99999999999999999999", &z), -1);
    CHECK_INT_EQ(parse_size("32mib", &z), -1); /* units are case-sensitive, as Go's */
    CHECK_INT_EQ(parse_size("32 MiB", &z), -1);
    CHECK_INT_EQ(parse_size("1.5GiB", &z), -1); /* whole numbers only */
    CHECK_INT_EQ(parse_size("-1", &z), -1);
    CHECK_INT_EQ(parse_size("+1", &z), -1);
    CHECK_INT_EQ(parse_size(" 1", &z), -1);
    CHECK_INT_EQ(parse_size("MiB", &z), -1);
    CHECK_INT_EQ(parse_size("", &z), -1);
    CHECK_INT_EQ(parse_size("5x", &z), -1);
    CHECK_INT_EQ(z, 7);
    return TEST_RESULT();
}
