/* collector_pressure.c -- node_pressure_*: pressure stall information (PSI, kernel 4.20+). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "node.h"
#include "parsers.h"
#include "readfile.h"

static int read_psi(const char *resource, pressure_rec *out, collector_ctx *ctx)
{
    char rel[64], path[4096], err[256];
    snprintf(rel, sizeof rel, "pressure/%s", resource);
    if (node_path(path, sizeof path, node_cfg.procfs, rel) < 0)
        return node_fail(ctx, "pressure", "path too long");
    char *text = readfile(path, 1 << 16, NULL, err, sizeof err);
    if (!text)
        return node_fail(ctx, "pressure",
                         errno == ENOENT ? "pressure information is unavailable, you need a "
                                           "Linux kernel >= 4.20 and/or CONFIG_PSI enabled"
                                         : err);
    int rc = pressure_parse(text, out, err, sizeof err);
    free(text);
    return rc < 0 ? node_fail(ctx, path, err) : 0;
}

int collect_pressure(expo *w, collector_ctx *ctx)
{
    pressure_rec cpu, io, mem;
    if (read_psi("cpu", &cpu, ctx) < 0 || read_psi("io", &io, ctx) < 0 || read_psi("memory", &mem, ctx) < 0)
        return -1;
    /* The kernel counts microseconds. */
    expo_sample(expo_family_get(w, "node_pressure_cpu_waiting_seconds_total",
                                "Total time in seconds that processes have waited for CPU time",
                                EXPO_COUNTER),
                (double)cpu.some_total / 1e6, NULL);
    expo_sample(expo_family_get(w, "node_pressure_io_waiting_seconds_total",
                                "Total time in seconds that processes have waited due to IO congestion",
                                EXPO_COUNTER),
                (double)io.some_total / 1e6, NULL);
    expo_sample(expo_family_get(w, "node_pressure_io_stalled_seconds_total",
                                "Total time in seconds no process could make progress due to IO congestion",
                                EXPO_COUNTER),
                (double)io.full_total / 1e6, NULL);
    expo_sample(expo_family_get(w, "node_pressure_memory_waiting_seconds_total",
                                "Total time in seconds that processes have waited for memory", EXPO_COUNTER),
                (double)mem.some_total / 1e6, NULL);
    expo_sample(
        expo_family_get(w, "node_pressure_memory_stalled_seconds_total",
                        "Total time in seconds no process could make progress due to memory congestion",
                        EXPO_COUNTER),
        (double)mem.full_total / 1e6, NULL);
    return 0;
}
