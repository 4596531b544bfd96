/* ipv4.h - IPv4 header parse, validate and emit (RFC 791, RFC 1122 3.2.1). */
#ifndef PP_IPV4_H
#define PP_IPV4_H

#include "portplex/export.h"

#include <stddef.h>
#include <stdint.h>

#define PP_IPV4_HDR_LEN 20
#define PP_IPV4_MAX_HDR_LEN 60
#define PP_IP_PROTO_ICMP 1
#define PP_IP_PROTO_TCP 6
#define PP_IP_PROTO_UDP 17
/* The ECN field, the low two bits of the TOS byte (RFC 3168 5). */
#define PP_IP_ECN_MASK 3u
#define PP_IP_ECN_ECT1 1u
#define PP_IP_ECN_ECT0 2u
#define PP_IP_ECN_CE 3u

/* A parsed IPv4 header, host order.  Pointers refer into the caller's buffer. */
struct pp_ipv4_hdr {
    uint8_t hdr_len;     /* bytes, 20..60 */
    uint8_t tos;         /* DSCP << 2 | ECN */
    uint16_t total_len;  /* header + payload, bytes */
    uint16_t id;
    uint8_t df, mf;      /* don't fragment, more fragments */
    uint16_t frag_off;   /* fragment offset in bytes (a multiple of 8) */
    uint8_t ttl;
    uint8_t proto;
    uint16_t csum;       /* as received; recomputed on emit */
    uint32_t src, dst;
    const uint8_t *opts; /* options, hdr_len - 20 bytes, NULL if none */
    const uint8_t *payload;
    uint16_t payload_len; /* total_len - hdr_len */
};

/* Parses and validates the IPv4 header at buf (len bytes available; bytes past
 * total_len, e.g. Ethernet padding, are ignored).  Checks version, IHL, total
 * length, the header checksum (unless PP_WIRE_NO_CSUM), the reserved flag,
 * fragment extent and TTL != 0, and walks options with bounds checks.
 * Returns the header length, or -PP_WERR_* with *h unspecified. */
PP_API int pp_ipv4_parse(const uint8_t *buf, size_t len, struct pp_ipv4_hdr *h, unsigned flags);

/* Bytes pp_ipv4_emit writes: 20 + the options rounded up to 4. */
static inline size_t pp_ipv4_repr_len(size_t opts_len)
{
    return PP_IPV4_HDR_LEN + ((opts_len + 3) & ~(size_t)3);
}

/* Writes the header described by h into buf (cap bytes): hdr_len is taken from
 * the options, total_len must already cover the payload, and the checksum is
 * computed.  Returns the header length or -PP_WERR_NOSPACE / -PP_WERR_INVAL. */
PP_API int pp_ipv4_emit(uint8_t *buf, size_t cap, const struct pp_ipv4_hdr *h, size_t opts_len);

/* True for a first, middle or last fragment. */
static inline int pp_ipv4_is_fragment(const struct pp_ipv4_hdr *h)
{
    return h->mf || h->frag_off != 0;
}

/* Formats a host-order address as dotted quad into out (>= 16 bytes). */
PP_API char *pp_ipv4_ntoa(uint32_t addr, char out[16]);
/* Parses a dotted quad (exactly four decimal octets); 0 on success, -1 otherwise. */
PP_API int pp_ipv4_aton(const char *s, uint32_t *addr);

#endif
