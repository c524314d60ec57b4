/* rdk.h -- the exporter's one librdkafka handle: configuration and lifetime. */
#ifndef KX_RDK_H
#define KX_RDK_H

#include <stddef.h>

#include "kx.h"

/* Works out the security protocol from the flags into st->security_protocol,
 * reads the SASL password (file, then $KAFKA_SASL_PASSWORD, then the flag) and
 * creates st->rk. Never touches the network. Returns 0, or -1 with a reason in
 * err (a bad flag: the caller exits 2). Secrets never appear in err. */
int kx_rdk_start(kx_state *st, char *err, size_t errlen);
/* Stops the poll thread and destroys the handle. */
void kx_rdk_stop(kx_state *st);
/* Adds "host:port,..." to the handle's broker list (ZooKeeper mode). */
void kx_rdk_add_brokers(kx_state *st, const char *list);

#endif
