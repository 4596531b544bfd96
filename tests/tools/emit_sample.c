/* emit_sample.c - writes a pcap of packets built only by portplex's emitters
 * (IPv4, TCP with every option, UDP, ICMP echo and errors, a fragment), so
 * that tshark can judge them in tests/interop/wire_tshark.sh. */
#include <stdio.h>
#include <string.h>

#include "portplex/wire/icmp.h"
#include "portplex/wire/ipv4.h"
#include "portplex/wire/pcap_file.h"
#include "portplex/wire/tcp.h"
#include "portplex/wire/udp.h"

#define A 0xc0000201u
#define B 0xc0000202u

static struct pp_pcap_writer *w;
static uint64_t ts = 1700000000000000ull;

/* Wraps the transport bytes at buf+20 in an IPv4 header and writes it. */
static void ip_out(uint8_t *buf, size_t l4len, uint8_t proto, uint32_t src, uint32_t dst,
                   uint16_t id, int df, int mf, uint16_t frag_off)
{
    struct pp_ipv4_hdr ip;
    memset(&ip, 0, sizeof ip);
    ip.total_len = (uint16_t)(20 + l4len);
    ip.id = id;
    ip.df = (uint8_t)df;
    ip.mf = (uint8_t)mf;
    ip.frag_off = frag_off;
    ip.ttl = 64;
    ip.proto = proto;
    ip.src = src;
    ip.dst = dst;
    if (pp_ipv4_emit(buf, 20, &ip, 0) != 20) {
        fprintf(stderr, "ipv4 emit failed\n");
        return;
    }
    pp_pcap_write(w, buf, 20 + l4len, ts += 1000);
}

static void tcp_out(uint16_t flags, uint32_t seq, uint32_t ack, const struct pp_tcp_opts *o,
                    const char *data, uint32_t src, uint32_t dst, uint16_t sp, uint16_t dp)
{
    uint8_t buf[200];
    struct pp_tcp_hdr t;
    size_t hl, n = data ? strlen(data) : 0;
    memset(&t, 0, sizeof t);
    t.sport = sp;
    t.dport = dp;
    t.seq = seq;
    t.ack = ack;
    t.flags = flags;
    t.window = 29200;
    if (o)
        t.opts = *o;
    hl = pp_tcp_repr_len(&t);
    memcpy(buf + 20 + hl, data ? data : "", n);
    pp_tcp_emit(buf + 20, sizeof buf - 20, &t, n, src, dst);
    ip_out(buf, hl + n, PP_IP_PROTO_TCP, src, dst, 1, 1, 0, 0);
}

int main(int argc, char **argv)
{
    char err[256];
    uint8_t buf[700], quoted[100];
    struct pp_tcp_opts o;
    struct pp_icmp_hdr ic;
    size_t qlen;

    if (argc != 2) {
        fprintf(stderr, "usage: emit_sample OUT.pcap\n");
        return 2;
    }
    w = pp_pcap_writer_open(argv[1], err);
    if (!w) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    /* 1: SYN with MSS, SACK-permitted, timestamps, window scale. */
    memset(&o, 0, sizeof o);
    o.has_mss = 1; o.mss = 1460; o.sack_perm = 1; o.has_ts = 1; o.tsval = 3735928559u;
    o.has_wscale = 1; o.wscale = 7;
    tcp_out(PP_TCP_SYN, 1000, 0, &o, NULL, A, B, 40000, 80);
    /* 2: SYN/ACK with MSS and window scale only. */
    memset(&o, 0, sizeof o);
    o.has_mss = 1; o.mss = 1400; o.has_wscale = 1; o.wscale = 14;
    tcp_out(PP_TCP_SYN | PP_TCP_ACK, 5000, 1001, &o, NULL, B, A, 80, 40000);
    /* 3: data with timestamps and two SACK blocks. */
    memset(&o, 0, sizeof o);
    o.has_ts = 1; o.tsval = 7; o.tsecr = 3735928559u; o.sack_count = 2;
    o.sack[0].left = 2000; o.sack[0].right = 3000; o.sack[1].left = 4000; o.sack[1].right = 5000;
    tcp_out(PP_TCP_ACK | PP_TCP_PSH, 1001, 5001, &o, "GET / HTTP/1.0\r\n\r\n", A, B, 40000, 80);
    /* 4: RST, no options. */
    tcp_out(PP_TCP_RST | PP_TCP_ACK, 0, 1001, NULL, NULL, B, A, 81, 40000);
    /* 5: UDP with an odd-length payload. */
    memcpy(buf + 28, "hello", 5);
    pp_udp_emit(buf + 20, sizeof buf - 20, 5353, 53, 5, A, B);
    ip_out(buf, 13, PP_IP_PROTO_UDP, A, B, 2, 0, 0, 0);
    memcpy(quoted, buf, 33);
    qlen = 33;
    /* 6: ICMP echo request and 7: its reply. */
    memset(&ic, 0, sizeof ic);
    ic.type = PP_ICMP_ECHO; ic.id = 4242; ic.seq = 7;
    memcpy(buf + 28, "0123456789abcdef", 16);
    pp_icmp_emit(buf + 20, sizeof buf - 20, &ic, 16);
    ip_out(buf, 24, PP_IP_PROTO_ICMP, A, B, 3, 0, 0, 0);
    ic.type = PP_ICMP_ECHO_REPLY;
    pp_icmp_emit(buf + 20, sizeof buf - 20, &ic, 16);
    ip_out(buf, 24, PP_IP_PROTO_ICMP, B, A, 4, 0, 0, 0);
    /* 8: port unreachable quoting packet 5 whole. */
    memset(&ic, 0, sizeof ic);
    ic.type = PP_ICMP_UNREACH; ic.code = PP_UNREACH_PORT;
    memcpy(buf + 28, quoted, qlen);
    pp_icmp_emit(buf + 20, sizeof buf - 20, &ic, qlen);
    ip_out(buf, 8 + qlen, PP_IP_PROTO_ICMP, B, A, 5, 0, 0, 0);
    /* 9: a UDP datagram's first fragment (MF, 24 bytes of 40). */
    memset(buf + 28, 'z', 32);
    pp_udp_emit(buf + 20, sizeof buf - 20, 1234, 9999, 32, A, B);
    ip_out(buf, 24, PP_IP_PROTO_UDP, A, B, 6, 0, 1, 0);
    pp_pcap_writer_close(w);
    return 0;
}
