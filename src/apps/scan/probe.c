/* probe.c - building probes and reading answers (nmap's inference rules:
 * https://nmap.org/book/man-port-scanning-techniques.html, restated). */
#include "probe.h"

#include <string.h>

#include "portplex/wire/bytes.h"
#include "portplex/wire/icmp.h"
#include "portplex/wire/ipv4.h"
#include "portplex/wire/tcp.h"
#include "portplex/wire/udp.h"
#include "portplex/wire/wire_err.h"

const char *pp_scan_state_name(int state)
{
    static const char *const n[] = {"unknown", "open", "closed", "filtered", "unfiltered",
                                    "open|filtered"};
    return state >= 0 && state < PP_PS_COUNT ? n[state] : "unknown";
}

const char *pp_scan_reason_name(int reason)
{
    static const char *const n[] = {"",
                                    "syn-ack",
                                    "syn",
                                    "reset",
                                    "conn-refused",
                                    "no-response",
                                    "udp-response",
                                    "port-unreach",
                                    "host-unreach",
                                    "net-unreach",
                                    "proto-unreach",
                                    "admin-prohibited",
                                    "host-prohibited",
                                    "net-prohibited",
                                    "time-exceeded"};
    return reason >= 0 && reason < PP_R_COUNT ? n[reason] : "";
}

uint16_t pp_scan_kind_flags(enum pp_scan_kind kind)
{
    switch (kind) {
    case PP_SCAN_ACK:
    case PP_SCAN_WINDOW: return PP_TCP_ACK;
    case PP_SCAN_FIN: return PP_TCP_FIN;
    case PP_SCAN_NULL: return 0;
    case PP_SCAN_XMAS: return PP_TCP_FIN | PP_TCP_PSH | PP_TCP_URG;
    default: return PP_TCP_SYN;
    }
}

static uint64_t tuple_hash(const struct pp_scan_probe_cfg *c, uint32_t dst, uint16_t dport,
                           uint8_t proto)
{
    uint8_t t[11];
    pp_put32(t, c->src);
    pp_put32(t + 4, dst);
    pp_put16(t + 8, dport);
    t[10] = proto;
    return pp_siphash(&c->key, t, sizeof t, 2, 4);
}

uint32_t pp_scan_cookie(const struct pp_scan_probe_cfg *c, uint32_t dst, uint16_t dport, uint8_t proto)
{
    return (uint32_t)tuple_hash(c, dst, dport, proto);
}

uint16_t pp_scan_sport(const struct pp_scan_probe_cfg *c, uint32_t dst, uint16_t dport, uint8_t proto)
{
    if (c->fixed_sport) /* -g: firewalls that trust a source port (53, 20) see only it */
        return c->fixed_sport;
    return (uint16_t)(c->sport_base + ((tuple_hash(c, dst, dport, proto) >> 32) % PP_SCAN_SPORTS));
}

/* --data-length's bytes: random-looking, drawn from the probe's cookie so
 * a resent probe carries the same ones. */
static size_t fill_data(const struct pp_scan_probe_cfg *c, uint32_t cookie, uint8_t *out)
{
    uint64_t x = cookie * 0x9e3779b97f4a7c15ull + c->key.k1 + 1;
    size_t i;

    for (i = 0; i < c->data_len; i++) {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        out[i] = (uint8_t)((x * 0x2545F4914F6CDD1Dull) >> 56);
    }
    return c->data_len;
}

size_t pp_scan_build(const struct pp_scan_probe_cfg *c, uint8_t *buf, size_t cap, uint32_t dst,
                     uint16_t dport, int udp, uint16_t ipid)
{
    struct pp_ipv4_hdr ip;
    size_t l4;
    uint8_t proto = udp ? 17 : 6;
    uint32_t cookie = pp_scan_cookie(c, dst, dport, proto);
    uint16_t sport = pp_scan_sport(c, dst, dport, proto);

    if (cap < 20 + 20 + 512 + 8 || (c->has_data && cap < (size_t)60 + c->data_len))
        return 0;
    if (udp) {
        size_t n = c->has_data ? fill_data(c, cookie, buf + 28) : pp_scan_udp_payload(dport, cookie, buf + 28);
        if (pp_udp_emit(buf + 20, cap - 20, sport, dport, n, c->src, dst) < 0)
            return 0;
        l4 = 8 + n;
    } else {
        struct pp_tcp_hdr t;
        memset(&t, 0, sizeof t);
        t.sport = sport;
        t.dport = dport;
        t.flags = c->tcp_flags;
        t.seq = cookie;
        /* An ACK probe's RST carries SEG.ACK as its sequence number (RFC
         * 9293 3.10.7.1), so the cookie goes there too. */
        t.ack = (c->tcp_flags & PP_TCP_ACK) ? cookie : 0;
        t.window = 1024;
        if (c->tcp_flags & PP_TCP_SYN) {
            t.opts.has_mss = 1; /* as nmap's SYN probes: MSS 1460 */
            t.opts.mss = 1460;
        }
        l4 = pp_tcp_repr_len(&t);
        if (c->has_data) /* the data lies after the header before the checksum is made */
            fill_data(c, cookie, buf + 20 + l4);
        if (pp_tcp_emit(buf + 20, cap - 20, &t, c->has_data ? c->data_len : 0, c->src, dst) < 0)
            return 0;
        l4 += c->has_data ? c->data_len : 0;
    }
    memset(&ip, 0, sizeof ip);
    ip.ttl = c->ttl ? c->ttl : 64;
    ip.proto = proto;
    ip.id = ipid;
    ip.src = c->src;
    ip.dst = dst;
    ip.total_len = (uint16_t)(20 + l4);
    if (pp_ipv4_emit(buf, cap, &ip, 0) < 0)
        return 0;
    return 20 + l4;
}

static int unreach_reason(uint8_t type, uint8_t code)
{
    if (type == PP_ICMP_TIME_EXCEEDED)
        return PP_R_TIME_EXCEEDED;
    if (type != PP_ICMP_UNREACH)
        return PP_R_NONE;
    switch (code) {
    case 0: return PP_R_NET_UNREACH;
    case 1: return PP_R_HOST_UNREACH;
    case 2: return PP_R_PROTO_UNREACH;
    case 3: return PP_R_PORT_UNREACH;
    case 9: return PP_R_NET_PROHIBITED;
    case 10: return PP_R_HOST_PROHIBITED;
    case 13: return PP_R_ADMIN_PROHIBITED;
    default: return PP_R_NONE;
    }
}

/* An ICMP error quoting one of our probes. */
static int classify_icmp(const struct pp_scan_probe_cfg *c, const struct pp_ipv4_hdr *ip,
                         struct pp_scan_answer *a)
{
    struct pp_icmp_hdr h;
    struct pp_icmp_quote q;
    int reason;

    if (pp_icmp_parse(ip->payload, ip->payload_len, &h, PP_WIRE_NO_CSUM) < 0 || !pp_icmp_is_error(h.type) ||
        pp_icmp_quote_parse(&h, &q) < 0 || !q.has_ports || q.ip.src != c->src)
        return 0;
    reason = unreach_reason(h.type, h.code);
    if (reason == PP_R_NONE)
        return 0;
    if (q.ip.proto == 6) {
        if (q.tcp_seq != pp_scan_cookie(c, q.ip.dst, q.dport, 6) ||
            q.sport != pp_scan_sport(c, q.ip.dst, q.dport, 6))
            return 0;
        a->udp = 0;
        a->state = PP_PS_FILTERED;
    } else if (q.ip.proto == 17) {
        if (q.sport != pp_scan_sport(c, q.ip.dst, q.dport, 17))
            return 0;
        a->udp = 1;
        /* Port unreachable means closed only from the target itself; from
         * a router or firewall in between it is a filter's answer. */
        a->state = reason == PP_R_PORT_UNREACH && ip->src == q.ip.dst ? PP_PS_CLOSED
                                                                      : PP_PS_FILTERED;
    } else {
        return 0;
    }
    a->target = q.ip.dst;
    a->port = q.dport;
    a->reason = (uint8_t)reason;
    return 1;
}

static int classify_tcp(const struct pp_scan_probe_cfg *c, const struct pp_ipv4_hdr *ip,
                        struct pp_scan_answer *a)
{
    struct pp_tcp_hdr t;
    uint32_t cookie, data;
    uint16_t f;

    if (pp_tcp_parse(ip->payload, ip->payload_len, ip->src, ip->dst, &t, PP_WIRE_NO_CSUM) < 0)
        return 0;
    if (t.dport != pp_scan_sport(c, ip->src, t.sport, 6))
        return 0;
    cookie = pp_scan_cookie(c, ip->src, t.sport, 6);
    data = c->has_data ? c->data_len : 0; /* a RST acknowledges what our probe carried */
    f = t.flags;
    a->target = ip->src;
    a->port = t.sport;
    a->udp = 0;
    a->window = t.window;
    if (c->tcp_flags & PP_TCP_SYN) {
        /* SYN and custom scans: SYN/ACK (or a bare SYN, the split
         * handshake) = open; RST = closed. */
        if ((f & (PP_TCP_SYN | PP_TCP_RST)) == PP_TCP_SYN) {
            /* A SYN/ACK acknowledges the SYN, or with it the data a SYN
             * carried (--data-length) if the target took it. */
            if ((f & PP_TCP_ACK) && t.ack != cookie + 1 && t.ack != cookie + 1 + data)
                return 0;
            a->state = PP_PS_OPEN;
            a->reason = (f & PP_TCP_ACK) ? PP_R_SYN_ACK : PP_R_SYN;
            return 1;
        }
        if ((f & PP_TCP_RST) && (f & PP_TCP_ACK) && (t.ack == cookie + 1 || t.ack == cookie + 1 + data)) {
            a->state = PP_PS_CLOSED;
            a->reason = PP_R_RESET;
            return 1;
        }
        return 0;
    }
    if (!(f & PP_TCP_RST))
        return 0;
    if (c->tcp_flags & PP_TCP_ACK) {
        if (t.seq != cookie)
            return 0;
        a->reason = PP_R_RESET;
        /* ACK scan: any RST = unfiltered.  Window scan: a RST with a
         * non-zero window comes from an open port on some systems. */
        if (c->kind == PP_SCAN_WINDOW)
            a->state = t.window ? PP_PS_OPEN : PP_PS_CLOSED;
        else
            a->state = PP_PS_UNFILTERED;
        return 1;
    }
    /* FIN, NULL, Xmas: a RST acknowledges our sequence (+1 for the FIN). */
    if (!(f & PP_TCP_ACK) || t.ack != cookie + ((c->tcp_flags & PP_TCP_FIN) ? 1u : 0u) + data)
        return 0;
    a->state = PP_PS_CLOSED;
    a->reason = PP_R_RESET;
    return 1;
}

static int classify_udp(const struct pp_scan_probe_cfg *c, const struct pp_ipv4_hdr *ip,
                        struct pp_scan_answer *a)
{
    struct pp_udp_hdr u;

    if (pp_udp_parse(ip->payload, ip->payload_len, ip->src, ip->dst, &u, PP_WIRE_NO_CSUM) < 0)
        return 0;
    if (u.dport != pp_scan_sport(c, ip->src, u.sport, 17) ||
        (!c->has_data && !pp_scan_udp_id_ok(u.sport, pp_scan_cookie(c, ip->src, u.sport, 17),
                                            ip->payload + 8, u.payload_len)))
        return 0;
    a->target = ip->src;
    a->port = u.sport;
    a->udp = 1;
    a->state = PP_PS_OPEN;
    a->reason = PP_R_UDP_RESPONSE;
    return 1;
}

/* Transport checksums are not checked: a capture taken on the receiving
 * host sees veth and loopback packets before their offloaded checksums are
 * filled in (like tcpdump's "incorrect" warnings).  The cookie, not the
 * checksum, is what ties an answer to a probe. */
int pp_scan_classify(const struct pp_scan_probe_cfg *c, const uint8_t *pkt, size_t len,
                     struct pp_scan_answer *a)
{
    struct pp_ipv4_hdr ip;
    int r = 0;

    memset(a, 0, sizeof *a);
    if (pp_ipv4_parse(pkt, len, &ip, 0) < 0 || ip.dst != c->src || pp_ipv4_is_fragment(&ip))
        return 0;
    switch (ip.proto) {
    case 1: r = classify_icmp(c, &ip, a); break;
    case 6: r = c->kind != PP_SCAN_UDP && classify_tcp(c, &ip, a); break;
    case 17: r = classify_udp(c, &ip, a); break;
    default: return 0;
    }
    if (r) {
        a->ttl = ip.ttl;
        a->from = ip.src;
    }
    return r;
}

size_t pp_scan_build_echo(const struct pp_scan_probe_cfg *c, uint8_t *buf, size_t cap, uint32_t dst)
{
    struct pp_icmp_hdr h;
    struct pp_ipv4_hdr ip;
    uint32_t cookie = pp_scan_cookie(c, dst, 0, 1);

    if (cap < 20 + 8 + 8)
        return 0;
    memset(&h, 0, sizeof h);
    h.type = PP_ICMP_ECHO;
    h.id = (uint16_t)(cookie >> 16);
    h.seq = (uint16_t)cookie;
    memcpy(buf + 28, "portplex", 8);
    if (pp_icmp_emit(buf + 20, cap - 20, &h, 8) < 0)
        return 0;
    memset(&ip, 0, sizeof ip);
    ip.ttl = c->ttl ? c->ttl : 64;
    ip.proto = 1;
    ip.src = c->src;
    ip.dst = dst;
    ip.total_len = 36;
    if (pp_ipv4_emit(buf, cap, &ip, 0) < 0)
        return 0;
    return 36;
}

int pp_scan_is_echo_reply(const struct pp_scan_probe_cfg *c, const uint8_t *pkt, size_t len,
                          uint32_t *from)
{
    struct pp_ipv4_hdr ip;
    struct pp_icmp_hdr h;
    uint32_t cookie;

    if (pp_ipv4_parse(pkt, len, &ip, 0) < 0 || ip.proto != 1 || ip.dst != c->src ||
        pp_icmp_parse(ip.payload, ip.payload_len, &h, PP_WIRE_NO_CSUM) < 0 ||
        h.type != PP_ICMP_ECHO_REPLY)
        return 0;
    cookie = pp_scan_cookie(c, ip.src, 0, 1);
    if (h.id != (uint16_t)(cookie >> 16) || h.seq != (uint16_t)cookie)
        return 0;
    *from = ip.src;
    return 1;
}
