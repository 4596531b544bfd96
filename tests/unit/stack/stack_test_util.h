/* stack_test_util.h - helpers for stack tests: a capture link that records
 * what a stack sends, packet builders, address helpers. */
#ifndef PP_STACK_TEST_UTIL_H
#define PP_STACK_TEST_UTIL_H

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "portplex/link.h"
#include "portplex/socket.h"
#include "portplex/stack.h"
#include "portplex/wire/bytes.h"
#include "portplex/wire/checksum.h"
#include "portplex/wire/icmp.h"
#include "portplex/wire/ipv4.h"
#include "portplex/wire/tcp.h"
#include "portplex/wire/udp.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define HOST_A IP(192, 0, 2, 1)
#define HOST_B IP(192, 0, 2, 2)

struct capture {
    struct pp_link link;
    int refuse;  /* as a full queue: every send fails with -ENOBUFS, nothing kept */
    int n;
    size_t len[64];
    uint8_t pkt[64][2048];
};

static int capture_send(struct pp_link *l, const uint8_t *pkt, size_t len)
{
    struct capture *c = l->priv;
    if (c->refuse)
        return -ENOBUFS;
    if (c->n < 64) {
        c->len[c->n] = len;
        memcpy(c->pkt[c->n], pkt, len < 2048 ? len : 2048);
        c->n++;
    }
    return 0;
}
static const struct pp_link_ops capture_ops = {.send = capture_send};

static inline void capture_init(struct capture *c, uint16_t mtu)
{
    memset(c, 0, sizeof *c);
    c->link.ops = &capture_ops;
    c->link.mtu = mtu;
    c->link.priv = c;
}

static inline struct pp_stack *stack_at(uint32_t addr, const char *name)
{
    struct pp_stack_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.addr = addr;
    cfg.prefix_len = 24;
    cfg.name = name;
    return pp_stack_new(&cfg);
}

static inline struct sockaddr_in sin_of(uint32_t addr, uint16_t port)
{
    struct sockaddr_in s;
    memset(&s, 0, sizeof s);
    s.sin_family = AF_INET;
    s.sin_addr.s_addr = htonl(addr);
    s.sin_port = htons(port);
    return s;
}
#define SA(x) ((const struct sockaddr *)&(x)), sizeof(x)

/* Builds an IPv4 packet around l4 bytes (proto) into out; returns its length. */
static inline size_t build_ip(uint8_t *out, uint32_t src, uint32_t dst, uint8_t proto,
                              const uint8_t *l4, size_t l4len, uint16_t id, int mf,
                              uint16_t frag_off)
{
    struct pp_ipv4_hdr h;
    memset(&h, 0, sizeof h);
    h.total_len = (uint16_t)(20 + l4len);
    h.id = id;
    h.mf = (uint8_t)mf;
    h.frag_off = frag_off;
    h.ttl = 64;
    h.proto = proto;
    h.src = src;
    h.dst = dst;
    memcpy(out + 20, l4, l4len);
    pp_ipv4_emit(out, 20, &h, 0);
    return 20 + l4len;
}

/* A whole UDP datagram in an IPv4 packet. */
static inline size_t build_udp(uint8_t *out, uint32_t src, uint16_t sport, uint32_t dst,
                               uint16_t dport, const void *data, size_t n)
{
    uint8_t l4[2048];
    memcpy(l4 + 8, data, n);
    pp_udp_emit(l4, sizeof l4, sport, dport, n, src, dst);
    return build_ip(out, src, dst, PP_IP_PROTO_UDP, l4, 8 + n, 7, 0, 0);
}

/* Two stacks, A (192.0.2.1) and B (192.0.2.2), on one virtual wire,
 * delivered by the wire's thread when threaded, else by pp_vwire_step. */
#include "portplex/vwire.h"
struct pair {
    struct pp_stack *a, *b;
    struct pp_vwire *w;
};

static inline void pair_new(struct pair *p, const struct pp_vwire_config *cfg, int threaded)
{
    char err[256];
    p->a = stack_at(HOST_A, "a");
    p->b = stack_at(HOST_B, "b");
    p->w = pp_vwire_new(cfg, err);
    if (!p->a || !p->b || !p->w || pp_vwire_attach(p->w, p->a) < 0 ||
        pp_vwire_attach(p->w, p->b) < 0 || (threaded && pp_vwire_start(p->w) < 0)) {
        fprintf(stderr, "pair_new failed\n");
        abort();
    }
}

/* Frees the wire first: it must not deliver into freed stacks. */
static inline void pair_free(struct pair *p)
{
    pp_vwire_free(p->w);
    pp_stack_free(p->a);
    pp_stack_free(p->b);
}

#endif
