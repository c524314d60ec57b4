/* main.c -- node-exporter-lite: node_exporter's host metrics (same names) at a fraction of its cost. */
#include <malloc.h>

#include "exporter.h"
#include "node.h"

static node_paths paths;

static const flag node_flags[] = {
    {"path.procfs", FLAG_STRING, &paths.procfs, "/proc", "procfs mountpoint.", 0, 0},
    {"path.sysfs", FLAG_STRING, &paths.sysfs, "/sys", "sysfs mountpoint.", 0, 0},
    {"path.rootfs", FLAG_STRING, &paths.rootfs, "/", "rootfs mountpoint.", 0, 0},
    {"path.udev.data", FLAG_STRING, &paths.udev_data, "/run/udev/data", "udev data path.", 0, 0},
};

/* The table lives in collectors.def: one line per collector, all on by default as in node_exporter. */
#define COLLECTOR(symbol) extern const collector symbol;
#include "collectors.def"
#undef COLLECTOR
static const collector *const node_collectors[] = {
#define COLLECTOR(symbol) &symbol,
#include "collectors.def"
#undef COLLECTOR
};

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
        .nflags = sizeof(node_flags) / sizeof(node_flags[0]),
        .collectors = node_collectors,
        .ncollectors = sizeof(node_collectors) / sizeof(node_collectors[0]),
        .foreign_collectors = node_exporter_only,
        .state = &paths,
    };
    return exporter_main(&def, argc, argv);
}
