/* tcp_output.c - building and sending segments: data within the peer's
 * window and the congestion window, SYN and FIN in sequence space, ACKs,
 * and RSTs for segments that found no connection. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tcp_internal.h"

uint16_t pp__tcp_adv_window(struct pp_tcb *tcb)
{
    size_t space, held = tcb->ooo_bytes + TCP_RCV_SLACK;
    uint32_t w;

    /* A receive buffer made smaller once connected shrinks as far as what
     * is queued and offered lets it, a little more at each window. */
    if (tcb->sock && tcb->sock->rcvbuf_locked && tcb->rcvq.cap > tcb->sock->rcvbuf + TCP_RCV_SLACK)
        pp__tcp_rcvq_fit(tcb);
    space = pp_bufq_space(&tcb->rcvq);
    space = space > held ? space - held : 0;
    w = (uint32_t)(space >> tcb->rcv_wscale);
    if (w > 0xffff)
        w = 0xffff;
    /* Never shrink the window we offered (RFC 9293 3.8.6.2.2): the peer may
     * already be sending up to the old edge, so round it up to the scale
     * unit; the slack kept in the ring makes room for the rounding. */
    if (SEQ_LT(tcb->rcv_nxt + (w << tcb->rcv_wscale), tcb->rcv_adv)) {
        /* rcv_adv stays where it was, so the rounding never accumulates. */
        w = (tcb->rcv_adv - tcb->rcv_nxt + (1u << tcb->rcv_wscale) - 1) >> tcb->rcv_wscale;
        return (uint16_t)(w > 0xffff ? 0xffff : w);
    }
    tcb->rcv_adv = tcb->rcv_nxt + (w << tcb->rcv_wscale);
    return (uint16_t)w;
}

void pp__tcp_mark_eor(struct pp_tcb *tcb)
{
    uint32_t end = tcb->snd_una + (uint32_t)tcb->sndq.len;
    int i, k = 0;

    for (i = 0; i < tcb->eor_n; i++) /* forget records already acknowledged */
        if (SEQ_GT(tcb->eor[i], tcb->snd_una))
            tcb->eor[k++] = tcb->eor[i];
    tcb->eor_n = k;
    if (k && tcb->eor[k - 1] == end)
        return;
    if (k < TCP_EOR_MARKS)
        tcb->eor[tcb->eor_n++] = end;
}

size_t pp__tcp_eor_clip(const struct pp_tcb *tcb, uint32_t seq, size_t len)
{
    int i;
    for (i = 0; i < tcb->eor_n; i++)
        if (SEQ_GT(tcb->eor[i], seq) && SEQ_LT(tcb->eor[i], seq + (uint32_t)len))
            return tcb->eor[i] - seq;
    return len;
}

static int ends_record(const struct pp_tcb *tcb, uint32_t end)
{
    int i;
    for (i = 0; i < tcb->eor_n; i++)
        if (tcb->eor[i] == end)
            return 1;
    return 0;
}

int pp__tcp_send_segment(struct pp_stack *st, struct pp_tcb *tcb, uint32_t seq, uint16_t flags,
                         size_t off, size_t len)
{
    struct pp_sock *s = tcb->sock;
    struct pp_tcp_hdr h;
    struct pp_pbuf *p;
    size_t hl;
    uint8_t tos = 0;
    /* New data or a first FIN: what a refusal leaves unsent for a retry. */
    int rc, fresh = (len || (flags & PP_TCP_FIN)) && SEQ_GEQ(seq, tcb->snd_max);

#ifndef NDEBUG
    /* Data comes from the send queue at the offset of its sequence number:
     * a caller that counted a FIN's sequence number as a byte would send
     * what is not there (debug builds stop here, as they did on two bugs). */
    if (len && (off + len > tcb->sndq.len || off != (size_t)(seq - tcb->snd_una))) {
        fprintf(stderr, "portplex: segment beyond the send queue: seq %u una %u len %zu off %zu queued %zu "
                        "fin_sent %d fin_seq %u nxt %u max %u\n",
                seq, tcb->snd_una, len, off, tcb->sndq.len, tcb->fin_sent, tcb->fin_seq, tcb->snd_nxt,
                tcb->snd_max);
        abort();
    }
#endif
    memset(&h, 0, sizeof h);
    h.sport = s->dmx.t.lport;
    h.dport = s->dmx.t.rport;
    h.seq = seq;
    h.flags = flags;
    /* PSH where the data written so far ends (RFC 9293 3.9.1 "PUSH"): any
     * segment, first transmission or not, that carries the last queued
     * byte - as Linux marks the tail of each write but one sent with
     * MSG_MORE (tcp_push marks no push there). */
    if (len && ((off + len == tcb->sndq.len && !tcb->tail_more) || ends_record(tcb, seq + (uint32_t)len)))
        h.flags |= PP_TCP_PSH;
    if (flags & PP_TCP_SYN) {
        /* RFC 9293 3.7.1: MSS in every SYN; window scale, SACK-permitted and
         * timestamps offered on a SYN, and on a SYN/ACK only if the peer
         * offered them (RFC 7323 2.2 and 3.2, RFC 2018 2). */
        int syn_ack = (flags & PP_TCP_ACK) != 0;
        unsigned offers = st->tcp_offers;
        h.opts.has_mss = 1;
        h.opts.mss = pp__tcp_our_mss(st, tcb);
        if (syn_ack ? tcb->ws_ok : (offers & PP_TCP_OFFER_WSCALE) != 0) {
            h.opts.has_wscale = 1;
            h.opts.wscale = TCP_WSCALE;
        }
        h.opts.sack_perm = (uint8_t)(syn_ack ? tcb->sack_ok : (offers & PP_TCP_OFFER_SACK) != 0);
        /* RFC 3168 6.1.1: an ECN-setup SYN carries ECE and CWR, the
         * SYN/ACK that agrees carries ECE alone. */
        if (syn_ack ? tcb->ecn_ok : tcb->ecn_req)
            h.flags |= (uint16_t)(syn_ack ? PP_TCP_ECE : PP_TCP_ECE | PP_TCP_CWR);
        h.opts.has_ts = (uint8_t)(syn_ack ? tcb->ts_ok : (offers & PP_TCP_OFFER_TIMESTAMPS) != 0);
    } else {
        h.opts.has_ts = tcb->ts_ok;
        /* SACK blocks for what we hold beyond a hole (RFC 2018 4), after
         * a D-SACK for a duplicate just received (RFC 2883 4: first, and
         * in this one ACK only). */
        if (tcb->sack_ok && (tcb->ooo || tcb->dsack_set) && !(flags & PP_TCP_RST)) {
            struct ooo_seg *o = tcb->ooo;
            unsigned max = tcb->ts_ok ? 3 : 4, k = 0;
            if (tcb->dsack_set) {
                h.opts.sack[k].left = tcb->dsack_left;
                h.opts.sack[k].right = tcb->dsack_right;
                k++;
                tcb->dsack_set = 0;
            }
            while (o && k < max) {
                uint32_t left = o->seq, right = o->seq + o->len;
                while (o->next && SEQ_LEQ(o->next->seq, right)) { /* merge neighbours */
                    o = o->next;
                    if (SEQ_GT(o->seq + o->len, right))
                        right = o->seq + o->len;
                }
                h.opts.sack[k].left = left;
                /* A FIN held beyond the hole is part of the block, as
                 * Linux's SACK of the segment it came with. */
                h.opts.sack[k].right = tcb->fin_ooo && right == tcb->fin_ooo_seq ? right + 1 : right;
                k++;
                o = o->next;
            }
            h.opts.sack_count = (uint8_t)k;
        }
    }
    /* A resend (not a probe) is part of the episode an undo may take back. */
    if (len && SEQ_LT(seq, tcb->snd_max) && !tcb->tlp_sending && !(flags & PP_TCP_SYN))
        pp__tcp_undo_note_rtx(st, tcb, (uint32_t)len);
    if (h.opts.has_ts) {
        h.opts.tsval = pp__tcp_ts_now(st);
        h.opts.tsecr = tcb->ts_recent;
    }
    /* ECN after the handshake: ECE on everything while a CE mark is owed,
     * CWR on the first new data after a reduction, and ECT(0) on new data
     * only - never on pure ACKs or retransmissions (RFC 3168 6.1.4-6.1.5). */
    if (tcb->ecn_ok && !(flags & (PP_TCP_SYN | PP_TCP_RST))) {
        if (tcb->ecn_echo)
            h.flags |= PP_TCP_ECE;
        if (len && SEQ_GEQ(seq, tcb->snd_max)) {
            tos = PP_IP_ECN_ECT0;
            if (tcb->ecn_cwr) {
                h.flags |= PP_TCP_CWR;
                tcb->ecn_cwr = 0;
            }
        }
    }
    tos |= (uint8_t)(tcb->opt.tos & ~3u);
    if (tcb->state >= PP_TCP_SYN_RECEIVED || (flags & PP_TCP_ACK)) {
        h.flags |= PP_TCP_ACK;
        h.ack = tcb->rcv_nxt;
        tcb->last_ack_sent = tcb->rcv_nxt;
    }
    /* The window field of a SYN is never scaled (RFC 7323 2.2). */
    if (flags & PP_TCP_SYN) {
        size_t space = pp_bufq_space(&tcb->rcvq);
        h.window = (uint16_t)(space > 0xffff ? 0xffff : space);
        if (tcb->state != PP_TCP_SYN_SENT) /* before the peer's SYN, RCV.NXT means nothing */
            tcb->rcv_adv = tcb->rcv_nxt + h.window;
    } else {
        h.window = pp__tcp_adv_window(tcb);
    }
    hl = pp_tcp_repr_len(&h);
    /* The MSS counts payload without options (RFC 6691): leave the SACK
     * blocks off a full data segment rather than exceed the path MTU. */
    if (len && hl - PP_TCP_HDR_LEN + len > tcb->mss) {
        h.opts.sack_count = 0;
        hl = pp_tcp_repr_len(&h);
    }
    p = pp_pbuf_alloc(hl + len);
    if (!p) { /* no memory for the packet: like a refusal, new data waits for a retry */
        if (fresh)
            tcb->link_stalled = 1;
        return -ENOBUFS;
    }
    if (len)
        pp_ring_peek(&tcb->sndq, off, p->data + hl, len);
    /* A link that keeps the packet in the process fills the checksum in
     * only where the packet is shown or altered: the payload is not read a
     * second time here (docs/architecture.md, "Checksum offload"). */
    if (pp__ip_csum_offload(st)) {
        pp_tcp_emit_offload(p->data, p->len, &h, len);
        p->csum_partial = 1;
        CNT(st, tcp, out_csum_offloaded);
    } else {
        pp_tcp_emit(p->data, p->len, &h, len, s->dmx.t.laddr, s->dmx.t.raddr);
    }
    CNT(st, tcp, out_segs);
    if (len > pp__tcp_seg_room(tcb))
        rc = pp__ip_output_tso(st, p, s->dmx.t.laddr, s->dmx.t.raddr, tos, (uint16_t)pp__tcp_seg_room(tcb));
    else
        rc = pp__ip_output(st, p, s->dmx.t.laddr, s->dmx.t.raddr, PP_IP_PROTO_TCP, tos, !tcb->opt.no_df);
    /* New data the link refused for want of room (its queue, a qdisc) was
     * never sent: it stays unsent, as Linux's tcp_write_xmit leaves an skb
     * whose transmit failed, and a resource probe tries again (rtx_timeout).
     * Anything else the link says is a loss on the wire, for recovery. */
    if (fresh && (rc == -ENOBUFS || rc == -EAGAIN)) {
        CNT(st, tcp, link_refused);
        tcb->link_stalled = 1;
        return rc;
    }
    if (h.flags & PP_TCP_ACK) { /* this segment carries the ACK we owed */
        tcb->ack_now = 0;
        tcb->unacked_segs = 0;
        tcb->delack_deadline = 0;
    }
    /* The user timeout's clock (rtx_since) starts at an episode's first
     * resend of data or FIN, or at the first SYN; a loss probe does not
     * start it. */
    if (!tcb->rtx_since && !tcb->tlp_sending &&
        ((flags & PP_TCP_SYN) || ((len || (flags & PP_TCP_FIN)) && SEQ_LT(seq, tcb->snd_max))))
        tcb->rtx_since = st->now_ms ? st->now_ms : 1;
    if (len) {
        /* Karn (RFC 6298 3): no RTT sample from data sent more than once -
         * a fast retransmission or a loss probe as much as an RTO. */
        if (SEQ_LT(seq, tcb->snd_max))
            tcb->rtt_start = 0;
        pp__tcp_tx_log(st, tcb, seq, (uint32_t)len);
        /* Whatever path sent them, these bytes have been sent: SND.MAX
         * must cover them or their acknowledgment would be ignored. */
        if (SEQ_GT(seq + (uint32_t)len, tcb->snd_max))
            tcb->snd_max = seq + (uint32_t)len;
    }
    if (fresh)
        tcb->link_stalled = 0;
    return 0;
}

void pp__tcp_send_ack(struct pp_stack *st, struct pp_tcb *tcb)
{
    pp__tcp_send_segment(st, tcb, tcb->snd_nxt, PP_TCP_ACK, 0, 0);
}

/* Sending again after a pause with nothing in flight.  RFC 5681 4.1, in
 * Linux's form: after more than an RTO the window no longer reflects the
 * path; halve it for every RTO that passed, but not below the initial
 * window. */
static void idle_restart(struct pp_stack *st, struct pp_tcb *tcb)
{
    uint32_t iw;
    uint64_t idle;

    if (!tcb->last_data_sent || tcb->snd_nxt != tcb->snd_una || tcb->snd_una != tcb->snd_max ||
        !tcb->sndq.len || tcb->in_recovery || st->now_ms <= tcb->last_data_sent)
        return;
    idle = st->now_ms - tcb->last_data_sent;
    /* CUBIC's clock stops while nothing is sent (as Linux shifts its epoch),
     * or the idle time would count as growth. */
    if (tcb->cubic.epoch) {
        tcb->cubic.epoch += idle;
        if (tcb->cubic.epoch > st->now_ms)
            tcb->cubic.epoch = st->now_ms;
    }
    if (!st->tcp_idle_restart || !tcb->rto || idle <= tcb->rto) {
        tcb->last_data_sent = st->now_ms;
        return;
    }
    iw = pp__tcp_initial_window(tcb);
    if (iw > tcb->cwnd)
        iw = tcb->cwnd;
    while (idle > tcb->rto && tcb->cwnd > iw) {
        tcb->cwnd >>= 1;
        idle -= tcb->rto;
    }
    if (tcb->cwnd < iw)
        tcb->cwnd = iw;
    tcb->last_data_sent = 0; /* once per idle spell */
}

uint32_t pp__tcp_burst_max(const struct pp_stack *st, const struct pp_tcb *tcb)
{
    uint32_t room = pp__tcp_seg_room(tcb), most = (65535 - PP_IPV4_HDR_LEN - 60) / room;

    if (!pp__ip_can_tso(st) || tcb->state < PP_TCP_ESTABLISHED || most < 2)
        return room;
    return most * room;
}

/* How much one segment may carry: one MSS, or on a link with segmentation
 * offload as many whole MSS as the congestion window has room for (at
 * least one, as without offload), up to an IP packet of 64 KiB - as Linux
 * sizes its TSO packets.  The peer's window is applied by the caller. */
static size_t tso_len(const struct pp_stack *st, const struct pp_tcb *tcb, uint32_t inflight,
                      size_t room)
{
    size_t segs, most = pp__tcp_burst_max(st, tcb) / room, split;

    if (most < 2)
        return room;
    segs = tcb->cwnd > inflight ? (tcb->cwnd - inflight) / room : 0;
    /* At most a fraction of the window per packet: with several packets
     * in flight a lost one shows in a later one's SACK (RACK, RFC 8985),
     * where a window sent as one or two offloaded packets and lost - with
     * its probe - leaves only the RTO, and a small window stays small
     * through the RTOs.  Half the window, or a third where losses come in
     * runs (1.5 packets or more per recovery on average): measured with
     * bench/loss.sh, thirds took the burst cell (runs of 4 packets lost)
     * from 0.23 to 0.12 s a download, while where losses are single they
     * cost a quarter of the speed (2%/2% and 5% cells: more, smaller
     * packets, each a chance of loss) and on a clean wire 7% of
     * bench_tcp's MTU 1500 throughput. */
    split = tcb->lost_per_episode8 >= 12 ? 3 : 2;
    if (segs > tcb->cwnd / room / split)
        segs = tcb->cwnd / room / split;
    if (segs < 1)
        segs = 1;
    return (segs < most ? segs : most) * room;
}

/* Where losses take whole flights - a run of lost packets, a path that
 * drops every packet of a short flight - a few large packets in flight are
 * lost together with their probe, where many small ones leave a SACK to
 * find the loss by: TSO deferral turns itself off when three in eight or more
 * of the loss episodes (running share, weight 1/8) began with a tail loss
 * probe, and on again below a sixteenth (bench/loss.sh's burst cell: 600+
 * probes a table and 2-7x slower downloads with deferral always on). */
void pp__tcp_defer_note(struct pp_tcb *tcb, int probed)
{
    unsigned v = tcb->probe_share64;

    v = probed ? v + (64 - v + 7) / 8 : v - (v + 7) / 8; /* rounded so both ends are reached */
    tcb->probe_share64 = (uint8_t)v;
    if (v >= 24)
        tcb->defer_off = 1;
    else if (v <= 4)
        tcb->defer_off = 0;
}

/* Linux's TSO deferral (tcp_tso_should_defer, tcp_output.c in 6.x): on a
 * link that segments for us, new data that only a sliver of the window
 * lets go waits for the next ACK to free more, so the stream keeps going
 * in large packets.  Without it, once a recovery has cut the stream into
 * small packets, each ACK frees one small packet's worth and one small
 * packet goes: the stream stays cut up, every packet costs the same, and
 * on a path that loses packets rather than bytes (a device drops a whole
 * offloaded packet) each is one more chance of loss - measured with
 * bench/loss.sh at 2% loss, 13,000 packets a 100 MB download against the
 * kernel's 3,700.  As Linux: never in recovery, only while the last send
 * was recent (1 ms: no burst is built from an idle spell), only when less
 * than a full offloaded packet and less than a third of the window is
 * free (tcp_tso_win_divisor), and not when the ACK that would free more is
 * due later than min(SRTT / 2, 1 ms).  Never for limited transmit, F-RTO's
 * new segments or a probe (pp__tcp_output_more).  avail: the new data
 * queued. */
static int tso_defer(const struct pp_stack *st, const struct pp_tcb *tcb, uint32_t inflight,
                     size_t avail, size_t room)
{
    uint32_t cwnd_free, wnd_free, limit, chunk;

    if (!pp__ip_can_tso(st) || tcb->in_recovery || tcb->in_loss || tcb->tlp_sending || tcb->send_now ||
        tcb->defer_off || inflight == 0 || avail <= room || tcb->fin_pending)
        return 0;
    if (!tcb->last_data_sent || st->now_ms > tcb->last_data_sent + 1)
        return 0;
    cwnd_free = tcb->cwnd > inflight ? tcb->cwnd - inflight : 0;
    wnd_free = tcb->snd_wnd > inflight ? tcb->snd_wnd - inflight : 0;
    /* Only the congestion window's sliver waits (Linux waits on the peer's
     * too): data the peer's window holds back sits in its receive buffer,
     * not on the path, and its window opens as its application reads -
     * waiting for a third of it idles a reader-paced stream (the virtual
     * wire's bulk at MTU 1500: 12-18 Gbit/s waiting, 20-40 not). */
    if (wnd_free <= cwnd_free)
        return 0;
    limit = cwnd_free;
    if (limit >= pp__tcp_burst_max(st, tcb))
        return 0;
    chunk = (tcb->snd_wnd < tcb->cwnd ? tcb->snd_wnd : tcb->cwnd) / 3;
    if (limit >= chunk)
        return 0;
    if (tcb->srtt >= 2 && tcb->tx_n) {
        /* When the ACK of the oldest outstanding segment is due. */
        uint64_t due = tcb->tx[0].xmit_us / 1000u + tcb->srtt;
        if (due > st->now_ms + 1) /* min(SRTT / 2, 1 ms), SRTT being 2 ms or more */
            return 0;
    }
    /* A record's end does not wait (MSG_EOR: nothing will join it). */
    return pp__tcp_eor_clip(tcb, tcb->snd_nxt, avail) == avail;
}

void pp__tcp_output(struct pp_stack *st, struct pp_tcb *tcb)
{
    PP_ASSERT_LOCKED(st);
    int sent = 0, run = 0, sent_new = 0, wnd_cut, was_idle;

    if (tcb->state == PP_TCP_SYN_SENT || tcb->state == PP_TCP_SYN_RECEIVED) {
        if (tcb->snd_nxt == tcb->iss) {
            pp__tcp_send_segment(st, tcb, tcb->iss,
                                 tcb->state == PP_TCP_SYN_SENT ? PP_TCP_SYN
                                                               : PP_TCP_SYN | PP_TCP_ACK,
                                 0, 0);
            tcb->snd_nxt = tcb->iss + 1;
            if (SEQ_GT(tcb->snd_nxt, tcb->snd_max))
                tcb->snd_max = tcb->snd_nxt;
            if (tcb->retries == 0) /* time the handshake; never a resent SYN (Karn) */
                tcb->rtt_start = st->now_ms ? st->now_ms : 1;
            pp__tcp_timer_arm(st, tcb);
        } else if (tcb->ack_now) {
            pp__tcp_send_ack(st, tcb);
        }
        return;
    }
    if (tcb->state < PP_TCP_ESTABLISHED)
        return;
    /* In SACK recovery what may go is judged by the pipe, not by SND.NXT -
     * SND.UNA, which counts SACKed bytes too (RFC 6675 5): data the
     * application writes after PRR's allowance found the queue empty goes
     * now, instead of waiting for an ACK that a lost resend never brings. */
    if (tcb->in_recovery && tcb->sack_ok && !tcb->tlp_sending && !tcb->fin_sent)
        pp__tcp_sack_recovery_resume(st, tcb);
    idle_restart(st, tcb);
    tcb->sws_held = 0;
    was_idle = tcb->snd_max == tcb->snd_una;
    if (tcb->snd_wnd > tcb->max_snd_wnd)
        tcb->max_snd_wnd = tcb->snd_wnd;
    for (;;) {
        uint32_t inflight;
        int fresh;
        /* After a timeout, skip what the peer already holds (SACKed). */
        if (tcb->sb_n && !tcb->fin_sent) {
            uint32_t skip = pp__tcp_sack_skip(tcb, tcb->snd_nxt);
            if (skip != tcb->snd_nxt && SEQ_LEQ(skip, tcb->snd_max))
                tcb->snd_nxt = skip;
        }
        inflight = tcb->snd_nxt - tcb->snd_una;
        uint32_t wnd = tcb->snd_wnd < tcb->cwnd ? tcb->snd_wnd : tcb->cwnd;
        size_t queued = tcb->sndq.len, off = inflight, len, room = pp__tcp_seg_room(tcb);
        uint16_t flags = PP_TCP_ACK;

        /* The FIN occupies one sequence number after the data. */
        if (tcb->fin_sent && off > 0)
            off--;
        len = queued > off ? queued - off : 0;
        if (len > room) {
            size_t most = tso_len(st, tcb, inflight, room);
            if (len > most)
                len = most;
        }
        len = pp__tcp_eor_clip(tcb, tcb->snd_nxt, len);
        /* The congestion window counts whole segments, as Linux's does:
         * while any of it is left a full segment may go, so a window that
         * is not a multiple of the MSS never cuts a runt segment from the
         * middle of the queue (sender SWS avoidance, RFC 9293 3.8.6.2.1).
         * The peer's window is a hard limit in bytes. */
        wnd_cut = 0;
        if (inflight >= tcb->cwnd || inflight >= tcb->snd_wnd) {
            len = 0;
        } else if (len > tcb->snd_wnd - inflight) {
            len = tcb->snd_wnd - inflight;
            wnd_cut = 1;
        }
        if (len == 0 && !(tcb->fin_pending && !tcb->fin_sent && off == queued &&
                          inflight <= wnd))
            break;
        /* Sender SWS avoidance (RFC 9293 3.8.6.2.1): new data goes in a
         * full segment, or all that is queued, or at least half the largest
         * window the peer ever offered; a smaller window waits for the
         * persist timer (rtx_timeout) or a window update. */
        if (wnd_cut && len < room && len < tcb->max_snd_wnd / 2 && SEQ_GEQ(tcb->snd_nxt, tcb->snd_max)) {
            tcb->sws_held = 1;
            break;
        }
        /* Nagle (RFC 9293 3.7.4) with Minshall's refinement, as Linux: the
         * tail of the queue, shorter than a segment, is held back only
         * while an earlier short segment is unacknowledged, so one write
         * of 4000 bytes leaves at once but a stream of small writes is
         * coalesced.  Only new data waits: a retransmission never does,
         * nor a tail loss probe (Linux sends it with TCP_NAGLE_OFF: the
         * held tail is the new data RFC 8985 7.3 prefers to resend). */
        if (len < room && len == queued - off && !tcb->opt.nodelay && !tcb->fin_pending &&
            !tcb->tlp_sending && SEQ_GEQ(tcb->snd_nxt, tcb->snd_max) && tcb->sml_valid &&
            SEQ_GT(tcb->snd_sml, tcb->snd_una))
            break;
        /* MSG_MORE: the tail of the queue waits for the rest of the write
         * unless it already fills a whole burst (a TSO packet at most). */
        if (tcb->more && len && off + len == queued && SEQ_GEQ(tcb->snd_nxt, tcb->snd_max) &&
            len < tso_len(st, tcb, 0, room) && !tcb->fin_pending)
            break;
        fresh = SEQ_GEQ(tcb->snd_nxt, tcb->snd_max);
        if (len && fresh && tso_defer(st, tcb, inflight, queued - off, room))
            break;
        if (off + len == queued && tcb->fin_pending && !tcb->fin_sent)
            flags |= PP_TCP_FIN;
        /* PSH as Linux 6.x sets it on new data: every segment of a burst
         * but the first, and any multi-segment (TSO) packet - so the last
         * segment of each burst carries it, and a lone segment in the middle
         * of the queue (limited transmit, PRR) does not.  Retransmissions
         * carry it only where the written data ends (send_segment). */
        if (len && fresh && (run || len > room))
            flags |= PP_TCP_PSH;
        if (pp__tcp_send_segment(st, tcb, tcb->snd_nxt, flags, off, len) < 0)
            break; /* the link refused it: unsent, a resource probe retries */
        if (len && fresh)
            run++;
        if ((len || (flags & PP_TCP_FIN)) && fresh)
            sent_new = 1;
        if (flags & PP_TCP_FIN) {
            tcb->fin_sent = 1;
            tcb->fin_seq = tcb->snd_nxt + (uint32_t)len;
            tcb->fin_alone = len == 0;
        }
        if (len)
            tcb->last_data_sent = st->now_ms ? st->now_ms : 1;
        if (!tcb->rtt_start && len) {
            tcb->rtt_start = st->now_ms ? st->now_ms : 1;
            tcb->rtt_seq = tcb->snd_nxt;
        }
        if (len && len < room) {
            tcb->snd_sml = tcb->snd_nxt + (uint32_t)len;
            tcb->sml_valid = 1;
        }
        tcb->snd_nxt += (uint32_t)len + !!(flags & PP_TCP_FIN);
        if (SEQ_GT(tcb->snd_nxt, tcb->snd_max))
            tcb->snd_max = tcb->snd_nxt;
        sent = 1;
        if (flags & PP_TCP_FIN) {
            if (tcb->state == PP_TCP_ESTABLISHED)
                pp__tcp_set_state(st, tcb, PP_TCP_FIN_WAIT_1);
            else if (tcb->state == PP_TCP_CLOSE_WAIT)
                pp__tcp_set_state(st, tcb, PP_TCP_LAST_ACK);
            break;
        }
    }
    if (!sent && tcb->ack_now)
        pp__tcp_send_ack(st, tcb);
    /* Data after nothing in flight: the RTO counts from now, not from a
     * persist timer left running while the window was shut (RFC 6298 5.1). */
    if (was_idle && sent_new && tcb->snd_max != tcb->snd_una)
        tcb->rtx_deadline = 0;
    if (sent_new) { /* data moves again: no probe run is under way */
        tcb->probe_since = 0;
        tcb->probes = 0;
    }
    /* Armed while anything sent is unacknowledged - SND.MAX, not SND.NXT:
     * a resend that found no memory after a timeout rewound SND.NXT still
     * needs the timer (Linux re-arms it whatever tcp_retransmit_skb says). */
    if (tcb->snd_max != tcb->snd_una ||
        (tcb->sndq.len && (tcb->snd_wnd == 0 || tcb->sws_held)) ||
        (tcb->link_stalled && pp__tcp_has_unsent(tcb)))
        pp__tcp_timer_arm(st, tcb);
    if (sent_new)
        pp__tcp_schedule_pto(st, tcb);
}

/* Sends the bare segment r (a RST) from src to dst. */
static void emit_rst(struct pp_stack *st, const struct pp_tcp_hdr *r, uint32_t src, uint32_t dst)
{
    struct pp_pbuf *out = pp_pbuf_alloc(PP_TCP_HDR_LEN);

    if (!out)
        return;
    pp_tcp_emit(out->data, out->len, r, 0, src, dst);
    CNT(st, tcp, out_rsts);
    pp__ip_output(st, out, src, dst, PP_IP_PROTO_TCP, 0, 1);
}

int pp__tcp_output_more(struct pp_stack *st, struct pp_tcb *tcb, uint32_t segs)
{
    uint32_t flight = tcb->snd_max - tcb->snd_una, cwnd = tcb->cwnd, before = tcb->snd_max;

    if (tcb->fin_sent || tcb->sndq.len <= flight || SEQ_GEQ(tcb->snd_max, tcb->snd_una + tcb->snd_wnd))
        return 0;
    tcb->cwnd = flight + segs * pp__tcp_seg_room(tcb);
    tcb->send_now = 1; /* limited transmit, F-RTO, a probe: these few go now */
    pp__tcp_output(st, tcb);
    tcb->send_now = 0;
    tcb->cwnd = cwnd;
    return tcb->snd_max != before;
}

void pp__tcp_send_rst(struct pp_stack *st, struct pp_tcb *tcb, uint32_t seq)
{
    struct pp_sock *s = tcb->sock;
    struct pp_tcp_hdr r;

    memset(&r, 0, sizeof r);
    r.sport = s->dmx.t.lport;
    r.dport = s->dmx.t.rport;
    r.seq = seq;
    r.flags = PP_TCP_RST;
    emit_rst(st, &r, s->dmx.t.laddr, s->dmx.t.raddr);
}

void pp__tcp_send_rst_for(struct pp_stack *st, const struct pp_ip_rx *ip,
                          const struct pp_tcp_hdr *t)
{
    struct pp_tcp_hdr r;

    /* Never answer a RST, nor a segment sent to a broadcast address. */
    if ((t->flags & PP_TCP_RST) || pp__ip_is_broadcast(st, ip->dst))
        return;
    memset(&r, 0, sizeof r);
    r.sport = t->dport;
    r.dport = t->sport;
    if (t->flags & PP_TCP_ACK) {
        r.seq = t->ack; /* <SEQ=SEG.ACK><CTL=RST> */
        r.flags = PP_TCP_RST;
    } else {
        /* <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>; SYN and FIN count. */
        r.ack = t->seq + (uint32_t)t->payload_len + !!(t->flags & PP_TCP_SYN) +
                !!(t->flags & PP_TCP_FIN);
        r.flags = PP_TCP_RST | PP_TCP_ACK;
    }
    emit_rst(st, &r, ip->dst, ip->src);
}
