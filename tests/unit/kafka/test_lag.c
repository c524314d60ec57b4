/* test_lag.c -- lag in messages and seconds: interpolation, extrapolation, idle and no-history cases. */
#include "lag.h"
#include "test.h"

static int near(double a, double b, double eps)
{
    return a > b - eps && a < b + eps;
}

static void test_messages(void)
{
    CHECK_INT_EQ(lag_messages(10, 15), 5);
    CHECK_INT_EQ(lag_messages(15, 15), 0);
    /* A commit past the end (truncated log, or read after the end offset) is never negative lag. */
    CHECK_INT_EQ(lag_messages(20, 15), 0);
    CHECK_INT_EQ(lag_messages(-1, 15), 0);
    CHECK_INT_EQ(lag_messages(3, -1), 0);
}

static void test_interpolation(void)
{
    lag_history h = {0};
    double s = -1;
    /* 10 records/s from t=100: end offset 0 at t=100, 100 at t=110, 200 at t=120. */
    lag_history_add(&h, 0, 100);
    lag_history_add(&h, 100, 110);
    lag_history_add(&h, 200, 120);
    CHECK_INT_EQ(h.n, 3);
    /* Record 149 became visible when the end offset reached 150, at t=115. */
    CHECK(lag_seconds(&h, 149, 120, &s) == 0);
    CHECK(near(s, 5, 1e-9));
    /* Caught up: zero, whatever the history. */
    CHECK(lag_seconds(&h, 200, 120, &s) == 0);
    CHECK_DBL_EQ(s, 0);
    CHECK(lag_seconds(&h, 250, 120, &s) == 0);
    CHECK_DBL_EQ(s, 0);
    /* Later "now" makes it older. */
    CHECK(lag_seconds(&h, 149, 130, &s) == 0);
    CHECK(near(s, 15, 1e-9));
    lag_history_free(&h);
}

static void test_extrapolation(void)
{
    lag_history h = {0};
    double s;
    lag_history_add(&h, 1000, 100);
    lag_history_add(&h, 1100, 110); /* 10/s */
    /* Record 899 (end offset 900) predates the history: 10 s before t=100 at 10/s. */
    CHECK(lag_seconds(&h, 899, 110, &s) == 0);
    CHECK(near(s, 20, 1e-9));
    lag_history_free(&h);
}

static void test_idle_and_no_history(void)
{
    lag_history h = {0};
    double s;
    CHECK(lag_seconds(&h, 5, 100, &s) == -1); /* nothing sampled yet */
    lag_history_add(&h, 100, 10);
    CHECK(lag_seconds(&h, 50, 10, &s) == -1); /* one sample: no rate to extrapolate with */
    CHECK(lag_seconds(&h, 100, 10, &s) == 0 && s == 0);
    /* An idle partition keeps two samples: the start and the end of the run. */
    for (int t = 20; t <= 100; t += 10)
        lag_history_add(&h, 100, t);
    CHECK_INT_EQ(h.n, 2);
    CHECK_DBL_EQ(h.s[0].t, 10);
    CHECK_DBL_EQ(h.s[1].t, 100);
    CHECK(lag_seconds(&h, 50, 100, &s) == -1); /* idle since before the history: no estimate */
    /* Burst after idling: 100 records between t=100 and t=110. Record 149 is ~5 s old at t=110,
     * not the ~50 s a history without the run's end would say. */
    lag_history_add(&h, 200, 110);
    CHECK(lag_seconds(&h, 149, 110, &s) == 0);
    CHECK(near(s, 5, 1e-9));
    /* A trailing idle run does not dilute the extrapolation rate. */
    lag_history_add(&h, 200, 200);
    lag_history_add(&h, 200, 300);
    CHECK(lag_seconds(&h, 199, 300, &s) == 0);
    CHECK(near(s, 190, 1e-9));
    lag_history_free(&h);
}

static void test_reset_and_cap(void)
{
    lag_history h = {0};
    double s;
    lag_history_add(&h, 500, 1);
    lag_history_add(&h, 600, 2);
    lag_history_add(&h, 600, 1.5); /* not newer: ignored */
    CHECK_INT_EQ(h.n, 2);
    lag_history_add(&h, 10, 3); /* offset went back: topic recreated */
    CHECK_INT_EQ(h.n, 1);
    CHECK_INT_EQ(h.s[0].offset, 10);
    for (int i = 1; i <= 100; i++)
        lag_history_add(&h, 10 + i * 10, 3 + i);
    CHECK_INT_EQ(h.n, LAG_HISTORY_MAX);
    CHECK(h.cap <= LAG_HISTORY_MAX);
    CHECK_INT_EQ(h.s[h.n - 1].offset, 1010);
    /* 10 records/s throughout: record at offset 900 written when the end reached 901. */
    CHECK(lag_seconds(&h, 900, 103, &s) == 0);
    CHECK(near(s, 103 - (3 + 89.1), 1e-6));
    /* Beyond the history: extrapolated at the same rate. */
    CHECK(lag_seconds(&h, 100, 103, &s) == 0);
    CHECK(near(s, 103 - (3 + 9.1), 1e-6));
    lag_history_free(&h);
    CHECK(h.s == NULL && h.n == 0);
}

int main(void)
{
    test_messages();
    test_interpolation();
    test_extrapolation();
    test_idle_and_no_history();
    test_reset_and_cap();
    return TEST_RESULT();
}
