/* collector_netclass_rtnl.c -- netclass with --collector.netclass.netlink: the device properties from
 * rtnetlink and speed/duplex from ethtool netlink instead of /sys/class/net, as node_exporter 1.5's
 * netclass_rtnl_linux.go (its quirks kept: node_network_dormant is the link mode, iface_link is IFLA_LINK
 * or else the index, the speed is the kernel's Mb/s as sent, unknown included); with
 * --collector.netclass_rtnl.with-stats also the 64-bit counters, as gauges named *_total. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node.h"
#include "goregex.h"
#include "rtnl.h"

enum { MAX_MODES = 256 };
typedef struct nc_scrape {
    expo *w;
    ethtool_linkmode modes[MAX_MODES];
    char names[MAX_MODES][32];
    size_t nmodes;
    const regex_t *ignored; /* NULL: none */
    bool with_stats;
} nc_scrape;

static int ignored(const nc_scrape *s, const char *dev)
{
    return s->ignored && goregex_match(s->ignored, dev);
}

static void push(expo *w, const char *prop, double v, int counter, const char *dev)
{
    char name[96], help[96];
    snprintf(name, sizeof name, "node_network_%s", prop);
    snprintf(help, sizeof help, "Network device property: %s", prop);
    expo_sample(expo_family_get(w, name, help, counter ? EXPO_COUNTER : EXPO_GAUGE), v, "device", dev, NULL);
}

static void on_mode(void *arg, const ethtool_linkmode *m)
{
    nc_scrape *s = arg;
    if (ignored(s, m->name) || s->nmodes == MAX_MODES || strlen(m->name) >= sizeof s->names[0])
        return;
    if (m->has_speed) /* Go: uint64(int(speed) * 1000 * 1000 / 8), the unknown 0xffffffff included */
        push(s->w, "speed_bytes", (double)((uint64_t)m->speed * 1000 * 1000 / 8), 0, m->name);
    s->modes[s->nmodes] = *m;
    strcpy(s->names[s->nmodes], m->name);
    s->modes[s->nmodes].name = s->names[s->nmodes];
    s->nmodes++;
}

/* Go's net.HardwareAddr.String(). */
static void hw_string(const uint8_t *b, size_t n, char *out, size_t outlen)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && o + 4 <= outlen; i++)
        o += (size_t)snprintf(out + o, outlen - o, i ? ":%02x" : "%02x", b[i]);
}

static void on_link(void *arg, const rtnl_link *l)
{
    static const char *const operstates[] = {"unknown", "notpresent", "down", "lowerlayerdown",
                                             "testing", "dormant",    "up"};
    nc_scrape *s = arg;
    expo *w = s->w;
    const char *dev = l->name;
    if (ignored(s, dev))
        return;
    expo_sample(
        expo_family_get(w, "node_network_up", "Value is 1 if operstate is 'up', 0 otherwise.", EXPO_GAUGE),
        l->operstate == 6 ? 1 : 0, "device", dev, NULL);
    const char *duplex = "";
    for (size_t i = 0; i < s->nmodes; i++)
        if (strcmp(s->modes[i].name, dev) == 0)
            duplex = s->modes[i].duplex == 0 ? "Half" : s->modes[i].duplex == 1 ? "Full" : "Unknown";
    char addr[200], bcast[200];
    hw_string(l->address, l->address_len, addr, sizeof addr);
    hw_string(l->broadcast, l->broadcast_len, bcast, sizeof bcast);
    expo_sample(expo_family_get(w, "node_network_info", "Non-numeric data of <iface>, value is always 1.",
                                EXPO_GAUGE),
                1, "device", dev, "address", addr, "broadcast", bcast, "duplex", duplex, "operstate",
                l->operstate < 7 ? operstates[l->operstate] : "unknown", "ifalias", l->alias ? l->alias : "",
                NULL);
    if (l->has_carrier)
        push(w, "carrier", l->carrier, 0, dev);
    if (l->has_carrier_changes)
        push(w, "carrier_changes_total", l->carrier_changes, 1, dev);
    if (l->has_carrier_up)
        push(w, "carrier_up_changes_total", l->carrier_up, 1, dev);
    if (l->has_carrier_down)
        push(w, "carrier_down_changes_total", l->carrier_down, 1, dev);
    push(w, "flags", l->flags, 0, dev);
    push(w, "iface_id", (unsigned)l->index, 0, dev);
    if (l->has_linkmode) {
        push(w, "iface_link_mode", l->linkmode, 0, dev);
        push(w, "dormant", l->linkmode, 0, dev);
    }
    push(w, "iface_link", l->link ? l->link : (unsigned)l->index, 0, dev);
    push(w, "mtu_bytes", l->mtu, 0, dev);
    if (l->has_group)
        push(w, "net_dev_group", l->group, 0, dev);
    if (l->has_txqlen)
        push(w, "transmit_queue_length", l->txqlen, 0, dev);
    push(w, "protocol_type", l->type, 0, dev);
    if (!s->with_stats || !l->has_stats)
        return;
    for (int i = 0; i < RTNL_STATS; i++) {
        char prop[64];
        snprintf(prop, sizeof prop, "%s_total", rtnl_stat_names[i]);
        push(w, prop, (double)l->stats[i], 0, dev);
    }
}

int netclass_rtnl_collect(expo *w, collector_ctx *ctx, rtnl_sock *rtnl, const regex_t *ignored,
                          bool with_stats)
{
    char err[256];
    nc_scrape *s = calloc(1, sizeof *s);
    if (!s)
        return node_fail(ctx, "netclass", "out of memory");
    s->w = w;
    s->ignored = ignored;
    s->with_stats = with_stats;
    rtnl_cb cb = {.link = on_link, .linkmode = on_mode, .arg = s};
    int rc = ethtool_linkmodes_dump(rtnl, &cb, ctx->deadline, err, sizeof err);
    if (rc >= 0)
        rc = rtnl_dump(rtnl, 'l', &cb, ctx->deadline, err, sizeof err);
    free(s);
    return rc < 0 ? node_fail(ctx, "netclass", err) : 0;
}
