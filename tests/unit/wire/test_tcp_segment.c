/* test_tcp_segment.c - software segmentation offload: every segment parses
 * with valid IPv4 and TCP checksums, sequence numbers and identifications
 * advance, FIN/PSH stay on the last segment and CWR on the first, the
 * payloads join into the original, and malformed input is refused. */
#include <errno.h>
#include <stdlib.h>

#include "test.h"
#include "portplex/wire/bytes.h"
#include "portplex/wire/ipv4.h"
#include "portplex/wire/tcp.h"
#include "portplex/wire/tcp_segment.h"

#define SRC 0xc0000201u
#define DST 0xc0000202u

struct seen {
    int n, stop_after;
    size_t len[16];
    struct pp_tcp_hdr tcp[16];
    uint16_t id[16];
    uint8_t joined[8192];
    size_t joined_len;
};

static int collect(void *arg, const uint8_t *seg, size_t len)
{
    struct seen *s = arg;
    struct pp_ipv4_hdr ip;
    int ihl = pp_ipv4_parse(seg, len, &ip, 0);
    if (ihl < 0 || s->n >= 16)
        abort();
    if (pp_tcp_parse(seg + ihl, ip.payload_len, ip.src, ip.dst, &s->tcp[s->n], 0) < 0)
        abort(); /* a bad checksum or header */
    s->len[s->n] = len;
    s->id[s->n] = ip.id;
    memcpy(s->joined + s->joined_len, s->tcp[s->n].payload, s->tcp[s->n].payload_len);
    s->joined_len += s->tcp[s->n].payload_len;
    s->n++;
    return s->stop_after && s->n == s->stop_after;
}

/* An IPv4 TCP packet with timestamps and plen payload bytes; its length. */
static size_t big_packet(uint8_t *buf, size_t plen, uint16_t flags)
{
    struct pp_tcp_hdr t;
    struct pp_ipv4_hdr ip;
    size_t i, tl;

    memset(&t, 0, sizeof t);
    t.sport = 80;
    t.dport = 40000;
    t.seq = 0xfffff000u; /* wraps inside the packet */
    t.ack = 77;
    t.flags = flags;
    t.window = 500;
    t.opts.has_ts = 1;
    t.opts.tsval = 1;
    t.opts.tsecr = 2;
    tl = pp_tcp_repr_len(&t);
    for (i = 0; i < plen; i++)
        buf[20 + tl + i] = (uint8_t)(i * 7 + 3);
    if (pp_tcp_emit(buf + 20, 65535, &t, plen, SRC, DST) < 0)
        abort();
    memset(&ip, 0, sizeof ip);
    ip.total_len = (uint16_t)(20 + tl + plen);
    ip.id = 0xfffe;
    ip.df = 1;
    ip.ttl = 64;
    ip.proto = 6;
    ip.src = SRC;
    ip.dst = DST;
    if (pp_ipv4_emit(buf, 20, &ip, 0) < 0)
        abort();
    return 20 + tl + plen;
}

TEST(tso_segments_carry_valid_headers_and_the_whole_payload)
{
    static uint8_t pkt[8192], scratch[2048];
    struct seen s;
    size_t len = big_packet(pkt, 5000, PP_TCP_ACK | PP_TCP_PSH | PP_TCP_FIN | PP_TCP_CWR);
    int i;

    memset(&s, 0, sizeof s);
    ASSERT_EQ(pp_tcp_segment(pkt, len, 1448, scratch, sizeof scratch, collect, &s), 4);
    ASSERT_EQ(s.n, 4);
    for (i = 0; i < 4; i++) {
        ASSERT_EQ(s.tcp[i].seq, 0xfffff000u + (uint32_t)i * 1448);
        ASSERT_EQ(s.tcp[i].ack, 77u);
        ASSERT_EQ(s.tcp[i].opts.has_ts, 1);
        ASSERT_EQ(s.id[i], (uint16_t)(0xfffe + i));
        ASSERT_EQ(s.tcp[i].payload_len, i < 3 ? 1448u : 5000u - 3 * 1448);
        ASSERT_EQ(!!(s.tcp[i].flags & PP_TCP_FIN), i == 3);
        ASSERT_EQ(!!(s.tcp[i].flags & PP_TCP_PSH), i == 3);
        ASSERT_EQ(!!(s.tcp[i].flags & PP_TCP_CWR), i == 0);
        ASSERT(s.tcp[i].flags & PP_TCP_ACK);
    }
    ASSERT_EQ(s.joined_len, 5000u);
    ASSERT_MEMEQ(s.joined, pkt + len - 5000, 5000);
}

TEST(tso_stops_when_emit_asks_and_passes_small_packets_whole)
{
    static uint8_t pkt[8192], scratch[2048];
    struct seen s;
    size_t len = big_packet(pkt, 5000, PP_TCP_ACK);

    memset(&s, 0, sizeof s);
    s.stop_after = 2;
    ASSERT_EQ(pp_tcp_segment(pkt, len, 1448, scratch, sizeof scratch, collect, &s), 2);
    /* A packet within one segment, and a bare ACK, come out as they are. */
    len = big_packet(pkt, 100, PP_TCP_ACK | PP_TCP_PSH);
    memset(&s, 0, sizeof s);
    ASSERT_EQ(pp_tcp_segment(pkt, len, 1448, scratch, sizeof scratch, collect, &s), 1);
    ASSERT_EQ(s.len[0], len);
    ASSERT(s.tcp[0].flags & PP_TCP_PSH);
    len = big_packet(pkt, 0, PP_TCP_ACK);
    memset(&s, 0, sizeof s);
    ASSERT_EQ(pp_tcp_segment(pkt, len, 1448, scratch, sizeof scratch, collect, &s), 1);
}

TEST(tso_refuses_what_is_not_a_whole_tcp_packet)
{
    static uint8_t pkt[8192], scratch[2048];
    struct seen s;
    size_t len = big_packet(pkt, 3000, PP_TCP_ACK);

    memset(&s, 0, sizeof s);
    ASSERT_EQ(pp_tcp_segment(NULL, len, 1448, scratch, sizeof scratch, collect, &s), -EINVAL);
    ASSERT_EQ(pp_tcp_segment(pkt, len, 0, scratch, sizeof scratch, collect, &s), -EINVAL);
    ASSERT_EQ(pp_tcp_segment(pkt, len - 1, 1448, scratch, sizeof scratch, collect, &s), -EINVAL);
    ASSERT_EQ(pp_tcp_segment(pkt, len, 1448, scratch, 100, collect, &s), -ENOBUFS);
    pkt[9] = 17; /* UDP */
    ASSERT_EQ(pp_tcp_segment(pkt, len, 1448, scratch, sizeof scratch, collect, &s), -EINVAL);
    pkt[9] = 6;
    pp_put16(pkt + 6, 0x2000); /* a fragment */
    ASSERT_EQ(pp_tcp_segment(pkt, len, 1448, scratch, sizeof scratch, collect, &s), -EINVAL);
    pp_put16(pkt + 6, 0x4000);
    pkt[32] = 0x10; /* data offset 4 bytes: shorter than a header */
    ASSERT_EQ(pp_tcp_segment(pkt, len, 1448, scratch, sizeof scratch, collect, &s), -EINVAL);
    ASSERT_EQ(s.n, 0);
}
