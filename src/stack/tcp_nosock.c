/* tcp_nosock.c - TCP segments that find no socket.  Until TCP lands (issue
 * "TCP") that is every segment: answer with RST as RFC 9293 3.10.7.1 says, so
 * closed ports look closed to a scanner. */
#include <string.h>

#include "stack_internal.h"
#include "wire/tcp.h"
#include "wire/wire_err.h"

void pp__tcp_input(struct pp_stack *st, struct pp_pbuf *p, const struct pp_ipv4_hdr *ip)
{
    struct pp_tcp_hdr t, r;
    struct pp_dmx_entry *e;
    struct pp_pbuf *out;
    int rc;

    CNT(st, tcp, in_segs);
    rc = pp_tcp_parse(p->data, p->len, ip->src, ip->dst, &t, 0);
    if (rc < 0) {
        CNT(st, tcp, in_errs);
        count_err(st, PP_ERRL_TCP, rc);
        goto drop;
    }
    pp_demux_lookup_tcp(st->demux, ip->src, t.sport, ip->dst, t.dport, &e);
    CNT(st, tcp, no_ports);
    /* Never answer a RST, nor a segment sent to a broadcast address. */
    if ((t.flags & PP_TCP_RST) || pp__ip_is_broadcast(st, ip->dst))
        goto drop;
    memset(&r, 0, sizeof r);
    r.sport = t.dport;
    r.dport = t.sport;
    if (t.flags & PP_TCP_ACK) {
        /* <SEQ=SEG.ACK><CTL=RST> */
        r.seq = t.ack;
        r.flags = PP_TCP_RST;
    } else {
        /* <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>; SYN and FIN count. */
        r.ack = t.seq + (uint32_t)t.payload_len + !!(t.flags & PP_TCP_SYN) +
                !!(t.flags & PP_TCP_FIN);
        r.flags = PP_TCP_RST | PP_TCP_ACK;
    }
    out = pp_pbuf_alloc(PP_TCP_HDR_LEN);
    if (!out)
        goto drop;
    pp_tcp_emit(out->data, out->len, &r, 0, ip->dst, ip->src);
    CNT(st, tcp, out_rsts);
    pp__ip_output(st, out, ip->dst, ip->src, PP_IP_PROTO_TCP, 0, 1);
drop:
    pp_pbuf_free(p);
}
