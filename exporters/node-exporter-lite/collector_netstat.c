/* collector_netstat.c -- node_netstat_*: /proc/net/netstat, snmp and snmp6, filtered by
 * --collector.netstat.fields. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "node.h"
#include "parsers.h"
#include "readfile.h"
#include "regex_compat.h"

static void on_stat(void *arg, const char *proto, const char *name, double value)
{
    expo *w = arg;
    char key[160], metric[192], help[192];
    if (snprintf(key, sizeof key, "%s_%s", proto, name) >= (int)sizeof key)
        return;
    if (!regex_compat_match(&node_cfg.netstat_re, key))
        return;
    snprintf(metric, sizeof metric, "node_netstat_%s", key);
    snprintf(help, sizeof help, "Statistic %s%s.", proto, name);
    /* Untyped, as node_exporter has them: the tables mix counters and gauges. */
    expo_sample(expo_family_get(w, metric, help, EXPO_UNTYPED), value, NULL);
}

static int read_one(const char *rel, int snmp6, expo *w, collector_ctx *ctx)
{
    char path[4096], err[256];
    if (node_path(path, sizeof path, node_cfg.procfs, rel) < 0)
        return node_fail(ctx, "netstat", "path too long");
    char *text = readfile(path, 1 << 20, NULL, err, sizeof err);
    if (!text)
        return snmp6 && errno == ENOENT ? 0 : node_fail(ctx, "netstat", err); /* no IPv6: no snmp6 */
    int rc = snmp6 ? snmp6_parse(text, on_stat, w, err, sizeof err)
                   : netstat_parse(text, on_stat, w, err, sizeof err);
    free(text);
    return rc < 0 ? node_fail(ctx, path, err) : 0;
}

int collect_netstat(expo *w, collector_ctx *ctx)
{
    if (read_one("net/netstat", 0, w, ctx) < 0 || read_one("net/snmp", 0, w, ctx) < 0 ||
        read_one("net/snmp6", 1, w, ctx) < 0)
        return -1;
    return 0;
}
