/* offsetlog.h -- groups' committed offsets read from __consumer_offsets, as the brokers write them.
 *
 * One reader thread consumes every partition of the compacted topic from the beginning (no group: the
 * legacy consumer, one queue) on its own librdkafka handle and keeps the latest commit of each (group, topic,
 * partition) in memory; a tombstone removes it. A collection takes the commits from here instead of one
 * OffsetFetch (and, with librdkafka 2.0.2, one FindCoordinator) per group, but only once every partition
 * has been read to its end at least once and none has failed since: before that, or if the topic cannot be
 * read at all (no Read ACL on __consumer_offsets), kx_offsetlog_ready says why and the collection asks the
 * coordinators as before. */
#ifndef KX_OFFSETLOG_H
#define KX_OFFSETLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

typedef struct kx_offsetlog kx_offsetlog;

/* Whether commits of `group` are kept (the group filter). */
typedef bool (*kx_offsetlog_keep_fn)(void *arg, const char *group);
/* A store with no thread (kx_offsetlog_start starts one), keeping the commits of the groups keep(arg, group)
 * accepts (keep NULL: all). Aborts on out-of-memory. */
kx_offsetlog *kx_offsetlog_new(kx_offsetlog_keep_fn keep, void *arg);
/* Starts the reader thread on `rk`, a consumer handle of its own (kx_rdk_new_reader); on success the
 * store owns rk, on failure (-1, reason in err) the caller still does. */
int kx_offsetlog_start(kx_offsetlog *l, rd_kafka_t *rk, char *err, size_t errlen);
/* Stops the thread (within about 200 ms), destroys its handle and frees the store. NULL is ignored. */
void kx_offsetlog_free(kx_offsetlog *l);

/* Applies one record of the topic (key and value as read; value NULL: a tombstone). A malformed record is
 * counted and skipped; a record of another type is skipped. Thread-safe. */
void kx_offsetlog_apply(kx_offsetlog *l, const void *key, size_t klen, const void *value, size_t vlen);
/* True if the commits held are complete (read to the end since the last error); else false with the
 * reason in why. Thread-safe. */
bool kx_offsetlog_ready(kx_offsetlog *l, char *why, size_t whylen);
/* Calls each() with every commit held, under the store's lock (each() must not call back into l). */
typedef void (*kx_offsetlog_each_fn)(void *arg, const char *group, const char *topic, int32_t partition,
                                     int64_t offset);
void kx_offsetlog_each(kx_offsetlog *l, kx_offsetlog_each_fn each, void *arg);
/* Adds "host:port,..." to the reader's broker list (ZooKeeper mode); no-op before start. Thread-safe. */
void kx_offsetlog_add_brokers(kx_offsetlog *l, const char *list);
/* Malformed records skipped so far. Thread-safe. */
uint64_t kx_offsetlog_malformed(kx_offsetlog *l);

#endif
