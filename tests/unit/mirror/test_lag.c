/* test_lag.c -- MM2 position, lag, no-progress and upstream-expiry accounting. */
#include "test.h"
#include "lag.h"

int main(void)
{
    lag_tp t;
    lag_init(&t, "orders", 3, 0);
    lag_update(&t, 0);
    CHECK(!t.have_position && lag_records(&t) == 0);

    /* Sync (100 -> 40); downstream end 60: MM2 mirrored upstream 100..119, position 120. */
    lag_on_sync(&t, 100, 40);
    lag_on_target(&t, 60);
    lag_on_source(&t, 0, 150);
    lag_update(&t, 1);
    CHECK_INT_EQ(t.position, 120);
    CHECK_INT_EQ(lag_records(&t), 30);
    CHECK(!lag_no_progress(&t, 30, 60));
    /* Position stuck with lag for the stall window: no progress. */
    lag_update(&t, 61);
    CHECK(lag_no_progress(&t, 61, 60));
    /* It moves: progress again. */
    lag_on_target(&t, 70);
    lag_update(&t, 62);
    CHECK_INT_EQ(t.position, 130);
    CHECK(!lag_no_progress(&t, 62, 60));
    /* Never past the source end. */
    lag_on_target(&t, 500);
    lag_update(&t, 63);
    CHECK_INT_EQ(t.position, 150);
    CHECK_INT_EQ(lag_records(&t), 0);
    CHECK(!lag_no_progress(&t, 1000, 60));

    lag_on_target(&t, 90);
    /* Upstream deletes past MM2's position (150): 250 - 150 records expired, counted once. */
    lag_on_source(&t, 250, 300);
    lag_update(&t, 64);
    CHECK_INT_EQ(t.expired_total, 100);
    lag_update(&t, 65);
    CHECK_INT_EQ(t.expired_total, 100);
    lag_on_source(&t, 280, 300);
    lag_update(&t, 66);
    CHECK_INT_EQ(t.expired_total, 130);
    /* MM2 resumes from the log start: nothing more expires. */
    lag_on_sync(&t, 280, 600);
    lag_on_target(&t, 610);
    lag_on_source(&t, 290, 300);
    lag_update(&t, 67);
    CHECK_INT_EQ(t.position, 290);
    CHECK_INT_EQ(t.expired_total, 130);

    /* MM2 skips to the log start before any poll saw the deletion: still counted. Stopped at 150
     * (sync 100 -> 40, downstream end 90); upstream deletes to 250; MM2 resumes, syncs 250 -> 90 and
     * writes 5 more; only then does the exporter poll. */
    lag_tp r;
    lag_init(&r, "orders", 0, 0);
    lag_on_sync(&r, 100, 40);
    lag_on_target(&r, 90);
    lag_on_source(&r, 0, 200);
    lag_update(&r, 1);
    CHECK_INT_EQ(r.position, 150);
    lag_on_sync(&r, 250, 90);
    lag_on_target(&r, 95);
    lag_on_source(&r, 250, 300);
    lag_update(&r, 2);
    CHECK_INT_EQ(r.position, 255);
    CHECK_INT_EQ(r.expired_total, 100);
    lag_update(&r, 3);
    CHECK_INT_EQ(r.expired_total, 100);
    /* A compaction gap (sync jumps, nothing below the log start) is not loss. */
    lag_on_sync(&r, 280, 100);
    lag_on_target(&r, 101);
    lag_update(&r, 4);
    CHECK_INT_EQ(r.expired_total, 100);

    /* Retention below the position is not loss. */
    lag_tp u;
    lag_init(&u, "logs", 0, 0);
    lag_on_sync(&u, 1000, 1000);
    lag_on_target(&u, 1001);
    lag_on_source(&u, 900, 1001);
    lag_update(&u, 1);
    CHECK_INT_EQ(u.expired_total, 0);
    /* A target end behind the sync (stale reading) does not move the position backwards past U. */
    lag_on_target(&u, 10);
    lag_update(&u, 2);
    CHECK_INT_EQ(u.position, 1000);
    return TEST_RESULT();
}
