/* rdk.c -- creates and runs the librdkafka handle.
 *
 * Threading model, decided once: one long-lived rd_kafka_t (consumer type, no
 * group.id, never subscribes) for the whole process. librdkafka's own threads
 * do all I/O. The cluster is read by the collection thread (collection.c), not by
 * scrapes (lib/README.md, "Threads"), with calls bounded by the collection's deadline: rd_kafka_metadata(),
 * rd_kafka_list_groups() and rd_kafka_offsets_for_times() with a timeout, and
 * admin calls whose results arrive on a private queue polled until the
 * deadline. The offset queries run in short-lived threads, two per leader
 * broker, joined before the collection goes on (snapshot.c). One background thread
 * serves the main queue (rd_kafka_poll) for error callbacks; logs are
 * forwarded from librdkafka's threads straight to log.h, which is thread-safe.
 * The one exception to "one handle": unless --consumergroup.offsets-source=offsetfetch, the reader of
 * __consumer_offsets (offsetlog.c) has a second consumer handle, made from this one's configuration
 * (kx_rdk_new_reader), and one thread of its own that alone polls it (its main queue too) and writes the
 * commits it keeps; the collection thread reads them under the store's mutex. Stopped after the collection
 * thread, before this handle (main.c, kx_stop). */
#include "rdk.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "sasl.h"
#include "secret.h"
#include "xalloc.h"

static pthread_t poll_thread;
/* A copy of the handle's configuration (security, callbacks), for kx_rdk_new_reader. */
static rd_kafka_conf_t *saved_conf;
static atomic_bool poll_stop;
static bool poll_started;

/* A wrong password or certificate shows in a scrape only as a metadata timeout: the last
 * connection error is kept until a scrape succeeds, so "kafka unavailable" can name it. Locked:
 * librdkafka's threads write it (on_log), the collection thread reads it. */
static pthread_mutex_t cause_lock = PTHREAD_MUTEX_INITIALIZER;
static char last_cause[768];
static bool client_cert_given;
/* The --sasl.password-file as last read: a changed file is read again while Kafka is down. */
static struct stat password_file_stat;

static void *poll_run(void *arg)
{
    rd_kafka_t *rk = arg;
    while (!atomic_load(&poll_stop))
        rd_kafka_poll(rk, 200);
    return NULL;
}

/* While rd_kafka_new runs, librdkafka's warnings (OpenSSL's, for a bad CA file) go to debug: a failure
 * comes back in its errstr, which is the one line the start-up error prints. */
static atomic_bool creating;

static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void)rk;
    if (atomic_load(&creating)) {
        if (log_enabled(LOG_LEVEL_DEBUG))
            log_kv(LOG_LEVEL_DEBUG, "librdkafka", "facility", fac, "detail", buf, NULL);
        return;
    }
    /* syslog levels: 0-3 error, 4 warning, 5-6 info/notice, 7 debug. Connection
     * failures go to debug: kafka_up and one log line per outage (scrape.c) say it. */
    int lvl = level <= 3 && strcmp(fac, "FAIL") != 0 && strcmp(fac, "SASLREFRESH") != 0 &&
                      strcmp(fac, "LIBSASL") != 0
                  ? LOG_LEVEL_WARN
                  : LOG_LEVEL_DEBUG;
    if (log_enabled(lvl))
        log_kv(lvl, "librdkafka", "facility", fac, "detail", buf, NULL);
}

int kx_rdk_cause(int err, const char *reason, bool client_cert, int rdk_version, char *out, size_t outlen)
{
    if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || !reason || !*reason)
        return -1;
    /* librdkafka words these after OpenSSL and its own setting names; say which flag to look at. */
    const char *hint = "";
    if (strstr(reason, "(check "))
        ; /* the reason has its hint already (oauth.c) */
    else if (strstr(reason, "certificate verify failed"))
        hint = " (the broker's certificate is not trusted: check --tls.ca-file)";
    else if (!client_cert &&
             (strstr(reason, "alert bad certificate") || strstr(reason, "certificate required")))
        hint = " (the broker requires a client certificate: give --tls.cert-file and --tls.key-file)";
    else if (client_cert && (strstr(reason, "alert bad certificate") || strstr(reason, "alert unknown ca") ||
                             strstr(reason, "alert certificate unknown")))
        hint = " (the broker rejected the client certificate of --tls.cert-file)";
    else if (strstr(reason, "No worthy mechs"))
        hint = " (Cyrus SASL has no GSSAPI module: install libsasl2-modules-gssapi-mit)";
    else if (err == RD_KAFKA_RESP_ERR__AUTHENTICATION && strstr(reason, "Unsupported SASL mechanism"))
        hint = " (check --sasl.mechanism)";
    else if (err == RD_KAFKA_RESP_ERR__AUTHENTICATION && strstr(reason, "SCRAM") && rdk_version < 0x020601ff)
        /* librdkafka#4895: a nonce bug that Kafka 4 brokers reject as bad credentials. */
        hint = " (check --sasl.username and the password; against Kafka 4.x brokers SCRAM also needs "
               "librdkafka 2.6.1 or later)";
    else if (err == RD_KAFKA_RESP_ERR__AUTHENTICATION)
        hint = " (check --sasl.username and the password)";
    int n = snprintf(out, outlen, "%s: %s%s", rd_kafka_err2name((rd_kafka_resp_err_t)err), reason, hint);
    return n < 0 ? -1 : 0; /* a truncated cause is still worth logging */
}

void kx_rdk_last_cause(char *out, size_t outlen)
{
    /* A failed kinit says why in its own words; the GSSAPI error that follows only says "no credentials". */
    if (kx_sasl_kerberos_cause(out, outlen))
        return;
    pthread_mutex_lock(&cause_lock);
    snprintf(out, outlen, "%s", last_cause);
    pthread_mutex_unlock(&cause_lock);
}

void kx_rdk_clear_cause(void)
{
    pthread_mutex_lock(&cause_lock);
    last_cause[0] = '\0';
    pthread_mutex_unlock(&cause_lock);
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    (void)rk;
    (void)opaque;
    log_debug("kafka client error", "error", rd_kafka_err2name((rd_kafka_resp_err_t)err), "reason", reason,
              NULL);
    char cause[sizeof last_cause];
    if (kx_rdk_cause(err, reason, client_cert_given, rd_kafka_version(), cause, sizeof cause) == 0) {
        pthread_mutex_lock(&cause_lock);
        memcpy(last_cause, cause, sizeof last_cause);
        pthread_mutex_unlock(&cause_lock);
    }
}

static int set(rd_kafka_conf_t *conf, const char *name, const char *value, char *err, size_t errlen)
{
    char errstr[256];
    if (rd_kafka_conf_set(conf, name, value, errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
        /* The value is not echoed: it may be a secret. */
        snprintf(err, errlen, "kafka client setting %s: %s", name, errstr);
        return -1;
    }
    return 0;
}

static int secure(rd_kafka_conf_t *conf, kx_state *st, char *err, size_t errlen)
{
    const kx_options *o = &st->opt;
    int rc = -1;
    st->sasl_mechanism[0] = '\0';
    if (o->sasl_enabled && kx_sasl_configure(conf, o, st->sasl_mechanism, err, errlen) != 0)
        goto out;
    if (o->sasl_enabled && o->sasl_password_file && stat(o->sasl_password_file, &password_file_stat) != 0)
        memset(&password_file_stat, 0, sizeof password_file_stat);
    client_cert_given = o->tls_enabled && o->tls_cert_file;
    if (o->tls_enabled) {
        /* Unreadable files named here, in one line, before librdkafka and OpenSSL word it. */
        const char *files[][2] = {{"tls.ca-file", o->tls_ca_file},
                                  {"tls.cert-file", o->tls_cert_file},
                                  {"tls.key-file", o->tls_key_file}};
        for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
            if (files[i][1] && access(files[i][1], R_OK) != 0) {
                snprintf(err, errlen, "--%s %s: %s", files[i][0], files[i][1], strerror(errno));
                goto out;
            }
        }
        if ((o->tls_ca_file && set(conf, "ssl.ca.location", o->tls_ca_file, err, errlen)) ||
            (o->tls_cert_file && set(conf, "ssl.certificate.location", o->tls_cert_file, err, errlen)) ||
            (o->tls_key_file && set(conf, "ssl.key.location", o->tls_key_file, err, errlen)))
            goto out;
        if (o->tls_insecure && (set(conf, "enable.ssl.certificate.verification", "false", err, errlen) ||
                                set(conf, "ssl.endpoint.identification.algorithm", "none", err, errlen)))
            goto out;
    }
    rc = 0;
out:
    return rc;
}

int kx_rdk_start(kx_state *st, char *err, size_t errlen)
{
    const kx_options *o = &st->opt;
    snprintf(st->security_protocol, sizeof st->security_protocol, "%s%s", o->sasl_enabled ? "SASL_" : "",
             o->tls_enabled ? "SSL" : (o->sasl_enabled ? "PLAINTEXT" : "PLAINTEXT"));
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char *servers = strlist_join(&o->kafka_servers, ",");
    int rc = -1;
    if ((servers[0] && set(conf, "bootstrap.servers", servers, err, errlen)) ||
        set(conf, "client.id", o->client_id ? o->client_id : "kafka-exporter", err, errlen) ||
        set(conf, "security.protocol", st->security_protocol, err, errlen) ||
        /* Never create topics, even if a name is ever asked for. */
        set(conf, "allow.auto.create.topics", "false", err, errlen) ||
        /* End offsets as kafka-consumer-groups shows them: the high watermark. */
        set(conf, "isolation.level", "read_uncommitted", err, errlen) ||
        set(conf, "enable.auto.commit", "false", err, errlen) ||
        set(conf, "log.connection.close", "false", err, errlen) ||
        set(conf, "reconnect.backoff.max.ms", "5000", err, errlen) ||
        /* A hung broker's connection is dropped after 10 s instead of 60 s: librdkafka
         * prefers recently used brokers for metadata, so until then it keeps asking it. */
        set(conf, "socket.timeout.ms", "10000", err, errlen) ||
        set(conf, "topic.metadata.refresh.interval.ms", "60000", err, errlen) ||
        /* records.c reads one record at an offset: a deleted offset is an error (not a jump to the
         * end), and a fetch asks for little instead of prefetching megabytes per partition. */
        set(conf, "auto.offset.reset", "error", err, errlen) ||
        set(conf, "fetch.message.max.bytes", "65536", err, errlen) ||
        set(conf, "queued.max.messages.kbytes", "1024", err, errlen) ||
        set(conf, "fetch.wait.max.ms", "100", err, errlen) || secure(conf, st, err, errlen))
        goto out;
    rd_kafka_conf_set_log_cb(conf, on_log);
    rd_kafka_conf_set_error_cb(conf, on_error);
    char errstr[512];
    if (saved_conf)
        rd_kafka_conf_destroy(saved_conf);
    saved_conf = rd_kafka_conf_dup(conf);
    atomic_store(&creating, true);
    st->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
    atomic_store(&creating, false);
    if (!st->rk) {
        snprintf(err, errlen, "kafka client: %s", errstr);
        goto out;
    }
    conf = NULL; /* now owned by rk */
    atomic_store(&poll_stop, false);
    poll_started = pthread_create(&poll_thread, NULL, poll_run, st->rk) == 0;
    rc = 0;
out:
    if (conf)
        rd_kafka_conf_destroy(conf);
    free(servers);
    return rc;
}

void kx_rdk_stop(kx_state *st)
{
    if (st->rk) {
        atomic_store(&poll_stop, true);
        if (poll_started)
            pthread_join(poll_thread, NULL);
        poll_started = false;
        rd_kafka_destroy(st->rk);
        st->rk = NULL;
    }
    if (saved_conf)
        rd_kafka_conf_destroy(saved_conf);
    saved_conf = NULL;
    kx_sasl_cleanup(); /* also after a failed start: the ticket cache directory may exist */
}

rd_kafka_t *kx_rdk_new_reader(const char *const *settings, char *err, size_t errlen)
{
    if (!saved_conf) {
        snprintf(err, errlen, "kafka client not started");
        return NULL;
    }
    rd_kafka_conf_t *conf = rd_kafka_conf_dup(saved_conf);
    for (size_t i = 0; settings && settings[i] && settings[i + 1]; i += 2)
        if (set(conf, settings[i], settings[i + 1], err, errlen) != 0) {
            rd_kafka_conf_destroy(conf);
            return NULL;
        }
    char errstr[512];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
    if (!rk) {
        snprintf(err, errlen, "kafka client: %s", errstr);
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    return rk; /* conf now owned by rk */
}

static bool same_file_version(const struct stat *a, const struct stat *b)
{
    return a->st_ino == b->st_ino && a->st_dev == b->st_dev && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

int kx_rdk_reload_password(kx_state *st)
{
    const kx_options *o = &st->opt;
    struct stat now;
    /* Only PLAIN and SCRAM hold the password in librdkafka; kinit reads the file itself each time. */
    if (!st->rk || !o->sasl_enabled || !o->sasl_password_file ||
        (strcmp(st->sasl_mechanism, "PLAIN") != 0 && strncmp(st->sasl_mechanism, "SCRAM", 5) != 0) ||
        stat(o->sasl_password_file, &now) != 0 || same_file_version(&now, &password_file_stat))
        return 0;
    char err[256];
    char *password = kx_sasl_read_secret(o->sasl_password_file, err, sizeof err);
    if (!password) {
        log_warn("cannot read the SASL password file again", "error", err, NULL);
        return -1;
    }
    password_file_stat = now;
    int rc = 0;
    rd_kafka_error_t *e = rd_kafka_sasl_set_credentials(st->rk, o->sasl_username, password);
    if (e) {
        log_warn("new SASL credentials refused", "error", rd_kafka_error_string(e), NULL);
        rd_kafka_error_destroy(e);
        rc = -1;
    } else {
        log_info("SASL password file changed: read again", "file", o->sasl_password_file, NULL);
        rc = 1;
    }
    secret_free(password);
    return rc;
}

void kx_rdk_add_brokers(kx_state *st, const char *list)
{
    if (st->rk && list && *list)
        rd_kafka_brokers_add(st->rk, list);
}
