/* bench_util.h - a monotonic clock for the benchmarks (never used by tests). */
#ifndef PP_BENCH_UTIL_H
#define PP_BENCH_UTIL_H

#include <time.h>

static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Keeps the compiler from discarding a result. */
static volatile unsigned long bench_sink;

#endif
