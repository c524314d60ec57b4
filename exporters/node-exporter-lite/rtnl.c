/* rtnl.c -- rtnetlink link and address dumps (rtnl.h). */
#include "rtnl.h"

#include <errno.h>
#include <linux/if_addr.h>
#include <linux/ethtool_netlink.h>
#include <linux/genetlink.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "xalloc.h"

const char *const rtnl_stat_names[RTNL_STATS] = {
    "receive_packets",
    "transmit_packets",
    "receive_bytes",
    "transmit_bytes",
    "receive_errors",
    "transmit_errors",
    "receive_dropped",
    "transmit_dropped",
    "multicast",
    "collisions",
    "receive_length_errors",
    "receive_over_errors",
    "receive_crc_errors",
    "receive_frame_errors",
    "receive_fifo_errors",
    "receive_missed_errors",
    "transmit_aborted_errors",
    "transmit_carrier_errors",
    "transmit_fifo_errors",
    "transmit_heartbeat_errors",
    "transmit_window_errors",
    "receive_compressed",
    "transmit_compressed",
    "receive_nohandler",
};

static int fail(char *err, size_t errlen, const char *why)
{
    snprintf(err, errlen, "rtnetlink: %s", why);
    return -1;
}

static void parse_link(void *data, size_t len, const rtnl_cb *cb)
{
    if (len < NLMSG_ALIGN(sizeof(struct ifinfomsg)))
        return;
    const struct ifinfomsg *ifi = data;
    rtnl_link l;
    memset(&l, 0, sizeof l);
    l.index = ifi->ifi_index;
    l.type = ifi->ifi_type;
    l.flags = ifi->ifi_flags;
    size_t off = NLMSG_ALIGN(sizeof *ifi);
    while (off + sizeof(struct rtattr) <= len) {
        struct rtattr *a = (struct rtattr *)((char *)data + off);
        if (a->rta_len < sizeof *a || a->rta_len > len - off)
            return; /* a truncated attribute: the link is left out */
        size_t plen = a->rta_len - sizeof *a;
        char *p = (char *)a + sizeof *a;
        if (a->rta_type == IFLA_IFNAME && plen > 0 && memchr(p, '\0', plen)) {
            l.name = p;
        } else if (a->rta_type == IFLA_IFALIAS && plen > 0 && memchr(p, '\0', plen)) {
            l.alias = p;
        } else if (a->rta_type == IFLA_ADDRESS || a->rta_type == IFLA_BROADCAST) {
            *(a->rta_type == IFLA_ADDRESS ? &l.address : &l.broadcast) = (const uint8_t *)p;
            *(a->rta_type == IFLA_ADDRESS ? &l.address_len : &l.broadcast_len) = plen;
        } else if (plen >= 4 &&
                   (a->rta_type == IFLA_MTU || a->rta_type == IFLA_LINK ||
                    a->rta_type == IFLA_CARRIER_CHANGES || a->rta_type == IFLA_CARRIER_UP_COUNT ||
                    a->rta_type == IFLA_CARRIER_DOWN_COUNT || a->rta_type == IFLA_GROUP ||
                    a->rta_type == IFLA_TXQLEN)) {
            uint32_t v;
            memcpy(&v, p, 4);
            switch (a->rta_type) {
            case IFLA_MTU:
                l.mtu = v;
                break;
            case IFLA_LINK:
                l.link = v;
                break;
            case IFLA_CARRIER_CHANGES:
                l.carrier_changes = v, l.has_carrier_changes = 1;
                break;
            case IFLA_CARRIER_UP_COUNT:
                l.carrier_up = v, l.has_carrier_up = 1;
                break;
            case IFLA_CARRIER_DOWN_COUNT:
                l.carrier_down = v, l.has_carrier_down = 1;
                break;
            case IFLA_GROUP:
                l.group = v, l.has_group = 1;
                break;
            default:
                l.txqlen = v, l.has_txqlen = 1;
                break;
            }
        } else if (plen >= 1 && a->rta_type == IFLA_OPERSTATE) {
            l.operstate = (uint8_t)*p;
        } else if (plen >= 1 && a->rta_type == IFLA_CARRIER) {
            l.carrier = (uint8_t)*p, l.has_carrier = 1;
        } else if (plen >= 1 && a->rta_type == IFLA_LINKMODE) {
            l.linkmode = (uint8_t)*p, l.has_linkmode = 1;
        } else if (a->rta_type == IFLA_STATS64) {
            /* Older kernels send fewer counters: the rest stay 0. Copied: the payload is 4-aligned only. */
            size_t n = plen < sizeof l.stats ? plen : sizeof l.stats;
            memcpy(l.stats, p, n / 8 * 8);
            l.has_stats = 1;
        }
        off += RTA_ALIGN(a->rta_len);
    }
    if (l.name && cb->link)
        cb->link(cb->arg, &l);
}

static void parse_addr(void *data, size_t len, const rtnl_cb *cb)
{
    if (len < NLMSG_ALIGN(sizeof(struct ifaddrmsg)))
        return;
    const struct ifaddrmsg *ifa = data;
    if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
        return;
    size_t want = ifa->ifa_family == AF_INET ? 4 : 16;
    const char *address = NULL, *local = NULL;
    size_t off = NLMSG_ALIGN(sizeof *ifa);
    while (off + sizeof(struct rtattr) <= len) {
        struct rtattr *a = (struct rtattr *)((char *)data + off);
        if (a->rta_len < sizeof *a || a->rta_len > len - off)
            return;
        size_t plen = a->rta_len - sizeof *a;
        if (plen >= want) {
            if (a->rta_type == IFA_ADDRESS && !address)
                address = (char *)a + sizeof *a;
            else if (a->rta_type == IFA_LOCAL && !local)
                local = (char *)a + sizeof *a;
        }
        off += RTA_ALIGN(a->rta_len);
    }
    /* Go's net package takes IFA_LOCAL when there is one (always for IPv4; point-to-point for IPv6). */
    const char *pick = local ? local : address;
    if (!pick || !cb->addr)
        return;
    rtnl_addr r;
    memset(&r, 0, sizeof r);
    r.index = (int)ifa->ifa_index;
    r.family = ifa->ifa_family;
    r.prefixlen = ifa->ifa_prefixlen;
    memcpy(r.addr, pick, want);
    cb->addr(cb->arg, &r);
}

int rtnl_parse(void *buf, size_t len, const rtnl_cb *cb, int *done, char *err, size_t errlen)
{
    size_t off = 0;
    while (off + sizeof(struct nlmsghdr) <= len) {
        struct nlmsghdr *h = (struct nlmsghdr *)((char *)buf + off);
        if (h->nlmsg_len < sizeof *h || h->nlmsg_len > len - off)
            return fail(err, errlen, "truncated message");
        void *data = (char *)h + NLMSG_HDRLEN;
        size_t dlen = h->nlmsg_len >= NLMSG_HDRLEN ? h->nlmsg_len - NLMSG_HDRLEN : 0;
        if (h->nlmsg_type == NLMSG_DONE) {
            *done = 1;
            return 0;
        }
        if (h->nlmsg_type == NLMSG_ERROR) {
            const struct nlmsgerr *e = data;
            if (dlen >= sizeof *e && e->error == 0) {
                *done = 1;
                return 0;
            }
            snprintf(err, errlen, "rtnetlink: %s",
                     dlen >= sizeof *e ? strerror(-e->error) : "truncated error message");
            return -1;
        }
        if (h->nlmsg_type == RTM_NEWLINK)
            parse_link(data, dlen, cb);
        else if (h->nlmsg_type == RTM_NEWADDR)
            parse_addr(data, dlen, cb);
        off += NLMSG_ALIGN(h->nlmsg_len);
    }
    return 0;
}

/* The attributes of one nested attribute or message body at [p, p+len): calls f for each whole one. */
static void each_attr(const char *p, size_t len, void (*f)(void *ctx, int type, const char *v, size_t n),
                      void *ctx)
{
    size_t off = 0;
    while (off + sizeof(struct nlattr) <= len) {
        struct nlattr a;
        memcpy(&a, p + off, sizeof a);
        if (a.nla_len < sizeof a || a.nla_len > len - off)
            return;
        f(ctx, a.nla_type & NLA_TYPE_MASK, p + off + NLA_HDRLEN, a.nla_len - NLA_HDRLEN);
        off += NLA_ALIGN(a.nla_len);
    }
}

static void on_header_attr(void *ctx, int type, const char *v, size_t n)
{
    ethtool_linkmode *m = ctx;
    if (type == ETHTOOL_A_HEADER_DEV_NAME && n > 0 && memchr(v, '\0', n))
        m->name = v;
}

static void on_linkmodes_attr(void *ctx, int type, const char *v, size_t n)
{
    ethtool_linkmode *m = ctx;
    if (type == ETHTOOL_A_LINKMODES_HEADER)
        each_attr(v, n, on_header_attr, m);
    else if (type == ETHTOOL_A_LINKMODES_SPEED && n >= 4)
        memcpy(&m->speed, v, 4), m->has_speed = 1;
    else if (type == ETHTOOL_A_LINKMODES_DUPLEX && n >= 1)
        m->duplex = (uint8_t)*v, m->has_duplex = 1;
}

/* Generic netlink replies: the family id of CTRL_CMD_GETFAMILY (into *(uint16_t *)cb->arg when
 * cb->linkmode is NULL), or link modes. */
static void on_family_attr(void *ctx, int type, const char *v, size_t n)
{
    if (type == CTRL_ATTR_FAMILY_ID && n >= 2)
        memcpy(ctx, v, 2);
}

int ethtool_parse(void *buf, size_t len, const rtnl_cb *cb, int *done, char *err, size_t errlen)
{
    size_t off = 0;
    while (off + sizeof(struct nlmsghdr) <= len) {
        struct nlmsghdr *h = (struct nlmsghdr *)((char *)buf + off);
        if (h->nlmsg_len < sizeof *h || h->nlmsg_len > len - off)
            return fail(err, errlen, "truncated message");
        const char *data = (char *)h + NLMSG_HDRLEN;
        size_t dlen = h->nlmsg_len - NLMSG_HDRLEN;
        if (h->nlmsg_type == NLMSG_DONE) {
            *done = 1;
            return 0;
        }
        if (h->nlmsg_type == NLMSG_ERROR) {
            struct nlmsgerr e;
            if (dlen < sizeof e)
                return fail(err, errlen, "truncated error message");
            memcpy(&e, data, sizeof e);
            if (e.error == 0) {
                *done = 1;
                return 0;
            }
            errno = -e.error;
            snprintf(err, errlen, "genetlink: %s", strerror(-e.error));
            return -1;
        }
        if (dlen >= GENL_HDRLEN) {
            if (!cb->linkmode) {
                each_attr(data + GENL_HDRLEN, dlen - GENL_HDRLEN, on_family_attr, cb->arg);
                *done = 1; /* a single reply, no DONE */
                return 0;
            }
            ethtool_linkmode m;
            memset(&m, 0, sizeof m);
            each_attr(data + GENL_HDRLEN, dlen - GENL_HDRLEN, on_linkmodes_attr, &m);
            if (m.name)
                cb->linkmode(cb->arg, &m);
        }
        off += NLMSG_ALIGN(h->nlmsg_len);
    }
    return 0;
}

/* rtnl.h has why they are kept. No lock: a collector's own, used on the one scrape worker (lib/README.md,
 * "Threads"). */
struct rtnl_sock {
    int route_fd, genl_fd;
    char *buf;
};
enum { DUMP_CAP = 64 << 10 }; /* the kernel fills it with whole messages; one link's are a few kB */

rtnl_sock *rtnl_sock_new(void)
{
    rtnl_sock *rs = xmalloc(sizeof *rs);
    rs->route_fd = rs->genl_fd = -1;
    rs->buf = NULL;
    return rs;
}

void rtnl_sock_free(rtnl_sock *rs)
{
    if (!rs)
        return;
    if (rs->route_fd >= 0)
        close(rs->route_fd);
    if (rs->genl_fd >= 0)
        close(rs->genl_fd);
    free(rs->buf);
    free(rs);
}

typedef int (*parse_fn)(void *buf, size_t len, const rtnl_cb *cb, int *done, char *err, size_t errlen);

/* Sends req on *fd (opened on first use) and feeds the replies to parse until the dump is done. */
static int dump_one(rtnl_sock *rs, int proto, int *fd, const void *req, size_t reqlen, parse_fn parse,
                    const rtnl_cb *cb, double deadline, char *err, size_t errlen)
{
    if (!rs->buf && !(rs->buf = malloc(DUMP_CAP)))
        return fail(err, errlen, "out of memory");
    if (*fd < 0 && (*fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, proto)) < 0) {
        snprintf(err, errlen, "netlink socket: %s", strerror(errno));
        return -1;
    }
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    int rc = -1;
    if (sendto(*fd, req, reqlen, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
        snprintf(err, errlen, "netlink send: %s", strerror(errno));
        goto out;
    }
    int done = 0;
    while (!done) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        double left = deadline - ((double)now.tv_sec + (double)now.tv_nsec / 1e9);
        if (left <= 0) {
            fail(err, errlen, "scrape deadline passed during the dump");
            goto out;
        }
        struct timeval tv = {.tv_sec = (time_t)left,
                             .tv_usec = (suseconds_t)((left - (double)(time_t)left) * 1e6) + 1};
        setsockopt(*fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ssize_t n = recv(*fd, rs->buf, DUMP_CAP, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            snprintf(err, errlen, "netlink receive: %s",
                     n == 0                                    ? "socket closed during the dump"
                     : errno == EAGAIN || errno == EWOULDBLOCK ? "timed out"
                                                               : strerror(errno));
            goto out;
        }
        if (parse(rs->buf, (size_t)n, cb, &done, err, errlen) < 0)
            goto out;
    }
    rc = 0;
out:
    if (rc < 0) {
        int e = errno;
        close(*fd);
        *fd = -1;
        errno = e;
    }
    return rc;
}

int rtnl_dump(rtnl_sock *rs, int what, const rtnl_cb *cb, double deadline, char *err, size_t errlen)
{
    struct {
        struct nlmsghdr h;
        union {
            struct ifinfomsg link;
            struct ifaddrmsg addr;
        } u;
    } req;
    memset(&req, 0, sizeof req);
    req.h.nlmsg_type = what == 'a' ? RTM_GETADDR : RTM_GETLINK;
    req.h.nlmsg_len = NLMSG_LENGTH(what == 'a' ? sizeof req.u.addr : sizeof req.u.link);
    req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    req.h.nlmsg_seq = 1;
    int rc = dump_one(rs, NETLINK_ROUTE, &rs->route_fd, &req, req.h.nlmsg_len, rtnl_parse, cb, deadline, err,
                      errlen);
    return rc;
}

/* A generic netlink request: header, genlmsghdr, then one attribute (possibly a nest of one u32). */
typedef struct genl_req {
    struct nlmsghdr h;
    struct genlmsghdr g;
    char attrs[64];
} genl_req;

static size_t genl_request(genl_req *r, uint16_t family, uint8_t cmd, uint16_t flags)
{
    memset(r, 0, sizeof *r);
    r->h.nlmsg_type = family;
    r->h.nlmsg_flags = NLM_F_REQUEST | flags;
    r->h.nlmsg_seq = 1;
    r->g.cmd = cmd;
    r->g.version = 1;
    return NLMSG_HDRLEN + GENL_HDRLEN;
}

static size_t put_attr(genl_req *r, size_t len, uint16_t type, const void *v, size_t n)
{
    struct nlattr a = {.nla_len = (uint16_t)(NLA_HDRLEN + n), .nla_type = type};
    memcpy((char *)r + len, &a, sizeof a);
    memcpy((char *)r + len + NLA_HDRLEN, v, n);
    return len + NLA_ALIGN(a.nla_len);
}

int ethtool_linkmodes_dump(rtnl_sock *rs, const rtnl_cb *cb, double deadline, char *err, size_t errlen)
{
    genl_req req;
    uint16_t family = 0;
    rtnl_cb fcb = {.arg = &family};
    size_t len = genl_request(&req, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
    len = put_attr(&req, len, CTRL_ATTR_FAMILY_NAME, ETHTOOL_GENL_NAME, sizeof ETHTOOL_GENL_NAME);
    req.h.nlmsg_len = (uint32_t)len;
    int rc =
        dump_one(rs, NETLINK_GENERIC, &rs->genl_fd, &req, len, ethtool_parse, &fcb, deadline, err, errlen);
    if (rc < 0 && errno == ENOENT) {
        rc = 1; /* no ethtool netlink in this kernel */
    } else if (rc == 0 && !family) {
        rc = fail(err, errlen, "no ethtool family id");
    } else if (rc == 0) {
        /* Compact bitsets: the mode lists are not wanted, and in full form they are kilobytes of names. */
        uint32_t compact = ETHTOOL_FLAG_COMPACT_BITSETS;
        char nest[8];
        struct nlattr a = {.nla_len = NLA_HDRLEN + 4, .nla_type = ETHTOOL_A_HEADER_FLAGS};
        memcpy(nest, &a, sizeof a);
        memcpy(nest + NLA_HDRLEN, &compact, 4);
        len = genl_request(&req, family, ETHTOOL_MSG_LINKMODES_GET, NLM_F_DUMP);
        len = put_attr(&req, len, ETHTOOL_A_LINKMODES_HEADER | NLA_F_NESTED, nest, sizeof nest);
        req.h.nlmsg_len = (uint32_t)len;
        rc = dump_one(rs, NETLINK_GENERIC, &rs->genl_fd, &req, len, ethtool_parse, cb, deadline, err, errlen);
    }
    return rc;
}
