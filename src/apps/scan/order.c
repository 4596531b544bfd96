/* order.c - sequential or Feistel-permuted probe order, with shards. */
#include "order.h"

void pp_scan_order_init(struct pp_scan_order *o, uint64_t n, int randomize, uint64_t seed,
                        uint64_t shard, uint64_t shards)
{
    unsigned bits = 2;

    o->n = n;
    o->randomize = randomize;
    o->key.k0 = seed ^ 0x706f7274706c6578ull; /* "portplex" */
    o->key.k1 = seed * 0x9e3779b97f4a7c15ull + 1;
    while (bits < 64 && ((uint64_t)1 << bits) < n)
        bits += 2; /* an even number of bits: two equal halves */
    o->half_bits = bits / 2;
    o->shard = shard;
    o->shards = shards ? shards : 1;
}

uint64_t pp_scan_order_count(const struct pp_scan_order *o)
{
    if (o->shard >= o->n)
        return 0;
    return (o->n - o->shard + o->shards - 1) / o->shards;
}

static uint64_t feistel(const struct pp_scan_order *o, uint64_t x)
{
    uint64_t mask = ((uint64_t)1 << o->half_bits) - 1, l = x >> o->half_bits, r = x & mask;
    int round;

    for (round = 0; round < 4; round++) {
        uint64_t f = pp_siphash13_2u64(&o->key, r, (uint64_t)round) & mask, t = l ^ f;
        l = r;
        r = t;
    }
    return (l << o->half_bits) | r;
}

uint64_t pp_scan_order_permute(const struct pp_scan_order *o, uint64_t i)
{
    uint64_t x = i;

    if (!o->randomize)
        return i;
    /* Cycle walking: the domain is at most 4n, so this ends after about
     * four rounds on average and always stays a bijection of [0, n). */
    do
        x = feistel(o, x);
    while (x >= o->n);
    return x;
}

uint64_t pp_scan_order_at(const struct pp_scan_order *o, uint64_t k)
{
    return pp_scan_order_permute(o, o->shard + k * o->shards);
}
