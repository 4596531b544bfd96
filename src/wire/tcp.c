/* tcp.c - TCP header and options parse, validate and emit. */
#include "portplex/wire/tcp.h"

#include <string.h>

#include "portplex/wire/bytes.h"
#include "portplex/wire/checksum.h"
#include "portplex/wire/ipv4.h"
#include "portplex/wire/wire_err.h"

/* Lengths a known option must have; 0 for variable (SACK) or unknown. */
static int fixed_len(uint8_t kind)
{
    switch (kind) {
    case PP_TCPOPT_MSS: return 4;
    case PP_TCPOPT_WSCALE: return 3;
    case PP_TCPOPT_SACK_PERM: return 2;
    case PP_TCPOPT_TIMESTAMP: return 10;
    default: return 0;
    }
}

int pp_tcp_opts_parse(const uint8_t *p, size_t len, struct pp_tcp_opts *o)
{
    size_t i = 0;

    memset(o, 0, sizeof *o);
    while (i < len) {
        uint8_t kind = p[i], olen;
        const uint8_t *v;

        if (kind == PP_TCPOPT_EOL)
            break;
        if (kind == PP_TCPOPT_NOP) {
            i++;
            continue;
        }
        /* RFC 9293 3.1: every other option has a length octet counting the
         * kind and length octets; it must fit in what is left. */
        if (i + 1 >= len)
            return -PP_WERR_TCPOPT;
        olen = p[i + 1];
        if (olen < 2 || olen > len - i)
            return -PP_WERR_TCPOPT;
        if (fixed_len(kind) && olen != fixed_len(kind))
            return -PP_WERR_TCPOPT;
        v = p + i + 2;
        switch (kind) {
        case PP_TCPOPT_MSS:
            o->has_mss = 1;
            o->mss = pp_get16(v);
            break;
        case PP_TCPOPT_WSCALE:
            o->has_wscale = 1;
            o->wscale = v[0];
            break;
        case PP_TCPOPT_SACK_PERM:
            o->sack_perm = 1;
            break;
        case PP_TCPOPT_TIMESTAMP:
            o->has_ts = 1;
            o->tsval = pp_get32(v);
            o->tsecr = pp_get32(v + 4);
            break;
        case PP_TCPOPT_SACK: {
            /* RFC 2018 3: 8 bytes per block, at most 4 blocks in 40 bytes. */
            unsigned n, k;
            if ((olen - 2) % 8 != 0 || olen < 10)
                return -PP_WERR_TCPOPT;
            n = (unsigned)(olen - 2) / 8;
            for (k = 0; k < n && k < PP_TCP_MAX_SACK; k++) {
                o->sack[k].left = pp_get32(v + 8 * k);
                o->sack[k].right = pp_get32(v + 8 * k + 4);
            }
            o->sack_count = (uint8_t)k;
            break;
        }
        default:
            o->unknown_count++;
            break;
        }
        i += olen;
    }
    return 0;
}

int pp_tcp_parse(const uint8_t *buf, size_t len, uint32_t src, uint32_t dst,
                 struct pp_tcp_hdr *h, unsigned flags)
{
    if (len < PP_TCP_HDR_LEN)
        return -PP_WERR_TRUNCATED;
    h->hdr_len = (uint8_t)((buf[12] >> 4) * 4);
    if (h->hdr_len < PP_TCP_HDR_LEN || h->hdr_len > len)
        return -PP_WERR_DOFF;
    if (len > 0xffff)
        return -PP_WERR_LENGTH;
    if (PP_WIRE_VERIFY_CSUM(flags)) {
        uint32_t sum = pp_csum_pseudo(src, dst, PP_IP_PROTO_TCP, (uint16_t)len);
        if (pp_csum_finish(pp_csum_add(sum, buf, len)) != 0)
            return -PP_WERR_CSUM;
    }
    h->sport = pp_get16(buf);
    h->dport = pp_get16(buf + 2);
    h->seq = pp_get32(buf + 4);
    h->ack = pp_get32(buf + 8);
    h->flags = (uint16_t)((buf[12] & 0x01) << 8 | buf[13]);
    h->window = pp_get16(buf + 14);
    h->csum = pp_get16(buf + 16);
    h->urg = pp_get16(buf + 18);
    if (pp_tcp_opts_parse(buf + PP_TCP_HDR_LEN, h->hdr_len - PP_TCP_HDR_LEN, &h->opts) < 0)
        return -PP_WERR_TCPOPT;
    h->payload = buf + h->hdr_len;
    h->payload_len = len - h->hdr_len;
    return h->hdr_len;
}

size_t pp_tcp_opts_len(const struct pp_tcp_opts *o)
{
    size_t n = 0;

    if (o->has_mss)
        n += 4;
    if (o->has_ts)
        n += 12; /* NOP NOP TS, or SACK-permitted TS as one 12-byte block */
    else if (o->sack_perm)
        n += 4;  /* NOP NOP SACK-permitted */
    if (o->has_wscale)
        n += 4;  /* NOP WS */
    if (o->sack_count)
        n += 4 + 8 * (size_t)o->sack_count; /* NOP NOP SACK */
    return n;
}

/* Writes options in the order Linux does, so captures look familiar:
 * MSS; SACK-permitted + timestamps (or NOP NOP + timestamps, or NOP NOP +
 * SACK-permitted); NOP + window scale; NOP NOP + SACK blocks. */
static uint8_t *emit_opts(uint8_t *p, const struct pp_tcp_opts *o)
{
    unsigned k;

    if (o->has_mss) {
        *p++ = PP_TCPOPT_MSS;
        *p++ = 4;
        pp_put16(p, o->mss);
        p += 2;
    }
    if (o->has_ts) {
        if (o->sack_perm) {
            *p++ = PP_TCPOPT_SACK_PERM;
            *p++ = 2;
        } else {
            *p++ = PP_TCPOPT_NOP;
            *p++ = PP_TCPOPT_NOP;
        }
        *p++ = PP_TCPOPT_TIMESTAMP;
        *p++ = 10;
        pp_put32(p, o->tsval);
        pp_put32(p + 4, o->tsecr);
        p += 8;
    } else if (o->sack_perm) {
        *p++ = PP_TCPOPT_NOP;
        *p++ = PP_TCPOPT_NOP;
        *p++ = PP_TCPOPT_SACK_PERM;
        *p++ = 2;
    }
    if (o->has_wscale) {
        *p++ = PP_TCPOPT_NOP;
        *p++ = PP_TCPOPT_WSCALE;
        *p++ = 3;
        *p++ = o->wscale;
    }
    if (o->sack_count) {
        *p++ = PP_TCPOPT_NOP;
        *p++ = PP_TCPOPT_NOP;
        *p++ = PP_TCPOPT_SACK;
        *p++ = (uint8_t)(2 + 8 * o->sack_count);
        for (k = 0; k < o->sack_count; k++) {
            pp_put32(p, o->sack[k].left);
            pp_put32(p + 4, o->sack[k].right);
            p += 8;
        }
    }
    return p;
}

static int emit(uint8_t *buf, size_t cap, const struct pp_tcp_hdr *h, size_t payload_len,
                uint32_t src, uint32_t dst, int csum)
{
    size_t olen, hl, total;
    uint32_t sum;

    if (h->opts.sack_count > PP_TCP_MAX_SACK)
        return -PP_WERR_INVAL;
    olen = pp_tcp_opts_len(&h->opts);
    hl = PP_TCP_HDR_LEN + olen;
    if (hl > PP_TCP_MAX_HDR_LEN)
        return -PP_WERR_INVAL;
    total = hl + payload_len;
    if (total > 0xffff)
        return -PP_WERR_INVAL;
    if (cap < total)
        return -PP_WERR_NOSPACE;
    pp_put16(buf, h->sport);
    pp_put16(buf + 2, h->dport);
    pp_put32(buf + 4, h->seq);
    pp_put32(buf + 8, h->ack);
    buf[12] = (uint8_t)((hl / 4) << 4 | ((h->flags >> 8) & 1));
    buf[13] = (uint8_t)h->flags;
    pp_put16(buf + 14, h->window);
    pp_put16(buf + 16, 0);
    pp_put16(buf + 18, h->urg);
    emit_opts(buf + PP_TCP_HDR_LEN, &h->opts);
    if (csum) {
        sum = pp_csum_pseudo(src, dst, PP_IP_PROTO_TCP, (uint16_t)total);
        pp_put16(buf + 16, pp_csum_finish(pp_csum_add(sum, buf, total)));
    }
    return (int)hl;
}

int pp_tcp_emit(uint8_t *buf, size_t cap, const struct pp_tcp_hdr *h, size_t payload_len,
                uint32_t src, uint32_t dst)
{
    return emit(buf, cap, h, payload_len, src, dst, 1);
}

int pp_tcp_emit_offload(uint8_t *buf, size_t cap, const struct pp_tcp_hdr *h, size_t payload_len)
{
    return emit(buf, cap, h, payload_len, 0, 0, 0);
}

char *pp_tcp_flags_str(uint16_t flags, char out[10])
{
    static const char letters[] = "FSRPAUECN";
    char *p = out;
    int i;

    for (i = 0; i < 9; i++)
        if (flags & (1u << i))
            *p++ = letters[i];
    *p = 0;
    return out;
}
