/* shim.c - libportplex-packetdrill.so: portplex behind packetdrill's
 * in-process interface (see pd_interface.h and shared/notes/packetdrill-so-
 * mode.md).  Socket descriptors are real host eventfds mapped to portplex
 * descriptors; packets go in through netdev_send and out through a queue
 * that netdev_receive drains, running the stack's timers forward on a warp
 * clock (real time plus whatever usleep() skipped) when nothing is queued. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>

#include "portplex/link.h"
#include "pd_interface.h"
#include "thread_state.h"
#include "tun_qdisc.h"
#include "portplex/socket.h"
#include "portplex/stack.h"
#include "portplex/wire/ipv4.h"

#define MAX_FDS 4096
#define MAX_EPOLL 64

struct outpkt {
    struct outpkt *next;
    long long usecs;
    size_t len;
    unsigned char data[];
};

struct epset {
    int n;
    int fds[MAX_EPOLL];
    struct epoll_event ev[MAX_EPOLL];
    unsigned seen[MAX_EPOLL]; /* EPOLLET: the socket's wake-up count last reported */
    int fresh[MAX_EPOLL];     /* EPOLLET: nothing reported since added or modified */
};

/* A thread inside a call that may block, or just back from one and not
 * yet done reading the clock: the clock must not jump under it. */
#define MAX_CALLERS 16
struct caller {
    int tid;
    int state; /* 0 free, 1 inside a call, 2 returned, clock not read yet */
};

struct shim {
    struct pp_stack *st;
    struct caller callers[MAX_CALLERS]; /* under lock */
    struct pp_link link;
    pthread_mutex_t lock; /* the queue, the clock and the fd map */
    struct outpkt *head, *tail;
    long long offset_us;  /* warp: time usleep() and timers skipped */
    int map[MAX_FDS];     /* host fd -> portplex fd + 1, or -(epoll set index + 1) */
    unsigned char bufset[MAX_FDS]; /* SO_SNDBUF (1) / SO_RCVBUF (2) set by the script */
    struct epset *ep[MAX_FDS];
};

static long long now_us(struct shim *s)
{
    struct timespec ts;
    long long off;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    pthread_mutex_lock(&s->lock);
    off = s->offset_us;
    pthread_mutex_unlock(&s->lock);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000 + off;
}

static int my_tid(void)
{
    return (int)syscall(SYS_gettid);
}

static struct caller *caller_slot(struct shim *s, int tid, int claim)
{
    int i;
    for (i = 0; i < MAX_CALLERS; i++)
        if (s->callers[i].state && s->callers[i].tid == tid)
            return &s->callers[i];
    if (claim)
        for (i = 0; i < MAX_CALLERS; i++)
            if (!s->callers[i].state) {
                s->callers[i].tid = tid;
                return &s->callers[i];
            }
    return NULL;
}

/* Moves the calling thread's record to state (1 entering a call: a slot is
 * claimed; 2 leaving it). */
static void call_mark(struct shim *s, int state)
{
    struct caller *c;
    pthread_mutex_lock(&s->lock);
    if ((c = caller_slot(s, my_tid(), state == 1)))
        c->state = state;
    pthread_mutex_unlock(&s->lock);
}
#define call_enter(s) call_mark(s, 1)
#define call_leave(s) call_mark(s, 2)


/* Before the clock jumps: waits (up to 50 ms of real time) until no other
 * thread is running inside a call or on its way back from one to read the
 * clock - packetdrill's syscall thread, woken by the packet just
 * injected, stamps its return with our gettimeofday, and must not find
 * the clock already moved on to the next event. */
static void settle(struct shim *s)
{
    int me = my_tid(), spins;
    for (spins = 0; spins < 2500; spins++) {
        int tids[MAX_CALLERS], i, n = 0, busy = 0;
        struct timespec d = {0, 20000};
        pthread_mutex_lock(&s->lock);
        for (i = 0; i < MAX_CALLERS; i++)
            if (s->callers[i].state && s->callers[i].tid != me)
                tids[n++] = s->callers[i].tid;
        pthread_mutex_unlock(&s->lock);
        /* Runnable: woken inside its call, or back from it on its way to
         * read the clock.  Asleep anywhere: nothing to wait for. */
        for (i = 0; i < n && !busy; i++)
            busy = pp_thread_state(tids[i]) == 'R';
        if (!busy)
            return;
        nanosleep(&d, NULL);
    }
}

static void tick(struct shim *s)
{
    pp_stack_poll_us(s->st, (uint64_t)now_us(s));
}

static int link_send(struct pp_link *l, const uint8_t *pkt, size_t len)
{
    struct shim *s = l->priv;
    struct outpkt *o;
    struct timespec ts;

    if (pp_pd_tun0_drops_all()) /* the script's qdisc on tun0 refuses it */
        return -ENOBUFS;
    o = malloc(sizeof *o + len);
    if (!o)
        return -ENOBUFS;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    memcpy(o->data, pkt, len);
    o->len = len;
    o->next = NULL;
    pthread_mutex_lock(&s->lock);
    o->usecs = (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000 + s->offset_us;
    if (s->tail)
        s->tail->next = o;
    else
        s->head = o;
    s->tail = o;
    pthread_mutex_unlock(&s->lock);
    return 0;
}
static const struct pp_link_ops link_ops = {.send = link_send};

/* Result conventions: portplex's -errno becomes -1 with errno set. */
static int ret(long long rc)
{
    if (rc < 0) {
        errno = (int)-rc;
        return -1;
    }
    return (int)rc;
}
static ssize_t sret(ssize_t rc)
{
    if (rc < 0) {
        errno = (int)-rc;
        return -1;
    }
    return rc;
}

/* The portplex descriptor behind host fd, or -1. */
static int ppfd(struct shim *s, int fd)
{
    return fd >= 0 && fd < MAX_FDS && s->map[fd] > 0 ? s->map[fd] - 1 : -1;
}

/* A sysctl of dir (under /proc/sys/net) as an integer, or dflt when it
 * cannot be read.  PD_SYSCTL_DIR replaces /proc/sys/net/ipv4 (for tests). */
static int sysctl_in(const char *dir, const char *name, int dflt)
{
    char path[256];
    FILE *f;
    int v;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (!(f = fopen(path, "r")))
        return dflt;
    if (fscanf(f, "%d", &v) != 1)
        v = dflt;
    fclose(f);
    return v;
}

static int sysctl_int(const char *name, int dflt)
{
    const char *dir = getenv("PD_SYSCTL_DIR");
    return sysctl_in(dir ? dir : "/proc/sys/net/ipv4", name, dflt);
}

static int sysctl_core_int(const char *name, int dflt)
{
    return sysctl_in("/proc/sys/net/core", name, dflt);
}

/* The scripts set Linux's switches for the options a connection offers and
 * for the restart after idle (in their own namespace, before socket()):
 * honour them at each socket(). */
static void take_sysctls(struct shim *s)
{
    unsigned offers = 0;
    if (sysctl_int("tcp_timestamps", 1))
        offers |= PP_TCP_OFFER_TIMESTAMPS;
    if (sysctl_int("tcp_sack", 1))
        offers |= PP_TCP_OFFER_SACK;
    if (sysctl_int("tcp_window_scaling", 1))
        offers |= PP_TCP_OFFER_WSCALE;
    pp_stack_set_tcp_offers(s->st, offers);
    pp_stack_set_tcp_idle_restart(s->st, sysctl_int("tcp_slow_start_after_idle", 1));
    pp_stack_set_tcp_ecn(s->st, sysctl_int("tcp_ecn", PP_TCP_ECN_PASSIVE));
    /* Linux's tcp_early_retrans: 3 and 4 send tail loss probes. */
    pp_stack_set_tcp_tlp(s->st, sysctl_int("tcp_early_retrans", 3) >= 3);
    pp_stack_set_tcp_frto(s->st, sysctl_int("tcp_frto", 2) != 0);
}

static int sh_socket(void *ud, int domain, int type, int protocol)
{
    struct shim *s = ud;
    int kind = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC), fd, host;

    (void)protocol;
    if (domain != AF_INET) {
        errno = EAFNOSUPPORT;
        return -1;
    }
    if (kind != SOCK_STREAM && kind != SOCK_DGRAM) {
        errno = EPROTONOSUPPORT;
        return -1;
    }
    tick(s);
    take_sysctls(s);
    fd = pp_socket(s->st, (kind == SOCK_STREAM ? PP_SOCK_STREAM : PP_SOCK_DGRAM) |
                              (type & SOCK_NONBLOCK ? PP_SOCK_NONBLOCK : 0));
    if (fd < 0)
        return ret(fd);
    /* packetdrill closes every live fd with the host close() at the end:
     * each socket is backed by a real descriptor. */
    host = eventfd(0, EFD_CLOEXEC);
    if (host < 0 || host >= MAX_FDS) {
        pp_close(s->st, fd);
        if (host >= 0)
            close(host);
        errno = EMFILE;
        return -1;
    }
    s->map[host] = fd + 1;
    s->bufset[host] = 0;
    return host;
}

#define PPFD_OR_FAIL(s, fd, v)                                                           \
    int v = ppfd(s, fd);                                                                 \
    if (v < 0) {                                                                         \
        errno = EBADF;                                                                   \
        return -1;                                                                       \
    }

static int sh_bind(void *ud, int fd, const struct sockaddr *a, socklen_t l)
{
    struct shim *s = ud;
    PPFD_OR_FAIL(s, fd, p);
    tick(s);
    return ret(pp_bind(s->st, p, a, l));
}

static int sh_listen(void *ud, int fd, int backlog)
{
    struct shim *s = ud;
    PPFD_OR_FAIL(s, fd, p);
    tick(s);
    return ret(pp_listen(s->st, p, backlog));
}

static int sh_accept(void *ud, int fd, struct sockaddr *a, socklen_t *l)
{
    struct shim *s = ud;
    int c, host;
    PPFD_OR_FAIL(s, fd, p);
    tick(s);
    call_enter(s);
    c = pp_accept(s->st, p, a, l);
    call_leave(s);
    if (c < 0)
        return ret(c);
    host = eventfd(0, EFD_CLOEXEC);
    if (host < 0 || host >= MAX_FDS) {
        pp_close(s->st, c);
        errno = EMFILE;
        return -1;
    }
    s->map[host] = c + 1;
    s->bufset[host] = s->bufset[fd]; /* inherited from the listener, as on Linux */
    return host;
}

static int sh_connect(void *ud, int fd, const struct sockaddr *a, socklen_t l)
{
    struct shim *s = ud;
    PPFD_OR_FAIL(s, fd, p);
    int rc;
    tick(s);
    call_enter(s);
    rc = pp_connect(s->st, p, a, l);
    call_leave(s);
    return ret(rc);
}

static ssize_t sh_recvfrom(void *ud, int fd, void *buf, size_t n, int flags,
                           struct sockaddr *from, socklen_t *fl)
{
    struct shim *s = ud;
    int p = ppfd(s, fd), f = 0;
    if (p < 0)
        return read(fd, buf, n); /* pipes and files stay the host's */
    tick(s);
    if (flags & MSG_DONTWAIT)
        f |= PP_MSG_DONTWAIT;
    if (flags & MSG_PEEK)
        f |= PP_MSG_PEEK;
    {
        ssize_t rc;
        call_enter(s);
        rc = pp_recvfrom(s->st, p, buf, n, f, from, fl);
        call_leave(s);
        return sret(rc);
    }
}

static ssize_t sh_recv(void *ud, int fd, void *buf, size_t n, int flags)
{
    return sh_recvfrom(ud, fd, buf, n, flags, NULL, NULL);
}

static ssize_t sh_read(void *ud, int fd, void *buf, size_t n)
{
    return sh_recvfrom(ud, fd, buf, n, 0, NULL, NULL);
}

static ssize_t sh_sendto(void *ud, int fd, const void *buf, size_t n, int flags,
                         const struct sockaddr *to, socklen_t tl)
{
    struct shim *s = ud;
    int p = ppfd(s, fd);
    if (p < 0)
        return write(fd, buf, n);
    tick(s);
    {
        ssize_t rc;
        call_enter(s);
        rc = pp_sendto(s->st, p, buf, n,
                       (flags & MSG_DONTWAIT ? PP_MSG_DONTWAIT : 0) | (flags & MSG_EOR ? PP_MSG_EOR : 0) |
                           (flags & MSG_MORE ? PP_MSG_MORE : 0),
                       to, tl);
        call_leave(s);
        return sret(rc);
    }
}

static ssize_t sh_send(void *ud, int fd, const void *buf, size_t n, int flags)
{
    return sh_sendto(ud, fd, buf, n, flags, NULL, 0);
}

static ssize_t sh_write(void *ud, int fd, const void *buf, size_t n)
{
    return sh_sendto(ud, fd, buf, n, 0, NULL, 0);
}

/* Vectored calls gather into one buffer (scripts move small amounts);
 * NULL with errno set when out of memory. */
static char *gather(const struct iovec *iov, size_t cnt, size_t *total)
{
    size_t i, off = 0;
    char *buf;

    for (*total = 0, i = 0; i < cnt; i++)
        *total += iov[i].iov_len;
    if (!(buf = malloc(*total ? *total : 1))) {
        errno = ENOMEM;
        return NULL;
    }
    for (i = 0; i < cnt; i++) {
        memcpy(buf + off, iov[i].iov_base, iov[i].iov_len);
        off += iov[i].iov_len;
    }
    return buf;
}

static ssize_t sh_writev(void *ud, int fd, const struct iovec *iov, int cnt)
{
    size_t total;
    char *buf = gather(iov, cnt > 0 ? (size_t)cnt : 0, &total);
    ssize_t rc;

    if (!buf)
        return -1;
    rc = sh_sendto(ud, fd, buf, total, 0, NULL, 0);
    free(buf);
    return rc;
}

static ssize_t sh_sendmsg(void *ud, int fd, const struct msghdr *m, int flags)
{
    size_t total;
    char *buf = gather(m->msg_iov, m->msg_iovlen, &total);
    ssize_t rc;

    if (!buf)
        return -1;
    rc = sh_sendto(ud, fd, buf, total, flags, m->msg_name, m->msg_name ? m->msg_namelen : 0);
    free(buf);
    return rc;
}

static ssize_t scatter(const char *buf, ssize_t n, const struct iovec *iov, int cnt)
{
    ssize_t off = 0;
    int i;
    for (i = 0; i < cnt && off < n; i++) {
        size_t k = (size_t)(n - off) < iov[i].iov_len ? (size_t)(n - off) : iov[i].iov_len;
        memcpy(iov[i].iov_base, buf + off, k);
        off += (ssize_t)k;
    }
    return off;
}

static ssize_t sh_readv(void *ud, int fd, const struct iovec *iov, int cnt)
{
    size_t total = 0;
    char *buf;
    ssize_t rc;
    int i;

    for (i = 0; i < cnt; i++)
        total += iov[i].iov_len;
    if (!(buf = malloc(total ? total : 1))) {
        errno = ENOMEM;
        return -1;
    }
    rc = sh_recvfrom(ud, fd, buf, total, 0, NULL, NULL);
    if (rc > 0)
        scatter(buf, rc, iov, cnt);
    free(buf);
    return rc;
}

static ssize_t sh_recvmsg(void *ud, int fd, struct msghdr *m, int flags)
{
    size_t total = 0, i;
    char *buf;
    ssize_t rc;
    socklen_t nl = m->msg_namelen;

    for (i = 0; i < m->msg_iovlen; i++)
        total += m->msg_iov[i].iov_len;
    if (!(buf = malloc(total ? total : 1))) {
        errno = ENOMEM;
        return -1;
    }
    rc = sh_recvfrom(ud, fd, buf, total, flags, m->msg_name, m->msg_name ? &nl : NULL);
    if (rc > 0)
        scatter(buf, rc, m->msg_iov, (int)m->msg_iovlen);
    m->msg_namelen = nl;
    m->msg_controllen = 0;
    m->msg_flags = 0;
    free(buf);
    return rc;
}

static int sh_fcntl(void *ud, int fd, int cmd, ...)
{
    struct shim *s = ud;
    int p = ppfd(s, fd), v = 0;
    socklen_t vl = sizeof v;
    va_list ap;
    long arg;

    va_start(ap, cmd);
    arg = va_arg(ap, long);
    va_end(ap);
    if (p < 0)
        return fcntl(fd, cmd, arg);
    switch (cmd) {
    case F_GETFL:
        if (pp_getsockopt(s->st, p, PP_SO_NONBLOCK, &v, &vl) < 0)
            return ret(-EBADF);
        return O_RDWR | (v ? O_NONBLOCK : 0);
    case F_SETFL:
        v = (arg & O_NONBLOCK) != 0;
        return ret(pp_setsockopt(s->st, p, PP_SO_NONBLOCK, &v, sizeof v));
    case F_GETFD:
    case F_SETFD:
        return fcntl(fd, cmd, arg);
    default:
        errno = EINVAL;
        return -1;
    }
}

static int sh_ioctl(void *ud, int fd, unsigned long req, ...)
{
    struct shim *s = ud;
    int p = ppfd(s, fd), v = 0;
    socklen_t vl = sizeof v;
    va_list ap;
    void *arg;

    va_start(ap, req);
    arg = va_arg(ap, void *);
    va_end(ap);
    if (p < 0)
        return ioctl(fd, req, arg);
    if (req == FIONREAD) { /* SIOCINQ: bytes ready to read */
        int rc = pp_getsockopt(s->st, p, PP_SO_NREAD, &v, &vl);
        if (rc == 0)
            *(int *)arg = v;
        return ret(rc);
    }
    errno = ENOTTY;
    return -1;
}

static int sh_close(void *ud, int fd)
{
    struct shim *s = ud;
    int p = ppfd(s, fd);

    if (fd >= 0 && fd < MAX_FDS && s->ep[fd]) {
        free(s->ep[fd]);
        s->ep[fd] = NULL;
        return close(fd);
    }
    if (p < 0)
        return close(fd);
    tick(s);
    s->map[fd] = 0;
    s->bufset[fd] = 0;
    pp_close(s->st, p);
    return close(fd);
}

static int sh_shutdown(void *ud, int fd, int how)
{
    struct shim *s = ud;
    PPFD_OR_FAIL(s, fd, p);
    tick(s);
    return ret(pp_shutdown(s->st, p, how == SHUT_RD ? PP_SHUT_RD : how == SHUT_WR ? PP_SHUT_WR
                                                                                   : PP_SHUT_RDWR));
}

/* Maps a (level, name) pair to a portplex option; -1 if unsupported. */
static int map_opt(int level, int name)
{
    if (level == SOL_SOCKET) {
        switch (name) {
        case SO_REUSEADDR: return PP_SO_REUSEADDR;
        case SO_RCVBUF: return PP_SO_RCVBUF;
        case SO_SNDBUF: return PP_SO_SNDBUF;
        case SO_ERROR: return PP_SO_ERROR;
        case SO_KEEPALIVE: return PP_SO_KEEPALIVE;
        case SO_TYPE: return PP_SO_TYPE;
        case SO_BROADCAST: return PP_SO_BROADCAST;
        default: return -1;
        }
    }
    if (level == IPPROTO_TCP) {
        switch (name) {
        case TCP_NODELAY: return PP_TCP_NODELAY;
        case TCP_KEEPIDLE: return PP_TCP_KEEPIDLE;
        case TCP_KEEPINTVL: return PP_TCP_KEEPINTVL;
        case TCP_KEEPCNT: return PP_TCP_KEEPCNT;
        case TCP_MAXSEG: return PP_TCP_MAXSEG;
        case TCP_USER_TIMEOUT: return PP_TCP_USER_TIMEOUT;
        default: return -1;
        }
    }
    if (level == IPPROTO_IP && name == IP_TOS)
        return PP_IP_TOS;
    if (level == IPPROTO_IP && name == IP_MTU_DISCOVER)
        return PP_IP_MTU_DISCOVER;
    return -1;
}

static int sh_setsockopt(void *ud, int fd, int level, int name, const void *val, socklen_t len)
{
    struct shim *s = ud;
    int opt, v;
    PPFD_OR_FAIL(s, fd, p);
    tick(s);
    if (level == SOL_SOCKET && name == SO_LINGER && len >= (socklen_t)sizeof(struct linger)) {
        const struct linger *lg = val;
        v = lg->l_onoff ? lg->l_linger : -1;
        return ret(pp_setsockopt(s->st, p, PP_SO_LINGER, &v, sizeof v));
    }
    if (level == IPPROTO_TCP && name == TCP_CONGESTION) {
        v = len >= 4 && strncmp(val, "reno", 4) == 0 ? PP_CC_NEWRENO_ID : PP_CC_CUBIC_ID;
        if (!(len >= 4 && (strncmp(val, "reno", 4) == 0 || strncmp(val, "cubic", 5) == 0)))
            return ret(-ENOENT);
        return ret(pp_setsockopt(s->st, p, PP_TCP_CONGESTION, &v, sizeof v));
    }
    opt = map_opt(level, name);
    if (opt < 0)
        return ret(-ENOPROTOOPT);
    if (level == IPPROTO_IP && len >= 1 && len < (socklen_t)sizeof(int)) {
        v = *(const unsigned char *)val; /* Linux takes a byte for IP options */
    } else if (len < (socklen_t)sizeof(int)) {
        return ret(-EINVAL);
    } else {
        memcpy(&v, val, sizeof v);
    }
    if (opt == PP_IP_MTU_DISCOVER) { /* IP_PMTUDISC_DONT is 0; WANT, DO, PROBE... set DF */
        if (v < IP_PMTUDISC_DONT || v > IP_PMTUDISC_OMIT)
            return ret(-EINVAL);
        v = v != IP_PMTUDISC_DONT;
    }
    if (opt == PP_SO_TYPE || opt == PP_SO_ERROR)
        return ret(-ENOPROTOOPT);
    if (opt == PP_SO_SNDBUF || opt == PP_SO_RCVBUF) {
        /* Linux clamps to net.core.[wr]mem_max and doubles the value for
         * bookkeeping (socket(7)); getsockopt shows the doubled size.  We
         * keep the asked-for size as the queue limit and remember to show
         * it doubled. */
        int max = sysctl_core_int(opt == PP_SO_SNDBUF ? "wmem_max" : "rmem_max", 212992);
        if (v > max)
            v = max;
        if (v < 2304)
            v = 2304; /* SOCK_MIN_SNDBUF / 2 */
        s->bufset[fd] |= opt == PP_SO_SNDBUF ? 1 : 2;
    }
    return ret(pp_setsockopt(s->st, p, opt, &v, sizeof v));
}

static int sh_getsockopt(void *ud, int fd, int level, int name, void *val, socklen_t *len)
{
    struct shim *s = ud;
    int opt, v = 0, rc;
    socklen_t vl = sizeof v;
    PPFD_OR_FAIL(s, fd, p);
    tick(s);
    if (level == SOL_SOCKET && name == SO_LINGER && *len >= (socklen_t)sizeof(struct linger)) {
        struct linger lg;
        rc = pp_getsockopt(s->st, p, PP_SO_LINGER, &v, &vl);
        lg.l_onoff = v >= 0;
        lg.l_linger = v >= 0 ? v : 0;
        memcpy(val, &lg, sizeof lg);
        *len = sizeof lg;
        return ret(rc);
    }
    opt = map_opt(level, name);
    if (opt < 0)
        return ret(-ENOPROTOOPT);
    rc = pp_getsockopt(s->st, p, opt, &v, &vl);
    if (rc == 0) {
        if (opt == PP_SO_TYPE)
            v = v == PP_SOCK_STREAM ? SOCK_STREAM : SOCK_DGRAM;
        if ((opt == PP_SO_SNDBUF && (s->bufset[fd] & 1)) || (opt == PP_SO_RCVBUF && (s->bufset[fd] & 2)))
            v *= 2; /* as Linux reports a size the user set (see sh_setsockopt) */
        if (*len >= (socklen_t)sizeof v) {
            memcpy(val, &v, sizeof v);
            *len = sizeof v;
        }
    }
    return ret(rc);
}

static int sh_poll(void *ud, struct pollfd *fds, nfds_t n, int timeout)
{
    struct shim *s = ud;
    struct pp_pollfd *pf = calloc(n ? n : 1, sizeof *pf);
    nfds_t i;
    int rc;

    if (!pf) {
        errno = ENOMEM;
        return -1;
    }
    tick(s);
    for (i = 0; i < n; i++) {
        pf[i].fd = ppfd(s, fds[i].fd);
        pf[i].events = (short)((fds[i].events & POLLIN ? PP_POLLIN : 0) |
                               (fds[i].events & POLLOUT ? PP_POLLOUT : 0));
    }
    call_enter(s);
    rc = pp_poll(s->st, pf, n, timeout);
    call_leave(s);
    for (i = 0; i < n; i++) {
        short r = pf[i].revents;
        fds[i].revents = (short)((r & PP_POLLIN ? POLLIN : 0) | (r & PP_POLLOUT ? POLLOUT : 0) |
                                 (r & PP_POLLERR ? POLLERR : 0) | (r & PP_POLLHUP ? POLLHUP : 0) |
                                 (r & PP_POLLNVAL ? POLLNVAL : 0));
    }
    free(pf);
    return ret(rc);
}

static int sh_netdev_send(void *ud, const void *buf, size_t n)
{
    struct shim *s = ud;
    tick(s);
    pp_stack_input(s->st, buf, n);
    return 0;
}

static int sh_netdev_receive(void *ud, void *buf, size_t *n, long long *usecs)
{
    struct shim *s = ud;
    int rounds;

    for (rounds = 0; rounds < 10000; rounds++) {
        struct outpkt *o;
        uint64_t next;

        pthread_mutex_lock(&s->lock);
        o = s->head;
        if (o) {
            s->head = o->next;
            if (!s->head)
                s->tail = NULL;
        }
        pthread_mutex_unlock(&s->lock);
        if (o) {
            size_t k = o->len < *n ? o->len : *n;
            memcpy(buf, o->data, k);
            *n = k;
            *usecs = o->usecs;
            free(o);
            return 0;
        }
        /* Nothing queued: run the timers forward to the next deadline. */
        next = pp_stack_poll_us(s->st, (uint64_t)now_us(s));
        pthread_mutex_lock(&s->lock);
        o = s->head;
        pthread_mutex_unlock(&s->lock);
        if (o)
            continue;
        if (next == UINT64_MAX) {
            *n = 0; /* nothing will ever come: let the script fail now */
            return 0;
        }
        settle(s);
        pthread_mutex_lock(&s->lock);
        o = s->head;
        pthread_mutex_unlock(&s->lock);
        if (o)
            continue; /* a thread that just ran sent something */
        {
            long long want = (long long)next * 1000, now = now_us(s);
            if (want > now) {
                pthread_mutex_lock(&s->lock);
                s->offset_us += want - now;
                pthread_mutex_unlock(&s->lock);
            }
        }
    }
    return -1;
}

/* Sleeps by warping the clock, once every other thread in a call is
 * asleep or done (settle).  Timers due during the sleep fire at their own
 * times, one jump per deadline, as they would in real time: a run of
 * probes half a second apart is a run of probes, not one late timer. */
static int sh_usleep(void *ud, useconds_t usec)
{
    struct shim *s = ud;
    long long target;
    int rounds;

    settle(s);
    target = now_us(s) + (long long)usec;
    for (rounds = 0; rounds < 100000; rounds++) {
        uint64_t next = pp_stack_poll_us(s->st, (uint64_t)now_us(s));
        long long now = now_us(s), want;
        if (next == UINT64_MAX || (long long)next * 1000 >= target)
            break;
        want = (long long)next * 1000;
        if (want > now) {
            pthread_mutex_lock(&s->lock);
            s->offset_us += want - now;
            pthread_mutex_unlock(&s->lock);
        }
    }
    {
        long long now = now_us(s);
        if (target > now) {
            pthread_mutex_lock(&s->lock);
            s->offset_us += target - now;
            pthread_mutex_unlock(&s->lock);
        }
    }
    tick(s);
    return 0;
}

static int sh_gettimeofday(void *ud, struct timeval *tv, struct timezone *tz)
{
    struct shim *s = ud;
    long long t = now_us(s);
    struct caller *c;
    (void)tz;
    pthread_mutex_lock(&s->lock);
    if ((c = caller_slot(s, my_tid(), 0)) && c->state == 2)
        c->state = 0; /* back from its call and the clock read: settled */
    pthread_mutex_unlock(&s->lock);
    tv->tv_sec = (time_t)(t / 1000000);
    tv->tv_usec = (suseconds_t)(t % 1000000);
    return 0;
}

static int sh_epoll_create(void *ud, int size)
{
    struct shim *s = ud;
    int fd = eventfd(0, EFD_CLOEXEC);
    (void)size;
    if (fd < 0 || fd >= MAX_FDS || !(s->ep[fd] = calloc(1, sizeof(struct epset)))) {
        if (fd >= 0)
            close(fd);
        errno = ENOMEM;
        return -1;
    }
    return fd;
}

static int sh_epoll_ctl(void *ud, int epfd, int op, int fd, struct epoll_event *ev)
{
    struct shim *s = ud;
    struct epset *e = epfd >= 0 && epfd < MAX_FDS ? s->ep[epfd] : NULL;
    int i;

    if (!e || ppfd(s, fd) < 0) {
        errno = EBADF;
        return -1;
    }
    for (i = 0; i < e->n && e->fds[i] != fd; i++)
        ;
    switch (op) {
    case EPOLL_CTL_ADD:
        if (i < e->n) { errno = EEXIST; return -1; }
        if (e->n == MAX_EPOLL) { errno = ENOSPC; return -1; }
        e->fds[e->n] = fd;
        e->fresh[e->n] = 1;
        e->ev[e->n++] = *ev;
        return 0;
    case EPOLL_CTL_MOD:
        if (i == e->n) { errno = ENOENT; return -1; }
        e->ev[i] = *ev;
        e->fresh[i] = 1; /* as Linux, a modification re-arms the edge */
        return 0;
    case EPOLL_CTL_DEL:
        if (i == e->n) { errno = ENOENT; return -1; }
        e->fds[i] = e->fds[--e->n];
        e->ev[i] = e->ev[e->n];
        e->seen[i] = e->seen[e->n];
        e->fresh[i] = e->fresh[e->n];
        return 0;
    default:
        errno = EINVAL;
        return -1;
    }
}

/* A socket's wake-up count (PP_SO_EVENTS). */
static unsigned events_of(struct shim *s, int host_fd)
{
    int v = 0;
    socklen_t vl = sizeof v;
    pp_getsockopt(s->st, ppfd(s, host_fd), PP_SO_EVENTS, &v, &vl);
    return (unsigned)v;
}

/* One pass over the set: level-triggered entries report their state;
 * edge-triggered ones (EPOLLET) only when the socket woke since they last
 * reported, as Linux reports a new event rather than a state. */
static int epoll_collect(struct shim *s, struct epset *e, struct epoll_event *evs, int max,
                         int timeout)
{
    struct pollfd pfd[MAX_EPOLL];
    int i, n, out = 0;

    for (i = 0; i < e->n; i++) {
        pfd[i].fd = e->fds[i];
        pfd[i].events = (short)(e->ev[i].events & (EPOLLIN | EPOLLOUT));
    }
    n = sh_poll(s, pfd, (nfds_t)e->n, timeout);
    if (n < 0)
        return n;
    for (i = 0; i < e->n && out < max; i++) {
        if (!pfd[i].revents)
            continue;
        if (e->ev[i].events & EPOLLET) {
            unsigned now = events_of(s, e->fds[i]);
            if (!e->fresh[i] && now == e->seen[i])
                continue;
            e->seen[i] = now;
            e->fresh[i] = 0;
        }
        evs[out].events = (uint32_t)pfd[i].revents;
        evs[out].data = e->ev[i].data;
        out++;
    }
    return out;
}

static int sh_epoll_wait(void *ud, int epfd, struct epoll_event *evs, int max, int timeout)
{
    struct shim *s = ud;
    struct epset *e = epfd >= 0 && epfd < MAX_FDS ? s->ep[epfd] : NULL;
    long long deadline;
    int out;

    if (!e || max <= 0) {
        errno = e ? EINVAL : EBADF;
        return -1;
    }
    out = epoll_collect(s, e, evs, max, timeout);
    /* An edge already reported leaves poll's level set: wait out the rest
     * of the timeout in short naps for a new edge. */
    deadline = now_us(s) + (long long)timeout * 1000;
    while (out == 0 && timeout != 0 && (timeout < 0 || now_us(s) < deadline)) {
        struct timespec d = {0, 1000000};
        call_enter(s);
        nanosleep(&d, NULL);
        call_leave(s);
        out = epoll_collect(s, e, evs, max, 0);
    }
    return out;
}

static int sh_pipe(void *ud, int fds[2])
{
    (void)ud;
    return pipe(fds);
}

static int sh_splice(void *ud, int in, loff_t *oin, int out, loff_t *oout, size_t n, unsigned f)
{
    (void)ud;
    return (int)splice(in, oin, out, oout, n, f);
}

static void sh_free(void *ud)
{
    struct shim *s = ud;
    struct outpkt *o, *next;
    int fd;

    for (fd = 0; fd < MAX_FDS; fd++) {
        if (s->map[fd] > 0)
            pp_close(s->st, s->map[fd] - 1); /* packetdrill closes the host fds */
        free(s->ep[fd]);
    }
    pp_stack_free(s->st);
    for (o = s->head; o; o = next) {
        next = o->next;
        free(o);
    }
    pthread_mutex_destroy(&s->lock);
    free(s);
}

/* Reads "key=value" from a comma-separated flags string into out. */
static int flag(const char *flags, const char *key, char *out, size_t cap)
{
    size_t kl = strlen(key);
    const char *p = flags;

    while (p && *p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > kl && strncmp(p, key, kl) == 0 && p[kl] == '=') {
            size_t vl = len - kl - 1 < cap - 1 ? len - kl - 1 : cap - 1;
            memcpy(out, p + kl + 1, vl);
            out[vl] = 0;
            return 0;
        }
        p = end ? end + 1 : NULL;
    }
    return -1;
}

__attribute__((visibility("default"))) void packetdrill_interface_init(const char *flags, struct packetdrill_interface *ifc);
void packetdrill_interface_init(const char *flags, struct packetdrill_interface *ifc)
{
    struct shim *s = calloc(1, sizeof *s);
    struct pp_stack_config cfg;
    char buf[64];
    uint32_t local = 0xc0a80001u; /* 192.168.0.1, packetdrill's default */

    if (!s) {
        fprintf(stderr, "libportplex-packetdrill: out of memory\n");
        abort();
    }
    if (flags && flag(flags, "local_ip", buf, sizeof buf) == 0 && pp_ipv4_aton(buf, &local) < 0)
        fprintf(stderr, "libportplex-packetdrill: bad local_ip '%s'\n", buf);
    memset(&cfg, 0, sizeof cfg);
    cfg.addr = local;
    cfg.prefix_len = 16;
    cfg.mtu = 1500;
    if (flags && flag(flags, "mtu", buf, sizeof buf) == 0)
        cfg.mtu = (uint16_t)atoi(buf);
    cfg.name = "packetdrill";
    pthread_mutex_init(&s->lock, NULL);
    s->st = pp_stack_new(&cfg);
    if (!s->st) {
        fprintf(stderr, "libportplex-packetdrill: cannot create the stack\n");
        abort();
    }
    s->link.ops = &link_ops;
    s->link.mtu = cfg.mtu;
    s->link.priv = s;
    pp_stack_attach(s->st, &s->link);
    memset(ifc, 0, sizeof *ifc);
    ifc->userdata = s;
    ifc->free = sh_free;
    ifc->socket = sh_socket;
    ifc->bind = sh_bind;
    ifc->listen = sh_listen;
    ifc->accept = sh_accept;
    ifc->connect = sh_connect;
    ifc->read = sh_read;
    ifc->readv = sh_readv;
    ifc->recv = sh_recv;
    ifc->recvfrom = sh_recvfrom;
    ifc->recvmsg = sh_recvmsg;
    ifc->write = sh_write;
    ifc->writev = sh_writev;
    ifc->send = sh_send;
    ifc->sendto = sh_sendto;
    ifc->sendmsg = sh_sendmsg;
    ifc->fcntl = sh_fcntl;
    ifc->ioctl = sh_ioctl;
    ifc->close = sh_close;
    ifc->shutdown = sh_shutdown;
    ifc->getsockopt = sh_getsockopt;
    ifc->setsockopt = sh_setsockopt;
    ifc->poll = sh_poll;
    ifc->netdev_send = sh_netdev_send;
    ifc->netdev_receive = sh_netdev_receive;
    ifc->usleep = sh_usleep;
    ifc->gettimeofday = sh_gettimeofday;
    ifc->epoll_create = sh_epoll_create;
    ifc->epoll_ctl = sh_epoll_ctl;
    ifc->epoll_wait = sh_epoll_wait;
    ifc->pipe = sh_pipe;
    ifc->splice = sh_splice;
}
