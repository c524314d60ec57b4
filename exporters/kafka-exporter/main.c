/* main.c -- kafka-exporter: topics, partitions, offsets and consumer lag of one Kafka cluster. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "exporter.h"
#include "kx.h"
#include "listen.h"
#include "log.h"
#include "rdk.h"
#include "snapshot.h"
#include "zk.h"
#include "xalloc.h"

static kx_state state;

#define OPT(field) (&state.opt.field)
static const flag kx_flags[] = {
    {"kafka.server", FLAG_LIST, OPT(kafka_servers), NULL,
     "Address (host:port) of a Kafka broker to bootstrap from; repeatable. Optional with --zookeeper.server.",
     0, 0},
    {"kafka.labels", FLAG_STRING, OPT(kafka_labels), NULL,
     "Constant labels added to every sample, e.g. cluster=upstream,dc=busan.", 0, 0},
    {"topic.filter", FLAG_STRING, OPT(topic_filter), ".*", "Regex that determines which topics to collect.",
     0, 0},
    {"topic.exclude", FLAG_STRING, OPT(topic_exclude), "^$", "Regex that determines which topics to exclude.",
     0, 0},
    {"group.filter", FLAG_STRING, OPT(group_filter), ".*",
     "Regex that determines which consumer groups to collect.", 0, 0},
    {"group.exclude", FLAG_STRING, OPT(group_exclude), "^$",
     "Regex that determines which consumer groups to exclude.", 0, 0},
    {"offset.show-all", FLAG_BOOL, OPT(offset_show_all), "true",
     "Offsets and lag of consumer groups for all their committed partitions; with --no-offset.show-all, as "
     "danielqsj's, only for the partitions assigned to a group's members (groups without assignments, such "
     "as Empty ones, still show all).",
     0, 0},
    {"sasl.enabled", FLAG_BOOL, OPT(sasl_enabled), "false", "Connect using SASL.", 0, 0},
    {"sasl.mechanism", FLAG_STRING, OPT(sasl_mechanism), "plain",
     "SASL mechanism, in any case: plain, scram-sha256, scram-sha512, gssapi (Kerberos) or oauthbearer. "
     "awsiam (Amazon MSK only) is refused with what to use instead.",
     0, 0},
    {"sasl.username", FLAG_STRING, OPT(sasl_username), NULL,
     "SASL user name; with gssapi the Kerberos principal (without @REALM if --sasl.realm), with oauthbearer "
     "the OAuth client id.",
     0, 0},
    {"sasl.password-file", FLAG_STRING, OPT(sasl_password_file), NULL,
     "File holding the SASL password (first line). Else $KAFKA_SASL_PASSWORD, else --sasl.password, else "
     "$SASL_USER_PASSWORD.",
     0, 0},
    {"sasl.password", FLAG_STRING, OPT(sasl_password), NULL,
     "SASL password (visible in the process list until parsed: prefer --sasl.password-file or "
     "$KAFKA_SASL_PASSWORD).",
     0, 0},
    {"sasl.service-name", FLAG_STRING, OPT(sasl_service_name), NULL,
     "Kerberos service name of the brokers (gssapi; default kafka).", 0, 0},
    {"sasl.kerberos-config-path", FLAG_STRING, OPT(sasl_kerberos_config_path), NULL,
     "krb5.conf to use (gssapi; sets $KRB5_CONFIG; default: libkrb5's, /etc/krb5.conf).", 0, 0},
    {"sasl.realm", FLAG_STRING, OPT(sasl_realm), NULL,
     "Kerberos realm appended to --sasl.username (gssapi; default: the krb5.conf default realm).", 0, 0},
    {"sasl.kerberos-auth-type", FLAG_STRING, OPT(sasl_kerberos_auth_type), NULL,
     "keytabAuth (--sasl.keytab-path) or userAuth (the SASL password); default keytabAuth if a keytab is "
     "given.",
     0, 0},
    {"sasl.keytab-path", FLAG_STRING, OPT(sasl_keytab_path), NULL,
     "Kerberos keytab file (gssapi, keytabAuth).", 0, 0},
    {"sasl.disable-PA-FX-FAST", FLAG_BOOL, OPT(sasl_disable_pafxfast), "false",
     "Accepted (danielqsj compatibility): MIT kinit uses FAST only with an armour cache, never given here.",
     0, 0},
    {"sasl.oauthbearer-token-url", FLAG_STRING, OPT(sasl_oauthbearer_token_url), NULL,
     "OAuth 2.0 token endpoint (client-credentials grant; oauthbearer) for the client --sasl.username and "
     "the SASL password. Else $SASL_OAUTHBEARER_TOKEN_URL.",
     0, 0},
    {"sasl.aws-region", FLAG_STRING, OPT(sasl_aws_region), NULL,
     "Accepted (danielqsj compatibility): awsiam is not supported (Amazon MSK only).", 0, 0},
    {"tls.enabled", FLAG_BOOL, OPT(tls_enabled), "false", "Connect to Kafka using TLS.", 0, 0},
    {"tls.ca-file", FLAG_STRING, OPT(tls_ca_file), NULL, "CA certificate file to verify the brokers with.", 0,
     0},
    {"tls.cert-file", FLAG_STRING, OPT(tls_cert_file), NULL, "Client certificate file (mutual TLS).", 0, 0},
    {"tls.key-file", FLAG_STRING, OPT(tls_key_file), NULL, "Client key file (mutual TLS).", 0, 0},
    {"tls.insecure-skip-tls-verify", FLAG_BOOL, OPT(tls_insecure), "false",
     "Do not verify the brokers' certificates (insecure).", 0, 0},
    {"server.tls.enabled", FLAG_BOOL, OPT(server_tls_enabled), "false",
     "Serve HTTPS with --server.tls.cert-file and --server.tls.key-file (as --web.config.file's "
     "tls_server_config; min TLS 1.2).",
     0, 0},
    {"server.tls.mutual-auth-enabled", FLAG_BOOL, OPT(server_tls_mutual), "false",
     "Require a client certificate signed by --server.tls.ca-file.", 0, 0},
    {"server.tls.ca-file", FLAG_STRING, OPT(server_tls_ca_file), NULL,
     "CA certificate for client certificates (--server.tls.mutual-auth-enabled).", 0, 0},
    {"server.tls.cert-file", FLAG_STRING, OPT(server_tls_cert_file), NULL, "Web server certificate file.", 0,
     0},
    {"server.tls.key-file", FLAG_STRING, OPT(server_tls_key_file), NULL, "Web server key file.", 0, 0},
    {"zookeeper.server", FLAG_LIST, OPT(zookeeper_servers), NULL,
     "ZooKeeper connect string, chroot included (zk01:2181,zk02:2181/kafka3); repeatable. Finds the brokers "
     "in /brokers/ids and the controller in /controller, and exports ZooKeeper health.",
     0, 0},
    {"zookeeper.listener", FLAG_STRING, OPT(zookeeper_listener), NULL,
     "Listener name of the broker endpoints to use from ZooKeeper (default: the first with the security "
     "protocol in use).",
     0, 0},
    {"zookeeper.session-timeout", FLAG_DURATION, OPT(zookeeper_session_timeout), "10s",
     "ZooKeeper session timeout.", 0, 0},
    {"collection.interval", FLAG_DURATION, OPT(collection_interval), "5s",
     "How often the cluster is read; scrapes answer from the last complete collection.", 0, 0},
    {"collection.timeout", FLAG_DURATION, OPT(collection_timeout), "10s",
     "Deadline of one collection (a hung broker costs at most this, never a scrape).", 0, 0},
    {"consumergroup.status-window", FLAG_DURATION, OPT(status_window), "60s",
     "Window of commits over which a group's status (OK, WARN, STOP, STALL, REWIND) is judged.", 0, 0},
    {"consumergroup.record-reads", FLAG_INT, OPT(record_reads), "500",
     "At most this many one-record reads per collection, for the timestamp of groups' oldest unconsumed "
     "records (0: none; lag in seconds is then interpolated).",
     0, 1000000},
    {"consumergroup.offsets-source", FLAG_STRING, OPT(offsets_source), "auto",
     "Where groups' committed offsets come from: topic (read from __consumer_offsets, which needs the Read "
     "ACL on it), offsetfetch (one OffsetFetch per group, asked of its coordinator) or auto (topic once it "
     "has been read to its end, offsetfetch before that or when it cannot be read).",
     0, 0},
    {"kafka.client-id", FLAG_STRING, OPT(client_id), "kafka-exporter", "Client ID sent to the brokers.", 0,
     0},
    /* danielqsj/kafka_exporter's flags that mean nothing here: accepted so its command lines keep working. */
    {"kafka.version", FLAG_STRING, OPT(compat_kafka_version), NULL, "Ignored (danielqsj compatibility).", 0,
     0},
    {"refresh.metadata", FLAG_STRING, OPT(compat_refresh_metadata), NULL,
     "Ignored (danielqsj compatibility).", 0, 0},
    {"concurrent.enable", FLAG_BOOL, OPT(compat_concurrent), "false", "Ignored (danielqsj compatibility).", 0,
     0},
    {"topic.workers", FLAG_INT, OPT(compat_topic_workers), "100", "Ignored (danielqsj compatibility).", 0, 0},
    {"sasl.handshake", FLAG_BOOL, OPT(compat_sasl_handshake), "true",
     "Ignored (danielqsj compatibility): librdkafka always does the SASL handshake.", 0, 0},
    {"tls.server-name", FLAG_STRING, OPT(compat_tls_server_name), NULL,
     "Ignored (danielqsj compatibility): certificates are checked against the broker's address.", 0, 0},
    {"log.enable-sarama", FLAG_BOOL, OPT(compat_log_sarama), "false", "Ignored (danielqsj compatibility).", 0,
     0},
    {"verbosity", FLAG_INT, OPT(compat_verbosity), "0", "Ignored (danielqsj compatibility).", 0, 0},
    {"use.consumelag.zookeeper", FLAG_BOOL, OPT(compat_zk_lag), "false",
     "Not supported: ZooKeeper-stored offsets are not read (a warning if set).", 0, 0},
    {"kafka.allow-auto-topic-creation", FLAG_BOOL, OPT(compat_auto_create), "false",
     "Ignored: topics are never created (a warning if set).", 0, 0},
};

/* Parses "a=1,b=2" into st->labels; -1 with a reason on a malformed, reserved or repeated name. */
static int parse_labels(kx_state *st, char *err, size_t errlen)
{
    char why[256];
    if (expo_labels_parse(st->opt.kafka_labels, &st->labels, &st->nlabels, why, sizeof why) < 0) {
        snprintf(err, errlen, "--kafka.labels: %s", why);
        return -1;
    }
    return 0;
}

static void kx_stop(void *arg);

static bool keep_group(void *arg, const char *group)
{
    return kx_filter_match(arg, group);
}

/* The reader of __consumer_offsets on a handle of its own: no group, every partition read from the
 * beginning to the end (partition ends reported), only committed transactions' offsets (as OffsetFetch
 * answers), prefetching little per partition (fifty partitions are read at once). An idle topic costs one
 * Fetch per broker every 5 s (fetch.wait.max.ms); a commit is still answered at once (fetch.min.bytes 1). */
static int start_offsetlog(kx_state *st, char *err, size_t errlen)
{
    char client_id[256];
    snprintf(client_id, sizeof client_id, "%s-offsets",
             st->opt.client_id ? st->opt.client_id : "kafka-exporter");
    const char *const settings[] = {"enable.partition.eof",
                                    "true",
                                    "isolation.level",
                                    "read_committed",
                                    "auto.offset.reset",
                                    "earliest",
                                    "fetch.message.max.bytes",
                                    "1048576",
                                    "queued.max.messages.kbytes",
                                    "2048",
                                    "fetch.wait.max.ms",
                                    "5000",
                                    "client.id",
                                    client_id,
                                    NULL};
    rd_kafka_t *rk = kx_rdk_new_reader(settings, err, errlen);
    if (!rk)
        return -1;
    st->offsetlog = kx_offsetlog_new(keep_group, &st->groups);
    if (kx_offsetlog_start(st->offsetlog, rk, err, errlen) != 0) {
        rd_kafka_destroy(rk);
        kx_offsetlog_free(st->offsetlog);
        st->offsetlog = NULL;
        return -1;
    }
    rk = NULL; /* now owned by st->offsetlog */
    return 0;
}

/* exporter_def.start: on failure it undoes itself (exporter.h), the librdkafka handle and its poll
 * thread included; the filters and labels are plain memory that main() frees either way. */
static int kx_start(void *arg, char *err, size_t errlen)
{
    kx_state *st = arg;
    if (st->opt.kafka_servers.n == 0 && st->opt.zookeeper_servers.n == 0) {
        snprintf(err, errlen, "give --kafka.server (repeatable) or --zookeeper.server");
        return -1;
    }
    for (size_t i = 0; i < st->opt.kafka_servers.n; i++)
        if (listen_check_peers("kafka.server", st->opt.kafka_servers.items[i], err, errlen) < 0)
            return -1;
    for (size_t i = 0; i < st->opt.zookeeper_servers.n; i++) {
        /* host:port[,host:port...][/chroot]: the addresses before the chroot */
        char *hosts = xstrdup(st->opt.zookeeper_servers.items[i]);
        char *chroot = strchr(hosts, '/');
        if (chroot)
            *chroot = '\0';
        int bad = listen_check_peers("zookeeper.server", hosts, err, errlen);
        free(hosts);
        if (bad < 0)
            return -1;
    }
    if (st->opt.compat_zk_lag)
        log_warn("--use.consumelag.zookeeper is not supported: ZooKeeper-stored offsets are not read", NULL);
    if (st->opt.compat_auto_create)
        log_warn("--kafka.allow-auto-topic-creation is ignored: this exporter never creates topics", NULL);
    if (st->opt.collection_interval <= 0 || st->opt.collection_timeout <= 0) {
        snprintf(err, errlen, "--collection.interval and --collection.timeout must be positive");
        return -1;
    }
    bool from_topic = strcmp(st->opt.offsets_source, "topic") == 0;
    if (!from_topic && strcmp(st->opt.offsets_source, "auto") != 0 &&
        strcmp(st->opt.offsets_source, "offsetfetch") != 0) {
        snprintf(err, errlen, "--consumergroup.offsets-source \"%s\": want auto, offsetfetch or topic",
                 st->opt.offsets_source);
        return -1;
    }
    st->offsets_topic_only = from_topic;
    if (kx_filter_init(&st->topics, st->opt.topic_filter, st->opt.topic_exclude, "topic.filter",
                       "topic.exclude", err, errlen) != 0)
        return -1;
    if (kx_filter_init(&st->groups, st->opt.group_filter, st->opt.group_exclude, "group.filter",
                       "group.exclude", err, errlen) != 0)
        return -1;
    if (parse_labels(st, err, errlen) != 0)
        return -1;
    if (kx_rdk_start(st, err, errlen) != 0)
        goto fail;
    if (st->opt.zookeeper_servers.n > 0) {
        char *connect = strlist_join(&st->opt.zookeeper_servers, ",");
        st->zk = kx_zk_new(connect, st->opt.zookeeper_session_timeout, err, errlen);
        free(connect);
        if (!st->zk)
            goto fail;
    }
    if (strcmp(st->opt.offsets_source, "offsetfetch") != 0 && start_offsetlog(st, err, errlen) != 0)
        goto fail;
    if (kx_collection_start(st, err, errlen) != 0)
        goto fail;
    return 0;
fail:
    kx_stop(st);
    return -1;
}

/* Appends s as a YAML double-quoted scalar; -1 on a character YAML would need more than \\ or \" for. */
static int yaml_quoted(buf *b, const char *s)
{
    if (buf_puts(b, "\"") < 0)
        return -1;
    for (; *s; s++) {
        if ((unsigned char)*s < 0x20)
            return -1;
        if ((*s == '"' || *s == '\\') && buf_puts(b, "\\") < 0)
            return -1;
        if (buf_append(b, s, 1) < 0)
            return -1;
    }
    return buf_puts(b, "\"\n");
}

/* danielqsj's --server.tls.* as web-config YAML (exporter_def.web_config_yaml). */
static int kx_web_config_yaml(void *arg, char **yaml, char *err, size_t errlen)
{
    kx_state *st = arg;
    const kx_options *o = &st->opt;
    *yaml = NULL;
    if (!o->server_tls_enabled) {
        if (o->server_tls_mutual || o->server_tls_cert_file || o->server_tls_key_file ||
            o->server_tls_ca_file)
            log_warn("--server.tls.* flags without --server.tls.enabled: serving plain HTTP", NULL);
        return 0;
    }
    if (!o->server_tls_cert_file || !o->server_tls_key_file) {
        snprintf(err, errlen, "--server.tls.enabled needs --server.tls.cert-file and --server.tls.key-file");
        return -1;
    }
    if (o->server_tls_mutual && !o->server_tls_ca_file) {
        snprintf(err, errlen, "--server.tls.mutual-auth-enabled needs --server.tls.ca-file");
        return -1;
    }
    buf b;
    buf_init(&b, 16384);
    int bad = buf_puts(&b, "tls_server_config:\n  min_version: TLS12\n  cert_file: ") < 0 ||
              yaml_quoted(&b, o->server_tls_cert_file) < 0 || buf_puts(&b, "  key_file: ") < 0 ||
              yaml_quoted(&b, o->server_tls_key_file) < 0;
    /* As danielqsj: the CA matters only with mutual auth. */
    if (!bad && o->server_tls_mutual)
        bad = buf_puts(&b, "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ") < 0 ||
              yaml_quoted(&b, o->server_tls_ca_file) < 0;
    if (bad) {
        buf_free(&b);
        snprintf(err, errlen, "--server.tls.*: a file name with control characters");
        return -1;
    }
    *yaml = buf_steal(&b, NULL);
    return 0;
}

/* Where the build ran, in Go's words (danielqsj's kafka_exporter_build_info labels). */
#if defined(__x86_64__)
#define KX_GOARCH "amd64"
#elif defined(__aarch64__)
#define KX_GOARCH "arm64"
#elif defined(__i386__)
#define KX_GOARCH "386"
#else
#define KX_GOARCH "unknown"
#endif

static void kx_scrape_begin(void *arg, expo *w)
{
    kx_state *st = arg;
    for (size_t i = 0; i + 1 < st->nlabels; i += 2)
        expo_const_label(w, st->labels[i], st->labels[i + 1]);
    /* danielqsj's name beside our kafka_build_info, so its dashboards and alerts find the exporter. */
    expo_sample(expo_family_get(w, "kafka_exporter_build_info",
                                "A metric with a constant '1' value labeled by version, revision, branch, "
                                "goversion from which kafka_exporter was built, and the goos and goarch for "
                                "the build.",
                                EXPO_GAUGE),
                1, "branch", "", "goarch", KX_GOARCH, "goos", "linux", "goversion", "", "revision",
                exporter_revision(), "tags", "", "version", exporter_version(), NULL);
}

static void kx_stop(void *arg)
{
    kx_state *st = arg;
    kx_collection_stop(st); /* first: the thread uses the clients below */
    kx_offsetlog_free(st->offsetlog);
    st->offsetlog = NULL;
    kx_zk_free(st->zk);
    st->zk = NULL;
    kx_snapshot_release(st->snap);
    st->snap = NULL;
    kx_rdk_stop(st);
    kx_histories_free(&st->histories);
    kx_consumers_free(&st->consumers);
    free(st->zk_bootstrap);
    st->zk_bootstrap = NULL;
}

int main(int argc, char **argv)
{
    /* A scrape of a big cluster builds tens of MB of samples and frees them. Few arenas and
     * eager trimming give that memory back instead of keeping one arena's worth per HTTP thread. */
    mallopt(M_ARENA_MAX, 2);
    mallopt(M_TRIM_THRESHOLD, 128 * 1024);
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
    static const char *const secret_flags[] = {"--sasl.password", NULL};
    exporter_def def = {
        .secret_flags = secret_flags,
        .name = "kafka-exporter",
        .ns = "kafka",
        .description = "Kafka topics, partitions, offsets and consumer-group lag (messages and seconds).",
        .default_listen = ":9308",
        .default_scrape_timeout = 10,
        .flags = kx_flags,
        .nflags = sizeof kx_flags / sizeof kx_flags[0],
        .collectors = kx_collectors,
        .ncollectors = kx_ncollectors,
        .state = &state,
        .web_config_yaml = kx_web_config_yaml,
        .start = kx_start,
        .scrape_begin = kx_scrape_begin,
        .prepare = kx_prepare,
        .stop = kx_stop,
    };
    int rc = exporter_main(&def, argc, argv);
    kx_filter_free(&state.topics);
    kx_filter_free(&state.groups);
    expo_labels_free(state.labels, state.nlabels);
    return rc;
}
