/* rk_util.c -- librdkafka handle construction with logging wired to lib/log. */
#include "rk_util.h"

#include <stdio.h>
#include <string.h>

#include "log.h"

static void rk_log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    /* librdkafka's syslog levels: 0..3 errors, 4 warning, 5..6 info, 7 debug. */
    int lvl = level <= 3 ? LOG_LEVEL_ERROR : level == 4 ? LOG_LEVEL_WARN : LOG_LEVEL_DEBUG;
    if (log_enabled(lvl))
        log_kv(lvl, "librdkafka", "client", rd_kafka_name(rk), "facility", fac, "detail", buf, NULL);
}

static void rk_error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    (void)opaque;
    /* Transport errors repeat while a cluster is down; metrics show it, so keep logs at debug. */
    log_debug("kafka client error", "client", rd_kafka_name(rk), "error", rd_kafka_err2name(err), "reason",
              reason, NULL);
}

static int set(rd_kafka_conf_t *conf, const char *name, const char *value, char *err, size_t errlen)
{
    char e[256];
    if (rd_kafka_conf_set(conf, name, value, e, sizeof e) != RD_KAFKA_CONF_OK) {
        snprintf(err, errlen, "librdkafka %s: %s", name, e);
        return -1;
    }
    return 0;
}

rd_kafka_t *rk_new(rd_kafka_type_t type, const char *label, const char *bootstrap, const strlist *options,
                   const char *const *extra, void (*conf_hook)(rd_kafka_conf_t *conf, void *arg), void *arg,
                   char *err, size_t errlen)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (set(conf, "bootstrap.servers", bootstrap, err, errlen) < 0 ||
        set(conf, "client.id", label, err, errlen) < 0 ||
        set(conf, "socket.keepalive.enable", "true", err, errlen) < 0 ||
        set(conf, "reconnect.backoff.max.ms", "2000", err, errlen) < 0 ||
        /* Bounds what has no timeout argument of its own: commits, the final close. */
        set(conf, "socket.timeout.ms", "10000", err, errlen) < 0 ||
        set(conf, "topic.metadata.refresh.interval.ms", "30000", err, errlen) < 0)
        goto fail;
    for (size_t i = 0; extra && extra[i]; i += 2)
        if (set(conf, extra[i], extra[i + 1], err, errlen) < 0)
            goto fail;
    for (size_t i = 0; options && i < options->n; i++) {
        char name[256];
        const char *eq = strchr(options->items[i], '=');
        if (!eq || eq == options->items[i] || (size_t)(eq - options->items[i]) >= sizeof name) {
            snprintf(err, errlen, "kafka option \"%s\" is not name=value", options->items[i]);
            goto fail;
        }
        snprintf(name, sizeof name, "%.*s", (int)(eq - options->items[i]), options->items[i]);
        if (set(conf, name, eq + 1, err, errlen) < 0)
            goto fail;
    }
    rd_kafka_conf_set_log_cb(conf, rk_log_cb);
    rd_kafka_conf_set_error_cb(conf, rk_error_cb);
    if (conf_hook)
        conf_hook(conf, arg);
    char e[512];
    rd_kafka_t *rk = rd_kafka_new(type, conf, e, sizeof e);
    if (!rk) {
        snprintf(err, errlen, "%s: %s", label, e);
        goto fail;
    }
    return rk; /* conf is now owned by rk */
fail:
    rd_kafka_conf_destroy(conf);
    return NULL;
}

int rk_ms(double seconds)
{
    double ms = seconds * 1000.0;
    return ms < 1 ? 1 : ms > 2e9 ? 2000000000 : (int)ms;
}
