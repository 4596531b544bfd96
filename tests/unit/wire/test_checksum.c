/* test_checksum.c - the Internet checksum against a byte-wise reference,
 * RFC 1071's worked example, and RFC 1624 incremental updates. */
#include "test.h"
#include "portplex/wire/checksum.h"
#include "portplex/wire/bytes.h"

static uint32_t rng = 12345;
static uint8_t rnd8(void)
{
    rng = rng * 1103515245u + 12345u;
    return (uint8_t)(rng >> 16);
}

TEST(csum_rfc1071_example)
{
    /* RFC 1071 section 3: these 8 bytes sum to ddf2, checksum 220d. */
    static const uint8_t b[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    ASSERT_EQ(pp_csum(b, sizeof b), 0x220d);
    ASSERT_EQ(pp_csum_reference(b, sizeof b), 0x220d);
}

TEST(csum_matches_reference_all_lengths_and_offsets)
{
    uint8_t buf[1600];
    size_t len, off;
    for (len = 0; len < sizeof buf; len++)
        buf[len] = rnd8();
    for (off = 0; off < 8; off++)
        for (len = 0; len + off <= 700; len++)
            ASSERT_EQ(pp_csum(buf + off, len), pp_csum_reference(buf + off, len));
    ASSERT_EQ(pp_csum(buf, sizeof buf), pp_csum_reference(buf, sizeof buf));
}

TEST(csum_all_ones_and_zeros)
{
    uint8_t buf[256];
    memset(buf, 0xff, sizeof buf);
    ASSERT_EQ(pp_csum(buf, sizeof buf), pp_csum_reference(buf, sizeof buf));
    ASSERT_EQ(pp_csum(buf, sizeof buf), 0x0000);
    memset(buf, 0, sizeof buf);
    ASSERT_EQ(pp_csum(buf, sizeof buf), 0xffff);
    ASSERT_EQ(pp_csum(buf, 0), 0xffff);
}

TEST(csum_chunks_add_up)
{
    uint8_t buf[300];
    uint32_t s;
    size_t i;
    for (i = 0; i < sizeof buf; i++)
        buf[i] = rnd8();
    s = pp_csum_add(0, buf, 100);
    s = pp_csum_add(s, buf + 100, 150);
    s = pp_csum_add(s, buf + 250, 49); /* odd tail last */
    ASSERT_EQ(pp_csum_finish(s), pp_csum_reference(buf, 299));
}

TEST(csum_verifies_to_zero)
{
    uint8_t buf[64];
    size_t i;
    for (i = 0; i < sizeof buf; i++)
        buf[i] = rnd8();
    pp_put16(buf + 10, 0);
    pp_put16(buf + 10, pp_csum(buf, sizeof buf));
    ASSERT_EQ(pp_csum(buf, sizeof buf), 0);
}

TEST(csum_pseudo_header)
{
    /* The pseudo-header sum equals summing its 12 bytes laid out. */
    uint8_t ph[12];
    pp_put32(ph, 0xc0000201u);
    pp_put32(ph + 4, 0x0a000002u);
    ph[8] = 0;
    ph[9] = 6;
    pp_put16(ph + 10, 1234);
    ASSERT_EQ(pp_csum_finish(pp_csum_pseudo(0xc0000201u, 0x0a000002u, 6, 1234)), pp_csum(ph, 12));
}

TEST(csum_incremental_rfc1624)
{
    uint8_t buf[40];
    int round;
    for (round = 0; round < 2000; round++) {
        uint16_t c, old, nw;
        uint32_t o32, n32;
        size_t i;
        for (i = 0; i < sizeof buf; i++)
            buf[i] = rnd8();
        pp_put16(buf + 2, 0);
        c = pp_csum(buf, sizeof buf);
        pp_put16(buf + 2, c);
        old = pp_get16(buf + 8);
        nw = round == 0 ? 0 : (uint16_t)(rnd8() << 8 | rnd8());
        pp_put16(buf + 8, nw);
        c = pp_csum_update16(c, old, nw);
        pp_put16(buf + 2, c);
        ASSERT_EQ(pp_csum(buf, sizeof buf), 0);
        o32 = pp_get32(buf + 12);
        n32 = (uint32_t)rnd8() << 24 | (uint32_t)rnd8() << 8 | rnd8();
        pp_put32(buf + 12, n32);
        c = pp_csum_update32(c, o32, n32);
        pp_put16(buf + 2, c);
        ASSERT_EQ(pp_csum(buf, sizeof buf), 0);
    }
}

TEST(csum_incremental_ttl_decrement)
{
    /* The router case of RFC 1624 section 4: decrement TTL in a header. */
    uint8_t h[20] = {0x45, 0, 0, 84, 0x12, 0x34, 0x40, 0, 64, 1, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2};
    uint16_t c = pp_csum(h, 20), old = pp_get16(h + 8);
    pp_put16(h + 10, c);
    h[8]--;
    pp_put16(h + 10, pp_csum_update16(c, old, pp_get16(h + 8)));
    ASSERT_EQ(pp_csum(h, 20), 0);
}
