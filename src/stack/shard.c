/* shard.c - a stack as one of several per-core shards sharing an address
 * (pp_stack_set_shard, include/portplex/stack.h): connect() keeps to ports
 * whose replies the link steers back to this shard, and the shard's index
 * becomes its ready group (stack_ready.c). */
#include <errno.h>
#include <stdlib.h>

#include "stack_internal.h"

/* The demux's port filter: a reply from raddr:rport to laddr:lport must
 * hash, as the link will hash it on arrival, to this shard. */
static int reply_comes_here(void *arg, uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport)
{
    const struct pp_stack *st = arg;
    return pp_rss_hash_tuple(st->rss, raddr, laddr, rport, lport) % st->shard_count ==
           st->shard_index;
}

int pp_stack_set_shard(struct pp_stack *st, unsigned index, unsigned count, const uint8_t *rss_key)
{
    struct pp_rss *r = NULL;

    if (!st || count == 0 || index >= count || count > PP_SHARDS_MAX)
        return -EINVAL;
    if (rss_key) {
        r = malloc(sizeof *r);
        if (!r)
            return -ENOMEM;
        pp_rss_prepare(r, rss_key);
    }
    pthread_mutex_lock(&st->lock);
    free(st->rss);
    st->rss = r;
    st->shard_index = index;
    st->shard_count = count;
    st->ready_group = count > 1 ? index : 0;
    pp_demux_set_port_filter(st->demux, count > 1 && r ? reply_comes_here : NULL, st);
    pthread_mutex_unlock(&st->lock);
    return 0;
}
