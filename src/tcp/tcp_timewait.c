/* tcp_timewait.c - TCP's TIME_WAIT records (RFC 9293 3.10.7.4): once a
 * connection is closed on our side first, its 4-tuple stays taken for
 * 2*MSL in a small record that remembers what TCP must answer with, while
 * the socket and control block go.  The socket table holds the record's
 * entry (pp_demux_timewait_adopt) and finds it by the 4-tuple; TCP owns
 * the record, answers for it and expires it from its timers.  Every record
 * lives equally long, so a FIFO orders expiry.  Stack lock held. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tcp_internal.h"

static void dequeue(struct pp_stack *st, struct pp_tcp_tw *tw)
{
    if (tw->prev)
        tw->prev->next = tw->next;
    else
        st->tw_head = tw->next;
    if (tw->next)
        tw->next->prev = tw->prev;
    else
        st->tw_tail = tw->prev;
    tw->next = tw->prev = NULL;
}

static void enqueue(struct pp_stack *st, struct pp_tcp_tw *tw)
{
    tw->expires = st->now_ms + st->time_wait_ms;
    tw->next = NULL;
    tw->prev = st->tw_tail;
    if (st->tw_tail)
        st->tw_tail->next = tw;
    else
        st->tw_head = tw;
    st->tw_tail = tw;
}

int pp__tcp_tw_enter(struct pp_stack *st, struct pp_dmx_entry *e, uint32_t snd_nxt, uint32_t rcv_nxt)
{
    PP_ASSERT_LOCKED(st);
    /* Aligned as sockets are: the fields a lookup reads share one line. */
    struct pp_tcp_tw *tw = pp__fault_alloc() ? NULL : aligned_alloc(64, (sizeof *tw + 63) / 64 * 64);

    if (!tw) {
        pp_demux_remove(st->demux, e); /* the tuple is simply released */
        return -ENOMEM;
    }
    memset(tw, 0, sizeof *tw);
    tw->snd_nxt = snd_nxt;
    tw->rcv_nxt = rcv_nxt;
    if (pp_demux_timewait_adopt(st->demux, e, &tw->e, tw) < 0) {
        free(tw);
        return -ENOMEM;
    }
    enqueue(st, tw);
    return 0;
}

void pp__tcp_tw_restart(struct pp_stack *st, struct pp_tcp_tw *tw)
{
    dequeue(st, tw);
    enqueue(st, tw);
}

void pp__tcp_tw_kill(struct pp_stack *st, struct pp_tcp_tw *tw)
{
    pp_demux_remove(st->demux, &tw->e);
    dequeue(st, tw);
    free(tw);
}

void pp__tcp_tw_expire(struct pp_stack *st)
{
    while (st->tw_head && st->tw_head->expires <= st->now_ms) {
        pp__tcp_tw_kill(st, st->tw_head);
        CNT(st, tcp, tw_expired);
    }
}

uint64_t pp__tcp_tw_next_expiry(const struct pp_stack *st)
{
    return st->tw_head ? st->tw_head->expires : UINT64_MAX;
}

void pp__tcp_tw_free_all(struct pp_stack *st)
{
    while (st->tw_head)
        pp__tcp_tw_kill(st, st->tw_head);
}
