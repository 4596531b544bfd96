/* tcp_undo.c - undoing a window reduction that a spurious retransmission
 * caused.  When fast recovery or an RTO begins, the window and ssthresh
 * are kept; the episode is undone, as Linux's tcp_undo_cwnd_reduction
 * does, when the peer shows that what was resent had not been lost:
 *  - by timestamps (RFC 3522, Eifel detection): an ACK that advances
 *    SND.UNA echoing a TSval older than the episode's first retransmission
 *    was sent for an original transmission - the ACKs were late, not the
 *    data (the response of RFC 4015: after an RTO, go on with new data
 *    instead of sending again what the peer holds);
 *  - by D-SACK (RFC 2883, RFC 3708 4): every segment resent in the episode
 *    reported back as a duplicate;
 *  - after a timeout, by F-RTO (RFC 5682; the SACK-enhanced algorithm of
 *    its section 3 as Linux's tcp_process_loss runs it, for connections
 *    without timestamps above all): once the timeout's resend is
 *    acknowledged, two new segments go instead of more resends, and an ACK
 *    or SACK for data that was never resent shows that the originals got
 *    through.
 * Without this a reordering or ACK-delaying path costs the window at every
 * false alarm (issue "TCP loss recovery at Linux's pace", item 2). */
#include "tcp_internal.h"

void pp__tcp_undo_begin(struct pp_stack *st, struct pp_tcb *tcb)
{
    (void)st;
    /* An RTO inside fast recovery keeps the recovery's marker: undoing it
     * must restore what was there before either (Linux's tcp_enter_loss). */
    if (tcb->undo_on && (tcb->in_recovery || tcb->in_loss))
        return;
    tcb->undo_on = 1;
    tcb->undo_cwnd = tcb->cwnd;
    /* Linux's tcp_current_ssthresh: in the open state the window may be
     * above ssthresh, and three quarters of it is what undo may restore. */
    tcb->undo_ssthresh = tcb->ssthresh;
    if (!tcb->in_recovery && tcb->cwnd / 4 * 3 > tcb->undo_ssthresh)
        tcb->undo_ssthresh = tcb->cwnd / 4 * 3;
    tcb->undo_marker = tcb->snd_una;
    tcb->undo_retrans = 0;
    tcb->undo_ts_set = 0;
}

void pp__tcp_undo_cancel(struct pp_tcb *tcb)
{
    tcb->undo_on = 0;
}

void pp__tcp_undo_note_rtx(struct pp_stack *st, struct pp_tcb *tcb, uint32_t len)
{
    uint32_t room = pp__tcp_seg_room(tcb);

    if (!tcb->undo_on || !len)
        return;
    if (!tcb->undo_ts_set) {
        tcb->undo_tsval = pp__tcp_ts_now(st);
        tcb->undo_ts_set = 1;
    }
    tcb->undo_retrans += room ? (len + room - 1) / room : 1;
}

static void undo(struct pp_stack *st, struct pp_tcb *tcb)
{
    if (tcb->undo_cwnd > tcb->cwnd)
        tcb->cwnd = tcb->undo_cwnd;
    if (tcb->undo_ssthresh > tcb->ssthresh)
        tcb->ssthresh = tcb->undo_ssthresh;
    if (tcb->in_loss) {
        /* RFC 4015 3.2: resume with new data, not with go-back-N over what
         * the peer holds; anything really missing RACK or the RTO finds. */
        tcb->in_loss = 0;
        pp__tcp_resume_at_max(tcb);
    }
    tcb->in_recovery = 0;
    tcb->frto = 0;
    tcb->dupacks = 0;
    tcb->undo_on = 0;
    tcb->episode_lost = 0; /* nothing was lost after all */
    pp__tcp_rack_reset(tcb);
    CNT(st, tcp, undos);
}

int pp__tcp_undo_on_ack(struct pp_stack *st, struct pp_tcb *tcb, const struct pp_tcp_hdr *t)
{
    /* RFC 3522 2: the echo of a TSval sent before the first retransmission
     * means an original arrived.  Our clock ticks in milliseconds, so a
     * resend in the tick of its original is never judged this way (the
     * D-SACK below may still tell). */
    if (!tcb->undo_on || !tcb->undo_ts_set || !tcb->ts_ok || !t->opts.has_ts || !t->opts.tsecr ||
        (int32_t)(t->opts.tsecr - tcb->undo_tsval) >= 0 || !(tcb->in_loss || tcb->in_recovery))
        return 0;
    undo(st, tcb);
    return 1;
}

int pp__tcp_undo_dsack(struct pp_stack *st, struct pp_tcb *tcb, const struct pp_tcp_opts *o,
                       uint32_t ack)
{
    uint32_t l, r, room = pp__tcp_seg_room(tcb);

    if (!o->sack_count)
        return 0;
    /* RFC 2883 4: the first block is a D-SACK when it lies below the
     * cumulative ACK or inside the second block. */
    l = o->sack[0].left;
    r = o->sack[0].right;
    if (!SEQ_LT(l, r))
        return 0;
    if (!(SEQ_LEQ(r, ack) ||
          (o->sack_count > 1 && SEQ_GEQ(l, o->sack[1].left) && SEQ_LEQ(r, o->sack[1].right))))
        return 0;
    CNT(st, tcp, dsacks_received);
    pp__tcp_rack_dsack(tcb);
    /* Only duplicates of what this episode could have resent count (as
     * Linux's tcp_check_dsack: at or above the episode's SND.UNA). */
    if (!tcb->undo_on || !tcb->undo_ts_set || SEQ_LT(l, tcb->undo_marker) ||
        SEQ_GT(r, tcb->snd_max))
        return 0;
    {
        uint32_t segs = room ? (r - l + room - 1) / room : 1;
        tcb->undo_retrans = segs >= tcb->undo_retrans ? 0 : tcb->undo_retrans - segs;
    }
    if (tcb->undo_retrans)
        return 0;
    undo(st, tcb);
    return 1;
}

void pp__tcp_frto_begin(struct pp_stack *st, struct pp_tcb *tcb, int was_recovery)
{
    /* RFC 5682 3.1 step 1, as Linux's tcp_enter_loss: not when the timeout
     * interrupts a fast recovery (its losses are known real), except when
     * timeouts recur on the same SND.UNA. */
    tcb->frto = st->tcp_frto && (!was_recovery || tcb->retries > 1) ? 1 : 0;
}

uint32_t pp__tcp_frto_end(const struct pp_tcb *tcb)
{
    /* State 1: go-back-N has resent [SND.UNA, SND.NXT) since the timeout. */
    return tcb->frto == 2 ? tcb->frto_rtx_end : tcb->snd_nxt;
}

int pp__tcp_frto_on_ack(struct pp_stack *st, struct pp_tcb *tcb, uint32_t ack, int advanced, int dup,
                        uint32_t newly_sacked, uint32_t orig_sacked, uint32_t end)
{
    uint32_t back;

    if (!tcb->frto)
        return 0;
    if (!tcb->in_loss) { /* everything outstanding at the timeout is in */
        tcb->frto = 0;
        return 0;
    }
    /* Step 3.b (and 2.a's first case): data never resent was acknowledged
     * or SACKed, so the originals arrived and the timeout was spurious. */
    if (orig_sacked || (advanced && SEQ_GT(ack, end))) {
        if (!tcb->undo_on) {
            tcb->frto = 0;
            return 0;
        }
        undo(st, tcb);
        return 1;
    }
    if (tcb->frto == 2) {
        /* Step 3.a: a duplicate ACK or a SACK of the new data - the
         * segments really were lost: resend them (go-back-N resumes). */
        if (dup || newly_sacked) {
            tcb->frto = 0;
            pp__tcp_rewind(tcb, SEQ_GT(tcb->frto_rtx_end, tcb->snd_una) ? tcb->frto_rtx_end
                                                                          : tcb->snd_una);
        }
        return 0;
    }
    if (!advanced)
        return 0;
    /* Step 2.b: the resend alone was acknowledged: up to two new segments
     * instead of resending more; if none can go, the conventional way. */
    back = tcb->snd_nxt;
    pp__tcp_resume_at_max(tcb);
    if (pp__tcp_output_more(st, tcb, 2)) {
        tcb->frto = 2;
        tcb->frto_rtx_end = back;
    } else {
        pp__tcp_rewind(tcb, back);
        tcb->frto = 0;
    }
    return 0;
}
