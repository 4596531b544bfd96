/* bufq.c - the receive queue of packet buffers (bufq.h). */
#include "bufq.h"

#include <string.h>

void pp_bufq_fini(struct pp_bufq *q)
{
    while (q->head) {
        struct pp_pbuf *p = q->head;
        q->head = p->next;
        pp_pbuf_free(p);
    }
    q->tail = NULL;
    q->len = 0;
}

/* Bytes free after the last buffer's data. */
static size_t tail_room(const struct pp_bufq *q)
{
    const struct pp_pbuf *t = q->tail;
    return t ? (size_t)(t->buf + t->room - (t->data + t->len)) : 0;
}

static void link_in(struct pp_bufq *q, struct pp_pbuf *p)
{
    p->next = NULL;
    if (q->tail)
        q->tail->next = p;
    else
        q->head = p;
    q->tail = p;
}

size_t pp_bufq_write(struct pp_bufq *q, const void *src, size_t n)
{
    const uint8_t *s = src;
    size_t done = 0;

    if (n > pp_bufq_space(q))
        n = pp_bufq_space(q);
    while (done < n) {
        size_t room = tail_room(q), chunk;
        if (!room) {
            /* A small buffer for a little, a large one for a lot. */
            struct pp_pbuf *p = pp_pbuf_alloc(n - done > 2048 ? 65536 : 2048);
            if (!p)
                break;
            p->data = p->buf; /* no headers go before queued bytes */
            p->len = 0;
            link_in(q, p);
            room = tail_room(q);
        }
        chunk = n - done < room ? n - done : room;
        memcpy(q->tail->data + q->tail->len, s + done, chunk);
        q->tail->len += chunk;
        done += chunk;
    }
    q->len += done;
    return done;
}

size_t pp_bufq_take(struct pp_bufq *q, struct pp_pbuf *p)
{
    size_t n;

    if (p->len > pp_bufq_space(q))
        p->len = pp_bufq_space(q);
    /* Kept as it is only when it carries at least half its weight, and
     * not when the last buffer can take it in (small segments coalesce). */
    if (p->len == 0 || 2 * p->len < p->room || p->len <= tail_room(q)) {
        n = pp_bufq_write(q, p->data, p->len);
        pp_pbuf_free(p);
        return n;
    }
    link_in(q, p);
    q->len += p->len;
    return p->len;
}

void pp_bufq_peek(const struct pp_bufq *q, void *dst, size_t n)
{
    const struct pp_pbuf *p;
    uint8_t *d = dst;

    for (p = q->head; p && n; p = p->next) {
        size_t chunk = p->len < n ? p->len : n;
        memcpy(d, p->data, chunk);
        d += chunk;
        n -= chunk;
    }
}

void pp_bufq_consume(struct pp_bufq *q, size_t n)
{
    if (n > q->len)
        n = q->len;
    q->len -= n;
    while (n) {
        struct pp_pbuf *p = q->head;
        if (p->len > n) {
            p->data += n;
            p->len -= n;
            return;
        }
        n -= p->len;
        q->head = p->next;
        if (!q->head)
            q->tail = NULL;
        pp_pbuf_free(p);
    }
}

struct pp_pbuf *pp_bufq_detach(struct pp_bufq *q, size_t max, size_t *n)
{
    struct pp_pbuf *first = q->head, *last = NULL;
    size_t got = 0;

    while (q->head && q->head->len <= max - got) {
        last = q->head;
        got += last->len;
        q->head = last->next;
    }
    *n = got;
    if (!last)
        return NULL;
    last->next = NULL;
    if (!q->head)
        q->tail = NULL;
    q->len -= got;
    return first;
}
