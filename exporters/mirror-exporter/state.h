/* state.h -- the mirror-exporter's configuration and the state its threads share.
 *
 * Threading model (decided once):
 *   - probe sender thread: owns the upstream producer; sends one probe per partition per
 *     interval and serves the producer's delivery reports (rd_kafka_poll) in between.
 *   - downstream reader thread: owns the downstream consumer (group, committed offsets);
 *     reads the mirrored probe topic, MM2's heartbeats and checkpoints topics.
 *   - sync reader thread: owns an upstream consumer reading MM2's offset-syncs topic.
 *   - poller thread: every poll interval, bounded-time metadata, end/start offsets
 *     (rd_kafka_offsets_for_times) and DescribeConfigs on both clusters, through the two
 *     consumers' handles (librdkafka calls are thread-safe); settles probes past the deadline
 *     once a second; creates the probe topic if missing.
 *   - scrapes (the one scrape worker thread, lib/README.md "Threads") only read this state under
 *     the mutex: a scrape never touches the network, so it is fast and bounded whatever the
 *     clusters do.
 * Everything below `mu` is guarded by it; the handles are set once before threads start. */
#ifndef MIRROR_STATE_H
#define MIRROR_STATE_H

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "account.h"
#include "flags.h"
#include "lag.h"

typedef struct mirror_config {
    strlist source_servers, target_servers, kafka_servers;
    strlist source_options, target_options;        /* librdkafka name=value */
    char *source_option_file, *target_option_file; /* more of them, one per line (passwords out of argv) */
    char *source_alias, *target_alias, *separator;
    bool identity_naming;
    char *probe_topic, *exporter_id, *group;
    double probe_interval, deadline;
    long probe_partitions, replication_factor, window;
    bool probe_create;
    char *heartbeats_topic, *checkpoints_topic, *offset_syncs_topic;
    double poll_interval, stall_window, kafka_timeout, config_interval;
} mirror_config;

typedef struct named_age {
    char name[MM2_NAME_MAX + 1];
    double last; /* realtime seconds of the newest record */
} named_age;

typedef struct remote_topic {
    char topic[MM2_NAME_MAX + 1]; /* downstream name */
    int log_append_time;          /* -1 unknown */
} remote_topic;

enum { INTERNAL_OFFSET_SYNCS, INTERNAL_HEARTBEATS, INTERNAL_CHECKPOINTS, INTERNAL_N };

typedef struct mirror_state {
    mirror_config cfg;
    /* Derived names (set at start). */
    char *source_bootstrap, *target_bootstrap;
    char *remote_probe_topic, *heartbeats_topic, *checkpoints_topic, *offset_syncs_topic;
    char exporter_id[PROBE_ID_MAX + 1];
    uint64_t run_id;
    double start_realtime;

    rd_kafka_t *source_rk; /* sync reader's consumer: also used for upstream queries */
    rd_kafka_t *target_rk; /* downstream reader's consumer: also used for downstream queries */
    atomic_bool stopping;
    pthread_t threads[4];
    int nthreads;

    pthread_mutex_t mu;
    account *acct;
    int up_source, up_target;
    int source_brokers;
    int32_t probe_partitions;        /* upstream probe topic; 0 if unknown */
    int32_t target_probe_partitions; /* downstream remote probe topic */
    int32_t heartbeats_partitions, checkpoints_partitions, syncs_partitions;
    uint64_t assign_generation; /* bumped when a reader's partitions changed */
    lag_tp *lags;
    size_t nlags, caplags;
    double heartbeat_last; /* realtime seconds of the newest heartbeat in the heartbeats topic; 0 none */
    named_age *checkpoints;
    size_t ncheckpoints;
    remote_topic *remotes;
    size_t nremotes;
    uint64_t internal_invalid[INTERNAL_N];
} mirror_state;

/* The downstream name of upstream topic t, as MM2's replication policy names it; into out. */
void mirror_remote_name(const mirror_state *s, const char *t, char *out, size_t outlen);
/* Under mu: the lag record of (topic, partition), created if new; NULL if memory ran out. */
lag_tp *mirror_lag_get(mirror_state *s, const char *topic, int32_t partition, double now);
/* Under mu: remembers the newest time seen for name in a named_age table. */
void mirror_age_note(named_age **tab, size_t *n, const char *name, double t);
/* Internal-topic names as configured or derived; 0, or -1 (err) on bad configuration. */
int mirror_state_derive(mirror_state *s, char *err, size_t errlen);
void mirror_state_release(mirror_state *s);

#endif
