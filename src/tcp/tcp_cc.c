/* tcp_cc.c - NewReno and CUBIC window growth and reduction. */
#include <math.h>

#include "tcp_internal.h"

static uint32_t max_u32(uint32_t a, uint32_t b) { return a > b ? a : b; }

/* Slow start: the window grows by every byte acknowledged, up to ssthresh
 * (appropriate byte counting, RFC 3465, without its per-ACK limit, as Linux
 * counts: a delayed or stretch ACK covering several segments then grows the
 * window as the per-segment ACKs of RFC 5681 3.1 would have).  Returns what
 * was acknowledged beyond ssthresh. */
static uint32_t slow_start(struct pp_tcb *tcb, uint32_t acked)
{
    uint32_t room = tcb->ssthresh - tcb->cwnd, inc = acked < room ? acked : room;
    tcb->cwnd += inc;
    return acked - inc;
}

/* RFC 5681 3.1: slow start below ssthresh, then about one MSS per RTT. */
static void reno_ack(struct pp_tcb *tcb, uint32_t acked, uint64_t now)
{
    (void)now;
    if (tcb->cwnd < tcb->ssthresh)
        slow_start(tcb, acked);
    else
        tcb->cwnd += (uint32_t)((uint64_t)tcb->mss * tcb->mss / tcb->cwnd) + 1;
}

/* RFC 5681 eq. 4: half the flight, at least two segments. */
static uint32_t reno_ssthresh(struct pp_tcb *tcb, uint64_t now)
{
    (void)now;
    return max_u32((tcb->snd_nxt - tcb->snd_una) / 2, 2u * tcb->mss);
}

/* RFC 9438: C = 0.4, beta_cubic = 0.7. */
#define CUBIC_C 0.4
#define CUBIC_BETA 0.7

static void cubic_ack(struct pp_tcb *tcb, uint32_t acked, uint64_t now)
{
    struct pp_cubic *c = &tcb->cubic;
    double mss = tcb->mss, cwnd = tcb->cwnd / mss, t, target, w_cubic;

    if (tcb->cwnd < tcb->ssthresh && !(acked = slow_start(tcb, acked)))
        return;
    if (!c->epoch) {
        /* A new epoch (RFC 9438 4.2): K from the distance to W_max. */
        c->epoch = now ? now : 1;
        if (c->w_max < cwnd)
            c->w_max = cwnd;
        c->k = cbrt(c->w_max * (1 - CUBIC_BETA) / CUBIC_C);
        c->w_est = cwnd;
    }
    t = (double)(now - c->epoch) / 1000.0 + (tcb->srtt ? tcb->srtt : 100) / 1000.0;
    w_cubic = CUBIC_C * (t - c->k) * (t - c->k) * (t - c->k) + c->w_max;
    /* Reno-friendly region (RFC 9438 4.3): alpha = 3(1-beta)/(1+beta). */
    c->w_est += 3 * (1 - CUBIC_BETA) / (1 + CUBIC_BETA) * ((double)acked / mss) / cwnd;
    target = w_cubic > c->w_est ? w_cubic : c->w_est;
    if (target > 1.5 * cwnd)
        target = 1.5 * cwnd; /* RFC 9438 4.4: at most 1.5x per RTT */
    if (target > cwnd)
        tcb->cwnd += (uint32_t)((target - cwnd) / cwnd * mss * ((double)acked / mss)) + 1;
    else
        tcb->cwnd += (uint32_t)(mss / (100 * cwnd)) + 1; /* creep: 1/100 MSS per RTT-ish */
}

static uint32_t cubic_ssthresh(struct pp_tcb *tcb, uint64_t now)
{
    struct pp_cubic *c = &tcb->cubic;
    double cwnd = (double)tcb->cwnd / tcb->mss;

    (void)now;
    /* Fast convergence (RFC 9438 4.7): give way when the loss came early. */
    c->w_max = cwnd < c->w_max ? cwnd * (1 + CUBIC_BETA) / 2 : cwnd;
    c->epoch = 0;
    return max_u32((uint32_t)(tcb->cwnd * CUBIC_BETA), 2u * tcb->mss);
}

static const struct pp_cc_ops newreno = {"newreno", reno_ack, reno_ssthresh};
static const struct pp_cc_ops cubic = {"cubic", cubic_ack, cubic_ssthresh};

const struct pp_cc_ops *pp_tcp_cc(int algo)
{
    return algo == PP_CC_NEWRENO ? &newreno : &cubic;
}
