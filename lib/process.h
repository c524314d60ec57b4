/* process.h -- the process_* metrics every Prometheus client library serves (client_golang's process
 * collector over procfs 0.8: the reference the "Node Exporter Full" dashboard and alerts are written for),
 * for this process, from /proc/self, as one collector every exporter lists (on by default).
 *
 *   process_cpu_seconds_total          (utime + stime) / 100          /proc/self/stat
 *   process_virtual_memory_bytes       vsize                          /proc/self/stat
 *   process_resident_memory_bytes      rss * page size                /proc/self/stat
 *   process_start_time_seconds         btime + starttime / 100        /proc/stat, /proc/self/stat
 *   process_open_fds                   entries of /proc/self/fd       (the directory's own descriptor too)
 *   process_max_fds                    "Max open files" soft limit    /proc/self/limits
 *   process_virtual_memory_max_bytes   "Max address space" soft limit /proc/self/limits
 *                                      (unlimited: 2^64-1, as procfs, printed 1.8446744073709552e+19)
 *
 * Always the real /proc: the exporter's own process, not a --path.procfs tree (client_golang does the same).
 * The parsers are apart from the I/O for the unit tests and the fuzzer. */
#ifndef EXP_PROCESS_H
#define EXP_PROCESS_H

#include <stddef.h>
#include <stdint.h>

#include "collector.h"

typedef struct process_stat {
    uint64_t utime, stime, starttime; /* clock ticks (USER_HZ) */
    uint64_t vsize;                   /* bytes */
    uint64_t rss;                     /* pages */
} process_stat;

/* /proc/<pid>/stat ("pid (comm) state ..."; comm may hold blanks and parentheses): 0 or -1. */
int process_stat_parse(const char *text, process_stat *out);
/* /proc/<pid>/limits: the soft limits of "Max open files" and "Max address space" ("unlimited" is
 * UINT64_MAX, as procfs has it): 0, or -1 if either line is missing or malformed. */
int process_limits_parse(const char *text, uint64_t *max_fds, uint64_t *max_as);
/* The btime line of /proc/stat: 0 or -1. */
int process_btime_parse(const char *text, uint64_t *btime);

/* The collector: name "process", on by default. */
extern const collector process_collector;

#endif
