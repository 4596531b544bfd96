/* socket_tcp.c - the stream halves of the socket calls: listen, accept,
 * connect, send, recv, shutdown, close and poll on TCP sockets, blocking
 * or not.  What each request does to the connection is TCP's
 * (tcp/tcp_usr.c); this file loops and sleeps around it.  The lock is held
 * throughout; blocking waits release it, and so does the copy of a large
 * read. */
#include <errno.h>
#include <string.h>

#include "api_internal.h"
#include "tcp/tcp_internal.h"

/* Sleeps until woken; honours SO_RCVTIMEO.  -EAGAIN on timeout. */
static int wait_for(struct pp_stack *st, struct pp_sock *s, const struct timespec *dl)
{
    return pp__api_wait(st, &s->cv, dl, &s->events, &s->busy) == -ETIMEDOUT ? -EAGAIN : 0;
}

int pp__tcp_usr_connect(struct pp_stack *st, struct pp_sock *s, uint32_t addr, uint16_t port)
{
    int rc = pp__tcp_connect(st, s, addr, port, &pp__api_sock(s)->tcp);

    if (rc < 0)
        return rc;
    if (s->nonblock)
        return -EINPROGRESS;
    while ((rc = pp__tcp_connect_result(s)) == 1 && !s->closed)
        pp__api_wait(st, &s->cv, NULL, &s->events, &s->busy);
    return s->closed ? -EBADF : rc;
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
        ssize_t w;
        if (s->closed)
            return done ? (ssize_t)done : -EBADF;
        if (!s->tcb)
            return done ? (ssize_t)done : -ENOTCONN;
        w = pp__tcp_write(st, s->tcb, p + done, len - done, (flags & PP_MSG_EOR) != 0,
                          (flags & PP_MSG_MORE) != 0, done > 0);
        if (w < 0)
            return done ? (ssize_t)done : w;
        done += (size_t)w;
        if (done == len || (done && nonblock))
            return (ssize_t)done;
        if (nonblock)
            return -EAGAIN;
        if (wait_for(st, s, s->rcvtimeo_ms > 0 ? &dl : NULL) < 0)
            return done ? (ssize_t)done : -EAGAIN;
    }
}

/* Reads of this many bytes or more copy whole buffers without the lock. */
#define UNLOCKED_COPY 16384

/* Copies the buffers TCP handed out to buf and frees them, the stack's
 * lock let go meanwhile, so a large read does not hold up the segments
 * arriving (Linux likewise lets input go on while a reader copies: the
 * socket backlog).  The caller holds a reference on the socket. */
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
        struct pp_pbuf *out;
        ssize_t n;
        if (s->closed)
            return -EBADF;
        if (!s->tcb)
            return -ENOTCONN;
        n = pp__tcp_read(st, s, buf, len, (flags & PP_MSG_PEEK) != 0, UNLOCKED_COPY, &out);
        if (n != -EAGAIN) {
            if (n > 0)
                pp__put_addr(from, fromlen, s->dmx.t.raddr, s->dmx.t.rport);
            if (out)
                copy_out_unlocked(st, out, buf);
            return n;
        }
        if (s->nonblock || (flags & PP_MSG_DONTWAIT))
            return -EAGAIN;
        if (wait_for(st, s, s->rcvtimeo_ms > 0 ? &dl : NULL) < 0)
            return -EAGAIN;
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
    int rc;

    pp__api_lock(st);
    if (!(s = pp__sock_get(st, fd))) {
        pp__api_unlock(st);
        return -EBADF;
    }
    rc = s->type != PP_SOCK_STREAM ? -EOPNOTSUPP
                                   : pp__tcp_listen(st, s, backlog, &pp__api_sock(s)->tcp);
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
        if ((c = pp__tcp_accept_next(l))) {
            c->sock->nonblock = 0;
            rc = pp__fd_alloc(st, c->sock);
            if (rc < 0) {
                pp__tcp_abort(st, c);
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
    int rc;

    if (how < PP_SHUT_RD || how > PP_SHUT_RDWR)
        return -EINVAL;
    pp__api_lock(st);
    if (!(s = pp__sock_get(st, fd))) {
        pp__api_unlock(st);
        return -EBADF;
    }
    rc = s->type != PP_SOCK_STREAM ? -ENOTCONN
                                   : pp__tcp_shutdown(st, s, how != PP_SHUT_WR, how != PP_SHUT_RD);
    if (rc == 0)
        pp__sock_wake(st, s);
    pp__sock_put(s);
    pp__api_unlock(st);
    return rc;
}
