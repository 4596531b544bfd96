/* tcp_usr.c - the user's requests on a TCP connection (RFC 9293 3.10.1-3.10.6:
 * OPEN, SEND, RECEIVE, CLOSE, ABORT, STATUS), none of which waits: each does
 * what can be done now and says so.  The socket layer (api/socket_tcp.c)
 * loops and sleeps around them for blocking calls (docs/architecture.md,
 * "Parts and arrows"); lwIP splits its raw tcp_* API from its sockets the
 * same way.  Stack lock held on entry to each. */
#include <errno.h>
#include <string.h>

#include "tcp_internal.h"

int pp__tcp_connect(struct pp_stack *st, struct pp_sock *s, uint32_t addr, uint16_t port,
                    const struct pp_tcp_sockopts *opts)
{
    PP_ASSERT_LOCKED(st);
    struct pp_tcb *tcb = s->tcb;
    int rc;

    if (tcb) {
        if (tcb->state == PP_TCP_SYN_SENT)
            return -EALREADY;
        if (tcb->state == PP_TCP_LISTEN)
            return -EINVAL;
        return -EISCONN;
    }
    if (pp__ip_is_broadcast(st, addr))
        return -ENETUNREACH;
    if (!st->link)
        return -ENETUNREACH;
    rc = pp_demux_connect(st->demux, &s->dmx, st->addr, addr, port);
    if (rc < 0)
        return rc;
    tcb = pp__tcp_tcb_new(st, s, opts);
    if (!tcb) {
        pp_demux_remove(st->demux, &s->dmx);
        return -ENOMEM;
    }
    tcb->iss = pp__tcp_iss(st, &s->dmx.t);
    tcb->snd_una = tcb->snd_nxt = tcb->snd_max = tcb->iss;
    tcb->rtt_start = st->now_ms ? st->now_ms : 1;
    tcb->rtt_seq = tcb->iss;
    tcb->mss = pp__tcp_our_mss(st, tcb);
    tcb->ecn_req = st->tcp_ecn == PP_TCP_ECN_ON;
    pp__tcp_set_state(st, tcb, PP_TCP_SYN_SENT);
    pp__tcp_output(st, tcb); /* SYN */
    return 0;
}

int pp__tcp_connect_result(struct pp_sock *s)
{
    struct pp_tcb *tcb = s->tcb;
    int rc;

    if (tcb && tcb->state == PP_TCP_SYN_SENT)
        return 1;
    if (!tcb || tcb->state == PP_TCP_CLOSED) {
        rc = tcb && tcb->err ? -tcb->err : -ECONNREFUSED;
        if (tcb)
            tcb->err = 0;
        return rc;
    }
    return 0;
}

ssize_t pp__tcp_write(struct pp_stack *st, struct pp_tcb *tcb, const void *buf, size_t len,
                      int eor, int more, int keep_err)
{
    PP_ASSERT_LOCKED(st);
    size_t w;

    if (tcb->err) {
        int e = tcb->err;
        if (!keep_err)
            tcb->err = 0;
        return -e;
    }
    if (tcb->state == PP_TCP_SYN_SENT || tcb->state == PP_TCP_SYN_RECEIVED)
        return 0; /* queued once the handshake is done (RFC 9293 3.10.2) */
    if (tcb->state != PP_TCP_ESTABLISHED && tcb->state != PP_TCP_CLOSE_WAIT)
        return tcb->state == PP_TCP_CLOSED || tcb->state == PP_TCP_LISTEN ? -ENOTCONN : -EPIPE;
    if (tcb->fin_pending)
        return -EPIPE;
    w = pp_ring_write(&tcb->sndq, buf, len);
    if (w == 0 && pp_ring_space(&tcb->sndq) > 0)
        return -ENOMEM; /* no memory for the queue */
    /* MSG_EOR: a segment never carries bytes of two records. */
    if (w && w == len && eor)
        pp__tcp_mark_eor(tcb);
    /* MSG_MORE holds a short tail for this call only: the next write or ACK
     * sends it, as Linux's cork of one sendmsg. */
    tcb->more = more && !eor;
    if (w)
        tcb->tail_more = tcb->more;
    pp__tcp_output(st, tcb);
    tcb->more = 0;
    return (ssize_t)w;
}

ssize_t pp__tcp_read(struct pp_stack *st, struct pp_sock *s, void *buf, size_t len, int peek,
                     size_t unlocked_min, struct pp_pbuf **out)
{
    PP_ASSERT_LOCKED(st);
    struct pp_tcb *tcb = s->tcb;

    *out = NULL;
    if (tcb->rcvq.len) {
        size_t n = tcb->rcvq.len < len ? tcb->rcvq.len : len, whole = 0;
        /* Bytes offered now (not 4 GB when the peer filled a rounded
         * window: no window update went then, and a bulk transfer sat out
         * the 40 ms delayed-ACK timer several times a second). */
        uint32_t before = pp__tcp_rcv_offered(tcb);
        if (!peek && n >= unlocked_min)
            *out = pp_bufq_detach(&tcb->rcvq, n, &whole);
        pp_bufq_peek(&tcb->rcvq, (uint8_t *)buf + whole, n - whole);
        if (!peek) {
            size_t room, most = (size_t)0xffff << tcb->rcv_wscale;
            pp_bufq_consume(&tcb->rcvq, n - whole);
            pp__tcp_rcv_space_adjust(st, tcb, n);
            /* A window update of its own only when the offered window has
             * fallen to half the buffer or less and reading at least
             * doubles it, by a segment or more (receiver-side silly window
             * avoidance, RFC 9293 3.8.6.2.2, with Linux's thresholds);
             * otherwise the next ACK carries it. */
            room = pp_bufq_space(&tcb->rcvq);
            if (room > most) /* what the window field can say */
                room = most;
            if (tcb->state >= PP_TCP_ESTABLISHED && tcb->state <= PP_TCP_FIN_WAIT_2 &&
                2 * (size_t)before <= tcb->rcvq.cap && room >= 2 * (size_t)before &&
                room >= (size_t)before + tcb->mss)
                pp__tcp_send_ack(st, tcb);
        }
        return (ssize_t)n;
    }
    if (tcb->err) {
        int e = tcb->err;
        tcb->err = 0;
        return -e;
    }
    /* End of stream; after shutdown(SHUT_RD) too, as Linux: what is queued
     * (or arrives later) is still read first. */
    if (tcb->fin_rcvd || s->rd_shut || tcb->state == PP_TCP_CLOSED || tcb->state == PP_TCP_TIME_WAIT)
        return 0;
    if (tcb->state == PP_TCP_LISTEN)
        return -ENOTCONN;
    return -EAGAIN;
}

int pp__tcp_listen(struct pp_stack *st, struct pp_sock *s, int backlog,
                   const struct pp_tcp_sockopts *opts)
{
    PP_ASSERT_LOCKED(st);
    struct pp_tcb *tcb;
    size_t sb = s->sndbuf, rb = s->rcvbuf;
    int rc;

    backlog = backlog < 1 ? 1 : backlog > 4096 ? 4096 : backlog;
    if (s->tcb && s->tcb->state == PP_TCP_LISTEN) {
        s->tcb->backlog = backlog;
        return 0;
    }
    if (s->tcb)
        return -EINVAL;
    if ((rc = pp_demux_listen(st->demux, &s->dmx)) < 0)
        return rc;
    /* A listener needs no data buffers. */
    s->sndbuf = s->rcvbuf = 1;
    tcb = pp__tcp_tcb_new(st, s, opts);
    s->sndbuf = sb;
    s->rcvbuf = rb;
    if (!tcb) {
        pp_demux_remove(st->demux, &s->dmx);
        return -ENOMEM;
    }
    tcb->backlog = backlog;
    pp__tcp_set_state(st, tcb, PP_TCP_LISTEN);
    return 0;
}

struct pp_tcb *pp__tcp_accept_next(struct pp_tcb *l)
{
    struct pp_tcb *c = l->accept_head;

    if (!c)
        return NULL;
    l->accept_head = c->next_in_queue;
    if (!l->accept_head)
        l->accept_tail = NULL;
    l->queued--;
    l->accept_len--;
    c->parent = NULL;
    return c;
}

void pp__tcp_abort(struct pp_stack *st, struct pp_tcb *tcb)
{
    PP_ASSERT_LOCKED(st);
    if (tcb->state >= PP_TCP_SYN_RECEIVED && tcb->state != PP_TCP_TIME_WAIT) {
        pp__tcp_send_segment(st, tcb, tcb->snd_nxt, PP_TCP_RST | PP_TCP_ACK, 0, 0);
        CNT(st, tcp, out_rsts);
    }
    tcb->detached = 1;
    pp__tcp_drop(st, tcb, 0);
}

void pp__tcp_close(struct pp_stack *st, struct pp_sock *s)
{
    PP_ASSERT_LOCKED(st);
    struct pp_tcb *tcb = s->tcb, *c;

    if (!tcb) {
        pp_demux_remove(st->demux, &s->dmx);
        return;
    }
    switch (tcb->state) {
    case PP_TCP_LISTEN:
        /* Children never accepted are reset and freed with their listener. */
        for (;;) {
            for (c = st->tcbs; c && c->parent != tcb; c = c->next_active)
                ;
            if (!c)
                break;
            pp__tcp_abort(st, c);
        }
        tcb->detached = 1;
        pp__tcp_drop(st, tcb, 0);
        return;
    case PP_TCP_CLOSED:
    case PP_TCP_SYN_SENT:
    case PP_TCP_TIME_WAIT:
        tcb->detached = 1;
        pp__tcp_drop(st, tcb, 0);
        return;
    default:
        break;
    }
    /* SO_LINGER 0, or data we were sent and nobody will read: RST
     * (RFC 9293 3.10.4 abort; RFC 2525 2.17). */
    if (s->linger == 0 || tcb->rcvq.len) {
        pp__tcp_abort(st, tcb);
        return;
    }
    tcb->detached = 1;
    if (!tcb->fin_pending) {
        tcb->fin_pending = 1;
        pp__tcp_output(st, tcb);
    }
}

int pp__tcp_shutdown(struct pp_stack *st, struct pp_sock *s, int rd, int wr)
{
    PP_ASSERT_LOCKED(st);
    struct pp_tcb *tcb = s->tcb;

    if (!tcb || tcb->state < PP_TCP_SYN_RECEIVED)
        return -ENOTCONN;
    if (wr && !tcb->fin_pending &&
        (tcb->state == PP_TCP_ESTABLISHED || tcb->state == PP_TCP_CLOSE_WAIT ||
         tcb->state == PP_TCP_SYN_RECEIVED)) {
        tcb->fin_pending = 1;
        pp__tcp_output(st, tcb);
    }
    if (rd)
        s->rd_shut = 1; /* readers see the end of the stream */
    return 0;
}
