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
    bool cpu_guest;
    char *disk_exclude, *disk_include, *disk_ignored_old;
    char *fs_mp_exclude, *fs_types_exclude, *fs_mp_ignored_old, *fs_types_ignored_old;
    double fs_mount_timeout;
    char *netdev_exclude, *netdev_include;
    char *netstat_fields, *vmstat_fields;
    /* Compiled at start. */
    devfilter disk_filter, netdev_filter;
    regex_t fs_mp_re, fs_types_re, netstat_re, vmstat_re;
    bool vmstat_custom; /* --collector.vmstat.fields differs from the default: vmstat_re is compiled */
    unsigned compiled;  /* bits: fs_mp_re, fs_types_re, netstat_re, vmstat_re exist */
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
/* Releases collectors' long-lived state (libproc2 handles, statfs workers, caches). */
void collectors_state_free(void);
void collector_cpu_free(void);
void collector_stat_free(void);
void collector_vmstat_free(void);
void collector_filesystem_free(void);
void collector_netstat_free(void);
void collector_os_free(void);

#endif
