/* icmp.h - ICMPv4 parse and emit (RFC 792, RFC 1122 3.2.2, RFC 1812 4.3.2):
 * echo, destination unreachable, time exceeded and the other error messages,
 * with access to the quoted original header that a scanner reads. */
#ifndef PP_ICMP_H
#define PP_ICMP_H

#include "portplex/export.h"

#include <stddef.h>
#include <stdint.h>

#include "ipv4.h"

#define PP_ICMP_HDR_LEN 8

enum {
    PP_ICMP_ECHO_REPLY = 0,
    PP_ICMP_UNREACH = 3,
    PP_ICMP_SOURCE_QUENCH = 4,
    PP_ICMP_REDIRECT = 5,
    PP_ICMP_ECHO = 8,
    PP_ICMP_TIME_EXCEEDED = 11,
    PP_ICMP_PARAM_PROBLEM = 12,
    PP_ICMP_TIMESTAMP = 13,
    PP_ICMP_TIMESTAMP_REPLY = 14,
};

/* Destination unreachable codes (RFC 792, RFC 1122 3.2.2.1, RFC 1812 5.2.7.1). */
enum {
    PP_UNREACH_NET = 0,
    PP_UNREACH_HOST = 1,
    PP_UNREACH_PROTO = 2,
    PP_UNREACH_PORT = 3,
    PP_UNREACH_NEEDFRAG = 4,
    PP_UNREACH_SRCFAIL = 5,
    PP_UNREACH_NET_UNKNOWN = 6,
    PP_UNREACH_HOST_UNKNOWN = 7,
    PP_UNREACH_ISOLATED = 8,
    PP_UNREACH_NET_PROHIB = 9,
    PP_UNREACH_HOST_PROHIB = 10,
    PP_UNREACH_TOS_NET = 11,
    PP_UNREACH_TOS_HOST = 12,
    PP_UNREACH_FILTER_PROHIB = 13,
    PP_UNREACH_HOST_PRECEDENCE = 14,
    PP_UNREACH_PRECEDENCE_CUTOFF = 15,
};

/* A parsed ICMP message, host order.  Which of id/seq, mtu, pointer and
 * gateway are meaningful depends on type; rest is always the raw second word. */
struct pp_icmp_hdr {
    uint8_t type, code;
    uint16_t csum;
    uint32_t rest;
    uint16_t id, seq;    /* echo, timestamp, info, address mask */
    uint16_t mtu;        /* unreachable, code 4 (RFC 1191) */
    uint8_t pointer;     /* parameter problem */
    uint32_t gateway;    /* redirect */
    const uint8_t *data; /* echo payload, or the quoted datagram of an error */
    size_t data_len;
};

/* The quoted datagram inside an ICMP error: the original IPv4 header and at
 * least its first 8 payload bytes (RFC 792), read leniently since routers
 * quote what they received.  Ports are valid when has_ports. */
struct pp_icmp_quote {
    struct pp_ipv4_hdr ip;
    int has_ports;
    uint16_t sport, dport; /* TCP or UDP */
    uint32_t tcp_seq;      /* TCP only */
    uint16_t udp_len;      /* UDP only */
    uint32_t icmp_rest;    /* ICMP only: the quoted echo's id << 16 | seq */
};

/* True for error messages that quote a datagram (3, 4, 5, 11, 12). */
PP_API int pp_icmp_is_error(uint8_t type);

/* Parses the ICMP message of len bytes (the whole IP payload) and checks its
 * checksum unless PP_WIRE_NO_CSUM.  Returns PP_ICMP_HDR_LEN or -PP_WERR_*. */
PP_API int pp_icmp_parse(const uint8_t *buf, size_t len, struct pp_icmp_hdr *h, unsigned flags);

/* Parses the quoted datagram of an error message.  Returns 0, or
 * -PP_WERR_ICMPTYPE if h is not an error, -PP_WERR_TRUNCATED / _VERSION / _IHL
 * if the quote is too short or not IPv4. */
PP_API int pp_icmp_quote_parse(const struct pp_icmp_hdr *h, struct pp_icmp_quote *q);

/* Writes the 8-byte header for h at buf; the data_len bytes of data must
 * already lie at buf + 8 (h->data is ignored).  The second word is built from
 * the fields the type uses; the checksum covers header and data.
 * Returns PP_ICMP_HDR_LEN or -PP_WERR_NOSPACE. */
PP_API int pp_icmp_emit(uint8_t *buf, size_t cap, const struct pp_icmp_hdr *h, size_t data_len);

/* Bytes of an offending datagram to quote in an error we send: its header plus
 * 8 bytes (RFC 792), or more, up to a 576-byte ICMP datagram (RFC 1812
 * 4.3.2.3), never more than the datagram has. */
PP_API size_t pp_icmp_quote_len(const struct pp_ipv4_hdr *orig);

#endif
