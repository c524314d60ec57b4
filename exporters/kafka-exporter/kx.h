/* kx.h -- kafka-exporter's options and process-wide state, shared by its modules. */
#ifndef KX_KX_H
#define KX_KX_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "expo.h"
#include "filter.h"
#include "flags.h"
#include "history.h"
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
    bool tls_enabled, tls_insecure;
    char *tls_ca_file, *tls_cert_file, *tls_key_file, *tls_key_password_file;
    strlist zookeeper_servers;
    char *zookeeper_listener;
    double zookeeper_session_timeout;
    char *client_id;
    /* danielqsj/kafka_exporter flags accepted for drop-in use; they change nothing here (see main.c). */
    char *compat_kafka_version, *compat_refresh_metadata, *compat_tls_server_name;
    bool compat_concurrent, compat_zk_lag, compat_auto_create, compat_sasl_handshake, compat_log_sarama;
    long compat_topic_workers, compat_verbosity;
} kx_options;

typedef struct kx_state {
    kx_options opt;
    kx_filter topics, groups;
    char security_protocol[16]; /* PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL */
    /* Label pairs parsed from --kafka.labels, as name,value,name,value. */
    char **labels;
    size_t nlabels;

    rd_kafka_t *rk;         /* long-lived; see rdk.c for the threading model */
    kx_zk *zk;              /* NULL unless --zookeeper.server */
    kx_zk_status zkst;      /* what the current scrape learnt from ZooKeeper */
    char *zk_bootstrap;     /* broker list last handed to librdkafka from ZooKeeper */
    bool kafka_down_logged; /* one log line per outage, not per scrape */

    /* Scrapes are serialised: the snapshot and the histories are per process. */
    pthread_mutex_t lock;
    uint64_t scrape_seq;      /* bumped by scrape_begin */
    uint64_t snapshot_seq;    /* scrape the snapshot belongs to */
    struct kx_snapshot *snap; /* built by the first collector of a scrape */
    kx_histories histories;   /* end-offset samples per partition, across scrapes */
} kx_state;

/* The snapshot of the current scrape, fetched on first use with the scrape's
 * deadline (ZooKeeper first, if configured, then Kafka); later collectors of the
 * same scrape share it. The fetch also writes kafka_up into w and feeds the
 * lag histories. Call with st->lock held. Never NULL. */
struct kx_snapshot *kx_current_snapshot(kx_state *st, expo *w, double deadline);

#endif
