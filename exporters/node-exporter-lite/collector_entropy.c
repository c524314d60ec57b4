/* collector_entropy.c -- node_entropy_available_bits and node_entropy_pool_size_bits. */
#include <errno.h>
#include <string.h>

#include "node.h"
#include "parsers.h"
#include "readfile.h"

static int read_bits(const char *rel, uint64_t *out, collector_ctx *ctx)
{
    char path[4096], text[64], err[128];
    if (node_path(path, sizeof path, NODE_PATHS(ctx)->procfs, rel) < 0)
        return node_fail(ctx, "entropy", "path too long");
    if (readfile_buf(path, text, sizeof text, NULL) < 0)
        return node_fail(ctx, path, strerror(errno));
    if (single_u64_parse(text, out, err, sizeof err) < 0)
        return node_fail(ctx, path, err);
    return 0;
}

static int collect_entropy(expo *w, collector_ctx *ctx)
{
    uint64_t avail, pool;
    if (read_bits("sys/kernel/random/entropy_avail", &avail, ctx) < 0 ||
        read_bits("sys/kernel/random/poolsize", &pool, ctx) < 0)
        return -1;
    expo_sample(expo_family_get(w, "node_entropy_available_bits", "Bits of available entropy.", EXPO_GAUGE),
                (double)avail, NULL);
    expo_sample(expo_family_get(w, "node_entropy_pool_size_bits", "Bits of entropy pool.", EXPO_GAUGE),
                (double)pool, NULL);
    return 0;
}

const collector node_collector_entropy = {.name = "entropy",
                                          .enabled_by_default = true,
                                          .help = "Exposes available entropy.",
                                          .collect = collect_entropy};
