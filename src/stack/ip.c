/* ip.c - IPv4 ingress (validate, local delivery, reassembly, dispatch by
 * protocol) and egress (header, identification, fragmentation). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stack_internal.h"
#include "portplex/wire/bytes.h"
#include "portplex/wire/wire_err.h"

#define DEFAULT_TTL 64

int pp__ip_is_broadcast(const struct pp_stack *st, uint32_t dst)
{
    return dst == 0xffffffffu || (st->prefix_len < 31 && dst == (st->addr | ~st->mask));
}

int pp__ip_is_local(const struct pp_stack *st, uint32_t dst)
{
    return dst == st->addr || pp__ip_is_broadcast(st, dst);
}

/* The protocols' view of an IPv4 datagram (struct pp_ip_rx). */
static void ip_rx_of(const struct pp_ipv4_hdr *h, struct pp_ip_rx *rx)
{
    memset(rx, 0, sizeof *rx);
    rx->version = PP_IP_V4;
    rx->tos = h->tos;
    rx->ttl = h->ttl;
    rx->hdr_len = h->hdr_len;
    rx->src = h->src;
    rx->dst = h->dst;
    rx->v4 = h;
}

void pp__ip_input(struct pp_stack *st, struct pp_pbuf *p)
{
    PP_ASSERT_LOCKED(st);
    struct pp_ipv4_hdr h;
    struct pp_ip_rx rx;
    int rc;

    CNT(st, ip, in_receives);
    rc = pp_ipv4_parse(p->data, p->len, &h, 0);
    if (rc == -PP_WERR_VERSION && p->len && p->data[0] >> 4 == 6) {
        CNT(st, ip, in_not_ipv4);
        goto drop;
    }
    if (rc < 0) {
        CNT(st, ip, in_hdr_errors);
        count_err(st, PP_ERRL_IP, rc);
        goto drop;
    }
    if (!pp__ip_is_local(st, h.dst)) {
        CNT(st, ip, in_addr_errors); /* a host does not forward */
        goto drop;
    }
    /* Martian sources: never answer them (RFC 1122 3.2.1.3, 3.2.2). */
    if (h.src == 0xffffffffu || (h.src >> 24) == 127 || h.src == st->addr) {
        CNT(st, ip, in_addr_errors);
        goto drop;
    }
    pp_pbuf_trim(p, h.total_len); /* link padding is not ours */
    if (pp_ipv4_is_fragment(&h)) {
        CNT(st, ip, reasm_reqds);
        p = pp__ip_reass(st, p, &h); /* consumes the fragment */
        if (!p)
            return;
        rc = pp_ipv4_parse(p->data, p->len, &h, PP_WIRE_NO_CSUM);
        if (rc < 0) { /* cannot happen: reassembly wrote a valid header */
            CNT(st, ip, reasm_fails);
            goto drop;
        }
    }
    switch (h.proto) {
    case PP_IP_PROTO_ICMP:
        CNT(st, ip, in_delivers);
        pp_pbuf_pull(p, h.hdr_len);
        pp__icmp_input(st, p, &h);
        return;
    default:
        if (st->proto_slot[h.proto]) {
            CNT(st, ip, in_delivers);
            pp_pbuf_pull(p, h.hdr_len);
            ip_rx_of(&h, &rx);
            st->protos[st->proto_slot[h.proto] - 1]->input(st, p, &rx);
            return;
        }
        CNT(st, ip, in_unknown_protos);
        if (!pp__ip_is_broadcast(st, h.dst))
            pp__icmp_send_error(st, PP_ICMP_UNREACH, PP_UNREACH_PROTO, 0, &h, p->data, p->len);
        goto drop;
    }
drop:
    pp_pbuf_free(p);
}

/* Sends one packet whose header is already at pkt; seg_payload > 0 asks the
 * link to cut it into segments of that many payload bytes (send_tso). */
static int link_send(struct pp_stack *st, const uint8_t *pkt, size_t len, uint16_t seg_payload)
{
    PP_ASSERT_LOCKED(st);
    int rc;

    if (!st->link) {
        CNT(st, ip, out_no_routes);
        return -ENETUNREACH;
    }
    rc = seg_payload ? st->link->ops->send_tso(st->link, pkt, len, seg_payload)
                     : st->link->ops->send(st->link, pkt, len);
    if (rc < 0) {
        CNT(st, ip, out_discards);
        return rc;
    }
    CNT(st, ip, out_requests);
    return 0;
}

/* Sends p's packet and consumes p: the buffer itself to a link that takes
 * buffers, a copy to any other (with the checksum filled in first, since
 * only the library's own links accept it left out). */
static int link_send_pbuf(struct pp_stack *st, struct pp_pbuf *p, uint16_t seg_payload)
{
    PP_ASSERT_LOCKED(st);
    int rc;

    if (!st->link || !st->link->ops->send_pbuf) {
        pp_pbuf_csum_fill(p);
        rc = link_send(st, p->data, p->len, seg_payload);
        pp_pbuf_free(p);
        return rc;
    }
    rc = st->link->ops->send_pbuf(st->link, p, seg_payload);
    if (rc < 0) {
        CNT(st, ip, out_discards);
        return rc;
    }
    CNT(st, ip, out_requests);
    return 0;
}

int pp__ip_link_send(struct pp_stack *st, const uint8_t *pkt, size_t len)
{
    return link_send(st, pkt, len, 0);
}

/* pp__ip_output, and with seg_payload > 0 a TCP packet larger than the MTU
 * goes whole to a link with segmentation offload instead of in fragments. */
static int ip_output(struct pp_stack *st, struct pp_pbuf *p, uint32_t src, uint32_t dst,
                     uint8_t proto, uint8_t tos, int df, uint16_t seg_payload)
{
    struct pp_ipv4_hdr h;
    size_t payload = p->len, mtu = st->mtu ? st->mtu : 1500;
    int rc = 0;

    memset(&h, 0, sizeof h);
    h.tos = tos;
    h.id = st->ip_id++;
    h.df = (uint8_t)df;
    h.ttl = DEFAULT_TTL;
    h.proto = proto;
    h.src = src;
    h.dst = dst;
    if (payload + PP_IPV4_HDR_LEN > 65535) {
        pp_pbuf_free(p);
        return -EMSGSIZE;
    }
    if (payload + PP_IPV4_HDR_LEN <= mtu || (seg_payload && pp__ip_can_tso(st))) {
        h.total_len = (uint16_t)(payload + PP_IPV4_HDR_LEN);
        pp_ipv4_emit(pp_pbuf_push(p, PP_IPV4_HDR_LEN), PP_IPV4_HDR_LEN, &h, 0);
        return link_send_pbuf(st, p, payload + PP_IPV4_HDR_LEN > mtu ? seg_payload : 0);
    }
    if (df) {
        CNT(st, ip, frag_fails);
        pp_pbuf_free(p);
        return -EMSGSIZE;
    }
    /* RFC 791 3.2: every fragment but the last carries a multiple of 8
     * payload bytes; each gets its own copy of the header.  The transport
     * checksum covers the whole datagram: it is filled in before the cut. */
    if (p->csum_partial) {
        pp_l4_csum_fill(p->data, p->len, src, dst, proto);
        p->csum_partial = 0;
    }
    {
        size_t chunk = (mtu - PP_IPV4_HDR_LEN) & ~(size_t)7, off;
        uint8_t *frag = pp__fault_alloc() ? NULL : malloc(mtu);
        if (!frag) {
            CNT(st, ip, out_discards);
            pp_pbuf_free(p);
            return -ENOBUFS;
        }
        for (off = 0; off < payload && rc == 0; off += chunk) {
            size_t n = payload - off < chunk ? payload - off : chunk;
            h.frag_off = (uint16_t)off;
            h.mf = off + n < payload;
            h.total_len = (uint16_t)(PP_IPV4_HDR_LEN + n);
            pp_ipv4_emit(frag, PP_IPV4_HDR_LEN, &h, 0);
            memcpy(frag + PP_IPV4_HDR_LEN, p->data + off, n);
            rc = link_send(st, frag, PP_IPV4_HDR_LEN + n, 0);
            CNT(st, ip, frag_creates);
        }
        CNT(st, ip, frag_oks);
        free(frag);
    }
    pp_pbuf_free(p);
    return rc;
}

int pp__ip_output(struct pp_stack *st, struct pp_pbuf *p, uint32_t src, uint32_t dst,
                  uint8_t proto, uint8_t tos, int df)
{
    return ip_output(st, p, src, dst, proto, tos, df, 0);
}

int pp__ip_output_tso(struct pp_stack *st, struct pp_pbuf *p, uint32_t src, uint32_t dst,
                      uint8_t tos, uint16_t seg_payload)
{
    return ip_output(st, p, src, dst, PP_IP_PROTO_TCP, tos, 1, seg_payload);
}

int pp__ip_add_proto(struct pp_stack *st, const struct pp_ip_proto *proto)
{
    if (st->nprotos == (int)(sizeof st->protos / sizeof st->protos[0]) || st->proto_slot[proto->num] ||
        proto->num == PP_IP_PROTO_ICMP)
        return -ENOSPC;
    st->protos[st->nprotos++] = proto;
    st->proto_slot[proto->num] = (uint8_t)st->nprotos;
    return 0;
}
