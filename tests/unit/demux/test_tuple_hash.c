/* test_tuple_hash.c - the socket table's 4-tuple hash (demux/tuple_hash.c),
 * in both its forms (AES rounds where the CPU has AES-NI, SipHash-1-3):
 * the burst form gives the single form's value; the SipHash form is
 * SipHash; each output bit flips for about half of the one-bit changes of
 * the input (avalanche); the tuples an attacker can choose - one address,
 * every port - spread evenly over the buckets; another secret places them
 * elsewhere. */
#include <stdio.h>
#include <string.h>

#include "test.h"
#include "demux/tuple_hash.h"

static const struct pp_sipkey K1 = {0x243f6a8885a308d3ull, 0x13198a2e03707344ull};
static const struct pp_sipkey K2 = {0xa4093822299f31d0ull, 0x082efa98ec4e6c89ull};

/* The forms this machine can run: SipHash always, AES where it has it. */
static int forms(struct pp__thash h[2], const struct pp_sipkey *k)
{
    pp__thash_init(&h[0], k, 0);
    pp__thash_init(&h[1], k, 1);
    return h[1].aes ? 2 : 1;
}

static uint64_t addrs(uint32_t laddr, uint32_t raddr)
{
    return (uint64_t)laddr << 32 | raddr;
}

TEST(tuple_hash_batch_equals_single_in_both_forms)
{
    struct pp__thash h[2];
    uint64_t a[67], b[67];
    uint32_t out[67];
    size_t n, i;
    int f, nf = forms(h, &K1);

    ASSERT_EQ(h[0].aes, 0);
    printf("# AES form %s on this CPU\n", nf == 2 ? "present" : "absent");
    for (i = 0; i < 67; i++) {
        a[i] = addrs(0x0a000001u, 0xc0a80000u + (uint32_t)i);
        b[i] = (uint64_t)80 << 16 | (uint64_t)(1024 + i * 7);
    }
    for (f = 0; f < nf; f++) {
        for (n = 0; n <= 67; n++) {
            for (i = 0; i < 67; i++)
                out[i] = 0xdead;
            pp__thash_batch(&h[f], a, b, out, n);
            for (i = 0; i < n; i++)
                ASSERT_EQ(out[i], pp__thash(&h[f], a[i], b[i]));
            for (; i < 67; i++)
                ASSERT_EQ(out[i], 0xdead); /* nothing written past n */
        }
    }
    for (i = 0; i < 67; i++)
        ASSERT_EQ(pp__thash(&h[0], a[i], b[i]), (uint32_t)pp_siphash13_2u64(&K1, a[i], b[i]));
}

/* Every input bit, flipped in 2000 random keys, flips each output bit with
 * a probability near 1/2: counted over all 96 key bits and 32 output bits,
 * no pair strays below 0.40 or above 0.60 (a round too few leaves most
 * pairs at 0 or 1). */
TEST(tuple_hash_avalanche)
{
    struct pp__thash h[2];
    int f, nf = forms(h, &K1);

    for (f = 0; f < nf; f++) {
        static unsigned flips[96][32];
        uint64_t x = 88172645463325252ull;
        int in, out, s;
        double lo = 1, hi = 0;

        memset(flips, 0, sizeof flips);
        for (s = 0; s < 2000; s++) {
            uint64_t a, b;
            uint32_t base;
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            a = x;
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            b = x & 0xffffffffu; /* the ports word: 32 bits used */
            base = pp__thash(&h[f], a, b);
            for (in = 0; in < 96; in++) {
                uint32_t d = base ^ (in < 64 ? pp__thash(&h[f], a ^ 1ull << in, b)
                                             : pp__thash(&h[f], a, b ^ 1ull << (in - 64)));
                for (out = 0; out < 32; out++)
                    flips[in][out] += d >> out & 1;
            }
        }
        for (in = 0; in < 96; in++)
            for (out = 0; out < 32; out++) {
                double p = flips[in][out] / 2000.0;
                lo = p < lo ? p : lo;
                hi = p > hi ? p : hi;
            }
        printf("# form %s: each output bit flips with probability %.3f-%.3f\n",
               h[f].aes ? "AES" : "SipHash", lo, hi);
        ASSERT(lo > 0.40 && hi < 0.60);
    }
}

/* One remote address, every remote port, to one local port: 65536 keys in
 * 1024 buckets.  Evenly spread, the fullest bucket holds about 64 + 4
 * standard deviations (~96); a structured weakness piles them up. */
TEST(tuple_hash_spreads_one_address_s_ports_and_depends_on_the_secret)
{
    struct pp__thash h[2], g[2];
    int f, nf = forms(h, &K1);

    forms(g, &K2);
    for (f = 0; f < nf; f++) {
        static unsigned load[1024];
        unsigned max = 0, same = 0, p;

        memset(load, 0, sizeof load);
        for (p = 0; p < 65536; p++) {
            uint64_t a = addrs(0x0a000001u, 0xc6336407u), b = (uint64_t)443 << 16 | p;
            uint32_t v = pp__thash(&h[f], a, b);
            if (++load[v & 1023] > max)
                max = load[v & 1023];
            same += (v & 1023) == (pp__thash(&g[f], a, b) & 1023);
        }
        printf("# form %s: fullest of 1024 buckets %u (mean 64); %u of 65536 keys in the same "
               "bucket under another secret (chance: 64)\n",
               h[f].aes ? "AES" : "SipHash", max, same);
        ASSERT_LT(max, 110);
        ASSERT_LT(same, 140);
    }
}
