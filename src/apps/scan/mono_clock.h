/* mono_clock.h - monotonic seconds as a double, for timeouts, rates and
 * elapsed times (the scanner's reports, the benchmarks); and the deadline
 * pthread_cond_timedwait wants. */
#ifndef PP_MONO_CLOCK_H
#define PP_MONO_CLOCK_H

#include <time.h>

static inline double pp_mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The wall-clock time ms milliseconds from now (a condition variable's
 * deadline). */
static inline struct timespec pp_realtime_after_ms(int ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

#endif
