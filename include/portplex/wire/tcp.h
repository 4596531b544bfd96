/* tcp.h - TCP header and options parse, validate and emit (RFC 9293 3.1,
 * RFC 7323 timestamps and window scale, RFC 2018 SACK). */
#ifndef PP_TCP_WIRE_H
#define PP_TCP_WIRE_H

#include "portplex/export.h"

#include <stddef.h>
#include <stdint.h>

#define PP_TCP_HDR_LEN 20
#define PP_TCP_MAX_HDR_LEN 60
#define PP_TCP_MAX_SACK 4

enum {
    PP_TCP_FIN = 0x01,
    PP_TCP_SYN = 0x02,
    PP_TCP_RST = 0x04,
    PP_TCP_PSH = 0x08,
    PP_TCP_ACK = 0x10,
    PP_TCP_URG = 0x20,
    PP_TCP_ECE = 0x40,
    PP_TCP_CWR = 0x80,
    PP_TCP_AE = 0x100, /* formerly NS (RFC 3540, historic) */
};

/* Option kinds (IANA "TCP Option Kind Numbers"). */
enum {
    PP_TCPOPT_EOL = 0,
    PP_TCPOPT_NOP = 1,
    PP_TCPOPT_MSS = 2,
    PP_TCPOPT_WSCALE = 3,
    PP_TCPOPT_SACK_PERM = 4,
    PP_TCPOPT_SACK = 5,
    PP_TCPOPT_TIMESTAMP = 8,
};

struct pp_tcp_sack_block {
    uint32_t left, right;
};

/* Options present in a segment; has_* say which were seen. */
struct pp_tcp_opts {
    uint8_t has_mss, has_wscale, sack_perm, has_ts;
    uint16_t mss;
    uint8_t wscale; /* as sent; values > 14 are clamped by the receiver (RFC 7323 2.3) */
    uint32_t tsval, tsecr;
    uint8_t sack_count;
    struct pp_tcp_sack_block sack[PP_TCP_MAX_SACK];
    uint8_t unknown_count; /* options of other kinds, skipped */
};

struct pp_tcp_hdr {
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t hdr_len; /* bytes, data offset * 4 */
    uint16_t flags;  /* PP_TCP_* */
    uint16_t window; /* unscaled, as on the wire */
    uint16_t csum;
    uint16_t urg;
    struct pp_tcp_opts opts;
    const uint8_t *payload;
    size_t payload_len;
};

/* Parses a TCP segment of len bytes (the IP payload) between host-order
 * addresses src and dst: data offset, checksum (unless PP_WIRE_NO_CSUM) and
 * every option.  A known option with the wrong length, or any option whose
 * length runs past the header, rejects the segment.
 * Returns the header length or -PP_WERR_TRUNCATED / _DOFF / _CSUM / _TCPOPT. */
PP_API int pp_tcp_parse(const uint8_t *buf, size_t len, uint32_t src, uint32_t dst,
                 struct pp_tcp_hdr *h, unsigned flags);

/* Parses only the option bytes (len = header length - 20) into o. */
PP_API int pp_tcp_opts_parse(const uint8_t *p, size_t len, struct pp_tcp_opts *o);

/* Bytes the options in o take on the wire, padded to a multiple of 4, in the
 * layout Linux uses (MSS, SACK-permitted + timestamps, window scale, SACK). */
PP_API size_t pp_tcp_opts_len(const struct pp_tcp_opts *o);

/* Header length pp_tcp_emit writes: 20 + pp_tcp_opts_len(). */
static inline size_t pp_tcp_repr_len(const struct pp_tcp_hdr *h)
{
    return PP_TCP_HDR_LEN + pp_tcp_opts_len(&h->opts);
}

/* Writes the header and options of h at buf; the payload_len bytes of payload
 * must already lie right after the header (h->payload is ignored), and the
 * checksum covers them.  Returns the header length, or -PP_WERR_NOSPACE /
 * -PP_WERR_INVAL (more than 40 bytes of options). */
PP_API int pp_tcp_emit(uint8_t *buf, size_t cap, const struct pp_tcp_hdr *h, size_t payload_len,
                uint32_t src, uint32_t dst);
/* pp_tcp_emit with the checksum field left 0, for a link that fills it in
 * (checksum offload), so the payload is not read here at all. */
PP_API int pp_tcp_emit_offload(uint8_t *buf, size_t cap, const struct pp_tcp_hdr *h,
                               size_t payload_len);

/* Formats flags nmap-style ("SA", "R", "FPU") into out (>= 10 bytes). */
PP_API char *pp_tcp_flags_str(uint16_t flags, char out[10]);

#endif
