/* demux.h - the socket table: which socket gets each arriving segment, and
 * which local port each outgoing connection uses (docs/architecture.md, "The
 * demultiplexing rules").
 *
 * Entries are embedded in their owners (sockets, TIME_WAIT records); the
 * table allocates only bucket arrays, per-port pages and TIME_WAIT records.
 * Every lookup is O(1) on average: keyed hash tables for TCP connections,
 * TCP listeners, connected UDP sockets and bound UDP sockets, and a direct
 * per-port index for bind conflicts.  Functions return >= 0 or -errno.
 * Not thread-safe: the stack's lock covers it. */
#ifndef PP_DEMUX_H
#define PP_DEMUX_H

#include "portplex/export.h"

#include <stddef.h>
#include <stdint.h>

#include "htable.h"
#include "portplex/siphash.h"

enum pp_dmx_proto { PP_DMX_UDP = 0, PP_DMX_TCP = 1 };

/* What an entry is in the table. */
enum pp_dmx_kind {
    PP_DMX_UNBOUND = 0, /* in no table */
    PP_DMX_BOUND,       /* has a local address and port */
    PP_DMX_LISTEN,      /* TCP listener */
    PP_DMX_CONNECTED,   /* has a 4-tuple: TCP connection or connected UDP */
    PP_DMX_TIMEWAIT,    /* a TIME_WAIT record holding a TCP 4-tuple */
};

/* The rule that decided a lookup, most specific first (docs/architecture.md). */
enum pp_dmx_rule {
    PP_RULE_MISS = 0,
    PP_RULE_ESTABLISHED,       /* TCP 4-tuple */
    PP_RULE_TIME_WAIT,         /* TCP 4-tuple in TIME_WAIT */
    PP_RULE_LISTENER_EXACT,    /* TCP listener on (dst addr, dst port) */
    PP_RULE_LISTENER_WILDCARD, /* TCP listener on (0.0.0.0, dst port) */
    PP_RULE_UDP_CONNECTED,     /* UDP 4-tuple */
    PP_RULE_UDP_EXACT,         /* UDP bound to (dst addr, dst port) */
    PP_RULE_UDP_WILDCARD,      /* UDP bound to (0.0.0.0, dst port) */
    PP_RULE_COUNT
};
PP_API const char *pp_dmx_rule_name(int rule);

/* Local and remote ends, host order; raddr/rport 0 when unconnected.  The
 * addresses are an IPv4 entry's; an IPv6 entry keeps 0 there and its
 * addresses in the entry's a6 (its ports stay here). */
struct pp_tuple {
    uint32_t laddr, raddr;
    uint16_t lport, rport;
};

/* Address families of entries.  The table is sized for IPv6 now (issue
 * "The core as an engine", item 5): IPv6 ends are keys like IPv4 ones, in
 * the same tables, so IPv6 arrives as a protocol rather than a rework of the
 * tables.  An IPv6 entry never answers an IPv4 lookup nor clashes with an
 * IPv4 binding (Linux's IPV6_V6ONLY behaviour). */
#define PP_DMX_INET 0
#define PP_DMX_INET6 1

/* An IPv6 entry's local and remote addresses, network order; :: (all
 * zero) is the wildcard, as 0.0.0.0 for IPv4. */
struct pp_in6_ends {
    uint8_t local[16], remote[16];
};

#define PP_DMX_REUSEADDR 0x1u /* SO_REUSEADDR */
#define PP_DMX_EPHEMERAL 0x2u /* port chosen by connect(), may be shared */

/* The fields an IPv4 lookup reads (node, tuple, kind, family) are the
 * first 32 bytes: one cache line when the entry starts on a 32-byte
 * boundary, as the stack's sockets and TIME_WAIT records do (64), so a
 * lookup costs one miss for it.  IPv6 addresses come last. */
struct pp_dmx_entry {
    struct pp_hnode node; /* in one of the lookup tables */
    struct pp_tuple t;
    uint8_t proto, kind, flags;
    uint8_t family; /* PP_DMX_INET or PP_DMX_INET6 */
    void *owner;
    struct pp_dmx_entry *port_next, **port_pprev; /* users of the local port */
    struct pp_in6_ends a6; /* PP_DMX_INET6 only */
};

/* A TIME_WAIT record: the 4-tuple and what TCP needs to answer in it
 * (RFC 9293 3.10.7.4) once the socket itself is gone. */
struct pp_dmx_timewait {
    struct pp_dmx_entry e; /* e.owner points back to this record */
    struct pp_dmx_timewait *q_next, *q_prev; /* FIFO: all expire after 2*MSL */
    uint64_t expires;
    uint32_t snd_nxt, rcv_nxt;
    uint32_t ts_recent; /* last timestamp seen, for RFC 6191 reuse */
};

struct pp_demux_config {
    uint16_t eph_min, eph_max;   /* ephemeral range, inclusive; default 49152-65535 */
    uint64_t time_wait;          /* TIME_WAIT duration (2*MSL), caller's time units */
    const struct pp_sipkey *key; /* NULL: random */
    int test_constant_hash;      /* tests only: every key hashes to 0 */
};

/* One traced decision (see pp_demux_set_trace). */
struct pp_demux_trace {
    uint8_t proto;
    uint32_t saddr, daddr; /* IPv4 lookups */
    uint16_t sport, dport;
    int rule;
    const struct pp_dmx_entry *entry; /* NULL on a miss */
    uint8_t family;                   /* PP_DMX_INET or PP_DMX_INET6 */
    const uint8_t *saddr6, *daddr6;   /* IPv6 lookups, else NULL */
};
typedef void (*pp_demux_trace_fn)(void *arg, const struct pp_demux_trace *ev);

struct pp_demux_stats {
    uint64_t lookups[2];
    uint64_t by_rule[PP_RULE_COUNT];
    uint64_t timewait_expired;
};

struct pp_demux_mem {
    size_t entries;        /* entries in lookup tables */
    size_t bucket_bytes;   /* hash bucket arrays */
    size_t port_bytes;     /* per-port index pages */
    size_t entry_bytes;    /* sizeof(struct pp_dmx_entry) */
    size_t timewait_bytes; /* sizeof(struct pp_dmx_timewait) */
};

struct pp_demux;

/* Creates a table; cfg may be NULL for defaults.  NULL on allocation failure
 * or an invalid range (eph_min > eph_max or eph_min == 0). */
PP_API struct pp_demux *pp_demux_new(const struct pp_demux_config *cfg);
/* Frees the table and its TIME_WAIT records; entries still in it are
 * detached, not freed.  Accepts NULL. */
PP_API void pp_demux_free(struct pp_demux *d);

/* Prepares an entry embedded in owner. */
PP_API void pp_dmx_entry_init(struct pp_dmx_entry *e, enum pp_dmx_proto proto, void *owner);

/* bind(): local address (0 = any) and port (0 = pick an ephemeral one).
 * flags: PP_DMX_REUSEADDR.  -EINVAL if e is already bound; -EADDRINUSE on a
 * conflict (same protocol and port, overlapping address, no SO_REUSEADDR
 * exemption) or, as Linux does, when port 0 finds no free port. */
PP_API int pp_demux_bind(struct pp_demux *d, struct pp_dmx_entry *e, uint32_t laddr, uint16_t lport,
                  unsigned flags);

/* listen(): a bound TCP entry becomes a listener (binding first to an
 * ephemeral port if unbound).  -EADDRINUSE if another listener overlaps. */
PP_API int pp_demux_listen(struct pp_demux *d, struct pp_dmx_entry *e);

/* connect(): gives e the 4-tuple (laddr, lport, raddr, rport).  An unbound
 * entry gets an ephemeral port by RFC 6056 algorithm 4; laddr must then be
 * the source address routing chose.  A bound entry keeps its port, and its
 * wildcard address becomes laddr.  -EADDRNOTAVAIL if the 4-tuple is in use
 * (TIME_WAIT included) or no ephemeral port is free; -EINVAL for a listener
 * or a zero remote end. */
PP_API int pp_demux_connect(struct pp_demux *d, struct pp_dmx_entry *e, uint32_t laddr, uint32_t raddr,
                     uint16_t rport);

/* Ports connect() may choose from now on: ok(arg, laddr, lport, raddr,
 * rport) is asked for each candidate the RFC 6056 walk reaches and a
 * port it refuses is passed over (per-core shards keep to ports whose
 * replies are steered back to them).  NULL ok: every port. */
typedef int (*pp_demux_port_ok_fn)(void *arg, uint32_t laddr, uint16_t lport, uint32_t raddr,
                                   uint16_t rport);
PP_API void pp_demux_set_port_filter(struct pp_demux *d, pp_demux_port_ok_fn ok, void *arg);

/* accept() side: inserts a new TCP connection e, born from a listener, with
 * the 4-tuple t.  -EADDRINUSE if the 4-tuple exists (TIME_WAIT included:
 * the caller removes that record first when RFC 6191 allows reuse). */
PP_API int pp_demux_insert_child(struct pp_demux *d, struct pp_dmx_entry *e, const struct pp_tuple *t,
                          unsigned flags);

/* Removes e from every table (close()); e may be reused after
 * pp_dmx_entry_init.  Accepts an unbound entry. */
PP_API void pp_demux_remove(struct pp_demux *d, struct pp_dmx_entry *e);

/* Moves a TCP connection into TIME_WAIT: removes e and keeps its 4-tuple in a
 * small record that expires at now + time_wait.  Returns the record, or NULL
 * if it could not be allocated (the tuple is then simply released). */
PP_API struct pp_dmx_timewait *pp_demux_timewait(struct pp_demux *d, struct pp_dmx_entry *e, uint64_t now,
                                          uint32_t snd_nxt, uint32_t rcv_nxt);
/* The same for a transport that keeps its TIME_WAIT records itself
 * (portplex's TCP does): rec, the entry embedded in the caller's record,
 * takes e's 4-tuple as a TIME_WAIT entry owned by owner, and e is removed.
 * The table never frees or expires rec; pp_demux_remove takes it out.
 * 0, or -EINVAL (e is not a connected TCP entry), -ENOMEM (e is then
 * removed all the same). */
PP_API int pp_demux_timewait_adopt(struct pp_demux *d, struct pp_dmx_entry *e, struct pp_dmx_entry *rec,
                                   void *owner);
/* Ends a TIME_WAIT early (RFC 6191 reuse, RST): frees the record. */
PP_API void pp_demux_timewait_kill(struct pp_demux *d, struct pp_dmx_timewait *tw);
/* Frees the records whose time has come; returns how many. */
PP_API size_t pp_demux_expire(struct pp_demux *d, uint64_t now);
/* Earliest TIME_WAIT expiry, or UINT64_MAX if none. */
PP_API uint64_t pp_demux_next_expiry(const struct pp_demux *d);

/* Finds the socket for an arriving TCP segment: 4-tuple (connection or
 * TIME_WAIT), then listener on the exact destination address, then on the
 * wildcard.  Sets *out (NULL on a miss) and returns the PP_RULE_*. */
PP_API int pp_demux_lookup_tcp(struct pp_demux *d, uint32_t saddr, uint16_t sport, uint32_t daddr,
                        uint16_t dport, struct pp_dmx_entry **out);
/* One arriving segment's addresses, for burst lookups. */
struct pp_demux_query {
    uint32_t saddr, daddr;
    uint16_t sport, dport;
};
/* pp_demux_lookup_tcp for n segments at once (a receive burst), with the
 * same results, traces and counts; faster on large tables because the cache
 * misses of different lookups overlap. */
PP_API void pp_demux_lookup_tcp_burst(struct pp_demux *d, const struct pp_demux_query *q, size_t n,
                               struct pp_dmx_entry **out, int *rules);

/* The same for UDP: connected 4-tuple, then exact, then wildcard bound
 * socket.  The source (saddr, sport) is the datagram's return address. */
PP_API int pp_demux_lookup_udp(struct pp_demux *d, uint32_t saddr, uint16_t sport, uint32_t daddr,
                        uint16_t dport, struct pp_dmx_entry **out);

/* IPv6 ends (16 bytes each, network order): the same operations with the
 * same rules, errors and counters as the IPv4 ones above, for entries of
 * family PP_DMX_INET6.  The wildcard is ::.  connect6 applies no port
 * filter (pp_demux_set_port_filter speaks IPv4 addresses). */
PP_API int pp_demux_bind6(struct pp_demux *d, struct pp_dmx_entry *e, const uint8_t laddr[16],
                          uint16_t lport, unsigned flags);
PP_API int pp_demux_connect6(struct pp_demux *d, struct pp_dmx_entry *e, const uint8_t laddr[16],
                             const uint8_t raddr[16], uint16_t rport);
PP_API int pp_demux_insert_child6(struct pp_demux *d, struct pp_dmx_entry *e,
                                  const uint8_t laddr[16], uint16_t lport,
                                  const uint8_t raddr[16], uint16_t rport, unsigned flags);
PP_API int pp_demux_lookup_tcp6(struct pp_demux *d, const uint8_t saddr[16], uint16_t sport,
                                const uint8_t daddr[16], uint16_t dport,
                                struct pp_dmx_entry **out);
PP_API int pp_demux_lookup_udp6(struct pp_demux *d, const uint8_t saddr[16], uint16_t sport,
                                const uint8_t daddr[16], uint16_t dport,
                                struct pp_dmx_entry **out);

/* Installs (or with fn NULL removes) a hook called on every lookup. */
PP_API void pp_demux_set_trace(struct pp_demux *d, pp_demux_trace_fn fn, void *arg);

PP_API const struct pp_demux_stats *pp_demux_stats(const struct pp_demux *d);
PP_API void pp_demux_memory(const struct pp_demux *d, struct pp_demux_mem *m);
/* Sockets (and TIME_WAIT records) using local port of proto. */
PP_API size_t pp_demux_port_users(const struct pp_demux *d, enum pp_dmx_proto proto, uint16_t port);
/* Calls fn for every entry in the lookup tables of proto (for `ss`-style
 * listings); order unspecified. */
PP_API void pp_demux_foreach(const struct pp_demux *d, enum pp_dmx_proto proto,
                      void (*fn)(void *arg, const struct pp_dmx_entry *e), void *arg);

#endif
