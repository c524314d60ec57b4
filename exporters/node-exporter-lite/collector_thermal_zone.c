/* collector_thermal_zone.c -- node_thermal_zone_temp{zone,type} and
 * node_cooling_device_{cur,max}_state{name,type} from <sysfs>/class/thermal, as node_exporter 1.5's
 * thermal_zone collector (procfs's ClassThermalZoneStats and ClassCoolingDeviceStats): a zone whose mode is
 * "disabled", or whose type, policy or temp cannot be read, is left out; a number that does not parse fails
 * the collector. No zones (a VM) is no samples, and success. */
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node.h"
#include "parse.h"
#include "readfile.h"
#include "textutil.h"

/* Reads <dir>/<file> trimmed into out: 0, or -1 with errno set. */
static int attr(const char *dir, const char *file, char *out, size_t outlen)
{
    char path[4400];
    if (snprintf(path, sizeof path, "%s/%s", dir, file) >= (int)sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    if (readfile_buf(path, out, outlen, NULL) < 0)
        return -1;
    char *t = text_trim(out); /* as procfs's SysReadFile */
    memmove(out, t, strlen(t) + 1);
    return 0;
}

/* The directories matching <sysfs>/class/thermal/<prefix>[0-9]*, sorted; 0 or -1 (path too long). */
static int find(const collector_ctx *ctx, const char *prefix, glob_t *g)
{
    char rel[64], pattern[4096];
    snprintf(rel, sizeof rel, "class/thermal/%s[0-9]*", prefix);
    memset(g, 0, sizeof *g);
    if (node_path(pattern, sizeof pattern, NODE_PATHS(ctx)->sysfs, rel) < 0)
        return -1;
    int rc = glob(pattern, 0, NULL, g);
    return rc == 0 || rc == GLOB_NOMATCH ? 0 : -1;
}

/* One zone or cooling device as read: every required attribute, parsed. */
typedef struct thermal_dev {
    const char *id; /* the number after the prefix, in the glob's storage */
    char type[256];
    int64_t a, b; /* zone: temp; cooling device: cur_state, max_state */
} thermal_dev;

/* Reads every <prefix>N of class/thermal into *out (caller frees) before anything is emitted: as procfs,
 * one unreadable attribute or bad number fails the whole collector, not just its device. */
static int read_all(collector_ctx *ctx, const char *prefix, const char *const files[3], glob_t *g,
                    thermal_dev **out)
{
    *out = NULL;
    if (find(ctx, prefix, g) < 0)
        return node_fail(ctx, "thermal_zone", "cannot list class/thermal");
    thermal_dev *devs = calloc(g->gl_pathc ? g->gl_pathc : 1, sizeof *devs);
    if (!devs)
        return node_fail(ctx, "thermal_zone", "out of memory");
    for (size_t i = 0; i < g->gl_pathc; i++) {
        const char *dir = g->gl_pathv[i];
        char text[2][64], skip[256];
        thermal_dev *d = &devs[i];
        d->id = strrchr(dir, '/') + 1 + strlen(prefix);
        /* A zone has type, policy (read, not reported) and temp; a cooling device type, max_state, cur_state.
         */
        int zone = strcmp(prefix, "thermal_zone") == 0;
        if (attr(dir, files[0], d->type, sizeof d->type) < 0 ||
            attr(dir, files[1], zone ? skip : text[1], zone ? sizeof skip : sizeof text[1]) < 0 ||
            attr(dir, files[2], text[0], sizeof text[0]) < 0) {
            free(devs);
            return node_fail(ctx, dir, strerror(errno));
        }
        if (parse_int64(text[0], &d->a) < 0 || (!zone && parse_int64(text[1], &d->b) < 0)) {
            free(devs);
            return node_fail(ctx, dir, "not an integer");
        }
    }
    *out = devs;
    return 0;
}

static int collect_thermal_zone(expo *w, collector_ctx *ctx)
{
    static const char *const zone_files[3] = {"type", "policy", "temp"};
    static const char *const cooling_files[3] = {"type", "max_state", "cur_state"};
    glob_t zg = {0}, cg = {0};
    thermal_dev *zones, *cooling;
    int rc = read_all(ctx, "thermal_zone", zone_files, &zg, &zones);
    if (rc == 0) {
        expo_family *temp =
            expo_family_get(w, "node_thermal_zone_temp", "Zone temperature in Celsius", EXPO_GAUGE);
        for (size_t i = 0; i < zg.gl_pathc; i++)
            expo_sample(temp, (double)zones[i].a / 1000.0, "zone", zones[i].id, "type", zones[i].type, NULL);
        rc = read_all(ctx, "cooling_device", cooling_files, &cg, &cooling);
    }
    if (rc == 0) {
        expo_family *cur = expo_family_get(w, "node_cooling_device_cur_state",
                                           "Current throttle state of the cooling device", EXPO_GAUGE);
        expo_family *max = expo_family_get(w, "node_cooling_device_max_state",
                                           "Maximum throttle state of the cooling device", EXPO_GAUGE);
        for (size_t i = 0; i < cg.gl_pathc; i++) {
            /* cur_state can be -1 (intel_powerclamp). */
            expo_sample(cur, (double)cooling[i].a, "name", cooling[i].id, "type", cooling[i].type, NULL);
            expo_sample(max, (double)cooling[i].b, "name", cooling[i].id, "type", cooling[i].type, NULL);
        }
        free(cooling);
    }
    free(zones);
    globfree(&zg);
    globfree(&cg);
    return rc;
}

const collector node_collector_thermal_zone = {.name = "thermal_zone",
                                               .enabled_by_default = true,
                                               .help =
                                                   "Exposes thermal zone & cooling device statistics from "
                                                   "/sys/class/thermal.",
                                               .collect = collect_thermal_zone};
