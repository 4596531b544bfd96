/* udp.c - UDP header parse, validate and emit. */
#include "portplex/wire/udp.h"

#include "portplex/wire/bytes.h"
#include "portplex/wire/checksum.h"
#include "portplex/wire/ipv4.h"
#include "portplex/wire/wire_err.h"

int pp_udp_parse(const uint8_t *buf, size_t len, uint32_t src, uint32_t dst,
                 struct pp_udp_hdr *h, unsigned flags)
{
    if (len < PP_UDP_HDR_LEN)
        return -PP_WERR_TRUNCATED;
    h->sport = pp_get16(buf);
    h->dport = pp_get16(buf + 2);
    h->len = pp_get16(buf + 4);
    h->csum = pp_get16(buf + 6);
    if (h->len < PP_UDP_HDR_LEN || h->len > len)
        return -PP_WERR_LENGTH;
    if (h->csum != 0 && PP_WIRE_VERIFY_CSUM(flags)) {
        uint32_t sum = pp_csum_pseudo(src, dst, PP_IP_PROTO_UDP, h->len);
        if (pp_csum_finish(pp_csum_add(sum, buf, h->len)) != 0)
            return -PP_WERR_CSUM;
    }
    h->payload = buf + PP_UDP_HDR_LEN;
    h->payload_len = (uint16_t)(h->len - PP_UDP_HDR_LEN);
    return PP_UDP_HDR_LEN;
}

int pp_udp_emit(uint8_t *buf, size_t cap, uint16_t sport, uint16_t dport,
                size_t payload_len, uint32_t src, uint32_t dst)
{
    size_t len = PP_UDP_HDR_LEN + payload_len;
    uint16_t csum;

    if (len > 0xffff)
        return -PP_WERR_INVAL;
    if (cap < len)
        return -PP_WERR_NOSPACE;
    pp_put16(buf, sport);
    pp_put16(buf + 2, dport);
    pp_put16(buf + 4, (uint16_t)len);
    pp_put16(buf + 6, 0);
    csum = pp_csum_finish(pp_csum_add(pp_csum_pseudo(src, dst, PP_IP_PROTO_UDP, (uint16_t)len),
                                      buf, len));
    pp_put16(buf + 6, csum ? csum : 0xffff);
    return PP_UDP_HDR_LEN;
}
