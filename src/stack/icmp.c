/* icmp.c - the stack's ICMP: echo replies, errors we send (rate limited by a
 * token bucket, RFC 1812 4.3.2.8; never about errors, broadcasts or later
 * fragments, RFC 1122 3.2.2), and errors we receive, handed to the socket
 * that sent the offending datagram. */
#include <errno.h>
#include <string.h>

#include "stack_internal.h"
#include "portplex/wire/bytes.h"
#include "portplex/wire/checksum.h"
#include "portplex/wire/wire_err.h"

/* Linux marks ICMP errors and echo replies CS6 (DSCP 48). */
#define ICMP_TOS 0xc0

static void echo_reply(struct pp_stack *st, struct pp_pbuf *p, const struct pp_ipv4_hdr *ip)
{
    uint16_t old = pp_get16(p->data);

    /* Turn the request around in place: type 8 -> 0, checksum patched per
     * RFC 1624 rather than recomputed over the whole payload. */
    p->data[0] = PP_ICMP_ECHO_REPLY;
    pp_put16(p->data + 2, pp_csum_update16(pp_get16(p->data + 2), old, pp_get16(p->data)));
    CNT(st, icmp, out_echo_reps);
    CNT(st, icmp, out_msgs);
    pp__ip_output(st, p, st->addr, ip->src, PP_IP_PROTO_ICMP, ip->tos, 0);
}

int pp__icmp_unreach_errno(uint8_t code)
{
    switch (code) {
    case PP_UNREACH_NET: case PP_UNREACH_NET_UNKNOWN: case PP_UNREACH_TOS_NET:
        return ENETUNREACH;
    case PP_UNREACH_PROTO:
        return ENOPROTOOPT;
    case PP_UNREACH_PORT:
        return ECONNREFUSED;
    case PP_UNREACH_NEEDFRAG:
        return EMSGSIZE;
    case PP_UNREACH_NET_PROHIB: case PP_UNREACH_HOST_PROHIB: case PP_UNREACH_FILTER_PROHIB:
        return EACCES;
    default:
        return EHOSTUNREACH;
    }
}

void pp__icmp_input(struct pp_stack *st, struct pp_pbuf *p, const struct pp_ipv4_hdr *ip)
{
    struct pp_icmp_hdr h;
    struct pp_icmp_quote q;
    int rc;

    CNT(st, icmp, in_msgs);
    rc = pp_icmp_parse(p->data, p->len, &h, 0);
    if (rc < 0) {
        CNT(st, icmp, in_errors);
        count_err(st, PP_ERRL_ICMP, rc);
        goto drop;
    }
    switch (h.type) {
    case PP_ICMP_ECHO:
        CNT(st, icmp, in_echos);
        if (pp__ip_is_broadcast(st, ip->dst)) /* as Linux: ignore broadcast pings */
            goto drop;
        echo_reply(st, p, ip); /* consumes p */
        return;
    case PP_ICMP_ECHO_REPLY:
        CNT(st, icmp, in_echo_reps);
        goto drop;
    case PP_ICMP_UNREACH:
    case PP_ICMP_TIME_EXCEEDED:
        if (h.type == PP_ICMP_UNREACH)
            CNT(st, icmp, in_dest_unreachs);
        else
            CNT(st, icmp, in_time_excds);
        rc = pp_icmp_quote_parse(&h, &q);
        if (rc < 0 || q.ip.src != st->addr || !q.has_ports) {
            if (rc < 0)
                count_err(st, PP_ERRL_ICMP, rc);
            goto drop;
        }
        if (st->proto_slot[q.ip.proto])
            st->protos[st->proto_slot[q.ip.proto] - 1]->icmp_error(st, &q, h.type, h.code, h.mtu);
        goto drop;
    default:
        goto drop;
    }
drop:
    pp_pbuf_free(p);
}

/* Token bucket: icmp_rate tokens a second, at most icmp_burst saved up. */
static int rate_ok(struct pp_stack *st)
{
    uint64_t elapsed = st->now_ms - st->icmp_last_ms;
    uint64_t cap = (uint64_t)st->icmp_burst * 1000;

    st->icmp_last_ms = st->now_ms;
    st->icmp_tokens += elapsed * st->icmp_rate; /* thousandths of a token per ms */
    if (st->icmp_tokens > cap)
        st->icmp_tokens = cap;
    if (st->icmp_tokens < 1000)
        return 0;
    st->icmp_tokens -= 1000;
    return 1;
}

void pp__icmp_send_error(struct pp_stack *st, uint8_t type, uint8_t code, uint16_t mtu,
                         const struct pp_ipv4_hdr *orig, const uint8_t *pkt, size_t len)
{
    struct pp_icmp_hdr h;
    struct pp_pbuf *p;
    size_t qlen;
    uint32_t s = orig->src;

    /* RFC 1122 3.2.2: no error about an ICMP error, a datagram sent to a
     * broadcast address, a non-initial fragment, or from a source that does
     * not name one host. */
    if (orig->proto == PP_IP_PROTO_ICMP && orig->payload_len >= 1 && orig->payload &&
        pp_icmp_is_error(orig->payload[0]))
        return;
    if (pp__ip_is_broadcast(st, orig->dst) || orig->frag_off != 0)
        return;
    if (s == 0 || s == 0xffffffffu || (s >> 28) == 0xe || (s >> 24) == 127 ||
        (st->prefix_len < 31 && s == (st->addr | ~st->mask)))
        return;
    if (!rate_ok(st)) {
        CNT(st, icmp, out_rate_limited);
        return;
    }
    qlen = pp_icmp_quote_len(orig);
    if (qlen > len)
        qlen = len;
    p = pp_pbuf_alloc(PP_ICMP_HDR_LEN + qlen);
    if (!p)
        return;
    memcpy(p->data + PP_ICMP_HDR_LEN, pkt, qlen);
    memset(&h, 0, sizeof h);
    h.type = type;
    h.code = code;
    h.mtu = mtu;
    pp_icmp_emit(p->data, p->len, &h, qlen);
    CNT(st, icmp, out_msgs);
    if (type == PP_ICMP_UNREACH)
        CNT(st, icmp, out_dest_unreachs);
    else if (type == PP_ICMP_TIME_EXCEEDED)
        CNT(st, icmp, out_time_excds);
    pp__ip_output(st, p, st->addr, s, PP_IP_PROTO_ICMP, ICMP_TOS, 0);
}
