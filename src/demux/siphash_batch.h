/* siphash_batch.h - SipHash-1-3 of n two-word keys at once (vectorised where
 * the CPU allows); out[i] equals pp_siphash13_2u64(k, a[i], b[i]). */
#ifndef PP_SIPHASH_BATCH_H
#define PP_SIPHASH_BATCH_H

#include "portplex/siphash.h"

void pp__siphash13_batch(const struct pp_sipkey *k, const uint64_t *a, const uint64_t *b,
                         uint64_t *out, size_t n);

enum { PP_SIPBATCH_SCALAR, PP_SIPBATCH_AVX2, PP_SIPBATCH_AVX512 };
/* Tests: one implementation by name; -1 if this CPU or build lacks it. */
int pp__siphash13_batch_variant(int variant, const struct pp_sipkey *k, const uint64_t *a,
                                const uint64_t *b, uint64_t *out, size_t n);

#endif
