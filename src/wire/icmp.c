/* icmp.c - ICMPv4 parse and emit. */
#include "portplex/wire/icmp.h"

#include "portplex/wire/bytes.h"
#include "portplex/wire/checksum.h"
#include "portplex/wire/wire_err.h"

int pp_icmp_is_error(uint8_t type)
{
    return type == PP_ICMP_UNREACH || type == PP_ICMP_SOURCE_QUENCH ||
           type == PP_ICMP_REDIRECT || type == PP_ICMP_TIME_EXCEEDED ||
           type == PP_ICMP_PARAM_PROBLEM;
}

static int has_id_seq(uint8_t type)
{
    return type == PP_ICMP_ECHO || type == PP_ICMP_ECHO_REPLY || type == PP_ICMP_TIMESTAMP ||
           type == PP_ICMP_TIMESTAMP_REPLY || (type >= 15 && type <= 18);
}

int pp_icmp_parse(const uint8_t *buf, size_t len, struct pp_icmp_hdr *h, unsigned flags)
{
    if (len < PP_ICMP_HDR_LEN)
        return -PP_WERR_TRUNCATED;
    if (PP_WIRE_VERIFY_CSUM(flags) && pp_csum(buf, len) != 0)
        return -PP_WERR_CSUM;
    h->type = buf[0];
    h->code = buf[1];
    h->csum = pp_get16(buf + 2);
    h->rest = pp_get32(buf + 4);
    h->id = h->seq = h->mtu = 0;
    h->pointer = 0;
    h->gateway = 0;
    if (has_id_seq(h->type)) {
        h->id = (uint16_t)(h->rest >> 16);
        h->seq = (uint16_t)h->rest;
    } else if (h->type == PP_ICMP_UNREACH && h->code == PP_UNREACH_NEEDFRAG) {
        h->mtu = (uint16_t)h->rest;
    } else if (h->type == PP_ICMP_PARAM_PROBLEM) {
        h->pointer = (uint8_t)(h->rest >> 24);
    } else if (h->type == PP_ICMP_REDIRECT) {
        h->gateway = h->rest;
    }
    h->data = buf + PP_ICMP_HDR_LEN;
    h->data_len = len - PP_ICMP_HDR_LEN;
    /* An error must quote at least a minimal IPv4 header (RFC 792). */
    if (pp_icmp_is_error(h->type) && h->data_len < PP_IPV4_HDR_LEN)
        return -PP_WERR_ICMPTYPE;
    if ((h->type == PP_ICMP_TIMESTAMP || h->type == PP_ICMP_TIMESTAMP_REPLY) && h->data_len < 12)
        return -PP_WERR_ICMPTYPE;
    return PP_ICMP_HDR_LEN;
}

int pp_icmp_quote_parse(const struct pp_icmp_hdr *h, struct pp_icmp_quote *q)
{
    const uint8_t *p = h->data;
    size_t len = h->data_len;
    size_t avail;

    if (!pp_icmp_is_error(h->type))
        return -PP_WERR_ICMPTYPE;
    if (len < PP_IPV4_HDR_LEN)
        return -PP_WERR_TRUNCATED;
    if (p[0] >> 4 != 4)
        return -PP_WERR_VERSION;
    q->ip.hdr_len = (uint8_t)((p[0] & 0x0f) * 4);
    if (q->ip.hdr_len < PP_IPV4_HDR_LEN || q->ip.hdr_len > len)
        return -PP_WERR_IHL;
    q->ip.tos = p[1];
    q->ip.total_len = pp_get16(p + 2);
    q->ip.id = pp_get16(p + 4);
    q->ip.df = (p[6] >> 6) & 1;
    q->ip.mf = (p[6] >> 5) & 1;
    q->ip.frag_off = (uint16_t)((pp_get16(p + 6) & 0x1fff) * 8);
    q->ip.ttl = p[8];
    q->ip.proto = p[9];
    q->ip.csum = pp_get16(p + 10);
    q->ip.src = pp_get32(p + 12);
    q->ip.dst = pp_get32(p + 16);
    q->ip.opts = q->ip.hdr_len > PP_IPV4_HDR_LEN ? p + PP_IPV4_HDR_LEN : NULL;
    q->ip.payload = p + q->ip.hdr_len;
    avail = len - q->ip.hdr_len;
    q->ip.payload_len = (uint16_t)(avail > 0xffff ? 0xffff : avail);

    q->has_ports = 0;
    q->sport = q->dport = q->udp_len = 0;
    q->tcp_seq = q->icmp_rest = 0;
    /* Ports exist only in a first fragment with 8 bytes quoted. */
    if (avail >= 8 && q->ip.frag_off == 0) {
        const uint8_t *l4 = q->ip.payload;
        if (q->ip.proto == PP_IP_PROTO_TCP || q->ip.proto == PP_IP_PROTO_UDP) {
            q->has_ports = 1;
            q->sport = pp_get16(l4);
            q->dport = pp_get16(l4 + 2);
            if (q->ip.proto == PP_IP_PROTO_TCP)
                q->tcp_seq = pp_get32(l4 + 4);
            else
                q->udp_len = pp_get16(l4 + 4);
        } else if (q->ip.proto == PP_IP_PROTO_ICMP) {
            q->icmp_rest = pp_get32(l4 + 4);
        }
    }
    return 0;
}

int pp_icmp_emit(uint8_t *buf, size_t cap, const struct pp_icmp_hdr *h, size_t data_len)
{
    uint32_t rest = h->rest;

    if (cap < PP_ICMP_HDR_LEN || cap - PP_ICMP_HDR_LEN < data_len)
        return -PP_WERR_NOSPACE;
    if (has_id_seq(h->type))
        rest = (uint32_t)h->id << 16 | h->seq;
    else if (h->type == PP_ICMP_UNREACH)
        rest = h->code == PP_UNREACH_NEEDFRAG ? h->mtu : 0;
    else if (h->type == PP_ICMP_PARAM_PROBLEM)
        rest = (uint32_t)h->pointer << 24;
    else if (h->type == PP_ICMP_REDIRECT)
        rest = h->gateway;
    else if (h->type == PP_ICMP_TIME_EXCEEDED || h->type == PP_ICMP_SOURCE_QUENCH)
        rest = 0;
    buf[0] = h->type;
    buf[1] = h->code;
    pp_put16(buf + 2, 0);
    pp_put32(buf + 4, rest);
    pp_put16(buf + 2, pp_csum(buf, PP_ICMP_HDR_LEN + data_len));
    return PP_ICMP_HDR_LEN;
}

size_t pp_icmp_quote_len(const struct pp_ipv4_hdr *orig)
{
    /* 576 - 20 (our IP header) - 8 (our ICMP header) = 548. */
    size_t max = 576 - PP_IPV4_HDR_LEN - PP_ICMP_HDR_LEN;
    size_t n = orig->total_len;
    return n < max ? n : max;
}
