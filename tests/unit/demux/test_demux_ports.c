/* test_demux_ports.c - bind conflicts (a matrix with the errno each case
 * gives), TIME_WAIT and SO_REUSEADDR, RFC 6056 ephemeral ports, exhaustion,
 * forced hash collisions, growth and shrinking, the trace hook, SipHash. */
#include <errno.h>

#include "test.h"
#include "portplex/demux.h"
#include "portplex/htable.h"
#include "portplex/siphash.h"
#include "demux/siphash_batch.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define A1 IP(10, 0, 0, 1)
#define A2 IP(10, 0, 0, 2)
#define R IP(10, 9, 9, 9)
#define REUSE PP_DMX_REUSEADDR

/* First socket: bound (and maybe listening or connected); second binds. */
enum { ST_BOUND, ST_LISTEN, ST_CONNECTED, ST_TIMEWAIT };
static const struct bind_case {
    const char *what;
    int proto;
    uint32_t addr1;
    unsigned flags1;
    int state1;
    uint32_t addr2;
    unsigned flags2;
    int want; /* 0 or -errno */
} matrix[] = {
    {"tcp same addr", PP_DMX_TCP, A1, 0, ST_BOUND, A1, 0, -EADDRINUSE},
    {"tcp wildcard then exact", PP_DMX_TCP, 0, 0, ST_BOUND, A1, 0, -EADDRINUSE},
    {"tcp exact then wildcard", PP_DMX_TCP, A1, 0, ST_BOUND, 0, 0, -EADDRINUSE},
    {"tcp different addrs", PP_DMX_TCP, A1, 0, ST_BOUND, A2, 0, 0},
    {"tcp reuse only on second", PP_DMX_TCP, A1, 0, ST_BOUND, A1, REUSE, -EADDRINUSE},
    {"tcp reuse only on first", PP_DMX_TCP, A1, REUSE, ST_BOUND, A1, 0, -EADDRINUSE},
    {"tcp reuse both, bound", PP_DMX_TCP, A1, REUSE, ST_BOUND, A1, REUSE, 0},
    {"tcp reuse both, listening same addr", PP_DMX_TCP, A1, REUSE, ST_LISTEN, A1, REUSE, -EADDRINUSE},
    {"tcp reuse both, listening wildcard", PP_DMX_TCP, 0, REUSE, ST_LISTEN, A1, REUSE, 0},
    {"tcp listening, no reuse", PP_DMX_TCP, 0, 0, ST_LISTEN, A1, 0, -EADDRINUSE},
    {"tcp connected, no reuse", PP_DMX_TCP, A1, 0, ST_CONNECTED, A1, 0, -EADDRINUSE},
    {"tcp connected, reuse both", PP_DMX_TCP, A1, REUSE, ST_CONNECTED, A1, REUSE, 0},
    {"tcp time-wait, no reuse", PP_DMX_TCP, A1, 0, ST_TIMEWAIT, A1, 0, -EADDRINUSE},
    {"tcp time-wait, reuse on second", PP_DMX_TCP, A1, 0, ST_TIMEWAIT, A1, REUSE, 0},
    {"tcp time-wait, wildcard reuse", PP_DMX_TCP, A1, 0, ST_TIMEWAIT, 0, REUSE, 0},
    {"udp same addr", PP_DMX_UDP, A1, 0, ST_BOUND, A1, 0, -EADDRINUSE},
    {"udp wildcard then exact", PP_DMX_UDP, 0, 0, ST_BOUND, A1, 0, -EADDRINUSE},
    {"udp different addrs", PP_DMX_UDP, A1, 0, ST_BOUND, A2, 0, 0},
    {"udp reuse both", PP_DMX_UDP, A1, REUSE, ST_BOUND, A1, REUSE, 0},
    {"udp reuse one", PP_DMX_UDP, 0, REUSE, ST_BOUND, A1, 0, -EADDRINUSE},
    {"udp connected, no reuse", PP_DMX_UDP, A1, 0, ST_CONNECTED, A1, 0, -EADDRINUSE},
};

TEST(bind_conflict_matrix)
{
    size_t i;
    for (i = 0; i < sizeof matrix / sizeof matrix[0]; i++) {
        const struct bind_case *c = &matrix[i];
        struct pp_demux *d = pp_demux_new(NULL);
        struct pp_dmx_entry a, b;
        int rc;
        pp_dmx_entry_init(&a, (enum pp_dmx_proto)c->proto, NULL);
        pp_dmx_entry_init(&b, (enum pp_dmx_proto)c->proto, NULL);
        ASSERT_EQ(pp_demux_bind(d, &a, c->addr1, 80, c->flags1), 0);
        if (c->state1 == ST_LISTEN)
            ASSERT_EQ(pp_demux_listen(d, &a), 0);
        if (c->state1 == ST_CONNECTED || c->state1 == ST_TIMEWAIT)
            ASSERT_EQ(pp_demux_connect(d, &a, A1, R, 443), 0);
        if (c->state1 == ST_TIMEWAIT)
            ASSERT(pp_demux_timewait(d, &a, 0, 1, 1) != NULL);
        rc = pp_demux_bind(d, &b, c->addr2, 80, c->flags2);
        if (rc != c->want)
            PP_TEST_FAIL("case \"%s\": bind gave %d, expected %d", c->what, rc, c->want);
        pp_demux_free(d);
    }
}

TEST(udp_and_tcp_port_spaces_are_separate)
{
    struct pp_demux *d = pp_demux_new(NULL);
    struct pp_dmx_entry u, t;
    pp_dmx_entry_init(&u, PP_DMX_UDP, NULL);
    pp_dmx_entry_init(&t, PP_DMX_TCP, NULL);
    ASSERT_EQ(pp_demux_bind(d, &u, 0, 53, 0), 0);
    ASSERT_EQ(pp_demux_bind(d, &t, 0, 53, 0), 0);
    pp_demux_free(d);
}

TEST(listen_twice_on_one_address)
{
    struct pp_demux *d = pp_demux_new(NULL);
    struct pp_dmx_entry a, b;
    pp_dmx_entry_init(&a, PP_DMX_TCP, NULL);
    pp_dmx_entry_init(&b, PP_DMX_TCP, NULL);
    ASSERT_EQ(pp_demux_bind(d, &a, A1, 80, REUSE), 0);
    ASSERT_EQ(pp_demux_bind(d, &b, A1, 80, REUSE), 0);
    ASSERT_EQ(pp_demux_listen(d, &a), 0);
    ASSERT_EQ(pp_demux_listen(d, &b), -EADDRINUSE);
    ASSERT_EQ(pp_demux_listen(d, &a), 0); /* again: no-op */
    pp_demux_free(d);
}

TEST(time_wait_holds_the_tuple_until_expiry)
{
    struct pp_demux_config cfg = {0};
    struct pp_demux *d;
    struct pp_dmx_entry c, c2, *e;
    struct pp_dmx_timewait *tw;
    cfg.time_wait = 1000;
    d = pp_demux_new(&cfg);
    pp_dmx_entry_init(&c, PP_DMX_TCP, NULL);
    pp_dmx_entry_init(&c2, PP_DMX_TCP, NULL);
    ASSERT_EQ(pp_demux_bind(d, &c, A1, 5555, 0), 0);
    ASSERT_EQ(pp_demux_connect(d, &c, 0, R, 80), 0);
    tw = pp_demux_timewait(d, &c, 500, 111, 222);
    ASSERT(tw != NULL);
    ASSERT_EQ(c.kind, PP_DMX_UNBOUND); /* the socket may go away now */
    ASSERT_EQ(pp_demux_next_expiry(d), 1500);
    ASSERT_EQ(pp_demux_lookup_tcp(d, R, 80, A1, 5555, &e), PP_RULE_TIME_WAIT);
    ASSERT(e == &tw->e && e->owner == tw);
    ASSERT_EQ(tw->snd_nxt, 111);
    /* The 4-tuple cannot be handed out again during TIME_WAIT ... */
    ASSERT_EQ(pp_demux_bind(d, &c2, A1, 5555, REUSE), 0);
    ASSERT_EQ(pp_demux_connect(d, &c2, 0, R, 80), -EADDRNOTAVAIL);
    /* ... but another remote is fine from the same port. */
    ASSERT_EQ(pp_demux_connect(d, &c2, 0, R, 81), 0);
    pp_demux_remove(d, &c2);
    ASSERT_EQ(pp_demux_expire(d, 1499), 0);
    ASSERT_EQ(pp_demux_expire(d, 1500), 1);
    ASSERT_EQ(pp_demux_stats(d)->timewait_expired, 1);
    ASSERT_EQ(pp_demux_lookup_tcp(d, R, 80, A1, 5555, &e), PP_RULE_MISS);
    ASSERT_EQ(pp_demux_port_users(d, PP_DMX_TCP, 5555), 0);
    ASSERT_EQ(pp_demux_next_expiry(d), UINT64_MAX);
    ASSERT_EQ(pp_demux_bind(d, &c2, A1, 5555, 0), 0);
    pp_demux_free(d);
}

TEST(time_wait_killed_early_and_many_expire_in_order)
{
    struct pp_demux_config cfg = {0};
    struct pp_demux *d;
    struct pp_dmx_entry c[10];
    struct pp_dmx_timewait *tw[10];
    int i;
    cfg.time_wait = 100;
    d = pp_demux_new(&cfg);
    for (i = 0; i < 10; i++) {
        pp_dmx_entry_init(&c[i], PP_DMX_TCP, NULL);
        ASSERT_EQ(pp_demux_connect(d, &c[i], A1, R, (uint16_t)(1000 + i)), 0);
        tw[i] = pp_demux_timewait(d, &c[i], (uint64_t)i * 10, 0, 0);
        ASSERT(tw[i] != NULL);
    }
    pp_demux_timewait_kill(d, tw[0]);
    pp_demux_timewait_kill(d, tw[5]);
    ASSERT_EQ(pp_demux_next_expiry(d), 110);
    ASSERT_EQ(pp_demux_expire(d, 145), 4); /* records 1-4 (expiring 110..140) */
    ASSERT_EQ(pp_demux_next_expiry(d), 160);
    pp_demux_free(d); /* frees the records still waiting */
}

TEST(ephemeral_ports_in_range_and_not_sequential)
{
    static const struct pp_sipkey k1 = {1, 2}, k2 = {3, 4};
    struct pp_demux_config cfg1 = {0}, cfg2 = {0};
    struct pp_demux *d;
    cfg1.key = &k1;
    cfg2.key = &k2;
    d = pp_demux_new(&cfg1);
    struct pp_dmx_entry c[200];
    int i, adjacent = 0;
    for (i = 0; i < 200; i++) {
        pp_dmx_entry_init(&c[i], PP_DMX_TCP, NULL);
        ASSERT_EQ(pp_demux_connect(d, &c[i], A1, R, 80), 0);
        ASSERT_GE(c[i].t.lport, 49152);
        if (i && (c[i].t.lport == c[i - 1].t.lport + 1))
            adjacent++;
    }
    /* Successive connections to one destination walk forward from a keyed
     * offset (RFC 6056 algorithm 4), so they are distinct ... */
    for (i = 1; i < 200; i++)
        ASSERT_NE(c[i].t.lport, c[0].t.lport);
    /* ... and the offset differs between destinations and between keys. */
    {
        struct pp_dmx_entry x, y;
        struct pp_demux *d2 = pp_demux_new(&cfg2);
        pp_dmx_entry_init(&x, PP_DMX_TCP, NULL);
        pp_dmx_entry_init(&y, PP_DMX_TCP, NULL);
        ASSERT_EQ(pp_demux_connect(d2, &x, A1, R, 80), 0);
        ASSERT_EQ(pp_demux_connect(d, &y, A1, IP(10, 8, 8, 8), 80), 0);
        /* Fixed keys keep this deterministic. */
        ASSERT_NE(x.t.lport, c[0].t.lport);
        ASSERT_NE(y.t.lport, c[199].t.lport + 1);
        pp_demux_free(d2);
    }
    /* Toward one destination algorithm 4 walks forward one port at a time,
     * (RFC 6056 3.3.4); across destinations the offsets are keyed hashes,
     * so a global counter is not visible: of 50 connections to 50
     * destinations, almost none follow their predecessor's port. */
    ASSERT_EQ(adjacent, 199);
    adjacent = 0;
    for (i = 0; i < 50; i++) {
        struct pp_dmx_entry *x = &c[i], *prev = &c[i ? i - 1 : 0];
        pp_demux_remove(d, x);
        pp_dmx_entry_init(x, PP_DMX_TCP, NULL);
        ASSERT_EQ(pp_demux_connect(d, x, A1, IP(10, 1, 0, i), 80), 0);
        if (i && x->t.lport == prev->t.lport + 1)
            adjacent++;
    }
    ASSERT_LT(adjacent, 5);
    /* bind(0) too lands in the range. */
    {
        struct pp_dmx_entry b;
        pp_dmx_entry_init(&b, PP_DMX_UDP, NULL);
        ASSERT_EQ(pp_demux_bind(d, &b, 0, 0, 0), 0);
        ASSERT_GE(b.t.lport, 49152);
    }
    pp_demux_free(d);
}

TEST(ephemeral_tcp_ports_shared_across_destinations_then_exhausted)
{
    struct pp_demux_config cfg = {0};
    struct pp_demux *d;
    struct pp_dmx_entry c[5], fixed;
    int i;
    cfg.eph_min = 40000;
    cfg.eph_max = 40001; /* two ports */
    d = pp_demux_new(&cfg);
    pp_dmx_entry_init(&fixed, PP_DMX_TCP, NULL);
    for (i = 0; i < 4; i++) {
        pp_dmx_entry_init(&c[i], PP_DMX_TCP, NULL);
        /* Two connections to each of two destinations: 4 tuples, 2 ports. */
        ASSERT_EQ(pp_demux_connect(d, &c[i], A1, i < 2 ? R : A2, 80), 0);
    }
    ASSERT_NE(c[0].t.lport, c[1].t.lport);
    ASSERT_NE(c[2].t.lport, c[3].t.lport);
    pp_dmx_entry_init(&c[4], PP_DMX_TCP, NULL);
    ASSERT_EQ(pp_demux_connect(d, &c[4], A1, R, 80), -EADDRNOTAVAIL);
    /* A port bound by bind() is never shared by connect(). */
    for (i = 0; i < 4; i++)
        pp_demux_remove(d, &c[i]);
    ASSERT_EQ(pp_demux_bind(d, &fixed, 0, 40000, 0), 0);
    ASSERT_EQ(pp_demux_connect(d, &c[4], A1, IP(10, 7, 7, 7), 80), 0);
    ASSERT_EQ(c[4].t.lport, 40001);
    pp_dmx_entry_init(&c[0], PP_DMX_TCP, NULL);
    ASSERT_EQ(pp_demux_connect(d, &c[0], A1, IP(10, 7, 7, 7), 80), -EADDRNOTAVAIL);
    pp_demux_free(d);
}

TEST(ephemeral_udp_exhaustion)
{
    struct pp_demux_config cfg = {0};
    struct pp_demux *d;
    struct pp_dmx_entry s[11];
    int i;
    cfg.eph_min = 50000;
    cfg.eph_max = 50009;
    d = pp_demux_new(&cfg);
    for (i = 0; i < 10; i++) {
        pp_dmx_entry_init(&s[i], PP_DMX_UDP, NULL);
        ASSERT_EQ(pp_demux_bind(d, &s[i], 0, 0, 0), 0);
    }
    pp_dmx_entry_init(&s[10], PP_DMX_UDP, NULL);
    /* Linux: bind(0) finds nothing -> EADDRINUSE; connect() -> EADDRNOTAVAIL. */
    ASSERT_EQ(pp_demux_bind(d, &s[10], 0, 0, 0), -EADDRINUSE);
    ASSERT_EQ(pp_demux_connect(d, &s[10], A1, R, 53), -EADDRNOTAVAIL);
    pp_demux_remove(d, &s[3]);
    ASSERT_EQ(pp_demux_connect(d, &s[10], A1, R, 53), 0);
    ASSERT_EQ(s[10].t.lport, s[3].t.lport);
    pp_demux_free(d);
}

TEST(bad_config_rejected)
{
    struct pp_demux_config cfg = {0};
    cfg.eph_min = 2000;
    cfg.eph_max = 1000;
    ASSERT(pp_demux_new(&cfg) == NULL);
    cfg.eph_min = 0;
    cfg.eph_max = 1000;
    ASSERT(pp_demux_new(&cfg) == NULL);
    pp_demux_free(NULL);
}

static void collide(int constant)
{
    enum { N = 3000 };
    struct pp_demux_config cfg = {0};
    struct pp_demux *d;
    struct pp_dmx_entry *c = calloc(N, sizeof *c), u[50], *e;
    int i;
    cfg.test_constant_hash = constant;
    d = pp_demux_new(&cfg);
    for (i = 0; i < N; i++) {
        struct pp_tuple t = {A1, R + (uint32_t)(i % 7), 80, (uint16_t)(1024 + i)};
        pp_dmx_entry_init(&c[i], PP_DMX_TCP, NULL);
        ASSERT_EQ(pp_demux_insert_child(d, &c[i], &t, 0), 0);
    }
    for (i = 0; i < 50; i++) {
        pp_dmx_entry_init(&u[i], PP_DMX_UDP, NULL);
        ASSERT_EQ(pp_demux_bind(d, &u[i], i % 2 ? A1 : 0, (uint16_t)(100 + i), 0), 0);
    }
    for (i = 0; i < N; i++) {
        ASSERT_EQ(pp_demux_lookup_tcp(d, R + (uint32_t)(i % 7), (uint16_t)(1024 + i), A1, 80, &e),
                  PP_RULE_ESTABLISHED);
        ASSERT(e == &c[i]);
    }
    for (i = 0; i < 50; i++) {
        ASSERT_EQ(pp_demux_lookup_udp(d, R, 1, A1, (uint16_t)(100 + i), &e),
                  i % 2 ? PP_RULE_UDP_EXACT : PP_RULE_UDP_WILDCARD);
        ASSERT(e == &u[i]);
    }
    for (i = 0; i < N; i += 3)
        pp_demux_remove(d, &c[i]);
    for (i = 0; i < N; i++)
        ASSERT_EQ(pp_demux_lookup_tcp(d, R + (uint32_t)(i % 7), (uint16_t)(1024 + i), A1, 80, &e),
                  i % 3 ? PP_RULE_ESTABLISHED : PP_RULE_MISS);
    pp_demux_free(d);
    free(c);
}

TEST(forced_collisions_still_correct)
{
    collide(1); /* every key hashes to 0: one long chain */
    collide(0);
}

TEST(growth_and_shrink_during_lookups)
{
    enum { N = 100000 };
    struct pp_demux *d = pp_demux_new(NULL);
    struct pp_dmx_entry *c = calloc(N, sizeof *c), *e;
    struct pp_demux_mem m0, m1, m2;
    int i;
    pp_demux_memory(d, &m0);
    for (i = 0; i < N; i++) {
        struct pp_tuple t = {A1, R + (uint32_t)(i / 65535), 80, (uint16_t)(i % 65535 + 1)};
        pp_dmx_entry_init(&c[i], PP_DMX_TCP, NULL);
        ASSERT_EQ(pp_demux_insert_child(d, &c[i], &t, 0), 0);
        /* Every earlier entry stays reachable while the table rehashes. */
        if (i % 997 == 0) {
            int j;
            for (j = 0; j <= i; j += 101) {
                ASSERT_EQ(pp_demux_lookup_tcp(d, R + (uint32_t)(j / 65535), (uint16_t)(j % 65535 + 1), A1, 80, &e),
                          PP_RULE_ESTABLISHED);
                ASSERT(e == &c[j]);
            }
        }
    }
    pp_demux_memory(d, &m1);
    ASSERT_EQ(m1.entries, N);
    /* IPv4 connections live in the compact index, whose 64-byte buckets
     * hold three keys and are kept between 1/3 and 2/3 full: 32 to 64
     * bytes per connection, keys included (tuple_index.h). */
    ASSERT_GE(m1.bucket_bytes, N * 32);
    ASSERT_LE(m1.bucket_bytes, N * 64);
    for (i = 0; i < N; i++)
        pp_demux_remove(d, &c[i]);
    pp_demux_memory(d, &m2);
    ASSERT_EQ(m2.entries, 0);
    ASSERT_LE(m2.bucket_bytes, m1.bucket_bytes / 64);
    (void)m0;
    pp_demux_free(d);
    free(c);
}

struct trace_log {
    int n;
    int rules[8];
};

static void on_trace(void *arg, const struct pp_demux_trace *ev)
{
    struct trace_log *l = arg;
    if (l->n < 8)
        l->rules[l->n] = ev->rule;
    l->n++;
}

TEST(trace_hook_reports_each_decision)
{
    struct pp_demux *d = pp_demux_new(NULL);
    struct pp_dmx_entry u, *e;
    struct trace_log log = {0};
    pp_dmx_entry_init(&u, PP_DMX_UDP, NULL);
    ASSERT_EQ(pp_demux_bind(d, &u, A1, 7, 0), 0);
    pp_demux_lookup_udp(d, R, 1, A1, 7, &e); /* untraced */
    pp_demux_set_trace(d, on_trace, &log);
    pp_demux_lookup_udp(d, R, 1, A1, 7, &e);
    pp_demux_lookup_udp(d, R, 1, A1, 9, &e);
    pp_demux_lookup_tcp(d, R, 1, A1, 7, &e);
    pp_demux_set_trace(d, NULL, NULL);
    pp_demux_lookup_udp(d, R, 1, A1, 7, &e);
    ASSERT_EQ(log.n, 3);
    ASSERT_EQ(log.rules[0], PP_RULE_UDP_EXACT);
    ASSERT_EQ(log.rules[1], PP_RULE_MISS);
    ASSERT_EQ(log.rules[2], PP_RULE_MISS);
    ASSERT_EQ(pp_demux_stats(d)->lookups[PP_DMX_UDP], 4);
    ASSERT_EQ(pp_demux_stats(d)->lookups[PP_DMX_TCP], 1);
    ASSERT_EQ(pp_demux_stats(d)->by_rule[PP_RULE_UDP_EXACT], 3);
    ASSERT_EQ(pp_demux_stats(d)->by_rule[PP_RULE_MISS], 2);
    ASSERT_STREQ(pp_dmx_rule_name(PP_RULE_LISTENER_WILDCARD), "listener-wildcard");
    ASSERT_STREQ(pp_dmx_rule_name(99), "?");
    pp_demux_free(d);
}

TEST(siphash_reference_vectors)
{
    /* From the SipHash paper's appendix: key 00..0f, message 00..0e. */
    struct pp_sipkey k = {0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};
    uint8_t m[16];
    int i;
    for (i = 0; i < 16; i++)
        m[i] = (uint8_t)i;
    ASSERT_EQ(pp_siphash(&k, m, 15, 2, 4), (long long)0xa129ca6149be45e5ull);
    ASSERT_EQ(pp_siphash(&k, m, 0, 2, 4), (long long)0x726fdb47dd0e0e31ull);
    /* The two-word fast path equals the generic code on the same bytes. */
    {
        uint64_t a = 0x0706050403020100ull, b = 0x0f0e0d0c0b0a0908ull;
        ASSERT_EQ(pp_siphash13_2u64(&k, a, b), pp_siphash(&k, m, 16, 1, 3));
    }
}

/* The burst lookups' batch hash (vector registers where the CPU has them)
 * gives the scalar function's value for every key, whatever the count. */
TEST(siphash_batch_equals_scalar)
{
    struct pp_sipkey k = {0x243f6a8885a308d3ull, 0x13198a2e03707344ull};
    uint64_t a[67], b[67], out[67];
    size_t n, i;
    int v;

    for (i = 0; i < 67; i++) {
        a[i] = 0x9e3779b97f4a7c15ull * (i + 1);
        b[i] = i == 3 ? ~0ull : (uint64_t)i << 48 ^ i;
    }
    for (v = -1; v <= PP_SIPBATCH_AVX512; v++) {
        for (n = 0; n <= 67; n++) {
            for (i = 0; i < 67; i++)
                out[i] = 0xdeadull;
            if (v < 0)
                pp__siphash13_batch(&k, a, b, out, n); /* the one lookups use */
            else if (pp__siphash13_batch_variant(v, &k, a, b, out, n) < 0)
                break; /* not on this CPU */
            for (i = 0; i < n; i++)
                ASSERT_EQ(out[i], pp_siphash13_2u64(&k, a[i], b[i]));
            for (; i < 67; i++)
                ASSERT_EQ(out[i], 0xdeadull); /* nothing written past n */
        }
        if (v >= 0)
            printf("# batch variant %d: %s\n", v, n > 67 ? "checked" : "not on this CPU");
    }
}

TEST(htable_random_against_model)
{
    enum { N = 5000 };
    struct pp_htable t;
    struct pp_hnode *nodes = calloc(N, sizeof *nodes);
    char *in = calloc(N, 1);
    uint32_t x = 1;
    int step, i;
    ASSERT_EQ(pp_htable_init(&t), 0);
    for (step = 0; step < 200000; step++) {
        x = x * 1664525u + 1013904223u;
        i = (int)((x >> 8) % N);
        if (in[i])
            pp_htable_remove(&t, &nodes[i]);
        else
            pp_htable_insert(&t, &nodes[i], (uint32_t)i * 2654435761u);
        in[i] ^= 1;
        if (step % 20000 == 0) {
            size_t count = 0;
            int k;
            for (k = 0; k < N; k++) {
                struct pp_hnode *n;
                int found = 0;
                uint32_t h = (uint32_t)k * 2654435761u;
                PP_HTABLE_FOREACH(&t, h, n) if (n == &nodes[k]) found = 1;
                ASSERT_EQ(found, in[k]);
                count += in[k];
            }
            ASSERT_EQ(pp_htable_count(&t), count);
        }
    }
    pp_htable_fini(&t);
    free(nodes);
    free(in);
}
