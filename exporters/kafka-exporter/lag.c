/* lag.c -- per-partition offset history and the lag computations over it. */
#include "lag.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

void lag_history_free(lag_history *h)
{
    free(h->s);
    h->s = NULL;
    h->n = h->cap = 0;
}

static void history_append(lag_history *h, int64_t offset, double t)
{
    if (h->n == LAG_HISTORY_MAX) {
        memmove(h->s, h->s + 1, (size_t)(h->n - 1) * sizeof h->s[0]);
        h->n--;
    }
    if (h->n == h->cap) {
        uint16_t cap = h->cap ? (uint16_t)(h->cap * 2) : 2;
        if (cap > LAG_HISTORY_MAX)
            cap = LAG_HISTORY_MAX;
        h->s = xreallocarray(h->s, cap, sizeof *h->s);
        h->cap = cap;
    }
    h->s[h->n].offset = offset;
    h->s[h->n].t = t;
    h->n++;
}

void lag_history_add(lag_history *h, int64_t end_offset, double t)
{
    if (h->n > 0) {
        lag_sample *last = &h->s[h->n - 1];
        if (t <= last->t)
            return;
        if (end_offset < last->offset) {
            h->n = 0;
        } else if (end_offset == last->offset && h->n >= 2 && h->s[h->n - 2].offset == end_offset) {
            /* Still idle: only the end of the run moves, so the run's start
             * (when the offset was first reached) is kept. */
            last->t = t;
            return;
        }
    }
    history_append(h, end_offset, t);
}

int64_t lag_messages(int64_t committed, int64_t end_offset)
{
    if (committed < 0 || end_offset < 0 || end_offset <= committed)
        return 0;
    return end_offset - committed;
}

int lag_seconds(const lag_history *h, int64_t committed, double now, double *seconds)
{
    if (h->n == 0)
        return -1;
    const lag_sample *s = h->s;
    size_t n = h->n;
    if (committed >= s[n - 1].offset) {
        *seconds = 0;
        return 0;
    }
    /* The record at `committed` exists once the end offset reaches committed+1. */
    int64_t target = committed + 1;
    size_t i = 0;
    while (i < n && s[i].offset < target)
        i++;
    double written;
    if (i > 0) {
        const lag_sample *a = &s[i - 1], *b = &s[i];
        written = a->t + (double)(target - a->offset) / (double)(b->offset - a->offset) * (b->t - a->t);
    } else {
        /* Older than the history: extrapolate at the rate seen over it, up to
         * the moment the last offset was first reached (ignoring a trailing idle run). */
        size_t last = n - 1;
        while (last > 0 && s[last - 1].offset == s[last].offset)
            last--;
        if (last == 0 || s[last].t <= s[0].t)
            return -1;
        double rate = (double)(s[last].offset - s[0].offset) / (s[last].t - s[0].t);
        written = s[0].t - (double)(s[0].offset - target) / rate;
    }
    double age = now - written;
    *seconds = age > 0 ? age : 0;
    return 0;
}
