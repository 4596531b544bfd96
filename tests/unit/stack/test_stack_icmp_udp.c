/* test_stack_icmp_udp.c - one stack driven by hand-made packets, watching
 * what it sends on a capture link: ping, port unreachable and its rate
 * limit, RST for TCP, malformed packets counted and dropped. */
#include <errno.h>

#include "test.h"
#include "stack_test_util.h"

static struct pp_stack *st;
static struct capture cap;

static void setup(void)
{
    st = stack_at(HOST_B, "b");
    ASSERT(st != NULL);
    capture_init(&cap, 1500);
    pp_stack_attach(st, &cap.link);
}

TEST(ping_gets_an_echo_reply)
{
    uint8_t l4[64], pkt[128];
    struct pp_icmp_hdr h, r;
    struct pp_ipv4_hdr ip;
    size_t n;
    setup();
    memset(&h, 0, sizeof h);
    h.type = PP_ICMP_ECHO;
    h.id = 0x1234;
    h.seq = 7;
    memcpy(l4 + 8, "0123456789abcdef", 16);
    pp_icmp_emit(l4, sizeof l4, &h, 16);
    n = build_ip(pkt, HOST_A, HOST_B, PP_IP_PROTO_ICMP, l4, 24, 1, 0, 0);
    pp_stack_input(st, pkt, n);
    ASSERT_EQ(cap.n, 1);
    ASSERT_EQ(pp_ipv4_parse(cap.pkt[0], cap.len[0], &ip, 0), 20);
    ASSERT_EQ(ip.src, HOST_B);
    ASSERT_EQ(ip.dst, HOST_A);
    ASSERT_EQ(pp_icmp_parse(ip.payload, ip.payload_len, &r, 0), 8); /* checksum good */
    ASSERT_EQ(r.type, PP_ICMP_ECHO_REPLY);
    ASSERT_EQ(r.id, 0x1234);
    ASSERT_EQ(r.seq, 7);
    ASSERT_MEMEQ(r.data, "0123456789abcdef", 16);
    ASSERT_EQ(pp_stack_counter(st, "icmp.in_echos"), 1);
    ASSERT_EQ(pp_stack_counter(st, "icmp.out_echo_reps"), 1);
    /* A broadcast ping is ignored, as Linux does by default. */
    n = build_ip(pkt, HOST_A, IP(192, 0, 2, 255), PP_IP_PROTO_ICMP, l4, 24, 2, 0, 0);
    pp_stack_input(st, pkt, n);
    ASSERT_EQ(cap.n, 1);
    pp_stack_free(st);
}

TEST(udp_to_closed_port_gets_port_unreachable_quoting_it)
{
    uint8_t pkt[256];
    struct pp_ipv4_hdr ip;
    struct pp_icmp_hdr h;
    struct pp_icmp_quote q;
    size_t n;
    setup();
    n = build_udp(pkt, HOST_A, 40000, HOST_B, 9, "probe", 5);
    pp_stack_input(st, pkt, n);
    ASSERT_EQ(cap.n, 1);
    ASSERT_EQ(pp_ipv4_parse(cap.pkt[0], cap.len[0], &ip, 0), 20);
    ASSERT_EQ(ip.dst, HOST_A);
    ASSERT_EQ(ip.tos, 0xc0);
    ASSERT_EQ(pp_icmp_parse(ip.payload, ip.payload_len, &h, 0), 8);
    ASSERT_EQ(h.type, PP_ICMP_UNREACH);
    ASSERT_EQ(h.code, PP_UNREACH_PORT);
    ASSERT_EQ(pp_icmp_quote_parse(&h, &q), 0);
    ASSERT_EQ(q.sport, 40000);
    ASSERT_EQ(q.dport, 9);
    ASSERT_EQ(h.data_len, n); /* the whole small datagram is quoted */
    ASSERT_MEMEQ(h.data, pkt, n);
    ASSERT_EQ(pp_stack_counter(st, "udp.no_ports"), 1);
    /* Broadcast datagrams to closed ports get no answer (RFC 1122 3.2.2). */
    n = build_udp(pkt, HOST_A, 40000, IP(192, 0, 2, 255), 9, "probe", 5);
    pp_stack_input(st, pkt, n);
    ASSERT_EQ(cap.n, 1);
    pp_stack_free(st);
}

TEST(icmp_errors_are_rate_limited)
{
    struct pp_stack_config cfg;
    uint8_t pkt[256];
    size_t n;
    int i;
    uint64_t t0 = pp_now_ms() + 100000; /* the stack's clock only moves forward */
    memset(&cfg, 0, sizeof cfg);
    cfg.addr = HOST_B;
    cfg.prefix_len = 24;
    cfg.icmp_rate = 10; /* 10 a second */
    cfg.icmp_burst = 5;
    st = pp_stack_new(&cfg);
    capture_init(&cap, 1500);
    pp_stack_attach(st, &cap.link);
    pp_stack_poll(st, t0);
    for (i = 0; i < 40; i++) {
        n = build_udp(pkt, HOST_A, (uint16_t)(40000 + i), HOST_B, 9, "x", 1);
        pp_stack_input(st, pkt, n);
    }
    ASSERT_EQ(cap.n, 5); /* the burst */
    ASSERT_EQ(pp_stack_counter(st, "icmp.out_rate_limited"), 35);
    pp_stack_poll(st, t0 + 300); /* 300 ms: 3 more tokens */
    for (i = 0; i < 10; i++) {
        n = build_udp(pkt, HOST_A, (uint16_t)(41000 + i), HOST_B, 9, "x", 1);
        pp_stack_input(st, pkt, n);
    }
    ASSERT_EQ(cap.n, 8);
    pp_stack_free(st);
}

TEST(tcp_segment_to_no_socket_gets_rst)
{
    uint8_t l4[64], pkt[128];
    struct pp_tcp_hdr t, r;
    struct pp_ipv4_hdr ip;
    size_t n;
    setup();
    memset(&t, 0, sizeof t);
    t.sport = 50000;
    t.dport = 80;
    t.seq = 1000;
    t.flags = PP_TCP_SYN;
    t.window = 1024;
    pp_tcp_emit(l4, sizeof l4, &t, 0, HOST_A, HOST_B);
    n = build_ip(pkt, HOST_A, HOST_B, PP_IP_PROTO_TCP, l4, 20, 3, 0, 0);
    pp_stack_input(st, pkt, n);
    ASSERT_EQ(cap.n, 1);
    ASSERT_EQ(pp_ipv4_parse(cap.pkt[0], cap.len[0], &ip, 0), 20);
    ASSERT_EQ(pp_tcp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &r, 0), 20);
    ASSERT_EQ(r.flags, PP_TCP_RST | PP_TCP_ACK);
    ASSERT_EQ(r.seq, 0);
    ASSERT_EQ(r.ack, 1001); /* SYN counts as one */
    ASSERT_EQ(r.sport, 80);
    ASSERT_EQ(r.dport, 50000);
    /* With ACK set: <SEQ=SEG.ACK><CTL=RST>. */
    t.flags = PP_TCP_ACK;
    t.ack = 777;
    pp_tcp_emit(l4, sizeof l4, &t, 0, HOST_A, HOST_B);
    n = build_ip(pkt, HOST_A, HOST_B, PP_IP_PROTO_TCP, l4, 20, 4, 0, 0);
    pp_stack_input(st, pkt, n);
    ASSERT_EQ(cap.n, 2);
    pp_ipv4_parse(cap.pkt[1], cap.len[1], &ip, 0);
    pp_tcp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &r, 0);
    ASSERT_EQ(r.flags, PP_TCP_RST);
    ASSERT_EQ(r.seq, 777);
    /* Never a RST for a RST. */
    t.flags = PP_TCP_RST;
    pp_tcp_emit(l4, sizeof l4, &t, 0, HOST_A, HOST_B);
    n = build_ip(pkt, HOST_A, HOST_B, PP_IP_PROTO_TCP, l4, 20, 5, 0, 0);
    pp_stack_input(st, pkt, n);
    ASSERT_EQ(cap.n, 2);
    pp_stack_free(st);
}

TEST(malformed_packets_counted_and_dropped)
{
    uint8_t pkt[256];
    size_t n;
    setup();
    n = build_udp(pkt, HOST_A, 40000, HOST_B, 9, "hello", 5);
    pp_stack_input(st, pkt, 10);                  /* truncated */
    pkt[10] ^= 1;
    pp_stack_input(st, pkt, n);                   /* IP checksum */
    pkt[10] ^= 1;
    pkt[28 + 1] ^= 0xff;
    pp_stack_input(st, pkt, n);                   /* UDP checksum */
    pkt[28 + 1] ^= 0xff;
    pp_put16(pkt + 24, 200);
    pp_stack_input(st, pkt, n);                   /* UDP length beyond the packet */
    n = build_udp(pkt, HOST_A, 40000, IP(192, 0, 2, 77), 9, "x", 1);
    pp_stack_input(st, pkt, n);                   /* not for us */
    pp_stack_input(st, (const uint8_t *)"", 0);   /* empty */
    ASSERT_EQ(pp_stack_counter(st, "ip.in_receives"), 6);
    ASSERT_EQ(pp_stack_counter(st, "ip.in_hdr_errors"), 3);
    ASSERT_EQ(pp_stack_counter(st, "ip.err.TRUNCATED"), 2);
    ASSERT_EQ(pp_stack_counter(st, "ip.err.CSUM"), 1);
    ASSERT_EQ(pp_stack_counter(st, "udp.err.CSUM"), 1);
    ASSERT_EQ(pp_stack_counter(st, "udp.err.LENGTH"), 1);
    ASSERT_EQ(pp_stack_counter(st, "ip.in_addr_errors"), 1);
    ASSERT_EQ(pp_stack_counter(st, "no.such"), -1);
    ASSERT_EQ(cap.n, 0); /* nothing answered */
    pp_stack_free(st);
}

TEST(unknown_protocol_gets_protocol_unreachable)
{
    uint8_t pkt[64];
    struct pp_ipv4_hdr ip;
    struct pp_icmp_hdr h;
    size_t n;
    setup();
    n = build_ip(pkt, HOST_A, HOST_B, 132 /* SCTP */, (const uint8_t *)"12345678", 8, 9, 0, 0);
    pp_stack_input(st, pkt, n);
    ASSERT_EQ(cap.n, 1);
    pp_ipv4_parse(cap.pkt[0], cap.len[0], &ip, 0);
    ASSERT_EQ(pp_icmp_parse(ip.payload, ip.payload_len, &h, 0), 8);
    ASSERT_EQ(h.type, PP_ICMP_UNREACH);
    ASSERT_EQ(h.code, PP_UNREACH_PROTO);
    pp_stack_free(st);
}

TEST(bad_stack_configs)
{
    struct pp_stack_config cfg;
    memset(&cfg, 0, sizeof cfg);
    ASSERT(pp_stack_new(NULL) == NULL);
    cfg.addr = HOST_A;
    ASSERT(pp_stack_new(&cfg) == NULL); /* prefix 0 */
    cfg.prefix_len = 33;
    ASSERT(pp_stack_new(&cfg) == NULL);
    cfg.prefix_len = 24;
    cfg.addr = 0;
    ASSERT(pp_stack_new(&cfg) == NULL);
    pp_stack_free(NULL);
}

static void count_wakeup(void *arg)
{
    (*(int *)arg)++;
}

/* pp_stack_set_wakeup: a driver sleeping until what pp_stack_poll returned
 * is called back when a socket call sets a sooner timer, and only then -
 * not for a later one, not from inside its own poll, not once removed. */
TEST(wakeup_when_a_socket_call_sets_a_sooner_timer)
{
    struct capture c;
    struct pp_stack *st = stack_at(HOST_A, "a");
    struct sockaddr_in to = sin_of(HOST_B, 80);
    int calls = 0, fd1, fd2, fd3;
    uint64_t next, now = pp_now_ms(); /* socket calls read the clock too */

    capture_init(&c, 1500);
    pp_stack_attach(st, &c.link);
    pp_stack_set_wakeup(NULL, count_wakeup, &calls); /* ignored, no crash */
    pp_stack_set_wakeup(st, count_wakeup, &calls);
    next = pp_stack_poll(st, now);
    ASSERT_EQ(next, UINT64_MAX); /* nothing pending: sleep until a packet */
    fd1 = pp_socket(st, PP_SOCK_STREAM | PP_SOCK_NONBLOCK);
    ASSERT_EQ(pp_connect(st, fd1, SA(to)), -EINPROGRESS);
    ASSERT_EQ(c.n, 1);       /* the SYN */
    ASSERT_EQ(calls, 1);     /* its timer is sooner than "never" */
    next = pp_stack_poll(st, now);
    ASSERT_GE(next, now + 1000); /* the SYN's RTO, 1 s */
    ASSERT(next < now + 1100);
    ASSERT_EQ(calls, 1);     /* polling wakes no one */
    fd2 = pp_socket(st, PP_SOCK_STREAM | PP_SOCK_NONBLOCK);
    ASSERT_EQ(pp_connect(st, fd2, SA(to)), -EINPROGRESS);
    ASSERT_EQ(calls, 1);     /* due no sooner than the first: the sleep's end */
    pp_stack_set_wakeup(st, NULL, NULL);
    next = pp_stack_poll(st, pp_now_ms());
    ASSERT(next != UINT64_MAX);
    fd3 = pp_socket(st, PP_SOCK_STREAM | PP_SOCK_NONBLOCK);
    ASSERT_EQ(pp_connect(st, fd3, SA(to)), -EINPROGRESS);
    ASSERT_EQ(calls, 1);     /* removed */
    pp_close(st, fd1);
    pp_close(st, fd2);
    pp_close(st, fd3);
    pp_stack_free(st);
}
