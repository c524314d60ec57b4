/* collector_time.c -- node_time_seconds, the time zone offset, and the kernel's clocksources. */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "node.h"
#include "readfile.h"
#include "textutil.h"

static void clocksources(expo *w)
{
    char dir[4096];
    if (node_path(dir, sizeof dir, node_cfg.sysfs, "devices/system/clocksource") < 0)
        return;
    DIR *d = opendir(dir);
    if (!d)
        return; /* node_exporter skips these quietly too */
    struct dirent *e;
    while ((e = readdir(d))) {
        unsigned n;
        char tail;
        if (sscanf(e->d_name, "clocksource%u%c", &n, &tail) != 1)
            continue;
        const char *device = e->d_name + strlen("clocksource");
        char path[4096], avail[1024], cur[256];
        if (snprintf(path, sizeof path, "%s/%s/available_clocksource", dir, e->d_name) < (int)sizeof path &&
            readfile_small(path, avail, sizeof avail) == 0) {
            char *c = avail, *name;
            while ((name = text_next_field(&c)))
                expo_sample(
                    expo_family_get(w, "node_time_clocksource_available_info",
                                    "Available clocksources read from '/sys/devices/system/clocksource'.",
                                    EXPO_GAUGE),
                    1, "clocksource", name, "device", device, NULL);
        }
        if (snprintf(path, sizeof path, "%s/%s/current_clocksource", dir, e->d_name) < (int)sizeof path &&
            readfile_small(path, cur, sizeof cur) == 0 && cur[0])
            expo_sample(expo_family_get(w, "node_time_clocksource_current_info",
                                        "Current clocksource read from '/sys/devices/system/clocksource'.",
                                        EXPO_GAUGE),
                        1, "clocksource", text_trim(cur), "device", device, NULL);
    }
    closedir(d);
}

int collect_time(expo *w, collector_ctx *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    double now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    expo_sample(
        expo_family_get(w, "node_time_seconds", "System time in seconds since epoch (1970).", EXPO_GAUGE),
        now, NULL);
    struct tm tm;
    time_t t = ts.tv_sec;
    localtime_r(&t, &tm);
    expo_sample(expo_family_get(w, "node_time_zone_offset_seconds", "System time zone offset in seconds.",
                                EXPO_GAUGE),
                (double)tm.tm_gmtoff, "time_zone", tm.tm_zone ? tm.tm_zone : "", NULL);
    clocksources(w);
    return 0;
}
