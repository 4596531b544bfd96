/* describe.c - one-line descriptions of IPv4 packets. */
#include "portplex/wire/describe.h"

#include <stdarg.h>
#include <stdio.h>

#include "portplex/wire/icmp.h"
#include "portplex/wire/ipv4.h"
#include "portplex/wire/tcp.h"
#include "portplex/wire/udp.h"
#include "portplex/wire/wire_err.h"

struct out {
    char *p;
    size_t cap, n;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    int k;

    if (o->n >= o->cap)
        return;
    va_start(ap, fmt);
    k = vsnprintf(o->p + o->n, o->cap - o->n, fmt, ap);
    va_end(ap);
    if (k > 0)
        o->n += (size_t)k < o->cap - o->n ? (size_t)k : o->cap - o->n - 1;
}

static void put_tcp_opts(struct out *o, const struct pp_tcp_opts *t)
{
    int first = 1;
    unsigned k;
#define SEP() put(o, first ? " <" : ","), first = 0
    if (t->has_mss) { SEP(); put(o, "mss %u", t->mss); }
    if (t->sack_perm) { SEP(); put(o, "sackOK"); }
    if (t->has_ts) { SEP(); put(o, "TS val %u ecr %u", t->tsval, t->tsecr); }
    if (t->has_wscale) { SEP(); put(o, "wscale %u", t->wscale); }
    for (k = 0; k < t->sack_count; k++) {
        SEP();
        put(o, "sack %u:%u", t->sack[k].left, t->sack[k].right);
    }
#undef SEP
    if (!first)
        put(o, ">");
}

static const char *icmp_name(uint8_t type)
{
    switch (type) {
    case PP_ICMP_ECHO_REPLY: return "echo reply";
    case PP_ICMP_UNREACH: return "unreachable";
    case PP_ICMP_SOURCE_QUENCH: return "source quench";
    case PP_ICMP_REDIRECT: return "redirect";
    case PP_ICMP_ECHO: return "echo request";
    case PP_ICMP_TIME_EXCEEDED: return "time exceeded";
    case PP_ICMP_PARAM_PROBLEM: return "parameter problem";
    case PP_ICMP_TIMESTAMP: return "timestamp request";
    case PP_ICMP_TIMESTAMP_REPLY: return "timestamp reply";
    default: return NULL;
    }
}

static int describe_icmp(struct out *o, const struct pp_ipv4_hdr *ip, unsigned flags)
{
    struct pp_icmp_hdr h;
    struct pp_icmp_quote q;
    char a[16], b[16];
    int rc = pp_icmp_parse(ip->payload, ip->payload_len, &h, flags);

    put(o, "%s > %s ICMP ", pp_ipv4_ntoa(ip->src, a), pp_ipv4_ntoa(ip->dst, b));
    if (rc < 0) {
        put(o, "malformed: %s", pp_wire_strerror(rc));
        return rc;
    }
    if (icmp_name(h.type))
        put(o, "%s", icmp_name(h.type));
    else
        put(o, "type %u", h.type);
    if (h.type == PP_ICMP_ECHO || h.type == PP_ICMP_ECHO_REPLY)
        put(o, " id %u seq %u len %zu", h.id, h.seq, h.data_len);
    else
        put(o, " code %u", h.code);
    if (pp_icmp_is_error(h.type) && pp_icmp_quote_parse(&h, &q) == 0) {
        put(o, " [quote %s > %s proto %u", pp_ipv4_ntoa(q.ip.src, a), pp_ipv4_ntoa(q.ip.dst, b),
            q.ip.proto);
        if (q.has_ports)
            put(o, " %u > %u", q.sport, q.dport);
        put(o, "]");
    }
    return rc;
}

int pp_describe_packet(const uint8_t *pkt, size_t len, char *buf, size_t cap, unsigned flags)
{
    struct out o = {buf, cap, 0};
    struct pp_ipv4_hdr ip;
    char a[16], b[16], fl[10];
    int rc;

    if (cap == 0)
        return -PP_WERR_NOSPACE;
    buf[0] = 0;
    rc = pp_ipv4_parse(pkt, len, &ip, flags);
    if (rc < 0) {
        put(&o, "malformed IPv4: %s", pp_wire_strerror(rc));
        return rc;
    }
    /* Only a whole datagram has a transport header we can check. */
    if (pp_ipv4_is_fragment(&ip)) {
        put(&o, "%s > %s IPv4 fragment proto %u id %u offset %u len %u%s", pp_ipv4_ntoa(ip.src, a),
            pp_ipv4_ntoa(ip.dst, b), ip.proto, ip.id, ip.frag_off, ip.payload_len,
            ip.mf ? " +" : "");
        return rc;
    }
    switch (ip.proto) {
    case PP_IP_PROTO_TCP: {
        struct pp_tcp_hdr t;
        rc = pp_tcp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &t, flags);
        if (rc < 0) {
            put(&o, "%s > %s TCP malformed: %s", pp_ipv4_ntoa(ip.src, a), pp_ipv4_ntoa(ip.dst, b),
                pp_wire_strerror(rc));
            return rc;
        }
        put(&o, "%s:%u > %s:%u TCP [%s] seq %u", pp_ipv4_ntoa(ip.src, a), t.sport,
            pp_ipv4_ntoa(ip.dst, b), t.dport, pp_tcp_flags_str(t.flags, fl), t.seq);
        if (t.flags & PP_TCP_ACK)
            put(&o, " ack %u", t.ack);
        put(&o, " win %u", t.window);
        put_tcp_opts(&o, &t.opts);
        put(&o, " len %zu", t.payload_len);
        break;
    }
    case PP_IP_PROTO_UDP: {
        struct pp_udp_hdr u;
        rc = pp_udp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &u, flags);
        if (rc < 0) {
            put(&o, "%s > %s UDP malformed: %s", pp_ipv4_ntoa(ip.src, a), pp_ipv4_ntoa(ip.dst, b),
                pp_wire_strerror(rc));
            return rc;
        }
        put(&o, "%s:%u > %s:%u UDP len %u", pp_ipv4_ntoa(ip.src, a), u.sport,
            pp_ipv4_ntoa(ip.dst, b), u.dport, u.payload_len);
        break;
    }
    case PP_IP_PROTO_ICMP:
        rc = describe_icmp(&o, &ip, flags);
        break;
    default:
        put(&o, "%s > %s IP proto %u len %u", pp_ipv4_ntoa(ip.src, a), pp_ipv4_ntoa(ip.dst, b),
            ip.proto, ip.payload_len);
        break;
    }
    return rc;
}
