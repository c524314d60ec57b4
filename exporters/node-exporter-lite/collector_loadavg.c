/* collector_loadavg.c -- node_load1, node_load5, node_load15 from <procfs>/loadavg. */
#include "node.h"
#include "parsers.h"
#include "procfile.h"

static int collect_loadavg(expo *w, collector_ctx *ctx)
{
    char path[4096], err[256], *text;
    double l[3];
    if (node_path(path, sizeof path, NODE_PATHS(ctx)->procfs, "loadavg") < 0)
        return node_fail(ctx, "loadavg", "path too long");
    if (procfile_read(&NODE_FILES(ctx)[0], path, 4096, &text, err, sizeof err) < 0)
        return node_fail(ctx, "loadavg", err);
    int rc = loadavg_parse(text, l, err, sizeof err);
    if (rc < 0)
        return node_fail(ctx, path, err);
    expo_sample(expo_family_get(w, "node_load1", "1m load average.", EXPO_GAUGE), l[0], NULL);
    expo_sample(expo_family_get(w, "node_load5", "5m load average.", EXPO_GAUGE), l[1], NULL);
    expo_sample(expo_family_get(w, "node_load15", "15m load average.", EXPO_GAUGE), l[2], NULL);
    return 0;
}

const collector node_collector_loadavg = {.name = "loadavg",
                                          .enabled_by_default = true,
                                          .help = "Exposes load average.",
                                          .collect = collect_loadavg,
                                          NODE_FILES_STATE};
