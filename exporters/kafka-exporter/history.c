/* history.c -- per-partition end-offset histories, keyed by topic, rebuilt each scrape. */
#include "history.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

static void topic_history_free(kx_topic_history *t)
{
    for (int32_t i = 0; i < t->nparts; i++)
        lag_history_free(&t->parts[i]);
    free(t->parts);
    free(t->topic);
}

void kx_histories_free(kx_histories *h)
{
    for (size_t i = 0; i < h->n; i++)
        if (!h->v[i].stolen)
            topic_history_free(&h->v[i]);
    for (size_t i = 0; i < h->nnext; i++)
        topic_history_free(&h->next[i]);
    free(h->v);
    free(h->next);
    memset(h, 0, sizeof *h);
}

void kx_histories_begin(kx_histories *h)
{
    for (size_t i = 0; i < h->nnext; i++)
        topic_history_free(&h->next[i]);
    h->nnext = 0;
}

static kx_topic_history *find(const kx_histories *h, const char *topic)
{
    size_t lo = 0, hi = h->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(h->v[mid].topic, topic);
        if (c == 0)
            return &h->v[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

lag_history *kx_histories_touch(kx_histories *h, const char *topic, int32_t nparts)
{
    if (nparts < 0)
        nparts = 0;
    if (h->nnext == h->capnext) {
        h->capnext = h->capnext ? h->capnext * 2 : 64;
        h->next = xrealloc(h->next, h->capnext * sizeof *h->next);
    }
    kx_topic_history *t = &h->next[h->nnext++];
    memset(t, 0, sizeof *t);
    t->topic = xstrdup(topic);
    kx_topic_history *old = find(h, topic);
    if (old && !old->stolen) {
        old->stolen = 1;
        t->parts = old->parts;
        for (int32_t i = nparts; i < old->nparts; i++)
            lag_history_free(&t->parts[i]);
        t->nparts = old->nparts;
    }
    if (t->nparts != nparts) {
        t->parts = xrealloc(t->parts, (size_t)nparts * sizeof *t->parts);
        for (int32_t i = t->nparts; i < nparts; i++)
            memset(&t->parts[i], 0, sizeof t->parts[i]);
        t->nparts = nparts;
    }
    return t->parts;
}

void kx_histories_end(kx_histories *h)
{
    for (size_t i = 0; i < h->n; i++)
        if (!h->v[i].stolen)
            topic_history_free(&h->v[i]);
        else
            free(h->v[i].topic);
    free(h->v);
    h->v = h->next;
    h->n = h->nnext;
    h->next = NULL;
    h->nnext = h->capnext = 0;
}

const lag_history *kx_histories_get(const kx_histories *h, const char *topic, int32_t partition)
{
    kx_topic_history *t = find(h, topic);
    if (!t || partition < 0 || partition >= t->nparts)
        return NULL;
    return &t->parts[partition];
}

size_t kx_histories_count(const kx_histories *h)
{
    return h->n;
}
