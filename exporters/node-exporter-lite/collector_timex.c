/* collector_timex.c -- node_timex_*: the kernel clock's discipline state from adjtimex(2). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/timex.h>

#include "node.h"
#include "parsers.h"

static const char *const timex_help[TIMEX_VALUES] = {
    "Is clock synchronized to a reliable server (1 = yes, 0 = no).",
    "Time offset in between local system and reference clock.",
    "Local clock frequency adjustment.",
    "Maximum error in seconds.",
    "Estimated error in seconds.",
    "Value of the status array bits.",
    "Phase-locked loop time constant.",
    "Seconds between clock ticks.",
    "Pulse per second frequency.",
    "Pulse per second jitter.",
    "Pulse per second interval duration.",
    "Pulse per second stability, average of recent frequency changes.",
    "Pulse per second count of jitter limit exceeded events.",
    "Pulse per second count of calibration intervals.",
    "Pulse per second count of calibration errors.",
    "Pulse per second count of stability limit exceeded events.",
    "International Atomic Time (TAI) offset.",
};

static int collect_timex(expo *w, collector_ctx *ctx)
{
    struct timex tx;
    memset(&tx, 0, sizeof tx); /* modes 0: read only */
    int state = adjtimex(&tx);
    if (state < 0)
        return node_fail(ctx, "timex", errno == EPERM ? "not permitted (no data)" : strerror(errno));
    double v[TIMEX_VALUES];
    timex_values(&tx, state, v);
    char name[64];
    for (int i = 0; i < TIMEX_VALUES; i++) {
        /* pps_{jitter,calibration,error,stability_exceeded}_total are counters; the rest gauges. */
        expo_type type = i >= 12 && i <= 15 ? EXPO_COUNTER : EXPO_GAUGE;
        snprintf(name, sizeof name, "node_timex_%s", timex_names[i]);
        expo_sample(expo_family_get(w, name, timex_help[i], type), v[i], NULL);
    }
    return 0;
}

const collector node_collector_timex = {.name = "timex",
                                        .enabled_by_default = true,
                                        .help = "Exposes selected adjtimex(2) system call stats.",
                                        .collect = collect_timex};
