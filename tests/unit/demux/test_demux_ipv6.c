/* test_demux_ipv6.c - the socket table's room for IPv6: IPv6 ends as keys
 * in the same tables, the same precedence (4-tuple, exact listener or bound
 * socket, wildcard ::), bind conflicts and ephemeral ports, TIME_WAIT, the
 * trace, and no crossing between the families: an IPv6 entry never answers
 * an IPv4 lookup and never clashes with an IPv4 binding. */
#include <errno.h>

#include "test.h"
#include "portplex/demux.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

/* 2001:db8::n (RFC 3849's documentation prefix). */
static const uint8_t *v6(uint8_t n)
{
    static uint8_t a[256][16];
    memset(a[n], 0, 16);
    a[n][0] = 0x20;
    a[n][1] = 0x01;
    a[n][2] = 0x0d;
    a[n][3] = 0xb8;
    a[n][15] = n;
    return a[n];
}
static const uint8_t any6[16];

static struct pp_demux *table(int constant_hash)
{
    struct pp_demux_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.test_constant_hash = constant_hash;
    return pp_demux_new(&cfg);
}

static void tcp_precedence(int constant_hash)
{
    struct pp_demux *d = table(constant_hash);
    struct pp_dmx_entry wild, exact, conn, *e;

    pp_dmx_entry_init(&wild, PP_DMX_TCP, NULL);
    pp_dmx_entry_init(&exact, PP_DMX_TCP, NULL);
    pp_dmx_entry_init(&conn, PP_DMX_TCP, NULL);
    ASSERT_EQ(pp_demux_bind6(d, &wild, any6, 80, 0), 0);
    ASSERT_EQ(pp_demux_listen(d, &wild), 0);
    ASSERT_EQ(pp_demux_bind6(d, &exact, v6(1), 80, PP_DMX_REUSEADDR), -EADDRINUSE);
    pp_demux_remove(d, &wild);
    ASSERT_EQ(pp_demux_bind6(d, &wild, any6, 80, PP_DMX_REUSEADDR), 0);
    ASSERT_EQ(pp_demux_listen(d, &wild), 0);
    ASSERT_EQ(pp_demux_bind6(d, &exact, v6(1), 80, PP_DMX_REUSEADDR), 0);
    ASSERT_EQ(pp_demux_listen(d, &exact), 0);
    ASSERT_EQ(pp_demux_insert_child6(d, &conn, v6(1), 80, v6(9), 40000, 0), 0);
    ASSERT_EQ(wild.family, PP_DMX_INET6);
    ASSERT_EQ(conn.t.laddr, 0u);
    ASSERT_MEMEQ(conn.a6.remote, v6(9), 16);

    ASSERT_EQ(pp_demux_lookup_tcp6(d, v6(9), 40000, v6(1), 80, &e), PP_RULE_ESTABLISHED);
    ASSERT(e == &conn);
    ASSERT_EQ(pp_demux_lookup_tcp6(d, v6(9), 40001, v6(1), 80, &e), PP_RULE_LISTENER_EXACT);
    ASSERT(e == &exact);
    ASSERT_EQ(pp_demux_lookup_tcp6(d, v6(9), 40000, v6(2), 80, &e), PP_RULE_LISTENER_WILDCARD);
    ASSERT(e == &wild);
    ASSERT_EQ(pp_demux_lookup_tcp6(d, v6(9), 40000, v6(1), 81, &e), PP_RULE_MISS);
    ASSERT(e == NULL);
    /* The same ends as IPv4 find nothing; UDP's tables are apart. */
    ASSERT_EQ(pp_demux_lookup_tcp(d, 0, 40000, 0, 80, &e), PP_RULE_MISS);
    ASSERT_EQ(pp_demux_lookup_udp6(d, v6(9), 40000, v6(1), 80, &e), PP_RULE_MISS);
    ASSERT_EQ(pp_demux_stats(d)->lookups[PP_DMX_TCP], 5u);
    pp_demux_free(d);
}

TEST(ipv6_tcp_established_then_exact_then_wildcard)
{
    tcp_precedence(0);
    tcp_precedence(1); /* every key in one chain: compares alone decide */
}

TEST(ipv6_udp_connected_then_exact_then_wildcard)
{
    struct pp_demux *d = table(0);
    struct pp_dmx_entry wild, exact, conn, *e;

    pp_dmx_entry_init(&wild, PP_DMX_UDP, NULL);
    pp_dmx_entry_init(&exact, PP_DMX_UDP, NULL);
    pp_dmx_entry_init(&conn, PP_DMX_UDP, NULL);
    ASSERT_EQ(pp_demux_bind6(d, &wild, any6, 53, PP_DMX_REUSEADDR), 0);
    ASSERT_EQ(pp_demux_bind6(d, &exact, v6(1), 53, PP_DMX_REUSEADDR), 0);
    ASSERT_EQ(pp_demux_bind6(d, &conn, v6(1), 53, PP_DMX_REUSEADDR), 0);
    ASSERT_EQ(pp_demux_connect6(d, &conn, NULL, v6(7), 5353), 0);
    ASSERT_EQ(conn.t.lport, 53);
    ASSERT_MEMEQ(conn.a6.local, v6(1), 16);

    ASSERT_EQ(pp_demux_lookup_udp6(d, v6(7), 5353, v6(1), 53, &e), PP_RULE_UDP_CONNECTED);
    ASSERT(e == &conn);
    ASSERT_EQ(pp_demux_lookup_udp6(d, v6(8), 5353, v6(1), 53, &e), PP_RULE_UDP_EXACT);
    ASSERT(e == &exact);
    ASSERT_EQ(pp_demux_lookup_udp6(d, v6(8), 5353, v6(3), 53, &e), PP_RULE_UDP_WILDCARD);
    ASSERT(e == &wild);
    ASSERT_EQ(pp_demux_lookup_udp6(d, v6(8), 5353, v6(3), 54, &e), PP_RULE_MISS);
    pp_demux_free(d);
}

/* IPV6_V6ONLY behaviour: 0.0.0.0:80 and [::]:80 stand side by side, each
 * answering its own family only, even where IPv6 entries keep zeros in the
 * IPv4 fields of their tuple. */
TEST(ipv6_and_ipv4_never_cross)
{
    struct pp_demux *d = table(1);
    struct pp_dmx_entry l4, l6, c6, u4, u6, *e;

    pp_dmx_entry_init(&l4, PP_DMX_TCP, NULL);
    pp_dmx_entry_init(&l6, PP_DMX_TCP, NULL);
    pp_dmx_entry_init(&c6, PP_DMX_TCP, NULL);
    pp_dmx_entry_init(&u4, PP_DMX_UDP, NULL);
    pp_dmx_entry_init(&u6, PP_DMX_UDP, NULL);
    ASSERT_EQ(pp_demux_bind(d, &l4, 0, 80, 0), 0);
    ASSERT_EQ(pp_demux_listen(d, &l4), 0);
    ASSERT_EQ(pp_demux_bind6(d, &l6, any6, 80, 0), 0);
    ASSERT_EQ(pp_demux_listen(d, &l6), 0);
    ASSERT_EQ(pp_demux_insert_child6(d, &c6, v6(1), 80, v6(2), 1000, 0), 0);
    ASSERT_EQ(pp_demux_bind(d, &u4, 0, 53, 0), 0);
    ASSERT_EQ(pp_demux_bind6(d, &u6, any6, 53, 0), 0);

    /* An IPv4 segment whose addresses are zero and ports are c6's (0.0.0.0
     * as destination names the wildcard listener exactly). */
    ASSERT_EQ(pp_demux_lookup_tcp(d, 0, 1000, 0, 80, &e), PP_RULE_LISTENER_EXACT);
    ASSERT(e == &l4);
    ASSERT_EQ(pp_demux_lookup_tcp(d, IP(10, 0, 0, 2), 1000, IP(10, 0, 0, 1), 80, &e),
              PP_RULE_LISTENER_WILDCARD);
    ASSERT(e == &l4);
    ASSERT_EQ(pp_demux_lookup_tcp6(d, v6(5), 1000, v6(1), 80, &e), PP_RULE_LISTENER_WILDCARD);
    ASSERT(e == &l6);
    ASSERT_EQ(pp_demux_lookup_udp(d, IP(10, 0, 0, 2), 9, IP(10, 0, 0, 1), 53, &e),
              PP_RULE_UDP_WILDCARD);
    ASSERT(e == &u4);
    ASSERT_EQ(pp_demux_lookup_udp6(d, v6(2), 9, v6(1), 53, &e), PP_RULE_UDP_WILDCARD);
    ASSERT(e == &u6);
    /* Closing the IPv4 listener leaves IPv4 with nothing. */
    pp_demux_remove(d, &l4);
    ASSERT_EQ(pp_demux_lookup_tcp(d, 0, 1000, 0, 80, &e), PP_RULE_MISS);
    pp_demux_free(d);
}

TEST(ipv6_bind_conflicts)
{
    struct pp_demux *d = table(0);
    struct pp_dmx_entry a, b, c, v4;

    pp_dmx_entry_init(&a, PP_DMX_UDP, NULL);
    pp_dmx_entry_init(&b, PP_DMX_UDP, NULL);
    pp_dmx_entry_init(&c, PP_DMX_UDP, NULL);
    pp_dmx_entry_init(&v4, PP_DMX_UDP, NULL);
    ASSERT_EQ(pp_demux_bind6(d, &a, any6, 5000, 0), 0);
    ASSERT_EQ(pp_demux_bind6(d, &b, v6(1), 5000, 0), -EADDRINUSE); /* overlaps :: */
    ASSERT_EQ(pp_demux_bind(d, &v4, 0, 5000, 0), 0);              /* other family */
    pp_demux_remove(d, &a);
    ASSERT_EQ(pp_demux_bind6(d, &a, v6(1), 5000, 0), 0);
    ASSERT_EQ(pp_demux_bind6(d, &b, v6(2), 5000, 0), 0); /* distinct addresses */
    ASSERT_EQ(pp_demux_bind6(d, &c, v6(2), 5000, 0), -EADDRINUSE);
    ASSERT_EQ(pp_demux_port_users(d, PP_DMX_UDP, 5000), 3u);
    /* Port 0: a free ephemeral port. */
    pp_demux_remove(d, &c);
    ASSERT_EQ(pp_demux_bind6(d, &c, v6(3), 0, 0), 0);
    ASSERT_GE(c.t.lport, 49152);
    pp_demux_free(d);
}

TEST(ipv6_connect_ports_and_time_wait)
{
    struct pp_demux *d = table(0);
    struct pp_dmx_entry c[50], dup, v4, *e;
    struct pp_dmx_timewait *tw;
    int i, j;

    for (i = 0; i < 50; i++) {
        pp_dmx_entry_init(&c[i], PP_DMX_TCP, NULL);
        ASSERT_EQ(pp_demux_connect6(d, &c[i], v6(1), v6(2), 443), 0);
        ASSERT_GE(c[i].t.lport, 49152);
        for (j = 0; j < i; j++)
            ASSERT_NE(c[i].t.lport, c[j].t.lport); /* one destination: distinct ports */
        ASSERT_EQ(pp_demux_lookup_tcp6(d, v6(2), 443, v6(1), c[i].t.lport, &e),
                  PP_RULE_ESTABLISHED);
        ASSERT(e == &c[i]);
    }
    /* The same 4-tuple again, as a child: refused. */
    pp_dmx_entry_init(&dup, PP_DMX_TCP, NULL);
    ASSERT_EQ(pp_demux_insert_child6(d, &dup, v6(1), c[0].t.lport, v6(2), 443, 0), -EADDRINUSE);
    /* TIME_WAIT keeps the IPv6 4-tuple. */
    tw = pp_demux_timewait(d, &c[0], 0, 1, 2);
    ASSERT(tw != NULL);
    ASSERT_EQ(pp_demux_lookup_tcp6(d, v6(2), 443, v6(1), c[0].t.lport, &e), PP_RULE_TIME_WAIT);
    ASSERT(e == &tw->e);
    ASSERT_EQ(pp_demux_insert_child6(d, &dup, v6(1), c[0].t.lport, v6(2), 443, 0), -EADDRINUSE);
    ASSERT_EQ(pp_demux_expire(d, 1000000), 1u);
    ASSERT_EQ(pp_demux_insert_child6(d, &dup, v6(1), c[0].t.lport, v6(2), 443, 0), 0);
    /* Wrong arguments. */
    pp_dmx_entry_init(&v4, PP_DMX_TCP, NULL);
    ASSERT_EQ(pp_demux_connect6(d, &v4, v6(1), any6, 443), -EINVAL);
    ASSERT_EQ(pp_demux_connect6(d, &v4, v6(1), NULL, 443), -EINVAL);
    ASSERT_EQ(pp_demux_connect6(d, &v4, any6, v6(2), 443), -EINVAL); /* no source */
    ASSERT_EQ(pp_demux_bind(d, &v4, IP(10, 0, 0, 1), 7000, 0), 0);
    ASSERT_EQ(pp_demux_connect6(d, &v4, v6(1), v6(2), 443), -EINVAL); /* bound as IPv4 */
    ASSERT_EQ(pp_demux_bind6(d, NULL, v6(1), 1, 0), -EINVAL);
    ASSERT_EQ(pp_demux_bind6(d, &dup, NULL, 1, 0), -EINVAL);
    ASSERT_EQ(pp_demux_lookup_tcp6(d, NULL, 1, v6(1), 1, &e), -EINVAL);
    ASSERT_EQ(pp_demux_lookup_udp6(d, v6(1), 1, v6(1), 1, NULL), -EINVAL);
    pp_demux_free(d);
}

struct seen {
    int n;
    uint8_t family;
    uint8_t saddr[16];
    int rule;
};

static void on_trace(void *arg, const struct pp_demux_trace *ev)
{
    struct seen *s = arg;
    s->n++;
    s->family = ev->family;
    s->rule = ev->rule;
    if (ev->saddr6)
        memcpy(s->saddr, ev->saddr6, 16);
}

TEST(ipv6_lookups_traced_with_their_family)
{
    struct pp_demux *d = table(0);
    struct pp_dmx_entry l, *e;
    struct seen s;

    memset(&s, 0, sizeof s);
    pp_dmx_entry_init(&l, PP_DMX_TCP, NULL);
    ASSERT_EQ(pp_demux_bind6(d, &l, any6, 22, 0), 0);
    ASSERT_EQ(pp_demux_listen(d, &l), 0);
    pp_demux_set_trace(d, on_trace, &s);
    ASSERT_EQ(pp_demux_lookup_tcp6(d, v6(4), 999, v6(1), 22, &e), PP_RULE_LISTENER_WILDCARD);
    ASSERT_EQ(s.n, 1);
    ASSERT_EQ(s.family, PP_DMX_INET6);
    ASSERT_MEMEQ(s.saddr, v6(4), 16);
    ASSERT_EQ(s.rule, PP_RULE_LISTENER_WILDCARD);
    ASSERT_EQ(pp_demux_lookup_tcp(d, IP(10, 0, 0, 4), 999, IP(10, 0, 0, 1), 22, &e), PP_RULE_MISS);
    ASSERT_EQ(s.n, 2);
    ASSERT_EQ(s.family, PP_DMX_INET);
    pp_demux_free(d);
}
