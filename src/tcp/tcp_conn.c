/* tcp_conn.c - a connection's life: control blocks, states, teardown,
 * TIME_WAIT, initial sequence numbers (RFC 6528) and the retransmission
 * timer (RFC 6298) with zero-window probing. */
#include <errno.h>
#include <stdlib.h>

#include "tcp_internal.h"

static const char *const state_names[] = {
    "CLOSED", "LISTEN", "SYN-SENT", "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1",
    "FIN-WAIT-2", "CLOSE-WAIT", "CLOSING", "LAST-ACK", "TIME-WAIT",
};

const char *pp_tcp_state_name(int state)
{
    return state >= 0 && state <= PP_TCP_TIME_WAIT ? state_names[state] : "?";
}

struct pp_tcb *pp__tcp_tcb_new(struct pp_stack *st, struct pp_sock *s, const struct pp_tcp_sockopts *o)
{
    struct pp_tcb *tcb = pp__fault_alloc() ? NULL : calloc(1, sizeof *tcb);

    if (!tcb)
        return NULL;
    if (pp_ring_init(&tcb->sndq, s->sndbuf) < 0) {
        free(tcb);
        return NULL;
    }
    pp_bufq_init(&tcb->rcvq, s->rcvbuf + TCP_RCV_SLACK);
    tcb->sock = s;
    s->tcb = tcb;
    s->refs++; /* the connection keeps its socket alive */
    /* While the connection lives, its entry in the socket table leads to
     * it directly: TCP input goes from the 4-tuple to the control block
     * (docs/architecture.md, "Protocols own their state"). */
    s->dmx.owner = tcb;
    tcb->mss = TCP_DEFAULT_MSS;
    tcb->rto = TCP_RTO_INITIAL;
    tcb->ssthresh = TCP_SSTHRESH_INITIAL;
    tcb->opt = *o;
    tcb->cc = pp_tcp_cc(o->cc_algo);
    tcb->last_rx = st->now_ms;
    tcb->next_active = st->tcbs;
    st->tcbs = tcb;
    return tcb;
}

void pp__tcp_set_opts(struct pp_stack *st, struct pp_tcb *tcb, const struct pp_tcp_sockopts *o)
{
    struct pp_tcp_sockopts was = tcb->opt;

    tcb->opt = *o;
    if (o->cc_algo != was.cc_algo)
        tcb->cc = pp_tcp_cc(o->cc_algo);
    /* Keepalive switched on or its idle time changed: the timer is armed
     * again from the last segment heard (as Linux's tcp_set_keepalive and
     * TCP_KEEPIDLE count the time already idle). */
    if (o->keepalive != was.keepalive || o->keepidle != was.keepidle)
        tcb->ka_deadline = 0;
    /* TCP_MAXSEG once connected only lowers what we send (on every call, as
     * before the options moved here: setting the value again still lowers). */
    if (o->user_mss && tcb->state >= PP_TCP_ESTABLISHED && o->user_mss < tcb->mss)
        tcb->mss = o->user_mss;
    if (o->nodelay && !was.nodelay)
        pp__tcp_output(st, tcb); /* what Nagle held back goes now */
}

void pp__tcp_tcb_free(struct pp_stack *st, struct pp_tcb *tcb)
{
    struct pp_tcb **pp;
    struct ooo_seg *o, *n;
    struct pp_sock *s = tcb->sock;

    for (pp = &st->tcbs; *pp; pp = &(*pp)->next_active)
        if (*pp == tcb) {
            *pp = tcb->next_active;
            break;
        }
    pp_demux_remove(st->demux, &s->dmx);
    s->dmx.owner = s;
    for (o = tcb->ooo; o; o = n) {
        n = o->next;
        free(o);
    }
    pp_ring_fini(&tcb->sndq);
    pp_bufq_fini(&tcb->rcvq);
    pp__tcp_tx_free(tcb);
    s->tcb = NULL;
    free(tcb);
    st->up->put(s);
}

void pp__tcp_set_state(struct pp_stack *st, struct pp_tcb *tcb, int state)
{
    if (st->trace) {
        char l[16], r[16];
        fprintf(st->trace, "%s tcp %s:%u <-> %s:%u %s -> %s\n", st->name,
                pp_ipv4_ntoa(tcb->sock->dmx.t.laddr, l), tcb->sock->dmx.t.lport,
                pp_ipv4_ntoa(tcb->sock->dmx.t.raddr, r), tcb->sock->dmx.t.rport,
                pp_tcp_state_name(tcb->state), pp_tcp_state_name(state));
    }
    if (state == PP_TCP_ESTABLISHED && tcb->state < PP_TCP_ESTABLISHED) {
        tcb->cwnd = pp__tcp_initial_window(tcb);
        tcb->quickacks = TCP_QUICKACKS;
        tcb->rtx_since = 0; /* the handshake's wait is over */
    }
    tcb->state = state;
}

/* Unhooks a child from its listener's queues. */
static void unparent(struct pp_tcb *tcb)
{
    struct pp_tcb *l = tcb->parent, **pp;

    if (!l)
        return;
    for (pp = &l->accept_head; *pp; pp = &(*pp)->next_in_queue)
        if (*pp == tcb) {
            *pp = tcb->next_in_queue;
            l->accept_len--;
            break;
        }
    l->accept_tail = NULL;
    for (pp = &l->accept_head; *pp; pp = &(*pp)->next_in_queue)
        l->accept_tail = *pp;
    l->queued--;
    tcb->parent = NULL;
}

void pp__tcp_drop(struct pp_stack *st, struct pp_tcb *tcb, int err)
{
    if (err)
        tcb->err = err;
    pp__tcp_set_state(st, tcb, PP_TCP_CLOSED);
    tcb->rtx_deadline = 0;
    pp_demux_remove(st->demux, &tcb->sock->dmx);
    pp__up_wake(st, tcb->sock);
    if (tcb->parent) {
        unparent(tcb); /* never accepted: nobody will read it */
        pp__tcp_tcb_free(st, tcb);
    } else if (tcb->detached) {
        pp__tcp_tcb_free(st, tcb);
    }
}

void pp__tcp_enter_time_wait(struct pp_stack *st, struct pp_tcb *tcb)
{
    pp__tcp_set_state(st, tcb, PP_TCP_TIME_WAIT);
    tcb->rtx_deadline = 0;
    /* The 4-tuple stays taken in a small record; the socket is free to go. */
    pp__tcp_tw_enter(st, &tcb->sock->dmx, tcb->snd_nxt, tcb->rcv_nxt);
    CNT(st, tcp, time_waits);
    pp__up_wake(st, tcb->sock);
    if (tcb->detached)
        pp__tcp_tcb_free(st, tcb);
}

uint32_t pp__tcp_iss(struct pp_stack *st, const struct pp_tuple *t)
{
    /* RFC 6528: ISN = M + F(4-tuple, secret); M ticks every 4 us. */
    uint64_t h = pp_siphash13_2u64(&st->isn_key, (uint64_t)t->laddr << 32 | t->raddr,
                                   (uint64_t)t->lport << 16 | t->rport);
    return (uint32_t)(st->now_ms * 250u) + (uint32_t)h;
}

/* The user timeout's end for a wait that began at since (RFC 5482), or
 * 0 when none applies. */
static uint64_t user_deadline(const struct pp_tcb *tcb, uint64_t since)
{
    uint32_t ut = tcb->opt.user_timeout_ms;
    return ut && since ? since + ut : 0;
}

/* A timer due at `at`, but never past the user timeout (Linux's
 * tcp_clamp_rto_to_user_timeout): the connection ends on time. */
static uint64_t clamp_to_user(struct pp_stack *st, const struct pp_tcb *tcb, uint64_t at,
                              uint64_t since)
{
    uint64_t end = user_deadline(tcb, since);
    if (end && end < at)
        at = end > st->now_ms ? end : st->now_ms + 1;
    return at;
}

void pp__tcp_timer_arm(struct pp_stack *st, struct pp_tcb *tcb)
{
    if (!tcb->rtx_deadline) {
        int waiting = tcb->snd_max != tcb->snd_una;
        tcb->rtx_deadline = clamp_to_user(st, tcb, st->now_ms + tcb->rto,
                                          waiting ? tcb->rtx_since : tcb->probe_since);
        tcb->tlp_armed = 0;
        pp__stack_timer_set(st, tcb->rtx_deadline);
    }
}

/* Ends the connection with ETIMEDOUT, counted as the user timeout's doing
 * or the retry limit's. */
static void time_out(struct pp_stack *st, struct pp_tcb *tcb, int by_user_timeout)
{
    if (by_user_timeout)
        CNT(st, tcp, user_timeouts);
    else
        CNT(st, tcp, timeouts);
    pp__tcp_drop(st, tcb, ETIMEDOUT);
}

/* One more probe of a run (window or resource); -1 when the run has lasted
 * the user timeout or TCP_DATA_RETRIES probes, as Linux's tcp_probe_timer
 * judges before it sends: then the connection is dropped. */
static int probe_run(struct pp_stack *st, struct pp_tcb *tcb)
{
    uint64_t end;

    if (!tcb->probe_since)
        tcb->probe_since = st->now_ms ? st->now_ms : 1;
    end = user_deadline(tcb, tcb->probe_since);
    if ((end && st->now_ms >= end) || tcb->probes >= TCP_DATA_RETRIES) {
        time_out(st, tcb, end && st->now_ms >= end);
        return -1;
    }
    tcb->probes++;
    return 0;
}

void pp__tcp_timer_restart(struct pp_stack *st, struct pp_tcb *tcb)
{
    tcb->rtx_deadline = 0;
    pp__tcp_timer_arm(st, tcb);
}

/* RFC 8985 7.2-7.3, in Linux's form: PTO = 2 * SRTT, plus the worst-case
 * delayed ACK (200 ms) when one segment is in flight (or 2 ms otherwise),
 * never later than the RTO would fire.
 *
 * Beyond Linux and the RFC (7.2 says SHOULD NOT in recovery): in SACK
 * recovery, a probe too.  A resend that is lost when nothing was sent
 * after it leaves RACK no later delivery to judge by, and recovery waits
 * for the RTO - 200 ms, two thousand round trips on a 0.1 ms path, and a
 * window of one after it.  bench/loss.sh's 5% cell: 10 RTOs in one 100 MB
 * download, each after such a resend.  The receiver holds out-of-order
 * data then and answers at once, so no delayed-ACK allowance.
 *
 * Also beyond both: a second probe, at twice the PTO, when the first one
 * brought no answer and the RTO is further off.  The one ACK a Linux
 * receiver sends for a flight and its probe is often a single one (it
 * acknowledges when the application reads); lost, it left only the RTO
 * (bench/loss.sh 2%/2%: RTOs after a probe whose answer was lost). */
#define TCP_TLP_PROBES 2
/* Linux adds 2 jiffies (TCP_TIMEOUT_MIN) to 2 * SRTT kept in microseconds;
 * our SRTT is whole milliseconds, at least 1, so 2 * SRTT already covers a
 * sub-millisecond path's 2 * SRTT plus a millisecond of that slack, and a
 * deadline in whole milliseconds fires up to one later.  With 2 here the
 * probe came 3-5 ms after a lost ACK where Linux's comes after 2-3 (a
 * kernel-side capture of bench/loss.sh's 2%/2% cell: 24 such waits, 0.10 s
 * of a 0.38 s download). */
#define TCP_PTO_SLACK 1u
void pp__tcp_schedule_pto(struct pp_stack *st, struct pp_tcb *tcb)
{
    uint32_t flight = tcb->snd_max - tcb->snd_una, pto;
    uint64_t rto_at;

    if (!tcb->sack_ok || !st->tcp_tlp || tcb->retries ||
        tcb->tlp_out >= (tcb->in_recovery ? 1 : TCP_TLP_PROBES) ||
        tcb->rack_deadline ||
        flight == 0 || tcb->state < PP_TCP_ESTABLISHED || tcb->state == PP_TCP_TIME_WAIT ||
        (tcb->snd_wnd == 0 && tcb->sndq.len) || (tcb->in_recovery && !tcb->srtt))
        return;
    pto = tcb->in_recovery ? 2 * tcb->srtt + TCP_PTO_SLACK
          : tcb->srtt      ? 2 * tcb->srtt + (flight <= pp__tcp_seg_room(tcb) + 1 ? 200u : TCP_PTO_SLACK)
                           : TCP_RTO_INITIAL;
    pto <<= tcb->tlp_out;
    rto_at = tcb->rtx_deadline && !tcb->tlp_armed ? tcb->rtx_deadline : st->now_ms + tcb->rto;
    if (tcb->tlp_out && st->now_ms + pto >= rto_at)
        return; /* a further probe only ahead of the RTO */
    tcb->rtx_deadline = st->now_ms + pto < rto_at ? st->now_ms + pto : rto_at;
    tcb->tlp_armed = 1;
    pp__stack_timer_set(st, tcb->rtx_deadline);
}

/* The probe (RFC 8985 7.3): new data if the windows allow, else the last
 * segment sent again; then the RTO, from now.  New data goes as two
 * segments where the RFC says one: a receiver ACKs at once only for a
 * second full segment (RFC 9293 3.8.6.3; Linux's __tcp_ack_snd_check), so
 * after a lost ACK a one-segment probe sits out the peer's 40 ms delayed
 * ACK (bench/loss.sh 2%/2%: median of 8 downloads 1.46 s with one, 0.82 s
 * with two). */
static void tail_loss_probe(struct pp_stack *st, struct pp_tcb *tcb)
{
    uint32_t room = pp__tcp_seg_room(tcb);
    uint32_t data_end = pp__tcp_fin_at_max(tcb) ? tcb->fin_seq : tcb->snd_max;

    if (tcb->in_recovery) {
        /* The recovery probe (see pp__tcp_schedule_pto): the first hole
         * again, counted as a resend of the episode. */
        uint32_t end = pp__tcp_sack_hole_end(tcb, tcb->snd_una);
        if (SEQ_GT(end, data_end))
            end = data_end;
        if (end - tcb->snd_una > room)
            end = tcb->snd_una + room;
        if (SEQ_GT(end, tcb->snd_una))
            pp__tcp_send_segment(st, tcb, tcb->snd_una, PP_TCP_ACK, 0, end - tcb->snd_una);
    } else {
        tcb->tlp_sending = 1;
        if (!pp__tcp_output_more(st, tcb, 2)) {
            uint32_t seq = tcb->snd_una, len = 0;
            uint16_t flags = PP_TCP_ACK | (tcb->fin_sent ? PP_TCP_FIN : 0);
            if (SEQ_LT(tcb->snd_una, data_end) && !(tcb->fin_sent && tcb->fin_alone)) {
                seq = tcb->snd_una + ((data_end - tcb->snd_una - 1) / room) * room;
                len = data_end - seq;
            } else if (tcb->fin_sent) {
                seq = tcb->fin_seq;
            }
            pp__tcp_send_segment(st, tcb, seq, flags, seq - tcb->snd_una, len);
        }
        tcb->tlp_sending = 0;
    }
    CNT(st, tcp, loss_probes);
    if (!tcb->tlp_out && !tcb->in_recovery)
        pp__tcp_defer_note(tcb, 1); /* nothing came back: the flight may be lost whole */
    tcb->tlp_out++;
    tcb->tlp_high_seq = tcb->snd_max;
    pp__tcp_timer_restart(st, tcb);
    pp__tcp_schedule_pto(st, tcb); /* a second probe, if it may come before the RTO */
}

static void rtx_timeout(struct pp_stack *st, struct pp_tcb *tcb)
{
    int syn = tcb->state == PP_TCP_SYN_SENT || tcb->state == PP_TCP_SYN_RECEIVED;
    /* Everything sent and unacknowledged, as Linux's packets_out: an
     * earlier timeout may have rewound SND.NXT and failed to resend. */
    uint32_t flight = tcb->snd_max - tcb->snd_una;

    tcb->rtx_deadline = 0;
    if (tcb->tlp_armed) {
        tcb->tlp_armed = 0;
        if (!syn && flight) {
            tail_loss_probe(st, tcb);
            return;
        }
    }
    tcb->tlp_out = 0; /* an RTO ends any probe episode */
    pp__tcp_rack_reset(tcb);
    /* Zero window: probe instead of retransmitting (RFC 9293 3.8.6.1);
     * a probe is not a failure, so it does not count.  As Linux, the
     * probe is a segment the peer must answer but cannot take - no data,
     * SEG.SEQ = SND.UNA - 1 - so its ACK brings the current window and
     * no byte is ever sent beyond the window the peer offered. */
    if (!syn && (tcb->snd_wnd == 0 || tcb->sws_held) && flight == 0 && tcb->sndq.len) {
        if (tcb->opt.user_timeout_ms && probe_run(st, tcb) < 0)
            return;
        if (tcb->snd_wnd) { /* a window too small to fill: send what fits (Linux's
                             * tcp_write_wakeup), the SWS override of 3.8.6.2.1 */
            size_t n = tcb->snd_wnd < tcb->sndq.len ? tcb->snd_wnd : tcb->sndq.len;
            if (n > pp__tcp_seg_room(tcb))
                n = pp__tcp_seg_room(tcb);
            pp__tcp_send_segment(st, tcb, tcb->snd_una, PP_TCP_ACK, 0, n);
            tcb->snd_nxt = tcb->snd_una + (uint32_t)n;
        } else {
            pp__tcp_send_segment(st, tcb, tcb->snd_una - 1, PP_TCP_ACK, 0, 0);
        }
        CNT(st, tcp, window_probes);
        tcb->rto = tcb->rto * 2 > TCP_RTO_MAX ? TCP_RTO_MAX : tcb->rto * 2;
        pp__tcp_timer_arm(st, tcb);
        return;
    }
    /* The link refused new data with nothing in flight: try again, every
     * half second after the first (Linux's TCP_RESOURCE_PROBE_INTERVAL),
     * without backing off - the path is not at fault, our queue is. */
    if (!syn && flight == 0 && tcb->link_stalled && pp__tcp_has_unsent(tcb)) {
        if (probe_run(st, tcb) < 0)
            return;
        CNT(st, tcp, resource_probes);
        pp__tcp_output(st, tcb);
        if (tcb->link_stalled && tcb->snd_nxt == tcb->snd_una)
            tcb->rtx_deadline = clamp_to_user(st, tcb, st->now_ms + TCP_RESOURCE_PROBE_MS,
                                              tcb->probe_since);
        return;
    }
    if (flight == 0 && !syn)
        return;
    /* RFC 5482: data unacknowledged for the user timeout ends the
     * connection (RFC 9293 3.10.8, USER TIMEOUT), SYNs included; judged
     * before resending, from the first retransmission as Linux's
     * tcp_write_timeout does. */
    {
        uint64_t end = user_deadline(tcb, tcb->rtx_since);
        if (end && st->now_ms >= end) {
            time_out(st, tcb, 1);
            return;
        }
    }
    if (++tcb->retries > (syn ? TCP_SYN_RETRIES : TCP_DATA_RETRIES)) {
        time_out(st, tcb, 0);
        return;
    }
    CNT(st, tcp, retransmits);
    /* RFC 6298 5.5-5.6: back off; RFC 5681 3.1 eq. 4: ssthresh, cwnd = 1 MSS.
     * A connecting SYN is resent after a flat second the first few times,
     * as Linux 6.5+ does (tcp_syn_linear_timeouts), then backs off. */
    if (!(tcb->state == PP_TCP_SYN_SENT && tcb->retries <= TCP_SYN_LINEAR))
        tcb->rto = tcb->rto * 2 > TCP_RTO_MAX ? TCP_RTO_MAX : tcb->rto * 2;
    if (tcb->retries == 1) { /* once per loss episode, not per backoff */
        pp__tcp_undo_begin(st, tcb);
        tcb->ssthresh = tcb->cc->ssthresh(tcb, st->now_ms);
    }
    tcb->cwnd = pp__tcp_seg_room(tcb);
    if (!syn) {
        tcb->in_loss = 1;
        tcb->loss_high = tcb->snd_max;
        pp__tcp_frto_begin(st, tcb, tcb->in_recovery);
    }
    tcb->in_recovery = 0;
    tcb->dupacks = 0;
    tcb->rtt_start = 0; /* Karn: no sample from a retransmission */
    if (syn) {
        tcb->snd_nxt = tcb->iss; /* output sends the SYN again */
    } else {
        pp__tcp_rewind(tcb, tcb->snd_una); /* go back to the first unacknowledged byte */
        /* A SACK block that starts at or below SND.UNA means the receiver
         * dropped data it had SACKed (reneging, RFC 2018 8): the output
         * after a timeout skips SACKed data, so it would skip what the
         * peer no longer holds and send nothing, timeout after timeout.
         * Forget the scoreboard, as Linux's tcp_check_sack_reneging does. */
        if (tcb->sb_n && pp__tcp_sack_skip(tcb, tcb->snd_una) != tcb->snd_una) {
            tcb->sb_n = 0;
            CNT(st, tcp, sack_reneging);
        }
    }
    pp__tcp_output(st, tcb);
}

/* RFC 9293 3.8.4: after keepidle seconds of silence, probe with a segment
 * the peer must answer (SEG.SEQ = SND.NXT - 1, no data); keepcnt probes
 * unanswered, keepintvl apart, end the connection.  -1 if it ended. */
static int keepalive(struct pp_stack *st, struct pp_tcb *tcb)
{
    if (!tcb->ka_deadline) {
        tcb->ka_deadline = tcb->last_rx + (uint64_t)tcb->opt.keepidle * 1000;
        tcb->ka_probes = 0;
    }
    if (st->now_ms < tcb->ka_deadline)
        return 0;
    if (tcb->ka_probes >= tcb->opt.keepcnt) {
        CNT(st, tcp, keepalive_drops);
        pp__tcp_drop(st, tcb, ETIMEDOUT);
        return -1;
    }
    pp__tcp_send_segment(st, tcb, tcb->snd_una - 1, PP_TCP_ACK, 0, 0);
    CNT(st, tcp, keepalive_probes);
    tcb->ka_probes++;
    tcb->ka_deadline = st->now_ms + (uint64_t)tcb->opt.keepintvl * 1000;
    return 0;
}

void pp__tcp_timers(struct pp_stack *st)
{
    PP_ASSERT_LOCKED(st);
    struct pp_tcb *tcb = st->tcbs, *next;

    pp__tcp_tw_expire(st);
    for (; tcb; tcb = next) {
        next = tcb->next_active; /* a timeout may free tcb, never others */
        if (tcb->delack_deadline && st->now_ms >= tcb->delack_deadline) {
            tcb->delack_deadline = 0;
            if (tcb->state >= PP_TCP_ESTABLISHED && tcb->state != PP_TCP_TIME_WAIT) {
                tcb->ack_now = 1;
                pp__tcp_output(st, tcb);
            }
        }
        if (tcb->opt.keepalive && tcb->state == PP_TCP_ESTABLISHED && keepalive(st, tcb) < 0)
            continue;
        if (tcb->rack_deadline && st->now_ms >= tcb->rack_deadline && tcb->state >= PP_TCP_ESTABLISHED) {
            if (pp__tcp_rack_detect(st, tcb) > 0) {
                /* RFC 8985 6.3: the reordering timer found losses. */
                if (tcb->in_loss)
                    pp__tcp_rack_resend_lost(st, tcb);
                else if (!tcb->in_recovery)
                    pp__tcp_sack_recovery_enter(st, tcb, 0);
                else
                    pp__tcp_sack_recovery_resume(st, tcb);
            } else if (tcb->in_recovery && !tcb->rack_deadline && !tcb->tlp_armed) {
                pp__tcp_schedule_pto(st, tcb); /* RACK rests: the recovery probe's turn */
            }
        }
        if (tcb->rtx_deadline && st->now_ms >= tcb->rtx_deadline)
            rtx_timeout(st, tcb);
    }
}

uint64_t pp__tcp_next_deadline(struct pp_stack *st)
{
    uint64_t next = pp__tcp_tw_next_expiry(st);
    struct pp_tcb *tcb;

    for (tcb = st->tcbs; tcb; tcb = tcb->next_active) {
        if (tcb->rtx_deadline && tcb->rtx_deadline < next)
            next = tcb->rtx_deadline;
        if (tcb->delack_deadline && tcb->delack_deadline < next)
            next = tcb->delack_deadline;
        if (tcb->rack_deadline && tcb->rack_deadline < next)
            next = tcb->rack_deadline;
        if (tcb->ka_deadline && tcb->opt.keepalive && tcb->ka_deadline < next)
            next = tcb->ka_deadline;
    }
    return next;
}

void pp__tcp_free_all(struct pp_stack *st)
{
    while (st->tcbs) {
        struct pp_tcb *tcb = st->tcbs;
        tcb->parent = NULL;
        pp__tcp_tcb_free(st, tcb);
    }
    pp__tcp_tw_free_all(st);
}

/* An entry in TCP's tables is owned by a connection or a TIME_WAIT
 * record; one not in them (bound, not listening) by its socket. */
struct pp_tcb *pp__tcp_of_entry(const struct pp_dmx_entry *e)
{
    if (e->proto != PP_DMX_TCP || (e->kind != PP_DMX_LISTEN && e->kind != PP_DMX_CONNECTED))
        return NULL;
    return e->owner;
}

static int tcp_fd_of(const struct pp_dmx_entry *e)
{
    const struct pp_tcb *tcb = pp__tcp_of_entry(e);
    const struct pp_sock *s = tcb ? tcb->sock : e->kind == PP_DMX_TIMEWAIT ? NULL : e->owner;
    return s ? s->fd : -1;
}

const struct pp_ip_proto pp__tcp_proto = {
    .name = "tcp",
    .num = PP_IP_PROTO_TCP,
    .input = pp__tcp_input,
    .icmp_error = pp__tcp_icmp_error,
    .timers = pp__tcp_timers,
    .next_deadline = pp__tcp_next_deadline,
    .free_all = pp__tcp_free_all,
    .fd_of = tcp_fd_of,
};

void pp__tcp_rcvq_fit(struct pp_tcb *tcb)
{
    struct pp_sock *s = tcb->sock;
    /* RFC 9293 3.8.6.2.2: the window's right edge does not move back. */
    size_t floor = tcb->rcvq.len + tcb->ooo_bytes + pp__tcp_rcv_offered(tcb) + TCP_RCV_SLACK;

    tcb->rcvq.cap = s->rcvbuf + TCP_RCV_SLACK > floor ? s->rcvbuf + TCP_RCV_SLACK : floor;
}

void pp__tcp_bufs_set(struct pp_tcb *tcb)
{
    struct pp_sock *s = tcb->sock;

    if (!s)
        return;
    if (s->sndbuf_locked)
        tcb->sndq.cap = s->sndbuf; /* writes wait until the queue is below it */
    if (s->rcvbuf_locked)
        pp__tcp_rcvq_fit(tcb);
}

void pp__tcp_sndbuf_expand(struct pp_tcb *tcb)
{
    struct pp_sock *s = tcb->sock;
    size_t segs, want;

    if (!s || s->sndbuf_locked || !tcb->mss)
        return;
    segs = tcb->cwnd / tcb->mss;
    if (segs < 10)
        segs = 10;
    want = 2 * segs * tcb->mss;
    if (want > TCP_SNDBUF_MAX)
        want = TCP_SNDBUF_MAX;
    if (want > tcb->sndq.cap) {
        tcb->sndq.cap = want; /* the ring allocates as it fills */
        s->sndbuf = want;     /* and SO_SNDBUF says so, as on Linux */
    }
}

void pp__tcp_rcv_space_adjust(struct pp_stack *st, struct pp_tcb *tcb, size_t n)
{
    struct pp_sock *s = tcb->sock;
    uint64_t now = st->now_ms, rtt = tcb->srtt ? tcb->srtt : 1;
    size_t want;

    if (!s || s->rcvbuf_locked || !tcb->mss)
        return;
    tcb->rcv_copied += n;
    if (!tcb->rcv_space_time) {
        tcb->rcv_space_time = now ? now : 1;
        /* Linux starts from the initial window's worth, bounded by what is
         * offered; half the buffer here: a reader that takes more than
         * half of it in one RTT is one the buffer holds back. */
        tcb->rcv_space = 10 * (size_t)tcb->mss;
        if (tcb->rcv_space > tcb->rcvq.cap / 2)
            tcb->rcv_space = tcb->rcvq.cap / 2;
        return;
    }
    if (now - tcb->rcv_space_time < rtt)
        return;
    if (tcb->rcv_copied > tcb->rcv_space) {
        tcb->rcv_space = tcb->rcv_copied;
        want = 2 * tcb->rcv_copied + 16 * (size_t)tcb->mss + TCP_RCV_SLACK;
        if (want > TCP_RCVBUF_MAX + TCP_RCV_SLACK)
            want = TCP_RCVBUF_MAX + TCP_RCV_SLACK;
        if (want > tcb->rcvq.cap) {
            tcb->rcvq.cap = want; /* buffers come as data does */
            s->rcvbuf = want - TCP_RCV_SLACK;
        }
    }
    tcb->rcv_copied = 0;
    tcb->rcv_space_time = now;
}
