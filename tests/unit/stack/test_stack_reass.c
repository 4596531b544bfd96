/* test_stack_reass.c - reassembly limits: fragments in any order, exact
 * duplicates ignored, overlaps drop the datagram (RFC 5722 caution), timeouts
 * answered with ICMP time exceeded, the memory budget, bad fragment sizes. */
#include <errno.h>

#include "test.h"
#include "stack_test_util.h"

static struct pp_stack *st;
static struct capture cap;
static int fd;
static uint8_t datagram[4008]; /* UDP header + 4000 bytes */

static void setup(size_t reass_max)
{
    struct pp_stack_config cfg;
    struct sockaddr_in sin = sin_of(0, 5000);
    int i;
    memset(&cfg, 0, sizeof cfg);
    cfg.addr = HOST_B;
    cfg.prefix_len = 24;
    cfg.reass_max_bytes = reass_max;
    cfg.reass_timeout_ms = 1000;
    st = pp_stack_new(&cfg);
    capture_init(&cap, 1500);
    pp_stack_attach(st, &cap.link);
    fd = pp_socket(st, PP_SOCK_DGRAM | PP_SOCK_NONBLOCK);
    ASSERT_EQ(pp_bind(st, fd, SA(sin)), 0);
    for (i = 0; i < 4000; i++)
        datagram[8 + i] = (uint8_t)(i % 251);
    pp_udp_emit(datagram, sizeof datagram, 40000, 5000, 4000, HOST_A, HOST_B);
}

/* Sends bytes [off, off+len) of the datagram as a fragment. */
static void frag(uint16_t id, uint16_t off, uint16_t len)
{
    uint8_t pkt[4100];
    int mf = off + len < (int)sizeof datagram;
    size_t n = build_ip(pkt, HOST_A, HOST_B, PP_IP_PROTO_UDP, datagram + off, len, id, mf, off);
    pp_stack_input(st, pkt, n);
}

static ssize_t received(void)
{
    uint8_t buf[8192];
    ssize_t r = pp_recv(st, fd, buf, sizeof buf, 0);
    if (r == 4000)
        ASSERT_MEMEQ(buf, datagram + 8, 4000);
    return r;
}

TEST(fragments_in_any_order)
{
    setup(0);
    frag(1, 2400, 1608);
    frag(1, 0, 1200);
    frag(1, 1200, 1200);
    ASSERT_EQ(received(), 4000);
    ASSERT_EQ(pp_stack_counter(st, "ip.reasm_oks"), 1);
    pp_stack_free(st);
}

TEST(exact_duplicate_is_ignored)
{
    setup(0);
    frag(2, 0, 1200);
    frag(2, 0, 1200);
    frag(2, 1200, 2808);
    ASSERT_EQ(received(), 4000);
    ASSERT_EQ(pp_stack_counter(st, "ip.reasm_dups"), 1);
    pp_stack_free(st);
}

TEST(overlapping_fragments_drop_the_datagram)
{
    setup(0);
    frag(3, 0, 1200);
    frag(3, 1192, 1208); /* overlaps the first by 8 bytes */
    frag(3, 2400, 1608);
    ASSERT_EQ(received(), -EAGAIN);
    ASSERT_EQ(pp_stack_counter(st, "ip.reasm_overlaps"), 1);
    /* A later fragment of the dropped datagram starts a new, never-complete
     * one; a fresh id still works. */
    frag(4, 0, 2400);
    frag(4, 2400, 1608);
    ASSERT_EQ(received(), 4000);
    pp_stack_free(st);
}

TEST(overlap_of_the_end_drops_too)
{
    setup(0);
    frag(5, 2400, 1608);       /* last fragment: total 4008 */
    frag(5, 4000, 8);          /* "last" again with another end: conflict */
    frag(5, 0, 2400);
    ASSERT_EQ(received(), -EAGAIN);
    ASSERT_GE(pp_stack_counter(st, "ip.reasm_overlaps"), 1);
    pp_stack_free(st);
}

TEST(timeout_sends_time_exceeded)
{
    struct pp_ipv4_hdr ip;
    struct pp_icmp_hdr h;
    struct pp_icmp_quote q;
    uint64_t t0 = pp_now_ms() + 100000;
    setup(0);
    pp_stack_poll(st, t0);
    frag(6, 0, 1200);
    pp_stack_poll(st, t0 + 999);
    ASSERT_EQ(cap.n, 0);
    pp_stack_poll(st, t0 + 1000);
    ASSERT_EQ(pp_stack_counter(st, "ip.reasm_timeouts"), 1);
    ASSERT_EQ(cap.n, 1);
    ASSERT_EQ(pp_ipv4_parse(cap.pkt[0], cap.len[0], &ip, 0), 20);
    ASSERT_EQ(pp_icmp_parse(ip.payload, ip.payload_len, &h, 0), 8);
    ASSERT_EQ(h.type, PP_ICMP_TIME_EXCEEDED);
    ASSERT_EQ(h.code, 1);
    ASSERT_EQ(pp_icmp_quote_parse(&h, &q), 0);
    ASSERT_EQ(q.sport, 40000); /* the first fragment's 8 bytes are quoted */
    ASSERT_EQ(q.dport, 5000);
    /* Without the first fragment there is nothing to quote: silence. */
    frag(7, 1200, 1200);
    pp_stack_poll(st, t0 + 2100);
    ASSERT_EQ(pp_stack_counter(st, "ip.reasm_timeouts"), 2);
    ASSERT_EQ(cap.n, 1);
    pp_stack_free(st);
}

TEST(memory_budget_bounds_pending_fragments)
{
    int id;
    setup(16 * 1024);
    /* Many half datagrams: the budget stops them, nothing grows without bound. */
    for (id = 100; id < 200; id++)
        frag((uint16_t)id, 0, 1200);
    ASSERT_GT(pp_stack_counter(st, "ip.reasm_nomem"), 80);
    pp_stack_free(st); /* frees what is pending (ASan checks) */
}

TEST(bad_fragment_sizes)
{
    setup(0);
    frag(8, 0, 1201); /* not a multiple of 8 with MF set */
    ASSERT_EQ(pp_stack_counter(st, "ip.reasm_fails"), 1);
    pp_stack_free(st);
}
