/* socket.c - the BSD-like socket API over a stack: descriptors, blocking and
 * non-blocking calls, options and poll.  Each call takes the stack's lock,
 * and a blocking call sleeps on its socket's condition variable (docs/architecture.md,
 * "Threads").  A reference count keeps a socket alive while a call uses it,
 * so pp_close from another thread wakes blocked callers with -EBADF. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_internal.h"
#include "tcp/tcp_internal.h"
#include "udp/udp_internal.h"

#define DEFAULT_RCVBUF 212992 /* Linux's net.core.rmem_default */
#define MAX_UDP_PAYLOAD (65535 - 20 - 8)

void pp__sock_wake(struct pp_stack *st, struct pp_sock *s)
{
    /* Read without the lock by a blocking call's watch (busy_poll.c). */
    __atomic_store_n(&s->events, s->events + 1, __ATOMIC_RELEASE);
    __atomic_store_n(&st->wakes, st->wakes + 1, __ATOMIC_RELEASE);
    /* Within a burst of received packets, wake each socket once at the end
     * instead of once per segment (a context switch each). */
    if (st->batching && !s->closed) {
        if (!s->wake_pending) {
            s->wake_pending = 1;
            s->refs++; /* the list keeps it alive until the flush */
            s->next_wake = st->wake_list;
            st->wake_list = s;
        }
        return;
    }
    pthread_cond_broadcast(&s->cv);
    pthread_cond_broadcast(&st->poll_cv);
}

static void sock_flush_wakes(struct pp_stack *st)
{
    struct pp_sock *s = st->wake_list, *next;

    st->wake_list = NULL;
    for (; s; s = next) {
        next = s->next_wake;
        s->wake_pending = 0;
        pthread_cond_broadcast(&s->cv);
        pp__sock_put(s);
    }
    pthread_cond_broadcast(&st->poll_cv);
}

/* The socket behind fd with a reference taken, or NULL. Lock held. */
struct pp_sock *pp__sock_get(struct pp_stack *st, int fd)
{
    struct pp_sock *s;

    if (fd < 0 || fd >= st->nsocks || !(s = st->socks[fd]))
        return NULL;
    s->refs++;
    return s;
}

static void sock_free(struct pp_sock *s)
{
    struct pp_pbuf *p, *n;

    for (p = s->rxq_head; p; p = n) {
        n = p->next;
        pp_pbuf_free(p);
    }
    pthread_cond_destroy(&s->cv);
    free(s);
}

void pp__sock_put(struct pp_sock *s)
{
    if (--s->refs == 0)
        sock_free(s);
}

int pp__fd_alloc(struct pp_stack *st, struct pp_sock *s)
{
    int fd;

    for (fd = 0; fd < st->nsocks && st->socks[fd]; fd++)
        ;
    if (fd == st->nsocks) {
        int n = st->nsocks ? st->nsocks * 2 : 16;
        struct pp_sock **t;
        if (n > 1 << 20)
            return -EMFILE;
        t = realloc(st->socks, (size_t)n * sizeof *t);
        if (!t)
            return -ENOMEM;
        memset(t + st->nsocks, 0, (size_t)(n - st->nsocks) * sizeof *t);
        st->socks = t;
        st->nsocks = n;
    }
    s->fd = fd;
    st->socks[fd] = s;
    s->refs++; /* the descriptor's reference */
    return fd;
}

/* A new socket of kind with Linux's default options; NULL: no memory.
 * The one place sockets are made (pp_socket, and sock_child for
 * connections a listener accepts). */
static struct pp_sock *sock_new(const struct pp_stack *st, int kind)
{
    /* Cache-line aligned: the demux entry at its start then has the fields
     * every lookup reads (chain link, hash, tuple, kind) in one line. */
    size_t bytes = (sizeof(struct pp_api_sock) + 63) / 64 * 64;
    struct pp_api_sock *as = pp__fault_alloc() ? NULL : aligned_alloc(64, bytes);
    struct pp_sock *s;

    if (!as)
        return NULL;
    memset(as, 0, bytes);
    s = &as->s;
    as->tcp = pp__tcp_sockopts_default();
    pthread_cond_init(&s->cv, NULL);
    s->type = kind;
    s->fd = -1;
    s->rcvbuf = kind == PP_SOCK_STREAM ? TCP_BUF_DEFAULT : DEFAULT_RCVBUF;
    s->sndbuf = kind == PP_SOCK_STREAM ? TCP_BUF_DEFAULT : DEFAULT_RCVBUF;
    s->linger = -1;
    s->busy.us = st->busy_default_us;
    pp_dmx_entry_init(&s->dmx, kind == PP_SOCK_STREAM ? PP_DMX_TCP : PP_DMX_UDP, s);
    return s;
}

/* The child upcall: a connection born from listener lis inherits its
 * options, as on Linux (not its descriptor or O_NONBLOCK). */
static struct pp_sock *sock_child(struct pp_stack *st, const struct pp_sock *lis)
{
    struct pp_sock *cs = sock_new(st, lis->type);

    if (!cs)
        return NULL;
    cs->rcvbuf = lis->rcvbuf;
    cs->sndbuf = lis->sndbuf;
    cs->sndbuf_locked = lis->sndbuf_locked;
    cs->rcvbuf_locked = lis->rcvbuf_locked;
    cs->linger = lis->linger;
    cs->busy.us = lis->busy.us;
    cs->reuseaddr = lis->reuseaddr;
    pp__api_sock(cs)->tcp = ((const struct pp_api_sock *)lis)->tcp;
    cs->refs = 1; /* the caller's, dropped with put once its connection holds one */
    return cs;
}

const struct pp_sock_upcalls pp__sock_upcalls = {
    .wake = pp__sock_wake,
    .flush_wakes = sock_flush_wakes,
    .put = pp__sock_put,
    .child = sock_child,
};

int pp_socket(struct pp_stack *st, int type)
{
    int kind = type & 0xff, fd;
    struct pp_sock *s;

    if (!st || (kind != PP_SOCK_DGRAM && kind != PP_SOCK_STREAM) ||
        (type & ~(0xff | PP_SOCK_NONBLOCK)))
        return -EINVAL;
    s = sock_new(st, kind);
    if (!s)
        return -ENOMEM;
    s->nonblock = (type & PP_SOCK_NONBLOCK) != 0;
    pp__api_lock(st);
    fd = pp__fd_alloc(st, s);
    pp__api_unlock(st);
    if (fd < 0)
        sock_free(s);
    return fd;
}

/* Checks an AF_INET address argument; host-order address and port out. */
int pp__get_addr(const struct sockaddr *sa, socklen_t len, uint32_t *addr, uint16_t *port)
{
    const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

    if (!sa || len < (socklen_t)sizeof(struct sockaddr_in))
        return -EINVAL;
    if (in->sin_family != AF_INET)
        return -EAFNOSUPPORT;
    *addr = ntohl(in->sin_addr.s_addr);
    *port = ntohs(in->sin_port);
    return 0;
}

void pp__put_addr(struct sockaddr *sa, socklen_t *len, uint32_t addr, uint16_t port)
{
    struct sockaddr_in in;

    if (!sa || !len)
        return;
    memset(&in, 0, sizeof in);
    in.sin_family = AF_INET;
    in.sin_addr.s_addr = htonl(addr);
    in.sin_port = htons(port);
    memcpy(sa, &in, *len < (socklen_t)sizeof in ? *len : sizeof in);
    *len = sizeof in;
}

int pp_bind(struct pp_stack *st, int fd, const struct sockaddr *sa, socklen_t len)
{
    uint32_t addr;
    uint16_t port;
    struct pp_sock *s;
    int rc = pp__get_addr(sa, len, &addr, &port);

    if (rc < 0)
        return rc;
    pp__api_lock(st);
    if (!(s = pp__sock_get(st, fd))) {
        rc = -EBADF;
    } else {
        if (addr != 0 && addr != st->addr && !pp__ip_is_broadcast(st, addr))
            rc = -EADDRNOTAVAIL;
        else
            rc = pp_demux_bind(st->demux, &s->dmx, addr, port,
                               s->reuseaddr ? PP_DMX_REUSEADDR : 0);
        pp__sock_put(s);
    }
    pp__api_unlock(st);
    return rc;
}

int pp_connect(struct pp_stack *st, int fd, const struct sockaddr *sa, socklen_t len)
{
    uint32_t addr;
    uint16_t port;
    struct pp_sock *s;
    int rc = pp__get_addr(sa, len, &addr, &port);

    if (rc < 0)
        return rc;
    if (addr == 0 || port == 0)
        return -EINVAL;
    pp__api_lock(st);
    if (!(s = pp__sock_get(st, fd))) {
        rc = -EBADF;
    } else {
        if (s->type == PP_SOCK_STREAM)
            rc = pp__tcp_usr_connect(st, s, addr, port);
        else if (pp__ip_is_broadcast(st, addr) && !s->broadcast)
            rc = -EACCES;
        else if (!st->link)
            rc = -ENETUNREACH;
        else
            rc = pp_demux_connect(st->demux, &s->dmx, st->addr, addr, port);
        if (rc == 0 && s->type == PP_SOCK_DGRAM)
            s->so_error = 0;
        pp__sock_put(s);
    }
    pp__api_unlock(st);
    return rc;
}

ssize_t pp_sendto(struct pp_stack *st, int fd, const void *buf, size_t len, int flags,
                  const struct sockaddr *to, socklen_t tolen)
{
    uint32_t daddr;
    uint16_t dport;
    struct pp_sock *s;
    ssize_t rc = 0;

    if (!buf && len)
        return -EFAULT;
    pp__api_lock(st);
    s = pp__sock_get(st, fd);
    if (s && s->type == PP_SOCK_STREAM) {
        rc = pp__tcp_usr_send(st, s, buf, len, flags); /* to is ignored, as POSIX allows */
        pp__sock_put(s);
        pp__api_unlock(st);
        return rc;
    }
    if (s)
        pp__sock_put(s);
    pp__api_unlock(st);
    if (len > MAX_UDP_PAYLOAD)
        return -EMSGSIZE;
    if (to && (rc = pp__get_addr(to, tolen, &daddr, &dport)) < 0)
        return rc;
    if (to && (daddr == 0 || dport == 0))
        return -EINVAL;
    pp__api_lock(st);
    if (!(s = pp__sock_get(st, fd))) {
        pp__api_unlock(st);
        return -EBADF;
    }
    if (!to) {
        if (s->dmx.kind != PP_DMX_CONNECTED) {
            rc = -EDESTADDRREQ;
            goto out;
        }
        daddr = s->dmx.t.raddr;
        dport = s->dmx.t.rport;
    }
    if (s->dmx.kind == PP_DMX_CONNECTED && s->so_error) {
        /* Linux reports an ICMP error on the next call, send included. */
        rc = -s->so_error;
        s->so_error = 0;
        goto out;
    }
    if (pp__ip_is_broadcast(st, daddr) && !s->broadcast) {
        rc = -EACCES;
        goto out;
    }
    rc = pp__udp_output(st, s, buf, len, daddr, dport);
out:
    pp__sock_put(s);
    pp__api_unlock(st);
    return rc;
}

ssize_t pp_send(struct pp_stack *st, int fd, const void *buf, size_t len, int flags)
{
    return pp_sendto(st, fd, buf, len, flags, NULL, 0);
}

int pp__api_wait(struct pp_stack *st, pthread_cond_t *cv, const struct timespec *deadline,
                 const unsigned *watch, struct pp_busy *b)
{
    if (pp__stack_ready_pending()) {
        pthread_mutex_unlock(&st->lock);
        pp__stack_run_ready();
        pp__api_lock(st);
        return deadline && pp__deadline_passed(deadline) ? -ETIMEDOUT : 0; /* look again first */
    }
    if (pp__busy_poll(st, watch, b))
        return deadline && pp__deadline_passed(deadline) ? -ETIMEDOUT : 0;
    if (!deadline) {
        pthread_cond_wait(cv, &st->lock);
        pp__stack_clock_read(st); /* what follows is sent now, not when it slept */
        return 0;
    }
    if (pthread_cond_timedwait(cv, &st->lock, deadline) == ETIMEDOUT)
        return -ETIMEDOUT;
    pp__stack_clock_read(st);
    return 0;
}

int pp__deadline_passed(const struct timespec *dl)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return now.tv_sec > dl->tv_sec || (now.tv_sec == dl->tv_sec && now.tv_nsec >= dl->tv_nsec);
}

struct timespec pp__deadline_after(int ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

ssize_t pp_recvfrom(struct pp_stack *st, int fd, void *buf, size_t len, int flags,
                    struct sockaddr *from, socklen_t *fromlen)
{
    struct pp_sock *s;
    struct pp_pbuf *p;
    struct timespec dl;
    ssize_t rc;

    if (!buf && len)
        return -EFAULT;
    pp__api_lock(st);
    if (!(s = pp__sock_get(st, fd))) {
        pp__api_unlock(st);
        return -EBADF;
    }
    if (s->type == PP_SOCK_STREAM) {
        rc = pp__tcp_usr_recv(st, s, buf, len, flags, from, fromlen);
        pp__sock_put(s);
        pp__api_unlock(st);
        return rc;
    }
    if (s->rcvtimeo_ms > 0)
        dl = pp__deadline_after(s->rcvtimeo_ms);
    for (;;) {
        if (s->closed) {
            rc = -EBADF;
            break;
        }
        if (s->so_error) {
            rc = -s->so_error;
            s->so_error = 0;
            break;
        }
        if ((p = s->rxq_head)) {
            size_t n = p->len < len ? p->len : len;
            memcpy(buf, p->data, n);
            pp__put_addr(from, fromlen, p->src, p->sport);
            rc = (ssize_t)n;
            if (!(flags & PP_MSG_PEEK)) {
                s->rxq_head = p->next;
                if (!s->rxq_head)
                    s->rxq_tail = NULL;
                s->rx_bytes -= p->len;
                pp_pbuf_free(p);
            }
            break;
        }
        if (s->nonblock || (flags & PP_MSG_DONTWAIT)) {
            rc = -EAGAIN;
            break;
        }
        if (pp__api_wait(st, &s->cv, s->rcvtimeo_ms > 0 ? &dl : NULL, &s->events,
                         &s->busy) == -ETIMEDOUT) {
            rc = -EAGAIN; /* as recvfrom(2) with SO_RCVTIMEO */
            break;
        }
    }
    pp__sock_put(s);
    pp__api_unlock(st);
    return rc;
}

ssize_t pp_recv(struct pp_stack *st, int fd, void *buf, size_t len, int flags)
{
    return pp_recvfrom(st, fd, buf, len, flags, NULL, NULL);
}

static int name_of(struct pp_stack *st, int fd, struct sockaddr *sa, socklen_t *len, int peer)
{
    struct pp_sock *s;
    int rc = 0;

    if (!sa || !len)
        return -EINVAL;
    pp__api_lock(st);
    if (!(s = pp__sock_get(st, fd))) {
        rc = -EBADF;
    } else {
        if (peer && s->dmx.kind != PP_DMX_CONNECTED)
            rc = -ENOTCONN;
        else if (peer)
            pp__put_addr(sa, len, s->dmx.t.raddr, s->dmx.t.rport);
        else
            pp__put_addr(sa, len, s->dmx.t.laddr, s->dmx.t.lport);
        pp__sock_put(s);
    }
    pp__api_unlock(st);
    return rc;
}

int pp_getsockname(struct pp_stack *st, int fd, struct sockaddr *sa, socklen_t *len)
{
    return name_of(st, fd, sa, len, 0);
}

int pp_getpeername(struct pp_stack *st, int fd, struct sockaddr *sa, socklen_t *len)
{
    return name_of(st, fd, sa, len, 1);
}

int pp_setsockopt(struct pp_stack *st, int fd, int opt, const void *val, socklen_t len)
{
    struct pp_sock *s;
    struct pp_tcp_sockopts *o;
    int v, rc = 0;

    if (!val || len != sizeof(int))
        return -EINVAL;
    memcpy(&v, val, sizeof v);
    pp__api_lock(st);
    if (!(s = pp__sock_get(st, fd))) {
        pp__api_unlock(st);
        return -EBADF;
    }
    o = &pp__api_sock(s)->tcp;
    switch (opt) {
    case PP_SO_REUSEADDR: s->reuseaddr = v != 0; break;
    case PP_SO_BROADCAST: s->broadcast = v != 0; break;
    case PP_SO_NONBLOCK: s->nonblock = v != 0; break;
    case PP_SO_RCVBUF:
        if (v < 256) rc = -EINVAL; else s->rcvbuf = (size_t)v, s->rcvbuf_locked = 1;
        break;
    case PP_SO_SNDBUF:
        if (v < 256) rc = -EINVAL; else s->sndbuf = (size_t)v, s->sndbuf_locked = 1;
        break;
    case PP_SO_RCVTIMEO:
        if (v < 0) rc = -EINVAL; else s->rcvtimeo_ms = v;
        break;
    case PP_SO_BUSY_POLL:
        if (v < 0 || v > 10000) rc = -EINVAL; else s->busy.us = (unsigned)v;
        break;
    case PP_SO_LINGER: s->linger = v < 0 ? -1 : v; break;
    case PP_TCP_NODELAY: o->nodelay = v != 0; break;
    case PP_SO_KEEPALIVE: o->keepalive = v != 0; break;
    case PP_TCP_KEEPIDLE:
        if (v < 1 || v > 32767) rc = -EINVAL; else o->keepidle = v;
        break;
    case PP_TCP_KEEPINTVL:
        if (v < 1 || v > 32767) rc = -EINVAL; else o->keepintvl = v;
        break;
    case PP_TCP_KEEPCNT:
        if (v < 1 || v > 127) rc = -EINVAL; else o->keepcnt = v;
        break;
    case PP_TCP_CONGESTION:
        if (v != PP_CC_NEWRENO && v != PP_CC_CUBIC) rc = -ENOENT; else o->cc_algo = v;
        break;
    case PP_TCP_MAXSEG:
        /* Linux's bounds (TCP_MIN_MSS 88, MAX_TCP_WINDOW); once connected
         * it only lowers what we send. */
        if (v < 88 || v > 32767) {
            rc = -EINVAL;
        } else {
            o->user_mss = (uint16_t)v;
        }
        break;
    case PP_IP_TOS:
        if (v < 0 || v > 255) rc = -EINVAL; else o->tos = (uint8_t)v;
        break;
    case PP_IP_MTU_DISCOVER: o->no_df = v == 0; break;
    case PP_TCP_USER_TIMEOUT:
        if (v < 0) rc = -EINVAL; else o->user_timeout_ms = (uint32_t)v;
        break;
    default: rc = -ENOPROTOOPT; break;
    }
    if (rc == 0 && s->tcb) {
        pp__tcp_set_opts(st, s->tcb, o); /* TCP's copy, and what follows from it */
        if (opt == PP_SO_SNDBUF || opt == PP_SO_RCVBUF)
            pp__tcp_bufs_set(s->tcb);
    }
    pp__sock_put(s);
    pp__api_unlock(st);
    return rc;
}

int pp_getsockopt(struct pp_stack *st, int fd, int opt, void *val, socklen_t *len)
{
    struct pp_sock *s;
    struct pp_tcp_sockopts *o;
    int v = 0, rc = 0;

    if (!val || !len || *len < (socklen_t)sizeof(int))
        return -EINVAL;
    pp__api_lock(st);
    if (!(s = pp__sock_get(st, fd))) {
        pp__api_unlock(st);
        return -EBADF;
    }
    o = &pp__api_sock(s)->tcp;
    switch (opt) {
    case PP_SO_REUSEADDR: v = s->reuseaddr; break;
    case PP_SO_BROADCAST: v = s->broadcast; break;
    case PP_SO_NONBLOCK: v = s->nonblock; break;
    case PP_SO_RCVBUF: v = (int)s->rcvbuf; break;
    case PP_SO_SNDBUF: v = (int)s->sndbuf; break;
    case PP_SO_RCVTIMEO: v = s->rcvtimeo_ms; break;
    case PP_SO_BUSY_POLL: v = (int)s->busy.us; break;
    case PP_SO_TYPE: v = s->type; break;
    case PP_SO_ERROR:
        v = s->so_error;
        s->so_error = 0;
        if (!v && s->tcb && s->tcb->err) {
            v = s->tcb->err;
            s->tcb->err = 0;
        }
        break;
    case PP_SO_LINGER: v = s->linger; break;
    case PP_TCP_NODELAY: v = o->nodelay; break;
    case PP_SO_KEEPALIVE: v = o->keepalive; break;
    case PP_TCP_KEEPIDLE: v = o->keepidle; break;
    case PP_TCP_KEEPINTVL: v = o->keepintvl; break;
    case PP_TCP_KEEPCNT: v = o->keepcnt; break;
    case PP_TCP_CONGESTION: v = o->cc_algo; break;
    case PP_TCP_MAXSEG:
        /* What a segment carries: the negotiated MSS less our options, as
         * Linux's mss_cache; before the handshake the user's value or 536. */
        if (s->tcb && s->tcb->state >= PP_TCP_ESTABLISHED)
            v = (int)pp__tcp_seg_room(s->tcb);
        else
            v = o->user_mss ? o->user_mss : TCP_DEFAULT_MSS;
        break;
    case PP_IP_TOS: v = o->tos; break;
    case PP_IP_MTU_DISCOVER: v = !o->no_df; break;
    case PP_TCP_USER_TIMEOUT: v = (int)o->user_timeout_ms; break;
    case PP_SO_EVENTS: v = (int)s->events; break;
    case PP_SO_NREAD:
        if (s->tcb)
            v = (int)s->tcb->rcvq.len;
        else
            v = s->rxq_head ? (int)s->rxq_head->len : 0;
        break;
    default: rc = -ENOPROTOOPT; break;
    }
    if (rc == 0) {
        memcpy(val, &v, sizeof v);
        *len = sizeof v;
    }
    pp__sock_put(s);
    pp__api_unlock(st);
    return rc;
}

int pp_close(struct pp_stack *st, int fd)
{
    struct pp_sock *s;

    pp__api_lock(st);
    if (fd < 0 || fd >= st->nsocks || !(s = st->socks[fd])) {
        pp__api_unlock(st);
        return -EBADF;
    }
    st->socks[fd] = NULL;
    s->closed = 1;
    s->fd = -1;
    if (s->type == PP_SOCK_STREAM)
        pp__tcp_close(st, s); /* the connection may outlive the descriptor */
    else
        pp_demux_remove(st->demux, &s->dmx);
    pp__sock_wake(st, s);
    pp__sock_put(s); /* the descriptor's reference; waiters hold their own */
    pp__api_unlock(st);
    return 0;
}

/* What pfd's socket is ready for; *busy_us becomes the most of the polled
 * sockets' PP_SO_BUSY_POLL. */
static short revents_of(struct pp_stack *st, const struct pp_pollfd *pfd, unsigned *busy_us)
{
    struct pp_sock *s;
    short r = 0;

    if (pfd->fd < 0)
        return 0;
    if (pfd->fd >= st->nsocks || !(s = st->socks[pfd->fd]))
        return PP_POLLNVAL;
    if (s->busy.us > *busy_us)
        *busy_us = s->busy.us;
    if (s->type == PP_SOCK_STREAM)
        return (short)(pp__tcp_revents(s) & (pfd->events | PP_POLLERR | PP_POLLHUP | PP_POLLNVAL));
    if (s->rxq_head)
        r |= PP_POLLIN;
    if (s->so_error)
        r |= PP_POLLERR;
    r |= PP_POLLOUT; /* UDP sends never wait */
    return (short)(r & (pfd->events | PP_POLLERR | PP_POLLNVAL));
}

int pp_poll(struct pp_stack *st, struct pp_pollfd *fds, size_t n, int timeout_ms)
{
    struct timespec dl;
    size_t i;
    int ready;
    unsigned busy_us = 0;

    if (n && !fds)
        return -EINVAL;
    if (timeout_ms > 0)
        dl = pp__deadline_after(timeout_ms);
    pp__api_lock(st);
    for (;;) {
        ready = 0;
        for (i = 0; i < n; i++) {
            fds[i].revents = revents_of(st, &fds[i], &busy_us);
            ready += fds[i].revents != 0;
        }
        if (ready || timeout_ms == 0)
            break;
        st->poll_busy.us = busy_us;
        if (pp__api_wait(st, &st->poll_cv, timeout_ms < 0 ? NULL : &dl, &st->wakes,
                         &st->poll_busy) == -ETIMEDOUT)
            timeout_ms = 0; /* one last look */
    }
    pp__api_unlock(st);
    return ready;
}
