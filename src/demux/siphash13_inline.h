/* siphash13_inline.h - SipHash-1-3 of two 64-bit words as an inline
 * function, so the socket table's hot lookups pay no call for it (the
 * exported pp_siphash13_2u64 is this same code). */
#ifndef PP_SIPHASH13_INLINE_H
#define PP_SIPHASH13_INLINE_H

#include "portplex/siphash.h"

/* Written for uint64_t and for vectors of them (siphash_batch.c) alike. */
#define PP_SIP_ROTL(x, b) (((x) << (b)) | ((x) >> (64 - (b))))

#define PP_SIPROUND(v0, v1, v2, v3)                                                      \
    do {                                                                                 \
        v0 += v1; v1 = PP_SIP_ROTL(v1, 13); v1 ^= v0; v0 = PP_SIP_ROTL(v0, 32);          \
        v2 += v3; v3 = PP_SIP_ROTL(v3, 16); v3 ^= v2;                                    \
        v0 += v3; v3 = PP_SIP_ROTL(v3, 21); v3 ^= v0;                                    \
        v2 += v1; v1 = PP_SIP_ROTL(v1, 17); v1 ^= v2; v2 = PP_SIP_ROTL(v2, 32);          \
    } while (0)

static inline __attribute__((always_inline)) uint64_t pp__siphash13_2u64_inline(const struct pp_sipkey *key, uint64_t a,
                                                 uint64_t b)
{
    uint64_t v0 = 0x736f6d6570736575ull ^ key->k0;
    uint64_t v1 = 0x646f72616e646f6dull ^ key->k1;
    uint64_t v2 = 0x6c7967656e657261ull ^ key->k0;
    uint64_t v3 = 0x7465646279746573ull ^ key->k1;
    const uint64_t last = (uint64_t)16 << 56; /* the message length, 16 bytes */

    v3 ^= a;
    PP_SIPROUND(v0, v1, v2, v3);
    v0 ^= a;
    v3 ^= b;
    PP_SIPROUND(v0, v1, v2, v3);
    v0 ^= b;
    v3 ^= last;
    PP_SIPROUND(v0, v1, v2, v3);
    v0 ^= last;
    v2 ^= 0xff;
    PP_SIPROUND(v0, v1, v2, v3);
    PP_SIPROUND(v0, v1, v2, v3);
    PP_SIPROUND(v0, v1, v2, v3);
    return v0 ^ v1 ^ v2 ^ v3;
}

#endif
