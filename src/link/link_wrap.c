/* link_wrap.c - the part every link wrapper shares (link_wrap_internal.h):
 * taking over the inner link's ready callback, pulling from the inner link
 * in either of its ways, and freeing a wrapper of either kind. */
#include <stdlib.h>
#include <string.h>

#include "link/link_wrap_internal.h"
#include "portplex/link_wrap.h"

/* The inner link says a packet can be received now: the stack in front of
 * the wrapper is told, as if the wrapper itself had said it. */
static void forward_ready(void *arg)
{
    struct pp__wrap *w = arg;
    void (*fn)(void *) = w->link.ready;

    if (fn)
        fn(w->link.ready_arg);
}

static int wrap_wait_fd(struct pp_link *l)
{
    struct pp__wrap *w = l->priv;
    return w->inner->ops->wait_fd ? w->inner->ops->wait_fd(w->inner) : -1;
}

void pp__wrap_init(struct pp__wrap *w, uint32_t kind, struct pp_link *inner,
                   void (*destroy)(struct pp__wrap *w))
{
    memset(&w->link, 0, sizeof w->link);
    memset(&w->ops, 0, sizeof w->ops);
    w->link.ops = &w->ops;
    w->link.mtu = inner->mtu;
    w->link.priv = w;
    w->kind = kind;
    w->inner = inner;
    w->destroy = destroy;
    if (inner->ops->wait_fd)
        w->ops.wait_fd = wrap_wait_fd;
    pthread_mutex_init(&w->mu, NULL);
    w->inner_ready = inner->ready;
    w->inner_ready_arg = inner->ready_arg;
    inner->ready_arg = w;
    inner->ready = forward_ready;
}

struct pp__wrap *pp__wrap_of(struct pp_link *l, uint32_t kind)
{
    struct pp__wrap *w;

    if (!l || !l->ops || !l->priv)
        return NULL;
    w = l->priv;
    /* Only a wrapper's link points its ops at its own table. */
    if (l->ops != &w->ops || &w->link != l || (kind && w->kind != kind))
        return NULL;
    return w;
}

struct pp_pbuf *pp__wrap_pull(struct pp__wrap *w, uint64_t now_ms)
{
    const struct pp_link_ops *ops = w->inner->ops;
    const uint8_t *pkt;
    struct pp_pbuf *p;
    size_t len = 0;

    if (ops->recv_pbuf)
        return ops->recv_pbuf(w->inner, now_ms);
    if (!ops->recv || !(pkt = ops->recv(w->inner, &len, now_ms)))
        return NULL;
    p = pp_pbuf_alloc(len);
    if (p)
        memcpy(p->data, pkt, len);
    return p; /* NULL: out of memory, the packet is lost as on a full ring */
}

uint64_t pp__wrap_inner_due(struct pp__wrap *w)
{
    return w->inner->ops->next_due ? w->inner->ops->next_due(w->inner) : UINT64_MAX;
}

struct pp_link *pp_link_wrap_free(struct pp_link *l)
{
    struct pp__wrap *w = pp__wrap_of(l, 0);
    struct pp_link *inner;

    if (!w)
        return NULL;
    inner = w->inner;
    inner->ready = w->inner_ready;
    inner->ready_arg = w->inner_ready_arg;
    w->destroy(w);
    pthread_mutex_destroy(&w->mu);
    free(w);
    return inner;
}
