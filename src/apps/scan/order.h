/* order.h - the order probes go out in: sequential (host by host, ports
 * low to high, as nmap's classic description has it), or a keyed
 * pseudo-random permutation of (host x port) that needs no array: a
 * four-round Feistel network over the smallest even-bit domain that holds
 * N, with cycle walking for indices >= N (Black and Rogaway, "Ciphers with
 * Arbitrary Finite Domains", 2002).  Sharding splits the walk: shard i of n
 * takes positions i, i + n, i + 2n ... */
#ifndef PP_SCAN_ORDER_H
#define PP_SCAN_ORDER_H

#include <stdint.h>

#include "portplex/siphash.h"

struct pp_scan_order {
    uint64_t n;        /* items */
    int randomize;
    struct pp_sipkey key;
    unsigned half_bits; /* each Feistel half */
    uint64_t shard, shards;
};

/* Sets up the walk over n items; seed keys the permutation (same seed,
 * same order).  shard < shards. */
void pp_scan_order_init(struct pp_scan_order *o, uint64_t n, int randomize, uint64_t seed,
                        uint64_t shard, uint64_t shards);
/* How many items this shard visits. */
uint64_t pp_scan_order_count(const struct pp_scan_order *o);
/* The item at step k (0 <= k < pp_scan_order_count). */
uint64_t pp_scan_order_at(const struct pp_scan_order *o, uint64_t k);
/* The permutation itself: a bijection of [0, n). */
uint64_t pp_scan_order_permute(const struct pp_scan_order *o, uint64_t i);

#endif
