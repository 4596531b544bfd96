/* demux_internal.h - the socket table's private state, shared by demux.c
 * (lookups), demux_bind.c (ports and binding) and demux_timewait.c. */
#ifndef PP_DEMUX_INTERNAL_H
#define PP_DEMUX_INTERNAL_H

#include "portplex/demux.h"
#include "siphash13_inline.h"
#include "tuple_hash.h"
#include "tuple_index.h"

#include <string.h>

#define PORT_PAGE_BITS 8
#define PORT_PAGE_SIZE (1u << PORT_PAGE_BITS)
#define EPH_TABLE_SIZE 256 /* RFC 6056 algorithm 4's "table[]" */

/* Everyone using one local port of one protocol, for bind conflicts. */
struct pp_port {
    struct pp_dmx_entry *users;
    uint32_t n_users;
    uint32_t n_explicit; /* users whose port was not chosen by connect() */
};

struct pp_demux {
    struct pp_tix tcp_conn4;     /* IPv4 4-tuple -> connection or TIME_WAIT record */
    struct pp_htable tcp_conn;   /* the same for IPv6 */
    struct pp_htable tcp_listen; /* (laddr, lport) -> listener, laddr may be 0 */
    struct pp_htable udp_conn;   /* 4-tuple -> connected UDP socket */
    struct pp_htable udp_bound;  /* (laddr, lport) -> bound UDP socket */
    struct pp_port *ports[2][65536 / PORT_PAGE_SIZE];
    size_t port_pages;
    struct pp_sipkey key;
    struct pp__thash thash; /* 4-tuples: AES rounds or SipHash under key */
    int const_hash;
    uint16_t eph_min, eph_max;
    uint64_t time_wait;
    uint16_t eph_table[EPH_TABLE_SIZE];
    uint32_t bind_counter;
    struct pp_dmx_timewait *tw_head, *tw_tail;
    size_t tw_count;
    pp_demux_trace_fn trace;
    void *trace_arg;
    pp_demux_port_ok_fn port_ok; /* pp_demux_set_port_filter */
    void *port_ok_arg;
    struct pp_demux_stats stats;
};

#define ENTRY_OF(n) ((struct pp_dmx_entry *)((char *)(n) - offsetof(struct pp_dmx_entry, node)))

/* A 4-tuple as the two words its hash takes (local end first). */
static inline uint64_t dmx_key4_a(uint32_t laddr, uint32_t raddr)
{
    return (uint64_t)laddr << 32 | raddr;
}
static inline uint64_t dmx_key4_b(uint16_t lport, uint16_t rport)
{
    return (uint64_t)lport << 16 | rport;
}

/* Keyed hash of a 4-tuple (local end first). */
static inline uint32_t dmx_hash4(const struct pp_demux *d, uint32_t laddr, uint16_t lport,
                                 uint32_t raddr, uint16_t rport)
{
    if (d->const_hash)
        return 0;
    return pp__thash(&d->thash, dmx_key4_a(laddr, raddr), dmx_key4_b(lport, rport));
}

/* Keyed hash of a local (address, port); a distinct domain from dmx_hash4. */
static inline uint32_t dmx_hash2(const struct pp_demux *d, uint32_t laddr, uint16_t lport)
{
    if (d->const_hash)
        return 0;
    return (uint32_t)pp__siphash13_2u64_inline(&d->key, laddr, (uint64_t)1 << 40 | lport);
}

/* Keyed hash of an IPv6 4-tuple, or (remote NULL) of a local IPv6
 * (address, port); both lengths differ from the IPv4 ones, and SipHash
 * mixes the length in, so the families' keys are distinct domains. */
static inline uint32_t dmx_hash6(const struct pp_demux *d, const uint8_t *laddr, uint16_t lport,
                                 const uint8_t *raddr, uint16_t rport)
{
    uint8_t buf[36];
    size_t n = 18;

    if (d->const_hash)
        return 0;
    memcpy(buf, laddr, 16);
    buf[16] = (uint8_t)(lport >> 8);
    buf[17] = (uint8_t)lport;
    if (raddr) {
        memcpy(buf + 18, raddr, 16);
        buf[34] = (uint8_t)(rport >> 8);
        buf[35] = (uint8_t)rport;
        n = 36;
    }
    return (uint32_t)pp_siphash(&d->key, buf, n, 1, 3);
}

/* One end's address of either family, as the binding code compares them. */
struct dmx_addr {
    uint8_t family;
    uint32_t v4;
    const uint8_t *v6; /* PP_DMX_INET6 */
};

/* ::, the IPv6 wildcard (defined in demux.c). */
extern const uint8_t pp__dmx_any6[16];

static inline int dmx_addr_any(const struct dmx_addr *a)
{
    return a->family == PP_DMX_INET6 ? memcmp(a->v6, pp__dmx_any6, 16) == 0 : a->v4 == 0;
}

static inline int dmx_addr_same(const struct dmx_addr *a, const struct dmx_addr *b)
{
    if (a->family != b->family)
        return 0;
    return a->family == PP_DMX_INET6 ? memcmp(a->v6, b->v6, 16) == 0 : a->v4 == b->v4;
}

static inline struct dmx_addr dmx_local_of(const struct pp_dmx_entry *e)
{
    struct dmx_addr a = {e->family, e->t.laddr, e->a6.local};
    return a;
}

static inline int tuple_eq(const struct pp_tuple *a, uint32_t laddr, uint16_t lport,
                           uint32_t raddr, uint16_t rport)
{
    return a->laddr == laddr && a->lport == lport && a->raddr == raddr && a->rport == rport;
}

/* True if e lives in the compact IPv4 TCP index (d->tcp_conn4). */
static inline int dmx_in_index(const struct pp_dmx_entry *e)
{
    return e->proto == PP_DMX_TCP && e->family == PP_DMX_INET &&
           (e->kind == PP_DMX_CONNECTED || e->kind == PP_DMX_TIMEWAIT);
}

/* The lookup table an entry of this kind lives in, or NULL (bound TCP, or
 * an entry of the IPv4 TCP index). */
struct pp_htable *pp__dmx_table_of(struct pp_demux *d, const struct pp_dmx_entry *e);
/* Inserts e into its lookup table (if any) and its port's user list. */
int pp__dmx_link(struct pp_demux *d, struct pp_dmx_entry *e);
/* Removes e from both. */
void pp__dmx_unlink(struct pp_demux *d, struct pp_dmx_entry *e);
/* True if a TCP 4-tuple of either family is taken by a connection or
 * TIME_WAIT record. */
int pp__dmx_tcp_tuple_used(struct pp_demux *d, const struct dmx_addr *l, uint16_t lport,
                           const struct dmx_addr *r, uint16_t rport);
/* Frees all TIME_WAIT records (teardown). */
void pp__dmx_timewait_free_all(struct pp_demux *d);

#endif
