/* stack_api.c - a stack's birth and death as the API sees them: the IP layer
 * is given its transports here (UDP, TCP), so it never names one, and every
 * socket is closed before the stack goes. */
#include <stdlib.h>

#include "api_internal.h"
#include "tcp/tcp_internal.h"
#include "udp/udp_internal.h"

struct pp_stack *pp_stack_new(const struct pp_stack_config *cfg)
{
    struct pp_stack *st = pp__stack_create(cfg);

    if (!st)
        return NULL;
    st->up = &pp__sock_upcalls;
    st->busy_default_us = pp__busy_poll_default();
    if (pp__ip_add_proto(st, &pp__udp_proto) < 0 || pp__ip_add_proto(st, &pp__tcp_proto) < 0) {
        pp__stack_destroy(st);
        return NULL;
    }
    return st;
}

void pp_stack_free(struct pp_stack *st)
{
    int i;

    if (!st)
        return;
    for (i = 0; i < st->nsocks; i++)
        if (st->socks[i])
            pp_close(st, i);
    pp__stack_destroy(st);
}
