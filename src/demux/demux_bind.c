/* demux_bind.c - the multiplexing side of the socket table: binding local
 * ports (with POSIX/Linux conflict rules), listeners, connections and
 * ephemeral port selection per RFC 6056. */
#include "demux_internal.h"

#include <errno.h>

/* Does binding laddr (with flags) clash with u, an existing user of the same
 * protocol and port?  Addresses overlap when equal or either is the wildcard.
 * Without SO_REUSEADDR on both, overlap is a conflict.  With it on both, UDP
 * shares the port outright and TCP shares it unless u listens on the very
 * same address (so a listener on 10.0.0.1:80 may stand beside one on
 * 0.0.0.0:80, as on the BSDs; Linux would need SO_REUSEPORT for that).
 * A TIME_WAIT holder yields to SO_REUSEADDR alone, as on Linux. */
static int conflicts(const struct pp_dmx_entry *e, uint32_t laddr, unsigned flags,
                     const struct pp_dmx_entry *u)
{
    int reuse = (flags & PP_DMX_REUSEADDR) != 0;

    if (u == e)
        return 0;
    if (laddr != 0 && u->t.laddr != 0 && laddr != u->t.laddr)
        return 0;
    if (u->kind == PP_DMX_TIMEWAIT)
        return !reuse;
    if (!reuse || !(u->flags & PP_DMX_REUSEADDR))
        return 1;
    return e->proto == PP_DMX_TCP && u->kind == PP_DMX_LISTEN && u->t.laddr == laddr;
}

static const struct pp_port *port_peek(const struct pp_demux *d, int proto, uint16_t port)
{
    const struct pp_port *page = d->ports[proto][port >> PORT_PAGE_BITS];
    return page ? &page[port & (PORT_PAGE_SIZE - 1)] : NULL;
}

static int port_conflict(const struct pp_demux *d, const struct pp_dmx_entry *e, uint32_t laddr,
                         uint16_t lport, unsigned flags)
{
    const struct pp_port *p = port_peek(d, e->proto, lport);
    const struct pp_dmx_entry *u;

    if (!p)
        return 0;
    for (u = p->users; u; u = u->port_next)
        if (conflicts(e, laddr, flags, u))
            return 1;
    return 0;
}

static uint32_t eph_count(const struct pp_demux *d)
{
    return (uint32_t)d->eph_max - d->eph_min + 1;
}

/* bind() to port 0: start at a keyed-random point of the range and take the
 * first port nobody uses (Linux also searches linearly from a random start). */
static int pick_bind_port(struct pp_demux *d, const struct pp_dmx_entry *e, uint32_t laddr,
                          uint16_t *port)
{
    uint32_t n = eph_count(d), start, i;

    start = (uint32_t)pp_siphash13_2u64(&d->key, laddr, (uint64_t)3 << 40 | d->bind_counter++) % n;
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
static int pick_connect_port(struct pp_demux *d, const struct pp_dmx_entry *e, uint32_t laddr,
                             uint32_t raddr, uint16_t rport, uint16_t *port)
{
    uint32_t n = eph_count(d), i;
    uint64_t fa = (uint64_t)laddr << 32 | raddr;
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
            if (pp && pp->n_users && pp__dmx_tcp_tuple_used(d, laddr, p, raddr, rport))
                continue;
        }
        if (d->port_ok && !d->port_ok(d->port_ok_arg, laddr, p, raddr, rport))
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

int pp_demux_bind(struct pp_demux *d, struct pp_dmx_entry *e, uint32_t laddr, uint16_t lport,
                  unsigned flags)
{
    int rc;

    if (e->kind != PP_DMX_UNBOUND)
        return -EINVAL;
    flags &= PP_DMX_REUSEADDR;
    if (lport == 0) {
        rc = pick_bind_port(d, e, laddr, &lport);
        if (rc < 0)
            return rc;
    } else if (port_conflict(d, e, laddr, lport, flags)) {
        return -EADDRINUSE;
    }
    e->t.laddr = laddr;
    e->t.lport = lport;
    e->t.raddr = 0;
    e->t.rport = 0;
    e->flags = (uint8_t)flags;
    e->kind = PP_DMX_BOUND;
    rc = pp__dmx_link(d, e);
    if (rc < 0)
        e->kind = PP_DMX_UNBOUND;
    return rc;
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
        if (u == e || u->kind != PP_DMX_LISTEN)
            continue;
        if (u->t.laddr == e->t.laddr ||
            (!both_reuse && (u->t.laddr == 0 || e->t.laddr == 0)))
            return -EADDRINUSE;
    }
    pp__dmx_unlink(d, e);
    e->kind = PP_DMX_LISTEN;
    return pp__dmx_link(d, e);
}

int pp_demux_connect(struct pp_demux *d, struct pp_dmx_entry *e, uint32_t laddr, uint32_t raddr,
                     uint16_t rport)
{
    uint16_t lport;
    unsigned flags;
    int rc;

    if (raddr == 0 || rport == 0 || e->kind == PP_DMX_LISTEN || e->kind == PP_DMX_TIMEWAIT)
        return -EINVAL;
    if (e->kind == PP_DMX_CONNECTED && e->proto == PP_DMX_TCP)
        return -EISCONN;
    if (e->kind == PP_DMX_UNBOUND) {
        if (laddr == 0)
            return -EINVAL;
        rc = pick_connect_port(d, e, laddr, raddr, rport, &lport);
        if (rc < 0)
            return rc;
        flags = PP_DMX_EPHEMERAL;
    } else {
        /* Keep the bound port; a wildcard address becomes the route's. */
        if (e->t.laddr != 0)
            laddr = e->t.laddr;
        if (laddr == 0)
            return -EINVAL;
        lport = e->t.lport;
        flags = e->flags;
        if (e->proto == PP_DMX_TCP ? pp__dmx_tcp_tuple_used(d, laddr, lport, raddr, rport)
                                   : 0)
            return -EADDRNOTAVAIL;
    }
    /* A UDP socket may connect again; if two name the same 4-tuple the
     * newest wins, as on Linux. */
    pp__dmx_unlink(d, e);
    e->t.laddr = laddr;
    e->t.lport = lport;
    e->t.raddr = raddr;
    e->t.rport = rport;
    e->flags = (uint8_t)flags;
    e->kind = PP_DMX_CONNECTED;
    rc = pp__dmx_link(d, e);
    if (rc < 0)
        e->kind = PP_DMX_UNBOUND;
    return rc;
}

int pp_demux_insert_child(struct pp_demux *d, struct pp_dmx_entry *e, const struct pp_tuple *t,
                          unsigned flags)
{
    if (e->proto != PP_DMX_TCP || e->kind != PP_DMX_UNBOUND || !t->raddr || !t->rport || !t->laddr)
        return -EINVAL;
    if (pp__dmx_tcp_tuple_used(d, t->laddr, t->lport, t->raddr, t->rport))
        return -EADDRINUSE;
    e->t = *t;
    e->flags = (uint8_t)(flags & PP_DMX_REUSEADDR);
    e->kind = PP_DMX_CONNECTED;
    if (pp__dmx_link(d, e) < 0) {
        e->kind = PP_DMX_UNBOUND;
        return -ENOMEM;
    }
    return 0;
}

void pp_demux_remove(struct pp_demux *d, struct pp_dmx_entry *e)
{
    if (e->kind == PP_DMX_UNBOUND)
        return;
    pp__dmx_unlink(d, e);
    e->kind = PP_DMX_UNBOUND;
}
