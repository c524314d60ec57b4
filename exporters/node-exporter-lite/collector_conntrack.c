/* collector_conntrack.c -- node_nf_conntrack_*: connection-tracking table use and statistics. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "node.h"
#include "parsers.h"
#include "procfile.h"
#include "textutil.h"

static const char *const stat_help[CONNTRACK_STATS] = {
    "Number of searched entries which were successful.",
    "Number of packets seen which can not be tracked.",
    "Number of packets seen which are already connected to a conntrack entry.",
    "Number of entries inserted into the list.",
    "Number of entries for which list insertion was attempted but failed.",
    "Number of packets dropped due to conntrack failure.",
    "Number of dropped conntrack entries to make room for new ones, if maximum table size was reached.",
    "Number of conntrack table lookups which had to be restarted due to hashtable resizes.",
};

/* Without the nf_conntrack module the files are absent: node_exporter's "no data" (success 0, logged
 * at debug), not a failure worth more. */
static int ct_fail(collector_ctx *ctx, const char *err)
{
    return node_fail(ctx, "conntrack", errno == ENOENT ? "conntrack probably not loaded (no data)" : err);
}

static int read_u64(int i, const char *rel, uint64_t *out, collector_ctx *ctx)
{
    char path[4096], err[256], *text;
    if (node_path(path, sizeof path, NODE_PATHS(ctx)->procfs, rel) < 0)
        return node_fail(ctx, "conntrack", "path too long");
    if (procfile_read(&NODE_FILES(ctx)[i], path, 4096, &text, err, sizeof err) < 0)
        return ct_fail(ctx, err);
    int rc = text_u64(text_trim(text), out);
    return rc < 0 ? node_fail(ctx, path, "not a number") : 0;
}

static int collect_conntrack(expo *w, collector_ctx *ctx)
{
    uint64_t count, max;
    if (read_u64(0, "sys/net/netfilter/nf_conntrack_count", &count, ctx) < 0)
        return -1;
    expo_sample(expo_family_get(w, "node_nf_conntrack_entries",
                                "Number of currently allocated flow entries for connection tracking.",
                                EXPO_GAUGE),
                (double)count, NULL);
    if (read_u64(1, "sys/net/netfilter/nf_conntrack_max", &max, ctx) < 0)
        return -1;
    expo_sample(expo_family_get(w, "node_nf_conntrack_entries_limit",
                                "Maximum size of connection tracking table.", EXPO_GAUGE),
                (double)max, NULL);

    char path[4096], err[256], *text;
    if (node_path(path, sizeof path, NODE_PATHS(ctx)->procfs, "net/stat/nf_conntrack") < 0)
        return node_fail(ctx, "conntrack", "path too long");
    if (procfile_read(&NODE_FILES(ctx)[2], path, 1 << 20, &text, err, sizeof err) < 0)
        return ct_fail(ctx, err);
    conntrack_stat st;
    int rc = conntrack_stat_parse(text, &st, err, sizeof err);
    if (rc < 0)
        return node_fail(ctx, path, err);
    char name[64];
    for (int i = 0; i < CONNTRACK_STATS; i++) {
        /* Gauges in node_exporter 1.5, though they only grow. */
        snprintf(name, sizeof name, "node_nf_conntrack_stat_%s", conntrack_stat_names[i]);
        expo_sample(expo_family_get(w, name, stat_help[i], EXPO_GAUGE), (double)st.v[i], NULL);
    }
    return 0;
}

const collector node_collector_conntrack = {
    .name = "conntrack",
    .enabled_by_default = true,
    .help = "Shows conntrack statistics (does nothing if no /proc/sys/net/netfilter/ present).",
    .collect = collect_conntrack,
    NODE_FILES_STATE};
