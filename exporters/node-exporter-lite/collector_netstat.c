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
#include "hashtab.h"
#include "textutil.h"
#include "xalloc.h"

static char *fields; /* --collector.netstat.fields */

/* The kernel's ~300 field names never change while we run, and a regexec per
 * field per scrape was most of this collector's cost: each verdict is kept. */
enum { CACHE_MAX = 1024 }; /* verdicts kept at most; past that, just match */
typedef struct verdict {
    char *key;
    int match;
} verdict;

/* The collector's own (init / release). */
typedef struct netstat_state {
    procfile files[3];
    char *pattern; /* --collector.netstat.fields, to compile afresh */
    regex_t fields_re;
    hashtab cache; /* key -> verdicts[value - 1] */
    verdict verdicts[CACHE_MAX];
    size_t nverdicts;
    int regex_used; /* this scrape ran the regex: its lazily built DFA can be dropped */
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
    netstat_state *st = xcalloc(1, sizeof *st);
    if (node_regex_flag(&st->fields_re, "collector.netstat.fields", fields, err, errlen) < 0) {
        free(st);
        return -1;
    }
    for (int i = 0; i < 3; i++)
        st->files[i] = (procfile)PROCFILE_INIT;
    st->pattern = xstrdup(fields);
    *self = st;
    return 0;
}

typedef struct verdict_key {
    const netstat_state *st;
    const char *key;
} verdict_key;

static int verdict_for(uint64_t value, const void *key)
{
    const verdict_key *k = key;
    return strcmp(k->st->verdicts[value - 1].key, k->key) == 0;
}

static int field_wanted(netstat_state *st, const char *key)
{
    uint64_t h = hashtab_fnv1a(key, strlen(key), HASHTAB_FNV_BASIS);
    verdict_key k = {st, key};
    uint64_t found = hashtab_find(&st->cache, h, verdict_for, &k);
    if (found)
        return st->verdicts[found - 1].match;
    int match = goregex_match(&st->fields_re, key);
    st->regex_used = 1;
    verdict *v = &st->verdicts[st->nverdicts];
    if (st->nverdicts < CACHE_MAX && (v->key = strdup(key))) {
        v->match = match;
        if (hashtab_add(&st->cache, h, st->nverdicts + 1) == 0)
            st->nverdicts++;
        else
            free(v->key);
    }
    return match;
}

static void release_netstat(void *self)
{
    netstat_state *st = self;
    if (!st)
        return;
    for (size_t i = 0; i < st->nverdicts; i++)
        free(st->verdicts[i].key);
    hashtab_release(&st->cache);
    for (int i = 0; i < 3; i++)
        procfile_close(&st->files[i]);
    regfree(&st->fields_re);
    free(st->pattern);
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
        !field_wanted(s->st, metric + strlen("node_netstat_")))
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
    st->regex_used = 0;
    int rc = read_one(0, "net/netstat", 0, &s, ctx) < 0 || read_one(1, "net/snmp", 0, &s, ctx) < 0 ||
                     read_one(2, "net/snmp6", 1, &s, ctx) < 0
                 ? -1
                 : 0;
    if (st->regex_used) {
        /* glibc builds the default pattern's DFA lazily, to about 450 kB, the
         * biggest thing on our heap; every verdict is cached now, so compile
         * afresh (about 40 kB) and let a rare new field build what it needs. */
        regex_t fresh;
        char err[256];
        if (goregex_compile(&fresh, st->pattern, err, sizeof err) == 0) {
            regfree(&st->fields_re);
            st->fields_re = fresh;
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
