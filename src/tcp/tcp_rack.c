/* tcp_rack.c - RACK, time-based loss detection (RFC 8985 6) for SACK
 * connections: every transmission of a range is logged with its time; an
 * ACK or SACK that delivers a segment tells the newest delivered transmit
 * time, and anything sent before it that is still outstanding a
 * reordering window (min RTT / 4) later is lost - first transmissions and
 * retransmissions alike, which is how a lost retransmission is found
 * without waiting for the RTO.  The log is an array of ranges in sequence
 * order from SND.UNA; RFC 6675's rules in tcp_sack.c still run beside it. */
#include <stdlib.h>
#include <string.h>

#include "tcp_internal.h"

#define TX_MAX (1u << 16)         /* ranges logged at most; past that RACK rests */
#define RACK_TIMER_SLACK_MS 2     /* as Linux's TCP_TIMEOUT_MIN_US on the REO timer */
#define RACK_TICK_MS 4            /* Linux rounds that timer up to its tick: 250 Hz, Debian's HZ */

/* The finest time the stack's clock tells, in microseconds: 1, or a whole
 * millisecond when the driver polls in milliseconds (pp_stack_poll). */
static uint32_t tick_us(const struct pp_stack *st)
{
    return st->clock_fine ? 1u : 1000u;
}

void pp__tcp_tx_free(struct pp_tcb *tcb)
{
    free(tcb->tx);
    tcb->tx = NULL;
    tcb->tx_n = tcb->tx_cap = 0;
}

static int tx_reserve(struct pp_tcb *tcb, uint32_t n)
{
    struct pp_txseg *t;
    uint32_t cap;

    if (n <= tcb->tx_cap)
        return 0;
    if (n > TX_MAX)
        return -1;
    cap = tcb->tx_cap ? tcb->tx_cap * 2 : 16;
    while (cap < n)
        cap *= 2;
    t = pp__fault_alloc() ? NULL : realloc(tcb->tx, cap * sizeof *t);
    if (!t)
        return -1;
    tcb->tx = t;
    tcb->tx_cap = cap;
    return 0;
}

/* Splits the range holding seq so that one starts there; index of it, or
 * tx_n when no logged range holds seq. */
static uint32_t tx_split(struct pp_tcb *tcb, uint32_t seq)
{
    uint32_t i;

    for (i = 0; i < tcb->tx_n; i++) {
        struct pp_txseg *r = &tcb->tx[i];
        if (r->seq == seq)
            return i;
        if (SEQ_LT(r->seq, seq) && SEQ_LT(seq, r->end)) {
            if (tx_reserve(tcb, tcb->tx_n + 1) < 0)
                return tcb->tx_n;
            r = &tcb->tx[i];
            memmove(r + 1, r, (tcb->tx_n - i) * sizeof *r);
            tcb->tx_n++;
            r[0].end = seq;
            r[1].seq = seq;
            return i + 1;
        }
        if (SEQ_GT(r->seq, seq))
            break;
    }
    return tcb->tx_n;
}

void pp__tcp_tx_log(struct pp_stack *st, struct pp_tcb *tcb, uint32_t seq, uint32_t len)
{
    uint32_t end = seq + len, i;

    if (!tcb->sack_ok || !len || tcb->tx_off)
        return;
    if (!tcb->tx_n || SEQ_GEQ(seq, tcb->tx[tcb->tx_n - 1].end)) { /* new data */
        if (tx_reserve(tcb, tcb->tx_n + 1) < 0) {
            tcb->tx_off = 1; /* out of room: RACK rests until the log drains */
            return;
        }
        tcb->tx[tcb->tx_n++] = (struct pp_txseg){seq, end, st->now_us, ++tcb->tx_count, 0};
        return;
    }
    /* A retransmission: the ranges it covers get the new time. */
    i = tx_split(tcb, seq);
    tx_split(tcb, end);
    tcb->tx_count++;
    for (; i < tcb->tx_n && SEQ_LT(tcb->tx[i].seq, end); i++) {
        tcb->tx[i].xmit_us = st->now_us;
        tcb->tx[i].xmit_no = tcb->tx_count;
        tcb->tx[i].flags = (uint8_t)((tcb->tx[i].flags | PP_TX_RTX) & ~PP_TX_LOST);
    }
    if (SEQ_GT(end, tcb->tx[tcb->tx_n - 1].end)) /* it also carried new bytes */
        pp__tcp_tx_log(st, tcb, tcb->tx[tcb->tx_n - 1].end, end - tcb->tx[tcb->tx_n - 1].end);
}

int pp__tcp_tx_lost(const struct pp_tcb *tcb, uint32_t seq)
{
    uint32_t i;
    for (i = 0; i < tcb->tx_n; i++) {
        const struct pp_txseg *r = &tcb->tx[i];
        if (SEQ_GT(r->seq, seq))
            break;
        if (SEQ_LT(seq, r->end))
            return (r->flags & PP_TX_LOST) != 0;
    }
    return 0;
}

/* RFC 8985 6.2 step 2: a delivered range updates RACK's newest delivered
 * transmission, unless it was retransmitted and its RTT is too short to
 * tell which copy arrived; step 3: delivered below the highest delivered
 * byte (and never retransmitted) means reordering. */
static void delivered(struct pp_stack *st, struct pp_tcb *tcb, const struct pp_txseg *r)
{
    uint64_t rtt64 = st->now_us - r->xmit_us;
    uint32_t rtt = rtt64 > UINT32_MAX ? UINT32_MAX : (uint32_t)rtt64;

    if (tcb->rack_fack_set && !(r->flags & PP_TX_RTX) && SEQ_LT(r->end, tcb->rack_fack))
        tcb->rack_reord = 1;
    /* Linux keeps a segment that an ACK ended inside (off an MSS boundary)
     * whole, starting below the old SND.UNA; when the rest is acknowledged
     * it counts "a hole filled below the highest delivered byte" as
     * reordering and widens RACK's window from then on.  Measured on 6.18
     * (ss shows reord_seen:1 right after such an ACK); done alike so a
     * retransmission waits as long as Linux's would. */
    if ((r->flags & (PP_TX_PARTIAL | PP_TX_RTX | PP_TX_SACKED)) == PP_TX_PARTIAL)
        tcb->rack_reord = 1;
    if (!tcb->rack_fack_set || SEQ_GT(r->end, tcb->rack_fack))
        tcb->rack_fack = r->end;
    tcb->rack_fack_set = 1;
    /* RFC 8985 6.2 step 2: a retransmission delivered sooner than the
     * least RTT seen was most likely the original's delivery. */
    /* With a millisecond clock a retransmission SACKed within the tick it
     * left tells nothing either way: taken as delivered there, else RACK
     * would never learn of a resend's delivery on a sub-ms path. */
    if ((r->flags & PP_TX_RTX) && rtt < tcb->rack_min_us && tcb->rack_min_us > tick_us(st))
        return;
    /* The least RTT, from transmissions sent once (Karn), in microseconds:
     * the reordering window is a quarter of it, and on a sub-millisecond
     * path the millisecond samples of RFC 6298 would make that a whole
     * millisecond - a loss found ten round trips late on a TUN device
     * (bench/loss.sh: 0.1-0.3 ms round trips). */
    if (!(r->flags & PP_TX_RTX) && (!tcb->rack_min_us || rtt < tcb->rack_min_us))
        tcb->rack_min_us = rtt ? rtt : 1;
    tcb->rack_rtt_us = rtt;
    /* Transmission order by the connection's count: the clock's
     * millisecond cannot order a retransmission after its original. */
    if (!tcb->rack_xmit_no || (int32_t)(r->xmit_no - tcb->rack_xmit_no) > 0 ||
        (r->xmit_no == tcb->rack_xmit_no && SEQ_GT(r->end, tcb->rack_end))) {
        tcb->rack_xmit_no = r->xmit_no;
        tcb->rack_end = r->end;
    }
}

void pp__tcp_rack_ack(struct pp_stack *st, struct pp_tcb *tcb, uint32_t ack)
{
    uint32_t i, k;
    int b;

    if (!tcb->tx_n)
        return;
    if (SEQ_GT(ack, tcb->tx[0].seq)) {
        i = tx_split(tcb, ack);
        if (i < tcb->tx_n && i > 0 && tcb->tx[i].seq == ack && SEQ_LT(tcb->tx[i - 1].seq, ack) &&
            tcb->tx[i - 1].xmit_no == tcb->tx[i].xmit_no && tcb->mss &&
            (ack - tcb->tx[i - 1].seq) % pp__tcp_seg_room(tcb) != 0)
            tcb->tx[i].flags |= PP_TX_PARTIAL;
    }
    /* SACKed ranges: a transmission counts as delivered when a block
     * covers all of it.  Ranges are not cut at block edges: a block that
     * covers part of a segment (a byte, say) proves nothing about the rest,
     * as Linux only takes SACKs in whole segments. */
    for (i = 0, b = 0; i < tcb->tx_n; i++) {
        struct pp_txseg *r = &tcb->tx[i];
        if (SEQ_LEQ(r->end, ack)) {
            if (!(r->flags & PP_TX_SACKED))
                delivered(st, tcb, r);
            continue;
        }
        while (b < tcb->sb_n && SEQ_LEQ(tcb->sb[b].right, r->seq))
            b++;
        if (b < tcb->sb_n && SEQ_LEQ(tcb->sb[b].left, r->seq) && SEQ_LEQ(r->end, tcb->sb[b].right) &&
            !(r->flags & PP_TX_SACKED)) {
            r->flags = (uint8_t)((r->flags | PP_TX_SACKED) & ~PP_TX_LOST);
            delivered(st, tcb, r);
        }
    }
    /* Forget what SND.UNA passes. */
    for (k = 0; k < tcb->tx_n && SEQ_LEQ(tcb->tx[k].end, ack); k++)
        ;
    if (k) {
        memmove(tcb->tx, tcb->tx + k, (tcb->tx_n - k) * sizeof *tcb->tx);
        tcb->tx_n -= k;
    }
    if (!tcb->tx_n)
        tcb->tx_off = 0; /* drained: logging may start again */
}

/* RFC 8985 6.2 step 4: the reordering window in microseconds, in Linux's
 * form - none while no reordering was seen and recovery is on or
 * DupThresh segments are SACKed (then RACK acts as fast as the
 * three-duplicate rule); else min RTT / 4, never above SRTT. */
static uint32_t reo_wnd(const struct pp_stack *st, const struct pp_tcb *tcb)
{
    uint32_t w, min_us = tcb->rack_min_us ? tcb->rack_min_us : tcb->min_rtt * 1000u;

    if (!tcb->rack_reord) {
        uint32_t sacked = 0, i;
        if (tcb->in_recovery)
            return 0;
        for (i = 0; i < tcb->tx_n && sacked < 3; i++)
            sacked += (tcb->tx[i].flags & PP_TX_SACKED) != 0;
        if (sacked >= 3)
            return 0;
    }
    w = min_us / 4 * (tcb->rack_reo_mult ? tcb->rack_reo_mult : 1u);
    if (tcb->srtt && w > tcb->srtt * 1000u)
        w = tcb->srtt * 1000u;
    /* Not below the clock's tick: a segment sent in the same millisecond
     * as a SACKed one would be lost at once on any sub-ms path. */
    return w < tick_us(st) ? tick_us(st) : w;
}

int pp__tcp_rack_detect(struct pp_stack *st, struct pp_tcb *tcb)
{
    uint32_t i, wnd = reo_wnd(st, tcb);
    int64_t timeout = 0;
    int lost = 0;

    tcb->rack_deadline = 0;
    if (!tcb->rack_xmit_no)
        return 0;
    for (i = 0; i < tcb->tx_n; i++) {
        struct pp_txseg *r = &tcb->tx[i];
        int64_t remaining;
        if (r->flags & (PP_TX_SACKED | PP_TX_LOST))
            continue;
        if (!((int32_t)(r->xmit_no - tcb->rack_xmit_no) < 0 ||
              (r->xmit_no == tcb->rack_xmit_no && SEQ_LT(r->end, tcb->rack_end))))
            continue; /* sent after the newest delivered one: no news yet */
        remaining = (int64_t)r->xmit_us + tcb->rack_rtt_us + wnd - (int64_t)st->now_us;
        if (remaining <= 0) {
            r->flags |= PP_TX_LOST;
            lost++;
            if (tcb->episode_lost < 0xffff)
                tcb->episode_lost++;
            /* A lost retransmission is resent: recovery must look below
             * where it last resent (RFC 8985 6.2, "RACK ... detects lost
             * retransmissions"). */
            if (SEQ_LT(r->seq, tcb->rtx_next))
                tcb->rtx_next = r->seq;
        } else if (remaining > timeout) {
            timeout = remaining;
        }
    }
    if (timeout) {
        /* Linux: usecs_to_jiffies(remaining + TCP_TIMEOUT_MIN_US). */
        uint64_t wait = ((uint64_t)timeout + RACK_TIMER_SLACK_MS * 1000u + 999u) / 1000u;
        wait = (wait + RACK_TICK_MS - 1) / RACK_TICK_MS * RACK_TICK_MS;
        tcb->rack_deadline = st->now_ms + wait;
        pp__stack_timer_set(st, tcb->rack_deadline);
    }
    if (lost)
        CNT(st, tcp, rack_lost);
    return lost;
}

int pp__tcp_rack_resend_lost(struct pp_stack *st, struct pp_tcb *tcb)
{
    uint32_t i, n = 0;

    /* After an RTO, go-back-N resends from SND.NXT forwards; a resend
     * behind it that RACK finds lost again (later ones were SACKed) goes
     * once more now, as Linux's retransmit queue resends what is marked
     * lost in its Loss state, instead of waiting for another RTO. */
    for (i = 0; i < tcb->tx_n && n < 64; i++) {
        struct pp_txseg r = tcb->tx[i];
        if (!(r.flags & PP_TX_LOST) || (r.flags & PP_TX_SACKED) || SEQ_GEQ(r.seq, tcb->snd_nxt))
            continue;
        if (SEQ_GT(r.end, tcb->snd_nxt))
            r.end = tcb->snd_nxt;
        if (pp__tcp_send_segment(st, tcb, r.seq, PP_TCP_ACK, r.seq - tcb->snd_una, r.end - r.seq) < 0)
            break;
        CNT(st, tcp, sack_retransmits);
        n++;
    }
    return (int)n;
}

void pp__tcp_rack_dsack(struct pp_tcb *tcb)
{
    /* A resend proved needless: the path reorders (or delays) more than
     * the window allowed for.  Once per round trip, as the RFC says, so a
     * burst of D-SACKs for one flight counts once. */
    tcb->rack_reord = 1;
    if (tcb->rack_reo_mult && SEQ_LT(tcb->snd_una, tcb->rack_dsack_end))
        return;
    if (tcb->rack_reo_mult < 255)
        tcb->rack_reo_mult = (uint8_t)(tcb->rack_reo_mult ? tcb->rack_reo_mult + 1 : 2);
    tcb->rack_reo_persist = 16;
    tcb->rack_dsack_end = tcb->snd_max;
}

void pp__tcp_rack_recovery_done(struct pp_tcb *tcb)
{
    unsigned lost = tcb->episode_lost ? tcb->episode_lost : 1, avg = tcb->lost_per_episode8;

    if (tcb->rack_reo_persist && !--tcb->rack_reo_persist)
        tcb->rack_reo_mult = 1;
    /* Mean packets lost per recovery, in eighths, weight 1/4 (one packet
     * at first): 1 where losses are single, 4 where they come in runs. */
    if (!avg)
        avg = 8;
    if (lost > 15)
        lost = 15;
    tcb->lost_per_episode8 = (uint8_t)(avg + ((int)(lost * 8) - (int)avg) / 4);
    tcb->episode_lost = 0;
    pp__tcp_defer_note(tcb, 0);
}

void pp__tcp_rack_reset(struct pp_tcb *tcb)
{
    uint32_t i;
    for (i = 0; i < tcb->tx_n; i++)
        tcb->tx[i].flags &= (uint8_t)~PP_TX_LOST;
    tcb->rack_deadline = 0;
}
