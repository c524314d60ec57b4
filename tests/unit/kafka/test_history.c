/* test_history.c -- histories survive scrapes, follow partition counts, and vanish with their topic. */
#include "history.h"
#include "test.h"

int main(void)
{
    kx_histories hs = {0};
    kx_histories_begin(&hs);
    lag_history *a = kx_histories_touch(&hs, "a", 2);
    lag_history *b = kx_histories_touch(&hs, "b", 1);
    lag_history_add(&a[1], 10, 1);
    lag_history_add(&b[0], 5, 1);
    kx_histories_end(&hs);
    CHECK_INT_EQ(kx_histories_count(&hs), 2);
    CHECK(kx_histories_get(&hs, "a", 1) && kx_histories_get(&hs, "a", 1)->n == 1);
    CHECK(kx_histories_get(&hs, "a", 2) == NULL);
    CHECK(kx_histories_get(&hs, "zz", 0) == NULL);

    /* Next scrape: "a" grew to 3 partitions, "b" was deleted, "c" is new. */
    kx_histories_begin(&hs);
    a = kx_histories_touch(&hs, "a", 3);
    CHECK_INT_EQ(a[1].n, 1);
    CHECK_INT_EQ(a[1].s[0].offset, 10);
    CHECK_INT_EQ(a[2].n, 0);
    lag_history_add(&a[2], 7, 2);
    kx_histories_touch(&hs, "c", 1);
    kx_histories_end(&hs);
    CHECK_INT_EQ(kx_histories_count(&hs), 2);
    CHECK(kx_histories_get(&hs, "b", 0) == NULL);
    CHECK(kx_histories_get(&hs, "a", 2) && kx_histories_get(&hs, "a", 2)->n == 1);

    /* Shrink (topic recreated with fewer partitions); an aborted rebuild leaks nothing. */
    kx_histories_begin(&hs);
    a = kx_histories_touch(&hs, "a", 1);
    CHECK_INT_EQ(a[0].n, 0);
    kx_histories_end(&hs);
    CHECK(kx_histories_get(&hs, "a", 1) == NULL);
    kx_histories_begin(&hs);
    kx_histories_touch(&hs, "a", 4);
    kx_histories_begin(&hs);
    kx_histories_touch(&hs, "d", 1);
    kx_histories_end(&hs);
    CHECK_INT_EQ(kx_histories_count(&hs), 1);
    kx_histories_free(&hs);
    return TEST_RESULT();
}
