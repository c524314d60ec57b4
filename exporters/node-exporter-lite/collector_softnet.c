/* collector_softnet.c -- node_softnet_*: per-CPU packet processing from /proc/net/softnet_stat. */
#include <stdio.h>

#include "node.h"
#include "parsers.h"
#include "procfile.h"

typedef struct softnet_scrape {
    expo_family *processed, *dropped, *squeezed;
} softnet_scrape;

static void on_cpu(void *arg, unsigned index, uint64_t processed, uint64_t dropped, uint64_t squeezed)
{
    softnet_scrape *s = arg;
    char cpu[16];
    /* node_exporter 1.5 labels the line's index, not the CPU number (they differ with CPUs offline). */
    snprintf(cpu, sizeof cpu, "%u", index);
    expo_sample(s->processed, (double)processed, "cpu", cpu, NULL);
    expo_sample(s->dropped, (double)dropped, "cpu", cpu, NULL);
    expo_sample(s->squeezed, (double)squeezed, "cpu", cpu, NULL);
}

static int collect_softnet(expo *w, collector_ctx *ctx)
{
    char path[4096], err[256], *text;
    if (node_path(path, sizeof path, NODE_PATHS(ctx)->procfs, "net/softnet_stat") < 0)
        return node_fail(ctx, "softnet", "path too long");
    if (procfile_read(&NODE_FILES(ctx)[0], path, 1 << 20, &text, err, sizeof err) < 0)
        return node_fail(ctx, "softnet", err);
    softnet_scrape s = {
        expo_family_get(w, "node_softnet_processed_total", "Number of processed packets", EXPO_COUNTER),
        expo_family_get(w, "node_softnet_dropped_total", "Number of dropped packets", EXPO_COUNTER),
        expo_family_get(w, "node_softnet_times_squeezed_total",
                        "Number of times processing packets ran out of quota", EXPO_COUNTER),
    };
    int rc = softnet_parse(text, on_cpu, &s, err, sizeof err);
    return rc < 0 ? node_fail(ctx, path, err) : 0;
}

const collector node_collector_softnet = {.name = "softnet",
                                          .enabled_by_default = true,
                                          .help = "Exposes statistics from /proc/net/softnet_stat.",
                                          .collect = collect_softnet,
                                          NODE_FILES_STATE};
