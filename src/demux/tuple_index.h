/* tuple_index.h - the compact index of IPv4 TCP 4-tuples: connections and
 * TIME_WAIT records.  A lookup reads one cache line: buckets of 64 bytes
 * hold three whole keys (addresses and ports, 12 bytes each), their entries
 * and whether each is a TIME_WAIT record, so the answer is known without
 * touching the entry (docs/architecture.md, "the socket table").
 *
 * Open addressing with linear probing over buckets; each bucket counts the
 * keys that had to probe past it (as F14 and Swiss tables do), so a lookup
 * stops at the first bucket with no such key, and removal needs no
 * tombstones.  The table doubles at 2/3 of its slots and halves at 1/8,
 * moving a few buckets per insert or remove (incremental rehashing, as
 * htable.c), so no single operation copies the whole table. */
#ifndef PP_DEMUX_TUPLE_INDEX_H
#define PP_DEMUX_TUPLE_INDEX_H

#include "portplex/demux.h"

#include <stddef.h>
#include <stdint.h>

#define PP_TIX_SLOTS 3

struct pp_tix_bucket {
    uint64_t addrs[PP_TIX_SLOTS]; /* raddr << 32 | laddr */
    uint32_t ports[PP_TIX_SLOTS]; /* rport << 16 | lport */
    uint16_t passed;              /* keys that probed past this bucket (0xffff: sticky) */
    uint8_t used;                 /* bit per slot */
    uint8_t tw;                   /* bit per slot: a TIME_WAIT record */
    struct pp_dmx_entry *e[PP_TIX_SLOTS];
};

struct pp_tix {
    struct pp_tix_bucket *b[2]; /* b[1] is non-NULL only while rehashing */
    uint32_t mask[2];
    size_t used[2];
    size_t rehash_idx; /* next bucket of b[0] to move */
};

/* The two words a key is compared as. */
static inline uint64_t pp__tix_addrs(uint32_t laddr, uint32_t raddr)
{
    return (uint64_t)raddr << 32 | laddr;
}
static inline uint32_t pp__tix_ports(uint16_t lport, uint16_t rport)
{
    return (uint32_t)rport << 16 | lport;
}

/* Returns 0 or -ENOMEM. */
int pp__tix_init(struct pp_tix *t);
/* Frees the buckets (not the entries). Accepts a zeroed index. */
void pp__tix_fini(struct pp_tix *t);
/* Adds e (IPv4, connected or TIME_WAIT) under hash h; keeps h in
 * e->node.hash for removal.  Returns 0, or -ENOMEM when every slot is taken
 * and the index could not grow. */
int pp__tix_insert(struct pp_tix *t, struct pp_dmx_entry *e, uint32_t h);
/* Removes e, which must be in the index. */
void pp__tix_remove(struct pp_tix *t, struct pp_dmx_entry *e);
/* Calls fn on every entry. */
void pp__tix_foreach(const struct pp_tix *t, void (*fn)(void *, const struct pp_dmx_entry *),
                     void *arg);

static inline size_t pp__tix_count(const struct pp_tix *t)
{
    return t->used[0] + t->used[1];
}
size_t pp__tix_bytes(const struct pp_tix *t);

/* The home bucket of hash h (prefetch it ahead of a lookup). */
static inline const struct pp_tix_bucket *pp__tix_home(const struct pp_tix *t, uint32_t h)
{
    return &t->b[0][h & t->mask[0]];
}

/* Looks for the key in one of the two arrays. */
static inline struct pp_dmx_entry *pp__tix_find_in(const struct pp_tix_bucket *b, uint32_t mask,
                                                   uint32_t h, uint64_t addrs, uint32_t ports,
                                                   int *tw)
{
    uint32_t i = h & mask, n;

    for (n = 0; n <= mask; n++) {
        const struct pp_tix_bucket *k = &b[i];
        unsigned hit = 0;
        int s;
        /* All three slots compared without a branch (where in the bucket a
         * key sits is random, so a branch per slot mispredicts), then one
         * branch on the result. */
        for (s = 0; s < PP_TIX_SLOTS; s++)
            hit |= (unsigned)(((k->addrs[s] ^ addrs) | (uint64_t)(k->ports[s] ^ ports)) == 0) << s;
        hit &= k->used;
        if (hit) {
            s = __builtin_ctz(hit);
            *tw = k->tw >> s & 1;
            return k->e[s];
        }
        if (!k->passed)
            break;
        i = (i + 1) & mask;
    }
    return NULL;
}

/* The entry with this key, or NULL; *tw says whether it is a TIME_WAIT
 * record. */
static inline struct pp_dmx_entry *pp__tix_find(const struct pp_tix *t, uint32_t h, uint64_t addrs,
                                                uint32_t ports, int *tw)
{
    struct pp_dmx_entry *e = pp__tix_find_in(t->b[0], t->mask[0], h, addrs, ports, tw);

    if (!e && t->b[1])
        e = pp__tix_find_in(t->b[1], t->mask[1], h, addrs, ports, tw);
    return e;
}

#endif
