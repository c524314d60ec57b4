/* collector_sockstat.c -- node_sockstat_*: socket counts from /proc/net/sockstat and sockstat6. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "node.h"
#include "parsers.h"
#include "procfile.h"

typedef struct sock_scrape {
    expo *w;
    double pagesize;
} sock_scrape;

static void on_stat(void *arg, const char *proto, const char *key, uint64_t value)
{
    sock_scrape *s = arg;
    char name[128], help[160];
    if (strcmp(proto, "sockets") == 0) {
        if (strcmp(key, "used") == 0)
            expo_sample(expo_family_get(s->w, "node_sockstat_sockets_used", "Number of IPv4 sockets in use.",
                                        EXPO_GAUGE),
                        (double)value, NULL);
        return;
    }
    /* The keys node_exporter knows; it ignores any other the kernel adds. */
    static const char *const known[] = {"inuse", "orphan", "tw", "alloc", "mem", "memory"};
    size_t k;
    for (k = 0; k < sizeof known / sizeof known[0]; k++)
        if (strcmp(key, known[k]) == 0)
            break;
    if (k == sizeof known / sizeof known[0])
        return;
    snprintf(name, sizeof name, "node_sockstat_%s_%s", proto, key);
    snprintf(help, sizeof help, "Number of %s sockets in state %s.", proto, key);
    expo_sample(expo_family_get(s->w, name, help, EXPO_GAUGE), (double)value, NULL);
    if (strcmp(key, "mem") == 0) {
        /* "mem" counts pages. */
        snprintf(name, sizeof name, "node_sockstat_%s_mem_bytes", proto);
        snprintf(help, sizeof help, "Number of %s sockets in state mem_bytes.", proto);
        expo_sample(expo_family_get(s->w, name, help, EXPO_GAUGE), (double)value * s->pagesize, NULL);
    }
}

static int read_one(int i, const char *rel, int optional, sock_scrape *s, collector_ctx *ctx)
{
    char path[4096], err[256], *text;
    if (node_path(path, sizeof path, NODE_PATHS(ctx)->procfs, rel) < 0)
        return node_fail(ctx, "sockstat", "path too long");
    if (procfile_read(&NODE_FILES(ctx)[i], path, 1 << 16, &text, err, sizeof err) < 0)
        return optional && errno == ENOENT ? 0 : node_fail(ctx, "sockstat", err); /* no IPv6: no sockstat6 */
    int rc = sockstat_parse(text, on_stat, s, err, sizeof err);
    return rc < 0 ? node_fail(ctx, path, err) : 0;
}

static int collect_sockstat(expo *w, collector_ctx *ctx)
{
    sock_scrape s = {.w = w, .pagesize = (double)sysconf(_SC_PAGESIZE)};
    if (read_one(0, "net/sockstat", 0, &s, ctx) < 0 || read_one(1, "net/sockstat6", 1, &s, ctx) < 0)
        return -1;
    return 0;
}

const collector node_collector_sockstat = {.name = "sockstat",
                                           .enabled_by_default = true,
                                           .help = "Exposes various statistics from /proc/net/sockstat.",
                                           .collect = collect_sockstat,
                                           NODE_FILES_STATE};
