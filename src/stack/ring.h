/* ring.h - a byte ring buffer for TCP's send and receive queues.  cap is
 * the queue's limit (SO_SNDBUF / SO_RCVBUF); the memory behind it starts
 * small and doubles as data arrives, so a connection that carries a short
 * request and reply costs a few kilobytes, not 2 x 256 KiB (which made
 * every connection a pair of large allocations). */
#ifndef PP_RING_H
#define PP_RING_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PP_RING_FIRST 4096

struct pp_ring {
    uint8_t *buf;
    size_t cap;        /* the most it may hold */
    size_t alloc;      /* bytes behind buf (<= cap) */
    size_t head, len;  /* data occupies [head, head+len) modulo alloc */
};

/* Sets the limit; memory comes with the first write.  0 (it cannot fail). */
static inline int pp_ring_init(struct pp_ring *r, size_t cap)
{
    r->buf = NULL;
    r->cap = cap;
    r->alloc = r->head = r->len = 0;
    return 0;
}

static inline void pp_ring_fini(struct pp_ring *r)
{
    free(r->buf);
    r->buf = NULL;
    r->cap = r->alloc = r->len = r->head = 0;
}

/* Never negative: SO_SNDBUF may lower cap below what is queued. */
static inline size_t pp_ring_space(const struct pp_ring *r) { return r->cap > r->len ? r->cap - r->len : 0; }

/* Copies n bytes starting off bytes after the head, without consuming. */
static inline void pp_ring_peek(const struct pp_ring *r, size_t off, void *dst, size_t n)
{
    size_t start, first;
    if (n == 0)
        return;
    start = (r->head + off) % r->alloc;
    first = r->alloc - start < n ? r->alloc - start : n;
    memcpy(dst, r->buf + start, first);
    memcpy((uint8_t *)dst + first, r->buf, n - first);
}

/* Makes room for need bytes in all (need <= cap); 0, or -1 without memory
 * (the ring is unchanged). */
static inline int pp_ring_reserve(struct pp_ring *r, size_t need)
{
    size_t size = r->alloc ? r->alloc : PP_RING_FIRST;
    uint8_t *nb;
    if (need <= r->alloc)
        return 0;
    while (size < need)
        size *= 2;
    if (size > r->cap)
        size = r->cap;
    nb = (uint8_t *)malloc(size);
    if (!nb)
        return -1;
    pp_ring_peek(r, 0, nb, r->len); /* linearize into the new buffer */
    free(r->buf);
    r->buf = nb;
    r->alloc = size;
    r->head = 0;
    return 0;
}

/* Appends up to n bytes; returns how many fit (fewer when out of memory). */
static inline size_t pp_ring_write(struct pp_ring *r, const void *src, size_t n)
{
    size_t tail, first;
    if (n > pp_ring_space(r))
        n = pp_ring_space(r);
    if (n == 0)
        return 0;
    if (pp_ring_reserve(r, r->len + n) < 0) {
        if (r->alloc <= r->len)
            return 0;
        n = r->alloc - r->len; /* what the current buffer still takes */
    }
    tail = (r->head + r->len) % r->alloc;
    first = r->alloc - tail < n ? r->alloc - tail : n;
    memcpy(r->buf + tail, src, first);
    memcpy(r->buf, (const uint8_t *)src + first, n - first);
    r->len += n;
    return n;
}

/* Drops n bytes from the head. */
static inline void pp_ring_consume(struct pp_ring *r, size_t n)
{
    if (n > r->len)
        n = r->len;
    if (r->alloc)
        r->head = (r->head + n) % r->alloc;
    r->len -= n;
}

#endif
