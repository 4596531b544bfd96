/* tcp_syncookie.c - SYN cookies (RFC 4987 3.6): when a listener's queue is
 * full, the SYN/ACK's initial sequence number carries everything needed to
 * rebuild the connection from the client's ACK, so a SYN flood cannot
 * exhaust memory or starve legitimate clients.  Layout of the 32-bit ISN:
 *   bits 31-29  index of the MSS in mss_table
 *   bits 28-24  minute counter (mod 32)
 *   bits 23-0   SipHash-2-4 of the 4-tuple, the peer's ISN and the counter
 * A cookie is good for the current and the previous minute.  Window scale,
 * SACK and timestamps are not encoded: such connections run without them. */
#include <string.h>

#include "tcp_internal.h"

static const uint16_t mss_table[8] = {536, 1200, 1360, 1440, 1460, 4312, 8960, 65495};

static uint32_t cookie_hash(struct pp_stack *st, const struct pp_ip_rx *ip,
                            const struct pp_tcp_hdr *t, uint32_t peer_isn, uint32_t minute)
{
    uint8_t buf[20];

    memcpy(buf, &ip->src, 4);
    memcpy(buf + 4, &ip->dst, 4);
    memcpy(buf + 8, &t->sport, 2);
    memcpy(buf + 10, &t->dport, 2);
    memcpy(buf + 12, &peer_isn, 4);
    memcpy(buf + 16, &minute, 4);
    return (uint32_t)pp_siphash(&st->isn_key, buf, sizeof buf, 2, 4) & 0xffffff;
}

static uint32_t minute_now(struct pp_stack *st)
{
    return (uint32_t)(st->now_ms / 60000);
}

void pp__tcp_syncookie_reply(struct pp_stack *st, const struct pp_ip_rx *ip,
                             const struct pp_tcp_hdr *t)
{
    struct pp_tcp_hdr r;
    struct pp_pbuf *out;
    uint32_t m = minute_now(st), idx = 0, k;
    uint16_t peer_mss = t->opts.has_mss ? t->opts.mss : 536;

    for (k = 0; k < 8; k++) /* the largest entry the peer and our MTU allow */
        if (mss_table[k] <= peer_mss && mss_table[k] <= st->mtu - 40)
            idx = k;
    memset(&r, 0, sizeof r);
    r.sport = t->dport;
    r.dport = t->sport;
    r.seq = idx << 29 | (m & 31) << 24 | cookie_hash(st, ip, t, t->seq, m);
    r.ack = t->seq + 1;
    r.flags = PP_TCP_SYN | PP_TCP_ACK;
    r.window = 65535;
    r.opts.has_mss = 1;
    r.opts.mss = (uint16_t)(st->mtu - 40);
    out = pp_pbuf_alloc(pp_tcp_repr_len(&r));
    if (!out)
        return;
    pp_tcp_emit(out->data, out->len, &r, 0, ip->dst, ip->src);
    CNT(st, tcp, syncookies_sent);
    pp__ip_output(st, out, ip->dst, ip->src, PP_IP_PROTO_TCP, 0, 1);
}

uint16_t pp__tcp_syncookie_check(struct pp_stack *st, const struct pp_ip_rx *ip,
                                 const struct pp_tcp_hdr *t)
{
    uint32_t cookie = t->ack - 1, peer_isn = t->seq - 1, m = minute_now(st), age;

    for (age = 0; age < 2; age++) {
        uint32_t when = m - age;
        if (((cookie >> 24) & 31) == (when & 31) &&
            (cookie & 0xffffff) == cookie_hash(st, ip, t, peer_isn, when))
            return mss_table[cookie >> 29];
    }
    return 0;
}
