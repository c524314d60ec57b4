/* parse_timex.c -- adjtimex(2)'s struct timex turned into node_exporter's node_timex_* values (units as its).
 */
#include "parsers.h"

#include <sys/timex.h>

const char *const timex_names[TIMEX_VALUES] = {
    "sync_status",
    "offset_seconds",
    "frequency_adjustment_ratio",
    "maxerror_seconds",
    "estimated_error_seconds",
    "status",
    "loop_time_constant",
    "tick_seconds",
    "pps_frequency_hertz",
    "pps_jitter_seconds",
    "pps_shift_seconds",
    "pps_stability_hertz",
    "pps_jitter_total",
    "pps_calibration_total",
    "pps_error_total",
    "pps_stability_exceeded_total",
    "tai_offset_seconds",
};

void timex_values(const struct timex *tx, int state, double out[TIMEX_VALUES])
{
    /* STA_NANO switches offset and jitter from microseconds to nanoseconds; frequencies are
     * ppm with a 16-bit fraction (adjtimex(2) NOTES). */
    const double ppm16frac = 1000000.0 * 65536.0;
    double divisor = (tx->status & STA_NANO) ? 1e9 : 1e6;
    out[0] = state == TIME_ERROR ? 0 : 1;
    out[1] = (double)tx->offset / divisor;
    out[2] = 1 + (double)tx->freq / ppm16frac;
    out[3] = (double)tx->maxerror / 1e6;
    out[4] = (double)tx->esterror / 1e6;
    out[5] = (double)tx->status;
    out[6] = (double)tx->constant;
    out[7] = (double)tx->tick / 1e6;
    out[8] = (double)tx->ppsfreq / ppm16frac;
    out[9] = (double)tx->jitter / divisor;
    out[10] = (double)tx->shift;
    out[11] = (double)tx->stabil / ppm16frac;
    out[12] = (double)tx->jitcnt;
    out[13] = (double)tx->calcnt;
    out[14] = (double)tx->errcnt;
    out[15] = (double)tx->stbcnt;
    out[16] = (double)tx->tai;
}
