/* probe.h - the scanner's packets: probes built with our wire emitters, and
 * the demultiplexing of replies back to probes without per-probe state.
 * Each probe's TCP sequence number (and, for ACK probes, acknowledgment
 * number) is a SipHash-2-4 cookie of its 4-tuple under a key drawn per
 * scan, and its source port is derived from the same hash: a reply counts
 * only if it echoes the cookie (SYN/ACK and RST acknowledgments, RST
 * sequence numbers, the TCP header quoted in an ICMP error) and arrives on
 * the right port. */
#ifndef PP_SCAN_PROBE_H
#define PP_SCAN_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include "portplex/siphash.h"

enum pp_scan_kind {
    PP_SCAN_SYN,
    PP_SCAN_ACK,
    PP_SCAN_WINDOW,
    PP_SCAN_FIN,
    PP_SCAN_NULL,
    PP_SCAN_XMAS,
    PP_SCAN_CUSTOM, /* --scanflags, read like a SYN scan (nmap's default) */
    PP_SCAN_UDP,
    PP_SCAN_CONNECT,
};

enum pp_port_state {
    PP_PS_UNKNOWN,
    PP_PS_OPEN,
    PP_PS_CLOSED,
    PP_PS_FILTERED,
    PP_PS_UNFILTERED,
    PP_PS_OPEN_FILTERED,
    PP_PS_COUNT
};

/* Why a port has its state: nmap's reason names (pp_scan_reason_name). */
enum pp_scan_reason {
    PP_R_NONE,
    PP_R_SYN_ACK,
    PP_R_SYN,
    PP_R_RESET,
    PP_R_CONN_REFUSED,
    PP_R_NO_RESPONSE,
    PP_R_UDP_RESPONSE,
    PP_R_PORT_UNREACH,
    PP_R_HOST_UNREACH,
    PP_R_NET_UNREACH,
    PP_R_PROTO_UNREACH,
    PP_R_ADMIN_PROHIBITED,
    PP_R_HOST_PROHIBITED,
    PP_R_NET_PROHIBITED,
    PP_R_TIME_EXCEEDED,
    PP_R_COUNT
};

const char *pp_scan_state_name(int state);
const char *pp_scan_reason_name(int reason);

/* What a scan sends and how it reads answers. */
struct pp_scan_probe_cfg {
    struct pp_sipkey key;
    uint32_t src;           /* our address, host order */
    uint16_t sport_base;    /* source ports sport_base .. + PP_SCAN_SPORTS - 1 */
    enum pp_scan_kind kind; /* the TCP scan type */
    uint16_t tcp_flags;     /* flags TCP probes carry */
    uint8_t ttl;            /* --ttl; 0: 64 */
    uint16_t fixed_sport;   /* -g/--source-port: every probe from this port; 0: spread */
    /* --data-length: this many random bytes after every probe's header,
     * and no protocol-specific UDP payloads (as nmap); has_data 0: unset. */
    uint16_t data_len;
    int has_data;
};
#define PP_SCAN_MAX_DATA 1400 /* one probe stays within a 1500-byte frame */
#define PP_SCAN_SPORTS 256

/* The TCP flags a scan type sends (custom: the caller's). */
uint16_t pp_scan_kind_flags(enum pp_scan_kind kind);

/* The cookie and source port for a probe to dst:dport over proto (6/17). */
uint32_t pp_scan_cookie(const struct pp_scan_probe_cfg *c, uint32_t dst, uint16_t dport, uint8_t proto);
uint16_t pp_scan_sport(const struct pp_scan_probe_cfg *c, uint32_t dst, uint16_t dport, uint8_t proto);

/* Writes a whole IPv4 packet probing dst:dport (TCP with the scan's flags,
 * or UDP with the port's payload from pp_scan_udp_payload) into buf;
 * its length, or 0 if cap is too small.  ipid varies per send. */
size_t pp_scan_build(const struct pp_scan_probe_cfg *c, uint8_t *buf, size_t cap, uint32_t dst,
                     uint16_t dport, int udp, uint16_t ipid);

/* A received packet, read as an answer to one of our probes. */
struct pp_scan_answer {
    uint32_t target; /* the probed address */
    uint16_t port;   /* the probed port */
    int udp;         /* a UDP probe's answer */
    uint8_t state, reason, ttl;
    uint16_t window;
    uint32_t from;   /* who sent it (an ICMP error may come from a router) */
};

/* Classifies one IPv4 packet: 1 with *a filled if it answers a probe of
 * ours (checksums verified, cookie and port checked), 0 otherwise. */
int pp_scan_classify(const struct pp_scan_probe_cfg *c, const uint8_t *pkt, size_t len,
                     struct pp_scan_answer *a);

/* An ICMP echo request to dst whose identifier and sequence number are the
 * cookie of (dst, 0, ICMP) - host discovery's ping. */
size_t pp_scan_build_echo(const struct pp_scan_probe_cfg *c, uint8_t *buf, size_t cap, uint32_t dst);
/* 1 if pkt is an echo reply to one of our pings (cookie checked); *from
 * gets the host. */
int pp_scan_is_echo_reply(const struct pp_scan_probe_cfg *c, const uint8_t *pkt, size_t len,
                          uint32_t *from);

/* Our payload for UDP port port (DNS, NTP, SNMP, NetBIOS, SSDP, memcached,
 * ...; a few bytes otherwise) into buf (>= 512 bytes); id goes where the
 * protocol carries a transaction ID.  Returns its length. */
size_t pp_scan_udp_payload(uint16_t port, uint32_t id, uint8_t *buf);
/* Whether payload (a reply from port) carries the transaction ID id, for
 * protocols with one; 1 when the protocol has none. */
int pp_scan_udp_id_ok(uint16_t port, uint32_t id, const uint8_t *payload, size_t len);

#endif
