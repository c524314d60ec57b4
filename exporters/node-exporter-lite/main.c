/* main.c -- node-exporter-lite: node_exporter's host metrics (same names) at a fraction of its cost. */
#include <malloc.h>

#include "exporter.h"
#include "node.h"

/* One line per collector; all on by default, as in node_exporter. */
static const collector node_collectors[] = {
    {"cpu", true, "Exposes CPU statistics.", collect_cpu},
    {"diskstats", true, "Exposes disk I/O statistics.", collect_diskstats},
    {"entropy", true, "Exposes available entropy.", collect_entropy},
    {"filefd", true, "Exposes file descriptor statistics from /proc/sys/fs/file-nr.", collect_filefd},
    {"filesystem", true, "Exposes filesystem statistics, such as disk space used.", collect_filesystem},
    {"loadavg", true, "Exposes load average.", collect_loadavg},
    {"meminfo", true, "Exposes memory statistics.", collect_meminfo},
    {"netdev", true, "Exposes network interface statistics such as bytes transferred.", collect_netdev},
    {"netstat", true, "Exposes network statistics from /proc/net/netstat, snmp and snmp6.", collect_netstat},
    {"os", true, "Exposes the OS release info (os-release).", collect_os},
    {"pressure", true, "Exposes pressure stall statistics from /proc/pressure/.", collect_pressure},
    {"sockstat", true, "Exposes various statistics from /proc/net/sockstat.", collect_sockstat},
    {"stat", true, "Exposes various statistics from /proc/stat (boot time, forks, interrupts...).",
     collect_stat},
    {"time", true, "Exposes the current system time.", collect_time},
    {"uname", true, "Exposes system information as provided by the uname system call.", collect_uname},
    {"vmstat", true, "Exposes statistics from /proc/vmstat.", collect_vmstat},
    NODE_COLLECTORS_MORE,
};

void collectors_state_free(void)
{
    collector_cpu_free();
    collector_stat_free();
    collector_vmstat_free();
    collector_loadavg_free();
    collector_netdev_free();
    collector_filesystem_free();
    collector_netstat_free();
    collector_os_free();
    collectors_more_free();
}

static int node_start(void *state, char *err, size_t errlen)
{
    if (node_config_start(state, err, errlen) < 0) {
        node_config_stop(state);
        return -1;
    }
    return 0;
}

/* node_exporter 1.5's collectors that node-exporter-lite does not have: its users' --no-collector.X
 * flags for them carry over; --collector.X for them is an error that says so. */
static const char *const node_exporter_only[] = {"bcache",
                                                 "bonding",
                                                 "btrfs",
                                                 "buddyinfo",
                                                 "cgroups",
                                                 "cpufreq",
                                                 "dmi",
                                                 "drbd",
                                                 "drm",
                                                 "edac",
                                                 "ethtool",
                                                 "fibrechannel",
                                                 "hwmon",
                                                 "infiniband",
                                                 "interrupts",
                                                 "ipvs",
                                                 "ksmd",
                                                 "lnstat",
                                                 "logind",
                                                 "mdadm",
                                                 "meminfo_numa",
                                                 "mountstats",
                                                 "network_route",
                                                 "nfs",
                                                 "nfsd",
                                                 "ntp",
                                                 "nvme",
                                                 "perf",
                                                 "powersupplyclass",
                                                 "processes",
                                                 "qdisc",
                                                 "rapl",
                                                 "runit",
                                                 "selinux",
                                                 "slabinfo",
                                                 "supervisord",
                                                 "sysctl",
                                                 "systemd",
                                                 "tapestats",
                                                 "tcpstat",
                                                 "thermal_zone",
                                                 "wifi",
                                                 "xfs",
                                                 "zfs",
                                                 "zoneinfo",
                                                 NULL};

int main(int argc, char **argv)
{
    /* One malloc arena: each HTTP thread would otherwise get its own, and the
     * resident memory of a few idle arenas is most of what this process uses. */
    mallopt(M_ARENA_MAX, 1);
    /* Keep the heap's top between scrapes: every scrape needs it again, and giving it
     * back and faulting it in anew cost more CPU than the memory is worth. */
    mallopt(M_TRIM_THRESHOLD, 1 << 20);
    exporter_def def = {
        .name = "node-exporter-lite",
        .ns = "node",
        .description = "Host metrics under node_exporter's names, at a fraction of its cost.",
        .default_listen = ":9100",
        .default_scrape_timeout = 10,
        .flags = node_flags,
        .nflags = node_nflags,
        .collectors = node_collectors,
        .ncollectors = sizeof(node_collectors) / sizeof(node_collectors[0]),
        .foreign_collectors = node_exporter_only,
        .start = node_start,
        .stop = node_config_stop,
    };
    return exporter_main(&def, argc, argv);
}
