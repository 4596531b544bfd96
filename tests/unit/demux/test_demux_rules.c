/* test_demux_rules.c - the demultiplexing rules of docs/architecture.md: UDP by
 * destination with connected > exact > wildcard, TCP by 4-tuple then
 * listener exact > wildcard, misses, removal, and the web-server case. */
#include <errno.h>

#include "test.h"
#include "portplex/demux.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define SRV IP(10, 0, 0, 1)

static struct pp_demux *mk(void)
{
    struct pp_demux *d = pp_demux_new(NULL);
    ASSERT(d != NULL);
    return d;
}

TEST(udp_two_sources_reach_one_socket)
{
    struct pp_demux *d = mk();
    struct pp_dmx_entry s, *e;
    int owner;
    pp_dmx_entry_init(&s, PP_DMX_UDP, &owner);
    ASSERT_EQ(pp_demux_bind(d, &s, 0, 7, 0), 0);
    ASSERT_EQ(pp_demux_lookup_udp(d, IP(10, 0, 0, 2), 40000, SRV, 7, &e), PP_RULE_UDP_WILDCARD);
    ASSERT(e == &s && e->owner == &owner);
    ASSERT_EQ(pp_demux_lookup_udp(d, IP(10, 0, 0, 3), 51000, SRV, 7, &e), PP_RULE_UDP_WILDCARD);
    ASSERT(e == &s);
    ASSERT_EQ(pp_demux_lookup_udp(d, IP(10, 0, 0, 3), 51000, SRV, 8, &e), PP_RULE_MISS);
    ASSERT(e == NULL);
    /* TCP to the same port finds nothing: separate port spaces. */
    ASSERT_EQ(pp_demux_lookup_tcp(d, IP(10, 0, 0, 3), 51000, SRV, 7, &e), PP_RULE_MISS);
    pp_demux_remove(d, &s);
    pp_demux_free(d);
}

TEST(udp_precedence_connected_exact_wildcard)
{
    struct pp_demux *d = mk();
    struct pp_dmx_entry wild, exact, conn, *e;
    pp_dmx_entry_init(&wild, PP_DMX_UDP, NULL);
    pp_dmx_entry_init(&exact, PP_DMX_UDP, NULL);
    pp_dmx_entry_init(&conn, PP_DMX_UDP, NULL);
    ASSERT_EQ(pp_demux_bind(d, &wild, 0, 53, PP_DMX_REUSEADDR), 0);
    ASSERT_EQ(pp_demux_bind(d, &exact, SRV, 53, PP_DMX_REUSEADDR), 0);
    ASSERT_EQ(pp_demux_bind(d, &conn, SRV, 53, PP_DMX_REUSEADDR), 0);
    ASSERT_EQ(pp_demux_connect(d, &conn, 0, IP(10, 0, 0, 9), 5000), 0);
    ASSERT_EQ(conn.t.laddr, SRV);

    ASSERT_EQ(pp_demux_lookup_udp(d, IP(10, 0, 0, 9), 5000, SRV, 53, &e), PP_RULE_UDP_CONNECTED);
    ASSERT(e == &conn);
    /* Same peer, other source port: not the connected socket. */
    ASSERT_EQ(pp_demux_lookup_udp(d, IP(10, 0, 0, 9), 5001, SRV, 53, &e), PP_RULE_UDP_EXACT);
    ASSERT(e == &exact);
    ASSERT_EQ(pp_demux_lookup_udp(d, IP(10, 0, 0, 8), 1, SRV, 53, &e), PP_RULE_UDP_EXACT);
    ASSERT(e == &exact);
    ASSERT_EQ(pp_demux_lookup_udp(d, IP(10, 0, 0, 8), 1, IP(10, 0, 0, 2), 53, &e),
              PP_RULE_UDP_WILDCARD);
    ASSERT(e == &wild);

    /* Removal falls back rule by rule. */
    pp_demux_remove(d, &conn);
    ASSERT_EQ(pp_demux_lookup_udp(d, IP(10, 0, 0, 9), 5000, SRV, 53, &e), PP_RULE_UDP_EXACT);
    pp_demux_remove(d, &exact);
    ASSERT_EQ(pp_demux_lookup_udp(d, IP(10, 0, 0, 9), 5000, SRV, 53, &e), PP_RULE_UDP_WILDCARD);
    pp_demux_remove(d, &wild);
    ASSERT_EQ(pp_demux_lookup_udp(d, IP(10, 0, 0, 9), 5000, SRV, 53, &e), PP_RULE_MISS);
    ASSERT_EQ(pp_demux_port_users(d, PP_DMX_UDP, 53), 0);
    pp_demux_free(d);
}

TEST(tcp_established_then_listener_exact_then_wildcard)
{
    struct pp_demux *d = mk();
    struct pp_dmx_entry wild, exact, child, *e;
    struct pp_tuple t = {SRV, IP(10, 0, 0, 7), 80, 33333};
    pp_dmx_entry_init(&wild, PP_DMX_TCP, NULL);
    pp_dmx_entry_init(&exact, PP_DMX_TCP, NULL);
    pp_dmx_entry_init(&child, PP_DMX_TCP, NULL);
    ASSERT_EQ(pp_demux_bind(d, &wild, 0, 80, PP_DMX_REUSEADDR), 0);
    ASSERT_EQ(pp_demux_listen(d, &wild), 0);
    ASSERT_EQ(pp_demux_bind(d, &exact, SRV, 80, PP_DMX_REUSEADDR), 0);
    ASSERT_EQ(pp_demux_listen(d, &exact), 0);
    ASSERT_EQ(pp_demux_insert_child(d, &child, &t, 0), 0);

    ASSERT_EQ(pp_demux_lookup_tcp(d, IP(10, 0, 0, 7), 33333, SRV, 80, &e), PP_RULE_ESTABLISHED);
    ASSERT(e == &child);
    ASSERT_EQ(pp_demux_lookup_tcp(d, IP(10, 0, 0, 7), 33334, SRV, 80, &e), PP_RULE_LISTENER_EXACT);
    ASSERT(e == &exact);
    ASSERT_EQ(pp_demux_lookup_tcp(d, IP(10, 0, 0, 7), 33333, IP(10, 0, 0, 2), 80, &e),
              PP_RULE_LISTENER_WILDCARD);
    ASSERT(e == &wild);
    ASSERT_EQ(pp_demux_lookup_tcp(d, IP(10, 0, 0, 7), 33333, SRV, 81, &e), PP_RULE_MISS);
    pp_demux_remove(d, &exact);
    ASSERT_EQ(pp_demux_lookup_tcp(d, IP(10, 0, 0, 7), 33334, SRV, 80, &e),
              PP_RULE_LISTENER_WILDCARD);
    pp_demux_remove(d, &wild);
    /* The connection outlives its listener. */
    ASSERT_EQ(pp_demux_lookup_tcp(d, IP(10, 0, 0, 7), 33333, SRV, 80, &e), PP_RULE_ESTABLISHED);
    ASSERT_EQ(pp_demux_lookup_tcp(d, IP(10, 0, 0, 7), 33334, SRV, 80, &e), PP_RULE_MISS);
    pp_demux_remove(d, &child);
    pp_demux_free(d);
}

TEST(bound_tcp_socket_receives_nothing)
{
    /* A bound but not listening TCP socket is no destination (RST). */
    struct pp_demux *d = mk();
    struct pp_dmx_entry s, *e;
    pp_dmx_entry_init(&s, PP_DMX_TCP, NULL);
    ASSERT_EQ(pp_demux_bind(d, &s, 0, 8080, 0), 0);
    ASSERT_EQ(pp_demux_lookup_tcp(d, 1, 1, SRV, 8080, &e), PP_RULE_MISS);
    ASSERT_EQ(pp_demux_port_users(d, PP_DMX_TCP, 8080), 1);
    pp_demux_free(d);
}

TEST(web_server_one_listener_10000_connections_on_port_80)
{
    enum { N = 10000 };
    struct pp_demux *d = mk();
    struct pp_dmx_entry lis, *conns = calloc(N, sizeof *conns), *e;
    int i;
    ASSERT(conns != NULL);
    pp_dmx_entry_init(&lis, PP_DMX_TCP, NULL);
    ASSERT_EQ(pp_demux_bind(d, &lis, 0, 80, 0), 0);
    ASSERT_EQ(pp_demux_listen(d, &lis), 0);
    for (i = 0; i < N; i++) {
        /* 100 clients x 100 source ports each. */
        struct pp_tuple t = {SRV, IP(192, 168, 1, i / 100), 80, (uint16_t)(40000 + i % 100)};
        pp_dmx_entry_init(&conns[i], PP_DMX_TCP, &conns[i]);
        ASSERT_EQ(pp_demux_insert_child(d, &conns[i], &t, 0), 0);
    }
    ASSERT_EQ(pp_demux_port_users(d, PP_DMX_TCP, 80), N + 1);
    for (i = 0; i < N; i++) {
        ASSERT_EQ(pp_demux_lookup_tcp(d, IP(192, 168, 1, i / 100), (uint16_t)(40000 + i % 100),
                                      SRV, 80, &e),
                  PP_RULE_ESTABLISHED);
        ASSERT(e == &conns[i]);
    }
    /* A new client's SYN goes to the listener. */
    ASSERT_EQ(pp_demux_lookup_tcp(d, IP(192, 168, 2, 1), 40000, SRV, 80, &e),
              PP_RULE_LISTENER_WILDCARD);
    ASSERT(e == &lis);
    /* The same 4-tuple cannot be inserted twice. */
    {
        struct pp_dmx_entry dup;
        struct pp_tuple t = {SRV, IP(192, 168, 1, 0), 80, 40000};
        pp_dmx_entry_init(&dup, PP_DMX_TCP, NULL);
        ASSERT_EQ(pp_demux_insert_child(d, &dup, &t, 0), -EADDRINUSE);
    }
    for (i = 0; i < N; i += 2)
        pp_demux_remove(d, &conns[i]);
    for (i = 0; i < N; i++) {
        int rule = pp_demux_lookup_tcp(d, IP(192, 168, 1, i / 100), (uint16_t)(40000 + i % 100),
                                       SRV, 80, &e);
        if (i % 2) {
            ASSERT_EQ(rule, PP_RULE_ESTABLISHED);
            ASSERT(e == &conns[i]);
        } else {
            ASSERT_EQ(rule, PP_RULE_LISTENER_WILDCARD);
        }
    }
    pp_demux_free(d);
    free(conns);
}

TEST(rebinding_and_reuse_of_entries)
{
    struct pp_demux *d = mk();
    struct pp_dmx_entry s;
    pp_dmx_entry_init(&s, PP_DMX_UDP, NULL);
    ASSERT_EQ(pp_demux_bind(d, &s, 0, 5000, 0), 0);
    ASSERT_EQ(pp_demux_bind(d, &s, 0, 5001, 0), -EINVAL); /* already bound */
    pp_demux_remove(d, &s);
    pp_demux_remove(d, &s); /* harmless twice */
    ASSERT_EQ(pp_demux_bind(d, &s, 0, 5001, 0), 0);
    ASSERT_EQ(pp_demux_port_users(d, PP_DMX_UDP, 5000), 0);
    ASSERT_EQ(pp_demux_port_users(d, PP_DMX_UDP, 5001), 1);
    pp_demux_free(d);
}

TEST(connect_and_listen_argument_errors)
{
    struct pp_demux *d = mk();
    struct pp_dmx_entry a, b, u;
    pp_dmx_entry_init(&a, PP_DMX_TCP, NULL);
    pp_dmx_entry_init(&b, PP_DMX_TCP, NULL);
    pp_dmx_entry_init(&u, PP_DMX_UDP, NULL);
    ASSERT_EQ(pp_demux_connect(d, &a, SRV, 0, 80), -EINVAL);
    ASSERT_EQ(pp_demux_connect(d, &a, SRV, IP(1, 2, 3, 4), 0), -EINVAL);
    ASSERT_EQ(pp_demux_connect(d, &a, 0, IP(1, 2, 3, 4), 80), -EINVAL); /* no route */
    ASSERT_EQ(pp_demux_connect(d, &a, SRV, IP(1, 2, 3, 4), 80), 0);
    ASSERT_EQ(pp_demux_connect(d, &a, SRV, IP(1, 2, 3, 4), 81), -EISCONN);
    ASSERT_EQ(pp_demux_listen(d, &a), -EINVAL);
    ASSERT_EQ(pp_demux_listen(d, &u), -EINVAL);
    /* listen() on an unbound socket picks a port, as Linux does. */
    ASSERT_EQ(pp_demux_listen(d, &b), 0);
    ASSERT(b.t.lport >= 49152);
    ASSERT_EQ(pp_demux_connect(d, &b, SRV, IP(1, 2, 3, 4), 80), -EINVAL);
    pp_demux_free(d);
}

TEST(udp_reconnect_moves_the_4tuple)
{
    struct pp_demux *d = mk();
    struct pp_dmx_entry s, *e;
    pp_dmx_entry_init(&s, PP_DMX_UDP, NULL);
    ASSERT_EQ(pp_demux_connect(d, &s, SRV, IP(9, 9, 9, 9), 53), 0);
    ASSERT_EQ(pp_demux_lookup_udp(d, IP(9, 9, 9, 9), 53, SRV, s.t.lport, &e),
              PP_RULE_UDP_CONNECTED);
    ASSERT_EQ(pp_demux_connect(d, &s, SRV, IP(8, 8, 4, 4), 53), 0);
    ASSERT_EQ(pp_demux_lookup_udp(d, IP(9, 9, 9, 9), 53, SRV, s.t.lport, &e), PP_RULE_MISS);
    ASSERT_EQ(pp_demux_lookup_udp(d, IP(8, 8, 4, 4), 53, SRV, s.t.lport, &e),
              PP_RULE_UDP_CONNECTED);
    pp_demux_free(d);
}

static void burst_matches_single(int constant_hash)
{
    enum { N = 2000, Q = 777 };
    struct pp_demux_config cfg = {0};
    struct pp_demux *d;
    struct pp_dmx_entry *c = calloc(N, sizeof *c), lis, *out[Q], *e;
    struct pp_demux_query q[Q];
    int rules[Q], i;
    cfg.test_constant_hash = constant_hash;
    d = pp_demux_new(&cfg);
    pp_dmx_entry_init(&lis, PP_DMX_TCP, NULL);
    ASSERT_EQ(pp_demux_bind(d, &lis, SRV, 80, 0), 0);
    ASSERT_EQ(pp_demux_listen(d, &lis), 0);
    for (i = 0; i < N; i++) {
        struct pp_tuple t = {SRV, IP(10, 1, 0, i % 200), 80, (uint16_t)(1000 + i)};
        pp_dmx_entry_init(&c[i], PP_DMX_TCP, NULL);
        ASSERT_EQ(pp_demux_insert_child(d, &c[i], &t, 0), 0);
    }
    ASSERT(pp_demux_timewait(d, &c[5], 0, 0, 0) != NULL);
    for (i = 0; i < Q; i++) {
        int k = (i * 7919) % (N + 300); /* some beyond N: listener or miss */
        q[i].saddr = IP(10, 1, 0, k % 200);
        q[i].sport = (uint16_t)(1000 + k);
        q[i].daddr = SRV;
        q[i].dport = (uint16_t)(i % 50 == 0 ? 81 : 80);
    }
    pp_demux_lookup_tcp_burst(d, q, Q, out, rules);
    for (i = 0; i < Q; i++) {
        int r = pp_demux_lookup_tcp(d, q[i].saddr, q[i].sport, q[i].daddr, q[i].dport, &e);
        ASSERT_EQ(rules[i], r);
        ASSERT(out[i] == e);
    }
    ASSERT_EQ(pp_demux_stats(d)->lookups[PP_DMX_TCP], 2 * Q);
    pp_demux_free(d);
    free(c);
}

TEST(burst_lookup_gives_the_same_answers)
{
    burst_matches_single(0);
    burst_matches_single(1);
}
