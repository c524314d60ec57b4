/* node_config.c -- node-exporter-lite's flags (node_exporter's names and defaults) and their checks. */
#include "node.h"

#include <stdio.h>
#include <string.h>

#include "goregex.h"

node_config node_cfg;

/* node_exporter 1.5's upstream defaults (Debian's build changes some; we follow upstream). */
#define DISK_EXCLUDE_DEFAULT "^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\\d+n\\d+p)\\d+$"
#define FS_MP_EXCLUDE_DEFAULT                                                                                \
    "^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)"
#define FS_TYPES_EXCLUDE_DEFAULT                                                                             \
    "^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|"   \
    "nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|sysfs|tracefs)$"
#define NETSTAT_FIELDS_DEFAULT                                                                               \
    "^(.*_(InErrors|InErrs)|Ip_Forwarding|Ip(6|Ext)_(InOctets|OutOctets)|Icmp6?_(InMsgs|OutMsgs)|"           \
    "TcpExt_(Listen.*|Syncookies.*|TCPSynRetrans|TCPTimeouts)|"                                              \
    "Tcp_(ActiveOpens|InSegs|OutSegs|OutRsts|PassiveOpens|RetransSegs|CurrEstab)|"                           \
    "Udp6?_(InDatagrams|OutDatagrams|NoPorts|RcvbufErrors|SndbufErrors))$"

#define VMSTAT_FIELDS_DEFAULT "^(oom_kill|pgpg|pswp|pg.*fault).*"
#define NETCLASS_IGNORED_DEFAULT "^$"

/* Exclude flags have no textual default: an include flag must be able to tell
 * "not given" from "given", as node_exporter's mutual-exclusion rule needs. */
const flag node_flags[] = {
    {"path.procfs", FLAG_STRING, &node_cfg.procfs, "/proc", "procfs mountpoint.", 0, 0},
    {"path.sysfs", FLAG_STRING, &node_cfg.sysfs, "/sys", "sysfs mountpoint.", 0, 0},
    {"path.rootfs", FLAG_STRING, &node_cfg.rootfs, "/", "rootfs mountpoint.", 0, 0},
    {"path.udev.data", FLAG_STRING, &node_cfg.udev_data, "/run/udev/data", "udev data path.", 0, 0},
    {"collector.cpu.guest", FLAG_BOOL, &node_cfg.cpu_guest, "true",
     "Enables metric node_cpu_guest_seconds_total.", 0, 0},
    {"collector.cpu.info", FLAG_BOOL, &node_cfg.cpu_info, "false", "Enables metric cpu_info.", 0, 0},
    {"collector.cpu.info.flags-include", FLAG_STRING, &node_cfg.cpu_flags_include, "",
     "Filter the `flags` field in cpuInfo with a value that must be a regular expression.", 0, 0},
    {"collector.cpu.info.bugs-include", FLAG_STRING, &node_cfg.cpu_bugs_include, "",
     "Filter the `bugs` field in cpuInfo with a value that must be a regular expression.", 0, 0},
    {"collector.stat.softirq", FLAG_BOOL, &node_cfg.stat_softirq, "false", "Export softirq calls per vector.",
     0, 0},
    {"collector.diskstats.device-exclude", FLAG_STRING, &node_cfg.disk_exclude, NULL,
     "Regexp of diskstats devices to exclude (mutually exclusive to device-include). "
     "Default: " DISK_EXCLUDE_DEFAULT,
     0, 0},
    {"collector.diskstats.device-include", FLAG_STRING, &node_cfg.disk_include, NULL,
     "Regexp of diskstats devices to include (mutually exclusive to device-exclude).", 0, 0},
    {"collector.diskstats.ignored-devices", FLAG_STRING, &node_cfg.disk_ignored_old, NULL,
     "DEPRECATED: use --collector.diskstats.device-exclude.", 0, 0},
    {"collector.filesystem.mount-points-exclude", FLAG_STRING, &node_cfg.fs_mp_exclude, NULL,
     "Regexp of mount points to exclude for filesystem collector. Default: " FS_MP_EXCLUDE_DEFAULT, 0, 0},
    {"collector.filesystem.ignored-mount-points", FLAG_STRING, &node_cfg.fs_mp_ignored_old, NULL,
     "DEPRECATED: use --collector.filesystem.mount-points-exclude.", 0, 0},
    {"collector.filesystem.fs-types-exclude", FLAG_STRING, &node_cfg.fs_types_exclude, NULL,
     "Regexp of filesystem types to exclude for filesystem collector. Default: " FS_TYPES_EXCLUDE_DEFAULT, 0,
     0},
    {"collector.filesystem.ignored-fs-types", FLAG_STRING, &node_cfg.fs_types_ignored_old, NULL,
     "DEPRECATED: use --collector.filesystem.fs-types-exclude.", 0, 0},
    {"collector.filesystem.mount-timeout", FLAG_DURATION, &node_cfg.fs_mount_timeout, "5s",
     "How long to wait for a mount to respond before marking it as stale.", 0, 0},
    {"collector.netdev.device-exclude", FLAG_STRING, &node_cfg.netdev_exclude, NULL,
     "Regexp of net devices to exclude (mutually exclusive to device-include).", 0, 0},
    {"collector.netdev.device-include", FLAG_STRING, &node_cfg.netdev_include, NULL,
     "Regexp of net devices to include (mutually exclusive to device-exclude).", 0, 0},
    {"collector.netdev.netlink", FLAG_BOOL, &node_cfg.netdev_netlink, "true",
     "Use netlink to gather stats instead of /proc/net/dev.", 0, 0},
    {"collector.netdev.address-info", FLAG_BOOL, &node_cfg.netdev_address_info, "false",
     "Collect address-info for every device.", 0, 0},
    {"collector.netdev.enable-detailed-metrics", FLAG_BOOL, &node_cfg.netdev_detailed, "false",
     "Use (incompatible) metric names that provide more detailed stats on Linux.", 0, 0},
    {"collector.netstat.fields", FLAG_STRING, &node_cfg.netstat_fields, NETSTAT_FIELDS_DEFAULT,
     "Regexp of fields to return for netstat collector.", 0, 0},
    {"collector.vmstat.fields", FLAG_STRING, &node_cfg.vmstat_fields, VMSTAT_FIELDS_DEFAULT,
     "Regexp of fields to return for vmstat collector.", 0, 0},
    {"collector.netclass.ignored-devices", FLAG_STRING, &node_cfg.netclass_ignored, NETCLASS_IGNORED_DEFAULT,
     "Regexp of net devices to ignore for netclass collector.", 0, 0},
    {"collector.netclass.ignore-invalid-speed", FLAG_BOOL, &node_cfg.netclass_ignore_invalid_speed, "false",
     "Ignore devices where the speed is invalid. This will be the default behavior in 2.x.", 0, 0},
    {"collector.netclass.netlink", FLAG_BOOL, &node_cfg.netclass_netlink, "false",
     "Use netlink to gather stats instead of /proc/net/dev.", 0, 0},
    {"collector.netclass_rtnl.with-stats", FLAG_BOOL, &node_cfg.netclass_rtnl_stats, "false",
     "Expose the statistics for each network device, replacing netdev collector.", 0, 0},
    {"collector.arp.device-include", FLAG_STRING, &node_cfg.arp_include, NULL,
     "Regexp of arp devices to include (mutually exclusive to device-exclude).", 0, 0},
    {"collector.arp.device-exclude", FLAG_STRING, &node_cfg.arp_exclude, NULL,
     "Regexp of arp devices to exclude (mutually exclusive to device-include).", 0, 0},
    {"collector.textfile.directory", FLAG_STRING, &node_cfg.textfile_dir, "",
     "Directory to read text files with metrics from.", 0, 0},
};
const size_t node_nflags = sizeof(node_flags) / sizeof(node_flags[0]);

static int compile(regex_t *re, const char *flagname, const char *pattern, char *err, size_t errlen)
{
    char why[256];
    if (goregex_compile(re, pattern, why, sizeof why) < 0) {
        snprintf(err, errlen, "bad --%s \"%s\": %s", flagname, pattern, why);
        return -1;
    }
    return 0;
}

/* An empty pattern means no filter, as node_exporter's device filter has it. */
static int devfilter_setup(devfilter *f, const char *what, const char *exclude, const char *include,
                           char *err, size_t errlen)
{
    char name[128];
    f->mode = DEVFILTER_NONE;
    if (exclude && *exclude && include && *include) {
        snprintf(err, errlen,
                 "--collector.%s.device-exclude and --collector.%s.device-include are mutually "
                 "exclusive",
                 what, what);
        return -1;
    }
    if (include && *include) {
        snprintf(name, sizeof name, "collector.%s.device-include", what);
        if (compile(&f->re, name, include, err, errlen) < 0)
            return -1;
        f->mode = DEVFILTER_INCLUDE;
    }
    if (exclude && *exclude) {
        snprintf(name, sizeof name, "collector.%s.device-exclude", what);
        if (compile(&f->re, name, exclude, err, errlen) < 0)
            return -1;
        f->mode = DEVFILTER_EXCLUDE;
    }
    return 0;
}

static const char *pick_old(const char *now, const char *old, const char *newname, const char *oldname,
                            char *err, size_t errlen, int *bad)
{
    if (old && now) {
        snprintf(err, errlen, "--%s is deprecated and --%s was given too: use only --%s", oldname, newname,
                 newname);
        *bad = 1;
    }
    return old ? old : now;
}

int node_config_start(void *state, char *err, size_t errlen)
{
    (void)state;
    int bad = 0;
    const char *disk_ex =
        pick_old(node_cfg.disk_exclude, node_cfg.disk_ignored_old, "collector.diskstats.device-exclude",
                 "collector.diskstats.ignored-devices", err, errlen, &bad);
    const char *mp_ex = pick_old(node_cfg.fs_mp_exclude, node_cfg.fs_mp_ignored_old,
                                 "collector.filesystem.mount-points-exclude",
                                 "collector.filesystem.ignored-mount-points", err, errlen, &bad);
    const char *types_ex = pick_old(node_cfg.fs_types_exclude, node_cfg.fs_types_ignored_old,
                                    "collector.filesystem.fs-types-exclude",
                                    "collector.filesystem.ignored-fs-types", err, errlen, &bad);
    if (bad)
        return -1;
    if (!disk_ex && !(node_cfg.disk_include && *node_cfg.disk_include))
        disk_ex = DISK_EXCLUDE_DEFAULT;
    if (node_cfg.fs_mount_timeout <= 0) {
        snprintf(err, errlen, "bad --collector.filesystem.mount-timeout: must be above zero");
        return -1;
    }
    if (devfilter_setup(&node_cfg.disk_filter, "diskstats", disk_ex, node_cfg.disk_include, err, errlen) <
            0 ||
        devfilter_setup(&node_cfg.netdev_filter, "netdev", node_cfg.netdev_exclude, node_cfg.netdev_include,
                        err, errlen) < 0 ||
        compile(&node_cfg.fs_mp_re, "collector.filesystem.mount-points-exclude",
                mp_ex ? mp_ex : FS_MP_EXCLUDE_DEFAULT, err, errlen) < 0)
        return -1;
    node_cfg.compiled |= 1;
    if (compile(&node_cfg.fs_types_re, "collector.filesystem.fs-types-exclude",
                types_ex ? types_ex : FS_TYPES_EXCLUDE_DEFAULT, err, errlen) < 0)
        return -1;
    node_cfg.compiled |= 2;
    if (compile(&node_cfg.netstat_re, "collector.netstat.fields", node_cfg.netstat_fields, err, errlen) < 0)
        return -1;
    node_cfg.compiled |= 4;
    if (compile(&node_cfg.vmstat_re, "collector.vmstat.fields", node_cfg.vmstat_fields, err, errlen) < 0)
        return -1;
    node_cfg.compiled |= 8;
    /* As node_exporter: an include pattern turns --collector.cpu.info on. */
    if (*node_cfg.cpu_flags_include) {
        if (compile(&node_cfg.cpu_flags_re, "collector.cpu.info.flags-include", node_cfg.cpu_flags_include,
                    err, errlen) < 0)
            return -1;
        node_cfg.cpu_flags_custom = node_cfg.cpu_info = true;
    }
    if (*node_cfg.cpu_bugs_include) {
        if (compile(&node_cfg.cpu_bugs_re, "collector.cpu.info.bugs-include", node_cfg.cpu_bugs_include, err,
                    errlen) < 0)
            return -1;
        node_cfg.cpu_bugs_custom = node_cfg.cpu_info = true;
    }
    if (devfilter_setup(&node_cfg.arp_filter, "arp", node_cfg.arp_exclude, node_cfg.arp_include, err,
                        errlen) < 0)
        return -1;
    node_cfg.netclass_ignored_custom = strcmp(node_cfg.netclass_ignored, NETCLASS_IGNORED_DEFAULT) != 0;
    if (node_cfg.netclass_ignored_custom) {
        if (compile(&node_cfg.netclass_ignored_re, "collector.netclass.ignored-devices",
                    node_cfg.netclass_ignored, err, errlen) < 0) {
            node_cfg.netclass_ignored_custom = false;
            return -1;
        }
        node_cfg.compiled |= 16;
    }
    return 0;
}

void node_config_stop(void *state)
{
    (void)state;
    collectors_state_free();
    if (node_cfg.disk_filter.mode != DEVFILTER_NONE)
        regfree(&node_cfg.disk_filter.re);
    if (node_cfg.netdev_filter.mode != DEVFILTER_NONE)
        regfree(&node_cfg.netdev_filter.re);
    node_cfg.disk_filter.mode = node_cfg.netdev_filter.mode = DEVFILTER_NONE;
    if (node_cfg.compiled & 1)
        regfree(&node_cfg.fs_mp_re);
    if (node_cfg.compiled & 2)
        regfree(&node_cfg.fs_types_re);
    if (node_cfg.compiled & 4)
        regfree(&node_cfg.netstat_re);
    if (node_cfg.compiled & 8)
        regfree(&node_cfg.vmstat_re);
    if (node_cfg.compiled & 16)
        regfree(&node_cfg.netclass_ignored_re);
    if (node_cfg.cpu_flags_custom)
        regfree(&node_cfg.cpu_flags_re);
    if (node_cfg.cpu_bugs_custom)
        regfree(&node_cfg.cpu_bugs_re);
    node_cfg.cpu_flags_custom = node_cfg.cpu_bugs_custom = false;
    if (node_cfg.arp_filter.mode != DEVFILTER_NONE)
        regfree(&node_cfg.arp_filter.re);
    node_cfg.arp_filter.mode = DEVFILTER_NONE;
    node_cfg.compiled = 0;
}

int devfilter_ignored(const devfilter *f, const char *name)
{
    switch (f->mode) {
    case DEVFILTER_EXCLUDE:
        return goregex_match(&f->re, name);
    case DEVFILTER_INCLUDE:
        return !goregex_match(&f->re, name);
    default:
        return 0;
    }
}

int node_path(char *out, size_t outlen, const char *root, const char *rel)
{
    size_t rl = strlen(root);
    const char *sep = rl && root[rl - 1] == '/' ? "" : "/";
    int n = snprintf(out, outlen, "%s%s%s", root, sep, rel);
    return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

int node_fail(collector_ctx *ctx, const char *what, const char *reason)
{
    snprintf(ctx->err, ctx->errlen, "%s: %s", what, reason);
    return -1;
}
