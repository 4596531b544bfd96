/* socket_tcp.c - the stream halves of the socket calls: listen, accept,
 * connect, send, recv, shutdown and close on TCP connections, blocking or
 * not.  The lock is held throughout; blocking waits release it. */
#include <errno.h>
#include <string.h>

#include "api_internal.h"
#include "tcp/tcp_internal.h"

/* Sleeps until woken; honours SO_RCVTIMEO.  -EAGAIN on timeout. */
static int wait_for(struct pp_stack *st, struct pp_sock *s, const struct timespec *dl)
{
    return pp__api_wait(st, &s->cv, dl) == -ETIMEDOUT ? -EAGAIN : 0;
}

int pp__tcp_usr_connect(struct pp_stack *st, struct pp_sock *s, uint32_t addr, uint16_t port)
{
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
    tcb = pp__tcp_tcb_new(st, s, &pp__api_sock(s)->tcp);
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
    if (s->nonblock)
        return -EINPROGRESS;
    while (s->tcb && s->tcb->state == PP_TCP_SYN_SENT && !s->closed)
        pp__api_wait(st, &s->cv, NULL);
    if (s->closed)
        return -EBADF;
    tcb = s->tcb;
    if (!tcb || tcb->state == PP_TCP_CLOSED) {
        rc = tcb && tcb->err ? -tcb->err : -ECONNREFUSED;
        if (tcb)
            tcb->err = 0;
        return rc;
    }
    return 0;
}

ssize_t pp__tcp_usr_send(struct pp_stack *st, struct pp_sock *s, const void *buf, size_t len,
                         int flags)
{
    const uint8_t *p = buf;
    size_t done = 0;
    struct timespec dl;
    int nonblock = s->nonblock || (flags & PP_MSG_DONTWAIT);

    if (s->rcvtimeo_ms > 0)
        dl = pp__deadline_after(s->rcvtimeo_ms);
    for (;;) {
        struct pp_tcb *tcb = s->tcb;
        if (s->closed)
            return done ? (ssize_t)done : -EBADF;
        if (!tcb)
            return done ? (ssize_t)done : -ENOTCONN;
        if (tcb->err) {
            int e = tcb->err;
            if (done)
                return (ssize_t)done;
            tcb->err = 0;
            return -e;
        }
        if (tcb->state == PP_TCP_SYN_SENT || tcb->state == PP_TCP_SYN_RECEIVED) {
            if (nonblock)
                return done ? (ssize_t)done : -EAGAIN;
        } else if (tcb->state != PP_TCP_ESTABLISHED && tcb->state != PP_TCP_CLOSE_WAIT) {
            return done ? (ssize_t)done : (tcb->state == PP_TCP_CLOSED || tcb->state == PP_TCP_LISTEN
                                               ? -ENOTCONN : -EPIPE);
        } else if (tcb->fin_pending) {
            return done ? (ssize_t)done : -EPIPE;
        } else {
            size_t w = pp_ring_write(&tcb->sndq, p + done, len - done);
            if (w == 0 && pp_ring_space(&tcb->sndq) > 0)
                return done ? (ssize_t)done : -ENOMEM; /* no memory for the queue */
            done += w;
            /* MSG_EOR: a segment never carries bytes of two records. */
            if (w && done == len && (flags & PP_MSG_EOR))
                pp__tcp_mark_eor(tcb);
            /* MSG_MORE holds a short tail for this call only: the next
             * write or ACK sends it, as Linux's cork of one sendmsg. */
            tcb->more = (flags & PP_MSG_MORE) && !(flags & PP_MSG_EOR);
            if (w)
                tcb->tail_more = tcb->more;
            pp__tcp_output(st, tcb);
            tcb->more = 0;
            if (done == len || (done && nonblock))
                return (ssize_t)done;
            if (nonblock)
                return -EAGAIN;
        }
        if (wait_for(st, s, s->rcvtimeo_ms > 0 ? &dl : NULL) < 0)
            return done ? (ssize_t)done : -EAGAIN;
    }
}

/* Reads of this many bytes or more copy whole buffers without the lock. */
#define UNLOCKED_COPY 16384

/* Copies the detached buffers to buf and frees them, the stack's lock let
 * go meanwhile (the caller holds a reference on the socket). */
static void copy_out_unlocked(struct pp_stack *st, struct pp_pbuf *out, void *buf)
{
    uint8_t *d = buf;

    pthread_mutex_unlock(&st->lock);
    while (out) {
        struct pp_pbuf *p = out;
        out = p->next;
        memcpy(d, p->data, p->len);
        d += p->len;
        pp_pbuf_free(p);
    }
    pthread_mutex_lock(&st->lock);
}

ssize_t pp__tcp_usr_recv(struct pp_stack *st, struct pp_sock *s, void *buf, size_t len, int flags,
                         struct sockaddr *from, socklen_t *fromlen)
{
    struct timespec dl;

    if (s->rcvtimeo_ms > 0)
        dl = pp__deadline_after(s->rcvtimeo_ms);
    for (;;) {
        struct pp_tcb *tcb = s->tcb;
        if (s->closed)
            return -EBADF;
        if (!tcb)
            return -ENOTCONN;
        if (tcb->rcvq.len) {
            size_t n = tcb->rcvq.len < len ? tcb->rcvq.len : len, whole = 0;
            uint32_t before = tcb->rcv_adv - tcb->rcv_nxt; /* bytes offered now */
            struct pp_pbuf *out = NULL;
            /* Whole buffers leave the queue and are copied out once the
             * lock is let go, so a large read does not hold up the
             * segments arriving meanwhile (Linux likewise lets softirq
             * input go on while a reader copies: the socket backlog). */
            if (!(flags & PP_MSG_PEEK) && n >= UNLOCKED_COPY)
                out = pp_bufq_detach(&tcb->rcvq, n, &whole);
            pp_bufq_peek(&tcb->rcvq, (uint8_t *)buf + whole, n - whole);
            if (!(flags & PP_MSG_PEEK)) {
                pp_bufq_consume(&tcb->rcvq, n - whole);
                pp__tcp_rcv_space_adjust(st, tcb, n);
                /* A window update of its own only when the offered window
                 * has fallen to half the buffer or less and reading at
                 * least doubles it, by a segment or more (receiver-side
                 * silly window avoidance, RFC 9293 3.8.6.2.2, with Linux's
                 * thresholds); otherwise the next ACK carries it. */
                size_t room = pp_bufq_space(&tcb->rcvq), most = (size_t)0xffff << tcb->rcv_wscale;
                if (room > most) /* what the window field can say */
                    room = most;
                if (tcb->state >= PP_TCP_ESTABLISHED && tcb->state <= PP_TCP_FIN_WAIT_2 &&
                    2 * (size_t)before <= tcb->rcvq.cap && room >= 2 * (size_t)before &&
                    room >= (size_t)before + tcb->mss)
                    pp__tcp_send_ack(st, tcb);
            }
            pp__put_addr(from, fromlen, s->dmx.t.raddr, s->dmx.t.rport);
            if (out)
                copy_out_unlocked(st, out, buf);
            return (ssize_t)n;
        }
        if (tcb->err) {
            int e = tcb->err;
            tcb->err = 0;
            return -e;
        }
        /* End of stream; after shutdown(SHUT_RD) too, as Linux: what is
         * queued (or arrives later) is still read first. */
        if (tcb->fin_rcvd || s->rd_shut || tcb->state == PP_TCP_CLOSED ||
            tcb->state == PP_TCP_TIME_WAIT)
            return 0;
        if (tcb->state == PP_TCP_LISTEN)
            return -ENOTCONN;
        if (s->nonblock || (flags & PP_MSG_DONTWAIT))
            return -EAGAIN;
        if (wait_for(st, s, s->rcvtimeo_ms > 0 ? &dl : NULL) < 0)
            return -EAGAIN;
    }
}

/* Aborts a connection: RST to the peer, then gone. */
static void abort_conn(struct pp_stack *st, struct pp_tcb *tcb)
{
    if (tcb->state >= PP_TCP_SYN_RECEIVED && tcb->state != PP_TCP_TIME_WAIT) {
        pp__tcp_send_segment(st, tcb, tcb->snd_nxt, PP_TCP_RST | PP_TCP_ACK, 0, 0);
        CNT(st, tcp, out_rsts);
    }
    tcb->detached = 1;
    pp__tcp_drop(st, tcb, 0);
}

void pp__tcp_usr_close(struct pp_stack *st, struct pp_sock *s)
{
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
            abort_conn(st, c);
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
        abort_conn(st, tcb);
        return;
    }
    tcb->detached = 1;
    if (!tcb->fin_pending) {
        tcb->fin_pending = 1;
        pp__tcp_output(st, tcb);
    }
}

short pp__tcp_revents(struct pp_sock *s)
{
    struct pp_tcb *tcb = s->tcb;
    short r = 0;

    if (!tcb)
        return PP_POLLOUT;
    if (tcb->state == PP_TCP_LISTEN)
        return tcb->accept_head ? PP_POLLIN : 0;
    if (tcb->rcvq.len || tcb->fin_rcvd || s->rd_shut || tcb->state == PP_TCP_CLOSED)
        r |= PP_POLLIN;
    if ((tcb->state == PP_TCP_ESTABLISHED || tcb->state == PP_TCP_CLOSE_WAIT) &&
        pp_ring_space(&tcb->sndq) && !tcb->fin_pending)
        r |= PP_POLLOUT;
    if (tcb->err)
        r |= PP_POLLERR;
    if (tcb->state == PP_TCP_CLOSED || (tcb->fin_rcvd && tcb->fin_pending))
        r |= PP_POLLHUP;
    return r;
}

int pp_listen(struct pp_stack *st, int fd, int backlog)
{
    struct pp_sock *s;
    struct pp_tcb *tcb;
    int rc = 0;

    pp__api_lock(st);
    if (!(s = pp__sock_get(st, fd))) {
        pp__api_unlock(st);
        return -EBADF;
    }
    if (s->type != PP_SOCK_STREAM) {
        rc = -EOPNOTSUPP;
    } else if (s->tcb && s->tcb->state == PP_TCP_LISTEN) {
        s->tcb->backlog = backlog < 1 ? 1 : backlog > 4096 ? 4096 : backlog;
    } else if (s->tcb) {
        rc = -EINVAL;
    } else if ((rc = pp_demux_listen(st->demux, &s->dmx)) == 0) {
        /* A listener needs no data buffers. */
        size_t sb = s->sndbuf, rb = s->rcvbuf;
        s->sndbuf = s->rcvbuf = 1;
        tcb = pp__tcp_tcb_new(st, s, &pp__api_sock(s)->tcp);
        s->sndbuf = sb;
        s->rcvbuf = rb;
        if (!tcb) {
            pp_demux_remove(st->demux, &s->dmx);
            rc = -ENOMEM;
        } else {
            tcb->backlog = backlog < 1 ? 1 : backlog > 4096 ? 4096 : backlog;
            pp__tcp_set_state(st, tcb, PP_TCP_LISTEN);
        }
    }
    pp__sock_put(s);
    pp__api_unlock(st);
    return rc;
}

int pp_accept(struct pp_stack *st, int fd, struct sockaddr *addr, socklen_t *len)
{
    struct pp_sock *s;
    struct timespec dl;
    int rc;

    pp__api_lock(st);
    if (!(s = pp__sock_get(st, fd))) {
        pp__api_unlock(st);
        return -EBADF;
    }
    if (s->rcvtimeo_ms > 0)
        dl = pp__deadline_after(s->rcvtimeo_ms);
    for (;;) {
        struct pp_tcb *l = s->tcb, *c;
        if (s->closed) {
            rc = -EBADF;
            break;
        }
        if (!l || l->state != PP_TCP_LISTEN) {
            rc = -EINVAL;
            break;
        }
        if ((c = l->accept_head)) {
            l->accept_head = c->next_in_queue;
            if (!l->accept_head)
                l->accept_tail = NULL;
            l->queued--;
            l->accept_len--;
            c->parent = NULL;
            c->sock->nonblock = 0;
            rc = pp__fd_alloc(st, c->sock);
            if (rc < 0) {
                abort_conn(st, c);
                break;
            }
            pp__put_addr(addr, len, c->sock->dmx.t.raddr, c->sock->dmx.t.rport);
            break;
        }
        if (s->nonblock) {
            rc = -EAGAIN;
            break;
        }
        if (wait_for(st, s, s->rcvtimeo_ms > 0 ? &dl : NULL) < 0) {
            rc = -EAGAIN;
            break;
        }
    }
    pp__sock_put(s);
    pp__api_unlock(st);
    return rc;
}

int pp_shutdown(struct pp_stack *st, int fd, int how)
{
    struct pp_sock *s;
    int rc = 0;

    if (how < PP_SHUT_RD || how > PP_SHUT_RDWR)
        return -EINVAL;
    pp__api_lock(st);
    if (!(s = pp__sock_get(st, fd))) {
        pp__api_unlock(st);
        return -EBADF;
    }
    if (s->type != PP_SOCK_STREAM || !s->tcb || s->tcb->state < PP_TCP_SYN_RECEIVED) {
        rc = -ENOTCONN;
    } else {
        struct pp_tcb *tcb = s->tcb;
        if (how != PP_SHUT_RD && !tcb->fin_pending &&
            (tcb->state == PP_TCP_ESTABLISHED || tcb->state == PP_TCP_CLOSE_WAIT ||
             tcb->state == PP_TCP_SYN_RECEIVED)) {
            tcb->fin_pending = 1;
            pp__tcp_output(st, tcb);
        }
        if (how != PP_SHUT_WR)
            s->rd_shut = 1; /* readers see the end of the stream */
        pp__sock_wake(st, s);
    }
    pp__sock_put(s);
    pp__api_unlock(st);
    return rc;
}
