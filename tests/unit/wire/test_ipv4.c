/* test_ipv4.c - IPv4 header parse/validate/emit, one test per malformation. */
#include "test.h"
#include "linux_packets.h"
#include "portplex/wire/bytes.h"
#include "portplex/wire/checksum.h"
#include "portplex/wire/ipv4.h"
#include "portplex/wire/wire_err.h"

static void refresh_csum(uint8_t *p)
{
    pp_put16(p + 10, 0);
    pp_put16(p + 10, pp_csum(p, (size_t)(p[0] & 15) * 4));
}

TEST(ipv4_parse_linux_echo)
{
    struct pp_ipv4_hdr h;
    ASSERT_EQ(pp_ipv4_parse(linux_echo, sizeof linux_echo, &h, 0), 20);
    ASSERT_EQ(h.hdr_len, 20);
    ASSERT_EQ(h.total_len, 84);
    ASSERT_EQ(h.id, 0x31dc);
    ASSERT_EQ(h.df, 1);
    ASSERT_EQ(h.mf, 0);
    ASSERT_EQ(h.frag_off, 0);
    ASSERT_EQ(h.ttl, 64);
    ASSERT_EQ(h.proto, PP_IP_PROTO_ICMP);
    ASSERT_EQ(h.csum, 0x84c9);
    ASSERT_EQ(h.src, ADDR_A);
    ASSERT_EQ(h.dst, ADDR_B);
    ASSERT_EQ(h.payload_len, 64);
    ASSERT(h.payload == linux_echo + 20);
    ASSERT(h.opts == NULL);
}

TEST(ipv4_trailing_padding_ignored)
{
    uint8_t buf[128];
    struct pp_ipv4_hdr h;
    memcpy(buf, linux_echo, sizeof linux_echo);
    memset(buf + sizeof linux_echo, 0xee, sizeof buf - sizeof linux_echo);
    ASSERT_EQ(pp_ipv4_parse(buf, sizeof buf, &h, 0), 20);
    ASSERT_EQ(h.payload_len, 64);
}

TEST(ipv4_truncated)
{
    struct pp_ipv4_hdr h;
    size_t n;
    for (n = 0; n < 20; n++)
        ASSERT_EQ(pp_ipv4_parse(linux_echo, n, &h, 0), -PP_WERR_TRUNCATED);
}

TEST(ipv4_bad_version)
{
    uint8_t p[sizeof linux_echo];
    struct pp_ipv4_hdr h;
    memcpy(p, linux_echo, sizeof p);
    p[0] = 0x65;
    ASSERT_EQ(pp_ipv4_parse(p, sizeof p, &h, 0), -PP_WERR_VERSION);
}

TEST(ipv4_bad_ihl)
{
    uint8_t p[sizeof linux_echo];
    struct pp_ipv4_hdr h;
    int ihl;
    memcpy(p, linux_echo, sizeof p);
    for (ihl = 0; ihl < 5; ihl++) {
        p[0] = (uint8_t)(0x40 | ihl);
        ASSERT_EQ(pp_ipv4_parse(p, sizeof p, &h, 0), -PP_WERR_IHL);
    }
    p[0] = 0x4f; /* 60 bytes of header in a 24-byte buffer */
    ASSERT_EQ(pp_ipv4_parse(p, 24, &h, 0), -PP_WERR_IHL);
}

TEST(ipv4_bad_total_length)
{
    uint8_t p[sizeof linux_echo];
    struct pp_ipv4_hdr h;
    memcpy(p, linux_echo, sizeof p);
    pp_put16(p + 2, 19);
    refresh_csum(p);
    ASSERT_EQ(pp_ipv4_parse(p, sizeof p, &h, 0), -PP_WERR_TOTLEN);
    pp_put16(p + 2, sizeof linux_echo + 1);
    refresh_csum(p);
    ASSERT_EQ(pp_ipv4_parse(p, sizeof p, &h, 0), -PP_WERR_TOTLEN);
}

TEST(ipv4_bad_checksum)
{
    uint8_t p[sizeof linux_echo];
    struct pp_ipv4_hdr h;
    memcpy(p, linux_echo, sizeof p);
    p[11] ^= 1;
    ASSERT_EQ(pp_ipv4_parse(p, sizeof p, &h, 0), -PP_WERR_CSUM);
    ASSERT_EQ(pp_ipv4_parse(p, sizeof p, &h, PP_WIRE_NO_CSUM), 20);
}

TEST(ipv4_reserved_flag_and_ping_of_death)
{
    uint8_t p[sizeof linux_echo];
    struct pp_ipv4_hdr h;
    memcpy(p, linux_echo, sizeof p);
    p[6] |= 0x80;
    refresh_csum(p);
    ASSERT_EQ(pp_ipv4_parse(p, sizeof p, &h, 0), -PP_WERR_FRAG);
    /* Offset 65528 + 64 payload bytes runs past 65535. */
    pp_put16(p + 6, 0x1fff);
    refresh_csum(p);
    ASSERT_EQ(pp_ipv4_parse(p, sizeof p, &h, 0), -PP_WERR_FRAG);
    /* Offset 65464 + 64 = 65528: allowed. */
    pp_put16(p + 6, 0x2000 | (65464 / 8));
    refresh_csum(p);
    ASSERT_EQ(pp_ipv4_parse(p, sizeof p, &h, 0), 20);
    ASSERT_EQ(h.mf, 1);
    ASSERT_EQ(h.frag_off, 65464);
    ASSERT(pp_ipv4_is_fragment(&h));
}

TEST(ipv4_ttl_zero)
{
    uint8_t p[sizeof linux_echo];
    struct pp_ipv4_hdr h;
    memcpy(p, linux_echo, sizeof p);
    p[8] = 0;
    refresh_csum(p);
    ASSERT_EQ(pp_ipv4_parse(p, sizeof p, &h, 0), -PP_WERR_TTL);
}

/* Builds a header with the given option bytes (padded by the caller). */
static size_t with_options(uint8_t *p, const uint8_t *opt, size_t olen)
{
    size_t hl = 20 + olen;
    memcpy(p, linux_echo, 20);
    memcpy(p + 20, opt, olen);
    memcpy(p + hl, linux_echo + 20, sizeof linux_echo - 20);
    p[0] = (uint8_t)(0x40 | hl / 4);
    pp_put16(p + 2, (uint16_t)(hl + sizeof linux_echo - 20));
    refresh_csum(p);
    return hl + sizeof linux_echo - 20;
}

TEST(ipv4_options_valid)
{
    /* NOP, record route (len 7, pointer 4, one empty slot) , EOL. */
    static const uint8_t opt[] = {1, 7, 7, 4, 0, 0, 0, 0};
    uint8_t p[200];
    struct pp_ipv4_hdr h;
    size_t n = with_options(p, opt, sizeof opt);
    ASSERT_EQ(pp_ipv4_parse(p, n, &h, 0), 28);
    ASSERT(h.opts == p + 20);
    ASSERT_EQ(h.payload_len, 64);
}

TEST(ipv4_options_malformed)
{
    static const uint8_t zero_len[] = {7, 0, 0, 0};
    static const uint8_t one_len[] = {7, 1, 0, 0};
    static const uint8_t too_long[] = {1, 7, 9, 4};
    static const uint8_t no_len[] = {1, 1, 1, 7};
    uint8_t p[200];
    struct pp_ipv4_hdr h;
    size_t n;
    n = with_options(p, zero_len, 4);
    ASSERT_EQ(pp_ipv4_parse(p, n, &h, 0), -PP_WERR_IPOPT);
    n = with_options(p, one_len, 4);
    ASSERT_EQ(pp_ipv4_parse(p, n, &h, 0), -PP_WERR_IPOPT);
    n = with_options(p, too_long, 4);
    ASSERT_EQ(pp_ipv4_parse(p, n, &h, 0), -PP_WERR_IPOPT);
    n = with_options(p, no_len, 4);
    ASSERT_EQ(pp_ipv4_parse(p, n, &h, 0), -PP_WERR_IPOPT);
}

TEST(ipv4_emit_roundtrip)
{
    uint8_t buf[64];
    struct pp_ipv4_hdr in, out;
    memset(&in, 0, sizeof in);
    in.tos = 0x10;
    in.total_len = 48;
    in.id = 0xbeef;
    in.mf = 1;
    in.frag_off = 1480;
    in.ttl = 17;
    in.proto = PP_IP_PROTO_UDP;
    in.src = ADDR_A;
    in.dst = ADDR_B;
    ASSERT_EQ(pp_ipv4_emit(buf, sizeof buf, &in, 0), 20);
    ASSERT_EQ(pp_ipv4_parse(buf, 48, &out, 0), 20);
    ASSERT_EQ(out.tos, 0x10);
    ASSERT_EQ(out.id, 0xbeef);
    ASSERT_EQ(out.mf, 1);
    ASSERT_EQ(out.df, 0);
    ASSERT_EQ(out.frag_off, 1480);
    ASSERT_EQ(out.ttl, 17);
    ASSERT_EQ(out.src, ADDR_A);
    ASSERT_EQ(out.dst, ADDR_B);
    ASSERT_EQ(out.payload_len, 28);
}

TEST(ipv4_emit_options_padded)
{
    static const uint8_t opt[] = {1, 1, 1}; /* three NOPs: padded to 4 */
    uint8_t buf[64];
    struct pp_ipv4_hdr in, out;
    memset(&in, 0, sizeof in);
    in.total_len = 24;
    in.ttl = 1;
    in.opts = opt;
    ASSERT_EQ(pp_ipv4_repr_len(3), 24);
    ASSERT_EQ(pp_ipv4_emit(buf, sizeof buf, &in, 3), 24);
    ASSERT_EQ(buf[23], 0);
    ASSERT_EQ(pp_ipv4_parse(buf, 24, &out, 0), 24);
}

TEST(ipv4_emit_errors)
{
    uint8_t buf[64];
    struct pp_ipv4_hdr in;
    memset(&in, 0, sizeof in);
    in.total_len = 20;
    in.ttl = 1;
    ASSERT_EQ(pp_ipv4_emit(buf, 19, &in, 0), -PP_WERR_NOSPACE);
    in.frag_off = 3;
    ASSERT_EQ(pp_ipv4_emit(buf, sizeof buf, &in, 0), -PP_WERR_INVAL);
    in.frag_off = 0;
    in.total_len = 10;
    ASSERT_EQ(pp_ipv4_emit(buf, sizeof buf, &in, 0), -PP_WERR_INVAL);
    in.total_len = 64;
    ASSERT_EQ(pp_ipv4_emit(buf, sizeof buf, &in, 44), -PP_WERR_INVAL);
}

TEST(ipv4_aton_ntoa)
{
    uint32_t a;
    char s[16];
    ASSERT_EQ(pp_ipv4_aton("192.0.2.1", &a), 0);
    ASSERT_EQ(a, ADDR_A);
    ASSERT_STREQ(pp_ipv4_ntoa(a, s), "192.0.2.1");
    ASSERT_EQ(pp_ipv4_aton("255.255.255.255", &a), 0);
    ASSERT_EQ(a, 0xffffffffu);
    ASSERT_EQ(pp_ipv4_aton("256.0.0.1", &a), -1);
    ASSERT_EQ(pp_ipv4_aton("1.2.3", &a), -1);
    ASSERT_EQ(pp_ipv4_aton("1.2.3.4.", &a), -1);
    ASSERT_EQ(pp_ipv4_aton("1..3.4", &a), -1);
    ASSERT_EQ(pp_ipv4_aton("1.2.3.0004", &a), -1);
    ASSERT_EQ(pp_ipv4_aton("", &a), -1);
    ASSERT_EQ(pp_ipv4_aton("a.b.c.d", &a), -1);
}

TEST(wire_error_names)
{
    ASSERT_STREQ(pp_wire_errname(-PP_WERR_CSUM), "CSUM");
    ASSERT_STREQ(pp_wire_strerror(PP_WERR_TRUNCATED), "buffer shorter than the header");
    ASSERT_STREQ(pp_wire_errname(-9999), "UNKNOWN");
}
