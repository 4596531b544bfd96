/* link_wrap_internal.h - what the two link wrappers (link_impair.c,
 * link_capture.c) share: the wrapper's own link in front, the inner link
 * behind, the inner link's ready callback taken over and forwarded, and a
 * kind that pp_link_wrap_free and the stats calls check before they trust
 * a struct pp_link to be a wrapper. */
#ifndef PP_LINK_WRAP_INTERNAL_H
#define PP_LINK_WRAP_INTERNAL_H

#include <pthread.h>
#include <stdint.h>

#include "portplex/link.h"
#include "wire/pbuf.h"

enum pp__wrap_kind { PP__WRAP_IMPAIR = 0x1a9a1f01, PP__WRAP_CAPTURE = 0x1a9ca901 };

struct pp__wrap {
    struct pp_link link;  /* link.priv points to this */
    struct pp_link_ops ops; /* the inner link's offers, as far as the wrapper passes them */
    uint32_t kind;
    struct pp_link *inner;
    void (*inner_ready)(void *arg); /* what inner had before the wrapper */
    void *inner_ready_arg;
    pthread_mutex_t mu; /* the wrapper's state: its callers hold the stack's lock, its
                           stats readers do not */
    void (*destroy)(struct pp__wrap *w); /* frees what the kind holds, not w */
};

/* Sets up w around inner: the link in front (MTU, ops to be filled by the
 * kind), the ready callback taken over. */
void pp__wrap_init(struct pp__wrap *w, uint32_t kind, struct pp_link *inner,
                   void (*destroy)(struct pp__wrap *w));
/* w when l is a wrapper of that kind, else NULL. */
struct pp__wrap *pp__wrap_of(struct pp_link *l, uint32_t kind);
/* The next packet inner holds, as a buffer of its own (inner's recv_pbuf,
 * or a copy of what recv returns); NULL when none. */
struct pp_pbuf *pp__wrap_pull(struct pp__wrap *w, uint64_t now_ms);
/* inner's next_due, UINT64_MAX when it has none. */
uint64_t pp__wrap_inner_due(struct pp__wrap *w);

#endif
