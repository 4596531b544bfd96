/* test_vwire_filter.c - the virtual wire's firewall (pp_vwire_set_filter:
 * what it drops never arrives and is counted, what it passes does),
 * injection of forged packets (pp_vwire_inject: delivered by destination,
 * answered to an address nobody has, refused when malformed), and a
 * stack's ephemeral port range (pp_stack_config.ephemeral_min/max, as
 * Linux's ip_local_port_range: EADDRNOTAVAIL once a destination has used
 * every port, while another destination still gets one). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "portplex/vwire.h"
#include "portplex/wire/ipv4.h"
#include "portplex/wire/tcp.h"
#include "stack_test_util.h"

struct seen {
    int calls;
    uint16_t drop_port;
    char last_from[16];
};

/* Drops UDP to drop_port. */
static int filter(void *arg, const char *from, const uint8_t *pkt, size_t len)
{
    struct seen *s = arg;
    s->calls++;
    snprintf(s->last_from, sizeof s->last_from, "%s", from);
    return len >= 28 && pkt[9] == 17 && (uint16_t)(pkt[22] << 8 | pkt[23]) == s->drop_port;
}

static int fates_filtered;

static void hook(void *arg, const char *from, const uint8_t *pkt, size_t len, const char *fate)
{
    (void)arg;
    (void)from;
    (void)pkt;
    (void)len;
    fates_filtered += strcmp(fate, "filtered") == 0;
}

TEST(vwire_filter_drops_what_it_says_and_counts_it)
{
    struct pair p;
    struct seen s = {0, 9001, ""};
    struct sockaddr_in pass = sin_of(HOST_B, 9000), drop = sin_of(HOST_B, 9001), any0 = sin_of(0, 9000),
                       any1 = sin_of(0, 9001);
    struct pp_vwire_stats ws;
    char buf[16];
    int b0, b1, a;
    uint64_t t = 1000;

    pair_new(&p, NULL, 0);
    fates_filtered = 0;
    pp_vwire_set_filter(p.w, filter, &s);
    pp_vwire_on_packet(p.w, hook, NULL);
    b0 = pp_socket(p.b, PP_SOCK_DGRAM | PP_SOCK_NONBLOCK);
    b1 = pp_socket(p.b, PP_SOCK_DGRAM | PP_SOCK_NONBLOCK);
    a = pp_socket(p.a, PP_SOCK_DGRAM | PP_SOCK_NONBLOCK);
    ASSERT_EQ(pp_bind(p.b, b0, SA(any0)), 0);
    ASSERT_EQ(pp_bind(p.b, b1, SA(any1)), 0);
    ASSERT_EQ(pp_sendto(p.a, a, "kept", 4, 0, SA(pass)), 4);
    ASSERT_EQ(pp_sendto(p.a, a, "gone", 4, 0, SA(drop)), 4); /* the sender cannot tell */
    pp_vwire_step(p.w, ++t);
    pp_vwire_step(p.w, t + 100);
    ASSERT_EQ(pp_recv(p.b, b0, buf, sizeof buf, 0), 4);
    ASSERT_EQ(pp_recv(p.b, b1, buf, sizeof buf, 0), -EAGAIN);
    pp_vwire_stats(p.w, &ws);
    ASSERT_EQ(ws.filtered, 1);
    ASSERT_EQ(ws.lost, 0);
    ASSERT_EQ(fates_filtered, 1);
    ASSERT_EQ(s.calls, 2);
    ASSERT_STREQ(s.last_from, "a");
    /* Removed: the same datagram passes. */
    pp_vwire_set_filter(p.w, NULL, NULL);
    ASSERT_EQ(pp_sendto(p.a, a, "back", 4, 0, SA(drop)), 4);
    pp_vwire_step(p.w, t + 200);
    ASSERT_EQ(pp_recv(p.b, b1, buf, sizeof buf, 0), 4);
    ASSERT_EQ(s.calls, 2);
    pp_vwire_set_filter(NULL, filter, &s); /* NULL wire: nothing happens */
    pair_free(&p);
}

/* A SYN from 192.0.2.99 (attached to nothing) to B:port. */
static size_t forged_syn(uint8_t *buf, size_t cap, uint16_t port)
{
    struct pp_ipv4_hdr ip;
    struct pp_tcp_hdr t;
    int tl;
    memset(&t, 0, sizeof t);
    t.sport = 33333;
    t.dport = port;
    t.seq = 12345;
    t.flags = PP_TCP_SYN;
    t.window = 1000;
    tl = pp_tcp_emit(buf + 20, cap - 20, &t, 0, 0xc0000263u, HOST_B);
    memset(&ip, 0, sizeof ip);
    ip.ttl = 64;
    ip.proto = 6;
    ip.src = 0xc0000263u;
    ip.dst = HOST_B;
    ip.total_len = (uint16_t)(20 + tl);
    pp_ipv4_emit(buf, cap, &ip, 0);
    return (size_t)(20 + tl);
}

static int saw_forged;

static void from_hook(void *arg, const char *from, const uint8_t *pkt, size_t len, const char *fate)
{
    (void)arg;
    (void)pkt;
    (void)len;
    (void)fate;
    saw_forged += strcmp(from, "forged") == 0;
}

TEST(vwire_inject_delivers_forged_packets_by_destination)
{
    struct pair p;
    struct sockaddr_in any = sin_of(0, 8080);
    struct pp_vwire_stats ws;
    uint8_t pkt[64];
    size_t n;
    int lfd;

    pair_new(&p, NULL, 0);
    saw_forged = 0;
    pp_vwire_on_packet(p.w, from_hook, NULL);
    lfd = pp_socket(p.b, PP_SOCK_STREAM);
    ASSERT_EQ(pp_bind(p.b, lfd, SA(any)), 0);
    ASSERT_EQ(pp_listen(p.b, lfd, 4), 0);
    n = forged_syn(pkt, sizeof pkt, 8080);
    ASSERT_EQ(pp_vwire_inject(p.w, pkt, n), 0);
    pp_vwire_step(p.w, 1000);
    pp_vwire_step(p.w, 1100);
    /* B answered the SYN; its SYN/ACK went to an address no port has. */
    ASSERT_EQ(pp_stack_counter(p.b, "tcp.passive_opens"), 1);
    pp_vwire_stats(p.w, &ws);
    ASSERT_GE(ws.no_dest, 1);
    ASSERT_EQ(saw_forged, 1);
    /* Malformed or absent: refused, nothing sent. */
    ASSERT_EQ(pp_vwire_inject(p.w, pkt, 10), -EINVAL);
    ASSERT_EQ(pp_vwire_inject(p.w, NULL, n), -EINVAL);
    ASSERT_EQ(pp_vwire_inject(NULL, pkt, n), -EINVAL);
    pkt[0] = 0x65; /* version 6 */
    ASSERT_EQ(pp_vwire_inject(p.w, pkt, n), -EINVAL);
    ASSERT_EQ(saw_forged, 1);
    pp_close(p.b, lfd);
    pair_free(&p);
}

TEST(stack_ephemeral_range_runs_out_per_destination)
{
    struct pp_stack_config c;
    struct pp_stack *a, *b;
    struct pp_vwire *w;
    struct sockaddr_in any7 = sin_of(0, 7), any8 = sin_of(0, 8), to7 = sin_of(HOST_B, 7),
                       to8 = sin_of(HOST_B, 8), me;
    socklen_t ml = sizeof me;
    char err[256];
    int l7, l8, fds[4], k, extra, other;

    memset(&c, 0, sizeof c);
    c.addr = HOST_A;
    c.prefix_len = 24;
    c.name = "a";
    c.ephemeral_min = 50000;
    c.ephemeral_max = 50001;
    a = pp_stack_new(&c);
    b = stack_at(HOST_B, "b");
    w = pp_vwire_new(NULL, err);
    ASSERT_NE(a && b && w, 0);
    ASSERT_EQ(pp_vwire_attach(w, a), 0);
    ASSERT_EQ(pp_vwire_attach(w, b), 0);
    ASSERT_EQ(pp_vwire_start(w), 0);
    l7 = pp_socket(b, PP_SOCK_STREAM);
    l8 = pp_socket(b, PP_SOCK_STREAM);
    ASSERT_EQ(pp_bind(b, l7, SA(any7)), 0);
    ASSERT_EQ(pp_bind(b, l8, SA(any8)), 0);
    ASSERT_EQ(pp_listen(b, l7, 8), 0);
    ASSERT_EQ(pp_listen(b, l8, 8), 0);
    for (k = 0; k < 2; k++) {
        fds[k] = pp_socket(a, PP_SOCK_STREAM);
        ASSERT_EQ(pp_connect(a, fds[k], SA(to7)), 0);
        ml = sizeof me;
        ASSERT_EQ(pp_getsockname(a, fds[k], (struct sockaddr *)&me, &ml), 0);
        ASSERT_GE(ntohs(me.sin_port), 50000);
        ASSERT_LE(ntohs(me.sin_port), 50001);
    }
    extra = pp_socket(a, PP_SOCK_STREAM);
    ASSERT_EQ(pp_connect(a, extra, SA(to7)), -EADDRNOTAVAIL);
    other = pp_socket(a, PP_SOCK_STREAM);
    ASSERT_EQ(pp_connect(a, other, SA(to8)), 0); /* another 4-tuple: a port again */
    /* A bad range is refused. */
    c.ephemeral_min = 60000;
    c.ephemeral_max = 50000;
    ASSERT_EQ(pp_stack_new(&c) == NULL, 1);
    pp_close(a, fds[0]);
    pp_close(a, fds[1]);
    pp_close(a, extra);
    pp_close(a, other);
    pp_vwire_free(w);
    pp_stack_free(a);
    pp_stack_free(b);
}
