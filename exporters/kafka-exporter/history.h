/* history.h -- the end-offset histories of all partitions, carried across scrapes.
 *
 * Each scrape rebuilds the table from the topics it saw: begin, one touch per
 * topic in ascending name order, end. Histories of topics that were not touched
 * (deleted, or filtered out) are freed at end, so they disappear. */
#ifndef KX_HISTORY_H
#define KX_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "lag.h"

typedef struct kx_topic_history {
    char *topic;
    lag_history *parts; /* indexed by partition id */
    int32_t nparts;
    int stolen; /* moved into the next table during a rebuild */
} kx_topic_history;

typedef struct kx_histories {
    kx_topic_history *v; /* sorted by topic */
    size_t n;
    kx_topic_history *next; /* being built between begin and end */
    size_t nnext, capnext;
} kx_histories;

void kx_histories_free(kx_histories *h);
void kx_histories_begin(kx_histories *h);
/* Returns the topic's `nparts` histories (kept from the last scrape where they
 * exist), valid until the next begin. Topics must come in ascending strcmp order.
 * Aborts on out-of-memory (sizes come from the cluster's metadata, once each). */
lag_history *kx_histories_touch(kx_histories *h, const char *topic, int32_t nparts);
void kx_histories_end(kx_histories *h);
/* The history of one partition, or NULL. */
const lag_history *kx_histories_get(const kx_histories *h, const char *topic, int32_t partition);
/* Number of topics held (for tests). */
size_t kx_histories_count(const kx_histories *h);

#endif
