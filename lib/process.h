/* process.h -- the process_* metrics every Prometheus client library serves (client_golang's process
 * collector over procfs 0.8: the reference the "Node Exporter Full" dashboard and alerts are written for),
 * for this process, from /proc/self. Every exporter writes them on every scrape after its collectors, as
 * client_golang's default registry does: not a collector (node_exporter has no "process" collector, no
 * node_scrape_collector_success{collector="process"}, and --collector.disable-defaults keeps them);
 * node_exporter's --web.disable-exporter-metrics leaves them out.
 *
 *   process_cpu_seconds_total          (utime + stime) / 100          /proc/self/stat
 *   process_virtual_memory_bytes       vsize                          /proc/self/stat
 *   process_resident_memory_bytes      rss * page size                /proc/self/stat
 *   process_start_time_seconds         btime + starttime / 100        /proc/stat, /proc/self/stat
 *   process_open_fds                   entries of /proc/self/fd       (the directory's own descriptor too)
 *   process_max_fds                    RLIMIT_NOFILE soft limit       getrlimit (= /proc/self/limits)
 *   process_virtual_memory_max_bytes   RLIMIT_AS soft limit           getrlimit (= /proc/self/limits)
 *                                      (unlimited: 2^64-1, as procfs, printed 1.8446744073709552e+19)
 *
 * Always the real /proc: the exporter's own process, not a --path.procfs tree (client_golang does the same).
 * The parsers are apart from the I/O for the unit tests and the fuzzer. */
#ifndef EXP_PROCESS_H
#define EXP_PROCESS_H

#include <stddef.h>
#include <stdint.h>

#include "expo.h"

typedef struct process_stat {
    uint64_t utime, stime, starttime; /* clock ticks (USER_HZ) */
    uint64_t vsize;                   /* bytes */
    uint64_t rss;                     /* pages */
} process_stat;

/* /proc/<pid>/stat ("pid (comm) state ..."; comm may hold blanks and parentheses): 0 or -1. */
int process_stat_parse(const char *text, process_stat *out);
/* The btime line of /proc/stat: 0 or -1. */
int process_btime_parse(const char *text, uint64_t *btime);

/* Writes the seven families into w. 0, or -1 with a one-line reason in err (families written before the
 * failure stay). */
int process_collect(expo *w, char *err, size_t errlen);

#endif
