/* tcp_cc.h - congestion control behind a small interface: NewReno (RFC 5681,
 * RFC 6582) and CUBIC (RFC 9438), chosen per socket; CUBIC is the default,
 * as on Linux.  Loss detection and recovery stay in tcp_input.c; the module
 * only decides cwnd and ssthresh. */
#ifndef PP_TCP_CC_H
#define PP_TCP_CC_H

#include <stdint.h>

struct pp_tcb;

enum pp_cc_algo { PP_CC_NEWRENO = 0, PP_CC_CUBIC = 1 };

struct pp_cc_ops {
    const char *name;
    /* New data acknowledged (not in recovery): grow cwnd. */
    void (*on_ack)(struct pp_tcb *tcb, uint32_t acked, uint64_t now_ms);
    /* Loss seen by three duplicate ACKs or a timeout: the new ssthresh. */
    uint32_t (*ssthresh)(struct pp_tcb *tcb, uint64_t now_ms);
};

const struct pp_cc_ops *pp_tcp_cc(int algo);

/* CUBIC's per-connection state. */
struct pp_cubic {
    double w_max;      /* segments, before the last reduction */
    double k;          /* seconds to climb back to w_max */
    uint64_t epoch;    /* ms when this congestion avoidance epoch began, 0 = none */
    double w_est;      /* the Reno-friendly estimate, segments */
};

#endif
