/* stack.h - a portplex stack instance: one IPv4 host with one interface,
 * its socket table and counters, attached to a link (TUN device or the
 * in-process virtual wire). */
#ifndef PORTPLEX_STACK_H
#define PORTPLEX_STACK_H

#include "portplex/export.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct pp_stack;
struct pp_link;

struct pp_stack_config {
    uint32_t addr;            /* host order, e.g. 192.0.2.2 */
    uint8_t prefix_len;       /* 1..32 */
    uint16_t mtu;             /* 0: the link's */
    uint32_t icmp_rate;       /* ICMP errors per second (token bucket), 0: 1000 */
    uint32_t icmp_burst;      /* bucket depth, 0: 50 */
    size_t reass_max_bytes;   /* memory for fragments awaiting reassembly, 0: 256 KiB */
    uint32_t reass_timeout_ms;/* 0: 30000 (RFC 791 asks for at least 15 s) */
    uint32_t time_wait_ms;    /* TIME_WAIT, 2*MSL; 0: 60000 (soak tests shorten it) */
    const char *name;         /* for traces, e.g. "server" */
    /* The ports connect() and bind(port 0) choose from, inclusive, as
     * Linux's net.ipv4.ip_local_port_range; 0, 0: 49152-65535. */
    uint16_t ephemeral_min, ephemeral_max;
};

/* Creates a stack; NULL on a bad config (prefix 0 or > 32, address 0, an
 * ephemeral range with min 0 or min > max) or no memory. */
PP_API struct pp_stack *pp_stack_new(const struct pp_stack_config *cfg);
/* Closes every socket and frees the stack; the link is not closed.  Accepts NULL. */
PP_API void pp_stack_free(struct pp_stack *st);

/* Attaches the link the stack sends on (one per stack). */
PP_API void pp_stack_attach(struct pp_stack *st, struct pp_link *link);
/* The link st is attached to (NULL: none), to wrap it (link_wrap.h):
 * detach nothing, make the wrapper around it, attach the wrapper. */
PP_API struct pp_link *pp_stack_link(struct pp_stack *st);

/* Hands the stack one received IPv4 packet (copied).  Thread-safe; never
 * call it while holding a socket call in progress on the same thread. */
PP_API void pp_stack_input(struct pp_stack *st, const uint8_t *pkt, size_t len);
/* The same for n packets at once (a receive burst): one lock, and each
 * socket is woken once at the end rather than per packet. */
PP_API void pp_stack_input_many(struct pp_stack *st, const uint8_t *const *pkts, const size_t *lens,
                         size_t n);
/* The driver's call: receives what the link holds by now (a link with a
 * recv op), processes it and emits the answers in the same pass, then runs
 * timers (retransmissions, reassembly, TIME_WAIT) up to now, a monotonic
 * time in ms.  Returns when to call again (UINT64_MAX: only when the link
 * has something; a link's wait_fd or ready callback says so). */
PP_API uint64_t pp_stack_poll(struct pp_stack *st, uint64_t now_ms);
/* The same with the time in microseconds (pp_now_us), for a driver whose
 * path is faster than a millisecond: RACK's reordering window is a quarter
 * of the minimum RTT (RFC 8985 6.2), tens of microseconds on a TUN device
 * or a LAN.  Returns milliseconds, as pp_stack_poll. */
PP_API uint64_t pp_stack_poll_us(struct pp_stack *st, uint64_t now_us);
/* For a driver that sleeps until the time pp_stack_poll returned: fn(arg)
 * is called when a socket call on another thread sets a timer earlier than
 * that (a tail loss probe armed by a write, say), so the driver comes back
 * in time.  It runs with the stack's lock held, on that other thread: it
 * must only signal (write an eventfd, signal a condition).  NULL: none. */
PP_API void pp_stack_set_wakeup(struct pp_stack *st, void (*fn)(void *arg), void *arg);
/* For a driver on a real clock (pp_now_us): socket calls on other threads
 * read it too, so what they send is timed when it goes - not at the
 * driver's last poll, which may be a sleep of milliseconds ago, as old as
 * a whole round trip for RACK and the loss probe's timer.  NULL: none (a
 * simulated clock advances only through pp_stack_poll). */
PP_API void pp_stack_set_clock(struct pp_stack *st, uint64_t (*now_us)(void));

/* Monotonic milliseconds, the clock the drivers pass to pp_stack_poll. */
PP_API uint64_t pp_now_ms(void);
/* The same clock in microseconds, for pp_stack_poll_us. */
PP_API uint64_t pp_now_us(void);

PP_API uint32_t pp_stack_addr(const struct pp_stack *st);
PP_API const char *pp_stack_name(const struct pp_stack *st);

/* The TCP options new connections offer and accept (all by default), the
 * switches Linux has as net.ipv4.tcp_timestamps, tcp_sack and
 * tcp_window_scaling; connections already open keep what they agreed. */
#define PP_TCP_OFFER_TIMESTAMPS 1u
#define PP_TCP_OFFER_SACK 2u
#define PP_TCP_OFFER_WSCALE 4u
#define PP_TCP_OFFER_ALL 7u
PP_API void pp_stack_set_tcp_offers(struct pp_stack *st, unsigned offers);
/* Whether a connection that sent nothing for longer than its RTO starts
 * again from the initial window (RFC 5681 4.1; on by default, as Linux's
 * net.ipv4.tcp_slow_start_after_idle). */
PP_API void pp_stack_set_tcp_idle_restart(struct pp_stack *st, int on);
/* Whether SACK connections send tail loss probes (RFC 8985 7; on by
 * default, as Linux's net.ipv4.tcp_early_retrans 3 or 4). */
PP_API void pp_stack_set_tcp_tlp(struct pp_stack *st, int on);
/* Whether a retransmission timeout is checked for being spurious with
 * F-RTO (RFC 5682, the SACK-enhanced form of its section 3 where SACK is
 * on): after the timeout's resend is acknowledged, two new segments go
 * instead of more resends, and an ACK for data that was never resent
 * proves the timeout spurious and undoes its window reduction.  On by
 * default, as Linux's net.ipv4.tcp_frto. */
PP_API void pp_stack_set_tcp_frto(struct pp_stack *st, int on);
/* Explicit Congestion Notification (RFC 3168), as Linux's net.ipv4.tcp_ecn:
 * PP_TCP_ECN_OFF, PP_TCP_ECN_ON (ask for it when connecting, accept it when
 * asked) or PP_TCP_ECN_PASSIVE (accept it when asked; the default). */
#define PP_TCP_ECN_OFF 0
#define PP_TCP_ECN_ON 1
#define PP_TCP_ECN_PASSIVE 2
PP_API void pp_stack_set_tcp_ecn(struct pp_stack *st, int mode);

/* Per-core shards.  Makes st shard `index` of `count` stacks that share its
 * address on a link that steers each flow to one of them by the symmetric
 * RSS hash (include/portplex/wire/rss.h) under rss_key, modulo count, as a
 * NIC with RSS picks a receive queue (pp_vwire_attach_shards sets this up
 * on the virtual wire).  From then on connect() picks ephemeral ports
 * whose replies hash to this shard, and the packets a thread's socket
 * calls on this shard cause are carried by that thread alone, so shards
 * driven by different threads share nothing.  A listener is each shard's
 * own: listen on every shard.  count 1 ends sharding.  A NULL rss_key: the
 * link follows flows by itself (a multi-queue TUN device learns each
 * flow's queue), so connect() needs no port filter; the shard still gets
 * its own ready list.  -EINVAL for a NULL stack, count 0, index >= count
 * or count > 64. */
#define PP_SHARDS_MAX 64
PP_API int pp_stack_set_shard(struct pp_stack *st, unsigned index, unsigned count,
                              const uint8_t *rss_key);

/* Trace of demultiplexing decisions, one line each, written to f (NULL: off). */
PP_API void pp_stack_trace_to(struct pp_stack *st, FILE *f);


/* One demultiplexing decision, for observers (the lab, tracing tools). */
struct pp_demux_event {
    const char *stack;          /* the stack's name */
    int tcp;                    /* 1 TCP, 0 UDP */
    uint32_t saddr, daddr;
    uint16_t sport, dport;
    const char *rule;           /* "established", "listener-wildcard", "udp-exact", "miss", ... */
    int fd;                     /* the socket's descriptor, -1 if none (miss, TIME_WAIT, not accepted) */
};
/* Calls fn for every decision (NULL: stop).  fn runs with the stack's lock
 * held: it must not call back into the stack. */
PP_API void pp_stack_on_demux(struct pp_stack *st, void (*fn)(void *arg, const struct pp_demux_event *ev),
                       void *arg);

/* A tap on received packets: fn sees each packet handed to the stack just
 * before the stack processes it (NULL: stop).  It runs with the stack's
 * lock held: it must copy what it keeps and not call back into the stack. */
PP_API void pp_stack_on_input(struct pp_stack *st, void (*fn)(void *arg, const uint8_t *pkt, size_t len),
                       void *arg);
/* Sends a whole IPv4 packet the caller built (a scanner's probe) out of the
 * stack's link, as a raw socket would; its source must be the stack's
 * address.  0, -EINVAL, or the link's -errno. */
PP_API int pp_stack_send_raw(struct pp_stack *st, const uint8_t *pkt, size_t len);

/* For tests: from now on every n-th allocation on the packet and
 * connection paths (packet buffers, fragments, reassembly, TCP control
 * blocks and queues, sockets, TIME_WAIT records, table pages) fails as if
 * memory had run out; 0 turns this off.  Process-wide. */
PP_API void pp_debug_fail_allocations(unsigned n);
/* How many allocations have been made to fail so far. */
PP_API unsigned long pp_debug_failed_allocations(void);

/* One socket, as `ss -tuna` shows it. */
struct pp_socket_info {
    int tcp;
    const char *state;          /* "LISTEN", "ESTAB", "TIME-WAIT", "SYN-SENT", "UNCONN", ... */
    uint32_t laddr, raddr;
    uint16_t lport, rport;
    int fd;                     /* -1 for connections not (yet) accepted or already closed */
    /* As ss's Recv-Q and Send-Q: bytes received and not yet read and
     * bytes not yet acknowledged (UDP: datagram bytes waiting, 0); for a
     * listener, connections waiting for accept() and the backlog. */
    size_t recv_q, send_q;
};
/* Calls fn for every socket and TIME_WAIT record of the stack. */
PP_API void pp_stack_list_sockets(struct pp_stack *st,
                           void (*fn)(void *arg, const struct pp_socket_info *si), void *arg);

/* Prints the counters as `netstat -s` does, per layer. */
PP_API void pp_stack_print_counters(struct pp_stack *st, FILE *f);
/* One counter by its name ("ip.in_receives", "udp.no_ports", ...); -1 if unknown. */
PP_API long long pp_stack_counter(struct pp_stack *st, const char *name);

#endif
