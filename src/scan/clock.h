/* clock.h - the scanner's one clock: monotonic seconds as a double, for
 * timeouts, rates and the elapsed times printed in the reports. */
#ifndef PP_SCAN_CLOCK_H
#define PP_SCAN_CLOCK_H

#include <time.h>

static inline double scan_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#endif
