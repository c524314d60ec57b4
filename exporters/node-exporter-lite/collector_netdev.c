/* collector_netdev.c -- node_network_{receive,transmit}_*_total, as node_exporter 1.5: from rtnetlink by
 * default (its 64-bit counters, folded into the /proc/net/dev names by node_exporter's "legacy" mapping,
 * plus receive_nohandler), from <procfs>/net/dev with --no-collector.netdev.netlink; the raw names with
 * --collector.netdev.enable-detailed-metrics; node_network_address_info with --collector.netdev.address-info.
 *
 * rtnetlink is the kernel's, not a file under --path.procfs: netlink mode reads the running kernel whatever
 * the path flags say, as node_exporter does. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "node.h"
#include "parsers.h"
#include "procfile.h"
#include "rtnl.h"
#include "textutil.h"
#include "xalloc.h"

static struct {
    char *exclude, *include;              /* flag targets */
    bool netlink, address_info, detailed; /* flag targets */
} netdev;

/* The collector's own (init / release): the procfs file or the netlink sockets, the device filter. */
typedef struct netdev_state {
    procfile file;
    rtnl_sock *rtnl;
    devfilter filter;
    bool netlink, address_info, detailed;
} netdev_state;

static const flag netdev_flags[] = {
    {"collector.netdev.device-exclude", FLAG_STRING, &netdev.exclude, NULL,
     "Regexp of net devices to exclude (mutually exclusive to device-include).", 0, 0},
    {"collector.netdev.device-include", FLAG_STRING, &netdev.include, NULL,
     "Regexp of net devices to include (mutually exclusive to device-exclude).", 0, 0},
    {"collector.netdev.netlink", FLAG_BOOL, &netdev.netlink, "true",
     "Use netlink to gather stats instead of /proc/net/dev.", 0, 0},
    {"collector.netdev.address-info", FLAG_BOOL, &netdev.address_info, "false",
     "Collect address-info for every device.", 0, 0},
    {"collector.netdev.enable-detailed-metrics", FLAG_BOOL, &netdev.detailed, "false",
     "Use (incompatible) metric names that provide more detailed stats on Linux.", 0, 0},
};

static int init_netdev(void *exporter_state, void **self, char *err, size_t errlen)
{
    (void)exporter_state;
    netdev_state *st = xmalloc(sizeof *st);
    if (devfilter_setup(&st->filter, "netdev", netdev.exclude, netdev.include, err, errlen) < 0) {
        free(st);
        return -1;
    }
    st->file = (procfile)PROCFILE_INIT;
    st->rtnl = rtnl_sock_new();
    st->netlink = netdev.netlink;
    st->address_info = netdev.address_info;
    st->detailed = netdev.detailed;
    *self = st;
    return 0;
}

/* One family per key, looked up once per scrape. */
enum { MAX_KEYS = RTNL_STATS };
typedef struct dev_scrape {
    expo *w;
    netdev_state *st;
    const char *keys[MAX_KEYS];
    expo_family *fams[MAX_KEYS];
    size_t nkeys;
} dev_scrape;

static void emit(dev_scrape *s, const char *key, uint64_t v, const char *dev)
{
    size_t i = 0;
    while (i < s->nkeys && strcmp(s->keys[i], key) != 0)
        i++;
    if (i == s->nkeys) {
        if (s->nkeys == MAX_KEYS)
            return;
        char name[96], help[96];
        snprintf(name, sizeof name, "node_network_%s_total", key);
        snprintf(help, sizeof help, "Network device statistic %s.", key);
        s->keys[i] = key;
        s->fams[i] = expo_family_get(s->w, name, help, EXPO_COUNTER);
        s->nkeys++;
    }
    expo_sample(s->fams[i], (double)v, "device", dev, NULL);
}

/* node_exporter's legacy(): the netlink counters under /proc/net/dev's names, summed as the kernel sums
 * them there (net/core/net-procfs.c). */
enum {
    RXP,
    TXP,
    RXB,
    TXB,
    RXE,
    TXE,
    RXD,
    TXD,
    MC,
    COLL,
    RXLEN,
    RXOVER,
    RXCRC,
    RXFRAME,
    RXFIFO,
    RXMISS,
    TXABORT,
    TXCARRIER,
    TXFIFO,
    TXHB,
    TXWIN,
    RXCOMP,
    TXCOMP,
    RXNOH
};

static void on_link(void *arg, const rtnl_link *l)
{
    dev_scrape *s = arg;
    if (!l->has_stats || devfilter_ignored(&s->st->filter, l->name))
        return;
    const uint64_t *v = l->stats;
    if (s->st->detailed) {
        for (int i = 0; i < RTNL_STATS; i++)
            emit(s, rtnl_stat_names[i], v[i], l->name);
        return;
    }
    static const int same[] = {RXP, TXP, RXB, TXB, RXCOMP, TXCOMP, RXNOH};
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
        emit(s, rtnl_stat_names[same[i]], v[same[i]], l->name);
    emit(s, "receive_errs", v[RXE], l->name);
    emit(s, "receive_drop", v[RXD] + v[RXMISS], l->name);
    emit(s, "receive_fifo", v[RXFIFO], l->name);
    emit(s, "receive_frame", v[RXFRAME] + v[RXLEN] + v[RXOVER] + v[RXCRC], l->name);
    emit(s, "receive_multicast", v[MC], l->name);
    emit(s, "transmit_errs", v[TXE], l->name);
    emit(s, "transmit_drop", v[TXD], l->name);
    emit(s, "transmit_fifo", v[TXFIFO], l->name);
    emit(s, "transmit_colls", v[COLL], l->name);
    emit(s, "transmit_carrier", v[TXCARRIER] + v[TXABORT] + v[TXHB] + v[TXWIN], l->name);
}

static void on_dev(void *arg, const netdev_rec *d)
{
    dev_scrape *s = arg;
    if (devfilter_ignored(&s->st->filter, d->name))
        return;
    for (int i = 0; i < NETDEV_FIELDS; i++) {
        const char *key = netdev_field_names[i];
        /* procfs names these four receive_errors, ...; node_exporter's legacy() renames them unless detailed.
         */
        if (s->st->detailed) {
            static const char *const raw[][2] = {{"receive_errs", "receive_errors"},
                                                 {"receive_drop", "receive_dropped"},
                                                 {"transmit_errs", "transmit_errors"},
                                                 {"transmit_drop", "transmit_dropped"}};
            for (size_t k = 0; k < sizeof raw / sizeof raw[0]; k++)
                if (strcmp(key, raw[k][0]) == 0)
                    key = raw[k][1];
        }
        emit(s, key, d->v[i], d->name);
    }
}

static int collect_procfs(dev_scrape *s, collector_ctx *ctx)
{
    char path[4096], err[256], *text;
    if (node_path(path, sizeof path, NODE_PATHS(ctx)->procfs, "net/dev") < 0)
        return node_fail(ctx, "netdev", "path too long");
    if (procfile_read(&s->st->file, path, 16 << 20, &text, err, sizeof err) < 0)
        return node_fail(ctx, "netdev", err);
    int rc = netdev_parse(text, on_dev, s, err, sizeof err);
    return rc < 0 ? node_fail(ctx, path, err) : 0;
}

/* --collector.netdev.address-info: every address of every device (no device filter, as node_exporter). */
typedef struct names {
    struct {
        int index;
        char name[32];
    } * v;
    size_t n;
} names;

static void on_name(void *arg, const rtnl_link *l)
{
    names *ns = arg;
    void *n = realloc(ns->v, (ns->n + 1) * sizeof *ns->v);
    if (!n)
        return;
    ns->v = n;
    ns->v[ns->n].index = l->index;
    snprintf(ns->v[ns->n].name, sizeof ns->v[0].name, "%s", l->name);
    ns->n++;
}

typedef struct addr_scrape {
    expo_family *fam;
    names *ns;
} addr_scrape;

/* Go's net.IP scope tests, as node_exporter's scope(). */
static const char *addr_scope(const rtnl_addr *a)
{
    const uint8_t *b = a->addr;
    if (a->family == AF_INET) {
        if (b[0] == 127 || (b[0] == 169 && b[1] == 254) || (b[0] == 224 && b[1] == 0 && b[2] == 0))
            return "link-local";
        int bcast = b[0] == 255 && b[1] == 255 && b[2] == 255 && b[3] == 255;
        int zero = !b[0] && !b[1] && !b[2] && !b[3];
        return bcast || zero || (b[0] & 0xf0) == 0xe0 ? "" : "global";
    }
    static const uint8_t loop6[16] = {[15] = 1}, zero6[16] = {0};
    if (!memcmp(b, loop6, 16) || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) || (b[0] == 0xff && b[1] == 0x02))
        return "link-local";
    if (b[0] == 0xff && b[1] == 0x01)
        return "interface-local";
    return !memcmp(b, zero6, 16) || b[0] == 0xff ? "" : "global";
}

static void on_addr(void *arg, const rtnl_addr *a)
{
    addr_scrape *s = arg;
    const char *dev = NULL;
    for (size_t i = 0; i < s->ns->n && !dev; i++)
        if (s->ns->v[i].index == a->index)
            dev = s->ns->v[i].name;
    char ip[INET6_ADDRSTRLEN], mask[8];
    if (!dev || !inet_ntop(a->family, a->addr, ip, sizeof ip))
        return;
    snprintf(mask, sizeof mask, "%u", a->prefixlen);
    expo_sample(s->fam, 1, "device", dev, "address", ip, "netmask", mask, "scope", addr_scope(a), NULL);
}

static int collect_addresses(expo *w, collector_ctx *ctx, rtnl_sock *rtnl)
{
    char err[256];
    names ns = {0};
    rtnl_cb lcb = {.link = on_name, .arg = &ns};
    addr_scrape s = {NULL, &ns};
    rtnl_cb acb = {.addr = on_addr, .arg = &s};
    int rc = rtnl_dump(rtnl, 'l', &lcb, ctx->deadline, err, sizeof err);
    if (rc == 0) {
        s.fam = expo_family_get(w, "node_network_address_info", "node network address by device", EXPO_GAUGE);
        rc = rtnl_dump(rtnl, 'a', &acb, ctx->deadline, err, sizeof err);
    }
    free(ns.v);
    return rc < 0 ? node_fail(ctx, "netdev address-info", err) : 0;
}

static int collect_netdev(expo *w, collector_ctx *ctx)
{
    netdev_state *st = ctx->self;
    dev_scrape s = {.w = w, .st = st};
    if (st->netlink) {
        char err[256];
        rtnl_cb cb = {.link = on_link, .arg = &s};
        if (rtnl_dump(st->rtnl, 'l', &cb, ctx->deadline, err, sizeof err) < 0)
            return node_fail(ctx, "netdev", err);
    } else if (collect_procfs(&s, ctx) < 0) {
        return -1;
    }
    return st->address_info ? collect_addresses(w, ctx, st->rtnl) : 0;
}

static void release_netdev(void *self)
{
    netdev_state *st = self;
    if (!st)
        return;
    procfile_close(&st->file);
    rtnl_sock_free(st->rtnl);
    devfilter_release(&st->filter);
    free(st);
}

const collector node_collector_netdev = {
    .name = "netdev",
    .enabled_by_default = true,
    .help = "Exposes network interface statistics such as bytes transferred.",
    .collect = collect_netdev,
    .flags = netdev_flags,
    .nflags = 5,
    .init = init_netdev,
    .release = release_netdev};
