/* bufq.h - TCP's receive queue: the packet buffers that carried the data,
 * queued as they arrived, instead of a byte ring the payload is copied
 * into (one copy fewer per byte, as Linux's sk_receive_queue of skbs).  A
 * buffer whose payload fills less than half of it is copied into the
 * queue's last buffer or a fresh one instead, so what the queue holds in
 * memory stays within twice what it counts (a peer sending tiny segments
 * cannot make a 6 MiB window cost gigabytes).  Lock: the stack's. */
#ifndef PP_BUFQ_H
#define PP_BUFQ_H

#include <stddef.h>

#include "wire/pbuf.h"

struct pp_bufq {
    struct pp_pbuf *head, *tail; /* each one's data/len: its bytes still queued */
    size_t len;                  /* bytes queued */
    size_t cap;                  /* the most it may hold (SO_RCVBUF) */
};

static inline void pp_bufq_init(struct pp_bufq *q, size_t cap)
{
    q->head = q->tail = NULL;
    q->len = 0;
    q->cap = cap;
}

static inline size_t pp_bufq_space(const struct pp_bufq *q) { return q->cap > q->len ? q->cap - q->len : 0; }

/* Frees every buffer; the queue is empty (cap kept). */
void pp_bufq_fini(struct pp_bufq *q);
/* Appends a copy of up to n bytes; how many fit (fewer when out of memory). */
size_t pp_bufq_write(struct pp_bufq *q, const void *src, size_t n);
/* Appends p's bytes (p->data, p->len) and takes p, whatever it returns:
 * how many were queued (fewer than p->len beyond the space left). */
size_t pp_bufq_take(struct pp_bufq *q, struct pp_pbuf *p);
/* Copies the first n bytes (n <= len) without consuming them. */
void pp_bufq_peek(const struct pp_bufq *q, void *dst, size_t n);
/* Unlinks the whole buffers at the head that fit in max bytes, as if
 * consumed; returns them as a list (next) and their bytes in *n.  For a
 * reader that copies them out without the stack's lock held. */
struct pp_pbuf *pp_bufq_detach(struct pp_bufq *q, size_t max, size_t *n);
/* Drops the first n bytes. */
void pp_bufq_consume(struct pp_bufq *q, size_t n);

#endif
