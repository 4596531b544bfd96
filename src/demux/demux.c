/* demux.c - the socket table's lookups: which socket gets an arriving
 * segment, by the fixed order of docs/architecture.md (most specific match first, as
 * OpenBSD's in_pcblookup does), with stats and an optional trace hook. */
#include "demux_internal.h"
#include "siphash_batch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const rule_names[PP_RULE_COUNT] = {
    "miss", "established", "time-wait", "listener-exact", "listener-wildcard",
    "udp-connected", "udp-exact", "udp-wildcard",
};

const char *pp_dmx_rule_name(int rule)
{
    return rule >= 0 && rule < PP_RULE_COUNT ? rule_names[rule] : "?";
}

struct pp_demux *pp_demux_new(const struct pp_demux_config *cfg)
{
    struct pp_demux *d = calloc(1, sizeof *d);

    if (!d)
        return NULL;
    d->eph_min = 49152;
    d->eph_max = 65535;
    d->time_wait = 60000; /* 2 * MSL of 30 s, in ms, the caller's usual unit */
    if (cfg) {
        if (cfg->eph_min || cfg->eph_max) {
            if (cfg->eph_min == 0 || cfg->eph_min > cfg->eph_max)
                goto err;
            d->eph_min = cfg->eph_min;
            d->eph_max = cfg->eph_max;
        }
        if (cfg->time_wait)
            d->time_wait = cfg->time_wait;
        d->const_hash = cfg->test_constant_hash;
    }
    if (cfg && cfg->key)
        d->key = *cfg->key;
    else
        pp_sipkey_random(&d->key);
    pp__thash_init(&d->thash, &d->key, 1);
    if (pp__tix_init(&d->tcp_conn4) < 0 || pp_htable_init(&d->tcp_conn) < 0 ||
        pp_htable_init(&d->tcp_listen) < 0 || pp_htable_init(&d->udp_conn) < 0 ||
        pp_htable_init(&d->udp_bound) < 0)
        goto err;
    return d;
err:
    pp_demux_free(d);
    return NULL;
}

void pp_demux_free(struct pp_demux *d)
{
    size_t p, i;

    if (!d)
        return;
    pp__dmx_timewait_free_all(d);
    pp__tix_fini(&d->tcp_conn4);
    pp_htable_fini(&d->tcp_conn);
    pp_htable_fini(&d->tcp_listen);
    pp_htable_fini(&d->udp_conn);
    pp_htable_fini(&d->udp_bound);
    for (p = 0; p < 2; p++)
        for (i = 0; i < 65536 / PORT_PAGE_SIZE; i++)
            free(d->ports[p][i]);
    free(d);
}

void pp_dmx_entry_init(struct pp_dmx_entry *e, enum pp_dmx_proto proto, void *owner)
{
    memset(e, 0, sizeof *e);
    e->proto = (uint8_t)proto;
    e->kind = PP_DMX_UNBOUND;
    e->owner = owner;
}

void pp_demux_set_trace(struct pp_demux *d, pp_demux_trace_fn fn, void *arg)
{
    d->trace = fn;
    d->trace_arg = arg;
}

/* Counts a decision and, when tracing, reports it. */
static inline int decided(struct pp_demux *d, uint8_t proto, uint32_t saddr, uint16_t sport,
                          uint32_t daddr, uint16_t dport, int rule, struct pp_dmx_entry *e,
                          struct pp_dmx_entry **out)
{
    d->stats.lookups[proto]++;
    d->stats.by_rule[rule]++;
    *out = e;
    if (__builtin_expect(d->trace != NULL, 0)) {
        struct pp_demux_trace ev = {proto, saddr, daddr, sport, dport, rule, e, PP_DMX_INET, NULL,
                                    NULL};
        d->trace(d->trace_arg, &ev);
    }
    return rule;
}

static int decided6(struct pp_demux *d, uint8_t proto, const uint8_t *saddr, uint16_t sport,
                    const uint8_t *daddr, uint16_t dport, int rule, struct pp_dmx_entry *e,
                    struct pp_dmx_entry **out)
{
    d->stats.lookups[proto]++;
    d->stats.by_rule[rule]++;
    *out = e;
    if (d->trace) {
        struct pp_demux_trace ev = {proto, 0, 0, sport, dport, rule, e, PP_DMX_INET6, saddr, daddr};
        d->trace(d->trace_arg, &ev);
    }
    return rule;
}

/* The entry in t keyed by the 4-tuple whose hash is h, or NULL. */
static inline struct pp_dmx_entry *find4h(const struct pp_htable *t, uint32_t h, uint32_t laddr,
                                          uint16_t lport, uint32_t raddr, uint16_t rport)
{
    struct pp_hnode *n;

    /* One branch per node: the hash and the tuple compared as 96 bits. */
    const uint64_t addrs = (uint64_t)raddr << 32 | laddr;
    const uint32_t ports = (uint32_t)rport << 16 | lport;

    PP_HTABLE_FOREACH(t, h, n) {
        struct pp_dmx_entry *e = ENTRY_OF(n);
        uint64_t ea;
        uint32_t ep;
        memcpy(&ea, &e->t.laddr, sizeof ea);
        memcpy(&ep, &e->t.lport, sizeof ep);
        if (((ea ^ addrs) | (uint64_t)((ep ^ ports) | (n->hash ^ h) | e->family)) == 0)
            return e; /* PP_DMX_INET is 0: an IPv6 entry never matches */
    }
    return NULL;
}

static inline struct pp_dmx_entry *find4(const struct pp_demux *d, const struct pp_htable *t,
                                         uint32_t laddr, uint16_t lport, uint32_t raddr,
                                         uint16_t rport)
{
    return find4h(t, dmx_hash4(d, laddr, lport, raddr, rport), laddr, lport, raddr, rport);
}

/* The entry in t keyed by the local (address, port), or NULL. */
static inline struct pp_dmx_entry *find2(const struct pp_demux *d, const struct pp_htable *t,
                                         uint32_t laddr, uint16_t lport)
{
    uint32_t h = dmx_hash2(d, laddr, lport);
    struct pp_hnode *n;

    PP_HTABLE_FOREACH(t, h, n) {
        struct pp_dmx_entry *e = ENTRY_OF(n);
        if (n->hash == h && e->family == PP_DMX_INET && e->t.laddr == laddr && e->t.lport == lport)
            return e;
    }
    return NULL;
}

/* The IPv6 entry in t with these ends (raddr NULL: a local (address, port)
 * key), or NULL. */
static struct pp_dmx_entry *find6(const struct pp_demux *d, const struct pp_htable *t,
                                  const uint8_t *laddr, uint16_t lport, const uint8_t *raddr,
                                  uint16_t rport)
{
    uint32_t h = dmx_hash6(d, laddr, lport, raddr, rport);
    struct pp_hnode *n;

    PP_HTABLE_FOREACH(t, h, n) {
        struct pp_dmx_entry *e = ENTRY_OF(n);
        if (n->hash != h || e->family != PP_DMX_INET6 || e->t.lport != lport ||
            memcmp(e->a6.local, laddr, 16) != 0)
            continue;
        if (!raddr || (e->t.rport == rport && memcmp(e->a6.remote, raddr, 16) == 0))
            return e;
    }
    return NULL;
}

int pp__dmx_tcp_tuple_used(struct pp_demux *d, const struct dmx_addr *l, uint16_t lport,
                           const struct dmx_addr *r, uint16_t rport)
{
    if (l->family == PP_DMX_INET6)
        return find6(d, &d->tcp_conn, l->v6, lport, r->v6, rport) != NULL;
    int tw;
    return pp__tix_find(&d->tcp_conn4, dmx_hash4(d, l->v4, lport, r->v4, rport),
                        pp__tix_addrs(l->v4, r->v4), pp__tix_ports(lport, rport), &tw) != NULL;
}

/* The TCP lookup, given the 4-tuple's hash. */
static inline __attribute__((always_inline)) int lookup_tcp_h(struct pp_demux *d, uint32_t h, uint32_t saddr, uint16_t sport,
                               uint32_t daddr, uint16_t dport, struct pp_dmx_entry **out)
{
    int tw;
    struct pp_dmx_entry *e = pp__tix_find(&d->tcp_conn4, h, pp__tix_addrs(daddr, saddr),
                                          pp__tix_ports(dport, sport), &tw);

    if (e)
        return decided(d, PP_DMX_TCP, saddr, sport, daddr, dport,
                       tw ? PP_RULE_TIME_WAIT : PP_RULE_ESTABLISHED, e, out);
    if ((e = find2(d, &d->tcp_listen, daddr, dport)))
        return decided(d, PP_DMX_TCP, saddr, sport, daddr, dport, PP_RULE_LISTENER_EXACT, e, out);
    if ((e = find2(d, &d->tcp_listen, 0, dport)))
        return decided(d, PP_DMX_TCP, saddr, sport, daddr, dport, PP_RULE_LISTENER_WILDCARD, e,
                       out);
    return decided(d, PP_DMX_TCP, saddr, sport, daddr, dport, PP_RULE_MISS, NULL, out);
}

int pp_demux_lookup_tcp(struct pp_demux *d, uint32_t saddr, uint16_t sport, uint32_t daddr,
                        uint16_t dport, struct pp_dmx_entry **out)
{
    return lookup_tcp_h(d, dmx_hash4(d, daddr, dport, saddr, sport), saddr, sport, daddr, dport,
                        out);
}

/* A burst of segments: every 4-tuple of a chunk hashed at once (four at a
 * time in vector registers where the CPU has them), then software-pipelined:
 * while segment i's bucket is prefetched, segment i-D is decided.  With a
 * large table a lookup costs one cache (and TLB) miss, the bucket line;
 * kept in flight together the misses overlap instead of queueing (DPDK's
 * bulk hash lookups work the same way). */
void pp_demux_lookup_tcp_burst(struct pp_demux *d, const struct pp_demux_query *q, size_t n,
                               struct pp_dmx_entry **out, int *rules)
{
    enum { CHUNK = 64, D = 10 };
    uint64_t wa[CHUNK], wb[CHUNK];
    uint32_t h[CHUNK];
    const struct pp_tix *t = &d->tcp_conn4;
    size_t base, k, j;
    long i;

    for (base = 0; base < n; base += CHUNK) {
        const struct pp_demux_query *x = q + base;
        k = n - base < CHUNK ? n - base : CHUNK;
        if (d->const_hash) {
            memset(h, 0, k * sizeof *h);
        } else {
            for (j = 0; j < k; j++) {
                wa[j] = dmx_key4_a(x[j].daddr, x[j].saddr);
                wb[j] = dmx_key4_b(x[j].dport, x[j].sport);
            }
            pp__thash_batch(&d->thash, wa, wb, h, k);
        }
        for (i = 0; i < (long)k + D; i++) {
            long e = i - D;
            if (i < (long)k)
                __builtin_prefetch(pp__tix_home(t, h[i]));
            if (e >= 0)
                rules[base + (size_t)e] = lookup_tcp_h(d, h[e], x[e].saddr, x[e].sport, x[e].daddr,
                                                       x[e].dport, &out[base + (size_t)e]);
        }
    }
}

int pp_demux_lookup_udp(struct pp_demux *d, uint32_t saddr, uint16_t sport, uint32_t daddr,
                        uint16_t dport, struct pp_dmx_entry **out)
{
    struct pp_dmx_entry *e;

    /* Skip the 4-tuple probe when no UDP socket is connected at all. */
    if (pp_htable_count(&d->udp_conn) &&
        (e = find4(d, &d->udp_conn, daddr, dport, saddr, sport)))
        return decided(d, PP_DMX_UDP, saddr, sport, daddr, dport, PP_RULE_UDP_CONNECTED, e, out);
    if ((e = find2(d, &d->udp_bound, daddr, dport)))
        return decided(d, PP_DMX_UDP, saddr, sport, daddr, dport, PP_RULE_UDP_EXACT, e, out);
    if ((e = find2(d, &d->udp_bound, 0, dport)))
        return decided(d, PP_DMX_UDP, saddr, sport, daddr, dport, PP_RULE_UDP_WILDCARD, e, out);
    return decided(d, PP_DMX_UDP, saddr, sport, daddr, dport, PP_RULE_MISS, NULL, out);
}

const uint8_t pp__dmx_any6[16];

int pp_demux_lookup_tcp6(struct pp_demux *d, const uint8_t saddr[16], uint16_t sport,
                         const uint8_t daddr[16], uint16_t dport, struct pp_dmx_entry **out)
{
    struct pp_dmx_entry *e;

    if (!d || !saddr || !daddr || !out)
        return -EINVAL;
    if ((e = find6(d, &d->tcp_conn, daddr, dport, saddr, sport)))
        return decided6(d, PP_DMX_TCP, saddr, sport, daddr, dport,
                        e->kind == PP_DMX_TIMEWAIT ? PP_RULE_TIME_WAIT : PP_RULE_ESTABLISHED, e, out);
    if ((e = find6(d, &d->tcp_listen, daddr, dport, NULL, 0)))
        return decided6(d, PP_DMX_TCP, saddr, sport, daddr, dport, PP_RULE_LISTENER_EXACT, e, out);
    if ((e = find6(d, &d->tcp_listen, pp__dmx_any6, dport, NULL, 0)))
        return decided6(d, PP_DMX_TCP, saddr, sport, daddr, dport, PP_RULE_LISTENER_WILDCARD, e,
                        out);
    return decided6(d, PP_DMX_TCP, saddr, sport, daddr, dport, PP_RULE_MISS, NULL, out);
}

int pp_demux_lookup_udp6(struct pp_demux *d, const uint8_t saddr[16], uint16_t sport,
                         const uint8_t daddr[16], uint16_t dport, struct pp_dmx_entry **out)
{
    struct pp_dmx_entry *e;

    if (!d || !saddr || !daddr || !out)
        return -EINVAL;
    if (pp_htable_count(&d->udp_conn) && (e = find6(d, &d->udp_conn, daddr, dport, saddr, sport)))
        return decided6(d, PP_DMX_UDP, saddr, sport, daddr, dport, PP_RULE_UDP_CONNECTED, e, out);
    if ((e = find6(d, &d->udp_bound, daddr, dport, NULL, 0)))
        return decided6(d, PP_DMX_UDP, saddr, sport, daddr, dport, PP_RULE_UDP_EXACT, e, out);
    if ((e = find6(d, &d->udp_bound, pp__dmx_any6, dport, NULL, 0)))
        return decided6(d, PP_DMX_UDP, saddr, sport, daddr, dport, PP_RULE_UDP_WILDCARD, e, out);
    return decided6(d, PP_DMX_UDP, saddr, sport, daddr, dport, PP_RULE_MISS, NULL, out);
}

struct pp_htable *pp__dmx_table_of(struct pp_demux *d, const struct pp_dmx_entry *e)
{
    switch (e->kind) {
    case PP_DMX_BOUND:
        return e->proto == PP_DMX_UDP ? &d->udp_bound : NULL;
    case PP_DMX_LISTEN:
        return &d->tcp_listen;
    case PP_DMX_CONNECTED:
        if (e->proto == PP_DMX_UDP)
            return &d->udp_conn;
        return e->family == PP_DMX_INET6 ? &d->tcp_conn : NULL;
    case PP_DMX_TIMEWAIT:
        return e->family == PP_DMX_INET6 ? &d->tcp_conn : NULL;
    default:
        return NULL;
    }
}

static uint32_t hash_of(const struct pp_demux *d, const struct pp_dmx_entry *e)
{
    int four = e->kind == PP_DMX_CONNECTED || e->kind == PP_DMX_TIMEWAIT;

    if (e->family == PP_DMX_INET6)
        return dmx_hash6(d, e->a6.local, e->t.lport, four ? e->a6.remote : NULL, e->t.rport);
    if (four)
        return dmx_hash4(d, e->t.laddr, e->t.lport, e->t.raddr, e->t.rport);
    return dmx_hash2(d, e->t.laddr, e->t.lport);
}

static struct pp_port *port_get(struct pp_demux *d, int proto, uint16_t port, int create)
{
    struct pp_port **page = &d->ports[proto][port >> PORT_PAGE_BITS];

    if (!*page) {
        if (!create)
            return NULL;
        *page = calloc(PORT_PAGE_SIZE, sizeof **page);
        if (!*page)
            return NULL;
        d->port_pages++;
    }
    return &(*page)[port & (PORT_PAGE_SIZE - 1)];
}

int pp__dmx_link(struct pp_demux *d, struct pp_dmx_entry *e)
{
    struct pp_port *p = port_get(d, e->proto, e->t.lport, 1);
    struct pp_htable *t = pp__dmx_table_of(d, e);

    if (!p)
        return -ENOMEM;
    if (dmx_in_index(e) && pp__tix_insert(&d->tcp_conn4, e, hash_of(d, e)) < 0)
        return -ENOMEM;
    e->port_next = p->users;
    if (p->users)
        p->users->port_pprev = &e->port_next;
    p->users = e;
    e->port_pprev = &p->users;
    p->n_users++;
    if (!(e->flags & PP_DMX_EPHEMERAL))
        p->n_explicit++;
    if (t)
        pp_htable_insert(t, &e->node, hash_of(d, e));
    return 0;
}

void pp__dmx_unlink(struct pp_demux *d, struct pp_dmx_entry *e)
{
    struct pp_htable *t = pp__dmx_table_of(d, e);
    struct pp_port *p;

    if (t)
        pp_htable_remove(t, &e->node);
    else if (dmx_in_index(e))
        pp__tix_remove(&d->tcp_conn4, e);
    if (e->port_pprev) {
        p = port_get(d, e->proto, e->t.lport, 0);
        *e->port_pprev = e->port_next;
        if (e->port_next)
            e->port_next->port_pprev = e->port_pprev;
        e->port_next = NULL;
        e->port_pprev = NULL;
        if (p) {
            p->n_users--;
            if (!(e->flags & PP_DMX_EPHEMERAL))
                p->n_explicit--;
        }
    }
}

size_t pp_demux_port_users(const struct pp_demux *d, enum pp_dmx_proto proto, uint16_t port)
{
    const struct pp_port *page = d->ports[proto][port >> PORT_PAGE_BITS];
    return page ? page[port & (PORT_PAGE_SIZE - 1)].n_users : 0;
}

const struct pp_demux_stats *pp_demux_stats(const struct pp_demux *d)
{
    return &d->stats;
}

void pp_demux_memory(const struct pp_demux *d, struct pp_demux_mem *m)
{
    m->entries = pp__tix_count(&d->tcp_conn4) + pp_htable_count(&d->tcp_conn) +
                 pp_htable_count(&d->tcp_listen) + pp_htable_count(&d->udp_conn) +
                 pp_htable_count(&d->udp_bound);
    m->bucket_bytes = pp__tix_bytes(&d->tcp_conn4) + pp_htable_bucket_bytes(&d->tcp_conn) +
                      pp_htable_bucket_bytes(&d->tcp_listen) +
                      pp_htable_bucket_bytes(&d->udp_conn) + pp_htable_bucket_bytes(&d->udp_bound);
    m->port_bytes = d->port_pages * PORT_PAGE_SIZE * sizeof(struct pp_port);
    m->entry_bytes = sizeof(struct pp_dmx_entry);
    m->timewait_bytes = sizeof(struct pp_dmx_timewait);
}

static void walk(const struct pp_htable *t, void (*fn)(void *, const struct pp_dmx_entry *),
                 void *arg)
{
    int i;
    size_t b;

    for (i = 0; i < 2; i++) {
        if (!t->b[i])
            continue;
        for (b = 0; b <= t->mask[i]; b++) {
            struct pp_hnode *n;
            for (n = t->b[i][b]; n; n = n->next)
                fn(arg, ENTRY_OF(n));
        }
    }
}

void pp_demux_foreach(const struct pp_demux *d, enum pp_dmx_proto proto,
                      void (*fn)(void *arg, const struct pp_dmx_entry *e), void *arg)
{
    if (proto == PP_DMX_TCP) {
        walk(&d->tcp_listen, fn, arg);
        pp__tix_foreach(&d->tcp_conn4, fn, arg);
        walk(&d->tcp_conn, fn, arg);
    } else {
        walk(&d->udp_bound, fn, arg);
        walk(&d->udp_conn, fn, arg);
    }
}
