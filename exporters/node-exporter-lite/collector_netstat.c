/* collector_netstat.c -- node_netstat_*: /proc/net/netstat, snmp and snmp6, filtered by
 * --collector.netstat.fields. */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node.h"
#include "parsers.h"
#include "procfile.h"
#include "goregex.h"
#include "textutil.h"

/* The kernel's ~300 field names never change while we run, and a regexec per
 * field per scrape was most of this collector's cost: remember each verdict. */
enum { CACHE_SLOTS = 2048 };
static struct {
    char *key;
    int match;
} verdicts[CACHE_SLOTS];
static size_t nverdicts;
static int regex_used; /* this scrape ran the regex: its lazily built DFA can be dropped */
static procfile net_files[3] = {PROCFILE_INIT, PROCFILE_INIT, PROCFILE_INIT};
static char *fields; /* --collector.netstat.fields */
static regex_t fields_re;
static bool compiled;

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
    (void)self;
    compiled = node_regex_flag(&fields_re, "collector.netstat.fields", fields, err, errlen) == 0;
    return compiled ? 0 : -1;
}

static int field_wanted(const char *key)
{
    uint64_t h = 1469598103934665603ULL;
    for (const char *p = key; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    size_t j = (size_t)(h & (CACHE_SLOTS - 1));
    while (verdicts[j].key && strcmp(verdicts[j].key, key) != 0)
        j = (j + 1) & (CACHE_SLOTS - 1);
    int match;
    if (verdicts[j].key) {
        match = verdicts[j].match;
    } else {
        match = goregex_match(&fields_re, key);
        regex_used = 1;
        /* Half full at most, so probes stay short; past that, just match. */
        if (nverdicts < CACHE_SLOTS / 2 && (verdicts[j].key = strdup(key))) {
            verdicts[j].match = match;
            nverdicts++;
        }
    }
    return match;
}

static void release_netstat(void *self)
{
    (void)self;
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        free(verdicts[i].key);
        verdicts[i].key = NULL;
    }
    nverdicts = 0;
    for (int i = 0; i < 3; i++)
        procfile_close(&net_files[i]);
    if (compiled)
        regfree(&fields_re);
    compiled = false;
}

static void on_stat(void *arg, const char *proto, const char *name, double value)
{
    expo *w = arg;
    char metric[192], help[192];
    /* metric is "node_netstat_" + the key the fields regex sees, "Proto_Name". */
    if (text_join(metric, sizeof metric, "node_netstat_", proto, "_", name, (char *)NULL) < 0 ||
        !field_wanted(metric + strlen("node_netstat_")))
        return;
    if (text_join(help, sizeof help, "Statistic ", proto, name, ".", (char *)NULL) < 0)
        return;
    /* Untyped, as node_exporter has them: the tables mix counters and gauges. */
    expo_sample(expo_family_get(w, metric, help, EXPO_UNTYPED), value, NULL);
}

static int read_one(int i, const char *rel, int snmp6, expo *w, collector_ctx *ctx)
{
    char path[4096], err[256], *text;
    if (node_path(path, sizeof path, NODE_PATHS(ctx)->procfs, rel) < 0)
        return node_fail(ctx, "netstat", "path too long");
    if (procfile_read(&net_files[i], path, 1 << 20, &text, err, sizeof err) < 0)
        return snmp6 && errno == ENOENT ? 0 : node_fail(ctx, "netstat", err); /* no IPv6: no snmp6 */
    int rc = snmp6 ? snmp6_parse(text, on_stat, w, err, sizeof err)
                   : netstat_parse(text, on_stat, w, err, sizeof err);
    return rc < 0 ? node_fail(ctx, path, err) : 0;
}

static int collect_netstat(expo *w, collector_ctx *ctx)
{
    regex_used = 0;
    int rc = read_one(0, "net/netstat", 0, w, ctx) < 0 || read_one(1, "net/snmp", 0, w, ctx) < 0 ||
                     read_one(2, "net/snmp6", 1, w, ctx) < 0
                 ? -1
                 : 0;
    if (regex_used) {
        /* glibc builds the default pattern's DFA lazily, to about 450 kB, the
         * biggest thing on our heap; every verdict is cached now, so compile
         * afresh (about 40 kB) and let a rare new field build what it needs. */
        regex_t fresh;
        char err[256];
        if (goregex_compile(&fresh, fields, err, sizeof err) == 0) {
            regfree(&fields_re);
            fields_re = fresh;
            malloc_trim(0); /* and give those pages back now, not never */
        }
    }
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
