/* collector_arp.c -- node_arp_entries{device}: ARP table entries per device from /proc/net/arp. */
#include <string.h>

#include "node.h"
#include "parsers.h"
#include "procfile.h"

/* Devices with ARP entries are few: counted in a fixed table, no allocation (devices beyond it are
 * not reported). */
enum { ARP_DEVICES = 256 };
typedef struct arp_count {
    const char *device[ARP_DEVICES]; /* point into the file's text */
    unsigned count[ARP_DEVICES];
    size_t n;
} arp_count;

static void on_entry(void *arg, const char *device)
{
    arp_count *c = arg;
    for (size_t i = 0; i < c->n; i++) {
        if (strcmp(c->device[i], device) == 0) {
            c->count[i]++;
            return;
        }
    }
    if (c->n < ARP_DEVICES) {
        c->device[c->n] = device;
        c->count[c->n++] = 1;
    }
}

static struct {
    char *include, *exclude; /* flag targets */
} arp;

static const flag arp_flags[] = {
    {"collector.arp.device-include", FLAG_STRING, &arp.include, NULL,
     "Regexp of arp devices to include (mutually exclusive to device-exclude).", 0, 0},
    {"collector.arp.device-exclude", FLAG_STRING, &arp.exclude, NULL,
     "Regexp of arp devices to exclude (mutually exclusive to device-include).", 0, 0},
};

static int init_arp(void *exporter_state, void **self, char *err, size_t errlen)
{
    (void)exporter_state;
    return node_devfile_init(self, "arp", arp.exclude, arp.include, err, errlen);
}

static int collect_arp(expo *w, collector_ctx *ctx)
{
    node_devfile *d = ctx->self;
    char path[4096], err[256], *text;
    if (node_path(path, sizeof path, NODE_PATHS(ctx)->procfs, "net/arp") < 0)
        return node_fail(ctx, "arp", "path too long");
    if (procfile_read(&d->file, path, 16 << 20, &text, err, sizeof err) < 0)
        return node_fail(ctx, "arp", err);
    arp_count c;
    c.n = 0;
    int rc = arp_parse(text, on_entry, &c, err, sizeof err);
    if (rc == 0) {
        expo_family *f = expo_family_get(w, "node_arp_entries", "ARP entries by device", EXPO_GAUGE);
        for (size_t i = 0; i < c.n; i++)
            if (!devfilter_ignored(&d->filter, c.device[i]))
                expo_sample(f, (double)c.count[i], "device", c.device[i], NULL);
    }
    return rc < 0 ? node_fail(ctx, path, err) : 0;
}

const collector node_collector_arp = {.name = "arp",
                                      .enabled_by_default = true,
                                      .help = "Exposes ARP statistics from /proc/net/arp.",
                                      .collect = collect_arp,
                                      .flags = arp_flags,
                                      .nflags = 2,
                                      .init = init_arp,
                                      .release = node_devfile_release};
