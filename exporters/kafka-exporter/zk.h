/* zk.h -- ZooKeeper mode: brokers and controller from a (chrooted) ensemble, and session health. */
#ifndef KX_ZK_H
#define KX_ZK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct kx_zk kx_zk;

typedef struct kx_zk_status {
    bool up;               /* session connected and the probe read answered in time */
    bool chroot_exists;    /* the chroot (or "/") exists; false also when not up */
    double rtt;            /* seconds the probe read took; < 0 if it failed */
    uint64_t expirations;  /* sessions that expired and were replaced, since start */
    int32_t controller_id; /* from /controller, -1 if unknown */
    size_t nbrokers;
    int32_t *broker_ids; /* registered brokers, ascending */
    char *bootstrap;     /* "host:port,..." of their endpoints, or NULL */
    char err[192];
} kx_zk_status;

/* Connects in the background to `connect` ("zk01:2181,zk02:2181/kafka3"): never
 * blocks and never fails for an unreachable ensemble. NULL (reason in err) only
 * for an unusable connect string. */
kx_zk *kx_zk_new(const char *connect, double session_timeout, char *err, size_t errlen);
void kx_zk_free(kx_zk *z);
/* Reads /brokers/ids/ * and /controller, by `deadline`. Endpoints are picked as
 * zkparse_broker_endpoint does. A session that expired is replaced first.
 * Fills *st (free with kx_zk_status_free); returns 0, or -1 if not up. */
int kx_zk_poll(kx_zk *z, const char *protocol, const char *listener, double deadline, kx_zk_status *st);
void kx_zk_status_free(kx_zk_status *st);

#endif
