/* udp.c - UDP.  Input: validate, demultiplex by destination (connected >
 * exact > wildcard), queue with the return address, or answer a port with no
 * socket with ICMP port unreachable; ICMP errors back to their socket; and
 * output: a datagram from a socket (RFC 768). */
#include <errno.h>
#include <string.h>
#include <sys/types.h>

#include "udp_internal.h"
#include "portplex/wire/udp.h"
#include "portplex/wire/wire_err.h"

static void udp_input(struct pp_stack *st, struct pp_pbuf *p, const struct pp_ip_rx *ip)
{
    PP_ASSERT_LOCKED(st);
    struct pp_udp_hdr u;
    struct pp_dmx_entry *e;
    struct pp_sock *s;
    int rc;

    /* IPv4 only so far: an IPv6 datagram's checksum covers other ends. */
    if (ip->version != PP_IP_V4)
        goto drop;
    rc = pp_udp_parse(p->data, p->len, ip->src, ip->dst, &u, 0);
    if (rc < 0) {
        CNT(st, udp, in_errors);
        count_err(st, PP_ERRL_UDP, rc);
        goto drop;
    }
    if (pp_demux_lookup_udp(st->demux, ip->src, u.sport, ip->dst, u.dport, &e) == PP_RULE_MISS) {
        CNT(st, udp, no_ports);
        /* The quote needs the IP header back in front of the UDP header. */
        if (!pp__ip_is_broadcast(st, ip->dst)) {
            pp_pbuf_push(p, ip->hdr_len);
            pp__icmp_send_error(st, PP_ICMP_UNREACH, PP_UNREACH_PORT, 0, ip->v4, p->data, p->len);
        }
        goto drop;
    }
    s = e->owner;
    if (s->rx_bytes + u.payload_len > s->rcvbuf) {
        CNT(st, udp, rcvbuf_errors);
        goto drop;
    }
    pp_pbuf_pull(p, PP_UDP_HDR_LEN);
    pp_pbuf_trim(p, u.payload_len);
    p->src = ip->src; /* the return address */
    p->sport = u.sport;
    p->next = NULL;
    if (s->rxq_tail)
        s->rxq_tail->next = p;
    else
        s->rxq_head = p;
    s->rxq_tail = p;
    s->rx_bytes += p->len;
    CNT(st, udp, in_datagrams);
    pp__up_wake(st, s); /* the socket now owns p */
    return;
drop:
    pp_pbuf_free(p);
}

static void udp_icmp_error(struct pp_stack *st, const struct pp_icmp_quote *q, uint8_t type,
                           uint8_t code, uint16_t mtu)
{
    int err = type == PP_ICMP_UNREACH ? pp__icmp_unreach_errno(code) : EHOSTUNREACH;

    (void)mtu;
    struct pp_dmx_entry *e;
    struct pp_sock *s;

    /* The datagram went from q->ip.src:sport to q->ip.dst:dport; its socket
     * is the one that would receive the reverse direction.  As on Linux,
     * only a connected socket hears about it (without IP_RECVERR). */
    if (pp_demux_lookup_udp(st->demux, q->ip.dst, q->dport, q->ip.src, q->sport, &e) !=
        PP_RULE_UDP_CONNECTED)
        return;
    s = e->owner;
    s->so_error = err;
    CNT(st, icmp, errors_to_sockets);
    pp__up_wake(st, s);
}

/* UDP's control block is the socket itself (as Linux's udp_sock). */
static int udp_fd_of(const struct pp_dmx_entry *e)
{
    return ((const struct pp_sock *)e->owner)->fd;
}

const struct pp_ip_proto pp__udp_proto = {
    .name = "udp", .num = PP_IP_PROTO_UDP, .input = udp_input, .icmp_error = udp_icmp_error,
    .fd_of = udp_fd_of,
};

ssize_t pp__udp_output(struct pp_stack *st, struct pp_sock *s, const void *buf, size_t len,
                       uint32_t daddr, uint16_t dport)
{
    PP_ASSERT_LOCKED(st);
    struct pp_pbuf *p;
    uint32_t saddr;
    int rc;

    if (s->dmx.kind == PP_DMX_UNBOUND &&
        (rc = pp_demux_bind(st->demux, &s->dmx, 0, 0, s->reuseaddr ? PP_DMX_REUSEADDR : 0)) < 0)
        return rc;
    /* A socket bound to a broadcast address sends from the host's own. */
    saddr = s->dmx.t.laddr && !pp__ip_is_broadcast(st, s->dmx.t.laddr) ? s->dmx.t.laddr : st->addr;
    p = pp_pbuf_alloc(PP_UDP_HDR_LEN + len);
    if (!p)
        return -ENOBUFS;
    if (len)
        memcpy(p->data + PP_UDP_HDR_LEN, buf, len);
    pp_udp_emit(p->data, p->len, s->dmx.t.lport, dport, len, saddr, daddr);
    CNT(st, udp, out_datagrams);
    rc = pp__ip_output(st, p, saddr, daddr, PP_IP_PROTO_UDP, 0, 0); /* consumes p */
    return rc < 0 ? rc : (ssize_t)len;
}
