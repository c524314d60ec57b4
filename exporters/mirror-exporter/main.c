/* main.c -- mirror-exporter: flags, start/stop of the background threads, the collector table. */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "collectors.h"
#include "exporter.h"
#include "log.h"
#include "option_file.h"
#include "rk_util.h"
#include "state.h"
#include "threads.h"
#include "secret.h"

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
    {"connect.url", FLAG_STRING, &S.cfg.connect_url, NULL,
     "Kafka Connect REST URL (accepted for deployment symmetry; not used yet).", 0, 0},
};

static const collector mirror_collectors[] = {
    {"up", true, "mirror_up per cluster", collect_up},
    {"probe", true, "probe latency, loss, duplicates, reordering, stalls", collect_probe},
    {"lag", true, "mirror lag of the real topics from MM2 offset syncs", collect_lag},
    {"mm2", true, "MM2 heartbeat and checkpoint ages, internal topic errors, LogAppendTime", collect_mm2},
};

static rd_kafka_t *new_consumer(const char *label, const char *bootstrap, const strlist *options,
                                const char *group, bool commit, const char *fetch_wait_ms, char *err,
                                size_t errlen)
{
    /* A few hundred small records a second: prefetch at most 512 KB and 1000 records per partition
     * (not librdkafka's 64 MB and 100000), and keep each fetch response (one buffer) under 1 MB. */
    const char *extra[] = {"group.id",
                           group,
                           "enable.auto.commit",
                           commit ? "true" : "false",
                           "auto.offset.reset",
                           "earliest",
                           "enable.partition.eof",
                           "false",
                           "fetch.wait.max.ms",
                           fetch_wait_ms,
                           "queued.max.messages.kbytes",
                           "512",
                           "queued.min.messages",
                           "1000",
                           "fetch.message.max.bytes",
                           "262144",
                           "fetch.max.bytes",
                           "1048576",
                           NULL};
    rd_kafka_t *rk = rk_new(RD_KAFKA_CONSUMER, label, bootstrap, options, extra, NULL, NULL, err, errlen);
    if (rk)
        rd_kafka_poll_set_consumer(rk);
    return rk;
}

static bool mentions_gssapi(const strlist *options)
{
    for (size_t i = 0; i < options->n; i++)
        if (strcasestr(options->items[i], "gssapi"))
            return true;
    return false;
}

/* librdkafka's first handle initialises Cyrus SASL, which loads every plugin it finds (and
 * Berkeley DB for sasldb): about 0.5 MB of RSS, though librdkafka uses Cyrus only for GSSAPI.
 * Unless GSSAPI is configured or the user set SASL_PATH, point Cyrus at no plugin directory.
 * Called before any librdkafka call and before any thread starts (setenv is not thread-safe). */
static void skip_sasl_plugins(const mirror_config *c)
{
    if (!getenv("SASL_PATH") && !mentions_gssapi(&c->source_options) && !mentions_gssapi(&c->target_options))
        setenv("SASL_PATH", "/nonexistent/mirror-exporter-needs-no-sasl-plugins", 0);
}

static void add_option(void *arg, const char *option)
{
    strlist_add(arg, option);
}

/* Appends the settings of an --*.kafka.option-file to the options given by flag. The file may hold a
 * password: it is read and wiped as a secret. */
static int load_option_file(const char *flag, const char *path, strlist *into, char *err, size_t errlen)
{
    if (!path)
        return 0;
    char why[512];
    size_t n;
    char *text = secret_read(path, SECRET_MAX, &n, why, sizeof why);
    if (!text) {
        snprintf(err, errlen, "--%s %s", flag, why);
        return -1;
    }
    int rc = -1;
    if (memchr(text, '\0', n))
        snprintf(err, errlen, "--%s %s: not a text file", flag, path);
    else if (option_file_parse(text, add_option, into, why, sizeof why) < 0)
        snprintf(err, errlen, "--%s %s: %s", flag, path, why);
    else
        rc = 0;
    secret_free(text);
    return rc;
}

static int mirror_start(void *state, char *err, size_t errlen)
{
    mirror_state *s = state;
    if (load_option_file("source.kafka.option-file", s->cfg.source_option_file, &s->cfg.source_options, err,
                         errlen) < 0 ||
        load_option_file("target.kafka.option-file", s->cfg.target_option_file, &s->cfg.target_options, err,
                         errlen) < 0)
        return -1;
    if (mirror_state_derive(s, err, errlen) < 0)
        return -1;
    skip_sasl_plugins(&s->cfg);
    char group[256], syncs_group[300];
    if (s->cfg.group && *s->cfg.group)
        snprintf(group, sizeof group, "%s", s->cfg.group);
    else
        snprintf(group, sizeof group, "mirror-exporter-%s", s->exporter_id);
    snprintf(syncs_group, sizeof syncs_group, "%s-syncs", group);
    if (getrandom(&s->run_id, sizeof s->run_id, 0) != (ssize_t)sizeof s->run_id)
        s->run_id = (uint64_t)(now_realtime() * 1e6) ^ (uint64_t)getpid() << 40;
    s->start_realtime = now_realtime();
    size_t window = s->cfg.window > 0 ? (size_t)s->cfg.window
                                      : (size_t)(1.25 * s->cfg.deadline / s->cfg.probe_interval) + 16;
    s->acct = account_new(s->exporter_id, s->run_id, now_monotonic(), s->cfg.deadline, window);
    if (!s->acct) {
        snprintf(err, errlen, "cannot set up probe accounting (window %zu)", window);
        return -1;
    }
    s->source_rk = new_consumer("mirror-exporter-syncs", s->source_bootstrap, &s->cfg.source_options,
                                syncs_group, false, "500", err, errlen);
    if (!s->source_rk)
        return -1;
    s->target_rk = new_consumer("mirror-exporter-mirrored", s->target_bootstrap, &s->cfg.target_options,
                                group, true, "100", err, errlen);
    if (!s->target_rk)
        return -1;
    char run[32];
    snprintf(run, sizeof run, "%016llx", (unsigned long long)s->run_id);
    log_info("mirror-exporter starting", "exporter_id", s->exporter_id, "run_id", run, "probe_topic",
             s->cfg.probe_topic, "remote_topic", s->remote_probe_topic, "source", s->source_bootstrap,
             "target", s->target_bootstrap, NULL);
    void *(*mains[])(void *) = {poller_main, probe_sender_main, downstream_reader_main, sync_reader_main};
    for (size_t i = 0; i < sizeof mains / sizeof mains[0]; i++) {
        if (pthread_create(&s->threads[i], NULL, mains[i], s) != 0) {
            snprintf(err, errlen, "cannot start a thread");
            return -1;
        }
        s->nthreads++;
    }
    return 0;
}

static void mirror_stop(void *state)
{
    mirror_state *s = state;
    atomic_store(&s->stopping, true);
    for (int i = 0; i < s->nthreads; i++)
        pthread_join(s->threads[i], NULL);
    s->nthreads = 0;
    rd_kafka_t *rks[] = {s->target_rk, s->source_rk};
    for (size_t i = 0; i < 2; i++)
        if (rks[i]) {
            rd_kafka_consumer_close(rks[i]); /* commits the final offsets of the mirrored topic */
            rd_kafka_destroy(rks[i]);
        }
    s->target_rk = s->source_rk = NULL;
}

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
