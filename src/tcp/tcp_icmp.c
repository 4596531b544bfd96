/* tcp_icmp.c - ICMP errors about TCP segments.  An ICMP error can be forged
 * by anyone who can guess a connection's ports, so it is believed only if
 * the TCP header it quotes carries a sequence number we have sent and not
 * had acknowledged (RFC 5927 4.1).  Then "fragmentation needed" lowers the
 * segment size (path MTU discovery, RFC 1191), never below what a 552-byte
 * MTU allows (RFC 5927 7.2: a forged tiny MTU would cripple throughput),
 * and other errors are soft errors (RFC 1122 4.2.3.9): counted, the
 * connection carries on. */
#include "tcp_internal.h"

#include "stack/stack_internal.h"

#define PMTU_FLOOR 552

void pp__tcp_icmp_error(struct pp_stack *st, const struct pp_icmp_quote *q, uint8_t type,
                        uint8_t code, uint16_t mtu)
{
    struct pp_dmx_entry *e;
    struct pp_tcb *tcb;

    /* The segment went from us (q->ip.src) to the peer (q->ip.dst). */
    if (pp_demux_lookup_tcp(st->demux, q->ip.dst, q->dport, q->ip.src, q->sport, &e) !=
            PP_RULE_ESTABLISHED ||
        !(tcb = pp__tcp_of_entry(e))) {
        CNT(st, tcp, icmp_ignored);
        return;
    }
    if (SEQ_LT(q->tcp_seq, tcb->snd_una) || !SEQ_LT(q->tcp_seq, tcb->snd_max)) {
        CNT(st, tcp, icmp_ignored); /* not in flight: blind or stale */
        return;
    }
    if (type == PP_ICMP_UNREACH && code == PP_UNREACH_NEEDFRAG) {
        if (mtu < PMTU_FLOOR || mtu - 40 >= tcb->mss) {
            CNT(st, tcp, icmp_ignored);
            return;
        }
        tcb->mss = (uint16_t)(mtu - 40);
        CNT(st, tcp, pmtu_updates);
        /* Resend what is in flight at the new size (as an RTO would,
         * without the congestion response: nothing was congested). */
        pp__tcp_rewind(tcb, tcb->snd_una);
        pp__tcp_output(st, tcb);
        return;
    }
    CNT(st, tcp, icmp_soft_errors);
}
