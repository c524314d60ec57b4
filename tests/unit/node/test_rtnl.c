/* test_rtnl.c -- the rtnetlink walker on hand-built messages: links with their counters, addresses as Go's
 * net package picks them (IFA_LOCAL over IFA_ADDRESS), the end of a dump, kernel errors, truncation. */
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "check.h"
#include "rtnl.h"

static _Alignas(8) unsigned char msg[4096];
static size_t used;

static struct nlmsghdr *begin(int type)
{
    struct nlmsghdr *h = (struct nlmsghdr *)(msg + used);
    memset(h, 0, sizeof *h);
    h->nlmsg_type = (unsigned short)type;
    h->nlmsg_len = NLMSG_HDRLEN;
    return h;
}

static void put(struct nlmsghdr *h, const void *data, size_t n)
{
    memcpy((char *)h + h->nlmsg_len, data, n);
    h->nlmsg_len += (unsigned)NLMSG_ALIGN(n);
}

static void attr(struct nlmsghdr *h, int type, const void *data, size_t n)
{
    struct rtattr a = {.rta_len = (unsigned short)RTA_LENGTH(n), .rta_type = (unsigned short)type};
    memcpy((char *)h + h->nlmsg_len, &a, sizeof a);
    memcpy((char *)h + h->nlmsg_len + sizeof a, data, n);
    h->nlmsg_len += (unsigned)RTA_ALIGN(a.rta_len);
}

static void end(struct nlmsghdr *h)
{
    used += NLMSG_ALIGN(h->nlmsg_len);
}

static rtnl_link links[4];
static char link_names[4][16];
static int nlinks;
static rtnl_addr addrs[4];
static int naddrs;
static void on_link(void *arg, const rtnl_link *l)
{
    (void)arg;
    links[nlinks] = *l;
    snprintf(link_names[nlinks++], sizeof link_names[0], "%s", l->name);
}
static void on_addr(void *arg, const rtnl_addr *a)
{
    (void)arg;
    addrs[naddrs++] = *a;
}

int main(void)
{
    struct nlmsghdr *h = begin(RTM_NEWLINK);
    struct ifinfomsg ifi = {.ifi_index = 9};
    put(h, &ifi, sizeof ifi);
    attr(h, IFLA_IFNAME, "eth9", 5);
    uint64_t stats[RTNL_STATS];
    for (int i = 0; i < RTNL_STATS; i++)
        stats[i] = 1000u + (uint64_t)i;
    attr(h, IFLA_STATS64, stats, sizeof stats);
    end(h);
    h = begin(RTM_NEWLINK); /* no stats: served as a name only (address-info), skipped by netdev */
    ifi.ifi_index = 10;
    put(h, &ifi, sizeof ifi);
    attr(h, IFLA_IFNAME, "tun0", 5);
    end(h);
    h = begin(RTM_NEWADDR);
    struct ifaddrmsg ifa = {.ifa_family = AF_INET, .ifa_prefixlen = 32, .ifa_index = 10};
    put(h, &ifa, sizeof ifa);
    unsigned char peer[4] = {10, 0, 0, 2}, local[4] = {10, 0, 0, 1};
    attr(h, IFA_ADDRESS, peer, 4);
    attr(h, IFA_LOCAL, local, 4);
    end(h);
    h = begin(RTM_NEWADDR);
    struct ifaddrmsg ifa6 = {.ifa_family = AF_INET6, .ifa_prefixlen = 64, .ifa_index = 9};
    put(h, &ifa6, sizeof ifa6);
    unsigned char v6[16] = {0xfe, 0x80, [15] = 1};
    attr(h, IFA_ADDRESS, v6, 16);
    end(h);
    h = begin(NLMSG_DONE);
    int zero = 0;
    put(h, &zero, sizeof zero);
    end(h);

    char err[128];
    int done = 0;
    rtnl_cb cb = {on_link, on_addr, NULL, NULL};
    CHECK(rtnl_parse(msg, used, &cb, &done, err, sizeof err) == 0 && done);
    CHECK(nlinks == 2 && naddrs == 2);
    CHECK_STR(link_names[0], "eth9");
    CHECK(links[0].index == 9 && links[0].has_stats && links[0].stats[0] == 1000 &&
          links[0].stats[23] == 1023);
    CHECK(!links[1].has_stats);
    CHECK(addrs[0].family == AF_INET && addrs[0].prefixlen == 32 && !memcmp(addrs[0].addr, local, 4));
    CHECK(addrs[1].family == AF_INET6 && addrs[1].index == 9 && !memcmp(addrs[1].addr, v6, 16));

    /* Cut inside the first message: an error, nothing delivered. */
    nlinks = naddrs = done = 0;
    CHECK(rtnl_parse(msg, 40, &cb, &done, err, sizeof err) == -1 && !done && nlinks == 0);
    CHECK(strstr(err, "truncated") != NULL);

    /* The kernel's error reply. */
    used = 0;
    h = begin(NLMSG_ERROR);
    struct nlmsgerr e = {.error = -13};
    put(h, &e, sizeof e);
    end(h);
    CHECK(rtnl_parse(msg, used, &cb, &done, err, sizeof err) == -1);
    CHECK(strstr(err, "Permission denied") != NULL);
    CHECK_DONE();
}
