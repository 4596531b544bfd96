/* demux_bind.c - the multiplexing side of the socket table: binding local
 * ports (with POSIX/Linux conflict rules), listeners, connections and
 * ephemeral port selection per RFC 6056. */
#include "demux_internal.h"

#include <errno.h>

/* Does binding la (with flags) clash with u, an existing user of the same
 * protocol and port?  Entries of different families never clash (IPv6
 * bindings behave as with IPV6_V6ONLY).  Addresses overlap when equal or
 * either is the wildcard.  Without SO_REUSEADDR on both, overlap is a
 * conflict.  With it on both, UDP shares the port outright and TCP shares it
 * unless u listens on the very same address (so a listener on 10.0.0.1:80
 * may stand beside one on 0.0.0.0:80, as on the BSDs; Linux would need
 * SO_REUSEPORT for that).  A TIME_WAIT holder yields to SO_REUSEADDR alone,
 * as on Linux. */
static int conflicts(const struct pp_dmx_entry *e, const struct dmx_addr *la, unsigned flags,
                     const struct pp_dmx_entry *u)
{
    int reuse = (flags & PP_DMX_REUSEADDR) != 0;
    struct dmx_addr ul = dmx_local_of(u);

    if (u == e || u->family != la->family)
        return 0;
    if (!dmx_addr_any(la) && !dmx_addr_any(&ul) && !dmx_addr_same(la, &ul))
        return 0;
    if (u->kind == PP_DMX_TIMEWAIT)
        return !reuse;
    if (!reuse || !(u->flags & PP_DMX_REUSEADDR))
        return 1;
    return e->proto == PP_DMX_TCP && u->kind == PP_DMX_LISTEN && dmx_addr_same(&ul, la);
}

static const struct pp_port *port_peek(const struct pp_demux *d, int proto, uint16_t port)
{
    const struct pp_port *page = d->ports[proto][port >> PORT_PAGE_BITS];
    return page ? &page[port & (PORT_PAGE_SIZE - 1)] : NULL;
}

static int port_conflict(const struct pp_demux *d, const struct pp_dmx_entry *e,
                         const struct dmx_addr *la, uint16_t lport, unsigned flags)
{
    const struct pp_port *p = port_peek(d, e->proto, lport);
    const struct pp_dmx_entry *u;

    if (!p)
        return 0;
    for (u = p->users; u; u = u->port_next)
        if (conflicts(e, la, flags, u))
            return 1;
    return 0;
}

static uint32_t eph_count(const struct pp_demux *d)
{
    return (uint32_t)d->eph_max - d->eph_min + 1;
}

/* An address as one word for the port-choice hashes: an IPv4 address
 * itself, an IPv6 one folded by the table's key. */
static uint64_t addr_word(const struct pp_demux *d, const struct dmx_addr *a)
{
    return a->family == PP_DMX_INET6 ? pp_siphash(&d->key, a->v6, 16, 1, 3) : a->v4;
}

/* bind() to port 0: start at a keyed-random point of the range and take the
 * first port nobody uses (Linux also searches linearly from a random start). */
static int pick_bind_port(struct pp_demux *d, const struct pp_dmx_entry *e,
                          const struct dmx_addr *la, uint16_t *port)
{
    uint32_t n = eph_count(d), start, i;

    start = (uint32_t)pp_siphash13_2u64(&d->key, addr_word(d, la),
                                        (uint64_t)3 << 40 | d->bind_counter++) % n;
    for (i = 0; i < n; i++) {
        uint16_t p = (uint16_t)(d->eph_min + (start + i) % n);
        const struct pp_port *pp = port_peek(d, e->proto, p);
        if (!pp || pp->n_users == 0) {
            *port = p;
            return 0;
        }
    }
    return -EADDRINUSE;
}

/* connect() from an unbound socket: RFC 6056 3.3.4, algorithm 4 ("double-
 * hash port selection").  offset = F(laddr, raddr, rport, key) spreads
 * destinations over the range; table[G(...)] counts attempts per bucket so
 * that successive connections to one destination walk forward instead of
 * colliding, and the port never follows a global, guessable counter. */
static int pick_connect_port(struct pp_demux *d, const struct pp_dmx_entry *e,
                             const struct dmx_addr *la, const struct dmx_addr *ra, uint16_t rport,
                             uint16_t *port)
{
    uint32_t n = eph_count(d), i;
    uint64_t fa = la->family == PP_DMX_INET6 ? addr_word(d, la) ^ (addr_word(d, ra) << 1)
                                             : (uint64_t)la->v4 << 32 | ra->v4;
    uint32_t offset = (uint32_t)pp_siphash13_2u64(&d->key, fa, (uint64_t)4 << 40 | rport);
    uint32_t idx = (uint32_t)pp_siphash13_2u64(&d->key, fa, (uint64_t)5 << 40 | rport) %
                   EPH_TABLE_SIZE;

    for (i = 0; i < n; i++) {
        uint16_t p = (uint16_t)(d->eph_min + (offset + d->eph_table[idx]) % n);
        const struct pp_port *pp = port_peek(d, e->proto, p);
        d->eph_table[idx]++;
        if (e->proto == PP_DMX_UDP) {
            /* A UDP port is one socket's unless shared on purpose. */
            if (pp && pp->n_users)
                continue;
        } else {
            /* TCP: share a port only with other connect()-chosen ones, and
             * only toward a 4-tuple nobody holds (TIME_WAIT included). */
            if (pp && pp->n_explicit)
                continue;
            if (pp && pp->n_users && pp__dmx_tcp_tuple_used(d, la, p, ra, rport))
                continue;
        }
        if (d->port_ok && la->family == PP_DMX_INET &&
            !d->port_ok(d->port_ok_arg, la->v4, p, ra->v4, rport))
            continue;
        *port = p;
        return 0;
    }
    return -EADDRNOTAVAIL;
}

void pp_demux_set_port_filter(struct pp_demux *d, pp_demux_port_ok_fn ok, void *arg)
{
    if (!d)
        return;
    d->port_ok = ok;
    d->port_ok_arg = ok ? arg : NULL;
}

/* Writes an end's address into e's tuple (IPv4) or a6 (IPv6). */
static void set_local(struct pp_dmx_entry *e, const struct dmx_addr *a)
{
    e->family = a->family;
    e->t.laddr = a->family == PP_DMX_INET ? a->v4 : 0;
    if (a->family == PP_DMX_INET6)
        memcpy(e->a6.local, a->v6, 16);
    else
        memset(e->a6.local, 0, 16);
}

static void set_remote(struct pp_dmx_entry *e, const struct dmx_addr *a)
{
    e->t.raddr = a && a->family == PP_DMX_INET ? a->v4 : 0;
    if (a && a->family == PP_DMX_INET6)
        memcpy(e->a6.remote, a->v6, 16);
    else
        memset(e->a6.remote, 0, 16);
}

static int bind_addr(struct pp_demux *d, struct pp_dmx_entry *e, const struct dmx_addr *la,
                     uint16_t lport, unsigned flags)
{
    int rc;

    if (e->kind != PP_DMX_UNBOUND)
        return -EINVAL;
    flags &= PP_DMX_REUSEADDR;
    if (lport == 0) {
        rc = pick_bind_port(d, e, la, &lport);
        if (rc < 0)
            return rc;
    } else if (port_conflict(d, e, la, lport, flags)) {
        return -EADDRINUSE;
    }
    set_local(e, la);
    set_remote(e, NULL);
    e->t.lport = lport;
    e->t.rport = 0;
    e->flags = (uint8_t)flags;
    e->kind = PP_DMX_BOUND;
    rc = pp__dmx_link(d, e);
    if (rc < 0)
        e->kind = PP_DMX_UNBOUND;
    return rc;
}

int pp_demux_bind(struct pp_demux *d, struct pp_dmx_entry *e, uint32_t laddr, uint16_t lport,
                  unsigned flags)
{
    struct dmx_addr la = {PP_DMX_INET, laddr, NULL};
    return bind_addr(d, e, &la, lport, flags);
}

int pp_demux_bind6(struct pp_demux *d, struct pp_dmx_entry *e, const uint8_t laddr[16],
                   uint16_t lport, unsigned flags)
{
    struct dmx_addr la = {PP_DMX_INET6, 0, laddr};
    if (!d || !e || !laddr)
        return -EINVAL;
    return bind_addr(d, e, &la, lport, flags);
}

int pp_demux_listen(struct pp_demux *d, struct pp_dmx_entry *e)
{
    const struct pp_port *p;
    const struct pp_dmx_entry *u;
    int rc;

    if (e->proto != PP_DMX_TCP || e->kind == PP_DMX_CONNECTED || e->kind == PP_DMX_TIMEWAIT)
        return -EINVAL;
    if (e->kind == PP_DMX_LISTEN)
        return 0;
    if (e->kind == PP_DMX_UNBOUND) {
        rc = pp_demux_bind(d, e, 0, 0, 0);
        if (rc < 0)
            return rc;
    }
    /* Two SO_REUSEADDR sockets may share a bound port, but only one may
     * listen on a given address (overlapping ones without SO_REUSEADDR). */
    p = port_peek(d, e->proto, e->t.lport);
    for (u = p ? p->users : NULL; u; u = u->port_next) {
        int both_reuse = (u->flags & e->flags & PP_DMX_REUSEADDR) != 0;
        struct dmx_addr ul = dmx_local_of(u), el = dmx_local_of(e);
        if (u == e || u->kind != PP_DMX_LISTEN || u->family != e->family)
            continue;
        if (dmx_addr_same(&ul, &el) || (!both_reuse && (dmx_addr_any(&ul) || dmx_addr_any(&el))))
            return -EADDRINUSE;
    }
    pp__dmx_unlink(d, e);
    e->kind = PP_DMX_LISTEN;
    return pp__dmx_link(d, e);
}

static int connect_addr(struct pp_demux *d, struct pp_dmx_entry *e, const struct dmx_addr *la_in,
                        const struct dmx_addr *ra, uint16_t rport)
{
    struct dmx_addr la = *la_in, bound;
    uint16_t lport;
    unsigned flags;
    int rc;

    if (dmx_addr_any(ra) || rport == 0 || e->kind == PP_DMX_LISTEN || e->kind == PP_DMX_TIMEWAIT)
        return -EINVAL;
    if (e->kind == PP_DMX_CONNECTED && e->proto == PP_DMX_TCP)
        return -EISCONN;
    if (e->kind != PP_DMX_UNBOUND && e->family != ra->family)
        return -EINVAL; /* bound in the other family */
    if (e->kind == PP_DMX_UNBOUND) {
        if (dmx_addr_any(&la))
            return -EINVAL;
        rc = pick_connect_port(d, e, &la, ra, rport, &lport);
        if (rc < 0)
            return rc;
        flags = PP_DMX_EPHEMERAL;
    } else {
        /* Keep the bound port; a wildcard address becomes the route's. */
        bound = dmx_local_of(e);
        if (!dmx_addr_any(&bound))
            la = bound;
        if (dmx_addr_any(&la))
            return -EINVAL;
        lport = e->t.lport;
        flags = e->flags;
        if (e->proto == PP_DMX_TCP && pp__dmx_tcp_tuple_used(d, &la, lport, ra, rport))
            return -EADDRNOTAVAIL;
    }
    /* A UDP socket may connect again; if two name the same 4-tuple the
     * newest wins, as on Linux.  (la may point into e: copy it first.) */
    {
        uint8_t l6[16];
        if (la.family == PP_DMX_INET6) {
            memcpy(l6, la.v6, 16);
            la.v6 = l6;
        }
        pp__dmx_unlink(d, e);
        set_local(e, &la);
    }
    set_remote(e, ra);
    e->t.lport = lport;
    e->t.rport = rport;
    e->flags = (uint8_t)flags;
    e->kind = PP_DMX_CONNECTED;
    rc = pp__dmx_link(d, e);
    if (rc < 0)
        e->kind = PP_DMX_UNBOUND;
    return rc;
}

int pp_demux_connect(struct pp_demux *d, struct pp_dmx_entry *e, uint32_t laddr, uint32_t raddr,
                     uint16_t rport)
{
    struct dmx_addr la = {PP_DMX_INET, laddr, NULL}, ra = {PP_DMX_INET, raddr, NULL};
    return connect_addr(d, e, &la, &ra, rport);
}

int pp_demux_connect6(struct pp_demux *d, struct pp_dmx_entry *e, const uint8_t laddr[16],
                      const uint8_t raddr[16], uint16_t rport)
{
    struct dmx_addr la = {PP_DMX_INET6, 0, laddr ? laddr : pp__dmx_any6}, ra = {PP_DMX_INET6, 0, raddr};
    if (!d || !e || !raddr)
        return -EINVAL;
    return connect_addr(d, e, &la, &ra, rport);
}

static int insert_child(struct pp_demux *d, struct pp_dmx_entry *e, const struct dmx_addr *la,
                        uint16_t lport, const struct dmx_addr *ra, uint16_t rport, unsigned flags)
{
    if (e->proto != PP_DMX_TCP || e->kind != PP_DMX_UNBOUND || dmx_addr_any(ra) || !rport ||
        dmx_addr_any(la))
        return -EINVAL;
    if (pp__dmx_tcp_tuple_used(d, la, lport, ra, rport))
        return -EADDRINUSE;
    set_local(e, la);
    set_remote(e, ra);
    e->t.lport = lport;
    e->t.rport = rport;
    e->flags = (uint8_t)(flags & PP_DMX_REUSEADDR);
    e->kind = PP_DMX_CONNECTED;
    if (pp__dmx_link(d, e) < 0) {
        e->kind = PP_DMX_UNBOUND;
        return -ENOMEM;
    }
    return 0;
}

int pp_demux_insert_child(struct pp_demux *d, struct pp_dmx_entry *e, const struct pp_tuple *t,
                          unsigned flags)
{
    struct dmx_addr la = {PP_DMX_INET, t->laddr, NULL}, ra = {PP_DMX_INET, t->raddr, NULL};
    return insert_child(d, e, &la, t->lport, &ra, t->rport, flags);
}

int pp_demux_insert_child6(struct pp_demux *d, struct pp_dmx_entry *e, const uint8_t laddr[16],
                           uint16_t lport, const uint8_t raddr[16], uint16_t rport, unsigned flags)
{
    struct dmx_addr la = {PP_DMX_INET6, 0, laddr}, ra = {PP_DMX_INET6, 0, raddr};
    if (!d || !e || !laddr || !raddr)
        return -EINVAL;
    return insert_child(d, e, &la, lport, &ra, rport, flags);
}

void pp_demux_remove(struct pp_demux *d, struct pp_dmx_entry *e)
{
    if (e->kind == PP_DMX_UNBOUND)
        return;
    pp__dmx_unlink(d, e);
    e->kind = PP_DMX_UNBOUND;
}
