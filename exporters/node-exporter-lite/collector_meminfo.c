/* collector_meminfo.c -- node_memory_*: every field of /proc/meminfo, named as node_exporter names them.
 *
 * Read directly, not through libproc2: node_exporter exports every field the
 * kernel has, and libproc2 4.0.2's fixed item list lacks some that this very
 * kernel has (Zswap, Zswapped, SecPageTables) and any a newer kernel adds. */
#include <stdio.h>
#include <stdlib.h>

#include "node.h"
#include "parsers.h"
#include "procfile.h"
#include "textutil.h"

static void emit(void *arg, const char *suffix, double value)
{
    expo *w = arg;
    char name[160], help[200];
    /* suffix is at most 127 bytes: both fit */
    if (text_join(name, sizeof name, "node_memory_", suffix, (char *)NULL) < 0 ||
        text_join(help, sizeof help, "Memory information field ", suffix, ".", (char *)NULL) < 0)
        return;
    expo_sample(expo_family_get(w, name, help, EXPO_GAUGE), value, NULL);
}

static int collect_meminfo(expo *w, collector_ctx *ctx)
{
    char path[4096], err[256], *text;
    if (node_path(path, sizeof path, NODE_PATHS(ctx)->procfs, "meminfo") < 0)
        return node_fail(ctx, "meminfo", "path too long");
    if (procfile_read(&NODE_FILES(ctx)[0], path, 1 << 20, &text, err, sizeof err) < 0)
        return node_fail(ctx, "meminfo", err);
    int rc = meminfo_parse(text, emit, w, err, sizeof err);
    return rc < 0 ? node_fail(ctx, "meminfo", err) : 0;
}

const collector node_collector_meminfo = {.name = "meminfo",
                                          .enabled_by_default = true,
                                          .help = "Exposes memory statistics.",
                                          .collect = collect_meminfo,
                                          NODE_FILES_STATE};
