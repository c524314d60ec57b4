/* collector_time.c -- node_time_seconds, the time zone offset, and the kernel's clocksources. */
#include <dirent.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "node.h"
#include "procfile.h"
#include "textutil.h"
#include "xalloc.h"

/* The clocksource devices (clocksource0, ...) are fixed at boot: listed once, at init, with their two
 * files kept open; only the files' contents can change. */
typedef struct clocksource_dev {
    char device[16];
    procfile available, current;
} clocksource_dev;
/* The collector's own (init / release): the devices, listed by init. */
typedef struct time_state {
    char dir[4096]; /* <sysfs>/devices/system/clocksource, or "" if that does not fit */
    clocksource_dev *devs;
    size_t ndevs;
} time_state;

static void clocksources_scan(time_state *ts)
{
    DIR *d = ts->dir[0] ? opendir(ts->dir) : NULL;
    if (!d)
        return; /* node_exporter skips these quietly too */
    struct dirent *e;
    while ((e = readdir(d))) {
        static const char prefix[] = "clocksource";
        uint64_t n;
        if (strncmp(e->d_name, prefix, sizeof prefix - 1) != 0 ||
            text_u64(e->d_name + sizeof prefix - 1, &n) < 0 || n > UINT32_MAX)
            continue;
        clocksource_dev *nd = realloc(ts->devs, (ts->ndevs + 1) * sizeof *nd);
        if (!nd)
            break;
        ts->devs = nd;
        clocksource_dev *c = &ts->devs[ts->ndevs++];
        memset(c, 0, sizeof *c);
        snprintf(c->device, sizeof c->device, "%u", (unsigned)n);
        c->available.fd = c->current.fd = -1;
    }
    closedir(d);
}

static int init_time(void *exporter_state, void **self, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    time_state *ts = xcalloc(1, sizeof *ts);
    if (node_path(ts->dir, sizeof ts->dir, ((const node_paths *)exporter_state)->sysfs,
                  "devices/system/clocksource") < 0)
        ts->dir[0] = '\0';
    clocksources_scan(ts);
    *self = ts;
    return 0;
}

static void release_time(void *self)
{
    time_state *ts = self;
    for (size_t i = 0; i < ts->ndevs; i++) {
        procfile_close(&ts->devs[i].available);
        procfile_close(&ts->devs[i].current);
    }
    free(ts->devs);
    free(ts);
}

static void clocksources(time_state *ts, expo *w)
{
    char path[4200], err[128], *text;
    for (size_t i = 0; i < ts->ndevs; i++) {
        clocksource_dev *c = &ts->devs[i];
        snprintf(path, sizeof path, "%s/clocksource%s/available_clocksource", ts->dir, c->device);
        if (procfile_read(&c->available, path, 4096, &text, err, sizeof err) == 0) {
            char *cur = text, *name;
            while ((name = text_next_field(&cur)))
                expo_sample(
                    expo_family_get(w, "node_time_clocksource_available_info",
                                    "Available clocksources read from '/sys/devices/system/clocksource'.",
                                    EXPO_GAUGE),
                    1, "clocksource", name, "device", c->device, NULL);
        }
        snprintf(path, sizeof path, "%s/clocksource%s/current_clocksource", ts->dir, c->device);
        if (procfile_read(&c->current, path, 4096, &text, err, sizeof err) == 0) {
            text = text_trim(text);
            if (*text)
                expo_sample(
                    expo_family_get(w, "node_time_clocksource_current_info",
                                    "Current clocksource read from '/sys/devices/system/clocksource'.",
                                    EXPO_GAUGE),
                    1, "clocksource", text, "device", c->device, NULL);
        }
    }
}

static int collect_time(expo *w, collector_ctx *ctx)
{
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
    clocksources(ctx->self, w);
    return 0;
}

const collector node_collector_time = {.name = "time",
                                       .enabled_by_default = true,
                                       .help = "Exposes the current system time.",
                                       .collect = collect_time,
                                       .init = init_time,
                                       .release = release_time};
