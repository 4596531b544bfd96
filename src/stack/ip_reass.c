/* ip_reass.c - IPv4 fragment reassembly (RFC 791 3.2, RFC 815) with bounds:
 * a memory budget for all pending fragments, a timeout, and RFC 5722-style
 * caution: a fragment that overlaps another (other than an exact duplicate,
 * which is ignored, as Linux does) drops the whole datagram, because
 * overlaps are how filters are evaded (RFC 1858, RFC 3128). */
#include <stdlib.h>
#include <string.h>

#include "stack_internal.h"
#include "portplex/wire/bytes.h"

struct frag {
    struct frag *next; /* sorted by offset */
    uint16_t off, len;
    uint8_t data[];
};

struct pp_reass {
    struct pp_reass *next;
    uint32_t src, dst;
    uint16_t id;
    uint8_t proto;
    uint8_t have_last;
    uint16_t total;        /* payload length, known once the last fragment came */
    uint64_t started;
    size_t bytes;          /* memory charged to this datagram */
    uint8_t first_hdr[60]; /* header of the first fragment, for the result and ICMP */
    uint8_t first_hdr_len;
    struct frag *frags;
};

static void reass_free(struct pp_stack *st, struct pp_reass *r)
{
    struct pp_reass **pp;
    struct frag *f, *n;

    for (pp = &st->reass; *pp; pp = &(*pp)->next)
        if (*pp == r) {
            *pp = r->next;
            break;
        }
    for (f = r->frags; f; f = n) {
        n = f->next;
        free(f);
    }
    st->reass_bytes -= r->bytes;
    free(r);
}

void pp__ip_reass_free_all(struct pp_stack *st)
{
    while (st->reass)
        reass_free(st, st->reass);
}

void pp__ip_reass_timer(struct pp_stack *st)
{
    struct pp_reass *r = st->reass, *next;

    for (; r; r = next) {
        next = r->next;
        if (st->now_ms - r->started < st->reass_timeout)
            continue;
        CNT(st, ip, reasm_timeouts);
        CNT(st, ip, reasm_fails);
        /* RFC 792 / RFC 1122 3.2.1.4: time exceeded, code 1, only if the
         * first fragment arrived (it is what we quote). */
        if (r->first_hdr_len) {
            struct pp_ipv4_hdr h;
            uint8_t quote[68];
            size_t qlen = r->first_hdr_len;
            memcpy(quote, r->first_hdr, qlen);
            if (r->frags && r->frags->off == 0) {
                size_t n = r->frags->len < 8 ? r->frags->len : 8;
                memcpy(quote + qlen, r->frags->data, n);
                qlen += n;
            }
            memset(&h, 0, sizeof h);
            h.src = r->src;
            h.dst = r->dst;
            h.proto = r->proto;
            h.mf = 1;
            h.hdr_len = r->first_hdr_len;
            h.total_len = (uint16_t)qlen;
            pp__icmp_send_error(st, PP_ICMP_TIME_EXCEEDED, 1, 0, &h, quote, qlen);
        }
        reass_free(st, r);
    }
}

static struct pp_reass *find(struct pp_stack *st, const struct pp_ipv4_hdr *h)
{
    struct pp_reass *r;

    for (r = st->reass; r; r = r->next)
        if (r->src == h->src && r->dst == h->dst && r->id == h->id && r->proto == h->proto)
            return r;
    return NULL;
}

/* Builds the whole datagram once every byte from 0 to total is present. */
static struct pp_pbuf *complete(struct pp_stack *st, struct pp_reass *r)
{
    struct frag *f;
    uint32_t have = 0;
    struct pp_pbuf *p;
    uint8_t *out;

    if (!r->have_last || !r->first_hdr_len)
        return NULL;
    for (f = r->frags; f; f = f->next) {
        if (f->off != have)
            return NULL;
        have += f->len;
    }
    if (have != r->total)
        return NULL;
    p = pp_pbuf_alloc(r->first_hdr_len + (size_t)r->total);
    if (!p) {
        CNT(st, ip, reasm_fails);
        reass_free(st, r);
        return NULL;
    }
    out = p->data;
    memcpy(out, r->first_hdr, r->first_hdr_len);
    for (f = r->frags; f; f = f->next)
        memcpy(out + r->first_hdr_len + f->off, f->data, f->len);
    /* The result: no more fragments, offset 0, the whole length. */
    pp_put16(out + 2, (uint16_t)(r->first_hdr_len + r->total));
    out[6] &= 0x40; /* keep DF, clear MF and offset */
    out[7] = 0;
    CNT(st, ip, reasm_oks);
    reass_free(st, r);
    return p;
}

struct pp_pbuf *pp__ip_reass(struct pp_stack *st, struct pp_pbuf *p, const struct pp_ipv4_hdr *h)
{
    struct pp_reass *r = find(st, h);
    struct frag *f, **pp;
    uint16_t off = h->frag_off, len = h->payload_len;
    size_t cost = sizeof(struct frag) + len;

    /* Every fragment but the last carries a multiple of 8 bytes (RFC 791). */
    if ((h->mf && (len == 0 || len % 8)) || (uint32_t)off + len > 65535u - h->hdr_len) {
        CNT(st, ip, reasm_fails);
        if (r)
            reass_free(st, r);
        goto drop;
    }
    if (!r) {
        if (st->reass_bytes + sizeof *r + cost > st->reass_max) {
            CNT(st, ip, reasm_nomem);
            CNT(st, ip, reasm_fails);
            goto drop;
        }
        r = pp__fault_alloc() ? NULL : calloc(1, sizeof *r);
        if (!r) {
            CNT(st, ip, reasm_nomem);
            goto drop;
        }
        r->src = h->src;
        r->dst = h->dst;
        r->id = h->id;
        r->proto = h->proto;
        r->started = st->now_ms;
        r->bytes = sizeof *r;
        st->reass_bytes += sizeof *r;
        r->next = st->reass;
        st->reass = r;
    } else if (st->reass_bytes + cost > st->reass_max) {
        CNT(st, ip, reasm_nomem);
        CNT(st, ip, reasm_fails);
        reass_free(st, r);
        goto drop;
    }
    if (!h->mf) {
        if (r->have_last && r->total != off + len) {
            CNT(st, ip, reasm_overlaps); /* two different ends */
            CNT(st, ip, reasm_fails);
            reass_free(st, r);
            goto drop;
        }
        r->have_last = 1;
        r->total = (uint16_t)(off + len);
    }
    for (pp = &r->frags; *pp && (*pp)->off < off; pp = &(*pp)->next)
        ;
    /* Neighbours: the one before (last with off < ours) and *pp (off >= ours). */
    {
        struct frag *prev = NULL, *it;
        for (it = r->frags; it && it->off < off; it = it->next)
            prev = it;
        if (*pp && (*pp)->off == off && (*pp)->len == len) {
            CNT(st, ip, reasm_dups);
            goto drop;
        }
        if ((prev && prev->off + prev->len > off) || (*pp && off + len > (*pp)->off) ||
            (r->have_last && off + len > r->total)) {
            CNT(st, ip, reasm_overlaps);
            CNT(st, ip, reasm_fails);
            reass_free(st, r);
            goto drop;
        }
    }
    f = pp__fault_alloc() ? NULL : malloc(sizeof *f + len);
    if (!f) {
        CNT(st, ip, reasm_nomem);
        goto drop;
    }
    f->off = off;
    f->len = len;
    memcpy(f->data, h->payload, len);
    f->next = *pp;
    *pp = f;
    r->bytes += cost;
    st->reass_bytes += cost;
    if (off == 0) {
        memcpy(r->first_hdr, p->data, h->hdr_len);
        r->first_hdr_len = h->hdr_len;
    }
    pp_pbuf_free(p);
    return complete(st, r);
drop:
    pp_pbuf_free(p);
    return NULL;
}
