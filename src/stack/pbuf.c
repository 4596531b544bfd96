/* pbuf.c - packet buffer allocation. */
#include "pbuf.h"

#include <stdlib.h>

struct pp_pbuf *pp_pbuf_alloc(size_t len)
{
    struct pp_pbuf *p = malloc(sizeof *p + PP_HEADROOM + len);

    if (!p)
        return NULL;
    p->next = NULL;
    p->room = PP_HEADROOM + len;
    p->data = p->buf + PP_HEADROOM;
    p->len = len;
    p->src = 0;
    p->sport = 0;
    return p;
}

void pp_pbuf_free(struct pp_pbuf *p)
{
    free(p);
}
