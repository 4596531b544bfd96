/* siphash.h - SipHash (Aumasson and Bernstein, 2012): a keyed hash that a
 * remote peer cannot steer into collisions without the key.  The socket
 * tables use SipHash-1-3 on the tuple; SYN cookies and scanner probes use
 * SipHash-2-4. */
#ifndef PP_SIPHASH_H
#define PP_SIPHASH_H

#include "portplex/export.h"

#include <stddef.h>
#include <stdint.h>

struct pp_sipkey {
    uint64_t k0, k1;
};

/* SipHash-c-d of len bytes of data under key (c compression rounds, d
 * finalization rounds): 2,4 is the reference strength, 1,3 the fast variant. */
PP_API uint64_t pp_siphash(const struct pp_sipkey *key, const void *data, size_t len, int c, int d);

/* SipHash-1-3 of exactly two 64-bit words, the shape of a demux key. */
PP_API uint64_t pp_siphash13_2u64(const struct pp_sipkey *key, uint64_t a, uint64_t b);

/* Fills key from the kernel's random source; falls back to time and address
 * entropy if getrandom() fails. */
PP_API void pp_sipkey_random(struct pp_sipkey *key);

#endif
