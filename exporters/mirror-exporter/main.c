/* main.c -- mirror-exporter: flags, start/stop of the background threads, the collector table. */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "exporter.h"
#include "log.h"
#include "start.h"
#include "state.h"

static mirror_state S = {.mu = PTHREAD_MUTEX_INITIALIZER};

static const flag mirror_flags[] = {
    {"source.kafka.server", FLAG_LIST, &S.cfg.source_servers, "127.0.10.1:9092",
     "Upstream (source) bootstrap broker host:port; repeatable or comma-separated.", 0, 0},
    {"target.kafka.server", FLAG_LIST, &S.cfg.target_servers, NULL,
     "Downstream (target) bootstrap broker host:port; repeatable (default: --kafka.server).", 0, 0},
    {"kafka.server", FLAG_LIST, &S.cfg.kafka_servers, "127.0.20.1:9092",
     "Downstream bootstrap, used when --target.kafka.server is not given (where this exporter runs).", 0, 0},
    {"source.kafka.option", FLAG_LIST, &S.cfg.source_options, NULL,
     "librdkafka setting name=value for upstream clients (TLS, SASL...); repeatable.", 0, 0},
    {"target.kafka.option", FLAG_LIST, &S.cfg.target_options, NULL,
     "librdkafka setting name=value for downstream clients; repeatable.", 0, 0},
    {"source.kafka.option-file", FLAG_STRING, &S.cfg.source_option_file, NULL,
     "File of librdkafka settings for upstream clients, name=value per line (# comments): keeps "
     "sasl.password out of the command line.",
     0, 0},
    {"target.kafka.option-file", FLAG_STRING, &S.cfg.target_option_file, NULL,
     "File of librdkafka settings for downstream clients, as --source.kafka.option-file.", 0, 0},
    {"source.alias", FLAG_STRING, &S.cfg.source_alias, "src", "MM2 source cluster alias.", 0, 0},
    {"target.alias", FLAG_STRING, &S.cfg.target_alias, "dst", "MM2 target cluster alias.", 0, 0},
    {"replication.separator", FLAG_STRING, &S.cfg.separator, ".",
     "MM2 replication.policy.separator (remote topic <alias><sep><topic>).", 0, 0},
    {"replication.identity", FLAG_BOOL, &S.cfg.identity_naming, "false",
     "MM2 uses IdentityReplicationPolicy: remote topics keep the upstream name.", 0, 0},
    {"probe.topic", FLAG_STRING, &S.cfg.probe_topic, "mirror-probe",
     "Upstream probe topic (must be mirrored).", 0, 0},
    {"probe.interval", FLAG_DURATION, &S.cfg.probe_interval, "1s", "One probe per partition per interval.", 0,
     0},
    {"probe.deadline", FLAG_DURATION, &S.cfg.deadline, "2m",
     "A probe not mirrored this long after sending counts as lost.", 0, 0},
    {"probe.partitions", FLAG_INT, &S.cfg.probe_partitions, "0",
     "Partitions when creating the probe topic (0: one per upstream broker).", 0, 100000},
    {"probe.replication-factor", FLAG_INT, &S.cfg.replication_factor, "-1",
     "Replication factor when creating the probe topic (-1: broker default).", -1, 32767},
    {"probe.create-topic", FLAG_BOOL, &S.cfg.probe_create, "true",
     "Create the probe topic upstream if missing.", 0, 0},
    {"probe.exporter-id", FLAG_STRING, &S.cfg.exporter_id, NULL,
     "Id written into probes; exporters sharing a probe topic need distinct ids (default: hostname).", 0, 0},
    {"probe.group", FLAG_STRING, &S.cfg.group, NULL,
     "Downstream consumer group for committed offsets (default: mirror-exporter-<id>).", 0, 0},
    {"probe.window", FLAG_INT, &S.cfg.window, "0",
     "Sequence numbers tracked per partition (0: 1.25x the probes per deadline, rounded up to a power of 2).",
     0, 1 << 24},
    {"mirror.heartbeats-topic", FLAG_STRING, &S.cfg.heartbeats_topic, NULL,
     "Downstream MM2 heartbeats topic (default <source alias><sep>heartbeats).", 0, 0},
    {"mirror.checkpoints-topic", FLAG_STRING, &S.cfg.checkpoints_topic, NULL,
     "Downstream MM2 checkpoints topic (default <source alias><sep>checkpoints.internal).", 0, 0},
    {"mirror.offset-syncs-topic", FLAG_STRING, &S.cfg.offset_syncs_topic, NULL,
     "Upstream MM2 offset-syncs topic (default mm2-offset-syncs<sep><target alias><sep>internal).", 0, 0},
    {"mirror.poll-interval", FLAG_DURATION, &S.cfg.poll_interval, "5s",
     "How often offsets, metadata and topic configs are refreshed.", 0, 0},
    {"mirror.stall-window", FLAG_DURATION, &S.cfg.stall_window, "1m",
     "Lag with no MM2 progress this long sets mirror_no_progress.", 0, 0},
    {"mirror.config-interval", FLAG_DURATION, &S.cfg.config_interval, "1m",
     "How often remote topics' message.timestamp.type is checked (DescribeConfigs).", 0, 0},
    {"kafka.timeout", FLAG_DURATION, &S.cfg.kafka_timeout, "5s", "Deadline of each Kafka request.", 0, 0},
};

#define COLLECTOR(symbol) extern const collector symbol;
#include "collectors.def"
#undef COLLECTOR
static const collector *const mirror_collectors[] = {
#define COLLECTOR(symbol) &symbol,
#include "collectors.def"
#undef COLLECTOR
};

int main(int argc, char **argv)
{
    /* glibc gives each allocating thread its own arena; with librdkafka's dozen threads that
     * alone costs megabytes of RSS for a few kilobytes of live data. */
    mallopt(M_ARENA_MAX, 1);
    /* Scrape buffers (a few hundred KB at 64 partitions) go to mmap and back to the system. */
    mallopt(M_MMAP_THRESHOLD, 64 * 1024);
    mallopt(M_TRIM_THRESHOLD, 256 * 1024);
    static const char *const secret_options[] = {"--source.kafka.option", "--target.kafka.option", NULL};
    exporter_def def = {
        .secret_option_flags = secret_options,
        .name = "mirror-exporter",
        .ns = "mirror",
        .description = "MirrorMaker 2 replication latency, completeness and lag, by sequenced probes.",
        .default_listen = ":9309",
        .default_scrape_timeout = 10,
        .flags = mirror_flags,
        .nflags = sizeof mirror_flags / sizeof mirror_flags[0],
        .collectors = mirror_collectors,
        .ncollectors = sizeof mirror_collectors / sizeof mirror_collectors[0],
        .state = &S,
        .start = mirror_start,
        .stop = mirror_stop,
    };
    int rc = exporter_main(&def, argc, argv);
    mirror_state_release(&S);
    return rc;
}
