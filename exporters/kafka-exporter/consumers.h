/* consumers.h -- what kafka-exporter remembers about each (group, topic, partition) between collections.
 *
 * Three things, rebuilt from every collection's snapshot (no I/O here):
 * - a window of observed commits, judged the way Burrow's evaluator judges a partition
 *   (OK, WARN, STOP, STALL, REWIND; the group rolled up to OK, WARN or ERR);
 * - the records deleted before the group read them (committed offset below the log start);
 * - the timestamp of the group's oldest unconsumed record, read by records.c and kept until the
 *   committed offset moves.
 * Rules and their Burrow sources: docs/metrics-kafka.md, "Consumer status". Windows run on the
 * monotonic clock; record timestamps are only used for ages. */
#ifndef KX_CONSUMERS_H
#define KX_CONSUMERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kx_snapshot;

/* Partition statuses, in Burrow's order of severity. */
typedef enum kx_status { KX_OK, KX_WARN, KX_STOP, KX_STALL, KX_REWIND } kx_status;
/* Group roll-up: the worst partition, STOP/STALL/REWIND counted as ERR (Burrow's StatusError). */
typedef enum kx_group_status { KX_GROUP_OK, KX_GROUP_WARN, KX_GROUP_ERR } kx_group_status;

/* Observations kept per partition: the window is split in KX_WINDOW_MAX - 2 steps. */
#define KX_WINDOW_MAX 16

typedef struct kx_obs {
    int64_t committed, end; /* committed offset and end offset seen by one collection */
    double t;               /* when (monotonic seconds) */
} kx_obs;

typedef struct kx_cpart {
    char *topic;
    int32_t partition;
    uint8_t nwin;
    uint8_t status;            /* kx_status */
    bool stale;                /* not observed by the last collection: status is the last known */
    kx_obs win[KX_WINDOW_MAX]; /* oldest first */
    /* Records lost: offsets below `lost_upto` that were deleted are counted already. */
    int64_t lost_upto;
    uint64_t lost_total;
    /* Oldest unconsumed record: `ts_ms` is the timestamp of the first record at or after
     * `ts_offset`; ts_offset -1 if none is known. */
    int64_t ts_offset, ts_ms;
} kx_cpart;

typedef struct kx_cgroup {
    char *name;
    kx_cpart *parts; /* sorted by topic, partition */
    size_t nparts;
    uint8_t status; /* kx_group_status */
    bool stale;     /* offsets not read by the last collection */
} kx_cgroup;

typedef struct kx_consumers {
    kx_cgroup *v; /* sorted by name */
    size_t n;
} kx_consumers;

void kx_consumers_free(kx_consumers *c);
/* Folds one collection's snapshot in (its groups, commits, start and end offsets), observed at
 * monotonic time `t`, with status window `window` seconds. A group whose offsets were not read
 * keeps its parts, marked stale; a group no longer listed is dropped, unless the listing itself
 * was incomplete. Aborts on out-of-memory (sizes come from the snapshot). */
void kx_consumers_update(kx_consumers *c, const struct kx_snapshot *s, double t, double window);
const kx_cgroup *kx_consumers_group(const kx_consumers *c, const char *name);
kx_cpart *kx_cgroup_part(const kx_cgroup *g, const char *topic, int32_t partition);

/* Appends an observation to p's window (window `window` seconds): while the last observation is
 * closer than window / (KX_WINDOW_MAX - 2) to the one before it, a new one replaces it; the oldest
 * are dropped while the next-oldest is still `window` old. */
void kx_window_add(kx_cpart *p, kx_obs o, double window);
/* The status of a window (Burrow's rules, docs/metrics-kafka.md); `members` says whether the
 * group has members that hold its partitions (STALL) or none that could commit (STOP). */
kx_status kx_window_status(const kx_obs *w, size_t n, double window, bool members);
/* Accounts the records lost at one observation: committed `c`, log start `start` (-1 unknown),
 * end `end`. `first` marks the first observation of the partition by this process: a gap seen
 * then is not counted (the process before a restart may have counted it). Returns the records
 * newly counted. */
uint64_t kx_loss_observe(kx_cpart *p, int64_t c, int64_t start, int64_t end, bool first);

const char *kx_status_name(kx_status s);
const char *kx_group_status_name(kx_group_status s);

#endif
