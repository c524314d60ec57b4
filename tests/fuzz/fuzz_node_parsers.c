/* fuzz_node_parsers.c -- libFuzzer target: node-exporter-lite's parsers of free-form kernel text (the first
 * byte picks the parser, the rest is the file), its rtnetlink message walker, and lib/process's /proc/self
 * parsers. Each must answer 0 or -1 on any input, and hand its callbacks only what it promises. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parsers.h"
#include "process.h"
#include "rtnl.h"

#define MUST(c)                                                                                              \
    do {                                                                                                     \
        if (!(c))                                                                                            \
            __builtin_trap();                                                                                \
    } while (0)

static void on_num_cb(void *a, const char *n, double v)
{
    (void)a;
    (void)v;
    MUST(n); /* may be empty: meminfo's "):" is a field named "" (node_memory_), as in node_exporter */
}
static void on_kv_cb(void *a, const char *k, const char *v)
{
    (void)a;
    MUST(k && v);
}
static void on_disk_cb(void *a, const diskstats_rec *r)
{
    (void)a;
    MUST(r->n >= 11 && r->n <= DISKSTATS_MAX && r->name);
}
static void on_mount_cb(void *a, const mount_rec *r)
{
    (void)a;
    MUST(r->device && r->mountpoint && r->fstype && r->options);
}
static void on_dev_cb(void *a, const netdev_rec *r)
{
    (void)a;
    MUST(r->name && *r->name);
}
static void on_sock_cb(void *a, const char *p, const char *k, uint64_t v)
{
    (void)a;
    (void)v;
    MUST(p && k);
}
static void on_net_cb(void *a, const char *p, const char *n, double v)
{
    (void)a;
    (void)v;
    MUST(p && n);
}
static void on_cpu_cb(void *a, unsigned cpu)
{
    (void)a;
    MUST(cpu < 65536);
}
static void on_stat_cb(void *a, int64_t cpu, const double v[STAT_CPU_FIELDS])
{
    (void)a;
    (void)v;
    MUST(cpu >= -1 && cpu < 65536);
}
static void on_info_cb(void *a, const cpuinfo_rec *r)
{
    (void)a;
    MUST(!r->flags || strlen(r->flags) < (1u << 20));
}
static void on_softnet_cb(void *a, unsigned i, uint64_t p, uint64_t d, uint64_t s)
{
    (void)a, (void)i, (void)p, (void)d, (void)s;
}
static void on_sched_cb(void *a, const char *cpu, uint64_t r, uint64_t w, uint64_t t)
{
    (void)a, (void)r, (void)w, (void)t;
    MUST(cpu && *cpu);
}
static void on_arp_cb(void *a, const char *dev)
{
    (void)a;
    MUST(dev);
}
static void on_link_cb(void *a, const rtnl_link *l)
{
    (void)a;
    MUST(l->name && strlen(l->name) < 65536);
}
static void on_addr_cb(void *a, const rtnl_addr *r)
{
    (void)a;
    MUST(r->family == 2 || r->family == 10);
}

static void on_mode_cb(void *a, const ethtool_linkmode *m)
{
    (void)a;
    MUST(m->name && (m->duplex <= 1 || m->duplex == 0xff || m->has_duplex));
}

static int run(unsigned which, char *t, size_t n)
{
    char err[128];
    pressure_rec pr;
    conntrack_stat cs;
    udp_queues uq;
    stat_rec st;
    process_stat ps;
    double l[3];
    uint64_t a, b;
    int done = 0;
    rtnl_cb rc = {on_link_cb, on_addr_cb, NULL, NULL};
    switch (which % 22) {
    case 0:
        return meminfo_parse(t, on_num_cb, NULL, err, sizeof err);
    case 1:
        return diskstats_parse(t, on_disk_cb, NULL, err, sizeof err);
    case 2:
        return mounts_parse(t, on_mount_cb, NULL, err, sizeof err);
    case 3:
        return netdev_parse(t, on_dev_cb, NULL, err, sizeof err);
    case 4:
        return osrelease_parse(t, on_kv_cb, NULL, err, sizeof err);
    case 5:
        return pressure_parse(t, &pr, err, sizeof err);
    case 6:
        return filenr_parse(t, &a, &b, err, sizeof err);
    case 7:
        return sockstat_parse(t, on_sock_cb, NULL, err, sizeof err);
    case 8:
        return netstat_parse(t, on_net_cb, NULL, err, sizeof err);
    case 9:
        return snmp6_parse(t, on_net_cb, NULL, err, sizeof err);
    case 10:
        return udev_parse(t, on_kv_cb, NULL, err, sizeof err);
    case 11:
        return cpulist_parse(t, on_cpu_cb, NULL, err, sizeof err);
    case 12:
        return namevalue_parse(t, on_num_cb, NULL, err, sizeof err);
    case 13:
        return softnet_parse(t, on_softnet_cb, NULL, err, sizeof err);
    case 14:
        return conntrack_stat_parse(t, &cs, err, sizeof err);
    case 15:
        schedstat_parse(t, on_sched_cb, NULL);
        return 0;
    case 16:
        return arp_parse(t, on_arp_cb, NULL, err, sizeof err) | udp_queues_parse(t, &uq, err, sizeof err);
    case 17:
        return stat_parse(t, &st, on_stat_cb, NULL, err, sizeof err);
    case 18:
        return loadavg_parse(t, l, err, sizeof err);
    case 19:
        return cpuinfo_parse(t, on_info_cb, NULL, err, sizeof err);
    case 20:
        if (n && (t[0] & 1)) { /* ethtool's genetlink replies: link modes, or a family id */
            uint16_t family = 0;
            rtnl_cb ec = {NULL, NULL, &family, (t[0] & 2) ? on_mode_cb : NULL};
            return ethtool_parse(t, n, &ec, &done, err, sizeof err);
        }
        return rtnl_parse(t, n, &rc, &done, err, sizeof err);
    default:
        return process_stat_parse(t, &ps) | process_btime_parse(t, &a);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    /* malloc'd (aligned, as the kernel's netlink buffers are) and NUL-terminated, as the readers give it. */
    char *text = malloc(size);
    if (!text)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    int rc = run(data[0], text, size - 1);
    MUST(rc == 0 || rc == -1);
    free(text);
    return 0;
}
