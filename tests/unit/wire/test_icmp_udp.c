/* test_icmp_udp.c - ICMP and UDP parse/emit, on Linux's packets and on
 * malformed ones. */
#include "test.h"
#include "linux_packets.h"
#include "portplex/wire/bytes.h"
#include "portplex/wire/checksum.h"
#include "portplex/wire/icmp.h"
#include "portplex/wire/ipv4.h"
#include "portplex/wire/udp.h"
#include "portplex/wire/wire_err.h"

TEST(icmp_parse_linux_echo)
{
    struct pp_ipv4_hdr ip;
    struct pp_icmp_hdr h;
    ASSERT_EQ(pp_ipv4_parse(linux_echo, sizeof linux_echo, &ip, 0), 20);
    ASSERT_EQ(pp_icmp_parse(ip.payload, ip.payload_len, &h, 0), 8);
    ASSERT_EQ(h.type, PP_ICMP_ECHO);
    ASSERT_EQ(h.code, 0);
    ASSERT_EQ(h.id, 0x092f);
    ASSERT_EQ(h.seq, 1);
    ASSERT_EQ(h.data_len, 56);
    ASSERT(!pp_icmp_is_error(h.type));
}

TEST(icmp_parse_linux_port_unreachable_quote)
{
    struct pp_ipv4_hdr ip;
    struct pp_icmp_hdr h;
    struct pp_icmp_quote q;
    ASSERT_EQ(pp_ipv4_parse(linux_port_unreach, sizeof linux_port_unreach, &ip, 0), 20);
    ASSERT_EQ(ip.tos, 0xc0); /* Linux sends ICMP errors as CS6 */
    ASSERT_EQ(pp_icmp_parse(ip.payload, ip.payload_len, &h, 0), 8);
    ASSERT_EQ(h.type, PP_ICMP_UNREACH);
    ASSERT_EQ(h.code, PP_UNREACH_PORT);
    ASSERT(pp_icmp_is_error(h.type));
    ASSERT_EQ(pp_icmp_quote_parse(&h, &q), 0);
    ASSERT_EQ(q.ip.src, ADDR_A);
    ASSERT_EQ(q.ip.dst, ADDR_B);
    ASSERT_EQ(q.ip.proto, PP_IP_PROTO_UDP);
    ASSERT_EQ(q.ip.id, 0x519a);
    ASSERT_EQ(q.ip.total_len, 31);
    ASSERT(q.has_ports);
    ASSERT_EQ(q.sport, 57317);
    ASSERT_EQ(q.dport, 9);
    ASSERT_EQ(q.udp_len, 11);
}

TEST(icmp_quote_of_only_header_and_8_bytes)
{
    /* A router may quote just 28 bytes (RFC 792); ports are still there. */
    uint8_t msg[8 + 28];
    struct pp_icmp_hdr h;
    struct pp_icmp_quote q;
    memset(msg, 0, 8);
    msg[0] = PP_ICMP_TIME_EXCEEDED;
    memcpy(msg + 8, linux_syn, 28);
    pp_put16(msg + 2, pp_csum(msg, sizeof msg));
    ASSERT_EQ(pp_icmp_parse(msg, sizeof msg, &h, 0), 8);
    ASSERT_EQ(pp_icmp_quote_parse(&h, &q), 0);
    ASSERT(q.has_ports);
    ASSERT_EQ(q.sport, 50136);
    ASSERT_EQ(q.dport, 8080);
    ASSERT_EQ(q.tcp_seq, 0x70db6f0e);
    /* With fewer than 8 bytes quoted the ports are absent. */
    h.data_len = 27;
    ASSERT_EQ(pp_icmp_quote_parse(&h, &q), 0);
    ASSERT(!q.has_ports);
    h.data_len = 19;
    ASSERT_EQ(pp_icmp_quote_parse(&h, &q), -PP_WERR_TRUNCATED);
}

TEST(icmp_quote_bad)
{
    uint8_t msg[8 + 28];
    struct pp_icmp_hdr h;
    struct pp_icmp_quote q;
    memset(msg, 0, 8);
    msg[0] = PP_ICMP_UNREACH;
    memcpy(msg + 8, linux_syn, 28);
    msg[8] = 0x65; /* quoted version 6 */
    pp_put16(msg + 2, pp_csum(msg, sizeof msg));
    ASSERT_EQ(pp_icmp_parse(msg, sizeof msg, &h, 0), 8);
    ASSERT_EQ(pp_icmp_quote_parse(&h, &q), -PP_WERR_VERSION);
    msg[8] = 0x4f; /* quoted IHL 60 in 28 bytes */
    pp_put16(msg + 2, 0);
    pp_put16(msg + 2, pp_csum(msg, sizeof msg));
    ASSERT_EQ(pp_icmp_parse(msg, sizeof msg, &h, 0), 8);
    ASSERT_EQ(pp_icmp_quote_parse(&h, &q), -PP_WERR_IHL);
    /* Echo messages have no quote. */
    ASSERT_EQ(pp_icmp_parse(linux_echo + 20, sizeof linux_echo - 20, &h, 0), 8);
    ASSERT_EQ(pp_icmp_quote_parse(&h, &q), -PP_WERR_ICMPTYPE);
}

TEST(icmp_malformed)
{
    uint8_t msg[64];
    struct pp_icmp_hdr h;
    ASSERT_EQ(pp_icmp_parse(linux_echo + 20, 7, &h, 0), -PP_WERR_TRUNCATED);
    memcpy(msg, linux_echo + 20, 64);
    msg[10] ^= 0x40;
    ASSERT_EQ(pp_icmp_parse(msg, 64, &h, 0), -PP_WERR_CSUM);
    ASSERT_EQ(pp_icmp_parse(msg, 64, &h, PP_WIRE_NO_CSUM), 8);
    /* An unreachable without room for a quoted header. */
    memset(msg, 0, 16);
    msg[0] = PP_ICMP_UNREACH;
    pp_put16(msg + 2, pp_csum(msg, 16));
    ASSERT_EQ(pp_icmp_parse(msg, 16, &h, 0), -PP_WERR_ICMPTYPE);
}

TEST(icmp_emit_echo_reply_and_needfrag)
{
    uint8_t buf[64];
    struct pp_icmp_hdr in, out;
    memset(&in, 0, sizeof in);
    memcpy(buf + 8, "payload!", 8);
    in.type = PP_ICMP_ECHO_REPLY;
    in.id = 77;
    in.seq = 9;
    ASSERT_EQ(pp_icmp_emit(buf, sizeof buf, &in, 8), 8);
    ASSERT_EQ(pp_icmp_parse(buf, 16, &out, 0), 8);
    ASSERT_EQ(out.id, 77);
    ASSERT_EQ(out.seq, 9);
    ASSERT_MEMEQ(out.data, "payload!", 8);

    memset(&in, 0, sizeof in);
    in.type = PP_ICMP_UNREACH;
    in.code = PP_UNREACH_NEEDFRAG;
    in.mtu = 1280;
    memcpy(buf + 8, linux_syn, 28);
    ASSERT_EQ(pp_icmp_emit(buf, sizeof buf, &in, 28), 8);
    ASSERT_EQ(pp_icmp_parse(buf, 36, &out, 0), 8);
    ASSERT_EQ(out.mtu, 1280);
    ASSERT_EQ(pp_icmp_emit(buf, 30, &in, 28), -PP_WERR_NOSPACE);
}

TEST(icmp_quote_len_limits)
{
    struct pp_ipv4_hdr h;
    memset(&h, 0, sizeof h);
    h.total_len = 31;
    ASSERT_EQ(pp_icmp_quote_len(&h), 31);
    h.total_len = 1500;
    ASSERT_EQ(pp_icmp_quote_len(&h), 548); /* 576-byte ICMP datagram */
}

TEST(udp_parse_from_linux_quote)
{
    /* The quoted datagram is complete: parse it as UDP with its checksum. */
    const uint8_t *ip = linux_port_unreach + 28;
    struct pp_udp_hdr u;
    ASSERT_EQ(pp_udp_parse(ip + 20, 11, ADDR_A, ADDR_B, &u, 0), 8);
    ASSERT_EQ(u.sport, 57317);
    ASSERT_EQ(u.dport, 9);
    ASSERT_EQ(u.len, 11);
    ASSERT_EQ(u.csum, 0x297c);
    ASSERT_EQ(u.payload_len, 3);
    ASSERT_MEMEQ(u.payload, "hi\n", 3);
    /* The wrong addresses break the pseudo-header sum. */
    ASSERT_EQ(pp_udp_parse(ip + 20, 11, ADDR_B, ADDR_A + 1, &u, 0), -PP_WERR_CSUM);
}

TEST(udp_emit_roundtrip_and_zero_checksum)
{
    uint8_t buf[64];
    struct pp_udp_hdr u;
    memcpy(buf + 8, "abcde", 5);
    ASSERT_EQ(pp_udp_emit(buf, sizeof buf, 5353, 53, 5, ADDR_A, ADDR_B), 8);
    ASSERT_EQ(pp_udp_parse(buf, 13, ADDR_A, ADDR_B, &u, 0), 8);
    ASSERT_EQ(u.sport, 5353);
    ASSERT_EQ(u.payload_len, 5);
    /* Checksum 0 means "none" and is accepted whatever the data. */
    pp_put16(buf + 6, 0);
    buf[9] ^= 0xff;
    ASSERT_EQ(pp_udp_parse(buf, 13, ADDR_A, ADDR_B, &u, 0), 8);
    ASSERT_EQ(pp_udp_emit(buf, 10, 1, 2, 5, ADDR_A, ADDR_B), -PP_WERR_NOSPACE);
    ASSERT_EQ(pp_udp_emit(buf, 70000, 1, 2, 65530, ADDR_A, ADDR_B), -PP_WERR_INVAL);
}

TEST(udp_computed_zero_sent_as_ffff)
{
    /* Search a 2-byte payload whose checksum computes to 0: it must go out
     * as 0xffff (RFC 768) and still verify. */
    uint8_t buf[16];
    struct pp_udp_hdr u;
    unsigned v;
    int found = 0;
    for (v = 0; v < 65536 && !found; v++) {
        pp_put16(buf + 8, (uint16_t)v);
        pp_udp_emit(buf, sizeof buf, 1000, 2000, 2, ADDR_A, ADDR_B);
        if (pp_get16(buf + 6) == 0xffff) {
            found = 1;
            ASSERT_EQ(pp_udp_parse(buf, 10, ADDR_A, ADDR_B, &u, 0), 8);
        }
    }
    ASSERT(found);
}

TEST(udp_malformed_lengths)
{
    uint8_t buf[32];
    struct pp_udp_hdr u;
    memset(buf + 8, 'x', 8);
    pp_udp_emit(buf, sizeof buf, 1, 2, 8, ADDR_A, ADDR_B);
    ASSERT_EQ(pp_udp_parse(buf, 7, ADDR_A, ADDR_B, &u, 0), -PP_WERR_TRUNCATED);
    ASSERT_EQ(pp_udp_parse(buf, 15, ADDR_A, ADDR_B, &u, 0), -PP_WERR_LENGTH);
    /* Extra bytes after the length field are not part of the datagram. */
    ASSERT_EQ(pp_udp_parse(buf, 20, ADDR_A, ADDR_B, &u, 0), 8);
    ASSERT_EQ(u.payload_len, 8);
    pp_put16(buf + 4, 7);
    ASSERT_EQ(pp_udp_parse(buf, 16, ADDR_A, ADDR_B, &u, 0), -PP_WERR_LENGTH);
    pp_put16(buf + 4, 16);
    buf[12] ^= 1;
    ASSERT_EQ(pp_udp_parse(buf, 16, ADDR_A, ADDR_B, &u, 0), -PP_WERR_CSUM);
}
