/* parsers.h -- node-exporter-lite's text parsers: kernel and /etc text in,
 * values out, no I/O, so each is unit-tested on fixtures.
 *
 * Every parser splits `text` in place (it writes NULs into it; the caller owns
 * the buffer) and calls back once per record. On malformed input it returns -1
 * with "line N: reason" in err; records before the bad line were already
 * delivered. Strings handed to callbacks live as long as `text`. */
#ifndef NEL_PARSERS_H
#define NEL_PARSERS_H

#include <stddef.h>
#include <stdint.h>

/* /proc/meminfo. `name` is node_exporter's metric suffix: "Active(anon): 5 kB"
 * gives "Active_anon_bytes" = 5120; a field without a unit keeps its name. */
typedef void (*meminfo_cb)(void *arg, const char *name, double value);
int meminfo_parse(char *text, meminfo_cb cb, void *arg, char *err, size_t errlen);

/* /proc/diskstats: major minor name and 11, 15 or 17 counters (kernel-dependent). */
enum { DISKSTATS_MAX = 17 };
typedef struct diskstats_rec {
    unsigned major, minor;
    const char *name;
    uint64_t v[DISKSTATS_MAX];
    int n; /* counters present */
} diskstats_rec;
typedef void (*diskstats_cb)(void *arg, const diskstats_rec *rec);
int diskstats_parse(char *text, diskstats_cb cb, void *arg, char *err, size_t errlen);

/* /proc/<pid>/mounts (fstab(5) format; "\040" and "\011" are unescaped in the
 * mount point, as node_exporter does). */
typedef struct mount_rec {
    const char *device, *mountpoint, *fstype, *options;
} mount_rec;
typedef void (*mounts_cb)(void *arg, const mount_rec *rec);
int mounts_parse(char *text, mounts_cb cb, void *arg, char *err, size_t errlen);
/* 1 if the comma-separated mount options contain exactly "ro". */
int mounts_has_ro(const char *options);

/* /proc/net/dev: the 16 counters in the file's order (rx: bytes packets errs
 * drop fifo frame compressed multicast; tx: bytes packets errs drop fifo colls
 * carrier compressed). */
enum { NETDEV_FIELDS = 16 };
typedef struct netdev_rec {
    const char *name;
    uint64_t v[NETDEV_FIELDS];
} netdev_rec;
typedef void (*netdev_cb)(void *arg, const netdev_rec *rec);
int netdev_parse(char *text, netdev_cb cb, void *arg, char *err, size_t errlen);
extern const char *const netdev_field_names[NETDEV_FIELDS]; /* "receive_bytes", ... */

/* os-release(5): KEY=value with shell quoting; comments and blank lines skipped. */
typedef void (*kv_cb)(void *arg, const char *key, const char *value);
int osrelease_parse(char *text, kv_cb cb, void *arg, char *err, size_t errlen);
/* The leading major[.minor] of VERSION_ID as a number ("22.04.1" -> 22.04); 0 if none. */
double osrelease_version(const char *version_id);

/* /proc/pressure/{cpu,io,memory}: the "total=" of the some and full lines (microseconds). */
typedef struct pressure_rec {
    int has_some, has_full;
    uint64_t some_total, full_total;
} pressure_rec;
int pressure_parse(char *text, pressure_rec *out, char *err, size_t errlen);

/* /proc/sys/fs/file-nr: "allocated unused maximum". */
int filenr_parse(char *text, uint64_t *allocated, uint64_t *maximum, char *err, size_t errlen);

/* /proc/net/sockstat{,6}: "TCP: inuse 6 orphan 0 ..." -> ("TCP", "inuse", 6), ...;
 * "sockets: used 23" -> ("sockets", "used", 23). */
typedef void (*sockstat_cb)(void *arg, const char *proto, const char *key, uint64_t value);
int sockstat_parse(char *text, sockstat_cb cb, void *arg, char *err, size_t errlen);

/* /proc/net/netstat and /proc/net/snmp: pairs of "Proto: names" / "Proto: values"
 * lines -> ("TcpExt", "ListenDrops", 3). Values may be negative (Tcp MaxConn). */
typedef void (*netstat_cb)(void *arg, const char *proto, const char *name, double value);
int netstat_parse(char *text, netstat_cb cb, void *arg, char *err, size_t errlen);
/* /proc/net/snmp6: "Ip6InOctets 128" -> ("Ip6", "InOctets", 128): the protocol ends at the first '6'. */
int snmp6_parse(char *text, netstat_cb cb, void *arg, char *err, size_t errlen);

/* /run/udev/data/b<major>:<minor>: the "E:KEY=value" property lines (others skipped, as a
 * property without "="; "E:=x" is an error). */
int udev_parse(char *text, kv_cb cb, void *arg, char *err, size_t errlen);

/* A kernel CPU list ("0-3,8,10-11\n", possibly empty), as in /sys/devices/system/cpu/isolated:
 * calls cb once per CPU, in order. Ranges are capped at 65536 CPUs. */
typedef void (*cpulist_cb)(void *arg, unsigned cpu);
int cpulist_parse(char *text, cpulist_cb cb, void *arg, char *err, size_t errlen);

/* /proc/vmstat: "name value" lines -> (name, value). */
typedef void (*namevalue_cb)(void *arg, const char *name, double value);
int namevalue_parse(char *text, namevalue_cb cb, void *arg, char *err, size_t errlen);

/* A file holding one unsigned number (entropy_avail, poolsize). */
int single_u64_parse(char *text, uint64_t *out, char *err, size_t errlen);

/* /proc/net/softnet_stat: one line per CPU, at least 9 hex columns; the first three
 * (processed, dropped, time_squeezed) with the line's index, as procfs 0.8 numbers them. */
typedef void (*softnet_cb)(void *arg, unsigned index, uint64_t processed, uint64_t dropped,
                           uint64_t squeezed);
int softnet_parse(char *text, softnet_cb cb, void *arg, char *err, size_t errlen);

/* /proc/net/stat/nf_conntrack: a header, then 17 hex columns per CPU; node_exporter's
 * eight statistics summed over CPUs, in conntrack_stat_names order. */
enum { CONNTRACK_STATS = 8 };
typedef struct conntrack_stat {
    uint64_t v[CONNTRACK_STATS];
    unsigned cpus;
} conntrack_stat;
extern const char *const conntrack_stat_names[CONNTRACK_STATS]; /* "found", "invalid", ... */
int conntrack_stat_parse(char *text, conntrack_stat *out, char *err, size_t errlen);

/* /proc/schedstat: the "cpuN" lines -> (N, running ns, waiting ns, timeslices). Lines
 * that do not match are skipped (as procfs does): this parser cannot fail. */
typedef void (*schedstat_cb)(void *arg, const char *cpu, uint64_t running_ns, uint64_t waiting_ns,
                             uint64_t timeslices);
void schedstat_parse(char *text, schedstat_cb cb, void *arg);

/* /proc/net/arp: once per entry with its device (the last column); the header is skipped.
 * A line with fewer than 6 columns fails the table, as in node_exporter. */
typedef void (*arp_cb)(void *arg, const char *device);
int arp_parse(char *text, arp_cb cb, void *arg, char *err, size_t errlen);

/* A trimmed sysfs attribute as Go's ParseInt(s, 0, 64) reads it ("1500", "0x1003", "-1"): 0 or -1. */
int sysattr_int64(const char *s, int64_t *out) __attribute__((warn_unused_result));

/* adjtimex(2) -> node_timex_* values, in timex_names order (see collector_timex.c). */
struct timex;
enum { TIMEX_VALUES = 17 };
extern const char *const timex_names[TIMEX_VALUES];
void timex_values(const struct timex *tx, int state, double out[TIMEX_VALUES]);

/* /proc/net/udp and udp6: tx_queue and rx_queue summed over the sockets (node_udp_queues). */
typedef struct udp_queues {
    uint64_t tx, rx, sockets;
} udp_queues;
int udp_queues_parse(char *text, udp_queues *out, char *err, size_t errlen);

/* /proc/stat as procfs 0.8 reads it: the "cpu"/"cpuN" lines in USER_HZ ticks (user nice system idle
 * iowait irq softirq steal guest guest_nice; missing trailing ones are 0) go to cb, with cpu -1 for
 * the "cpu" total; btime, intr, ctxt, processes, procs_running, procs_blocked (all required) and
 * softirq (optional: total then the 10 vectors of softirq_names) into out. */
enum { STAT_CPU_FIELDS = 10, STAT_SOFTIRQS = 10 };
typedef struct stat_rec {
    uint64_t btime, intr, ctxt, processes, running, blocked, softirq_total;
    uint64_t softirq[STAT_SOFTIRQS];
    int has_softirq;
} stat_rec;
extern const char
    *const softirq_names[STAT_SOFTIRQS]; /* "hi", "timer", ... as node_exporter's vector label */
typedef void (*stat_cpu_cb)(void *arg, int64_t cpu, const double ticks[STAT_CPU_FIELDS]);
int stat_parse(char *text, stat_rec *out, stat_cpu_cb cb, void *arg, char *err, size_t errlen);

/* /proc/loadavg: the first three fields. */
int loadavg_parse(char *text, double out[3], char *err, size_t errlen);

/* /proc/cpuinfo (x86 layout, as procfs 0.8's parseCPUInfoX86): once per processor with the fields
 * node_cpu_info labels and the raw flags and bugs lists (NULL when absent). */
typedef struct cpuinfo_rec {
    unsigned processor;
    const char *vendor, *family, *model, *model_name, *stepping, *microcode, *cache_size, *physical_id,
        *core_id, *flags, *bugs;
} cpuinfo_rec;
typedef void (*cpuinfo_cb)(void *arg, const cpuinfo_rec *rec);
int cpuinfo_parse(char *text, cpuinfo_cb cb, void *arg, char *err, size_t errlen);

#endif
