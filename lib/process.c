/* process.c -- process_* from /proc/self, as the Prometheus client libraries serve them (process.h). */
#include "process.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "readfile.h"

/* Strict unsigned decimal of [s, s+n) ending at a blank or the end; advances *s past it. */
static int next_u64(const char **s, uint64_t *out)
{
    const char *p = *s;
    while (*p == ' ')
        p++;
    if (*p < '0' || *p > '9')
        return -1;
    uint64_t v = 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    if (*p && *p != ' ' && *p != '\n')
        return -1;
    *out = v;
    *s = p;
    return 0;
}

/* Skips one blank-separated field (any text, signed numbers included). */
static int skip_field(const char **s)
{
    const char *p = *s;
    while (*p == ' ')
        p++;
    if (!*p || *p == '\n')
        return -1;
    while (*p && *p != ' ' && *p != '\n')
        p++;
    *s = p;
    return 0;
}

int process_stat_parse(const char *text, process_stat *out)
{
    /* The command name ends at the last ')': it may contain ") " itself. */
    const char *p = strrchr(text, ')');
    if (!p || !strchr(text, '('))
        return -1;
    p++;
    /* After ')': state(3) ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt (4-13),
     * utime(14) stime(15) cutime cstime priority nice num_threads itrealvalue (16-21), starttime(22),
     * vsize(23), rss(24). */
    process_stat st;
    for (int field = 3; field <= 24; field++) {
        uint64_t *dst = field == 14   ? &st.utime
                        : field == 15 ? &st.stime
                        : field == 22 ? &st.starttime
                        : field == 23 ? &st.vsize
                        : field == 24 ? &st.rss
                                      : NULL;
        if (dst ? next_u64(&p, dst) < 0 : skip_field(&p) < 0)
            return -1;
    }
    *out = st;
    return 0;
}

int process_btime_parse(const char *text, uint64_t *btime)
{
    for (const char *line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
        if (strncmp(line, "btime ", 6) == 0) {
            const char *p = line + 6;
            return next_u64(&p, btime);
        }
    }
    return -1;
}

static int open_fds(double *out)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    long n = 0;
    const struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    *out = (double)n;
    return 0;
}

static int fail(char *err, size_t errlen, const char *what)
{
    snprintf(err, errlen, "%s: %s", what, strerror(errno ? errno : EINVAL));
    return -1;
}

/* /proc/stat's btime is read once: it is the boot time, which does not move while we run. */
static uint64_t boot_time;

int process_collect(expo *w, char *err, size_t errlen)
{
    char buf[8192];
    process_stat st;
    errno = 0;
    if (readfile_buf("/proc/self/stat", buf, sizeof buf, NULL) < 0 || process_stat_parse(buf, &st) < 0)
        return fail(err, errlen, "/proc/self/stat");
    /* USER_HZ is 100 on Linux, as procfs takes it. */
    expo_sample(expo_family_get(w, "process_cpu_seconds_total",
                                "Total user and system CPU time spent in seconds.", EXPO_COUNTER),
                (double)(st.utime + st.stime) / 100.0, NULL);
    expo_sample(
        expo_family_get(w, "process_virtual_memory_bytes", "Virtual memory size in bytes.", EXPO_GAUGE),
        (double)st.vsize, NULL);
    expo_sample(
        expo_family_get(w, "process_resident_memory_bytes", "Resident memory size in bytes.", EXPO_GAUGE),
        (double)st.rss * (double)sysconf(_SC_PAGESIZE), NULL);
    if (!boot_time) {
        errno = 0;
        if (readfile_buf("/proc/stat", buf, sizeof buf, NULL) < 0 && errno != EFBIG)
            return fail(err, errlen, "/proc/stat");
        /* The btime line comes after the per-CPU lines: on a big machine it is past 8 kB. */
        char *big = NULL, why[128];
        if (errno == EFBIG && !(big = readfile("/proc/stat", 1 << 20, NULL, why, sizeof why)))
            return fail(err, errlen, "/proc/stat");
        int rc = process_btime_parse(big ? big : buf, &boot_time);
        free(big);
        if (rc < 0) {
            errno = EINVAL;
            return fail(err, errlen, "/proc/stat btime");
        }
    }
    expo_sample(expo_family_get(w, "process_start_time_seconds",
                                "Start time of the process since unix epoch in seconds.", EXPO_GAUGE),
                (double)boot_time + (double)st.starttime / 100.0, NULL);
    double fds;
    errno = 0;
    if (open_fds(&fds) < 0)
        return fail(err, errlen, "/proc/self/fd");
    expo_sample(expo_family_get(w, "process_open_fds", "Number of open file descriptors.", EXPO_GAUGE), fds,
                NULL);
    /* Our own soft limits: what /proc/self/limits prints (procfs reads it there), without formatting and
     * parsing 16 lines of text per scrape. RLIM_INFINITY is 2^64-1, as procfs has "unlimited". */
    struct rlimit nofile, as;
    if (getrlimit(RLIMIT_NOFILE, &nofile) < 0 || getrlimit(RLIMIT_AS, &as) < 0)
        return fail(err, errlen, "getrlimit");
    expo_sample(expo_family_get(w, "process_max_fds", "Maximum number of open file descriptors.", EXPO_GAUGE),
                (double)nofile.rlim_cur, NULL);
    expo_sample(expo_family_get(w, "process_virtual_memory_max_bytes",
                                "Maximum amount of virtual memory available in bytes.", EXPO_GAUGE),
                (double)as.rlim_cur, NULL);
    return 0;
}
