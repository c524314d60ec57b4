/* start.c -- mirror-exporter's start and stop: clients, probe accounting and the background threads
 * (model in state.h). start undoes itself on failure, as exporter.h asks. */
#include "start.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "option_file.h"
#include "rk_util.h"
#include "secret.h"
#include "threads.h"

int (*mirror_thread_create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *) = pthread_create;

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

int mirror_start(void *state, char *err, size_t errlen)
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
        goto fail;
    s->target_rk = new_consumer("mirror-exporter-mirrored", s->target_bootstrap, &s->cfg.target_options,
                                group, true, "100", err, errlen);
    if (!s->target_rk)
        goto fail;
    char run[32];
    snprintf(run, sizeof run, "%016llx", (unsigned long long)s->run_id);
    log_info("mirror-exporter starting", "exporter_id", s->exporter_id, "run_id", run, "probe_topic",
             s->cfg.probe_topic, "remote_topic", s->remote_probe_topic, "source", s->source_bootstrap,
             "target", s->target_bootstrap, NULL);
    void *(*mains[])(void *) = {poller_main, probe_sender_main, downstream_reader_main, sync_reader_main};
    for (size_t i = 0; i < sizeof mains / sizeof mains[0]; i++) {
        if (mirror_thread_create(&s->threads[i], NULL, mains[i], s) != 0) {
            snprintf(err, errlen, "cannot start a thread");
            goto fail;
        }
        s->nthreads++;
    }
    return 0;
fail:
    /* The threads already started use the clients and s->acct: join them before anything is freed. */
    mirror_stop(s);
    account_free(s->acct);
    s->acct = NULL;
    return -1;
}

void mirror_stop(void *state)
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
