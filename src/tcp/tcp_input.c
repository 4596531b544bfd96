/* tcp_input.c - arriving segments, by the event processing of RFC 9293
 * 3.10.7: demultiplex (4-tuple, then listener), then per state.  RFC 5961
 * protections: a RST or SYN that is in the window but not exact earns a
 * challenge ACK instead of killing the connection. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tcp_internal.h"
#include "portplex/wire/wire_err.h"

static uint32_t seg_len(const struct pp_tcp_hdr *t)
{
    return (uint32_t)t->payload_len + !!(t->flags & PP_TCP_SYN) + !!(t->flags & PP_TCP_FIN);
}

/* RFC 9293 3.10.7.4, first check: is any of the segment in the window? */
/* RFC 2883: the next ACK reports [left, right) as received twice, in
 * its first SACK block (a D-SACK), so the sender can tell a needless
 * retransmission from a loss. */
static void dsack_set(struct pp_tcb *tcb, uint32_t left, uint32_t right)
{
    if (!tcb->sack_ok || !SEQ_LT(left, right))
        return;
    tcb->dsack_left = left;
    tcb->dsack_right = right;
    tcb->dsack_set = 1;
}

/* A data segment refused as old (or by PAWS) that starts below RCV.NXT:
 * the part below is a duplicate (Linux's tcp_send_dupack). */
static void dsack_old(struct pp_tcb *tcb, const struct pp_tcp_hdr *t)
{
    uint32_t end = t->seq + (uint32_t)t->payload_len;

    if (!t->payload_len || !SEQ_LT(t->seq, tcb->rcv_nxt))
        return;
    dsack_set(tcb, t->seq, SEQ_GT(end, tcb->rcv_nxt) ? tcb->rcv_nxt : end);
}

static int acceptable(const struct pp_tcb *tcb, const struct pp_tcp_hdr *t)
{
    uint32_t len = seg_len(t), wnd = pp__tcp_rcv_offered(tcb);
    size_t room = pp_bufq_space(&tcb->rcvq);

    /* Take what we can store even past the edge we offered: a peer may
     * act on an older, wider window, and dropping storable data only costs
     * a retransmission (be liberal in what you accept). */
    room = room > tcb->ooo_bytes ? room - tcb->ooo_bytes : 0;
    if (room > wnd && room < 0x40000000u)
        wnd = (uint32_t)room;

    if (len == 0 && wnd == 0)
        return t->seq == tcb->rcv_nxt;
    if (len == 0)
        return SEQ_LEQ(tcb->rcv_nxt, t->seq) && SEQ_LT(t->seq, tcb->rcv_nxt + wnd);
    if (wnd == 0)
        return 0;
    return (SEQ_LEQ(tcb->rcv_nxt, t->seq) && SEQ_LT(t->seq, tcb->rcv_nxt + wnd)) ||
           (SEQ_LEQ(tcb->rcv_nxt, t->seq + len - 1) && SEQ_LT(t->seq + len - 1, tcb->rcv_nxt + wnd));
}

/* What the peer's SYN offered that we offer too (pp_stack_set_tcp_offers). */
static void take_options(struct pp_tcb *tcb, const struct pp_tcp_hdr *t, uint16_t our_mss,
                         unsigned offers)
{
    tcb->mss = t->opts.has_mss ? t->opts.mss : TCP_DEFAULT_MSS;
    if (tcb->mss > our_mss)
        tcb->mss = our_mss;
    if (tcb->mss < 64)
        tcb->mss = 64;
    tcb->sack_ok = t->opts.sack_perm && (offers & PP_TCP_OFFER_SACK);
    tcb->ts_ok = t->opts.has_ts && (offers & PP_TCP_OFFER_TIMESTAMPS);
    if (tcb->ts_ok)
        tcb->ts_recent = t->opts.tsval;
    if (t->opts.has_wscale && (offers & PP_TCP_OFFER_WSCALE)) {
        tcb->ws_ok = 1;
        tcb->snd_wscale = t->opts.wscale > 14 ? 14 : t->opts.wscale; /* RFC 7323 2.3 */
        tcb->rcv_wscale = TCP_WSCALE;
    } else {
        tcb->ws_ok = 0;
        tcb->snd_wscale = tcb->rcv_wscale = 0;
    }
}

static void wake(struct pp_stack *st, struct pp_tcb *tcb)
{
    pp__up_wake(st, tcb->sock);
}

/* An established child joins its listener's accept queue. */
static void enqueue_accept(struct pp_stack *st, struct pp_tcb *tcb)
{
    struct pp_tcb *l = tcb->parent;

    tcb->next_in_queue = NULL;
    if (l->accept_tail)
        l->accept_tail->next_in_queue = tcb;
    else
        l->accept_head = tcb;
    l->accept_tail = tcb;
    l->accept_len++;
    wake(st, l);
}

static void wake(struct pp_stack *st, struct pp_tcb *tcb);
static void enqueue_accept(struct pp_stack *st, struct pp_tcb *tcb);
static void rtt_sample(struct pp_tcb *tcb, uint32_t r);

/* Rebuilds an established connection from a valid SYN-cookie ACK.  Returns
 * 1 if it did (the segment's data is handled by the caller's next pass). */
static int cookie_child(struct pp_stack *st, struct pp_tcb *lis, const struct pp_ip_rx *ip,
                        const struct pp_tcp_hdr *t)
{
    struct pp_tuple tu = {ip->dst, ip->src, t->dport, t->sport};
    uint16_t mss = pp__tcp_syncookie_check(st, ip, t);
    struct pp_sock *cs;
    struct pp_tcb *c;

    if (!mss) {
        CNT(st, tcp, syncookies_failed);
        return 0;
    }
    if (lis->accept_len >= lis->backlog) {
        CNT(st, tcp, listen_drops);
        return 1; /* no room to accept: drop silently, the client retries */
    }
    if (!(cs = st->up->child(st, lis->sock)))
        return 1;
    c = pp__tcp_tcb_new(st, cs, &lis->opt);
    st->up->put(cs); /* the connection holds its own reference, or the socket goes */
    if (!c)
        return 1;
    if (pp_demux_insert_child(st->demux, &cs->dmx, &tu, cs->reuseaddr ? PP_DMX_REUSEADDR : 0) < 0) {
        pp__tcp_tcb_free(st, c);
        return 1;
    }
    c->mss = mss < st->mtu - 40 ? mss : (uint16_t)(st->mtu - 40);
    c->irs = t->seq - 1;
    c->rcv_nxt = t->seq;
    c->rcv_adv = t->seq + 65535; /* what the cookie SYN/ACK offered, unscaled */
    c->iss = t->ack - 1;
    c->snd_una = c->snd_nxt = c->snd_max = t->ack;
    c->snd_wnd = t->window; /* no window scale: the cookie could not keep it */
    c->snd_wl1 = t->seq;
    c->snd_wl2 = t->ack;
    c->parent = lis;
    lis->queued++;
    CNT(st, tcp, syncookies_ok);
    CNT(st, tcp, passive_opens);
    pp__tcp_set_state(st, c, PP_TCP_ESTABLISHED);
    enqueue_accept(st, c);
    /* Data or FIN riding on this ACK is taken by the normal path. */
    if (t->payload_len || (t->flags & PP_TCP_FIN)) {
        pp__tcp_segment_for(st, c, t);
    }
    return 1;
}

/* A SYN for a listener: a child connection in SYN_RECEIVED. */
static void listen_input(struct pp_stack *st, struct pp_tcb *lis, const struct pp_ip_rx *ip,
                         const struct pp_tcp_hdr *t)
{
    struct pp_tuple tu = {ip->dst, ip->src, t->dport, t->sport};
    struct pp_sock *cs;
    struct pp_tcb *c;

    if (t->flags & PP_TCP_RST)
        return;
    if (t->flags & PP_TCP_ACK) {
        /* The last step of a handshake answered with a SYN cookie? */
        if (!(t->flags & PP_TCP_SYN) && lis->cookies_at &&
            st->now_ms - lis->cookies_at < 120000 && cookie_child(st, lis, ip, t))
            return;
        pp__tcp_send_rst_for(st, ip, t);
        return;
    }
    if (!(t->flags & PP_TCP_SYN))
        return;
    if (lis->queued >= lis->backlog) {
        /* Full: answer statelessly (RFC 4987 3.6) rather than drop, so a
         * SYN flood does not lock out real clients. */
        lis->cookies_at = st->now_ms ? st->now_ms : 1;
        pp__tcp_syncookie_reply(st, ip, t);
        return;
    }
    cs = st->up->child(st, lis->sock);
    if (!cs)
        return;
    c = pp__tcp_tcb_new(st, cs, &lis->opt);
    st->up->put(cs); /* the connection holds its own reference, or the socket goes */
    if (!c)
        return;
    if (pp_demux_insert_child(st->demux, &cs->dmx, &tu,
                              lis->sock->reuseaddr ? PP_DMX_REUSEADDR : 0) < 0) {
        pp__tcp_tcb_free(st, c);
        return;
    }
    take_options(c, t, pp__tcp_our_mss(st, c), st->tcp_offers);
    c->irs = t->seq;
    c->rcv_nxt = t->seq + 1;
    c->rcv_adv = c->rcv_nxt;
    c->iss = pp__tcp_iss(st, &tu);
    c->snd_una = c->snd_nxt = c->snd_max = c->iss;
    c->snd_wnd = t->window; /* unscaled in a SYN */
    c->snd_wl1 = t->seq;
    c->snd_wl2 = c->iss;
    /* RFC 3168 6.1.1: an ECN-setup SYN has ECE and CWR set. */
    c->ecn_ok = st->tcp_ecn != PP_TCP_ECN_OFF &&
                (t->flags & (PP_TCP_ECE | PP_TCP_CWR)) == (PP_TCP_ECE | PP_TCP_CWR);
    c->parent = lis;
    lis->queued++;
    CNT(st, tcp, passive_opens);
    pp__tcp_set_state(st, c, PP_TCP_SYN_RECEIVED);
    pp__tcp_output(st, c); /* SYN/ACK */
}

static void syn_sent_input(struct pp_stack *st, struct pp_tcb *tcb, const struct pp_ip_rx *ip,
                           const struct pp_tcp_hdr *t)
{
    if (t->flags & PP_TCP_ACK) {
        if (SEQ_LEQ(t->ack, tcb->iss) || SEQ_GT(t->ack, tcb->snd_nxt)) {
            if (!(t->flags & PP_TCP_RST))
                pp__tcp_send_rst_for(st, ip, t);
            return;
        }
    }
    if (t->flags & PP_TCP_RST) {
        if (t->flags & PP_TCP_ACK)
            pp__tcp_drop(st, tcb, ECONNREFUSED);
        return;
    }
    if (!(t->flags & PP_TCP_SYN))
        return;
    take_options(tcb, t, pp__tcp_our_mss(st, tcb), st->tcp_offers);
    tcb->irs = t->seq;
    tcb->rcv_nxt = t->seq + 1;
    tcb->rcv_adv = tcb->rcv_nxt; /* nothing offered yet in this sequence space */
    tcb->snd_wl1 = t->seq;
    if (t->flags & PP_TCP_ACK) {
        /* RFC 3168 6.1.1: the peer agrees with ECE alone on its SYN/ACK. */
        tcb->ecn_ok = tcb->ecn_req && (t->flags & (PP_TCP_ECE | PP_TCP_CWR)) == PP_TCP_ECE;
        tcb->snd_una = t->ack;
        tcb->snd_wnd = t->window; /* a SYN's window is not scaled */
        tcb->snd_wl2 = t->ack;
        tcb->rtx_deadline = 0;
        tcb->retries = 0;
        if (tcb->rtt_start) { /* the SYN's round trip, unless it was resent (Karn) */
            rtt_sample(tcb, (uint32_t)(st->now_ms - tcb->rtt_start));
            tcb->rtt_start = 0;
        }
        pp__tcp_set_state(st, tcb, PP_TCP_ESTABLISHED);
        CNT(st, tcp, active_opens);
        tcb->ack_now = 1;
        pp__tcp_output(st, tcb);
        wake(st, tcb);
    } else {
        /* Simultaneous open (RFC 9293 3.5, figure 8). */
        pp__tcp_set_state(st, tcb, PP_TCP_SYN_RECEIVED);
        tcb->snd_nxt = tcb->iss;
        tcb->snd_wnd = t->window;
        pp__tcp_output(st, tcb);
    }
}

/* Moves in-order out-of-order segments into the receive queue.  Without
 * memory for all of one, the rest stays where it is, for the next segment
 * or read to move: data we have SACKed is never dropped (no reneging,
 * RFC 2018 8), or a sender that skips SACKed data could wait for ever. */
static void ooo_drain(struct pp_tcb *tcb)
{
    while (tcb->ooo && SEQ_LEQ(tcb->ooo->seq, tcb->rcv_nxt)) {
        struct ooo_seg *o = tcb->ooo;
        uint32_t skip = tcb->rcv_nxt - o->seq;
        if (skip < o->len) {
            size_t n = pp_bufq_write(&tcb->rcvq, o->data + skip, o->len - skip);
            tcb->rcv_nxt += (uint32_t)n;
            if (n < o->len - skip)
                return;
        }
        tcb->ooo = o->next;
        tcb->ooo_bytes -= o->len;
        free(o);
    }
}

static void ooo_insert(struct pp_tcb *tcb, uint32_t seq, const uint8_t *data, uint32_t len)
{
    struct ooo_seg **pp = &tcb->ooo, *o;

    /* Wholly inside what is held already: a duplicate (RFC 2883 4.1.2). */
    for (o = tcb->ooo; o && SEQ_LEQ(o->seq, seq); o = o->next)
        if (SEQ_LEQ(seq + len, o->seq + o->len)) {
            dsack_set(tcb, seq, seq + len);
            return;
        }
    if (tcb->ooo_bytes + len > pp_bufq_space(&tcb->rcvq))
        return; /* beyond what we can hold: the peer will resend */
    while (*pp && SEQ_LT((*pp)->seq, seq))
        pp = &(*pp)->next;
    if (*pp && (*pp)->seq == seq && (*pp)->len >= len)
        return; /* a duplicate */
    o = pp__fault_alloc() ? NULL : malloc(sizeof *o + len);
    if (!o)
        return;
    o->seq = seq;
    o->len = len;
    memcpy(o->data, data, len);
    o->next = *pp;
    *pp = o;
    tcb->ooo_bytes += len;
}

/* RTT sample, RFC 6298 2.2-2.3 (alpha 1/8, beta 1/4, K 4). */
static void rtt_sample(struct pp_tcb *tcb, uint32_t r)
{
    if (!tcb->min_rtt || (r && r < tcb->min_rtt))
        tcb->min_rtt = r ? r : 1;
    if (!tcb->srtt) {
        tcb->srtt = r ? r : 1;
        tcb->rttvar = r / 2;
    } else {
        uint32_t diff = tcb->srtt > r ? tcb->srtt - r : r - tcb->srtt;
        tcb->rttvar = (3 * tcb->rttvar + diff) / 4;
        tcb->srtt = (7 * tcb->srtt + r) / 8;
        if (!tcb->srtt)
            tcb->srtt = 1;
    }
    /* Linux's form of the floor: the variance term is at least
     * TCP_RTO_MIN, so the RTO is never closer than that to the smoothed
     * RTT (RFC 6298 2.4 allows any lower bound). */
    tcb->rto = tcb->srtt + (4 * tcb->rttvar > TCP_RTO_MIN ? 4 * tcb->rttvar : TCP_RTO_MIN);
    if (tcb->rto > TCP_RTO_MAX)
        tcb->rto = TCP_RTO_MAX;
}

/* How much a retransmission from SND.UNA carries: a segment's worth of
 * what was already sent - never bytes beyond SND.MAX, which the peer's
 * window may not allow and whose ACK would look like one for data never
 * sent (RFC 5961 5.2) and be ignored. */
static size_t rtx_len(const struct pp_tcb *tcb)
{
    size_t len = tcb->snd_max - tcb->snd_una, room = pp__tcp_seg_room(tcb);

    if (tcb->fin_sent && len > 0 && SEQ_LEQ(tcb->fin_seq, tcb->snd_max))
        len--; /* the FIN's sequence number is not a byte of data */
    if (len > tcb->sndq.len)
        len = tcb->sndq.len;
    return pp__tcp_eor_clip(tcb, tcb->snd_una, len < room ? len : room);
}

/* RFC 3042: the first two duplicate ACKs each let one new segment go,
 * beyond the congestion window but within the peer's, so that a small
 * window still gets the three duplicates fast retransmit needs. */
static void limited_transmit(struct pp_stack *st, struct pp_tcb *tcb)
{
    if (pp__tcp_output_more(st, tcb, 1))
        CNT(st, tcp, limited_transmits);
}

/* ACK processing for synchronized states: 1 to go on, 0 to stop (but still
 * send what is owed), -1 when the connection is gone (tcb freed), -2 to
 * drop the segment silently. */
static int ack_input(struct pp_stack *st, struct pp_tcb *tcb, const struct pp_tcp_hdr *t)
{
    uint32_t acked, sacked_before, sacked_now, newly_sacked, frto_end = 0, orig_sacked = 0;
    int64_t delivered;
    int rack_lost = 0;

    if (tcb->state == PP_TCP_SYN_RECEIVED) {
        if (SEQ_LT(t->ack, tcb->snd_una) || SEQ_GT(t->ack, tcb->snd_max)) {
            tcb->ack_now = 1; /* RFC 5961 5.2 style: answer, don't reset */
            return 0;
        }
        if (tcb->rtt_start) { /* the SYN/ACK's round trip, as Linux measures it */
            rtt_sample(tcb, (uint32_t)(st->now_ms - tcb->rtt_start));
            tcb->rtt_start = 0;
        }
        pp__tcp_set_state(st, tcb, PP_TCP_ESTABLISHED);
        tcb->snd_wnd = (uint32_t)t->window << tcb->snd_wscale;
        tcb->snd_wl1 = t->seq;
        tcb->snd_wl2 = t->ack;
        if (tcb->parent)
            enqueue_accept(st, tcb);
        wake(st, tcb);
    }
    /* An ACK for data never sent is dropped without a word, as Linux does
     * (RFC 9293 3.10.7.4 would answer it, but the answer helps a blind
     * attacker and two confused ends could ACK each other for ever); one
     * far in the past earns a challenge ACK (RFC 5961 5.2). */
    if (SEQ_GT(t->ack, tcb->snd_max)) {
        CNT(st, tcp, ack_unsent_drops);
        return -2;
    }
    if (SEQ_LT(t->ack, tcb->snd_una - 65535)) {
        tcb->ack_now = 1;
        return 0;
    }
    /* RFC 3168 6.1.2: an ECN echo halves the window as a loss would, at
     * most once per window of data, and our next new data says CWR. */
    if (tcb->ecn_ok && (t->flags & PP_TCP_ECE) && !tcb->in_recovery &&
        (!tcb->ecn_high || SEQ_GEQ(t->ack, tcb->ecn_high))) {
        tcb->ssthresh = tcb->cc->ssthresh(tcb, st->now_ms);
        tcb->cwnd = tcb->ssthresh;
        pp__tcp_undo_cancel(tcb); /* a congestion signal, not a guess: no undo */
        tcb->ecn_high = tcb->snd_max ? tcb->snd_max : 1;
        tcb->ecn_cwr = 1;
        CNT(st, tcp, ecn_reductions);
    }
    sacked_before = pp__tcp_sacked_bytes(tcb);
    if (tcb->frto) {
        frto_end = pp__tcp_frto_end(tcb);
        orig_sacked = pp__tcp_sacked_in(tcb, frto_end, tcb->loss_high);
    }
    if (tcb->sack_ok && t->opts.sack_count) {
        pp__tcp_undo_dsack(st, tcb, &t->opts, t->ack);
        pp__tcp_sack_update(tcb, &t->opts);
    }
    sacked_now = pp__tcp_sacked_bytes(tcb);
    newly_sacked = SEQ_GT(sacked_now, sacked_before) ? sacked_now - sacked_before : 0;
    if (tcb->frto) { /* of this ACK's news, what covers data never resent */
        uint32_t after = pp__tcp_sacked_in(tcb, frto_end, tcb->loss_high);
        orig_sacked = SEQ_GT(after, orig_sacked) ? after - orig_sacked : 0;
    }
    /* RFC 8985: what this ACK delivered dates the newest delivered
     * transmission; anything sent well before it and still missing is lost. */
    if (tcb->sack_ok) {
        pp__tcp_rack_ack(st, tcb, t->ack);
        rack_lost = pp__tcp_rack_detect(st, tcb);
        /* F-RTO decides first whether the timeout's losses were real. */
        if (rack_lost && tcb->in_loss && !tcb->frto)
            pp__tcp_rack_resend_lost(st, tcb);
    }
    if (SEQ_LEQ(t->ack, tcb->snd_una)) {
        int dup = t->ack == tcb->snd_una && t->payload_len == 0 && tcb->snd_nxt != tcb->snd_una &&
                  ((uint32_t)t->window << tcb->snd_wscale) == tcb->snd_wnd;
        if (dup)
            tcb->dupacks++;
        if (tcb->frto)
            pp__tcp_frto_on_ack(st, tcb, t->ack, 0, dup, newly_sacked, orig_sacked, frto_end);
        if (!tcb->in_recovery && !tcb->in_loss && t->ack == tcb->snd_una && tcb->snd_max != tcb->snd_una &&
            (tcb->dupacks == 3 || (tcb->sack_ok && pp__tcp_sack_lost(tcb, tcb->snd_una)))) {
            if (tcb->sack_ok) {
                /* The head goes first, as part of what PRR releases for
                 * this ACK (at least one segment), not on top of it. */
                pp__tcp_sack_recovery_enter(st, tcb, newly_sacked);
            } else {
                pp__tcp_undo_begin(st, tcb);
                tcb->ssthresh = tcb->cc->ssthresh(tcb, st->now_ms);
                tcb->in_recovery = 1;
                tcb->recover = tcb->snd_max;
                CNT(st, tcp, fast_retransmits);
                tcb->rtx_next = tcb->snd_una + (uint32_t)rtx_len(tcb);
                pp__tcp_send_segment(st, tcb, tcb->snd_una, PP_TCP_ACK, 0, rtx_len(tcb));
                tcb->cwnd = tcb->ssthresh + 3u * tcb->mss;
            }
        } else if (dup && !tcb->in_recovery && tcb->dupacks <= 2) {
            limited_transmit(st, tcb);
        } else if (tcb->in_recovery && tcb->sack_ok) {
            pp__tcp_sack_recovery_send(st, tcb, newly_sacked, 0);
        } else if (tcb->in_recovery && dup && tcb->dupacks > 3) {
            tcb->cwnd += tcb->mss;
        }
    } else {
        /* New data acknowledged (the SYN's sequence number is not data:
         * acknowledging it grows no window). */
        acked = t->ack - tcb->snd_una;
        if (tcb->snd_una == tcb->iss && acked)
            acked--;
        if (tcb->fin_sent && SEQ_GT(t->ack, tcb->fin_seq)) {
            pp_ring_consume(&tcb->sndq, acked - 1);
        } else {
            pp_ring_consume(&tcb->sndq, acked);
        }
        tcb->snd_una = t->ack;
        if (SEQ_LT(tcb->snd_nxt, tcb->snd_una))
            tcb->snd_nxt = tcb->snd_una;
        if (tcb->sb_n) {
            struct pp_tcp_opts none;
            memset(&none, 0, sizeof none);
            pp__tcp_sack_update(tcb, &none); /* prune below the new SND.UNA */
        }
        /* What this ACK delivered (RFC 6937 DeliveredData): bytes that
         * were SACKed before, or announced by duplicate ACKs on a connection
         * without SACK (each counts one segment, as Linux's Reno emulation),
         * were delivered then, not now, and grow no window twice. */
        if (tcb->sack_ok) {
            uint32_t sacked_after = pp__tcp_sacked_bytes(tcb);
            delivered = (int64_t)acked + (int64_t)sacked_after - (int64_t)sacked_before;
        } else {
            uint64_t dup = (uint64_t)tcb->dupacks * pp__tcp_seg_room(tcb);
            delivered = dup >= acked ? 0 : (int64_t)(acked - dup);
        }
        if (delivered < 0)
            delivered = 0;
        if (pp__tcp_undo_on_ack(st, tcb, t))
            rack_lost = 0; /* what RACK deemed lost was the spurious episode's */
        tcb->dupacks = 0;
        tcb->retries = 0;
        tcb->rtx_since = 0; /* progress: a retransmission episode starts afresh */
        if (tcb->frto &&
            pp__tcp_frto_on_ack(st, tcb, t->ack, 1, 0, newly_sacked, orig_sacked, frto_end))
            rack_lost = 0;
        if (tcb->in_loss && SEQ_GEQ(t->ack, tcb->loss_high))
            tcb->in_loss = 0; /* everything outstanding at the RTO is in */
        if (tcb->ts_ok && t->opts.has_ts && t->opts.tsecr &&
            (int32_t)(pp__tcp_ts_now(st) - t->opts.tsecr) >= 0) {
            /* RFC 7323 4.1: every ACK of new data is a sample, even after a
             * retransmission, since the echo says which copy arrived. */
            rtt_sample(tcb, pp__tcp_ts_now(st) - t->opts.tsecr);
            tcb->rtt_start = 0;
        } else if (tcb->rtt_start && SEQ_GT(t->ack, tcb->rtt_seq)) {
            rtt_sample(tcb, (uint32_t)(st->now_ms - tcb->rtt_start));
            tcb->rtt_start = 0;
        }
        if (tcb->in_recovery) {
            if (SEQ_GEQ(t->ack, tcb->recover)) {
                tcb->in_recovery = 0; /* full ACK: deflate (RFC 6582 3.2 step 3) */
                tcb->cwnd = tcb->ssthresh;
                pp__tcp_rack_recovery_done(tcb);
            } else if (tcb->sack_ok) {
                pp__tcp_sack_recovery_send(st, tcb, (uint32_t)delivered, 1);
            } else {
                /* Partial ACK: resend the next hole at once (RFC 6582). */
                pp__tcp_send_segment(st, tcb, tcb->snd_una, PP_TCP_ACK, 0, rtx_len(tcb));
                tcb->cwnd = tcb->cwnd > acked ? tcb->cwnd - acked + tcb->mss : tcb->mss;
            }
        } else if (tcb->sack_ok && !tcb->in_loss && tcb->snd_una != tcb->snd_max &&
                   (rack_lost || pp__tcp_sack_lost(tcb, tcb->snd_una))) {
            /* Progress, but RACK or the scoreboard says a segment is lost. */
            pp__tcp_sack_recovery_enter(st, tcb, (uint32_t)delivered);
        } else {
            tcb->cc->on_ack(tcb, (uint32_t)delivered, st->now_ms);
        }
        if (tcb->tlp_out && SEQ_GEQ(t->ack, tcb->tlp_high_seq))
            tcb->tlp_out = 0; /* the probe episode is over (RFC 8985 7.4) */
        pp__tcp_sndbuf_expand(tcb);
        tcb->rtx_deadline = 0;
        if (tcb->snd_nxt != tcb->snd_una) {
            pp__tcp_timer_arm(st, tcb);
            pp__tcp_schedule_pto(st, tcb);
        }
        wake(st, tcb); /* room in the send queue */
    }
    /* Window update (RFC 9293 3.10.7.4, SND.WL1/WL2 rule). */
    if (SEQ_LT(tcb->snd_wl1, t->seq) ||
        (tcb->snd_wl1 == t->seq && SEQ_LEQ(tcb->snd_wl2, t->ack))) {
        tcb->snd_wnd = (uint32_t)t->window << tcb->snd_wscale;
        tcb->snd_wl1 = t->seq;
        tcb->snd_wl2 = t->ack;
        /* Still shut, with data waiting and nothing in flight: the answer
         * to a probe.  The next probe is one (backed-off) RTO from now, as
         * Linux re-arms it. */
        if (tcb->snd_wnd == 0 && tcb->sndq.len && tcb->snd_max == tcb->snd_una &&
            tcb->rtx_deadline)
            pp__tcp_timer_restart(st, tcb);
    }
    /* Our FIN acknowledged? */
    if (tcb->fin_sent && SEQ_GT(t->ack, tcb->fin_seq)) {
        switch (tcb->state) {
        case PP_TCP_FIN_WAIT_1:
            pp__tcp_set_state(st, tcb, PP_TCP_FIN_WAIT_2);
            break;
        case PP_TCP_CLOSING:
            pp__tcp_enter_time_wait(st, tcb);
            return -1;
        case PP_TCP_LAST_ACK:
            pp__tcp_drop(st, tcb, 0);
            return -1;
        default:
            break;
        }
    }
    return 1;
}

/* The buffer of the segment being processed, while pp__tcp_input runs (one
 * segment at a time per thread, under its stack's lock): data_input may take
 * it into the receive queue instead of copying its payload; NULL once taken. */
static _Thread_local struct pp_pbuf *rx_pbuf;

static void data_input(struct pp_stack *st, struct pp_tcb *tcb, const struct pp_tcp_hdr *t)
{
    uint32_t seq = t->seq, len = (uint32_t)t->payload_len;
    const uint8_t *d = t->payload;

    if (t->flags & PP_TCP_SYN) { /* data after a SYN starts one later */
        seq++;
    }
    /* What an earlier drain had no memory for moves first. */
    if (tcb->ooo && SEQ_LEQ(tcb->ooo->seq, tcb->rcv_nxt)) {
        ooo_drain(tcb);
        wake(st, tcb);
        tcb->ack_now = 1;
    }
    if (len == 0 || tcb->state > PP_TCP_FIN_WAIT_2 || tcb->fin_rcvd)
        return;
    if (SEQ_LT(seq, tcb->rcv_nxt)) { /* trim what we already have */
        uint32_t skip = tcb->rcv_nxt - seq;
        /* RFC 2883 4.1.1: what arrived again is reported, as Linux's
         * tcp_dsack_set does for a whole or partial old segment. */
        dsack_set(tcb, seq, skip >= len ? seq + len : tcb->rcv_nxt);
        if (skip >= len) {
            tcb->ack_now = 1;
            return;
        }
        d += skip;
        len -= skip;
        seq = tcb->rcv_nxt;
    }
    if (seq == tcb->rcv_nxt) {
        size_t n;
        if (rx_pbuf && d >= rx_pbuf->data && d + len <= rx_pbuf->data + rx_pbuf->len) {
            /* The buffer that brought the data joins the queue as it is. */
            rx_pbuf->data = (uint8_t *)d;
            rx_pbuf->len = len;
            n = pp_bufq_take(&tcb->rcvq, rx_pbuf);
            rx_pbuf = NULL;
        } else {
            n = pp_bufq_write(&tcb->rcvq, d, len);
        }
        int had_ooo = tcb->ooo != NULL;
        if (n < len)
            CNT(st, tcp, rcvq_drops); /* beyond what we offered: the peer resends */
        tcb->rcv_nxt += (uint32_t)n;
        ooo_drain(tcb);
        wake(st, tcb);
        /* RFC 9293 3.8.6.3 / RFC 5681 4.2: ACK every second full-sized
         * segment at once, and anything that fills a hole; delay the rest
         * by at most TCP_DELACK_MS.  Short segments are answered at once
         * too (request/response traffic), and, as Linux does, the first
         * TCP_QUICKACKS data segments, and again after an idle spell. */
        if (tcb->last_data_rcv && st->now_ms - tcb->last_data_rcv > tcb->rto)
            tcb->quickacks = TCP_QUICKACKS;
        tcb->last_data_rcv = st->now_ms ? st->now_ms : 1;
        if (had_ooo || tcb->quickacks || ++tcb->unacked_segs >= 2 || len < tcb->mss / 2 ||
            tcb->opt.nodelay) {
            if (tcb->quickacks)
                tcb->quickacks--;
            tcb->ack_now = 1;
        } else {
            if (!tcb->delack_deadline) {
                tcb->delack_deadline = st->now_ms + TCP_DELACK_MS;
                pp__stack_timer_set(st, tcb->delack_deadline);
            }
            CNT(st, tcp, delayed_acks);
        }
        return;
    }
    ooo_insert(tcb, seq, d, len);
    CNT(st, tcp, ooo_segs);
    tcb->ack_now = 1; /* a duplicate ACK at once tells the sender (RFC 5681 4.2) */
}

/* Returns -1 when the connection is gone (TIME_WAIT took over). */
static int fin_input(struct pp_stack *st, struct pp_tcb *tcb, const struct pp_tcp_hdr *t)
{
    uint32_t fin_seq = t->seq + !!(t->flags & PP_TCP_SYN) + (uint32_t)t->payload_len;

    if (tcb->fin_rcvd)
        return 0;
    if (t->flags & PP_TCP_FIN) {
        if (fin_seq != tcb->rcv_nxt) {
            /* A FIN beyond a hole takes effect when the hole is filled
             * (RFC 9293 3.10.7.4: in sequence order), as Linux keeps it
             * with its segment in the out-of-order queue - not forgotten
             * until the peer's RTO sends it again. */
            if (SEQ_GT(fin_seq, tcb->rcv_nxt)) {
                tcb->fin_ooo = 1;
                tcb->fin_ooo_seq = fin_seq;
            }
            return 0;
        }
    } else if (!tcb->fin_ooo || tcb->fin_ooo_seq != tcb->rcv_nxt) {
        return 0;
    }
    tcb->fin_ooo = 0;
    tcb->fin_rcvd = 1;
    tcb->rcv_nxt++;
    tcb->ack_now = 1;
    switch (tcb->state) {
    case PP_TCP_SYN_RECEIVED:
    case PP_TCP_ESTABLISHED:
        pp__tcp_set_state(st, tcb, PP_TCP_CLOSE_WAIT);
        break;
    case PP_TCP_FIN_WAIT_1:
        pp__tcp_set_state(st, tcb, PP_TCP_CLOSING);
        break;
    case PP_TCP_FIN_WAIT_2:
        pp__tcp_send_ack(st, tcb);
        pp__tcp_enter_time_wait(st, tcb);
        return -1;
    default:
        break;
    }
    wake(st, tcb);
    return 0;
}

/* A segment for a TIME_WAIT record (RFC 9293 3.10.7.4, TIME-WAIT). */
static void time_wait_input(struct pp_stack *st, struct pp_tcp_tw *tw,
                            const struct pp_ip_rx *ip, const struct pp_tcp_hdr *t)
{
    struct pp_tcp_hdr a;
    struct pp_pbuf *out;

    if (t->flags & PP_TCP_RST)
        return; /* RFC 1337: ignore RST in TIME_WAIT (no assassination) */
    /* A bare ACK exactly at RCV.NXT is acceptable and asks for nothing
     * (RFC 9293 3.10.7.4; Linux stays silent too).  Answering it would let
     * two ends in TIME_WAIT after a simultaneous close ACK each other's
     * ACKs for ever.  A retransmitted FIN, data, or anything outside the
     * window gets our ACK. */
    if (!(t->flags & (PP_TCP_FIN | PP_TCP_SYN)) && t->payload_len == 0 && t->seq == tw->rcv_nxt)
        return;
    memset(&a, 0, sizeof a);
    a.sport = t->dport;
    a.dport = t->sport;
    a.seq = tw->snd_nxt;
    a.ack = tw->rcv_nxt;
    a.flags = PP_TCP_ACK;
    out = pp_pbuf_alloc(PP_TCP_HDR_LEN);
    if (!out)
        return;
    pp_tcp_emit(out->data, out->len, &a, 0, ip->dst, ip->src);
    pp__ip_output(st, out, ip->dst, ip->src, PP_IP_PROTO_TCP, 0, 1);
    if (t->flags & PP_TCP_FIN) /* a retransmitted FIN: restart the 2*MSL wait */
        pp__tcp_tw_restart(st, tw);
}

/* RFC 5961 3.2 / 4.2 challenge ACK, at most one per TCP_CHALLENGE_MS per
 * connection (RFC 5961 7 asks for a limit; Linux's is
 * net.ipv4.tcp_invalid_ratelimit, 500 ms), so a flood of forged RSTs or
 * SYNs cannot turn the connection into an ACK generator. */
static void challenge_ack(struct pp_stack *st, struct pp_tcb *tcb)
{
    if (tcb->challenge_ms && st->now_ms - tcb->challenge_ms < TCP_CHALLENGE_MS) {
        CNT(st, tcp, challenge_acks_limited);
        return;
    }
    tcb->challenge_ms = st->now_ms ? st->now_ms : 1;
    CNT(st, tcp, challenge_acks);
    pp__tcp_send_ack(st, tcb);
}

/* The processing of RFC 9293 3.10.7.4 for a synchronized connection. */
void pp__tcp_segment_for(struct pp_stack *st, struct pp_tcb *tcb, const struct pp_tcp_hdr *t)
{
    int rc, ts_update;

    /* RFC 7323 5.3, PAWS: a timestamp older than TS.Recent marks an old
     * duplicate; drop it (but acknowledge) unless it is a RST. */
    if (tcb->ts_ok && t->opts.has_ts && !(t->flags & PP_TCP_RST) &&
        (int32_t)(t->opts.tsval - tcb->ts_recent) < 0) {
        CNT(st, tcp, paws_drops);
        dsack_old(tcb, t);
        tcb->ack_now = 1;
        pp__tcp_output(st, tcb);
        return;
    }
    /* First: sequence number acceptable? */
    if (!acceptable(tcb, t)) {
        if (!(t->flags & PP_TCP_RST)) {
            dsack_old(tcb, t);
            tcb->ack_now = 1;
            pp__tcp_output(st, tcb);
        }
        return;
    }
    /* RFC 3168 6.1.3: a CE mark is echoed with ECE on every ACK until the
     * peer's CWR says it reduced its window. */
    if (tcb->ecn_ok && !(t->flags & PP_TCP_RST)) {
        if (t->flags & PP_TCP_CWR)
            tcb->ecn_echo = 0;
        if (tcb->rx_ce) {
            CNT(st, tcp, ecn_ce_received);
            tcb->ecn_echo = 1;
            tcb->ack_now = 1;
        }
    }
    /* Second: RST (RFC 5961 3.2): exact -> reset; in window -> challenge ACK. */
    if (t->flags & PP_TCP_RST) {
        if (t->seq == tcb->rcv_nxt) {
            CNT(st, tcp, in_rsts);
            pp__tcp_drop(st, tcb, tcb->state == PP_TCP_SYN_RECEIVED && tcb->parent ? 0
                                  : tcb->state >= PP_TCP_CLOSE_WAIT ? EPIPE : ECONNRESET);
        } else {
            challenge_ack(st, tcb);
        }
        return;
    }
    /* Fourth: a SYN in a synchronized state -> challenge ACK (RFC 5961 4.2). */
    if (t->flags & PP_TCP_SYN) {
        challenge_ack(st, tcb);
        return;
    }
    /* Fifth: the ACK field. */
    if (!(t->flags & PP_TCP_ACK))
        return;
    /* RFC 7323 4.3: remember the timestamp of a segment that covers the
     * edge we last acknowledged - but only once the segment has proved
     * acceptable, its ACK included (RFC 7323 5.3 R3, RFC 9293 3.10.7.4).
     * A segment that acknowledges data never sent may be forged blind: its
     * timestamp must not move TS.Recent, or PAWS would then drop the real
     * peer's segments. */
    ts_update = tcb->ts_ok && t->opts.has_ts && SEQ_LEQ(t->seq, tcb->last_ack_sent) &&
                (int32_t)(t->opts.tsval - tcb->ts_recent) >= 0;
    rc = ack_input(st, tcb, t);
    if (rc == -1 || rc == -2)
        return;
    if (rc > 0) {
        if (ts_update)
            tcb->ts_recent = t->opts.tsval;
        /* New data for a connection the application has closed: nobody
         * will read it, so reset (RFC 9293 3.10.7.4 and RFC 2525 2.17;
         * Linux answers with <SEQ=SEG.ACK><CTL=RST>). */
        if (tcb->detached && t->payload_len && tcb->state >= PP_TCP_FIN_WAIT_1 &&
            SEQ_GT(t->seq + (uint32_t)t->payload_len, tcb->rcv_nxt)) {
            CNT(st, tcp, data_after_close);
            pp__tcp_send_rst(st, tcb, t->ack);
            pp__tcp_drop(st, tcb, 0);
            return;
        }
        data_input(st, tcb, t);
        if (fin_input(st, tcb, t) < 0)
            return;
    }
    if (tcb->state != PP_TCP_CLOSED)
        pp__tcp_output(st, tcb);
}

void pp__tcp_input(struct pp_stack *st, struct pp_pbuf *p, const struct pp_ip_rx *ip)
{
    PP_ASSERT_LOCKED(st);
    struct pp_tcp_hdr t;
    struct pp_dmx_entry *e;
    struct pp_tcb *tcb;
    int rc, rule;

    CNT(st, tcp, in_segs);
    /* IPv4 only so far: an IPv6 segment's checksum covers other ends. */
    if (ip->version != PP_IP_V4) {
        pp_pbuf_free(p);
        return;
    }
    /* A segment whose checksum its sender left to the link never left the
     * process: trusted, as Linux trusts loopback's CHECKSUM_PARTIAL. */
    rc = pp_tcp_parse(p->data, p->len, ip->src, ip->dst, &t, p->csum_partial ? PP_WIRE_NO_CSUM : 0);
    if (rc < 0) {
        CNT(st, tcp, in_errs);
        count_err(st, PP_ERRL_TCP, rc);
        goto drop;
    }
    if (pp__ip_is_broadcast(st, ip->dst))
        goto drop; /* TCP is unicast only */
    rule = pp_demux_lookup_tcp(st->demux, ip->src, t.sport, ip->dst, t.dport, &e);
    if (rule == PP_RULE_MISS) {
        CNT(st, tcp, no_ports);
        pp__tcp_send_rst_for(st, ip, &t);
        goto drop;
    }
    if (rule == PP_RULE_TIME_WAIT) {
        struct pp_tcp_tw *tw = e->owner;
        /* RFC 1122 4.2.2.13 (and RFC 6191): a SYN whose sequence number is
         * beyond everything the old connection used may open a new one at
         * once.  Clients that reuse ports quickly (the kernel after a
         * server-side close) depend on it. */
        if ((t.flags & (PP_TCP_SYN | PP_TCP_ACK | PP_TCP_RST)) == PP_TCP_SYN &&
            (int32_t)(t.seq - tw->rcv_nxt) > 0) {
            pp__tcp_tw_kill(st, tw);
            CNT(st, tcp, tw_reopened);
            rule = pp_demux_lookup_tcp(st->demux, ip->src, t.sport, ip->dst, t.dport, &e);
            if (rule == PP_RULE_MISS) {
                CNT(st, tcp, no_ports);
                pp__tcp_send_rst_for(st, ip, &t);
                goto drop;
            }
        } else {
            time_wait_input(st, tw, ip, &t);
            goto drop;
        }
    }
    tcb = pp__tcp_of_entry(e);
    if (tcb) {
        tcb->last_rx = st->now_ms; /* keepalive counts silence from here */
        tcb->ka_deadline = 0;
    }
    if (!tcb) {
        pp__tcp_send_rst_for(st, ip, &t);
        goto drop;
    }
    if (tcb->state == PP_TCP_LISTEN) {
        listen_input(st, tcb, ip, &t);
        goto drop;
    }
    if (tcb->state == PP_TCP_SYN_SENT) {
        syn_sent_input(st, tcb, ip, &t);
        goto drop;
    }
    if (tcb->state == PP_TCP_CLOSED) {
        pp__tcp_send_rst_for(st, ip, &t);
        goto drop;
    }
    tcb->rx_ce = (ip->tos & PP_IP_ECN_MASK) == PP_IP_ECN_CE;
    rx_pbuf = p;
    pp__tcp_segment_for(st, tcb, &t);
    p = rx_pbuf; /* NULL when the receive queue took it */
    rx_pbuf = NULL;
drop:
    pp_pbuf_free(p);
}
