/* rtnl.c -- rtnetlink link and address dumps (rtnl.h). */
#include "rtnl.h"

#include <errno.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

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
    size_t off = NLMSG_ALIGN(sizeof *ifi);
    while (off + sizeof(struct rtattr) <= len) {
        struct rtattr *a = (struct rtattr *)((char *)data + off);
        if (a->rta_len < sizeof *a || a->rta_len > len - off)
            return; /* a truncated attribute: the link is left out */
        size_t plen = a->rta_len - sizeof *a;
        char *p = (char *)a + sizeof *a;
        if (a->rta_type == IFLA_IFNAME && plen > 0 && memchr(p, '\0', plen)) {
            l.name = p;
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

/* One socket and buffer kept between scrapes (opening a netlink socket per scrape costs about as much as
 * the dump); closed after any error, so a half-read dump never leaks into the next one. */
static pthread_mutex_t dump_mu = PTHREAD_MUTEX_INITIALIZER;
static int dump_fd = -1;
static char *dump_buf;
enum { DUMP_CAP = 64 << 10 }; /* the kernel fills it with whole messages; one link's are a few kB */

static int dump_locked(int what, const rtnl_cb *cb, double deadline, char *err, size_t errlen)
{
    if (!dump_buf && !(dump_buf = malloc(DUMP_CAP)))
        return fail(err, errlen, "out of memory");
    if (dump_fd < 0 && (dump_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)) < 0) {
        snprintf(err, errlen, "rtnetlink socket: %s", strerror(errno));
        return -1;
    }
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
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    if (sendto(dump_fd, &req, req.h.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
        snprintf(err, errlen, "rtnetlink send: %s", strerror(errno));
        return -1;
    }
    int done = 0;
    while (!done) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        double left = deadline - ((double)now.tv_sec + (double)now.tv_nsec / 1e9);
        if (left <= 0)
            return fail(err, errlen, "scrape deadline passed during the dump");
        struct timeval tv = {.tv_sec = (time_t)left,
                             .tv_usec = (suseconds_t)((left - (double)(time_t)left) * 1e6) + 1};
        setsockopt(dump_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ssize_t n = recv(dump_fd, dump_buf, DUMP_CAP, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            snprintf(err, errlen, "rtnetlink receive: %s",
                     n == 0                                    ? "socket closed during the dump"
                     : errno == EAGAIN || errno == EWOULDBLOCK ? "timed out"
                                                               : strerror(errno));
            return -1;
        }
        if (rtnl_parse(dump_buf, (size_t)n, cb, &done, err, errlen) < 0)
            return -1;
    }
    return 0;
}

int rtnl_dump(int what, const rtnl_cb *cb, double deadline, char *err, size_t errlen)
{
    pthread_mutex_lock(&dump_mu);
    int rc = dump_locked(what, cb, deadline, err, errlen);
    if (rc < 0 && dump_fd >= 0) {
        close(dump_fd);
        dump_fd = -1;
    }
    pthread_mutex_unlock(&dump_mu);
    return rc;
}

void rtnl_close(void)
{
    pthread_mutex_lock(&dump_mu);
    if (dump_fd >= 0)
        close(dump_fd);
    dump_fd = -1;
    free(dump_buf);
    dump_buf = NULL;
    pthread_mutex_unlock(&dump_mu);
}
