/* collector_pressure.c -- node_pressure_*: pressure stall information (PSI, kernel 4.20+). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "node.h"
#include "parsers.h"
#include "procfile.h"

static int read_psi(int i, const char *resource, pressure_rec *out, collector_ctx *ctx)
{
    char rel[64], path[4096], err[256], *text;
    snprintf(rel, sizeof rel, "pressure/%s", resource);
    if (node_path(path, sizeof path, NODE_PATHS(ctx)->procfs, rel) < 0)
        return node_fail(ctx, "pressure", "path too long");
    if (procfile_read(&NODE_FILES(ctx)[i], path, 1 << 16, &text, err, sizeof err) < 0)
        return node_fail(ctx, "pressure",
                         errno == ENOENT ? "pressure information is unavailable, you need a "
                                           "Linux kernel >= 4.20 and/or CONFIG_PSI enabled"
                                         : err);
    int rc = pressure_parse(text, out, err, sizeof err);
    return rc < 0 ? node_fail(ctx, path, err) : 0;
}

static int collect_pressure(expo *w, collector_ctx *ctx)
{
    pressure_rec cpu, io, mem;
    if (read_psi(0, "cpu", &cpu, ctx) < 0 || read_psi(1, "io", &io, ctx) < 0 ||
        read_psi(2, "memory", &mem, ctx) < 0)
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

const collector node_collector_pressure = {.name = "pressure",
                                           .enabled_by_default = true,
                                           .help = "Exposes pressure stall statistics from /proc/pressure/.",
                                           .collect = collect_pressure,
                                           NODE_FILES_STATE};
