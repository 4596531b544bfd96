/* tcp_sack.c - the SACK scoreboard (RFC 2018) and SACK-based loss recovery:
 * RFC 6675 decides *what* to send (NextSeg(): a hole deemed lost, then new
 * data, then a hole not yet deemed lost) and how much is in the network
 * (SetPipe()); RFC 6937's proportional rate reduction decides *how much*
 * each ACK may release, so the window comes down to ssthresh smoothly
 * instead of in one step, and a large loss is followed by a slow start back
 * to ssthresh rather than a burst.  The scoreboard is a short sorted array
 * of SACKed ranges above SND.UNA. */
#include "tcp_internal.h"

#include <string.h>

#include "stack/stack_internal.h"

#define DUPTHRESH 3

/* Merges the peer's SACK blocks into the scoreboard, drops what SND.UNA
 * has passed, keeps the ranges sorted and disjoint (RFC 6675 5). */
void pp__tcp_sack_update(struct pp_tcb *tcb, const struct pp_tcp_opts *o)
{
    unsigned k;
    int i, j;

    for (k = 0; k < o->sack_count; k++) {
        uint32_t l = o->sack[k].left, r = o->sack[k].right;
        /* Ignore blocks that are empty, old, or beyond what we sent (D-SACK
         * and forged blocks alike). */
        if (!SEQ_LT(l, r) || SEQ_LEQ(r, tcb->snd_una) || SEQ_GT(r, tcb->snd_max))
            continue;
        if (SEQ_LT(l, tcb->snd_una))
            l = tcb->snd_una;
        if (tcb->sb_n == (int)(sizeof tcb->sb / sizeof tcb->sb[0]))
            tcb->sb_n--; /* full: forget the highest range */
        tcb->sb[tcb->sb_n].left = l;
        tcb->sb[tcb->sb_n].right = r;
        tcb->sb_n++;
    }
    /* Sort by left edge (tiny array), then merge and prune. */
    for (i = 1; i < tcb->sb_n; i++)
        for (j = i; j > 0 && SEQ_LT(tcb->sb[j].left, tcb->sb[j - 1].left); j--) {
            uint32_t tl = tcb->sb[j].left, tr = tcb->sb[j].right;
            tcb->sb[j] = tcb->sb[j - 1];
            tcb->sb[j - 1].left = tl;
            tcb->sb[j - 1].right = tr;
        }
    for (i = 0, j = 0; i < tcb->sb_n; i++) {
        if (SEQ_LEQ(tcb->sb[i].right, tcb->snd_una))
            continue;
        if (SEQ_LT(tcb->sb[i].left, tcb->snd_una))
            tcb->sb[i].left = tcb->snd_una;
        if (j > 0 && SEQ_LEQ(tcb->sb[i].left, tcb->sb[j - 1].right)) {
            if (SEQ_GT(tcb->sb[i].right, tcb->sb[j - 1].right))
                tcb->sb[j - 1].right = tcb->sb[i].right;
            continue;
        }
        tcb->sb[j++] = tcb->sb[i];
    }
    tcb->sb_n = j;
}

uint32_t pp__tcp_sack_hole_end(const struct pp_tcb *tcb, uint32_t seq)
{
    int i;

    for (i = 0; i < tcb->sb_n; i++)
        if (SEQ_GT(tcb->sb[i].left, seq))
            return tcb->sb[i].left;
    return tcb->snd_max;
}

uint32_t pp__tcp_sack_skip(const struct pp_tcb *tcb, uint32_t seq)
{
    int i;

    for (i = 0; i < tcb->sb_n; i++)
        if (SEQ_LEQ(tcb->sb[i].left, seq) && SEQ_LT(seq, tcb->sb[i].right))
            return tcb->sb[i].right;
    return seq;
}

/* Whether seq lies in a SACKed range. */
static int is_sacked(const struct pp_tcb *tcb, uint32_t seq)
{
    return pp__tcp_sack_skip(tcb, seq) != seq;
}

/* The first SACKed byte above seq (or SND.MAX): where an unSACKed run ends. */
static uint32_t next_sacked(const struct pp_tcb *tcb, uint32_t seq)
{
    int i;
    for (i = 0; i < tcb->sb_n; i++)
        if (SEQ_GT(tcb->sb[i].left, seq))
            return tcb->sb[i].left;
    return tcb->snd_max;
}

/* RFC 6675 4, IsLost(): DupThresh discontiguous SACKed ranges above seq, or
 * more than (DupThresh - 1) * SMSS SACKed bytes above it. */
static int is_lost(const struct pp_tcb *tcb, uint32_t seq)
{
    uint32_t bytes = 0;
    int i, ranges = 0;
    if (pp__tcp_tx_lost(tcb, seq)) /* RACK said so (RFC 8985) */
        return 1;
    for (i = 0; i < tcb->sb_n; i++)
        if (SEQ_GT(tcb->sb[i].left, seq)) {
            ranges++;
            bytes += tcb->sb[i].right - tcb->sb[i].left;
        }
    return ranges >= DUPTHRESH || bytes > (uint32_t)(DUPTHRESH - 1) * tcb->mss;
}

int pp__tcp_sack_lost(const struct pp_tcb *tcb, uint32_t seq)
{
    return !is_sacked(tcb, seq) && is_lost(tcb, seq);
}

/* RFC 6675 4, SetPipe(), segment by segment (segments of what one carries
 * with our options, so holes are resent in the sizes they were sent in). */
uint32_t pp__tcp_sack_pipe(const struct pp_tcb *tcb)
{
    uint32_t seq = tcb->snd_una, pipe = 0, seg = pp__tcp_seg_room(tcb);
    while (SEQ_LT(seq, tcb->snd_max)) {
        uint32_t end, len;
        if (is_sacked(tcb, seq)) {
            seq = pp__tcp_sack_skip(tcb, seq);
            continue;
        }
        end = next_sacked(tcb, seq);
        len = end - seq < seg ? end - seq : seg;
        if (!is_lost(tcb, seq))
            pipe += len;
        if (SEQ_LT(seq, tcb->rtx_next))
            pipe += len; /* retransmitted: that copy is in flight too */
        seq += len;
    }
    return pipe;
}

/* RFC 6675 4, NextSeg() rules 1 and 3: the first unSACKed run at or above
 * HighRxt that is deemed lost (lost_only), or any below the highest SACKed
 * byte; *len gets its length (at most seg bytes), 0 when there is none. */
static uint32_t next_hole(const struct pp_tcb *tcb, int lost_only, uint32_t seg, uint32_t *len)
{
    uint32_t seq = SEQ_LT(tcb->rtx_next, tcb->snd_una) ? tcb->snd_una : tcb->rtx_next;
    uint32_t top = tcb->sb_n ? tcb->sb[tcb->sb_n - 1].right : tcb->snd_una;
    *len = 0;
    while (SEQ_LT(seq, top)) {
        uint32_t end;
        if (is_sacked(tcb, seq)) {
            seq = pp__tcp_sack_skip(tcb, seq);
            continue;
        }
        end = next_sacked(tcb, seq);
        if (!lost_only || is_lost(tcb, seq)) {
            *len = (uint32_t)pp__tcp_eor_clip(tcb, seq, end - seq < seg ? end - seq : seg);
            return seq;
        }
        seq = end;
    }
    return seq;
}

uint32_t pp__tcp_sacked_bytes(const struct pp_tcb *tcb)
{
    uint32_t n = 0;
    int i;
    for (i = 0; i < tcb->sb_n; i++)
        n += tcb->sb[i].right - tcb->sb[i].left;
    return n;
}

uint32_t pp__tcp_sacked_in(const struct pp_tcb *tcb, uint32_t left, uint32_t right)
{
    uint32_t n = 0;
    int i;
    for (i = 0; i < tcb->sb_n; i++) {
        uint32_t l = SEQ_GT(tcb->sb[i].left, left) ? tcb->sb[i].left : left;
        uint32_t r = SEQ_LT(tcb->sb[i].right, right) ? tcb->sb[i].right : right;
        if (SEQ_LT(l, r))
            n += r - l;
    }
    return n;
}

void pp__tcp_sack_recovery_start(struct pp_stack *st, struct pp_tcb *tcb)
{
    (void)st;
    tcb->prr_delivered = 0;
    tcb->prr_out = 0;
    tcb->recover_fs = tcb->snd_max - tcb->snd_una; /* RFC 6937: RecoverFS */
}

/* Sends while the window allows: the head first when recovery has just
 * begun, then RFC 6675's NextSeg() - a hole deemed lost, new data, a hole
 * not yet deemed lost. */
static void recovery_fill(struct pp_stack *st, struct pp_tcb *tcb, uint32_t pipe)
{
    uint32_t seg = pp__tcp_seg_room(tcb);
    int budget = 64; /* segments per ACK at most: no line-rate bursts */
    int new_segs = 0; /* new data sent on this ACK: PSH on all but the first, as output does */

    while (budget-- > 0 && tcb->cwnd > pipe) {
        uint32_t seq, len = 0, room, queued, half;
        /* What may go in one packet: the window left, in whole segments,
         * up to an offloaded burst where the link cuts them - so a lost
         * TSO burst is resent as one, not segment by segment (RFC 8985
         * leaves the sizing to the sender; Linux resends GSO-sized). */
        uint32_t most = pp__tcp_burst_max(st, tcb), allow = (tcb->cwnd - pipe) / seg * seg;
        if (allow < seg)
            allow = seg;
        if (allow > most)
            allow = most;
        /* A resend goes in two packets at least when the window allows:
         * if one is lost the other's SACK tells RACK so, where a lone
         * packet lost would leave nothing in flight but the RTO. */
        half = allow > seg ? (allow / seg + 1) / 2 * seg : seg;
        if (tcb->rtx_head) { /* recovery's first segment: the head */
            tcb->rtx_head = 0;
            seq = tcb->snd_una;
            len = next_sacked(tcb, seq) - seq;
            if (len > (uint32_t)tcb->sndq.len)
                len = (uint32_t)tcb->sndq.len;
            len = (uint32_t)pp__tcp_eor_clip(tcb, seq, len < half ? len : half);
        }
        if (!len)
            seq = next_hole(tcb, 1, half, &len); /* rule 1: a hole deemed lost */
        if (!len) { /* rule 2: new data, as far as the peer's window allows */
            queued = (uint32_t)tcb->sndq.len - (tcb->snd_max - tcb->snd_una);
            room = SEQ_LT(tcb->snd_max, tcb->snd_una + tcb->snd_wnd) ? tcb->snd_una + tcb->snd_wnd - tcb->snd_max : 0;
            len = queued < room ? queued : room;
            if (len > allow)
                len = allow;
            len = (uint32_t)pp__tcp_eor_clip(tcb, tcb->snd_max, len);
            if (len && !tcb->fin_sent && (uint32_t)tcb->sndq.len >= tcb->snd_max - tcb->snd_una) {
                seq = tcb->snd_max;
                pp__tcp_send_segment(st, tcb, seq, PP_TCP_ACK | (new_segs++ ? PP_TCP_PSH : 0),
                                     seq - tcb->snd_una, len);
                tcb->snd_nxt = tcb->snd_max;
                pipe += len;
                tcb->prr_out += len;
                continue;
            }
            /* Rule 3: a hole not (yet) deemed lost. */
            seq = next_hole(tcb, 0, seg, &len);
            if (!len)
                break;
        }
        pp__tcp_send_segment(st, tcb, seq, PP_TCP_ACK, seq - tcb->snd_una, len);
        CNT(st, tcp, sack_retransmits);
        if (SEQ_GT(seq + len, tcb->rtx_next))
            tcb->rtx_next = seq + len;
        pipe += len;
        tcb->prr_out += len;
    }
}

/* After sending in recovery: the recovery probe's timer, unless RACK's
 * own timer is pending (pp__tcp_schedule_pto). */
static void arm_probe(struct pp_stack *st, struct pp_tcb *tcb)
{
    if (!tcb->in_recovery || tcb->snd_max == tcb->snd_una)
        return;
    if (tcb->tlp_armed)
        pp__tcp_timer_restart(st, tcb);
    pp__tcp_schedule_pto(st, tcb);
}

/* One ACK in recovery: RFC 6937's sndcnt says how much may go. */
void pp__tcp_sack_recovery_send(struct pp_stack *st, struct pp_tcb *tcb, uint32_t delivered,
                                int una_advanced)
{
    uint32_t pipe = pp__tcp_sack_pipe(tcb), seg = pp__tcp_seg_room(tcb);
    int64_t sndcnt;

    tcb->prr_delivered += delivered;
    if (pipe > tcb->ssthresh) {
        /* Proportional: ceil(prr_delivered * ssthresh / RecoverFS) - prr_out. */
        uint64_t fs = tcb->recover_fs ? tcb->recover_fs : 1;
        sndcnt = (int64_t)(((uint64_t)tcb->prr_delivered * tcb->ssthresh + fs - 1) / fs) - tcb->prr_out;
    } else {
        /* Slow start back to ssthresh (PRR-SSRB), with the extra segment
         * only on an ACK that moved SND.UNA, as Linux and RFC 6937bis
         * have it: SACKs alone release what they delivered. */
        int64_t limit = (int64_t)tcb->prr_delivered - tcb->prr_out;
        if (limit < (int64_t)delivered)
            limit = delivered;
        if (una_advanced)
            limit += seg;
        sndcnt = (int64_t)tcb->ssthresh - pipe;
        if (sndcnt > limit)
            sndcnt = limit;
    }
    if (sndcnt < 0)
        sndcnt = 0;
    if (tcb->prr_out == 0 && sndcnt < seg)
        sndcnt = seg; /* the fast retransmission itself always goes */
    tcb->cwnd = pipe + (uint32_t)sndcnt; /* what the loop below may fill */
    /* News from the peer ends a recovery probe's episode: the next quiet
     * spell may have its own (pp__tcp_schedule_pto). */
    if (delivered || una_advanced)
        tcb->tlp_out = 0;
    recovery_fill(st, tcb, pipe);
    arm_probe(st, tcb);
}

void pp__tcp_sack_recovery_resume(struct pp_stack *st, struct pp_tcb *tcb)
{
    recovery_fill(st, tcb, pp__tcp_sack_pipe(tcb));
    arm_probe(st, tcb);
}

void pp__tcp_sack_recovery_enter(struct pp_stack *st, struct pp_tcb *tcb, uint32_t delivered)
{
    pp__tcp_undo_begin(st, tcb);
    tcb->ssthresh = tcb->cc->ssthresh(tcb, st->now_ms);
    tcb->in_recovery = 1;
    tcb->recover = tcb->snd_max;
    if (tcb->tlp_armed) /* no probe in recovery: the timer is the RTO again */
        pp__tcp_timer_restart(st, tcb);
    CNT(st, tcp, fast_retransmits);
    pp__tcp_sack_recovery_start(st, tcb);
    tcb->rtx_next = tcb->snd_una;
    tcb->rtx_head = 1;
    pp__tcp_sack_recovery_send(st, tcb, delivered, 0);
}
