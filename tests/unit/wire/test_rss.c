/* test_rss.c - the Toeplitz hash against the verification vectors of
 * Microsoft's RSS specification, the symmetry of 16-bit-periodic keys, and
 * which fields pp_rss_hash_ipv4 reads for each kind of packet. */
#include "test.h"
#include "portplex/wire/bytes.h"
#include "portplex/wire/rss.h"

/* The specification's key ("Verifying the RSS Hash Calculation"). */
static const uint8_t ms_key_bytes[PP_RSS_KEY_LEN] = {
    0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
    0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
    0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa};

static struct pp_rss ms_rss, *const ms_key = &ms_rss;

static void prepare(void)
{
    pp_rss_prepare(&ms_rss, ms_key_bytes);
}

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

TEST(rss_matches_the_specification_vectors)
{
    uint8_t in[12];
    prepare();
    /* The bitwise definition and the prepared tables agree. */
    pp_put32(in, IP(66, 9, 149, 187));
    pp_put32(in + 4, IP(161, 142, 100, 80));
    pp_put16(in + 8, 2794);
    pp_put16(in + 10, 1766);
    ASSERT_EQ(pp_toeplitz(ms_key_bytes, PP_RSS_KEY_LEN, in, 12), 0x51ccc178u);
    ASSERT_EQ(pp_toeplitz(ms_key_bytes, PP_RSS_KEY_LEN, in, 8), 0x323e8fc2u);
    /* source, destination, then IPv4 only / IPv4 with TCP. */
    ASSERT_EQ(pp_rss_hash_tuple(ms_key, IP(66, 9, 149, 187), IP(161, 142, 100, 80), 0, 0),
              0x323e8fc2u);
    ASSERT_EQ(pp_rss_hash_tuple(ms_key, IP(66, 9, 149, 187), IP(161, 142, 100, 80), 2794, 1766),
              0x51ccc178u);
    ASSERT_EQ(pp_rss_hash_tuple(ms_key, IP(199, 92, 111, 2), IP(65, 69, 140, 83), 0, 0),
              0xd718262au);
    ASSERT_EQ(pp_rss_hash_tuple(ms_key, IP(199, 92, 111, 2), IP(65, 69, 140, 83), 14230, 4739),
              0xc626b0eau);
    ASSERT_EQ(pp_rss_hash_tuple(ms_key, IP(24, 19, 198, 95), IP(12, 22, 207, 184), 0, 0),
              0xd2d0a5deu);
    ASSERT_EQ(pp_rss_hash_tuple(ms_key, IP(24, 19, 198, 95), IP(12, 22, 207, 184), 12898, 38024),
              0x5c2b394au);
}

TEST(rss_rejects_a_short_key)
{
    uint8_t d[12] = {1};
    ASSERT_EQ(pp_toeplitz(ms_key_bytes, 15, d, 12), 0u);
    ASSERT_EQ(pp_toeplitz(NULL, 40, d, 12), 0u);
    ASSERT_EQ(pp_toeplitz(ms_key_bytes, 40, NULL, 12), 0u);
}

TEST(rss_symmetric_key_hashes_a_flow_and_its_reply_alike)
{
    uint8_t kb[PP_RSS_KEY_LEN];
    struct pp_rss kr, *k = &kr;
    uint32_t i, seed = 7, same_as_ms = 0;

    prepare();
    pp_rss_sym_key(0x6d5a, kb);
    ASSERT_EQ(kb[0], 0x6d);
    ASSERT_EQ(kb[39], 0x5a);
    pp_rss_prepare(&kr, kb);
    for (i = 0; i < 1000; i++) {
        uint32_t a = seed = seed * 1103515245u + 12345u, b = seed = seed * 1103515245u + 12345u;
        uint16_t pa = (uint16_t)(seed >> 7), pb = (uint16_t)(seed >> 13);
        ASSERT_EQ(pp_rss_hash_tuple(k, a, b, pa, pb), pp_rss_hash_tuple(k, b, a, pb, pa));
        /* The specification's key is not symmetric. */
        same_as_ms += pp_rss_hash_tuple(ms_key, a, b, pa, pb) == pp_rss_hash_tuple(ms_key, b, a, pb, pa);
    }
    ASSERT(same_as_ms < 10);
}

/* A 20-byte IPv4 header for proto from s to d, total len bytes. */
static void ip_hdr(uint8_t *p, uint8_t proto, uint32_t s, uint32_t d, uint16_t len, uint16_t frag)
{
    memset(p, 0, 20);
    p[0] = 0x45;
    pp_put16(p + 2, len);
    pp_put16(p + 6, frag);
    p[8] = 64;
    p[9] = proto;
    pp_put32(p + 12, s);
    pp_put32(p + 16, d);
}

TEST(rss_reads_the_ports_of_tcp_and_udp_but_not_of_fragments)
{
    uint8_t p[64];
    uint32_t s = IP(10, 0, 0, 2), d = IP(10, 0, 0, 1);

    prepare();
    ip_hdr(p, 6, s, d, 40, 0);
    pp_put16(p + 20, 2794);
    pp_put16(p + 22, 80);
    ASSERT_EQ(pp_rss_hash_ipv4(ms_key, p, 40), pp_rss_hash_tuple(ms_key, s, d, 2794, 80));
    p[9] = 17;
    ASSERT_EQ(pp_rss_hash_ipv4(ms_key, p, 40), pp_rss_hash_tuple(ms_key, s, d, 2794, 80));
    /* A first fragment (MF) and a later one (offset) hash alike: by address. */
    pp_put16(p + 6, 0x2000);
    ASSERT_EQ(pp_rss_hash_ipv4(ms_key, p, 40), pp_rss_hash_tuple(ms_key, s, d, 0, 0));
    pp_put16(p + 6, 0x0010);
    ASSERT_EQ(pp_rss_hash_ipv4(ms_key, p, 40), pp_rss_hash_tuple(ms_key, s, d, 0, 0));
    /* Other protocols, and what cannot be read. */
    ip_hdr(p, 47, s, d, 40, 0);
    ASSERT_EQ(pp_rss_hash_ipv4(ms_key, p, 40), pp_rss_hash_tuple(ms_key, s, d, 0, 0));
    ASSERT_EQ(pp_rss_hash_ipv4(ms_key, p, 19), 0u);
    p[0] = 0x65;
    ASSERT_EQ(pp_rss_hash_ipv4(ms_key, p, 40), 0u);
    p[0] = 0x4f; /* a 60-byte header in 40 bytes */
    ASSERT_EQ(pp_rss_hash_ipv4(ms_key, p, 40), 0u);
}

TEST(rss_steers_an_icmp_error_by_the_flow_it_quotes)
{
    uint8_t p[20 + 8 + 28];
    uint32_t us = IP(10, 0, 0, 2), peer = IP(10, 0, 1, 9), router = IP(10, 0, 0, 254);

    prepare();
    /* A port unreachable from a router about our UDP datagram us:5000 -> peer:53. */
    ip_hdr(p, 1, router, us, sizeof p, 0);
    p[20] = 3;
    p[21] = 3;
    ip_hdr(p + 28, 17, us, peer, 40, 0);
    pp_put16(p + 48, 5000);
    pp_put16(p + 50, 53);
    ASSERT_EQ(pp_rss_hash_ipv4(ms_key, p, sizeof p), pp_rss_hash_tuple(ms_key, peer, us, 53, 5000));
    /* An echo reply is not an error: the outer addresses. */
    p[20] = 0;
    ASSERT_EQ(pp_rss_hash_ipv4(ms_key, p, sizeof p), pp_rss_hash_tuple(ms_key, router, us, 0, 0));
    /* A quote cut short: the outer addresses. */
    p[20] = 3;
    ASSERT_EQ(pp_rss_hash_ipv4(ms_key, p, sizeof p - 6), pp_rss_hash_tuple(ms_key, router, us, 0, 0));
}
