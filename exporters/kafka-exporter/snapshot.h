/* snapshot.h -- everything one scrape learns from the cluster, fetched once.
 *
 * Order matters for correctness: groups' committed offsets are read before the
 * partitions' end offsets, so lag (end - committed) cannot go negative because
 * of a commit that happened between the two reads.
 *
 * Cost per scrape, whatever the partition count: 1 Metadata request; 1
 * ListGroups per broker; 1 DescribeGroups per coordinator; 1 OffsetFetch per
 * group, unless the commits come from the reader of __consumer_offsets
 * (kx_fetch_opts.offsetlog, no request); 1 DescribeConfigs for all topics; 2 ListOffsets per leader broker
 * (end and start offsets, all of that leader's partitions in each). */
#ifndef KX_SNAPSHOT_H
#define KX_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "assignment.h"
#include "filter.h"
#include "offsetlog.h"
#include "zk.h"

typedef struct kx_partition {
    int32_t id;
    int32_t leader;    /* -1: none (offline) */
    int32_t preferred; /* first replica, -1 if none */
    int nreplicas, nisr;
    int64_t end_offset, start_offset; /* -1: unknown (leader did not answer) */
} kx_partition;

typedef struct kx_topic {
    char *name;
    kx_partition *parts; /* sorted by id */
    int nparts;
    int min_isr; /* min.insync.replicas, -1 if unknown */
    /* From the topic's configs: retention.ms (-1 unlimited, KX_UNKNOWN if not read) and
     * cleanup.policy (KX_CLEANUP_* bits, 0 if not read). */
    int64_t retention_ms;
    int cleanup;
} kx_topic;

#define KX_UNKNOWN (-2)
#define KX_CLEANUP_DELETE 1
#define KX_CLEANUP_COMPACT 2

typedef struct kx_broker {
    int32_t id;
    char *host;
    int port;
} kx_broker;

typedef struct kx_commit {
    int topic; /* index into snapshot topics */
    int32_t partition;
    int64_t offset;
    /* Derived once the snapshot is complete from what is kept between collections (scrape.c's
     * kx_snapshot_derive), so a published snapshot answers scrapes alone. NAN: no series. */
    double lag_seconds, margin_seconds, lost;
    uint8_t status; /* kx_status */
} kx_commit;

/* A partition status of a group whose offsets were not read this time (the last one known). */
typedef struct kx_pstat {
    char *topic;
    int32_t partition;
    uint8_t status;
} kx_pstat;

typedef struct kx_group {
    char *name;
    char state[24];         /* librdkafka's name: Stable, Empty, PreparingRebalance... */
    int members;            /* -1 if not described */
    kx_assignment assigned; /* partitions of its members' assignments (--no-offset.show-all) */
    bool offsets_ok;
    kx_commit *commits;
    size_t ncommits;
    bool unlisted; /* not in this listing (incomplete): only its last status is shown */
    /* Listed, but described as Dead with no protocol type: a KIP-848 (group.protocol=consumer) group, which
     * the classic DescribeGroups of librdkafka < 2.10 cannot describe. State and members unknown (not
     * exported). */
    bool undescribed;
    bool has_status, status_stale;
    uint8_t status;   /* kx_group_status */
    kx_pstat *pstats; /* partition statuses when !offsets_ok */
    size_t npstats;
} kx_group;

typedef struct kx_snapshot {
    double mono_time; /* when the end offsets were read (CLOCK_MONOTONIC) */
    double real_time; /* the same moment on CLOCK_REALTIME (for record ages) */

    bool metadata_ok;
    kx_broker *brokers;
    size_t nbrokers;
    int32_t controller_id; /* -1 if unknown */
    kx_topic *topics;      /* only those passing the topic filter, sorted by name */
    size_t ntopics;

    bool offsets_ok; /* every leader answered both offset requests */
    int offsets_failed_brokers;
    bool configs_ok;
    bool groups_ok;        /* the group list and every group's offsets were read */
    bool groups_listed_ok; /* every broker answered the group listing: an unlisted group is gone */
    kx_group *groups;      /* only those passing the group filter, sorted by name */
    size_t ngroups;

    char metadata_err[160], offsets_err[160], configs_err[160], groups_err[160];
    uint8_t commits_source;     /* kx_commits_source: where the groups' committed offsets came from */
    uint64_t offsets_malformed; /* records of __consumer_offsets skipped so far (offsetlog.h) */

    /* Filled by the collection that made it (collection.c), read by scrapes: */
    kx_zk_status zk;               /* ZooKeeper mode: what this collection learnt there */
    uint64_t reads[4];             /* record reads so far, by kx_read_result */
    double started_real, duration; /* when the collection started (wall clock), how long it took */
    double finished_mono;          /* when it was published */
    int refs;                      /* references: the publisher's and each scrape's (kx_snapshot_release) */
} kx_snapshot;

/* Where a snapshot's committed offsets came from. */
enum kx_commits_source { KX_COMMITS_NONE, KX_COMMITS_OFFSETFETCH, KX_COMMITS_TOPIC };

typedef struct kx_fetch_opts {
    const kx_filter *topics, *groups;
    /* false: as danielqsj's --no-offset.show-all, a group's offsets only for the partitions assigned to its
     * members; a group whose members have no assignment (Empty groups) shows all its offsets. */
    bool offset_show_all;
    /* Non-NULL: the commits come from this reader of __consumer_offsets once it is ready (else from one
     * OffsetFetch per group, or, with offsets_topic_only, not at all: the groups' error says why). */
    kx_offsetlog *offsetlog;
    bool offsets_topic_only;
} kx_fetch_opts;

/* Fetches a snapshot through `rk`, returning by `deadline` (monotonic seconds)
 * whatever could be read; the *_ok flags and *_err say what could not. Never
 * NULL (aborts on out-of-memory). Free with kx_snapshot_free. */
kx_snapshot *kx_snapshot_fetch(rd_kafka_t *rk, const kx_fetch_opts *opts, double deadline);
void kx_snapshot_free(kx_snapshot *s);
/* A snapshot with nothing read and `why` as every error, one reference. */
kx_snapshot *kx_snapshot_empty(const char *why);
/* Takes or drops a reference (atomically: scrapes and the collection thread share snapshots); the
 * last release frees it. NULL is ignored. */
void kx_snapshot_ref(kx_snapshot *s);
void kx_snapshot_release(kx_snapshot *s);
/* qsort/bsearch order of kx_group by name. */
int kx_group_cmp_name(const void *a, const void *b);
/* The topic named `name`, or NULL. */
const kx_topic *kx_snapshot_topic(const kx_snapshot *s, const char *name);
/* Milliseconds left until deadline, at least 1 (librdkafka treats 0 as "don't wait"). */
int kx_remaining_ms(double deadline);

#endif
