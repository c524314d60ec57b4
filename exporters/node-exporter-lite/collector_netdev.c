/* collector_netdev.c -- node_network_{receive,transmit}_*_total from /proc/net/dev.
 *
 * node_exporter 1.5 reads these over rtnetlink and folds them into the
 * /proc/net/dev columns (its "legacy" mapping), which the kernel computes the
 * same way for /proc/net/dev; the one extra it exports, receive_nohandler, is
 * read from sysfs. */
#include <stdio.h>
#include <stdlib.h>

#include "node.h"
#include "parsers.h"
#include "procfile.h"
#include "readfile.h"
#include "textutil.h"

static void on_dev(void *arg, const netdev_rec *d)
{
    expo *w = arg;
    if (devfilter_ignored(&node_cfg.netdev_filter, d->name))
        return;
    char name[96], help[96];
    for (int i = 0; i < NETDEV_FIELDS; i++) {
        snprintf(name, sizeof name, "node_network_%s_total", netdev_field_names[i]);
        snprintf(help, sizeof help, "Network device statistic %s.", netdev_field_names[i]);
        expo_sample(expo_family_get(w, name, help, EXPO_COUNTER), (double)d->v[i], "device", d->name, NULL);
    }
    char rel[128], path[4096], val[32];
    uint64_t nohandler;
    if (snprintf(rel, sizeof rel, "class/net/%s/statistics/rx_nohandler", d->name) < (int)sizeof rel &&
        node_path(path, sizeof path, node_cfg.sysfs, rel) == 0 &&
        readfile_small(path, val, sizeof val) == 0 && text_u64(val, &nohandler) == 0)
        expo_sample(expo_family_get(w, "node_network_receive_nohandler_total",
                                    "Network device statistic receive_nohandler.", EXPO_COUNTER),
                    (double)nohandler, "device", d->name, NULL);
}

static procfile netdev_file = PROCFILE_INIT;

int collect_netdev(expo *w, collector_ctx *ctx)
{
    char path[4096], err[256], *text;
    if (node_path(path, sizeof path, node_cfg.procfs, "net/dev") < 0)
        return node_fail(ctx, "netdev", "path too long");
    if (procfile_read_locked(&netdev_file, path, 16 << 20, &text, err, sizeof err) < 0)
        return node_fail(ctx, "netdev", err);
    int rc = netdev_parse(text, on_dev, w, err, sizeof err);
    procfile_unlock(&netdev_file);
    return rc < 0 ? node_fail(ctx, "netdev", err) : 0;
}
