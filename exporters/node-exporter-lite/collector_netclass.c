/* collector_netclass.c -- node_network_{up,info,mtu_bytes,speed_bytes,...}: /sys/class/net attributes.
 *
 * As procfs's sysfs.NetClassByIface: each attribute is one read of at most 128 bytes, trimmed; a
 * file that is absent or answers EACCES, EINVAL or EOPNOTSUPP (a down link's speed) is left out,
 * any other error fails the collector. The attribute files stay open between scrapes (sysfs
 * regenerates them on a read at offset 0), which saves 22 opens per device per scrape. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "node.h"
#include "parsers.h"
#include "goregex.h"
#include "rtnl.h"
#include "textutil.h"
#include "xalloc.h"

/* The numeric attributes, in node_exporter's order, then the five strings of node_network_info. */
#define ATTR(file, metric, counter)                                                                          \
    {                                                                                                        \
        file, "node_network_" metric, "Network device property: " metric, counter                            \
    }
static const struct {
    const char *file, *name, *help;
    int counter;
} num_attrs[] = {
    ATTR("addr_assign_type", "address_assign_type", 0),
    ATTR("carrier", "carrier", 0),
    ATTR("carrier_changes", "carrier_changes_total", 1),
    ATTR("carrier_up_count", "carrier_up_changes_total", 1),
    ATTR("carrier_down_count", "carrier_down_changes_total", 1),
    ATTR("dev_id", "device_id", 0),
    ATTR("dormant", "dormant", 0),
    ATTR("flags", "flags", 0),
    ATTR("ifindex", "iface_id", 0),
    ATTR("iflink", "iface_link", 0),
    ATTR("link_mode", "iface_link_mode", 0),
    ATTR("mtu", "mtu_bytes", 0),
    ATTR("name_assign_type", "name_assign_type", 0),
    ATTR("netdev_group", "net_dev_group", 0),
    ATTR("speed", "speed_bytes", 0),
    ATTR("tx_queue_len", "transmit_queue_length", 0),
    ATTR("type", "protocol_type", 0),
};
#undef ATTR
enum { NUM_ATTRS = sizeof num_attrs / sizeof num_attrs[0], SPEED = 14 };
static const char *const str_attrs[] = {"address", "broadcast", "duplex", "operstate", "ifalias"};
enum { STR_ATTRS = sizeof str_attrs / sizeof str_attrs[0], NC_FILES = NUM_ATTRS + STR_ATTRS };
enum { FD_UNOPENED = -1, FD_ABSENT = -2 };

typedef struct nc_dev {
    char name[64];
    int fd[NC_FILES];
    int seen;
} nc_dev;

static struct {
    char *ignored;                                  /* flag targets */
    bool ignore_invalid_speed, netlink, rtnl_stats; /* flag targets */
} nc;

/* The collector's own (init / release): the devices with their open files, or the netlink sockets. */
typedef struct netclass_state {
    nc_dev *devs;
    size_t ndevs, capdevs;
    rtnl_sock *rtnl; /* with --collector.netclass.netlink */
    regex_t ignored_re;
    bool ignored_custom; /* not the default "^$" (which matches no device): the regex is compiled */
    bool ignore_invalid_speed, rtnl_stats;
} netclass_state;

#define NETCLASS_IGNORED_DEFAULT "^$"

static const flag netclass_flags[] = {
    {"collector.netclass.ignored-devices", FLAG_STRING, &nc.ignored, NETCLASS_IGNORED_DEFAULT,
     "Regexp of net devices to ignore for netclass collector.", 0, 0},
    {"collector.netclass.ignore-invalid-speed", FLAG_BOOL, &nc.ignore_invalid_speed, "false",
     "Ignore devices where the speed is invalid. This will be the default behavior in 2.x.", 0, 0},
    {"collector.netclass.netlink", FLAG_BOOL, &nc.netlink, "false",
     "Use netlink to gather stats instead of /proc/net/dev.", 0, 0},
    {"collector.netclass_rtnl.with-stats", FLAG_BOOL, &nc.rtnl_stats, "false",
     "Expose the statistics for each network device, replacing netdev collector.", 0, 0},
};

static int init_netclass(void *exporter_state, void **self, char *err, size_t errlen)
{
    (void)exporter_state;
    netclass_state *st = xcalloc(1, sizeof *st);
    if (strcmp(nc.ignored, NETCLASS_IGNORED_DEFAULT) != 0) {
        if (node_regex_flag(&st->ignored_re, "collector.netclass.ignored-devices", nc.ignored, err, errlen) <
            0) {
            free(st);
            return -1;
        }
        st->ignored_custom = true;
    }
    st->rtnl = nc.netlink ? rtnl_sock_new() : NULL;
    st->ignore_invalid_speed = nc.ignore_invalid_speed;
    st->rtnl_stats = nc.rtnl_stats;
    *self = st;
    return 0;
}

static void dev_close(nc_dev *d)
{
    for (int i = 0; i < NC_FILES; i++)
        if (d->fd[i] >= 0)
            close(d->fd[i]);
}

static nc_dev *dev_get(netclass_state *st, const char *name)
{
    for (size_t i = 0; i < st->ndevs; i++)
        if (strcmp(st->devs[i].name, name) == 0)
            return &st->devs[i];
    if (st->ndevs == st->capdevs) {
        size_t ncap = st->capdevs ? st->capdevs * 2 : 8;
        nc_dev *n = realloc(st->devs, ncap * sizeof *n);
        if (!n)
            return NULL;
        st->devs = n;
        st->capdevs = ncap;
    }
    nc_dev *d = &st->devs[st->ndevs++];
    snprintf(d->name, sizeof d->name, "%s", name);
    for (int i = 0; i < NC_FILES; i++)
        d->fd[i] = FD_UNOPENED;
    return d;
}

static int skippable(int e)
{
    return e == ENOENT || e == EACCES || e == EINVAL || e == EOPNOTSUPP;
}

/* Reads attribute i of d into out (trimmed). 1 if read, 0 if left out, -1 on a real error (errno). */
static int attr_read(nc_dev *d, const char *dir, int i, const char *file, char *out, size_t outlen,
                     char **value)
{
    char path[4096];
    if (d->fd[i] == FD_ABSENT)
        return 0;
    for (int attempt = 0; attempt < 2; attempt++) {
        if (d->fd[i] < 0) {
            if (snprintf(path, sizeof path, "%s/%s/%s", dir, d->name, file) >= (int)sizeof path) {
                errno = ENAMETOOLONG;
                return -1;
            }
            d->fd[i] = open(path, O_RDONLY | O_CLOEXEC);
            if (d->fd[i] < 0) {
                int e = errno;
                d->fd[i] = e == ENOENT ? FD_ABSENT : FD_UNOPENED;
                errno = e;
                return skippable(e) ? 0 : -1;
            }
        }
        ssize_t n = pread(d->fd[i], out, outlen - 1, 0);
        if (n >= 0) {
            out[n] = '\0';
            *value = text_trim(out);
            return 1;
        }
        int e = errno;
        if (e == EINVAL || e == EOPNOTSUPP)
            return 0; /* the attribute has no value in this state */
        /* Another error may be a stale descriptor (the device was re-created): reopen once. */
        close(d->fd[i]);
        d->fd[i] = FD_UNOPENED;
        errno = e;
        if (attempt == 1)
            return skippable(e) ? 0 : -1;
    }
    return 0;
}

static int dev_ignored(const netclass_state *st, const char *name)
{
    /* The default "^$" cannot match a device name: no regexec per device then. */
    return st->ignored_custom && goregex_match(&st->ignored_re, name);
}

static int collect_dev(expo *w, expo_family **fams, nc_dev *d, const char *dir, collector_ctx *ctx)
{
    const netclass_state *st = ctx->self;
    char bufs[NC_FILES][128], *vals[NC_FILES];
    for (int i = 0; i < NC_FILES; i++) {
        const char *file = i < NUM_ATTRS ? num_attrs[i].file : str_attrs[i - NUM_ATTRS];
        vals[i] = NULL;
        if (attr_read(d, dir, i, file, bufs[i], sizeof bufs[i], &vals[i]) < 0) {
            char what[128];
            int e = errno;
            if (snprintf(what, sizeof what, "netclass %s/%s", d->name, file) >= (int)sizeof what)
                what[sizeof what - 1] = '\0';
            return node_fail(ctx, what, strerror(e));
        }
    }
    const char *s[STR_ATTRS];
    for (int i = 0; i < STR_ATTRS; i++)
        s[i] = vals[NUM_ATTRS + i] ? vals[NUM_ATTRS + i] : "";
    const char *operstate = s[3];
    expo_sample(
        expo_family_get(w, "node_network_up", "Value is 1 if operstate is 'up', 0 otherwise.", EXPO_GAUGE),
        strcmp(operstate, "up") == 0 ? 1 : 0, "device", d->name, NULL);
    expo_sample(expo_family_get(w, "node_network_info",
                                "Non-numeric data from /sys/class/net/<iface>, value is always 1.",
                                EXPO_GAUGE),
                1, "device", d->name, "address", s[0], "broadcast", s[1], "duplex", s[2], "operstate", s[3],
                "ifalias", s[4], NULL);
    for (int i = 0; i < NUM_ATTRS; i++) {
        int64_t v;
        /* An unparsable number is left out, as procfs's ValueParser leaves it nil. */
        if (!vals[i] || sysattr_int64(vals[i], &v) < 0)
            continue;
        if (i == SPEED) {
            if (v < 0 && st->ignore_invalid_speed)
                continue;
            v = v * 1000 * 1000 / 8; /* Mb/s to bytes/s, in integers as node_exporter */
        }
        if (!fams[i]) /* looked up once per scrape */
            fams[i] = expo_family_get(w, num_attrs[i].name, num_attrs[i].help,
                                      num_attrs[i].counter ? EXPO_COUNTER : EXPO_GAUGE);
        expo_sample(fams[i], (double)v, "device", d->name, NULL);
    }
    return 0;
}

static int collect_netclass(expo *w, collector_ctx *ctx)
{
    netclass_state *st = ctx->self;
    if (st->rtnl)
        return netclass_rtnl_collect(w, ctx, st->rtnl, st->ignored_custom ? &st->ignored_re : NULL,
                                     st->rtnl_stats);
    char dir[4096];
    if (node_path(dir, sizeof dir, NODE_PATHS(ctx)->sysfs, "class/net") < 0)
        return node_fail(ctx, "netclass", "path too long");
    DIR *dh = opendir(dir);
    if (!dh)
        return node_fail(ctx, dir, errno == ENOENT || errno == EACCES ? "no data" : strerror(errno));
    for (size_t i = 0; i < st->ndevs; i++)
        st->devs[i].seen = 0;
    int rc = 0;
    expo_family *fams[NUM_ATTRS] = {0};
    struct dirent *e;
    while (rc == 0 && (e = readdir(dh))) {
        if (e->d_name[0] == '.' || e->d_type == DT_REG || strlen(e->d_name) >= sizeof st->devs[0].name ||
            dev_ignored(st, e->d_name))
            continue;
        nc_dev *d = dev_get(st, e->d_name);
        if (!d) {
            rc = node_fail(ctx, "netclass", "out of memory");
            break;
        }
        d->seen = 1;
        rc = collect_dev(w, fams, d, dir, ctx);
    }
    closedir(dh);
    /* Devices that went away: close their files. */
    for (size_t i = 0; i < st->ndevs;) {
        if (st->devs[i].seen || rc < 0) {
            i++;
            continue;
        }
        dev_close(&st->devs[i]);
        st->devs[i] = st->devs[--st->ndevs];
    }
    return rc;
}

static void release_netclass(void *self)
{
    netclass_state *st = self;
    if (!st)
        return;
    for (size_t i = 0; i < st->ndevs; i++)
        dev_close(&st->devs[i]);
    free(st->devs);
    rtnl_sock_free(st->rtnl);
    if (st->ignored_custom)
        regfree(&st->ignored_re);
    free(st);
}

const collector node_collector_netclass = {.name = "netclass",
                                           .enabled_by_default = true,
                                           .help = "Exposes network interface info from /sys/class/net/.",
                                           .collect = collect_netclass,
                                           .flags = netclass_flags,
                                           .nflags = 4,
                                           .init = init_netclass,
                                           .release = release_netclass};
