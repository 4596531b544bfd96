/* demux_rte.h - the rte_hash peer of bench/demux.c (demux_rte.c). */
#ifndef BENCH_DEMUX_RTE_H
#define BENCH_DEMUX_RTE_H
#include <stddef.h>
#include <stdint.h>

/* Starts DPDK's EAL without huge pages or devices; 0 or -1. */
int rte_peer_init(void);
/* rte_hash holding connections 0..n-1, to be asked the nq queries q (each
 * a connection's number). */
struct rte_peer;
struct rte_peer *rte_peer_new(size_t n, const uint32_t *q, size_t nq,
                              void (*remote_of)(size_t i, uint32_t *raddr, uint16_t *rport),
                              uint32_t laddr);
/* One pass over the queries; ns per lookup, one by one / in bursts of 32. */
double rte_peer_one_by_one(struct rte_peer *p);
double rte_peer_bursts(struct rte_peer *p);
void rte_peer_free(struct rte_peer *p);
#endif
