/* demux_timewait.c - TIME_WAIT records: a closed connection's 4-tuple stays
 * taken for 2*MSL (RFC 9293 3.10.7.4) in a small record instead of a whole
 * socket.  Every record lives equally long, so a FIFO queue orders expiry. */
#include "demux_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void dequeue(struct pp_demux *d, struct pp_dmx_timewait *tw)
{
    if (tw->q_prev)
        tw->q_prev->q_next = tw->q_next;
    else
        d->tw_head = tw->q_next;
    if (tw->q_next)
        tw->q_next->q_prev = tw->q_prev;
    else
        d->tw_tail = tw->q_prev;
    d->tw_count--;
}

int pp_demux_timewait_adopt(struct pp_demux *d, struct pp_dmx_entry *e, struct pp_dmx_entry *rec,
                            void *owner)
{
    if (!d || !e || !rec || e->proto != PP_DMX_TCP || e->kind != PP_DMX_CONNECTED)
        return -EINVAL;
    pp_dmx_entry_init(rec, PP_DMX_TCP, owner);
    rec->t = e->t;
    rec->family = e->family;
    rec->a6 = e->a6;
    rec->flags = e->flags;
    pp_demux_remove(d, e);
    rec->kind = PP_DMX_TIMEWAIT;
    if (pp__dmx_link(d, rec) < 0) {
        rec->kind = PP_DMX_UNBOUND;
        return -ENOMEM;
    }
    return 0;
}

struct pp_dmx_timewait *pp_demux_timewait(struct pp_demux *d, struct pp_dmx_entry *e, uint64_t now,
                                          uint32_t snd_nxt, uint32_t rcv_nxt)
{
    struct pp_dmx_timewait *tw;

    if (e->proto != PP_DMX_TCP || e->kind != PP_DMX_CONNECTED)
        return NULL;
    /* Aligned as sockets are (sock_new): a lookup's fields in one line. */
    tw = aligned_alloc(64, (sizeof *tw + 63) / 64 * 64);
    if (!tw) {
        pp_demux_remove(d, e);
        return NULL;
    }
    memset(tw, 0, sizeof *tw);
    tw->expires = now + d->time_wait;
    tw->snd_nxt = snd_nxt;
    tw->rcv_nxt = rcv_nxt;
    if (pp_demux_timewait_adopt(d, e, &tw->e, tw) < 0) {
        free(tw);
        return NULL;
    }
    tw->q_prev = d->tw_tail;
    if (d->tw_tail)
        d->tw_tail->q_next = tw;
    else
        d->tw_head = tw;
    d->tw_tail = tw;
    d->tw_count++;
    return tw;
}

void pp_demux_timewait_kill(struct pp_demux *d, struct pp_dmx_timewait *tw)
{
    if (!tw)
        return;
    pp__dmx_unlink(d, &tw->e);
    dequeue(d, tw);
    free(tw);
}

size_t pp_demux_expire(struct pp_demux *d, uint64_t now)
{
    size_t n = 0;

    while (d->tw_head && d->tw_head->expires <= now) {
        pp_demux_timewait_kill(d, d->tw_head);
        n++;
    }
    d->stats.timewait_expired += n;
    return n;
}

uint64_t pp_demux_next_expiry(const struct pp_demux *d)
{
    return d->tw_head ? d->tw_head->expires : UINT64_MAX;
}

void pp__dmx_timewait_free_all(struct pp_demux *d)
{
    while (d->tw_head) {
        struct pp_dmx_timewait *tw = d->tw_head;
        dequeue(d, tw);
        free(tw);
    }
}
