/* bench_util.h - what the benchmarks share: the clock (pp_mono_s) and a
 * sink that keeps results alive. */
#ifndef PP_BENCH_UTIL_H
#define PP_BENCH_UTIL_H

#include "scan/mono_clock.h"

/* Keeps the compiler from discarding a result. */
static volatile unsigned long bench_sink;

#endif
