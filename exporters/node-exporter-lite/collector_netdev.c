/* collector_netdev.c -- node_network_{receive,transmit}_*_total from /proc/net/dev.
 *
 * node_exporter 1.5 reads these over rtnetlink and folds them into the
 * /proc/net/dev columns (its "legacy" mapping), which the kernel computes the
 * same way for /proc/net/dev; the one extra it exports, receive_nohandler, is
 * read from sysfs. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include "node.h"
#include "parsers.h"
#include "procfile.h"
#include "readfile.h"
#include "textutil.h"

static const char *const metric_names[NETDEV_FIELDS] = {
    "node_network_receive_bytes_total",      "node_network_receive_packets_total",
    "node_network_receive_errs_total",       "node_network_receive_drop_total",
    "node_network_receive_fifo_total",       "node_network_receive_frame_total",
    "node_network_receive_compressed_total", "node_network_receive_multicast_total",
    "node_network_transmit_bytes_total",     "node_network_transmit_packets_total",
    "node_network_transmit_errs_total",      "node_network_transmit_drop_total",
    "node_network_transmit_fifo_total",      "node_network_transmit_colls_total",
    "node_network_transmit_carrier_total",   "node_network_transmit_compressed_total",
};

/* rx_nohandler per device, kept open between scrapes (sysfs re-reads at offset 0).
 * Devices come and go: a slot whose file is gone is reused for a new name. */
enum { NOHANDLER_SLOTS = 64 };
static struct {
    char name[32];
    procfile file;
} nohandler_files[NOHANDLER_SLOTS];
static pthread_once_t nohandler_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t nohandler_mu = PTHREAD_MUTEX_INITIALIZER;

static void nohandler_init(void)
{
    for (int i = 0; i < NOHANDLER_SLOTS; i++) {
        pthread_mutex_init(&nohandler_files[i].file.mu, NULL);
        nohandler_files[i].file.fd = -1;
    }
}

static int read_nohandler_locked(const char *dev, const char *path, uint64_t *out);

static int read_nohandler(const char *dev, uint64_t *out)
{
    char rel[128], path[4096];
    if (snprintf(rel, sizeof rel, "class/net/%s/statistics/rx_nohandler", dev) >= (int)sizeof rel ||
        node_path(path, sizeof path, node_cfg.sysfs, rel) < 0)
        return -1;
    pthread_once(&nohandler_once, nohandler_init);
    pthread_mutex_lock(&nohandler_mu);
    int rc = read_nohandler_locked(dev, path, out);
    pthread_mutex_unlock(&nohandler_mu);
    return rc;
}

/* Call with nohandler_mu held. */
static int read_nohandler_locked(const char *dev, const char *path, uint64_t *out)
{
    char err[128], *text;
    int slot = -1;
    for (int i = 0; i < NOHANDLER_SLOTS && slot < 0; i++)
        if (strcmp(nohandler_files[i].name, dev) == 0)
            slot = i;
    for (int i = 0; i < NOHANDLER_SLOTS && slot < 0; i++)
        if (!nohandler_files[i].name[0] || nohandler_files[i].file.fd < 0)
            slot = i;
    if (slot < 0 || strlen(dev) >= sizeof nohandler_files[0].name) {
        char val[32]; /* more devices than slots: read the plain way */
        return readfile_small(path, val, sizeof val) == 0 && text_u64(val, out) == 0 ? 0 : -1;
    }
    procfile *pf = &nohandler_files[slot].file;
    if (strcmp(nohandler_files[slot].name, dev) != 0) {
        procfile_close(pf); /* the slot held a device that went away */
        snprintf(nohandler_files[slot].name, sizeof nohandler_files[slot].name, "%s", dev);
    }
    if (procfile_read_locked(pf, path, 4096, &text, err, sizeof err) < 0)
        return -1;
    int rc = text_u64(text_trim(text), out);
    procfile_unlock(pf);
    return rc;
}

typedef struct dev_scrape {
    expo *w;
    expo_family *fams[NETDEV_FIELDS], *nohandler; /* looked up once per scrape */
} dev_scrape;

static void on_dev(void *arg, const netdev_rec *d)
{
    dev_scrape *s = arg;
    if (devfilter_ignored(&node_cfg.netdev_filter, d->name))
        return;
    for (int i = 0; i < NETDEV_FIELDS; i++) {
        if (!s->fams[i]) {
            char help[96];
            snprintf(help, sizeof help, "Network device statistic %s.", netdev_field_names[i]);
            s->fams[i] = expo_family_get(s->w, metric_names[i], help, EXPO_COUNTER);
        }
        expo_sample(s->fams[i], (double)d->v[i], "device", d->name, NULL);
    }
    uint64_t nohandler;
    if (read_nohandler(d->name, &nohandler) == 0) {
        if (!s->nohandler)
            s->nohandler = expo_family_get(s->w, "node_network_receive_nohandler_total",
                                           "Network device statistic receive_nohandler.", EXPO_COUNTER);
        expo_sample(s->nohandler, (double)nohandler, "device", d->name, NULL);
    }
}

static procfile netdev_file = PROCFILE_INIT;

int collect_netdev(expo *w, collector_ctx *ctx)
{
    char path[4096], err[256], *text;
    if (node_path(path, sizeof path, node_cfg.procfs, "net/dev") < 0)
        return node_fail(ctx, "netdev", "path too long");
    if (procfile_read_locked(&netdev_file, path, 16 << 20, &text, err, sizeof err) < 0)
        return node_fail(ctx, "netdev", err);
    dev_scrape s = {.w = w};
    int rc = netdev_parse(text, on_dev, &s, err, sizeof err);
    procfile_unlock(&netdev_file);
    return rc < 0 ? node_fail(ctx, "netdev", err) : 0;
}
