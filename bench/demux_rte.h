/* demux_rte.h - the rte_hash peer of bench/demux.c (demux_rte.c). */
#ifndef BENCH_DEMUX_RTE_H
#define BENCH_DEMUX_RTE_H
#include <stddef.h>
#include <stdint.h>

/* Starts DPDK's EAL without huge pages or devices; 0 or -1. */
int rte_peer_init(void);
/* ns per lookup one by one; *burst_ns per lookup in bursts of 32. */
double rte_peer_bench(size_t n, const uint32_t *q, size_t nq,
                      void (*remote_of)(size_t i, uint32_t *raddr, uint16_t *rport), uint32_t laddr,
                      double *burst_ns);
#endif
