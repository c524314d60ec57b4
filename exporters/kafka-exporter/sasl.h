/* sasl.h -- danielqsj's SASL flags onto librdkafka settings: PLAIN, SCRAM, GSSAPI (Kerberos) and
 * OAUTHBEARER; AWS IAM is refused with the reason.
 *
 * Kerberos: librdkafka (through Cyrus SASL) uses a ticket cache that it fills by running kinit
 * (sasl.kerberos.kinit.cmd) at start and every minute. The exporter gives it a private cache (a
 * directory of its own, unless $KRB5CCNAME is set: two processes sharing a cache would use each
 * other's tickets), points $KRB5_CONFIG at --sasl.kerberos-config-path, and keeps kinit's stderr in
 * that directory: a failed login's reason ("Password incorrect", "Cannot find KDC for realm") is then
 * the cause kafka_up 0 is logged with. Passwords never reach a command line: keytabAuth needs none,
 * userAuth feeds kinit's stdin from the password file or from an environment variable. */
#ifndef KX_SASL_H
#define KX_SASL_H

#include <stddef.h>

#include <librdkafka/rdkafka.h>

#include "kx.h"

/* The librdkafka mechanism for a --sasl.mechanism value, matched without regard to case as danielqsj
 * lower-cases it ("plain", "scram-sha256", "SCRAM-SHA512", "gssapi", "oauthbearer"...): "PLAIN",
 * "SCRAM-SHA-256", "SCRAM-SHA-512", "GSSAPI", "OAUTHBEARER", "AWS_MSK_IAM" (refused by
 * kx_sasl_configure), or NULL if unknown. NULL or "" is PLAIN. Pure. */
const char *kx_sasl_mechanism(const char *flag);
/* Sets the SASL settings of o (o->sasl_enabled) on conf; mech_out gets the mechanism (size >= 16).
 * The password comes from --sasl.password-file, else $KAFKA_SASL_PASSWORD, else --sasl.password, else
 * $SASL_USER_PASSWORD (danielqsj's variable). Returns 0, or -1 with a reason without any secret. */
int kx_sasl_configure(rd_kafka_conf_t *conf, const kx_options *o, char *mech_out, char *err, size_t errlen);
/* Reads a password file's first line (newline dropped; lib/secret.h): free it with secret_free. NULL
 * with a reason in err. */
char *kx_sasl_read_secret(const char *path, char *err, size_t errlen);
/* If the last kinit failed: its reason with a hint, into out (1); else 0. Thread-safe. */
int kx_sasl_kerberos_cause(char *out, size_t outlen);
/* Removes the private ticket cache directory and forgets secrets. Safe to call more than once. */
void kx_sasl_cleanup(void);

#endif
