/* ring.h - a byte ring buffer for TCP's send and receive queues. */
#ifndef PP_RING_H
#define PP_RING_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct pp_ring {
    uint8_t *buf;
    size_t cap, head, len; /* data occupies [head, head+len) modulo cap */
};

static inline int pp_ring_init(struct pp_ring *r, size_t cap)
{
    r->buf = malloc(cap);
    r->cap = r->buf ? cap : 0;
    r->head = r->len = 0;
    return r->buf ? 0 : -1;
}

static inline void pp_ring_fini(struct pp_ring *r)
{
    free(r->buf);
    r->buf = NULL;
    r->cap = r->len = 0;
}

static inline size_t pp_ring_space(const struct pp_ring *r) { return r->cap - r->len; }

/* Appends up to n bytes; returns how many fit. */
static inline size_t pp_ring_write(struct pp_ring *r, const void *src, size_t n)
{
    size_t tail, first;
    if (n > pp_ring_space(r))
        n = pp_ring_space(r);
    tail = (r->head + r->len) % (r->cap ? r->cap : 1);
    first = r->cap - tail < n ? r->cap - tail : n;
    memcpy(r->buf + tail, src, first);
    memcpy(r->buf, (const uint8_t *)src + first, n - first);
    r->len += n;
    return n;
}

/* Copies n bytes starting off bytes after the head, without consuming. */
static inline void pp_ring_peek(const struct pp_ring *r, size_t off, void *dst, size_t n)
{
    size_t start = (r->head + off) % (r->cap ? r->cap : 1);
    size_t first = r->cap - start < n ? r->cap - start : n;
    memcpy(dst, r->buf + start, first);
    memcpy((uint8_t *)dst + first, r->buf, n - first);
}

/* Drops n bytes from the head. */
static inline void pp_ring_consume(struct pp_ring *r, size_t n)
{
    if (n > r->len)
        n = r->len;
    r->head = (r->head + n) % (r->cap ? r->cap : 1);
    r->len -= n;
}

#endif
