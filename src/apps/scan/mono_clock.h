/* mono_clock.h - monotonic seconds as a double, for timeouts, rates and
 * elapsed times (the scanner's reports, the benchmarks). */
#ifndef PP_MONO_CLOCK_H
#define PP_MONO_CLOCK_H

#include <time.h>

static inline double pp_mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#endif
