/* tcp_internal.h - the TCP control block and the functions the TCP files
 * share (input, output, timers, user requests).  All run with the stack's
 * lock held.  States are ordered so range tests read naturally. */
#ifndef PP_TCP_INTERNAL_H
#define PP_TCP_INTERNAL_H

#include <stdint.h>

#include "stack/bufq.h"
#include "stack/ring.h"
#include "tcp_cc.h"
#include "tcp_sockopts.h"
#include "stack/stack_internal.h"
#include "portplex/wire/tcp.h"

enum pp_tcp_state {
    PP_TCP_CLOSED = 0,
    PP_TCP_LISTEN,
    PP_TCP_SYN_SENT,
    PP_TCP_SYN_RECEIVED,
    PP_TCP_ESTABLISHED,
    PP_TCP_FIN_WAIT_1,
    PP_TCP_FIN_WAIT_2,
    PP_TCP_CLOSE_WAIT,
    PP_TCP_CLOSING,
    PP_TCP_LAST_ACK,
    PP_TCP_TIME_WAIT,
};
const char *pp_tcp_state_name(int state);

/* Sequence number comparisons: signed 32-bit differences (RFC 9293 3.4). */
#define SEQ_LT(a, b) ((int32_t)((a) - (b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((a) - (b)) <= 0)
#define SEQ_GT(a, b) ((int32_t)((a) - (b)) > 0)
#define SEQ_GEQ(a, b) ((int32_t)((a) - (b)) >= 0)

#define TCP_DEFAULT_MSS 536       /* RFC 9293 3.7.1, when the peer sends none */
#define TCP_RTO_INITIAL 1000      /* ms, RFC 6298 2.1 */
#define TCP_SSTHRESH_INITIAL 0x7fffffffu /* "arbitrarily high" (RFC 5681 3.1): no loss yet */
#define TCP_RTO_MIN 200           /* ms: Linux's floor; RFC 6298 suggests 1 s */
#define TCP_RTO_MAX 60000         /* ms, RFC 6298 2.5 */
#define TCP_SYN_RETRIES 5
#define TCP_SYN_LINEAR 4          /* SYNs resent after a flat RTO first (Linux's
                                     net.ipv4.tcp_syn_linear_timeouts) */
#define TCP_CHALLENGE_MS 500      /* one challenge ACK per this (tcp_invalid_ratelimit) */
#define TCP_DATA_RETRIES 15
#define TCP_RESOURCE_PROBE_MS 500 /* retry after the link refused new data (Linux's) */
#define TCP_BUF_DEFAULT (256 * 1024)
#define TCP_SNDBUF_MAX (4 * 1024 * 1024) /* Linux's net.ipv4.tcp_wmem maximum */
#define TCP_RCVBUF_MAX (6 * 1024 * 1024) /* Linux's net.ipv4.tcp_rmem maximum */
/* What we offer: 256-byte units, windows up to 16 MB.  Linux offers 8 when
 * tcp_rmem allows 15 MB, as packetdrill's defaults.sh sets it, so its
 * scripts expect "wscale 8" in our SYNs. */
#define TCP_WSCALE 8
#define TCP_DELACK_MS 40          /* Linux's minimum delayed-ACK timeout */
#define TCP_QUICKACKS 16          /* Linux's TCP_MAX_QUICKACKS */
#define TCP_RCV_SLACK (1u << TCP_WSCALE) /* receive ring bytes never offered */
#define TCP_EOR_MARKS 32          /* record ends kept; past that, records may coalesce */

struct ooo_seg { /* out-of-order data, sorted by seq */
    struct ooo_seg *next;
    uint32_t seq;
    uint32_t len;
    uint8_t data[];
};

/* One transmission of a range of the send queue (tcp_rack.c). */
struct pp_txseg {
    uint32_t seq, end;
    uint64_t xmit_us; /* the stack's clock when it went (pp_stack_poll_us) */
    uint32_t xmit_no; /* the connection's transmission count: the order sent */
    uint8_t flags;    /* PP_TX_* */
};
#define PP_TX_RTX 1u    /* retransmitted at least once */
#define PP_TX_LOST 2u   /* deemed lost, not resent since */
#define PP_TX_SACKED 4u
#define PP_TX_PARTIAL 8u /* an ACK ended inside it, off a segment boundary */

struct pp_tcb {
    struct pp_tcb *next_active; /* stack's list of TCBs with timers */
    struct pp_sock *sock;
    int state;
    struct pp_tcp_sockopts opt; /* the user's options, TCP's own copy (tcp_sockopts.h) */
    /* Send sequence space (RFC 9293 3.3.1). */
    uint32_t iss, snd_una, snd_nxt, snd_wnd, snd_wl1, snd_wl2, snd_max;
    uint32_t snd_sml;  /* end of the last short segment sent (Nagle/Minshall) */
    uint32_t max_snd_wnd; /* the largest window the peer offered (SWS avoidance) */
    uint8_t sws_held;  /* output held data back for a window too small to use */
    uint8_t sml_valid;
    uint8_t snd_wscale, rcv_wscale, ws_ok;
    /* Timestamps (RFC 7323): both sides offered them in their SYNs. */
    uint8_t ts_ok, sack_ok;
    uint32_t ts_recent, last_ack_sent;
    uint16_t mss;      /* the most we send in one segment */
    /* Receive sequence space. */
    uint32_t irs, rcv_nxt;
    uint32_t rcv_adv;  /* right edge we advertised */
    struct pp_ring sndq; /* bytes from snd_una onwards (sent or not) */
    struct pp_bufq rcvq; /* in-order bytes the application has not read */
    struct ooo_seg *ooo;
    size_t ooo_bytes;
    /* Congestion control (RFC 5681; NewReno recovery RFC 6582). */
    uint32_t cwnd, ssthresh, dupacks, recover;
    int in_recovery;
    /* After an RTO, until SND.UNA passes loss_high, retransmission goes
     * back-N from SND.UNA (Linux's Loss state): no fast recovery meanwhile. */
    uint8_t in_loss;
    uint32_t loss_high;
    const struct pp_cc_ops *cc;
    /* SACK scoreboard (RFC 6675): ranges above SND.UNA the peer holds. */
    struct { uint32_t left, right; } sb[8];
    int sb_n;
    uint32_t prr_delivered, prr_out, recover_fs; /* RFC 6937 proportional rate reduction */
    uint32_t rtx_next;            /* next hole to resend in recovery */
    uint8_t rtx_head;             /* recovery just began: SND.UNA's segment goes first */
    struct pp_cubic cubic;
    /* Delayed ACKs (RFC 9293 3.8.6.3): every second full segment, or 40 ms. */
    int unacked_segs;
    /* Linux's quick-ACK mode: data segments still to be acknowledged at
     * once (at the start, and again after an idle spell longer than the
     * RTO), so slow start is not held back by delayed ACKs. */
    uint8_t quickacks;
    uint64_t last_data_rcv; /* ms */
    uint64_t last_data_sent; /* ms, for the restart after idle */
    uint64_t delack_deadline;
    /* Keepalive (RFC 9293 3.8.4; SO_KEEPALIVE). */
    uint64_t last_rx, ka_deadline;
    int ka_probes;
    /* Retransmission (RFC 6298). */
    uint32_t srtt, rttvar, rto;   /* ms; srtt 0 = no sample yet */
    /* Receive buffer autotuning (pp__tcp_rcv_space_adjust). */
    size_t rcv_copied, rcv_space; /* read since rcv_space_time; the most read in an RTT */
    uint64_t rcv_space_time;
    uint32_t rtt_seq;
    uint64_t rtt_start;           /* 0 = nothing timed (Karn) */
    uint64_t rtx_deadline;        /* 0 = timer off */
    int retries;
    /* User timeout (RFC 5482, PP_TCP_USER_TIMEOUT), counted as Linux
     * counts it: rtx_since is when the first retransmission (or the SYN)
     * of the current episode went - a tail loss probe does not count -
     * 0 = none since the last progress (Linux's retrans_stamp, measured
     * against Linux 6.18 with packetdrill); probe_since when the
     * current run of window or resource probes began (Linux's
     * icsk_probes_tstamp); probes counts them (tcpi_probes). */
    uint64_t rtx_since, probe_since;
    int probes;
    /* The link refused new data (its queue full: -ENOBUFS/-EAGAIN): it was
     * never sent, so it is not in flight; a resource probe retries it. */
    uint8_t link_stalled;
    /* Tail loss probe (RFC 8985 7): rtx_deadline is a probe timeout (PTO)
     * rather than the RTO while tlp_armed; tlp_out counts the probes sent
     * since the peer last brought news (at most TCP_TLP_PROBES);
     * tlp_high_seq is SND.MAX when the last one went. */
    uint8_t tlp_armed, tlp_out;
    uint8_t tlp_sending;          /* the probe goes now: not a retransmission episode */
    uint8_t send_now;             /* pp__tcp_output_more: a count of segments goes, no TSO deferral */
    /* How often a loss needed a probe to be found: the share, in 64ths, of
     * loss episodes that began with a tail loss probe, and whether TSO
     * deferral is off for it (pp__tcp_defer_note). */
    uint8_t probe_share64, defer_off;
    /* ECN (RFC 3168): ecn_ok once both ends agreed in the handshake;
     * ecn_echo while we owe the peer ECE (a CE mark seen, no CWR yet);
     * ecn_cwr while our next new data must carry CWR; no second
     * reduction before SND.UNA passes ecn_high. */
    uint8_t ecn_req, ecn_ok, ecn_echo, ecn_cwr;
    uint32_t ecn_high;
    uint8_t rx_ce;                /* the segment being processed came marked CE */
    uint64_t challenge_ms;        /* when the last challenge ACK went (RFC 5961 7) */
    /* RACK (RFC 8985 6): the transmission log and the newest delivered
     * transmission, its RTT in microseconds; the least RTT RACK measured
     * (rack_min_us; min_rtt, the least of RFC 6298's samples in ms, until
     * there is one) sizes the reordering window. */
    struct pp_txseg *tx;
    uint32_t tx_n, tx_cap;
    uint8_t tx_off, rack_reord, rack_fack_set;
    uint64_t rack_deadline;
    uint32_t rack_end, rack_rtt_us, rack_min_us, rack_fack, min_rtt;
    uint32_t tx_count, rack_xmit_no;
    /* RFC 8985 6.2 step 4: the reordering window in multiples of min RTT
     * / 4, raised once per round trip that brings a D-SACK (until
     * SND.UNA passes rack_dsack_end), back to 1 after 16 recoveries
     * without one. */
    uint8_t rack_reo_mult, rack_reo_persist;
    uint32_t rack_dsack_end;
    /* How losses come (tso_len): packets RACK found lost in the current
     * fast recovery, and their running mean per recovery, in eighths. */
    uint16_t episode_lost;
    uint8_t lost_per_episode8;
    uint32_t tlp_high_seq;
    /* Undo (tcp_undo.c): the window and ssthresh before the current
     * recovery or RTO episode, SND.UNA when it began, our TSval at its
     * first retransmission, and how many segments it resent that no
     * D-SACK has reported back yet. */
    uint8_t undo_on, undo_ts_set;
    uint32_t undo_cwnd, undo_ssthresh, undo_marker, undo_tsval, undo_retrans;
    /* F-RTO (tcp_undo.c) after a timeout: 1 waiting for the first ACK of
     * the resend, 2 new data sent in its place, waiting for the next one;
     * frto_rtx_end: in state 2, where data never resent begins (the
     * go-back-N position SND.NXT leaves while new data goes). */
    uint8_t frto;
    uint32_t frto_rtx_end;
    /* A duplicate that arrived, for the next ACK's D-SACK (RFC 2883). */
    uint8_t dsack_set;
    uint32_t dsack_left, dsack_right;
    /* Closing. */
    int fin_pending;              /* the application closed or shut down writing */
    int fin_sent, fin_rcvd;
    uint8_t fin_ooo;              /* a FIN came beyond a hole, at fin_ooo_seq */
    uint32_t fin_ooo_seq;
    uint32_t fin_seq;
    int fin_alone;                /* the FIN went in a segment of its own */
    int linger_zero;              /* SO_LINGER {1, 0}: abort with RST */
    int detached;                 /* the descriptor is gone: free at CLOSED */
    uint8_t more;                 /* a PP_MSG_MORE send is queueing: hold a tail short of a full burst */
    uint8_t tail_more;            /* the last write said PP_MSG_MORE: its end is not a push point */
    int err;                      /* errno to report, then CLOSED */
    int ack_now;
    /* MSG_EOR record ends in the send queue (sequence numbers past
     * SND.UNA): no segment crosses one. */
    uint32_t eor[TCP_EOR_MARKS];
    int eor_n;
    /* Listening. */
    struct pp_tcb *parent;        /* the listener, while in its queues */
    struct pp_tcb *accept_head, *accept_tail, *next_in_queue;
    int backlog, queued;          /* queued: half-open children + accept queue */
    int accept_len;               /* established, waiting for accept() */
    uint64_t cookies_at;          /* when SYN cookies were last sent (0 = never) */
};

/* Undo of spurious retransmission episodes (tcp_undo.c).  begin: a
 * recovery or RTO episode starts (before ssthresh drops); cancel: a
 * reduction that is not undoable (ECN); note_rtx: a retransmission of len
 * bytes went.  on_ack (an ACK that advances SND.UNA) and dsack (an ACK's
 * SACK blocks) undo and return 1 when the episode proves spurious. */
void pp__tcp_undo_begin(struct pp_stack *st, struct pp_tcb *tcb);
void pp__tcp_undo_cancel(struct pp_tcb *tcb);
void pp__tcp_undo_note_rtx(struct pp_stack *st, struct pp_tcb *tcb, uint32_t len);
int pp__tcp_undo_on_ack(struct pp_stack *st, struct pp_tcb *tcb, const struct pp_tcp_hdr *t);
/* F-RTO (RFC 5682).  begin: at a data segment's timeout; end_seq: where
 * data never resent since the timeout begins; on_ack: one ACK's verdict
 * (advanced: it moved SND.UNA; dup: a duplicate ACK; newly_sacked: bytes it
 * SACKed; orig_sacked: of those, bytes at or above end, below loss_high) -
 * 1 when it proved the timeout spurious and undid it. */
void pp__tcp_frto_begin(struct pp_stack *st, struct pp_tcb *tcb, int was_recovery);
uint32_t pp__tcp_frto_end(const struct pp_tcb *tcb);
int pp__tcp_frto_on_ack(struct pp_stack *st, struct pp_tcb *tcb, uint32_t ack, int advanced, int dup,
                        uint32_t newly_sacked, uint32_t orig_sacked, uint32_t end);
int pp__tcp_undo_dsack(struct pp_stack *st, struct pp_tcb *tcb, const struct pp_tcp_opts *o,
                       uint32_t ack);

/* The right edge of the SACKed range holding seq, or seq if none does. */
uint32_t pp__tcp_sack_skip(const struct pp_tcb *tcb, uint32_t seq);
/* Where the hole starting at seq ends: the next SACKed byte, or SND.MAX. */
uint32_t pp__tcp_sack_hole_end(const struct pp_tcb *tcb, uint32_t seq);
void pp__tcp_sack_update(struct pp_tcb *tcb, const struct pp_tcp_opts *o);
uint32_t pp__tcp_sack_pipe(const struct pp_tcb *tcb);
int pp__tcp_sack_lost(const struct pp_tcb *tcb, uint32_t seq);
/* One ACK in recovery; una_advanced when it moved SND.UNA. */
void pp__tcp_sack_recovery_send(struct pp_stack *st, struct pp_tcb *tcb, uint32_t delivered,
                                int una_advanced);
void pp__tcp_sack_recovery_start(struct pp_stack *st, struct pp_tcb *tcb);
uint32_t pp__tcp_sacked_bytes(const struct pp_tcb *tcb);
/* Of those, the bytes in [left, right). */
uint32_t pp__tcp_sacked_in(const struct pp_tcb *tcb, uint32_t left, uint32_t right);

/* RACK (tcp_rack.c).  Logs a transmission of [seq, seq + len). */
void pp__tcp_tx_log(struct pp_stack *st, struct pp_tcb *tcb, uint32_t seq, uint32_t len);
void pp__tcp_tx_free(struct pp_tcb *tcb);
/* Whether RACK deems the byte at seq lost. */
int pp__tcp_tx_lost(const struct pp_tcb *tcb, uint32_t seq);
/* An acceptable ACK (cumulative ack, SACK scoreboard already merged). */
void pp__tcp_rack_ack(struct pp_stack *st, struct pp_tcb *tcb, uint32_t ack);
/* Send buffer autosizing, as Linux's tcp_sndbuf_expand: unless the user
 * set SO_SNDBUF, the send queue holds twice the larger of the congestion
 * window and the initial window of 10 segments, up to TCP_SNDBUF_MAX, so
 * a window of a few large segments never leaves the sender waiting on a
 * delayed ACK with nothing left to send.  It only grows. */
void pp__tcp_sndbuf_expand(struct pp_tcb *tcb);
/* Receive buffer autotuning, as Linux's tcp_rcv_space_adjust (Dynamic
 * Right-Sizing): the application has just read n bytes; once per RTT, if
 * it read more in that RTT than in any before, the receive queue grows to
 * twice that plus 16 segments (up to TCP_RCVBUF_MAX), so the window keeps
 * ahead of a reader that keeps up.  Not when the user set SO_RCVBUF. */
void pp__tcp_rcv_space_adjust(struct pp_stack *st, struct pp_tcb *tcb, size_t n);

/* Marks what RACK deems lost, arms rack_deadline for the rest; count. */
int pp__tcp_rack_detect(struct pp_stack *st, struct pp_tcb *tcb);
void pp__tcp_rack_reset(struct pp_tcb *tcb);
/* A D-SACK arrived: widen the reordering window (RFC 8985 6.2 step 4). */
void pp__tcp_rack_dsack(struct pp_tcb *tcb);
/* A fast recovery ended: the widened window lasts 16 of them. */
void pp__tcp_rack_recovery_done(struct pp_tcb *tcb);
/* Fast recovery for a SACK connection: ssthresh, PRR, the head first. */
void pp__tcp_sack_recovery_enter(struct pp_stack *st, struct pp_tcb *tcb, uint32_t delivered);
/* Sends what recovery's current window allows (after RACK found more lost). */
void pp__tcp_sack_recovery_resume(struct pp_stack *st, struct pp_tcb *tcb);

/* Input for a connection past the handshake (RFC 9293 3.10.7.4). */
void pp__tcp_segment_for(struct pp_stack *st, struct pp_tcb *tcb, const struct pp_tcp_hdr *t);

/* Our timestamp clock: milliseconds (RFC 7323 5.4 allows 1 ms to 1 s ticks). */
static inline uint32_t pp__tcp_ts_now(const struct pp_stack *st)
{
    return (uint32_t)st->now_ms;
}

/* The MSS we announce: the link's, or less if the user set TCP_MAXSEG. */
static inline uint16_t pp__tcp_our_mss(const struct pp_stack *st, const struct pp_tcb *tcb)
{
    uint16_t m = (uint16_t)(st->mtu - 40);
    return tcb->opt.user_mss && tcb->opt.user_mss < m ? tcb->opt.user_mss : m;
}

/* Payload bytes that fit in one segment with our options: the sender's
 * SMSS of RFC 5681, which leaves options out. */
static inline uint32_t pp__tcp_seg_room(const struct pp_tcb *tcb)
{
    return tcb->mss - (tcb->ts_ok ? 12u : 0u);
}

/* Bytes of window still offered to the peer beyond RCV.NXT, never
 * negative: a window that would shrink is offered rounded up to the scale
 * unit while rcv_adv stays put (pp__tcp_adv_window), so the peer may pass
 * rcv_adv - then nothing is offered, not 4 GB. */
static inline uint32_t pp__tcp_rcv_offered(const struct pp_tcb *tcb)
{
    int32_t d = (int32_t)(tcb->rcv_adv - tcb->rcv_nxt);
    return d > 0 ? (uint32_t)d : 0;
}

/* RFC 6928: an initial window of 10 segments, at most max(2 SMSS, 14600
 * bytes), as Linux has used since 2.6.39 - counted in segments as they
 * go, so with timestamps it is 10 segments, not 10 MSS of bytes (which
 * would let an eleventh go: Linux counts packets). */
static inline uint32_t pp__tcp_initial_window(const struct pp_tcb *tcb)
{
    uint32_t smss = pp__tcp_seg_room(tcb);
    uint32_t iw = 10u * smss, cap = 2u * smss > 14600u ? 2u * smss : 14600u;
    return iw < cap ? iw : cap;
}

/* Data or a FIN the user handed over that has never left (a refused or
 * unallocated first transmission waits for a resource probe). */
static inline int pp__tcp_has_unsent(const struct pp_tcb *tcb)
{
    return tcb->sndq.len || (tcb->fin_pending && !tcb->fin_sent);
}

/* In the Loss state after an RTO: resends what RACK marked lost behind
 * SND.NXT; how many ranges went. */
int pp__tcp_rack_resend_lost(struct pp_stack *st, struct pp_tcb *tcb);

/* MSG_EOR: the end of the queued data ends a record. */
void pp__tcp_mark_eor(struct pp_tcb *tcb);
/* len cut so that [seq, seq + len) crosses no record end. */
size_t pp__tcp_eor_clip(const struct pp_tcb *tcb, uint32_t seq, size_t len);
/* A loss episode ended (probed: it began with a tail loss probe, the
 * flight lost whole); keeps TSO deferral off where flights are. */
void pp__tcp_defer_note(struct pp_tcb *tcb, int probed);

/* The most one packet may carry: an offloaded burst where the link cuts
 * segments (TSO), else one segment. */
uint32_t pp__tcp_burst_max(const struct pp_stack *st, const struct pp_tcb *tcb);

/* Output: sends what the windows allow, and an ACK if one is owed. */
void pp__tcp_output(struct pp_stack *st, struct pp_tcb *tcb);
/* tcp_icmp.c: an ICMP error quoting one of our segments. */
struct pp_icmp_quote;
/* TCP as IP sees it (tcp_conn.c): what pp_stack_new adds to each stack. */
extern const struct pp_ip_proto pp__tcp_proto;
/* TCP input (tcp_input.c).  Consumes p. */
void pp__tcp_input(struct pp_stack *st, struct pp_pbuf *p, const struct pp_ip_rx *ip);
/* Runs due TCP timers; the earliest TCP deadline (UINT64_MAX if none). */
void pp__tcp_timers(struct pp_stack *st);
uint64_t pp__tcp_next_deadline(struct pp_stack *st);
/* Aborts and frees every connection (stack teardown). */
void pp__tcp_free_all(struct pp_stack *st);
void pp__tcp_icmp_error(struct pp_stack *st, const struct pp_icmp_quote *q, uint8_t type,
                        uint8_t code, uint16_t mtu);
/* Sends one segment with these flags and up to len bytes from offset off of
 * the send queue, at sequence seq. */
int pp__tcp_send_segment(struct pp_stack *st, struct pp_tcb *tcb, uint32_t seq, uint16_t flags,
                          size_t off, size_t len);
/* RST for a segment that found no connection (RFC 9293 3.10.7.1). */
void pp__tcp_send_rst_for(struct pp_stack *st, const struct pp_ip_rx *ip,
                          const struct pp_tcp_hdr *t);
void pp__tcp_send_ack(struct pp_stack *st, struct pp_tcb *tcb);
/* The window we advertise (scaled value for the header). */
uint16_t pp__tcp_adv_window(struct pp_tcb *tcb);

/* State changes and teardown. */
void pp__tcp_set_state(struct pp_stack *st, struct pp_tcb *tcb, int state);
/* Ends the connection with errno err (0 = orderly): wakes the application,
 * leaves the demux table; frees the TCB if the descriptor is gone. */
void pp__tcp_drop(struct pp_stack *st, struct pp_tcb *tcb, int err);
/* Moves the connection to TIME_WAIT (a small demux record) and frees it. */
void pp__tcp_enter_time_wait(struct pp_stack *st, struct pp_tcb *tcb);
void pp__tcp_timer_arm(struct pp_stack *st, struct pp_tcb *tcb);
/* Replaces the RTO by a tail loss probe timeout when RFC 8985 7.2 allows
 * one (SACK connection, nothing being recovered, no probe outstanding). */
void pp__tcp_schedule_pto(struct pp_stack *st, struct pp_tcb *tcb);
/* segs new segments beyond the congestion window, within the peer's
 * (limited transmit: one; a loss probe: two); 1 if any went. */
int pp__tcp_output_more(struct pp_stack *st, struct pp_tcb *tcb, uint32_t segs);
/* The RTO from now, whatever was armed (a probe timeout included). */
void pp__tcp_timer_restart(struct pp_stack *st, struct pp_tcb *tcb);
/* A bare RST with sequence number seq (RFC 9293 3.10.7.4 / 3.10.4). */
void pp__tcp_send_rst(struct pp_stack *st, struct pp_tcb *tcb, uint32_t seq);
/* Initial sequence number, RFC 6528: a clock plus a keyed hash of the tuple. */
uint32_t pp__tcp_iss(struct pp_stack *st, const struct pp_tuple *t);

/* SYN cookies (tcp_syncookie.c), when a listener's queue is full: the
 * SYN/ACK's ISN encodes the MSS and a keyed hash, so no state is kept. */
void pp__tcp_syncookie_reply(struct pp_stack *st, const struct pp_ip_rx *ip,
                             const struct pp_tcp_hdr *t);
/* An ACK for a listener: if it carries a valid cookie, the MSS it encoded
 * (> 0); otherwise 0. */
uint16_t pp__tcp_syncookie_check(struct pp_stack *st, const struct pp_ip_rx *ip,
                                 const struct pp_tcp_hdr *t);

/* A new TCB for socket s; NULL without memory. */
struct pp_tcb *pp__tcp_tcb_new(struct pp_stack *st, struct pp_sock *s, const struct pp_tcp_sockopts *o);
/* The user changed the options of a socket with a connection: TCP takes
 * the new copy and does what follows from each change (setsockopt). */
void pp__tcp_set_opts(struct pp_stack *st, struct pp_tcb *tcb, const struct pp_tcp_sockopts *o);
/* SO_SNDBUF / SO_RCVBUF set on a socket with a connection: its queues take
 * the new sizes (the receive queue never below what is queued and offered),
 * as Linux applies them at once. */
void pp__tcp_bufs_set(struct pp_tcb *tcb);
/* The receive queue toward SO_RCVBUF's size, never below what is queued
 * and offered (the window's right edge does not move back). */
void pp__tcp_rcvq_fit(struct pp_tcb *tcb);
void pp__tcp_tcb_free(struct pp_stack *st, struct pp_tcb *tcb);
/* Sending goes back to seq (a retransmission from there): a FIN sent at or
 * after seq is to be sent again after the data, or the output would count
 * its sequence number as a byte of data (tcp_output's offset into the
 * send queue) and send one byte more than there is. */
static inline void pp__tcp_rewind(struct pp_tcb *tcb, uint32_t seq)
{
    tcb->snd_nxt = seq;
    if (tcb->fin_sent && SEQ_LEQ(seq, tcb->fin_seq))
        tcb->fin_sent = 0;
}
/* True if a FIN has gone out at the end of what was sent: SND.MAX covers
 * its sequence number, so data ends one before SND.MAX. */
static inline int pp__tcp_fin_at_max(const struct pp_tcb *tcb)
{
    return tcb->fin_pending && tcb->snd_max == tcb->fin_seq + 1;
}
/* Sending resumes at SND.MAX (an undone timeout, F-RTO's new data): a FIN
 * already sent there counts as sent again, or the output would never
 * resend it and a probe would take its sequence number for a byte. */
static inline void pp__tcp_resume_at_max(struct pp_tcb *tcb)
{
    tcb->snd_nxt = tcb->snd_max;
    if (!tcb->fin_sent && pp__tcp_fin_at_max(tcb))
        tcb->fin_sent = 1;
}
/* The connection a listening or connected entry of TCP's tables belongs
 * to (its owner), NULL for any other entry. */
struct pp_tcb *pp__tcp_of_entry(const struct pp_dmx_entry *e);

/* A TIME_WAIT record (tcp_timewait.c): the 4-tuple's entry in the socket
 * table (owner: the record) and what TCP answers with for 2*MSL. */
struct pp_tcp_tw {
    struct pp_dmx_entry e;
    struct pp_tcp_tw *next, *prev; /* the stack's FIFO: all expire after 2*MSL */
    uint64_t expires;
    uint32_t snd_nxt, rcv_nxt;
};
/* Connected entry e goes into TIME_WAIT: 0, or -ENOMEM (the tuple is then
 * released at once). */
int pp__tcp_tw_enter(struct pp_stack *st, struct pp_dmx_entry *e, uint32_t snd_nxt, uint32_t rcv_nxt);
/* A retransmitted FIN: the 2*MSL wait starts again. */
void pp__tcp_tw_restart(struct pp_stack *st, struct pp_tcp_tw *tw);
/* Ends a TIME_WAIT early (RFC 6191 reuse): the tuple is free. */
void pp__tcp_tw_kill(struct pp_stack *st, struct pp_tcp_tw *tw);
void pp__tcp_tw_expire(struct pp_stack *st);
uint64_t pp__tcp_tw_next_expiry(const struct pp_stack *st);
void pp__tcp_tw_free_all(struct pp_stack *st);

/* The user's requests (tcp_usr.c): none waits; api/socket_tcp.c sleeps
 * around them.  Lock held. */
/* Active open: binds an ephemeral port if need be, sends the SYN.  0 or
 * -EALREADY, -EINVAL (listening), -EISCONN, -ENETUNREACH, -ENOMEM, or the
 * socket table's refusal. */
int pp__tcp_connect(struct pp_stack *st, struct pp_sock *s, uint32_t addr, uint16_t port,
                    const struct pp_tcp_sockopts *opts);
/* After pp__tcp_connect: 1 while the handshake is under way, 0 once
 * connected, or the error that ended it (taken). */
int pp__tcp_connect_result(struct pp_sock *s);
/* Queues up to len bytes and sends what the windows allow: how many were
 * queued (0: none now - the queue is full or the handshake under way), or
 * -errno (the connection's error, taken unless keep_err; -ENOTCONN; -EPIPE
 * once closed for sending; -ENOMEM).  eor: these bytes end a record; more:
 * hold a short tail for the next write (MSG_MORE). */
ssize_t pp__tcp_write(struct pp_stack *st, struct pp_tcb *tcb, const void *buf, size_t len,
                      int eor, int more, int keep_err);
/* Takes up to len bytes from the receive queue and updates the window:
 * how many (the first of them, when *out is set, still in the buffers of
 * *out, which the caller copies to buf in order and frees - reads of
 * unlocked_min bytes or more hand whole buffers out so they can be copied
 * without the lock), 0 at the end of the stream, -EAGAIN when nothing is
 * there yet, or -errno (the connection's error, taken; -ENOTCONN). */
ssize_t pp__tcp_read(struct pp_stack *st, struct pp_sock *s, void *buf, size_t len, int peek,
                     size_t unlocked_min, struct pp_pbuf **out);
/* Passive open: 0, or -EINVAL (connected), -ENOMEM, the table's refusal. */
int pp__tcp_listen(struct pp_stack *st, struct pp_sock *s, int backlog,
                   const struct pp_tcp_sockopts *opts);
/* The next connection off listener l's accept queue, or NULL. */
struct pp_tcb *pp__tcp_accept_next(struct pp_tcb *l);
/* RST to the peer (when it knows the connection) and gone. */
void pp__tcp_abort(struct pp_stack *st, struct pp_tcb *tcb);
/* The user closed socket s: FIN (or RST when data was left unread or
 * SO_LINGER 0); the connection may outlive the socket. */
void pp__tcp_close(struct pp_stack *st, struct pp_sock *s);
/* shutdown(): rd ends reading, wr sends FIN.  0 or -ENOTCONN. */
int pp__tcp_shutdown(struct pp_stack *st, struct pp_sock *s, int rd, int wr);

#endif
