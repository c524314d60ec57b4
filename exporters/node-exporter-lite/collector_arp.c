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

static procfile arp_file = PROCFILE_INIT;

int collect_arp(expo *w, collector_ctx *ctx)
{
    char path[4096], err[256], *text;
    if (node_path(path, sizeof path, node_cfg.procfs, "net/arp") < 0)
        return node_fail(ctx, "arp", "path too long");
    if (procfile_read_locked(&arp_file, path, 16 << 20, &text, err, sizeof err) < 0)
        return node_fail(ctx, "arp", err);
    arp_count c;
    c.n = 0;
    int rc = arp_parse(text, on_entry, &c, err, sizeof err);
    if (rc == 0) {
        expo_family *f = expo_family_get(w, "node_arp_entries", "ARP entries by device", EXPO_GAUGE);
        for (size_t i = 0; i < c.n; i++)
            if (!devfilter_ignored(&node_cfg.arp_filter, c.device[i]))
                expo_sample(f, (double)c.count[i], "device", c.device[i], NULL);
    }
    procfile_unlock(&arp_file);
    return rc < 0 ? node_fail(ctx, path, err) : 0;
}

void collector_arp_free(void)
{
    procfile_close(&arp_file);
}
