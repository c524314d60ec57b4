/* rtnl.h -- the two rtnetlink dumps node_exporter 1.5's netdev collector makes: links with their 64-bit
 * counters (RTM_GETLINK) and interface addresses (RTM_GETADDR, for --collector.netdev.address-info).
 *
 * rtnl_parse walks one received buffer and is apart from the socket so it is unit-tested and fuzzed. */
#ifndef NEL_RTNL_H
#define NEL_RTNL_H

#include <stddef.h>
#include <stdint.h>

/* struct rtnl_link_stats64's counters, in the kernel's order. */
enum { RTNL_STATS = 24 };
extern const char *const rtnl_stat_names[RTNL_STATS]; /* node_exporter's keys: "receive_packets", ... */

typedef struct rtnl_link {
    int index;
    const char *name; /* IFLA_IFNAME, NUL-terminated inside the buffer; NULL if absent */
    int has_stats;    /* IFLA_STATS64 present */
    uint64_t stats[RTNL_STATS];
} rtnl_link;

typedef struct rtnl_addr {
    int index;
    int family; /* AF_INET or AF_INET6 */
    unsigned prefixlen;
    uint8_t addr[16]; /* 4 bytes for AF_INET */
} rtnl_addr;

typedef struct rtnl_cb {
    void (*link)(void *arg, const rtnl_link *l);
    void (*addr)(void *arg, const rtnl_addr *a);
    void *arg;
} rtnl_cb;

/* Walks the netlink messages in buf. Sets *done at NLMSG_DONE. 0, or -1 with a reason in err
 * (a truncated message, an NLMSG_ERROR from the kernel). */
int rtnl_parse(void *buf, size_t len, const rtnl_cb *cb, int *done, char *err, size_t errlen);

/* Dumps RTM_GETLINK (what = 'l') or RTM_GETADDR ('a') through cb; every receive is bounded by the
 * monotonic `deadline`. 0, or -1 with a reason in err. */
int rtnl_dump(int what, const rtnl_cb *cb, double deadline, char *err, size_t errlen);
/* Closes the socket kept between dumps (at shutdown). */
void rtnl_close(void);

#endif
