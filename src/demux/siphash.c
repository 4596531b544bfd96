/* siphash.c - SipHash, written from the paper's description. */
#include "portplex/siphash.h"
#include "siphash13_inline.h"

#include <string.h>
#include <sys/random.h>
#include <time.h>

static uint64_t load_le64(const uint8_t *p)
{
    uint64_t v = 0;
    int i;
    for (i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

uint64_t pp_siphash(const struct pp_sipkey *key, const void *data, size_t len, int c, int d)
{
    const uint8_t *p = data;
    uint64_t v0 = 0x736f6d6570736575ull ^ key->k0;
    uint64_t v1 = 0x646f72616e646f6dull ^ key->k1;
    uint64_t v2 = 0x6c7967656e657261ull ^ key->k0;
    uint64_t v3 = 0x7465646279746573ull ^ key->k1;
    uint64_t m, b = (uint64_t)len << 56;
    size_t i, left = len & 7;
    int r;

    for (i = 0; i + 8 <= len; i += 8) {
        m = load_le64(p + i);
        v3 ^= m;
        for (r = 0; r < c; r++)
            PP_SIPROUND(v0, v1, v2, v3);
        v0 ^= m;
    }
    for (i = 0; i < left; i++)
        b |= (uint64_t)p[len - left + i] << (8 * i);
    v3 ^= b;
    for (r = 0; r < c; r++)
        PP_SIPROUND(v0, v1, v2, v3);
    v0 ^= b;
    v2 ^= 0xff;
    for (r = 0; r < d; r++)
        PP_SIPROUND(v0, v1, v2, v3);
    return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t pp_siphash13_2u64(const struct pp_sipkey *key, uint64_t a, uint64_t b)
{
    return pp__siphash13_2u64_inline(key, a, b);
}

void pp_sipkey_random(struct pp_sipkey *key)
{
    if (getrandom(key, sizeof *key, 0) == (ssize_t)sizeof *key)
        return;
    /* Not secret, but still differs between runs. */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    key->k0 = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)key;
    key->k1 = (uint64_t)ts.tv_sec * 0xc2b2ae3d27d4eb4full ^ (uint64_t)(uintptr_t)&ts;
}
