/* pbuf.h - the packet buffer: one allocation with headroom, so each layer
 * prepends its header on the way out (pp_pbuf_push) and strips it on the way
 * in (pp_pbuf_pull) without copying the payload.  Ownership: whoever holds a
 * pbuf frees it or hands it on; *_input and *_output consume theirs. */
#ifndef PP_PBUF_H
#define PP_PBUF_H

#include <stddef.h>
#include <stdint.h>

/* Room for the largest IPv4 + TCP headers (60 + 60) and then some. */
#define PP_HEADROOM 128

struct pp_pbuf {
    struct pp_pbuf *next; /* for queues */
    uint8_t *data;        /* first byte of the current layer */
    size_t len;           /* bytes from data */
    size_t room;          /* bytes of storage from buf */
    uint32_t src;         /* metadata for queues: source address and port */
    uint16_t sport;
    /* The TCP or UDP checksum field of this IPv4 packet is not filled in:
     * the stack left it to the link (checksum offload, as a NIC's
     * CHECKSUM_PARTIAL).  A link that keeps packets inside the process
     * passes the flag on and the receiving stack trusts the packet, as
     * Linux trusts loopback's; whoever shows the packet to anything else (a
     * capture, an impaired wire, a device) first calls pp_pbuf_csum_fill. */
    uint8_t csum_partial;
    uint8_t buf[];
};

/* A buffer with PP_HEADROOM free bytes before len bytes of data; NULL when
 * out of memory. */
struct pp_pbuf *pp_pbuf_alloc(size_t len);
/* Frees p; accepts NULL. */
void pp_pbuf_free(struct pp_pbuf *p);
/* Fills in the checksum that csum_partial says is missing (p->data holds
 * the whole IPv4 packet); nothing when the flag is clear. */
void pp_pbuf_csum_fill(struct pp_pbuf *p);
/* The same for a TCP or UDP segment of len bytes at l4 without its IP
 * header (before IP cuts it into fragments). */
void pp_l4_csum_fill(uint8_t *l4, size_t len, uint32_t src, uint32_t dst, uint8_t proto);

/* Prepends n bytes of header space; returns the new data pointer, or NULL if
 * the headroom is exhausted (a broken invariant for callers). */
static inline uint8_t *pp_pbuf_push(struct pp_pbuf *p, size_t n)
{
    if ((size_t)(p->data - p->buf) < n)
        return NULL;
    p->data -= n;
    p->len += n;
    return p->data;
}

/* Strips n bytes of header; returns the new data pointer, NULL if len < n. */
static inline uint8_t *pp_pbuf_pull(struct pp_pbuf *p, size_t n)
{
    if (p->len < n)
        return NULL;
    p->data += n;
    p->len -= n;
    return p->data;
}

/* Keeps only the first n bytes (drops link padding). */
static inline void pp_pbuf_trim(struct pp_pbuf *p, size_t n)
{
    if (n < p->len)
        p->len = n;
}

#endif
