/* stack_internal.h - a stack instance's state and the entry points its layers
 * offer one another.  Everything here runs with st->lock held. */
#ifndef PP_STACK_INTERNAL_H
#define PP_STACK_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include "counters.h"
#include "portplex/demux.h"
#include "portplex/link.h"
#include "wire/fault.h"
#include "wire/pbuf.h"
#include "portplex/stack.h"
#include "portplex/wire/icmp.h"
#include "portplex/wire/ipv4.h"
#include "portplex/wire/rss.h"

struct pp_reass; /* ip_reass.c */
struct pp_tcb;   /* tcp/tcp_internal.h */

/* A blocking call's watch before it sleeps (api/busy_poll.c). */
struct pp_busy {
    unsigned us;     /* PP_SO_BUSY_POLL: how long; 0: never */
    uint8_t skip;    /* sleeps left before the next watch */
    uint8_t backoff; /* the skip after a watch that ran out: 1, 2, 4; 0 after one that paid */
};

/* A socket: its demux entry, its receive queue and what the API needs. */
struct pp_sock {
    struct pp_dmx_entry dmx;
    int fd;
    int type; /* PP_SOCK_DGRAM, PP_SOCK_STREAM */
    int refs; /* the descriptor table's + one per call in progress */
    int closed;
    pthread_cond_t cv;
    struct pp_pbuf *rxq_head, *rxq_tail; /* datagrams; pbuf.src/sport = return address */
    size_t rx_bytes, rcvbuf, sndbuf;
    int sndbuf_locked; /* SO_SNDBUF set: no autosizing (pp__tcp_sndbuf_expand) */
    int rcvbuf_locked; /* SO_RCVBUF set: no autotuning (pp__tcp_rcv_space_adjust) */
    int so_error; /* pending errno (ICMP errors on connected sockets) */
    int nonblock, reuseaddr, broadcast;
    int rcvtimeo_ms;
    struct pp_busy busy;  /* the watch before a blocking call sleeps */
    struct pp_tcb *tcb; /* stream sockets: the connection, NULL once it is gone */
    int linger;         /* SO_LINGER seconds, -1 = off */
    struct pp_sock *next_wake; /* on the stack's deferred-wake list */
    int wake_pending;
    unsigned events;    /* wake-ups so far (PP_SO_EVENTS); read unlocked by busy_poll.c */
    int rd_shut;        /* shutdown(PP_SHUT_RD): reads end at the queue's end */
};

/* Locking (docs/architecture.md, "Threads"), as OpenBSD's in_pcb.h marks it:
 *   [c] set when the stack is made, read-only after
 *   [s] the stack's lock (st->lock): every field not marked otherwise, and
 *       every pp_sock and TCP control block of the stack
 *   [r] stack_ready.c's process-wide list lock
 * Debug builds make st->lock an error-checking mutex and assert it is held
 * on entry to IP input and output, TCP input, output and timers, and UDP
 * input (PP_ASSERT_LOCKED). */
struct pp_stack {
    pthread_mutex_t lock;
    pthread_cond_t poll_cv; /* [s] broadcast on every socket event, for pp_poll */
    unsigned wakes;         /* [s] socket wake-ups so far, pp_poll's watch (read unlocked) */
    struct pp_busy poll_busy; /* [s] pp_poll's watch; its length is the polled sockets' most */
    unsigned busy_default_us; /* [c] new sockets' PP_SO_BUSY_POLL (api/busy_poll.c) */
    char name[32];          /* [c] */
    uint32_t addr, mask;    /* [c] */
    uint8_t prefix_len;     /* [c] */
    uint16_t mtu;           /* [s] lowered to the link's on attach */
    struct pp_link *link;   /* [s] pp_stack_attach */
    struct pp_demux *demux;
    struct pp_sock **socks;
    int nsocks;
    uint16_t ip_id;
    struct pp_counters cnt;
    /* ICMP error token bucket (RFC 1812 4.3.2.8): tokens in thousandths. */
    uint64_t icmp_tokens, icmp_last_ms;
    uint32_t icmp_rate, icmp_burst;
    /* Reassembly (ip_reass.c). */
    struct pp_reass *reass;
    size_t reass_bytes, reass_max;
    uint32_t reass_timeout;
    uint64_t now_ms;
    uint64_t now_us;   /* the same clock in microseconds (now_ms = now_us / 1000) */
    uint8_t clock_fine; /* the driver gives microseconds (pp_stack_poll_us), not ms */
    unsigned polled;   /* packets the last pp_stack_poll took from the link (driver's thread) */
    FILE *trace;
    struct pp_tcb *tcbs;       /* every TCP control block, for timers */
    struct pp_tcp_tw *tw_head, *tw_tail; /* TCP's TIME_WAIT records, oldest first */
    uint32_t time_wait_ms;     /* 2*MSL */
    int batching;              /* inside pp_stack_input_many: wakes are deferred */
    struct pp_sock *wake_list;
    void (*demux_hook)(void *arg, const struct pp_demux_event *ev);
    void *demux_hook_arg;
    void (*input_tap)(void *arg, const uint8_t *pkt, size_t len); /* pp_stack_on_input */
    void *input_tap_arg;
    struct pp_sipkey isn_key;  /* RFC 6528 secret */
    unsigned tcp_offers;       /* PP_TCP_OFFER_* */
    int tcp_idle_restart;      /* pp_stack_set_tcp_idle_restart */
    int tcp_ecn;               /* PP_TCP_ECN_*, pp_stack_set_tcp_ecn */
    int tcp_tlp;               /* tail loss probes (RFC 8985 7), pp_stack_set_tcp_tlp */
    int tcp_frto;              /* F-RTO after timeouts (RFC 5682), pp_stack_set_tcp_frto */
    /* pp_stack_set_wakeup: the driver sleeps until poll_next (what
     * pp_stack_poll last returned; 0 while it runs). */
    void (*wakeup)(void *arg);  /* [s] */
    uint64_t (*clock_us)(void); /* [s] the driver's clock, which socket calls read (pp_stack_set_clock) */
    void *wakeup_arg;           /* [s] */
    uint64_t poll_next;         /* [s] */
    const struct pp_sock_upcalls *up;    /* [c] the API's, set by pp_stack_new */
    const struct pp_ip_proto *protos[4]; /* [c] pp__ip_add_proto, in pp_stack_new */
    uint8_t proto_slot[256];             /* [c] protocol number -> index + 1, 0: none */
    int nprotos;                         /* [c] */
    /* Shards (pp_stack_set_shard): this stack's index among count stacks
     * that share its address, and the symmetric RSS key their link steers
     * flows by; count 0: not a shard. */
    unsigned shard_index, shard_count; /* [s] */
    struct pp_rss *rss;                /* [s] the key, prepared; NULL until sharded */
    unsigned ready_group;              /* [s] written with the shard, read by stack_ready.c */
    /* stack_ready.c; guarded by a ready group's lock, not st->lock. */
    struct pp_stack *next_ready __attribute__((aligned(64))); /* [r] on a ready list: its link has packets */
    atomic_int on_ready;         /* [r] 0, or the listing group + 1 */
    atomic_int polling;          /* drains polling it now (atomic) */
} __attribute__((aligned(64)));

/* stack_ready.c - run to completion.  A link calls pp__stack_link_ready
 * (its pp_link.ready) when a packet for st can be received at once; the
 * stack is listed, and the next thread to leave a socket call polls every
 * listed stack (pp__stack_run_ready) with no lock held, so a packet and
 * its answers travel in that thread, not through a wire thread.  Returns
 * how many stacks it polled.  pp__stack_unready takes st off the list and
 * waits until no thread is polling it (stack teardown). */
#define PP_READY_GROUPS 64
void pp__stack_ready_init(void); /* once, before the first stack */
/* The calling thread enters a socket call on st: what it sends is listed
 * on st's ready group, and its drains take that group's list. */
void pp__stack_enter(const struct pp_stack *st);
void pp__stack_link_ready(void *arg);
int pp__stack_run_ready(void);
int pp__stack_ready_pending(void); /* listed and no one draining: a quick look, no lock */
void pp__stack_unready(struct pp_stack *st);

/* A socket call's look at the driver's clock (lock held): the stack's time
 * moves on to it, never back (pp_stack_set_clock). */
static inline void pp__stack_clock_read(struct pp_stack *st)
{
    if (st->clock_us) {
        uint64_t t = st->clock_us();
        if (t > st->now_us) {
            st->now_us = t;
            st->now_ms = t / 1000u;
        }
    }
}

/* A protocol set a timer due at `at` (lock held): wakes a driver that
 * sleeps past it (pp_stack_set_wakeup). */
static inline void pp__stack_timer_set(struct pp_stack *st, uint64_t at)
{
    if (st->wakeup && at < st->poll_next) {
        st->poll_next = at;
        st->wakeup(st->wakeup_arg);
    }
}

/* Debug builds: aborts with a message unless the calling thread holds
 * st->lock (an error-checking mutex there: locking it again reports
 * EDEADLK instead of deadlocking).  Release builds: nothing. */
#ifndef NDEBUG
void pp__stack_assert_locked(struct pp_stack *st, const char *where);
#define PP_ASSERT_LOCKED(st) pp__stack_assert_locked((st), __func__)
#else
#define PP_ASSERT_LOCKED(st) ((void)(st))
#endif

static inline void count_err(struct pp_stack *st, enum pp_err_layer l, int werr)
{
    int e = werr < 0 ? -werr : werr;
    if (e > 0 && e < PP_WERR_COUNT)
        st->cnt.err[l][e]++;
}

/* True for the addresses this host accepts as its own destination. */
int pp__ip_is_local(const struct pp_stack *st, uint32_t dst);
/* True for limited and directed broadcast addresses of our subnet. */
int pp__ip_is_broadcast(const struct pp_stack *st, uint32_t dst);

/* Ingress: consumes p, which holds a whole IPv4 packet. */
void pp__ip_input(struct pp_stack *st, struct pp_pbuf *p);
/* Reassembly: takes a fragment (p holds the whole packet, h its header) and
 * returns the whole datagram as a new pbuf once complete, or NULL.  Consumes p. */
struct pp_pbuf *pp__ip_reass(struct pp_stack *st, struct pp_pbuf *p, const struct pp_ipv4_hdr *h);
/* Expires reassemblies older than the timeout. */
void pp__ip_reass_timer(struct pp_stack *st);
void pp__ip_reass_free_all(struct pp_stack *st);

/* Egress: p->data holds the transport segment; prepends the IPv4 header,
 * fragments if needed and sends.  Consumes p.  0 or -errno. */
/* Sends a finished IPv4 packet on the link (counters); 0 or -errno. */
int pp__ip_link_send(struct pp_stack *st, const uint8_t *pkt, size_t len);
/* Whether the link cuts large TCP packets itself (pp_link_ops.send_tso). */
static inline int pp__ip_can_tso(const struct pp_stack *st)
{
    return st->link && st->link->ops->send_tso;
}
/* Whether a transport may leave its checksum out (pp_pbuf.csum_partial):
 * the link takes buffers and fills the checksum in where it shows them. */
static inline int pp__ip_csum_offload(const struct pp_stack *st)
{
    return st->link && st->link->ops->send_pbuf;
}
/* pp__ip_output for a TCP packet that may exceed the MTU on a link with
 * segmentation offload: segments of seg_payload bytes each on the wire. */
int pp__ip_output_tso(struct pp_stack *st, struct pp_pbuf *p, uint32_t src, uint32_t dst,
                      uint8_t tos, uint16_t seg_payload);
int pp__ip_output(struct pp_stack *st, struct pp_pbuf *p, uint32_t src, uint32_t dst,
                  uint8_t proto, uint8_t tos, int df);

/* ICMP: p->data at the ICMP header of a datagram from ip.  Consumes p. */
void pp__icmp_input(struct pp_stack *st, struct pp_pbuf *p, const struct pp_ipv4_hdr *ip);
/* Sends an ICMP error about the datagram whose header is orig (pkt points at
 * it, len bytes), subject to RFC 1122 3.2.2 and the rate limit. */
void pp__icmp_send_error(struct pp_stack *st, uint8_t type, uint8_t code, uint16_t mtu,
                         const struct pp_ipv4_hdr *orig, const uint8_t *pkt, size_t len);

/* What IP tells a protocol about a datagram it delivers, in a form of
 * either IP version: the ends, the traffic class (DSCP and ECN), the hop
 * limit and the header's length.  Room for IPv6 (issue "The core as an
 * engine", item 5): IPv6 input fills the same struct and calls the same
 * protocols; v4 is the parsed IPv4 header for what only IPv4 has (ICMP
 * errors quote it).  ICMP itself and the ICMP error quotes stay IPv4's:
 * ICMPv6 is a protocol of its own. */
#define PP_IP_V4 4
#define PP_IP_V6 6
struct pp_ip_rx {
    uint8_t version;           /* PP_IP_V4 or PP_IP_V6 */
    uint8_t tos;               /* IPv4 TOS / IPv6 traffic class */
    uint8_t ttl;               /* TTL / hop limit */
    uint16_t hdr_len;          /* bytes of IP header(s) before the payload */
    uint32_t src, dst;         /* PP_IP_V4: host order */
    uint8_t src6[16], dst6[16]; /* PP_IP_V6: network order */
    const struct pp_ipv4_hdr *v4; /* PP_IP_V4: the header itself */
};

/* A transport protocol as IP sees it.  IP, ICMP and the stack's timers
 * reach a protocol only through the table of those a stack was given
 * (pp__ip_add_proto; pp_stack_new in api/ adds UDP and TCP), never by name:
 * a protocol can be added without touching the IP layer. */
struct pp_ip_proto {
    const char *name;
    uint8_t num; /* the IPv4 protocol number */
    /* p->data at the transport header of a datagram from ip.  Consumes p. */
    void (*input)(struct pp_stack *st, struct pp_pbuf *p, const struct pp_ip_rx *ip);
    /* An ICMP error (type, code; mtu for "fragmentation needed") quoted a
     * datagram of ours. */
    void (*icmp_error)(struct pp_stack *st, const struct pp_icmp_quote *q, uint8_t type,
                       uint8_t code, uint16_t mtu);
    /* Optional: runs due timers; the earliest deadline (UINT64_MAX if none);
     * frees every control block at teardown. */
    void (*timers)(struct pp_stack *st);
    uint64_t (*next_deadline)(struct pp_stack *st);
    void (*free_all)(struct pp_stack *st);
    /* Optional: the descriptor of the socket behind a table entry of this
     * protocol (its owner is the protocol's control block), -1 for none;
     * for traces and observers. */
    int (*fd_of)(const struct pp_dmx_entry *e);
};
/* 0, or -ENOSPC when the table is full or the number is taken. */
int pp__ip_add_proto(struct pp_stack *st, const struct pp_ip_proto *proto);
/* The errno an ICMP destination unreachable code stands for (RFC 1122 4.2.3.9). */
int pp__icmp_unreach_errno(uint8_t code);


/* A stack with no protocol yet, and its teardown after every socket is
 * closed (pp_stack_new and pp_stack_free, api/stack_api.c, do the rest). */
struct pp_stack *pp__stack_create(const struct pp_stack_config *cfg);
void pp__stack_destroy(struct pp_stack *st);

/* What the protocols and IP tell the socket layer above them, through the
 * table the API registers when it makes a stack (pp_stack_new; lwIP's
 * pcb->recv pattern): no file below the API names an API function
 * (docs/architecture.md, "Parts and arrows"). */
struct pp_sock_upcalls {
    /* s became readable, writable or closed: wake its waiters and pollers
     * (deferred to flush_wakes while a burst is received). */
    void (*wake)(struct pp_stack *st, struct pp_sock *s);
    /* Every wake deferred in the burst. */
    void (*flush_wakes)(struct pp_stack *st);
    /* The protocol lets go of its reference to s. */
    void (*put)(struct pp_sock *s);
    /* A socket for a connection born from listener lis, with the options
     * it inherits (as on Linux); not yet accepted.  It comes with one
     * reference for the caller, who drops it with put (which frees the
     * socket if nothing else took one).  NULL: no memory. */
    struct pp_sock *(*child)(struct pp_stack *st, const struct pp_sock *lis);
};

static inline void pp__up_wake(struct pp_stack *st, struct pp_sock *s)
{
    st->up->wake(st, s);
}

#endif
