/* tcp_fixture.h - one stack (192.0.2.2) on a capture link with a fake clock,
 * for tests that play its TCP peer (192.0.2.1:80) by hand, segment by
 * segment: start it, make it connect, inject the peer's segments, read back
 * what it sent. */
#ifndef PP_TCP_FIXTURE_H
#define PP_TCP_FIXTURE_H

#include <errno.h>

#include "test.h"
#include "stack_test_util.h"

static struct pp_stack *st;
static struct capture cap;
static uint64_t now;
static int fd;          /* the connecting socket, after connect_to_peer() */
static uint16_t lport;  /* its port */
static uint32_t iss;    /* its initial sequence number */

static inline void fixture_start(void)
{
    st = stack_at(HOST_B, "b");
    capture_init(&cap, 1500);
    pp_stack_attach(st, &cap.link);
    now = pp_now_ms() + 100000;
    pp_stack_poll(st, now);
}

/* The i-th packet the stack sent, parsed as TCP. */
static inline struct pp_tcp_hdr captured(int i)
{
    struct pp_ipv4_hdr ip;
    struct pp_tcp_hdr t;
    ASSERT(i >= 0 && i < cap.n);
    ASSERT_EQ(pp_ipv4_parse(cap.pkt[i], cap.len[i], &ip, 0), 20);
    ASSERT_EQ(pp_tcp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &t, 0) > 0, 1);
    return t;
}

static inline struct pp_tcp_hdr last(void)
{
    ASSERT_GT(cap.n, 0);
    return captured(cap.n - 1);
}

/* Delivers s (ports, flags, options set by the caller) from 192.0.2.1 with
 * payload data (a C string, or NULL for none). */
static inline void send_from_peer(const struct pp_tcp_hdr *s, const char *data)
{
    uint8_t l4[2048], pkt[2100];
    size_t n = data ? strlen(data) : 0, hl = pp_tcp_repr_len(s);
    ASSERT(hl + n <= sizeof l4);
    memcpy(l4 + hl, data ? data : "", n);
    pp_tcp_emit(l4, sizeof l4, s, n, HOST_A, HOST_B);
    pp_stack_input(st, pkt, build_ip(pkt, HOST_A, HOST_B, PP_IP_PROTO_TCP, l4, hl + n, 1, 0, 0));
}

/* The peer's SYN-ACK to our SYN: its ISN 5000 (its data starts at 5001),
 * MSS 1000, window 65535; SACK when sack, a window scale when wscale >= 0.
 * syn_ack_of_peer builds it for a test to add to; syn_ack_from_peer sends it. */
static inline struct pp_tcp_hdr syn_ack_of_peer(int sack, int wscale)
{
    struct pp_tcp_hdr t;
    memset(&t, 0, sizeof t);
    t.sport = 80;
    t.dport = lport;
    t.seq = 5000;
    t.ack = iss + 1;
    t.flags = PP_TCP_SYN | PP_TCP_ACK;
    t.window = 65535;
    t.opts.has_mss = 1;
    t.opts.mss = 1000;
    t.opts.sack_perm = sack != 0;
    if (wscale >= 0) {
        t.opts.has_wscale = 1;
        t.opts.wscale = (uint8_t)wscale;
    }
    return t;
}

static inline void syn_ack_from_peer(int sack, int wscale)
{
    struct pp_tcp_hdr t = syn_ack_of_peer(sack, wscale);
    send_from_peer(&t, NULL);
}

/* An ACK of a from the peer (no data, window 65535 unscaled), with up to
 * two SACK blocks [l1, r1) and [l2, r2) (l = 0: none). */
static inline void ack_from_peer(uint32_t a, uint32_t l1, uint32_t r1, uint32_t l2, uint32_t r2)
{
    struct pp_tcp_hdr t;
    memset(&t, 0, sizeof t);
    t.sport = 80;
    t.dport = lport;
    t.seq = 5001;
    t.ack = a;
    t.flags = PP_TCP_ACK;
    t.window = 65535;
    if (l1) {
        t.opts.sack[0].left = l1;
        t.opts.sack[0].right = r1;
        t.opts.sack_count = 1;
    }
    if (l2) {
        t.opts.sack[1].left = l2;
        t.opts.sack[1].right = r2;
        t.opts.sack_count = 2;
    }
    send_from_peer(&t, NULL);
}

/* A non-blocking socket connecting to 192.0.2.1:80; checks the SYN and
 * records its port and ISN. */
static inline void connect_to_peer(void)
{
    struct sockaddr_in to = sin_of(HOST_A, 80);
    struct pp_tcp_hdr t;
    fd = pp_socket(st, PP_SOCK_STREAM | PP_SOCK_NONBLOCK);
    ASSERT_EQ(pp_connect(st, fd, SA(to)), -EINPROGRESS);
    t = last();
    ASSERT_EQ(t.flags, PP_TCP_SYN);
    ASSERT(t.opts.has_mss && t.opts.has_wscale);
    lport = t.sport;
    iss = t.seq;
}

#endif
