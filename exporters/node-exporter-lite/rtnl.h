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
    unsigned type, flags; /* ifi_type, ifi_flags */
    const char *name;     /* IFLA_IFNAME, NUL-terminated inside the buffer; NULL if absent */
    const char *alias;    /* IFLA_IFALIAS, or NULL */
    const uint8_t *address, *broadcast;
    size_t address_len, broadcast_len;
    int has_stats; /* IFLA_STATS64 present */
    uint64_t stats[RTNL_STATS];
    /* Attributes node_exporter's netclass takes from rtnetlink; has_* says which were present. */
    uint32_t mtu, link, carrier_changes, carrier_up, carrier_down, group, txqlen;
    uint8_t operstate, carrier, linkmode;
    unsigned char has_carrier, has_carrier_changes, has_carrier_up, has_carrier_down, has_linkmode, has_group,
        has_txqlen;
} rtnl_link;

/* One device's ethtool link modes (ETHTOOL_MSG_LINKMODES_GET): speed in Mb/s as the kernel sends it
 * (0xffffffff unknown), duplex (0 half, 1 full, 0xff unknown). */
typedef struct ethtool_linkmode {
    const char *name;
    uint32_t speed;
    uint8_t duplex;
    int has_speed, has_duplex;
} ethtool_linkmode;

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
    void (*linkmode)(void *arg, const ethtool_linkmode *m);
} rtnl_cb;

/* Walks the netlink messages in buf. Sets *done at NLMSG_DONE. 0, or -1 with a reason in err
 * (a truncated message, an NLMSG_ERROR from the kernel). */
int rtnl_parse(void *buf, size_t len, const rtnl_cb *cb, int *done, char *err, size_t errlen);

/* The netlink sockets (one per protocol, each opened on first use) and the receive buffer a collector
 * keeps between dumps: opening a socket per scrape costs about as much as the dump. A socket is closed
 * after any error, so a half-read dump never leaks into the next one. One owner, no lock. */
typedef struct rtnl_sock rtnl_sock;
/* Can't fail (aborts on out-of-memory); opens nothing yet. */
rtnl_sock *rtnl_sock_new(void);
/* Closes the sockets and frees rs (NULL: nothing). */
void rtnl_sock_free(rtnl_sock *rs);

/* Dumps RTM_GETLINK (what = 'l') or RTM_GETADDR ('a') through cb; every receive is bounded by the
 * monotonic `deadline`. 0, or -1 with a reason in err. */
int rtnl_dump(rtnl_sock *rs, int what, const rtnl_cb *cb, double deadline, char *err, size_t errlen);
/* Dumps every device's ethtool link modes over generic netlink through cb->linkmode. 0; 1 if the kernel has
 * no ethtool netlink family (node_exporter then serves no speed and an empty duplex); -1 with a reason. */
int ethtool_linkmodes_dump(rtnl_sock *rs, const rtnl_cb *cb, double deadline, char *err, size_t errlen);
/* The genetlink replies of that dump (for the tests and the fuzzer), as rtnl_parse. */
int ethtool_parse(void *buf, size_t len, const rtnl_cb *cb, int *done, char *err, size_t errlen);

#endif
