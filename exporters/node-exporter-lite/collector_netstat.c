/* collector_netstat.c -- node_netstat_*: /proc/net/netstat, snmp and snmp6, filtered by
 * --collector.netstat.fields. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node.h"
#include "parsers.h"
#include "procfile.h"
#include "textutil.h"
#include "xalloc.h"

static char *fields; /* --collector.netstat.fields */

/* The collector's own (init / release). */
typedef struct netstat_state {
    procfile files[3];
    node_fields *fields;
} netstat_state;

#define NETSTAT_FIELDS_DEFAULT                                                                               \
    "^(.*_(InErrors|InErrs)|Ip_Forwarding|Ip(6|Ext)_(InOctets|OutOctets)|Icmp6?_(InMsgs|OutMsgs)|"           \
    "TcpExt_(Listen.*|Syncookies.*|TCPSynRetrans|TCPTimeouts)|"                                              \
    "Tcp_(ActiveOpens|InSegs|OutSegs|OutRsts|PassiveOpens|RetransSegs|CurrEstab)|"                           \
    "Udp6?_(InDatagrams|OutDatagrams|NoPorts|RcvbufErrors|SndbufErrors))$"

static const flag netstat_flags[] = {
    {"collector.netstat.fields", FLAG_STRING, &fields, NETSTAT_FIELDS_DEFAULT,
     "Regexp of fields to return for netstat collector.", 0, 0},
};

static int init_netstat(void *exporter_state, void **self, char *err, size_t errlen)
{
    (void)exporter_state;
    node_fields *nf = node_fields_new("collector.netstat.fields", fields, err, errlen);
    if (!nf)
        return -1;
    netstat_state *st = xmalloc(sizeof *st);
    for (int i = 0; i < 3; i++)
        st->files[i] = (procfile)PROCFILE_INIT;
    st->fields = nf;
    *self = st;
    return 0;
}

static void release_netstat(void *self)
{
    netstat_state *st = self;
    for (int i = 0; i < 3; i++)
        procfile_close(&st->files[i]);
    node_fields_free(st->fields);
    free(st);
}

typedef struct stat_scrape {
    expo *w;
    netstat_state *st;
} stat_scrape;

static void on_stat(void *arg, const char *proto, const char *name, double value)
{
    stat_scrape *s = arg;
    expo *w = s->w;
    char metric[192], help[192];
    /* metric is "node_netstat_" + the key the fields regex sees, "Proto_Name". */
    if (text_join(metric, sizeof metric, "node_netstat_", proto, "_", name, (char *)NULL) < 0 ||
        !node_fields_match(s->st->fields, metric + strlen("node_netstat_")))
        return;
    if (text_join(help, sizeof help, "Statistic ", proto, name, ".", (char *)NULL) < 0)
        return;
    /* Untyped, as node_exporter has them: the tables mix counters and gauges. */
    expo_sample(expo_family_get(w, metric, help, EXPO_UNTYPED), value, NULL);
}

static int read_one(int i, const char *rel, int snmp6, stat_scrape *s, collector_ctx *ctx)
{
    char path[4096], err[256], *text;
    if (node_path(path, sizeof path, NODE_PATHS(ctx)->procfs, rel) < 0)
        return node_fail(ctx, "netstat", "path too long");
    if (procfile_read(&s->st->files[i], path, 1 << 20, &text, err, sizeof err) < 0)
        return snmp6 && errno == ENOENT ? 0 : node_fail(ctx, "netstat", err); /* no IPv6: no snmp6 */
    int rc = snmp6 ? snmp6_parse(text, on_stat, s, err, sizeof err)
                   : netstat_parse(text, on_stat, s, err, sizeof err);
    return rc < 0 ? node_fail(ctx, path, err) : 0;
}

static int collect_netstat(expo *w, collector_ctx *ctx)
{
    netstat_state *st = ctx->self;
    stat_scrape s = {w, st};
    int rc = read_one(0, "net/netstat", 0, &s, ctx) < 0 || read_one(1, "net/snmp", 0, &s, ctx) < 0 ||
                     read_one(2, "net/snmp6", 1, &s, ctx) < 0
                 ? -1
                 : 0;
    node_fields_settle(st->fields);
    return rc;
}

const collector node_collector_netstat = {
    .name = "netstat",
    .enabled_by_default = true,
    .help = "Exposes network statistics from /proc/net/netstat, snmp and snmp6.",
    .collect = collect_netstat,
    .flags = netstat_flags,
    .nflags = 1,
    .init = init_netstat,
    .release = release_netstat};
