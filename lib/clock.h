/* clock.h -- the clocks deadlines are counted on, in seconds, and their timespec form for timed waits. */
#ifndef EXP_CLOCK_H
#define EXP_CLOCK_H

#include <time.h>

/* CLOCK_MONOTONIC in seconds. */
double now_monotonic(void);
/* CLOCK_REALTIME in seconds. */
double now_realtime(void);
/* An absolute time in seconds (of either clock) as a timespec, for pthread_cond_timedwait; below 0 is 0. */
struct timespec clock_timespec(double seconds);

#endif
