/* tuple_hash.h - the keyed hash that places an IPv4 4-tuple in the socket
 * table (the two words of dmx_key4_a/b).  Where the CPU has AES-NI it is
 * four AES rounds under round keys drawn from the table's secret, the way
 * Go's runtime hashes map keys against flooding: about a nanosecond, and
 * many keys of a burst in flight at once.  Elsewhere (or when the table is
 * built without it) it is SipHash-1-3 under the secret.  Either way a
 * remote peer who does not know the secret cannot aim its connections at
 * one bucket (docs/architecture.md, "the socket table"). */
#ifndef PP_DEMUX_TUPLE_HASH_H
#define PP_DEMUX_TUPLE_HASH_H

#include "siphash13_inline.h"

#include <stddef.h>
#include <stdint.h>

struct pp__thash {
    _Alignas(16) uint64_t rk[5][2]; /* AES: the whitening key and four round keys */
    struct pp_sipkey sip;
    int aes; /* 1: the AES rounds, 0: SipHash-1-3 */
};

/* Derives the round keys from k; allow_aes 0 keeps SipHash on any CPU. */
void pp__thash_init(struct pp__thash *h, const struct pp_sipkey *k, int allow_aes);
/* The AES hash of one key (h->aes must be set). */
uint32_t pp__thash_aes(const struct pp__thash *h, uint64_t a, uint64_t b);
/* out[i] = pp__thash(h, a[i], b[i]) for n keys. */
void pp__thash_batch(const struct pp__thash *h, const uint64_t *a, const uint64_t *b,
                     uint32_t *out, size_t n);

static inline uint32_t pp__thash(const struct pp__thash *h, uint64_t a, uint64_t b)
{
    if (h->aes)
        return pp__thash_aes(h, a, b);
    return (uint32_t)pp__siphash13_2u64_inline(&h->sip, a, b);
}

#endif
