/* consumers.c -- per (group, topic, partition) state between collections: status window, records
 * lost, the cached timestamp of the oldest unconsumed record. */
#include "consumers.h"

#include <stdlib.h>
#include <string.h>

#include "snapshot.h"
#include "xalloc.h"

static void group_free(kx_cgroup *g)
{
    for (size_t i = 0; i < g->nparts; i++)
        free(g->parts[i].topic);
    free(g->parts);
    free(g->name);
}

void kx_consumers_free(kx_consumers *c)
{
    for (size_t i = 0; i < c->n; i++)
        group_free(&c->v[i]);
    free(c->v);
    memset(c, 0, sizeof *c);
}

static int cmp_group(const void *a, const void *b)
{
    return strcmp(((const kx_cgroup *)a)->name, ((const kx_cgroup *)b)->name);
}

static int cmp_part(const void *a, const void *b)
{
    const kx_cpart *x = a, *y = b;
    int c = strcmp(x->topic, y->topic);
    if (c)
        return c;
    return (x->partition > y->partition) - (x->partition < y->partition);
}

const kx_cgroup *kx_consumers_group(const kx_consumers *c, const char *name)
{
    kx_cgroup key = {.name = (char *)name};
    return c->n ? bsearch(&key, c->v, c->n, sizeof key, cmp_group) : NULL;
}

kx_cpart *kx_cgroup_part(const kx_cgroup *g, const char *topic, int32_t partition)
{
    kx_cpart key = {.topic = (char *)topic, .partition = partition};
    return g && g->nparts ? bsearch(&key, g->parts, g->nparts, sizeof key, cmp_part) : NULL;
}

const char *kx_status_name(kx_status s)
{
    static const char *const names[] = {"OK", "WARN", "STOP", "STALL", "REWIND"};
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "OK";
}

const char *kx_group_status_name(kx_group_status s)
{
    static const char *const names[] = {"OK", "WARN", "ERR"};
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "OK";
}

void kx_window_add(kx_cpart *p, kx_obs o, double window)
{
    double step = window / (KX_WINDOW_MAX - 2); /* one slot for the newest, one to drop */
    if (p->nwin > 0 && o.t <= p->win[p->nwin - 1].t)
        return; /* not newer: the clock is monotonic, so only a repeated collection */
    /* Like Burrow's min-distance: while the last observation is closer than a step to the one
     * before it, a newer one replaces it; so kept observations are a step apart and 16 of them
     * span the window, whatever the collection cadence. */
    if (p->nwin >= 2 && p->win[p->nwin - 1].t - p->win[p->nwin - 2].t < step)
        p->win[p->nwin - 1] = o;
    else if (p->nwin < KX_WINDOW_MAX)
        p->win[p->nwin++] = o;
    else {
        memmove(p->win, p->win + 1, (KX_WINDOW_MAX - 1) * sizeof *p->win);
        p->win[KX_WINDOW_MAX - 1] = o;
    }
    /* Keep one observation at least `window` old, so a full window spans the whole window. */
    size_t drop = 0;
    while (drop + 1 < p->nwin && o.t - p->win[drop + 1].t >= window)
        drop++;
    if (drop) {
        memmove(p->win, p->win + drop, (p->nwin - drop) * sizeof *p->win);
        p->nwin = (uint8_t)(p->nwin - drop);
    }
}

static int64_t lag_of(const kx_obs *o)
{
    return o->end > o->committed ? o->end - o->committed : 0;
}

kx_status kx_window_status(const kx_obs *w, size_t n, double window, bool members)
{
    if (n == 0)
        return KX_OK;
    const kx_obs *last = &w[n - 1];
    /* Burrow: a partition whose current lag is zero is never in error. */
    if (lag_of(last) == 0)
        return KX_OK;
    bool full = last->t - w[0].t >= window;
    bool unchanged = true;
    for (size_t i = 1; i < n; i++)
        if (w[i].committed != w[0].committed)
            unchanged = false;
    /* Rule 3 (checkIfOffsetsStopped): no commit for the whole window. Commits are only seen
     * through the committed offset, so "no commit" is an unchanged offset with no member that
     * could be committing; checkIfRecentLagZero: not if the end offset was at the commit within
     * the window (the group was caught up a moment ago). */
    if (full && unchanged && !members) {
        bool recent_zero = false;
        for (size_t i = 0; i < n; i++)
            if (w[i].end <= last->committed)
                recent_zero = true;
        if (!recent_zero)
            return KX_STOP;
    }
    /* Rule 2 (checkIfOffsetsRewind, checkIfRewindRecovered): an offset lower than the one
     * before, not yet back to where it was. */
    for (size_t i = 1; i < n; i++) {
        if (w[i].committed >= w[i - 1].committed)
            continue;
        bool recovered = false;
        for (size_t j = i; j < n; j++)
            if (w[j].committed >= w[i - 1].committed)
                recovered = true;
        if (!recovered)
            return KX_REWIND;
        break; /* Burrow looks at the first rewind only */
    }
    /* Rule 1 (isLagAlwaysNotZero): zero lag at any point of the window is OK. */
    for (size_t i = 0; i < n; i++)
        if (lag_of(&w[i]) == 0)
            return KX_OK;
    if (!full)
        return KX_OK; /* too short a history to say more: Burrow's incomplete window */
    /* Rule 4 (checkIfOffsetsStalled): the same offset over the window while lag exists, with
     * members holding the partition. */
    if (unchanged)
        return KX_STALL;
    /* Rule 5 (checkIfLagNotDecreasing): offsets advance but the lag never went down. */
    for (size_t i = 1; i < n; i++)
        if (lag_of(&w[i]) < lag_of(&w[i - 1]))
            return KX_OK;
    return KX_WARN;
}

uint64_t kx_loss_observe(kx_cpart *p, int64_t c, int64_t start, int64_t end, bool first)
{
    if (start < 0 || c < 0)
        return 0;
    if (first || (end >= 0 && end < p->lost_upto)) {
        /* First sight (or the topic was recreated): whatever is missing now is not ours to count. */
        p->lost_upto = c > start ? c : start;
        return 0;
    }
    if (c >= start)
        return 0;
    int64_t from = c > p->lost_upto ? c : p->lost_upto;
    if (start <= from)
        return 0;
    uint64_t n = (uint64_t)(start - from);
    p->lost_total += n;
    p->lost_upto = start;
    return n;
}

static const kx_partition *snap_partition(const kx_topic *t, int32_t id)
{
    for (int lo = 0, hi = t->nparts; lo < hi;) {
        int mid = lo + (hi - lo) / 2;
        if (t->parts[mid].id == id)
            return &t->parts[mid];
        if (t->parts[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static void mark_stale(kx_cgroup *g)
{
    g->stale = true;
    for (size_t i = 0; i < g->nparts; i++)
        g->parts[i].stale = true;
}

/* Builds the new state of group `sg` from its commits, moving what `old` knew. */
static void build_group(kx_cgroup *ng, kx_cgroup *old, const kx_snapshot *s, const kx_group *sg, double t,
                        double window)
{
    ng->parts = xcalloc(sg->ncommits, sizeof *ng->parts);
    bool members = sg->members > 0;
    int worst = KX_GROUP_OK;
    for (size_t i = 0; i < sg->ncommits; i++) {
        const kx_commit *cm = &sg->commits[i];
        const kx_topic *st = &s->topics[cm->topic];
        kx_cpart *op = old ? kx_cgroup_part(old, st->name, cm->partition) : NULL;
        kx_cpart *p = &ng->parts[ng->nparts++];
        bool first = op == NULL;
        if (op) {
            *p = *op;
            p->topic = xstrdup(op->topic); /* old is still searched for the next commits */
        } else {
            memset(p, 0, sizeof *p);
            p->topic = xstrdup(st->name);
            p->partition = cm->partition;
            p->ts_offset = -1;
        }
        const kx_partition *kp = snap_partition(st, cm->partition);
        if (!kp || kp->end_offset < 0) {
            p->stale = true; /* no end offset this time: keep the last status */
            ng->stale = true;
        } else {
            p->stale = false;
            kx_window_add(p, (kx_obs){cm->offset, kp->end_offset, t}, window);
            p->status = (uint8_t)kx_window_status(p->win, p->nwin, window, members);
            kx_loss_observe(p, cm->offset, kp->start_offset, kp->end_offset, first);
        }
        int gs = p->status == KX_OK ? KX_GROUP_OK : p->status == KX_WARN ? KX_GROUP_WARN : KX_GROUP_ERR;
        if (gs > worst)
            worst = gs;
    }
    qsort(ng->parts, ng->nparts, sizeof *ng->parts, cmp_part);
    ng->status = (uint8_t)worst;
}

void kx_consumers_update(kx_consumers *c, const kx_snapshot *s, double t, double window)
{
    if (!s->metadata_ok) {
        for (size_t i = 0; i < c->n; i++)
            mark_stale(&c->v[i]);
        return;
    }
    kx_cgroup *next = xcalloc(s->ngroups + c->n, sizeof *next);
    size_t nn = 0;
    bool *kept = xcalloc(c->n, sizeof *kept);
    for (size_t i = 0; i < s->ngroups; i++) {
        const kx_group *sg = &s->groups[i];
        kx_cgroup *old = (kx_cgroup *)kx_consumers_group(c, sg->name);
        kx_cgroup *ng = &next[nn];
        if (!sg->offsets_ok) {
            /* Offsets not read (or not asked for): the last status stays, marked stale. */
            if (!old)
                continue;
            *ng = *old;
            mark_stale(ng);
            kept[old - c->v] = true;
            nn++;
            continue;
        }
        memset(ng, 0, sizeof *ng);
        ng->name = xstrdup(sg->name);
        build_group(ng, old, s, sg, t, window);
        nn++;
    }
    for (size_t i = 0; i < c->n; i++) {
        if (kept[i])
            continue;
        /* A group missing from an incomplete listing is kept (stale); listed groups were rebuilt. */
        bool listed = s->ngroups && bsearch(&(kx_group){.name = c->v[i].name}, s->groups, s->ngroups,
                                            sizeof *s->groups, kx_group_cmp_name);
        if (!listed && !s->groups_listed_ok) {
            next[nn] = c->v[i];
            mark_stale(&next[nn++]);
            continue;
        }
        group_free(&c->v[i]); /* parts moved out have a NULL topic */
    }
    free(kept);
    free(c->v);
    qsort(next, nn, sizeof *next, cmp_group);
    c->v = next;
    c->n = nn;
}
