/* udp.h - UDP header parse, validate and emit (RFC 768, RFC 1122 4.1.3.4). */
#ifndef PP_UDP_H
#define PP_UDP_H

#include "portplex/export.h"

#include <stddef.h>
#include <stdint.h>

#define PP_UDP_HDR_LEN 8

struct pp_udp_hdr {
    uint16_t sport, dport;
    uint16_t len;  /* length field: header + payload */
    uint16_t csum; /* as received; 0 means the sender sent none */
    const uint8_t *payload;
    uint16_t payload_len;
};

/* Parses the UDP datagram carried in an IP payload of len bytes between
 * host-order addresses src and dst.  The length field must be >= 8 and no more
 * than len (bytes past it are ignored, RFC 768); the checksum is verified with
 * the pseudo-header unless it is 0 or PP_WIRE_NO_CSUM is set.
 * Returns PP_UDP_HDR_LEN or -PP_WERR_TRUNCATED / _LENGTH / _CSUM. */
PP_API int pp_udp_parse(const uint8_t *buf, size_t len, uint32_t src, uint32_t dst,
                 struct pp_udp_hdr *h, unsigned flags);

/* Writes the header at buf with the payload_len bytes already at buf + 8,
 * computing the checksum over pseudo-header, header and payload (a computed 0
 * is sent as 0xffff, RFC 768).  Returns PP_UDP_HDR_LEN or -PP_WERR_*. */
PP_API int pp_udp_emit(uint8_t *buf, size_t cap, uint16_t sport, uint16_t dport,
                size_t payload_len, uint32_t src, uint32_t dst);

#endif
