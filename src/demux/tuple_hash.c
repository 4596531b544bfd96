/* tuple_hash.c - the socket table's 4-tuple hash (tuple_hash.h): AES
 * rounds where the CPU has AES-NI, SipHash-1-3 elsewhere. */
#include "tuple_hash.h"

#include "siphash_batch.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define PP_THASH_AES 1

/* Whitening, then four full rounds: after two every output byte depends on
 * every input byte (FIPS 197's ShiftRows then MixColumns spread a byte over
 * a column, then over the state); the other two are margin against
 * structured inputs - an attacker chooses only its own addresses and ports
 * and never sees a hash. */
__attribute__((target("aes"))) static inline uint32_t aes4(const struct pp__thash *h, uint64_t a,
                                                           uint64_t b)
{
    const __m128i *rk = (const __m128i *)h->rk;
    __m128i x = _mm_xor_si128(_mm_set_epi64x((long long)b, (long long)a), _mm_load_si128(rk));

    x = _mm_aesenc_si128(x, _mm_load_si128(rk + 1));
    x = _mm_aesenc_si128(x, _mm_load_si128(rk + 2));
    x = _mm_aesenc_si128(x, _mm_load_si128(rk + 3));
    x = _mm_aesenc_si128(x, _mm_load_si128(rk + 4));
    return (uint32_t)_mm_cvtsi128_si32(x);
}

__attribute__((target("aes"))) uint32_t pp__thash_aes(const struct pp__thash *h, uint64_t a,
                                                      uint64_t b)
{
    return aes4(h, a, b);
}

/* Independent keys: the out-of-order core overlaps their rounds. */
__attribute__((target("aes"))) static void batch_aes(const struct pp__thash *h, const uint64_t *a,
                                                     const uint64_t *b, uint32_t *out, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        out[i] = aes4(h, a[i], b[i]);
}
#else
uint32_t pp__thash_aes(const struct pp__thash *h, uint64_t a, uint64_t b)
{
    return (uint32_t)pp__siphash13_2u64_inline(&h->sip, a, b); /* never chosen here */
}
#endif

void pp__thash_init(struct pp__thash *h, const struct pp_sipkey *k, int allow_aes)
{
    uint64_t i;

    h->sip = *k;
    /* Round keys: SipHash-2-4 of their index under the secret, a PRF. */
    for (i = 0; i < 10; i++)
        h->rk[i / 2][i % 2] = pp_siphash(k, &i, sizeof i, 2, 4);
    h->aes = 0;
#ifdef PP_THASH_AES
    __builtin_cpu_init();
    h->aes = allow_aes && __builtin_cpu_supports("aes");
#else
    (void)allow_aes;
#endif
}

void pp__thash_batch(const struct pp__thash *h, const uint64_t *a, const uint64_t *b,
                     uint32_t *out, size_t n)
{
    uint64_t hv[64];
    size_t i, j, m;

#ifdef PP_THASH_AES
    if (h->aes) {
        batch_aes(h, a, b, out, n);
        return;
    }
#endif
    for (i = 0; i < n; i += m) {
        m = n - i < 64 ? n - i : 64;
        pp__siphash13_batch(&h->sip, a + i, b + i, hv, m);
        for (j = 0; j < m; j++)
            out[i + j] = (uint32_t)hv[j];
    }
}
