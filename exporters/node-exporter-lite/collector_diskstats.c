/* collector_diskstats.c -- node_disk_*: /proc/diskstats, plus udev's device properties.
 *
 * Read directly, not through libproc2: libproc2 4.0.2's diskstats has only the
 * first 11 counters, not the discard (kernel 4.18) and flush (5.5) ones
 * node_exporter exports, and reading the file twice would cost more and give
 * two snapshots. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "node.h"
#include "parsers.h"
#include "procfile.h"
#include "readfile.h"
#include "textutil.h"

static const struct {
    const char *name, *help;
    double factor; /* sectors are 512 bytes; times are in milliseconds */
    expo_type type;
} counters[DISKSTATS_MAX] = {
    {"node_disk_reads_completed_total", "The total number of reads completed successfully.", 1, EXPO_COUNTER},
    {"node_disk_reads_merged_total", "The total number of reads merged.", 1, EXPO_COUNTER},
    {"node_disk_read_bytes_total", "The total number of bytes read successfully.", 512, EXPO_COUNTER},
    {"node_disk_read_time_seconds_total", "The total number of seconds spent by all reads.", 0.001,
     EXPO_COUNTER},
    {"node_disk_writes_completed_total", "The total number of writes completed successfully.", 1,
     EXPO_COUNTER},
    {"node_disk_writes_merged_total", "The number of writes merged.", 1, EXPO_COUNTER},
    {"node_disk_written_bytes_total", "The total number of bytes written successfully.", 512, EXPO_COUNTER},
    {"node_disk_write_time_seconds_total", "This is the total number of seconds spent by all writes.", 0.001,
     EXPO_COUNTER},
    {"node_disk_io_now", "The number of I/Os currently in progress.", 1, EXPO_GAUGE},
    {"node_disk_io_time_seconds_total", "Total seconds spent doing I/Os.", 0.001, EXPO_COUNTER},
    {"node_disk_io_time_weighted_seconds_total", "The weighted # of seconds spent doing I/Os.", 0.001,
     EXPO_COUNTER},
    {"node_disk_discards_completed_total", "The total number of discards completed successfully.", 1,
     EXPO_COUNTER},
    {"node_disk_discards_merged_total", "The total number of discards merged.", 1, EXPO_COUNTER},
    {"node_disk_discarded_sectors_total", "The total number of sectors discarded successfully.", 1,
     EXPO_COUNTER},
    {"node_disk_discard_time_seconds_total", "This is the total number of seconds spent by all discards.",
     0.001, EXPO_COUNTER},
    {"node_disk_flush_requests_total", "The total number of flush requests completed successfully", 1,
     EXPO_COUNTER},
    {"node_disk_flush_requests_time_seconds_total",
     "This is the total number of seconds spent by all flush "
     "requests.",
     0.001, EXPO_COUNTER},
};

/* The udev properties node_exporter turns into labels. */
enum {
    U_PATH,
    U_WWN,
    U_MODEL,
    U_SERIAL,
    U_REVISION,
    U_FS_TYPE,
    U_FS_USAGE,
    U_FS_UUID,
    U_FS_VERSION,
    U_DM_NAME,
    U_DM_UUID,
    U_DM_VG,
    U_DM_LV,
    U_DM_LAYER,
    U_ATA,
    U_ATA_WRITE_CACHE,
    U_ATA_WRITE_CACHE_ENABLED,
    U_ATA_RPM,
    U_N
};
static const char *const udev_keys[U_N] = {
    "ID_PATH",
    "ID_WWN",
    "ID_MODEL",
    "ID_SERIAL_SHORT",
    "ID_REVISION",
    "ID_FS_TYPE",
    "ID_FS_USAGE",
    "ID_FS_UUID",
    "ID_FS_VERSION",
    "DM_NAME",
    "DM_UUID",
    "DM_VG_NAME",
    "DM_LV_NAME",
    "DM_LV_LAYER",
    "ID_ATA",
    "ID_ATA_WRITE_CACHE",
    "ID_ATA_WRITE_CACHE_ENABLED",
    "ID_ATA_ROTATION_RATE_RPM",
};

#define DISK_EXCLUDE_DEFAULT "^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\\d+n\\d+p)\\d+$"

/* The exclude flag has no textual default: the include flag must tell "not given" from "given", as
 * node_exporter's mutual-exclusion rule needs. */
static struct {
    char *exclude, *include, *ignored_old; /* flag targets */
} disk;

static const flag diskstats_flags[] = {
    {"collector.diskstats.device-exclude", FLAG_STRING, &disk.exclude, NULL,
     "Regexp of diskstats devices to exclude (mutually exclusive to device-include). "
     "Default: " DISK_EXCLUDE_DEFAULT,
     0, 0},
    {"collector.diskstats.device-include", FLAG_STRING, &disk.include, NULL,
     "Regexp of diskstats devices to include (mutually exclusive to device-exclude).", 0, 0},
    {"collector.diskstats.ignored-devices", FLAG_STRING, &disk.ignored_old, NULL,
     "DEPRECATED: use --collector.diskstats.device-exclude.", 0, 0},
};

static int init_diskstats(void *exporter_state, void **self, char *err, size_t errlen)
{
    (void)exporter_state;
    const char *exclude;
    if (node_pick_deprecated(disk.exclude, disk.ignored_old, "collector.diskstats.device-exclude",
                             "collector.diskstats.ignored-devices", &exclude, err, errlen) < 0)
        return -1;
    if (!exclude && !(disk.include && *disk.include))
        exclude = DISK_EXCLUDE_DEFAULT;
    return node_devfile_init(self, "diskstats", exclude, disk.include, err, errlen);
}

typedef struct udev_props {
    const char *v[U_N];
} udev_props;

static void on_udev(void *arg, const char *key, const char *value)
{
    udev_props *p = arg;
    for (int i = 0; i < U_N; i++)
        if (strcmp(key, udev_keys[i]) == 0)
            p->v[i] = value;
}

typedef struct disk_scrape {
    expo *w;
    const devfilter *filter;
    const char *udev_data;
    int udev;                         /* the udev data directory exists */
    expo_family *fams[DISKSTATS_MAX]; /* looked up once per scrape */
} disk_scrape;

static void on_disk(void *arg, const diskstats_rec *d)
{
    disk_scrape *ds = arg;
    if (devfilter_ignored(ds->filter, d->name))
        return;
    udev_props props = {{0}};
    char *udev_text = NULL;
    if (ds->udev) {
        char path[4096], rel[64], err[256];
        snprintf(rel, sizeof rel, "b%u:%u", d->major, d->minor);
        if (node_path(path, sizeof path, ds->udev_data, rel) == 0 &&
            (udev_text = readfile(path, 1 << 16, NULL, err, sizeof err)) &&
            udev_parse(udev_text, on_udev, &props, err, sizeof err) < 0)
            memset(&props, 0, sizeof props);
    }
    /* Which ATA properties are present matters below, so note it before defaulting to "". */
    const char *ata[3] = {props.v[U_ATA_WRITE_CACHE], props.v[U_ATA_WRITE_CACHE_ENABLED], props.v[U_ATA_RPM]};
    for (int i = 0; i < U_N; i++)
        if (!props.v[i])
            props.v[i] = "";
    char major[16], minor[16];
    snprintf(major, sizeof major, "%u", d->major);
    snprintf(minor, sizeof minor, "%u", d->minor);
    expo_sample(expo_family_get(ds->w, "node_disk_info", "Info of /sys/block/<block_device>.", EXPO_GAUGE), 1,
                "device", d->name, "major", major, "minor", minor, "path", props.v[U_PATH], "wwn",
                props.v[U_WWN], "model", props.v[U_MODEL], "serial", props.v[U_SERIAL], "revision",
                props.v[U_REVISION], NULL);
    for (int i = 0; i < d->n; i++) {
        if (!ds->fams[i])
            ds->fams[i] = expo_family_get(ds->w, counters[i].name, counters[i].help, counters[i].type);
        expo_sample(ds->fams[i], (double)d->v[i] * counters[i].factor, "device", d->name, NULL);
    }
    if (*props.v[U_FS_TYPE])
        expo_sample(
            expo_family_get(ds->w, "node_disk_filesystem_info", "Info about disk filesystem.", EXPO_GAUGE), 1,
            "device", d->name, "type", props.v[U_FS_TYPE], "usage", props.v[U_FS_USAGE], "uuid",
            props.v[U_FS_UUID], "version", props.v[U_FS_VERSION], NULL);
    if (*props.v[U_DM_NAME])
        expo_sample(expo_family_get(ds->w, "node_disk_device_mapper_info", "Info about disk device mapper.",
                                    EXPO_GAUGE),
                    1, "device", d->name, "name", props.v[U_DM_NAME], "uuid", props.v[U_DM_UUID], "vg_name",
                    props.v[U_DM_VG], "lv_name", props.v[U_DM_LV], "lv_layer", props.v[U_DM_LAYER], NULL);
    if (*props.v[U_ATA]) {
        static const char *const names[3] = {"node_disk_ata_write_cache", "node_disk_ata_write_cache_enabled",
                                             "node_disk_ata_rotation_rate_rpm"};
        static const char *const helps[3] = {"ATA disk has a write cache.",
                                             "ATA disk has its write cache enabled.",
                                             "ATA disk rotation rate in RPMs (0 for SSDs)."};
        for (int i = 0; i < 3; i++) {
            double v;
            if (ata[i] && text_double(ata[i], &v) == 0)
                expo_sample(expo_family_get(ds->w, names[i], helps[i], EXPO_GAUGE), v, "device", d->name,
                            NULL);
        }
    }
    free(udev_text);
}

static int collect_diskstats(expo *w, collector_ctx *ctx)
{
    node_devfile *d = ctx->self;
    char path[4096], err[256], *text;
    if (node_path(path, sizeof path, NODE_PATHS(ctx)->procfs, "diskstats") < 0)
        return node_fail(ctx, "diskstats", "path too long");
    if (procfile_read(&d->file, path, 16 << 20, &text, err, sizeof err) < 0)
        return node_fail(ctx, "diskstats", err);
    disk_scrape ds = {.w = w,
                      .filter = &d->filter,
                      .udev_data = NODE_PATHS(ctx)->udev_data,
                      .udev = access(NODE_PATHS(ctx)->udev_data, R_OK | X_OK) == 0};
    int rc = diskstats_parse(text, on_disk, &ds, err, sizeof err);
    return rc < 0 ? node_fail(ctx, "diskstats", err) : 0;
}

const collector node_collector_diskstats = {.name = "diskstats",
                                            .enabled_by_default = true,
                                            .help = "Exposes disk I/O statistics.",
                                            .collect = collect_diskstats,
                                            .flags = diskstats_flags,
                                            .nflags = 3,
                                            .init = init_diskstats,
                                            .release = node_devfile_release};
