/* rdk.h -- the exporter's one librdkafka handle: configuration and lifetime. */
#ifndef KX_RDK_H
#define KX_RDK_H

#include <stdbool.h>
#include <stddef.h>

#include "kx.h"

/* Works out the security protocol from the flags into st->security_protocol,
 * reads the SASL password (file, then $KAFKA_SASL_PASSWORD, then the flag) and
 * creates st->rk. Never touches the network. Returns 0, or -1 with a reason in
 * err (a bad flag: the caller exits 2). Secrets never appear in err. */
int kx_rdk_start(kx_state *st, char *err, size_t errlen);
/* Stops the poll thread and destroys the handle. */
void kx_rdk_stop(kx_state *st);
/* Reads --sasl.password-file again if it changed since it was last read and hands the password to the
 * handle: the next connection attempt uses it (a rotated secret without a restart). Returns 1 if it did,
 * 0 if nothing changed (or no password file), -1 on a read or librdkafka error (logged, no secret). */
int kx_rdk_reload_password(kx_state *st);
/* The cause of one librdkafka error callback, for the "kafka unavailable" log line: the error name,
 * librdkafka's reason and a hint naming the flag to check (TLS and SASL failures; rdk_version as
 * rd_kafka_version() gives it). Pure; -1 when the error says nothing of its own (all brokers down). */
int kx_rdk_cause(int err, const char *reason, bool client_cert, int rdk_version, char *out, size_t outlen);
/* The last cause recorded from the error callback since kx_rdk_clear_cause(), "" if none. Thread-safe. */
void kx_rdk_last_cause(char *out, size_t outlen);
void kx_rdk_clear_cause(void);
/* A second consumer handle with the first one's configuration (security, callbacks) and `settings`
 * (name, value, ..., NULL) on top, for a reader with an assignment of its own (offsetlog.c). NULL with a
 * reason in err if kx_rdk_start has not run or a setting is refused. The caller owns the handle. */
rd_kafka_t *kx_rdk_new_reader(const char *const *settings, char *err, size_t errlen);
/* Adds "host:port,..." to the handle's broker list (ZooKeeper mode). */
void kx_rdk_add_brokers(kx_state *st, const char *list);

#endif
