/* test_scan_engine.c - the scanner's pieces without a network: the probe
 * order (a bijection, shards that partition it, the same order for the
 * same seed), probes as our parsers read them, answers matched only with
 * the right cookie and port, ICMP errors by their quote, and a whole scan
 * of a portplex stack over the virtual wire. */
#include <stdlib.h>

#include "test.h"
#include "portplex/vwire.h"
#include "portplex/socket.h"
#include "portplex/stack.h"
#include "scan/engine.h"
#include "scan/io.h"
#include "scan/order.h"
#include "scan/probe.h"
#include "portplex/wire/bytes.h"
#include "portplex/wire/checksum.h"
#include "portplex/wire/icmp.h"
#include "portplex/wire/ipv4.h"
#include "portplex/wire/tcp.h"
#include "portplex/wire/udp.h"

TEST(order_is_a_permutation_and_shards_partition_it)
{
    static uint8_t seen[100003];
    struct pp_scan_order o, o2;
    uint64_t n = 100003, k, i;
    int s, differs = 0;
    pp_scan_order_init(&o, n, 1, 42, 0, 1);
    for (k = 0; k < n; k++) {
        uint64_t x = pp_scan_order_at(&o, k);
        ASSERT_LT(x, n);
        ASSERT_EQ(seen[x], 0);
        seen[x] = 1;
        differs += x != k;
    }
    ASSERT_GT(differs, (int)(n / 2)); /* really shuffled */
    pp_scan_order_init(&o2, n, 1, 42, 0, 1);
    for (k = 0; k < 1000; k++)
        ASSERT_EQ(pp_scan_order_at(&o, k), pp_scan_order_at(&o2, k)); /* same seed, same order */
    pp_scan_order_init(&o2, n, 1, 43, 0, 1);
    for (k = 0, i = 0; k < 1000; k++)
        i += pp_scan_order_at(&o, k) != pp_scan_order_at(&o2, k);
    ASSERT_GT(i, 900); /* another seed, another order */
    memset(seen, 0, sizeof seen);
    for (s = 0; s < 7; s++) {
        pp_scan_order_init(&o, n, 1, 42, (uint64_t)s, 7);
        for (k = 0; k < pp_scan_order_count(&o); k++) {
            uint64_t x = pp_scan_order_at(&o, k);
            ASSERT_EQ(seen[x], 0);
            seen[x] = 1;
        }
    }
    for (k = 0; k < n; k++)
        ASSERT_EQ(seen[k], 1); /* 7 shards cover everything once */
    pp_scan_order_init(&o, 10, 0, 0, 0, 1);
    for (k = 0; k < 10; k++)
        ASSERT_EQ(pp_scan_order_at(&o, k), k); /* sequential without --randomize */
    pp_scan_order_init(&o, 1, 1, 5, 0, 1);
    ASSERT_EQ(pp_scan_order_at(&o, 0), 0);
}

static struct pp_scan_probe_cfg cfg(enum pp_scan_kind k)
{
    struct pp_scan_probe_cfg c;
    memset(&c, 0, sizeof c);
    c.key.k0 = 1;
    c.key.k1 = 2;
    c.src = 0xc0000201; /* 192.0.2.1 */
    c.sport_base = 40000;
    c.kind = k;
    c.tcp_flags = pp_scan_kind_flags(k);
    return c;
}

/* A TCP segment from the target 192.0.2.2:sport to us. */
static size_t reply_tcp(uint8_t *pkt, const struct pp_scan_probe_cfg *c, uint16_t sport,
                        uint16_t dport, uint16_t flags, uint32_t seq, uint32_t ack, uint16_t win)
{
    struct pp_tcp_hdr t;
    struct pp_ipv4_hdr ip;
    memset(&t, 0, sizeof t);
    t.sport = sport;
    t.dport = dport;
    t.flags = flags;
    t.seq = seq;
    t.ack = ack;
    t.window = win;
    pp_tcp_emit(pkt + 20, 100, &t, 0, 0xc0000202, c->src);
    memset(&ip, 0, sizeof ip);
    ip.ttl = 61;
    ip.proto = 6;
    ip.src = 0xc0000202;
    ip.dst = c->src;
    ip.total_len = 40;
    pp_ipv4_emit(pkt, 100, &ip, 0);
    return 40;
}

TEST(syn_scan_answers_need_the_cookie)
{
    struct pp_scan_probe_cfg c = cfg(PP_SCAN_SYN);
    uint8_t probe[1600], pkt[128];
    struct pp_ipv4_hdr ip;
    struct pp_tcp_hdr t;
    struct pp_scan_answer a;
    uint32_t cookie = pp_scan_cookie(&c, 0xc0000202, 80, 6);
    uint16_t sp = pp_scan_sport(&c, 0xc0000202, 80, 6);
    size_t n = pp_scan_build(&c, probe, sizeof probe, 0xc0000202, 80, 0, 7);

    /* The probe: a valid SYN with MSS, from our port, carrying the cookie. */
    ASSERT_GT(n, 0);
    ASSERT_EQ(pp_ipv4_parse(probe, n, &ip, 0), 20);
    ASSERT_EQ(pp_tcp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &t, 0) > 0, 1);
    ASSERT_EQ(t.flags, PP_TCP_SYN);
    ASSERT_EQ(t.seq, cookie);
    ASSERT_EQ(t.sport, sp);
    ASSERT(sp >= 40000 && sp < 40000 + PP_SCAN_SPORTS);
    /* SYN/ACK acknowledging cookie + 1: open. */
    n = reply_tcp(pkt, &c, 80, sp, PP_TCP_SYN | PP_TCP_ACK, 555, cookie + 1, 65535);
    ASSERT_EQ(pp_scan_classify(&c, pkt, n, &a), 1);
    ASSERT_EQ(a.state, PP_PS_OPEN);
    ASSERT_EQ(a.reason, PP_R_SYN_ACK);
    ASSERT_EQ(a.port, 80);
    ASSERT_EQ(a.ttl, 61);
    /* The wrong acknowledgment, or the wrong port: not ours. */
    n = reply_tcp(pkt, &c, 80, sp, PP_TCP_SYN | PP_TCP_ACK, 555, cookie + 2, 65535);
    ASSERT_EQ(pp_scan_classify(&c, pkt, n, &a), 0);
    n = reply_tcp(pkt, &c, 80, (uint16_t)(sp + 1), PP_TCP_SYN | PP_TCP_ACK, 555, cookie + 1, 65535);
    ASSERT_EQ(pp_scan_classify(&c, pkt, n, &a), 0);
    n = reply_tcp(pkt, &c, 81, sp, PP_TCP_SYN | PP_TCP_ACK, 555, cookie + 1, 65535);
    ASSERT_EQ(pp_scan_classify(&c, pkt, n, &a), 0);
    /* RST/ACK: closed. */
    n = reply_tcp(pkt, &c, 80, sp, PP_TCP_RST | PP_TCP_ACK, 0, cookie + 1, 0);
    ASSERT_EQ(pp_scan_classify(&c, pkt, n, &a), 1);
    ASSERT_EQ(a.state, PP_PS_CLOSED);
    ASSERT_EQ(a.reason, PP_R_RESET);
    /* A bare RST without the acknowledgment proves nothing. */
    n = reply_tcp(pkt, &c, 80, sp, PP_TCP_RST, cookie + 1, 0, 0);
    ASSERT_EQ(pp_scan_classify(&c, pkt, n, &a), 0);
}

TEST(data_length_probes_carry_data_and_their_rsts_acknowledge_it)
{
    struct pp_scan_probe_cfg c = cfg(PP_SCAN_SYN), u = cfg(PP_SCAN_UDP);
    uint8_t probe[1600], again[1600], pkt[128];
    struct pp_ipv4_hdr ip;
    struct pp_tcp_hdr t;
    struct pp_udp_hdr ud;
    struct pp_scan_answer a;
    uint32_t cookie = pp_scan_cookie(&c, 0xc0000202, 80, 6);
    uint16_t sp = pp_scan_sport(&c, 0xc0000202, 80, 6);
    size_t n, m;

    c.has_data = 1;
    c.data_len = 25;
    n = pp_scan_build(&c, probe, sizeof probe, 0xc0000202, 80, 0, 7);
    /* A valid SYN (checksum over the data) with 25 bytes after its header. */
    ASSERT_EQ(pp_ipv4_parse(probe, n, &ip, 0), 20);
    ASSERT_EQ(pp_tcp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &t, 0) > 0, 1);
    ASSERT_EQ(t.payload_len, 25);
    ASSERT_EQ(t.seq, cookie);
    /* The same bytes when resent. */
    m = pp_scan_build(&c, again, sizeof again, 0xc0000202, 80, 0, 8);
    ASSERT_EQ(m, n);
    ASSERT_MEMEQ(again + 40 + 4, probe + 40 + 4, 25); /* after the MSS option */
    /* A RST acknowledging the SYN and its data: closed; the SYN alone too. */
    n = reply_tcp(pkt, &c, 80, sp, PP_TCP_RST | PP_TCP_ACK, 0, cookie + 1 + 25, 0);
    ASSERT_EQ(pp_scan_classify(&c, pkt, n, &a), 1);
    ASSERT_EQ(a.state, PP_PS_CLOSED);
    n = reply_tcp(pkt, &c, 80, sp, PP_TCP_RST | PP_TCP_ACK, 0, cookie + 1, 0);
    ASSERT_EQ(pp_scan_classify(&c, pkt, n, &a), 1);
    n = reply_tcp(pkt, &c, 80, sp, PP_TCP_RST | PP_TCP_ACK, 0, cookie + 1 + 24, 0);
    ASSERT_EQ(pp_scan_classify(&c, pkt, n, &a), 0);
    /* Too little room for the data: nothing built. */
    ASSERT_EQ(pp_scan_build(&c, probe, 60, 0xc0000202, 80, 0, 7), 0);
    /* UDP: the data replaces the protocol payload (53 would get a DNS query). */
    u.has_data = 1;
    u.data_len = 0;
    n = pp_scan_build(&u, probe, sizeof probe, 0xc0000202, 53, 1, 7);
    ASSERT_EQ(n, 28);
    u.data_len = 12;
    n = pp_scan_build(&u, probe, sizeof probe, 0xc0000202, 53, 1, 7);
    ASSERT_EQ(pp_ipv4_parse(probe, n, &ip, 0), 20);
    ASSERT_EQ(pp_udp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &ud, 0), 8);
    ASSERT_EQ(ud.payload_len, 12);
}

TEST(ack_fin_and_window_scans_read_rsts)
{
    struct pp_scan_probe_cfg c = cfg(PP_SCAN_ACK), w = cfg(PP_SCAN_WINDOW), f = cfg(PP_SCAN_FIN);
    uint8_t pkt[128];
    struct pp_scan_answer a;
    uint32_t ck = pp_scan_cookie(&c, 0xc0000202, 22, 6);
    uint16_t sp = pp_scan_sport(&c, 0xc0000202, 22, 6);
    size_t n = reply_tcp(pkt, &c, 22, sp, PP_TCP_RST, ck, 0, 0);
    ASSERT_EQ(pp_scan_classify(&c, pkt, n, &a), 1);
    ASSERT_EQ(a.state, PP_PS_UNFILTERED);
    n = reply_tcp(pkt, &c, 22, sp, PP_TCP_RST, ck + 1, 0, 0);
    ASSERT_EQ(pp_scan_classify(&c, pkt, n, &a), 0);
    n = reply_tcp(pkt, &w, 22, sp, PP_TCP_RST, ck, 0, 512);
    ASSERT_EQ(pp_scan_classify(&w, pkt, n, &a), 1);
    ASSERT_EQ(a.state, PP_PS_OPEN); /* window scan: a non-zero window */
    n = reply_tcp(pkt, &w, 22, sp, PP_TCP_RST, ck, 0, 0);
    ASSERT_EQ(pp_scan_classify(&w, pkt, n, &a), 1);
    ASSERT_EQ(a.state, PP_PS_CLOSED);
    /* FIN: the RST acknowledges cookie + 1 (the FIN's sequence). */
    n = reply_tcp(pkt, &f, 22, sp, PP_TCP_RST | PP_TCP_ACK, 0, ck + 1, 0);
    ASSERT_EQ(pp_scan_classify(&f, pkt, n, &a), 1);
    ASSERT_EQ(a.state, PP_PS_CLOSED);
    n = reply_tcp(pkt, &f, 22, sp, PP_TCP_RST | PP_TCP_ACK, 0, ck, 0);
    ASSERT_EQ(pp_scan_classify(&f, pkt, n, &a), 0);
}

/* An ICMP error of type/code from `from`, quoting our probe. */
static size_t icmp_error(uint8_t *out, const uint8_t *probe, size_t plen, uint32_t from, uint32_t to,
                         uint8_t type, uint8_t code)
{
    struct pp_icmp_hdr h;
    struct pp_ipv4_hdr ip;
    size_t q = plen < 28 ? plen : 28;
    memset(&h, 0, sizeof h);
    h.type = type;
    h.code = code;
    memcpy(out + 28, probe, q);
    pp_icmp_emit(out + 20, 200, &h, q);
    memset(&ip, 0, sizeof ip);
    ip.ttl = 64;
    ip.proto = 1;
    ip.src = from;
    ip.dst = to;
    ip.total_len = (uint16_t)(28 + q);
    pp_ipv4_emit(out, 200, &ip, 0);
    return 28 + q;
}

TEST(icmp_errors_are_matched_by_their_quote)
{
    struct pp_scan_probe_cfg c = cfg(PP_SCAN_SYN);
    uint8_t probe[1600], pkt[256];
    struct pp_scan_answer a;
    size_t n = pp_scan_build(&c, probe, sizeof probe, 0xc0000202, 443, 0, 1), m;
    m = icmp_error(pkt, probe, n, 0xc0000202, c.src, 3, 13);
    ASSERT_EQ(pp_scan_classify(&c, pkt, m, &a), 1);
    ASSERT_EQ(a.state, PP_PS_FILTERED);
    ASSERT_EQ(a.reason, PP_R_ADMIN_PROHIBITED);
    ASSERT_EQ(a.port, 443);
    /* A quote whose sequence is not our cookie: not ours. */
    pp_put32(probe + 24, pp_get32(probe + 24) + 1);
    m = icmp_error(pkt, probe, n, 0xc0000202, c.src, 3, 13);
    ASSERT_EQ(pp_scan_classify(&c, pkt, m, &a), 0);
    /* UDP: port unreachable from the target = closed; from a router = filtered. */
    n = pp_scan_build(&c, probe, sizeof probe, 0xc0000202, 53, 1, 1);
    m = icmp_error(pkt, probe, n, 0xc0000202, c.src, 3, 3);
    ASSERT_EQ(pp_scan_classify(&c, pkt, m, &a), 1);
    ASSERT_EQ(a.state, PP_PS_CLOSED);
    ASSERT(a.udp);
    m = icmp_error(pkt, probe, n, 0xc0000263, c.src, 3, 3);
    ASSERT_EQ(pp_scan_classify(&c, pkt, m, &a), 1);
    ASSERT_EQ(a.state, PP_PS_FILTERED);
    m = icmp_error(pkt, probe, n, 0xc0000202, c.src, 3, 1);
    ASSERT_EQ(pp_scan_classify(&c, pkt, m, &a), 1);
    ASSERT_EQ(a.reason, PP_R_HOST_UNREACH);
    m = icmp_error(pkt, probe, n, 0xc0000202, c.src, 5, 1); /* a redirect: nothing */
    ASSERT_EQ(pp_scan_classify(&c, pkt, m, &a), 0);
}

TEST(udp_payloads_carry_ids_and_replies_must_echo_them)
{
    uint8_t b[512];
    size_t n = pp_scan_udp_payload(53, 0xabcd1234, b);
    ASSERT_EQ(n, 17);
    ASSERT_EQ(pp_get16(b), 0x1234);
    ASSERT(pp_scan_udp_id_ok(53, 0xabcd1234, b, n));
    ASSERT(!pp_scan_udp_id_ok(53, 0xabcd1235, b, n));
    ASSERT(!pp_scan_udp_id_ok(53, 0xabcd1234, b, 1));
    n = pp_scan_udp_payload(3478, 77, b);
    ASSERT_EQ(n, 20);
    ASSERT_EQ(pp_get32(b + 4), 0x2112a442); /* STUN's magic cookie */
    ASSERT(pp_scan_udp_id_ok(3478, 77, b, n));
    ASSERT(pp_scan_udp_payload(161, 1, b) > 30 && b[0] == 0x30); /* BER SEQUENCE */
    ASSERT_EQ(pp_scan_udp_payload(123, 1, b), 48);
    ASSERT(pp_scan_udp_payload(1900, 1, b) > 50 && memcmp(b, "M-SEARCH", 8) == 0);
    ASSERT(pp_scan_udp_id_ok(9999, 1, b, 0)); /* no ID: anything goes */
}

TEST(whole_scan_of_a_stack_on_the_virtual_wire)
{
    struct pp_vwire_config wc;
    struct pp_stack_config sc;
    struct pp_vwire *w;
    struct pp_stack *srv, *cli;
    static struct pp_targets tg;
    static struct pp_portset ps;
    struct pp_scan_io io;
    struct pp_scan_job job;
    struct pp_scan_result res;
    struct sockaddr_in sin;
    char err[256];
    uint32_t src;
    int l, u, i, open = 0, closed = 0;

    memset(&wc, 0, sizeof wc);
    w = pp_vwire_new(&wc, err);
    ASSERT(w != NULL);
    memset(&sc, 0, sizeof sc);
    sc.prefix_len = 24;
    sc.addr = 0x0a000001;
    sc.name = "srv";
    sc.icmp_rate = 100000;
    sc.icmp_burst = 10000;
    srv = pp_stack_new(&sc);
    sc.addr = 0x0a000002;
    sc.name = "cli";
    cli = pp_stack_new(&sc);
    ASSERT_EQ(pp_vwire_attach(w, srv), 0);
    ASSERT_EQ(pp_vwire_attach(w, cli), 0);
    ASSERT_EQ(pp_vwire_start(w), 0);
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons(22);
    l = pp_socket(srv, PP_SOCK_STREAM);
    ASSERT_EQ(pp_bind(srv, l, (struct sockaddr *)&sin, sizeof sin), 0);
    ASSERT_EQ(pp_listen(srv, l, 16), 0);
    sin.sin_port = htons(99);
    u = pp_socket(srv, PP_SOCK_DGRAM); /* bound, never answers: open|filtered */
    ASSERT_EQ(pp_bind(srv, u, (struct sockaddr *)&sin, sizeof sin), 0);
    ASSERT_EQ(pp_targets_add(&tg, "10.0.0.1", err), 0);
    ASSERT_EQ(pp_ports_parse("T:1-200,U:90-110", PP_PROTO_TCP_SET, &ps, err), 0);
    ASSERT_EQ(pp_scan_io_stack(&io, cli, &src), 0);
    memset(&job, 0, sizeof job);
    job.targets = &tg;
    job.ports = &ps;
    job.tcp = job.udp = 1;
    pp_scan_timing_template(5, &job.timing);
    job.slow_udp_interval = 0.02;
    job.io = &io;
    job.probe.key.k0 = 9;
    job.probe.src = src;
    job.probe.sport_base = 50000;
    job.probe.kind = PP_SCAN_SYN;
    job.probe.tcp_flags = PP_TCP_SYN;
    ASSERT_EQ(pp_scan_run(&job, &res, err), 0);
    ASSERT_EQ(res.nports, 221);
    ASSERT(res.hosts[0].up);
    for (i = 0; i < res.nports; i++) {
        int st = res.hosts[0].state[i], want_open = i < res.ntcp && res.port_of[i] == 22;
        if (i >= res.ntcp && res.port_of[i] == 99)
            ASSERT_EQ(st, PP_PS_OPEN_FILTERED);
        else if (want_open)
            ASSERT_EQ(st, PP_PS_OPEN);
        else
            ASSERT_EQ(st, PP_PS_CLOSED);
        open += st == PP_PS_OPEN;
        closed += st == PP_PS_CLOSED;
    }
    ASSERT_EQ(open, 1);
    ASSERT_EQ(closed, 219);
    io.close(io.ctx);
    pp_scan_result_free(&res);
    pp_vwire_free(w);
    pp_close(srv, l);
    pp_close(srv, u);
    pp_stack_free(srv);
    pp_stack_free(cli);
}
