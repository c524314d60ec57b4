/* kx.h -- kafka-exporter's options and process-wide state, shared by its modules. */
#ifndef KX_KX_H
#define KX_KX_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "collector.h"
#include "consumers.h"
#include "expo.h"
#include "filter.h"
#include "flags.h"
#include "history.h"
#include "offsetlog.h"
#include "zk.h"

struct kx_snapshot;

/* Values of the command-line flags (owned by flags.c). */
typedef struct kx_options {
    strlist kafka_servers;
    char *kafka_labels;
    char *topic_filter, *topic_exclude, *group_filter, *group_exclude;
    bool offset_show_all;
    bool sasl_enabled;
    char *sasl_mechanism, *sasl_username, *sasl_password, *sasl_password_file;
    /* Kerberos (GSSAPI), OAUTHBEARER and AWS IAM, as danielqsj names them (sasl.c). */
    char *sasl_service_name, *sasl_kerberos_config_path, *sasl_realm, *sasl_kerberos_auth_type,
        *sasl_keytab_path;
    bool sasl_disable_pafxfast;
    char *sasl_oauthbearer_token_url, *sasl_aws_region;
    /* danielqsj's web TLS flags, mapped onto the web-config machinery (main.c). */
    bool server_tls_enabled, server_tls_mutual;
    char *server_tls_ca_file, *server_tls_cert_file, *server_tls_key_file;
    bool tls_enabled, tls_insecure;
    char *tls_ca_file, *tls_cert_file, *tls_key_file, *tls_key_password_file;
    strlist zookeeper_servers;
    char *zookeeper_listener;
    double zookeeper_session_timeout;
    char *client_id;
    double collection_interval, collection_timeout; /* --collection.interval, --collection.timeout */
    double status_window;                           /* --consumergroup.status-window */
    long record_reads;    /* --consumergroup.record-reads: one-record fetches per collection */
    char *offsets_source; /* --consumergroup.offsets-source: auto, offsetfetch or topic */
    /* danielqsj/kafka_exporter flags accepted for drop-in use; they change nothing here (see main.c). */
    char *compat_kafka_version, *compat_refresh_metadata, *compat_tls_server_name;
    bool compat_concurrent, compat_zk_lag, compat_auto_create, compat_sasl_handshake, compat_log_sarama;
    long compat_topic_workers, compat_verbosity;
} kx_options;

typedef struct kx_state {
    kx_options opt;
    kx_filter topics, groups;
    char security_protocol[16]; /* PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL */
    char sasl_mechanism[16];    /* librdkafka's name (PLAIN, SCRAM-SHA-512, GSSAPI...); "" without SASL */
    /* Label pairs parsed from --kafka.labels, as name,value,name,value. */
    char **labels;
    size_t nlabels;

    rd_kafka_t *rk; /* long-lived; see rdk.c for the threading model */
    kx_zk *zk;      /* NULL unless --zookeeper.server */
    /* The reader of __consumer_offsets (its own thread and handle, offsetlog.h); NULL with
     * --consumergroup.offsets-source=offsetfetch. topic_only: never ask the coordinators instead. */
    kx_offsetlog *offsetlog;
    bool offsets_topic_only;
    char *zk_bootstrap;     /* broker list last handed to librdkafka from ZooKeeper */
    bool kafka_down_logged; /* one log line per outage, not per scrape */

    /* The scrape's side: used by the scrape worker only, one scrape at a time (lib/README.md,
     * "Threads"). */
    struct kx_snapshot *snap; /* this scrape's reference to the last published snapshot */

    /* The collection's side (collection.c): only the collection thread touches what follows
     * `published`; pub_lock guards `published` and `collect_stop`. */
    pthread_t collect_thread;
    bool collect_started, collect_stop;
    pthread_mutex_t pub_lock;
    pthread_cond_t pub_cond;       /* a snapshot was published, or stop */
    struct kx_snapshot *published; /* the last complete collection */
    kx_histories histories;        /* end-offset samples per partition, across collections */
    kx_consumers consumers;        /* per group partition: status window, records lost, oldest record */
    size_t read_rotor;             /* where the next collection's record reads start (fairness) */
    uint64_t reads[4];             /* record reads by kx_read_result: deferred, ok, gone, failed */
} kx_state;

/* The prepare stage of a scrape (exporter_def.prepare): takes into st->snap a reference to the last
 * published collection (waiting only for the very first one, at most half of the time to the
 * scrape's deadline; the cluster is never read here), and writes kafka_up and the
 * kafka_collection_* series into w whatever collectors are enabled. 0, or -1 (reason in ctx->err)
 * if that collection did not get the metadata. */
int kx_prepare(expo *w, collector_ctx *ctx);
/* True if s (st->snap) has metadata; else false with the reason in err. For the collectors. */
bool kx_snapshot_usable(const struct kx_snapshot *s, char *err, size_t errlen);
/* The collector table (collectors.def) for exporter_def. */
extern const collector *const kx_collectors[];
extern const size_t kx_ncollectors;
/* One collection of the cluster by `deadline` (ZooKeeper first, if configured, then Kafka, then
 * the record reads), folded into the state kept between collections. Collection thread only. */
struct kx_snapshot *kx_collect(kx_state *st, double deadline);
/* Starts and stops the collection thread (collection.c); start returns -1 with a reason. */
int kx_collection_start(kx_state *st, char *err, size_t errlen);
void kx_collection_stop(kx_state *st);
/* A reference to the last published snapshot (kx_snapshot_release it), waiting for the first one
 * until `wait_until` (monotonic); NULL if none by then or the thread does not run. */
struct kx_snapshot *kx_collection_take(kx_state *st, double wait_until);
struct kx_partition;
/* The offset of the oldest unconsumed record of a group committed at `committed` that still exists
 * (the log start if the commit is below it), or -1 if the group is caught up or the offsets are unknown. */
int64_t kx_oldest_unconsumed(const struct kx_partition *kp, int64_t committed);

#endif
