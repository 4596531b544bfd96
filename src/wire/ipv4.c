/* ipv4.c - IPv4 header parse, validate and emit. */
#include "portplex/wire/ipv4.h"

#include <stdio.h>
#include <string.h>

#include "portplex/wire/bytes.h"
#include "portplex/wire/checksum.h"
#include "portplex/wire/wire_err.h"

/* RFC 791 3.1: option type 0 ends the list, 1 is a one-byte pad; every other
 * option carries a length byte that counts type and length (>= 2). */
static int check_options(const uint8_t *p, size_t len)
{
    size_t i = 0;

    while (i < len) {
        uint8_t type = p[i];
        if (type == 0)
            return 0;
        if (type == 1) {
            i++;
            continue;
        }
        if (i + 1 >= len || p[i + 1] < 2 || p[i + 1] > len - i)
            return -PP_WERR_IPOPT;
        i += p[i + 1];
    }
    return 0;
}

int pp_ipv4_parse(const uint8_t *buf, size_t len, struct pp_ipv4_hdr *h, unsigned flags)
{
    uint16_t frag;

    if (len < PP_IPV4_HDR_LEN)
        return -PP_WERR_TRUNCATED;
    if (buf[0] >> 4 != 4)
        return -PP_WERR_VERSION;
    h->hdr_len = (uint8_t)((buf[0] & 0x0f) * 4);
    if (h->hdr_len < PP_IPV4_HDR_LEN || h->hdr_len > len)
        return -PP_WERR_IHL;
    h->total_len = pp_get16(buf + 2);
    if (h->total_len < h->hdr_len || h->total_len > len)
        return -PP_WERR_TOTLEN;
    if (PP_WIRE_VERIFY_CSUM(flags) && pp_csum(buf, h->hdr_len) != 0)
        return -PP_WERR_CSUM;
    h->tos = buf[1];
    h->id = pp_get16(buf + 4);
    frag = pp_get16(buf + 6);
    if (frag & 0x8000) /* reserved (the "evil bit", RFC 3514 aside) */
        return -PP_WERR_FRAG;
    h->df = (frag >> 14) & 1;
    h->mf = (frag >> 13) & 1;
    h->frag_off = (uint16_t)((frag & 0x1fff) * 8);
    /* A fragment that would end past the 65535-byte datagram limit is the
     * classic "ping of death"; refuse it here. */
    if ((uint32_t)h->frag_off + h->total_len - h->hdr_len > 65535)
        return -PP_WERR_FRAG;
    h->ttl = buf[8];
    if (h->ttl == 0) /* RFC 1122 3.2.1.7: a host never sends TTL 0 */
        return -PP_WERR_TTL;
    h->proto = buf[9];
    h->csum = pp_get16(buf + 10);
    h->src = pp_get32(buf + 12);
    h->dst = pp_get32(buf + 16);
    h->opts = h->hdr_len > PP_IPV4_HDR_LEN ? buf + PP_IPV4_HDR_LEN : NULL;
    if (h->opts && check_options(h->opts, h->hdr_len - PP_IPV4_HDR_LEN) < 0)
        return -PP_WERR_IPOPT;
    h->payload = buf + h->hdr_len;
    h->payload_len = (uint16_t)(h->total_len - h->hdr_len);
    return h->hdr_len;
}

int pp_ipv4_emit(uint8_t *buf, size_t cap, const struct pp_ipv4_hdr *h, size_t opts_len)
{
    size_t hl = pp_ipv4_repr_len(opts_len);
    uint16_t frag;

    if (hl > PP_IPV4_MAX_HDR_LEN || (opts_len && !h->opts) || h->frag_off % 8)
        return -PP_WERR_INVAL;
    if (cap < hl)
        return -PP_WERR_NOSPACE;
    if (h->total_len < hl)
        return -PP_WERR_INVAL;
    buf[0] = (uint8_t)(0x40 | hl / 4);
    buf[1] = h->tos;
    pp_put16(buf + 2, h->total_len);
    pp_put16(buf + 4, h->id);
    frag = (uint16_t)((h->df ? 0x4000 : 0) | (h->mf ? 0x2000 : 0) | (h->frag_off / 8));
    pp_put16(buf + 6, frag);
    buf[8] = h->ttl;
    buf[9] = h->proto;
    pp_put16(buf + 10, 0);
    pp_put32(buf + 12, h->src);
    pp_put32(buf + 16, h->dst);
    if (opts_len) {
        memcpy(buf + PP_IPV4_HDR_LEN, h->opts, opts_len);
        memset(buf + PP_IPV4_HDR_LEN + opts_len, 0, hl - PP_IPV4_HDR_LEN - opts_len);
    }
    pp_put16(buf + 10, pp_csum(buf, hl));
    return (int)hl;
}

char *pp_ipv4_ntoa(uint32_t a, char out[16])
{
    snprintf(out, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
    return out;
}

int pp_ipv4_aton(const char *s, uint32_t *addr)
{
    uint32_t a = 0;
    int part;

    for (part = 0; part < 4; part++) {
        unsigned v = 0;
        int digits = 0;
        while (*s >= '0' && *s <= '9') {
            v = v * 10 + (unsigned)(*s++ - '0');
            if (++digits > 3 || v > 255)
                return -1;
        }
        if (!digits)
            return -1;
        a = a << 8 | v;
        if (part < 3 && *s++ != '.')
            return -1;
    }
    if (*s)
        return -1;
    *addr = a;
    return 0;
}
