/* node.h -- node-exporter-lite's settings (from flags) and its collectors. */
#ifndef NEL_NODE_H
#define NEL_NODE_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#include "collector.h"
#include "flags.h"

/* A device filter as node_exporter's: an exclude or an include pattern, or none. */
typedef struct devfilter {
    regex_t re;
    enum { DEVFILTER_NONE, DEVFILTER_EXCLUDE, DEVFILTER_INCLUDE } mode;
} devfilter;

typedef struct node_config {
    /* Flag targets. */
    char *procfs, *sysfs, *rootfs, *udev_data;
    bool cpu_guest, cpu_info, stat_softirq;
    char *cpu_flags_include, *cpu_bugs_include;
    bool netdev_netlink, netdev_address_info, netdev_detailed;
    char *disk_exclude, *disk_include, *disk_ignored_old;
    char *fs_mp_exclude, *fs_types_exclude, *fs_mp_ignored_old, *fs_types_ignored_old;
    double fs_mount_timeout;
    char *netdev_exclude, *netdev_include;
    char *netstat_fields, *vmstat_fields;
    char *netclass_ignored, *arp_exclude, *arp_include, *textfile_dir;
    bool netclass_ignore_invalid_speed, netclass_netlink, netclass_rtnl_stats;
    /* Compiled at start. */
    devfilter disk_filter, netdev_filter;
    regex_t fs_mp_re, fs_types_re, netstat_re, vmstat_re;
    regex_t cpu_flags_re, cpu_bugs_re;
    bool cpu_flags_custom, cpu_bugs_custom; /* an include pattern was given: its regex is compiled */
    devfilter arp_filter;
    regex_t netclass_ignored_re;
    bool netclass_ignored_custom; /* not the default "^$" (which matches no device): the regex is compiled */
    unsigned compiled;            /* bits: fs_mp_re, fs_types_re, netstat_re, vmstat_re exist */
} node_config;

extern node_config node_cfg;
extern const flag node_flags[];
extern const size_t node_nflags;

/* Compiles the patterns; -1 with "bad --flag: reason" in err (exit 2). */
int node_config_start(void *state, char *err, size_t errlen);
void node_config_stop(void *state);
/* 1 if `name` is filtered out. */
int devfilter_ignored(const devfilter *f, const char *name);
/* Joins root and rel ("/proc" + "net/dev") into out; -1 if it does not fit. */
int node_path(char *out, size_t outlen, const char *root, const char *rel);
/* Writes "what: reason" into the collector's error line; returns -1. */
int node_fail(collector_ctx *ctx, const char *what, const char *reason);

int collect_cpu(expo *w, collector_ctx *ctx);
int collect_meminfo(expo *w, collector_ctx *ctx);
int collect_loadavg(expo *w, collector_ctx *ctx);
int collect_stat(expo *w, collector_ctx *ctx);
int collect_vmstat(expo *w, collector_ctx *ctx);
int collect_diskstats(expo *w, collector_ctx *ctx);
int collect_filesystem(expo *w, collector_ctx *ctx);
int collect_netdev(expo *w, collector_ctx *ctx);
int collect_uname(expo *w, collector_ctx *ctx);
int collect_os(expo *w, collector_ctx *ctx);
int collect_time(expo *w, collector_ctx *ctx);
int collect_pressure(expo *w, collector_ctx *ctx);
int collect_filefd(expo *w, collector_ctx *ctx);
int collect_sockstat(expo *w, collector_ctx *ctx);
int collect_netstat(expo *w, collector_ctx *ctx);
int collect_entropy(expo *w, collector_ctx *ctx);
int collect_arp(expo *w, collector_ctx *ctx);
int collect_conntrack(expo *w, collector_ctx *ctx);
int collect_netclass(expo *w, collector_ctx *ctx);
int collect_netclass_rtnl(expo *w, collector_ctx *ctx); /* --collector.netclass.netlink */
int collect_schedstat(expo *w, collector_ctx *ctx);
int collect_softnet(expo *w, collector_ctx *ctx);
int collect_textfile(expo *w, collector_ctx *ctx);
int collect_timex(expo *w, collector_ctx *ctx);
int collect_udp_queues(expo *w, collector_ctx *ctx);

/* The collectors node_exporter 1.5 also enables by default, for main.c's table (all on by default). */
/* clang-format off */
#define NODE_COLLECTORS_MORE                                                                                 \
    {"arp", true, "Exposes ARP statistics from /proc/net/arp.", collect_arp},                                \
    {"conntrack", true, "Shows conntrack statistics (does nothing if no /proc/sys/net/netfilter/ present).",  \
     collect_conntrack},                                                                                     \
    {"netclass", true, "Exposes network interface info from /sys/class/net/.", collect_netclass},            \
    {"schedstat", true, "Exposes task scheduler statistics from /proc/schedstat.", collect_schedstat},       \
    {"softnet", true, "Exposes statistics from /proc/net/softnet_stat.", collect_softnet},                   \
    {"textfile", true, "Exposes statistics read from local disk (--collector.textfile.directory).",          \
     collect_textfile},                                                                                      \
    {"timex", true, "Exposes selected adjtimex(2) system call stats.", collect_timex},                        \
    {"udp_queues", true, "Exposes UDP total lengths of the rx_queue and tx_queue from /proc/net/udp and "     \
     "/proc/net/udp6.", collect_udp_queues}
/* clang-format on */

/* Releases collectors' long-lived state (kept-open files, statfs workers, caches). */
void collectors_state_free(void);
void collector_cpu_free(void);
void collector_stat_free(void);
void collector_vmstat_free(void);
void collector_loadavg_free(void);
void collector_netdev_free(void);
void collector_filesystem_free(void);
void collector_netstat_free(void);
void collector_os_free(void);
/* Releases the state of the NODE_COLLECTORS_MORE collectors (open files). */
void collectors_more_free(void);

#endif
