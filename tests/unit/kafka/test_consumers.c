/* test_consumers.c -- consumer status (Burrow's rules), records lost, and the state kept between
 * collections: windows, stale groups, deleted groups. */
#include <stdlib.h>
#include <string.h>

#include "consumers.h"
#include "snapshot.h"
#include "test.h"

#define W 60.0 /* window, seconds */

/* Feeds (committed, end) pairs at a 5 s cadence from t=1000 and returns the status after the last. */
static kx_status run(const int64_t (*obs)[2], size_t n, bool members)
{
    kx_cpart p = {0};
    for (size_t i = 0; i < n; i++)
        kx_window_add(&p, (kx_obs){obs[i][0], obs[i][1], 1000 + 5.0 * (double)i}, W);
    return kx_window_status(p.win, p.nwin, W, members);
}

static void test_window(void)
{
    kx_cpart p = {0};
    for (int i = 0; i < 100; i++)
        kx_window_add(&p, (kx_obs){i, i + 1, 1000 + 5.0 * i}, W);
    /* 5 s cadence, 60 s window: 13 observations span 60 s; the oldest is exactly a window old. */
    CHECK_INT_EQ(p.nwin, 13);
    CHECK_DBL_EQ(p.win[p.nwin - 1].t - p.win[0].t, 60);
    /* A cadence faster than window/15 keeps at most 16 and still spans the window. */
    kx_cpart q = {0};
    for (int i = 0; i < 1000; i++)
        kx_window_add(&q, (kx_obs){i, i, 1000 + 0.5 * i}, W);
    CHECK(q.nwin <= KX_WINDOW_MAX);
    CHECK(q.win[q.nwin - 1].t - q.win[0].t >= W);
    CHECK(q.win[q.nwin - 1].t - q.win[0].t < W + 2 * W / (KX_WINDOW_MAX - 2));
    /* Not newer (the same collection twice): ignored. */
    uint8_t n = q.nwin;
    kx_window_add(&q, q.win[q.nwin - 1], W);
    CHECK_INT_EQ(q.nwin, n);
}

static void test_status(void)
{
    int64_t o[20][2];
    /* Caught up now: OK whatever came before. */
    for (int i = 0; i < 20; i++)
        o[i][0] = 10, o[i][1] = i == 19 ? 10 : 50;
    CHECK_INT_EQ(run(o, 20, false), KX_OK);
    /* Committing steadily, lag going up and down: OK. */
    for (int i = 0; i < 20; i++)
        o[i][0] = 100 * i, o[i][1] = 100 * i + (i % 2 ? 30 : 10);
    CHECK_INT_EQ(run(o, 20, true), KX_OK);
    /* Offsets advance but lag never shrinks over the window: WARN. */
    for (int i = 0; i < 20; i++)
        o[i][0] = 100 * i, o[i][1] = 110 * i + 5;
    CHECK_INT_EQ(run(o, 20, true), KX_WARN);
    /* ... but not before the window is full (an incomplete window is OK, as Burrow's). */
    CHECK_INT_EQ(run(o, 5, true), KX_OK);
    /* Same offset over the whole window while lag exists, members alive: STALL. */
    for (int i = 0; i < 20; i++)
        o[i][0] = 40, o[i][1] = 50 + i;
    CHECK_INT_EQ(run(o, 20, true), KX_STALL);
    /* The same without members (nobody commits): STOP. */
    CHECK_INT_EQ(run(o, 20, false), KX_STOP);
    /* ... not yet a window long: OK. */
    CHECK_INT_EQ(run(o, 12, false), KX_OK);
    /* Stopped, but the end was at the commit inside the window (caught up a moment ago): not STOP,
     * and the zero lag makes it OK. */
    for (int i = 0; i < 20; i++)
        o[i][0] = 40, o[i][1] = i < 12 ? 40 : 45;
    CHECK_INT_EQ(run(o, 20, false), KX_OK);
    /* An offset going backwards: REWIND, until it is back where it was. */
    for (int i = 0; i < 20; i++)
        o[i][0] = i < 17 ? 100 * i : 300 + 10 * (i - 17), o[i][1] = 100 * i + 50;
    CHECK_INT_EQ(run(o, 20, true), KX_REWIND);
    CHECK_INT_EQ(run(o, 18, true), KX_REWIND); /* right after the reset */
    for (int i = 17; i < 20; i++)
        o[i][0] = 1600 + 100 * (i - 16);
    o[17][0] = 300, o[18][0] = 1600, o[19][0] = 1700;
    CHECK(run(o, 20, true) != KX_REWIND); /* back at 1600: recovered */
    CHECK_STR_EQ(kx_status_name(KX_STALL), "STALL");
    CHECK_STR_EQ(kx_group_status_name(KX_GROUP_ERR), "ERR");
}

static void test_loss(void)
{
    kx_cpart p = {0};
    /* First sight with a gap (committed 30, log start 70): not counted (may have been before a restart). */
    CHECK_INT_EQ(kx_loss_observe(&p, 30, 70, 100, true), 0);
    CHECK_INT_EQ(p.lost_total, 0);
    /* Log start moves to 85: 15 more deleted under the group. */
    CHECK_INT_EQ(kx_loss_observe(&p, 30, 85, 100, false), 15);
    /* Seen again, nothing new: counted once. */
    CHECK_INT_EQ(kx_loss_observe(&p, 30, 85, 100, false), 0);
    /* The group resets to the log start and reads on; later deletions behind it are not loss. */
    CHECK_INT_EQ(kx_loss_observe(&p, 90, 85, 120, false), 0);
    CHECK_INT_EQ(kx_loss_observe(&p, 110, 100, 130, false), 0);
    /* Falls behind again: only the records past its commit count. */
    CHECK_INT_EQ(kx_loss_observe(&p, 110, 125, 140, false), 15);
    /* A rewind below what was lost does not count the same records again. */
    CHECK_INT_EQ(kx_loss_observe(&p, 50, 125, 140, false), 0);
    CHECK_INT_EQ(p.lost_total, 30);
    /* Unknown log start: nothing. */
    CHECK_INT_EQ(kx_loss_observe(&p, 50, -1, 140, false), 0);
    /* Topic recreated (end below what was counted): a fresh baseline. */
    CHECK_INT_EQ(kx_loss_observe(&p, 0, 10, 20, false), 0);
    CHECK_INT_EQ(kx_loss_observe(&p, 0, 15, 20, false), 5);
}

/* A snapshot with one topic of one partition and the given groups (name, members, committed). */
typedef struct gspec {
    const char *name;
    int members;
    int64_t committed; /* -2: offsets not read */
} gspec;

static kx_snapshot *snap(int64_t start, int64_t end, const gspec *g, size_t ng, bool listed)
{
    kx_snapshot *s = calloc(1, sizeof *s);
    s->metadata_ok = true;
    s->groups_listed_ok = listed;
    s->topics = calloc(1, sizeof *s->topics);
    s->ntopics = 1;
    s->topics[0].name = strdup("t");
    s->topics[0].nparts = 1;
    s->topics[0].parts = calloc(1, sizeof *s->topics[0].parts);
    s->topics[0].parts[0] = (kx_partition){.id = 0, .start_offset = start, .end_offset = end};
    s->groups = calloc(ng ? ng : 1, sizeof *s->groups);
    for (size_t i = 0; i < ng; i++) {
        kx_group *sg = &s->groups[s->ngroups++];
        sg->name = strdup(g[i].name);
        sg->members = g[i].members;
        sg->offsets_ok = g[i].committed != -2;
        if (sg->offsets_ok) {
            sg->commits = calloc(1, sizeof *sg->commits);
            sg->commits[0] = (kx_commit){.topic = 0, .partition = 0, .offset = g[i].committed};
            sg->ncommits = 1;
        }
    }
    return s;
}

/* A group committed on three partitions of one topic, updated twice: the second update looks up each
 * partition in the first's state while moving them (it crashed on a NULLed topic: strcmp(NULL)). */
static void test_update_many_partitions(void)
{
    kx_consumers c = {0};
    for (int round = 0; round < 3; round++) {
        kx_snapshot *s = snap(0, 100, (gspec[]){{"g", 1, 10}}, 1, true);
        s->topics[0].nparts = 3;
        s->topics[0].parts = realloc(s->topics[0].parts, 3 * sizeof *s->topics[0].parts);
        kx_group *sg = &s->groups[0];
        sg->commits = realloc(sg->commits, 3 * sizeof *sg->commits);
        for (int i = 0; i < 3; i++) {
            s->topics[0].parts[i] = (kx_partition){.id = i, .start_offset = 0, .end_offset = 100};
            sg->commits[i] = (kx_commit){.topic = 0, .partition = i, .offset = 10 * (i + 1) + round};
        }
        sg->ncommits = 3;
        kx_consumers_update(&c, s, 1000 + 5 * round, W);
        kx_snapshot_free(s);
    }
    const kx_cgroup *g = kx_consumers_group(&c, "g");
    CHECK(g && g->nparts == 3);
    for (int i = 0; g && i < 3; i++)
        CHECK(kx_cgroup_part(g, "t", i) && strcmp(kx_cgroup_part(g, "t", i)->topic, "t") == 0);
    kx_consumers_free(&c);
}

static void test_update(void)
{
    kx_consumers c = {0};
    double t = 1000;
    /* "a" stops at 40 while the end grows; "b" keeps up. */
    for (int i = 0; i < 14; i++, t += 5) {
        gspec g[] = {{"a", 0, 40}, {"b", 1, 50 + i}};
        kx_snapshot *s = snap(0, 50 + i, g, 2, true);
        kx_consumers_update(&c, s, t, W);
        kx_snapshot_free(s);
    }
    CHECK_INT_EQ(c.n, 2);
    const kx_cgroup *a = kx_consumers_group(&c, "a");
    CHECK(a && a->status == KX_GROUP_ERR && a->parts[0].status == KX_STOP && !a->stale);
    CHECK(kx_consumers_group(&c, "b")->status == KX_GROUP_OK);
    /* a's offsets cannot be read: its STOP stays, marked stale, never a false OK. */
    {
        gspec g[] = {{"a", 0, -2}, {"b", 1, 70}};
        kx_snapshot *s = snap(0, 70, g, 2, true);
        kx_consumers_update(&c, s, t += 5, W);
        kx_snapshot_free(s);
    }
    a = kx_consumers_group(&c, "a");
    CHECK(a && a->stale && a->status == KX_GROUP_ERR && a->parts[0].status == KX_STOP && a->parts[0].stale);
    /* An incomplete listing without "a": kept, stale. */
    {
        gspec g[] = {{"b", 1, 71}};
        kx_snapshot *s = snap(0, 71, g, 1, false);
        kx_consumers_update(&c, s, t += 5, W);
        kx_snapshot_free(s);
    }
    a = kx_consumers_group(&c, "a");
    CHECK(a && a->stale);
    /* Deleted (a complete listing without it): gone at once. */
    {
        gspec g[] = {{"b", 1, 72}};
        kx_snapshot *s = snap(0, 72, g, 1, true);
        kx_consumers_update(&c, s, t += 5, W);
        kx_snapshot_free(s);
    }
    CHECK(kx_consumers_group(&c, "a") == NULL);
    CHECK_INT_EQ(c.n, 1);
    /* Records lost through updates: b at 72, log start jumps to 80, then 90. */
    {
        gspec g[] = {{"b", 0, 72}};
        kx_snapshot *s = snap(80, 100, g, 1, true);
        kx_consumers_update(&c, s, t += 5, W);
        kx_snapshot_free(s);
        s = snap(90, 100, g, 1, true);
        kx_consumers_update(&c, s, t += 5, W);
        kx_snapshot_free(s);
    }
    CHECK_INT_EQ(kx_cgroup_part(kx_consumers_group(&c, "b"), "t", 0)->lost_total, 18);
    /* No metadata: everything stale, nothing dropped. */
    kx_snapshot *s = calloc(1, sizeof *s);
    kx_consumers_update(&c, s, t += 5, W);
    kx_snapshot_free(s);
    CHECK(c.n == 1 && c.v[0].stale);
    kx_consumers_free(&c);
}

int main(void)
{
    test_window();
    test_status();
    test_loss();
    test_update();
    test_update_many_partitions();
    return TEST_RESULT();
}
