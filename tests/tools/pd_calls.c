/* pd_calls.c - the system calls of a packetdrill script, made through the
 * .so's function table: arguments read from the script's expressions
 * ("...", NULL, [N], {struct}), results compared as packetdrill compares
 * them (return value, errno, and what the call writes back: option values,
 * poll and epoll events, SIOCINQ counts, the peer address of accept).
 * A call or argument form pd_play does not know is reported unsupported. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "pd_play.h"

struct sym {
    const char *name;
    long long value;
};
#define S(x) {#x, x}
static const struct sym syms[] = {
    S(AF_INET), {"PF_INET", AF_INET}, S(SOCK_STREAM), S(SOCK_DGRAM), S(SOCK_NONBLOCK),
    S(SOCK_CLOEXEC), S(IPPROTO_TCP), S(IPPROTO_IP), S(IPPROTO_UDP), S(SOL_SOCKET),
    {"SOL_TCP", IPPROTO_TCP}, {"SOL_IP", IPPROTO_IP}, S(SO_REUSEADDR), S(SO_REUSEPORT),
    S(SO_ERROR), S(SO_KEEPALIVE), S(SO_RCVBUF), S(SO_SNDBUF), S(SO_LINGER), S(SO_TYPE),
    S(SO_BROADCAST), S(TCP_NODELAY), S(TCP_KEEPIDLE), S(TCP_KEEPINTVL), S(TCP_KEEPCNT),
    S(TCP_MAXSEG), S(TCP_USER_TIMEOUT), S(TCP_CONGESTION), S(IP_TOS), S(IP_MTU_DISCOVER),
    S(IP_PMTUDISC_DONT), S(IP_PMTUDISC_WANT), S(IP_PMTUDISC_DO), S(IP_PMTUDISC_PROBE),
    S(F_GETFL), S(F_SETFL), S(F_GETFD), S(F_SETFD), S(O_RDWR), S(O_RDONLY), S(O_WRONLY),
    S(O_NONBLOCK), S(SHUT_RD), S(SHUT_WR), S(SHUT_RDWR), S(MSG_DONTWAIT), S(MSG_PEEK),
    S(MSG_EOR), S(MSG_MORE), S(MSG_WAITALL), S(MSG_NOSIGNAL), S(SIOCINQ), S(SIOCOUTQ), S(FIONREAD),
    S(POLLIN), S(POLLOUT), S(POLLERR), S(POLLHUP), S(POLLNVAL), S(POLLRDNORM),
    S(POLLWRNORM), S(POLLRDHUP), S(EPOLLIN), S(EPOLLOUT), S(EPOLLERR), S(EPOLLHUP),
    S(EPOLLET), S(EPOLLRDHUP), S(EPOLL_CTL_ADD), S(EPOLL_CTL_MOD), S(EPOLL_CTL_DEL),
    S(EINPROGRESS), S(EAGAIN), S(EWOULDBLOCK), S(ECONNREFUSED), S(ECONNRESET),
    S(ETIMEDOUT), S(EPIPE), S(ENOTCONN), S(EISCONN), S(EALREADY), S(EINVAL), S(EBADF),
    S(EADDRINUSE), S(EFAULT), S(ENOPROTOOPT), S(EOPNOTSUPP), S(EMSGSIZE), S(ENOENT),
    S(ENOTSOCK), S(EAFNOSUPPORT), S(EPROTONOSUPPORT), S(ENOMEM), S(ENOBUFS), S(EDESTADDRREQ),
    S(EHOSTUNREACH), S(ENETUNREACH), S(EPERM), S(EACCES), S(EINTR), S(EEXIST),
};

int pd_is_value(const char *s)
{
    char *end;
    size_t i;
    if (!*s)
        return 0;
    strtoll(s, &end, 0);
    if (!*end)
        return 1;
    for (i = 0; i < sizeof syms / sizeof syms[0]; i++)
        if (!strcmp(syms[i].name, s))
            return 1;
    return 0;
}

long long pd_value(const char *s)
{
    long long v = 0;
    char buf[160], *tok, *save;
    snprintf(buf, sizeof buf, "%s", s);
    for (tok = strtok_r(buf, "|", &save); tok; tok = strtok_r(NULL, "|", &save)) {
        char *t = pd_skip_ws(tok), *end;
        size_t i, n = strlen(t);
        long long x;
        while (n && (t[n - 1] == ' ' || t[n - 1] == '\t'))
            t[--n] = '\0';
        x = strtoll(t, &end, 0);
        if (end == t || *end) {
            for (i = 0; i < sizeof syms / sizeof syms[0]; i++)
                if (!strcmp(syms[i].name, t))
                    break;
            if (i == sizeof syms / sizeof syms[0])
                pd_unsupported("the symbol '%s'", t);
            x = syms[i].value;
        }
        v |= x;
    }
    return v;
}

/* The live descriptor for a script's fd expression. */
static int live_fd(const char *s)
{
    long long f = pd_value(s);
    if (f < 0 || f >= PD_MAX_FD || pd_conn.fd_map[f] < 0)
        return 1000 + (int)(f & 0xff); /* never opened by the script: EBADF from the .so */
    return pd_conn.fd_map[f];
}

/* "[1]" -> 1 */
static long long bracket_value(const char *s)
{
    char buf[128];
    size_t n = strlen(s);
    if (*s != '[' || n < 2 || s[n - 1] != ']' || n - 2 >= sizeof buf)
        pd_unsupported("the argument '%s' ('[N]' expected)", s);
    memcpy(buf, s + 1, n - 2);
    buf[n - 2] = '\0';
    return pd_value(buf);
}

/* A field "name=value" inside "{...}" (value up to ',' or '}'), or NULL. */
static const char *field(const char *s, const char *name, char *out, size_t cap)
{
    const char *p = s;
    size_t nl = strlen(name);
    while ((p = strstr(p, name))) {
        if ((p == s || (!isalnum((unsigned char)p[-1]) && p[-1] != '_')) && p[nl] == '=') {
            size_t k = 0;
            p += nl + 1;
            while (*p && *p != ',' && *p != '}' && k + 1 < cap)
                out[k++] = *p++;
            out[k] = '\0';
            while (k && out[k - 1] == ' ')
                out[--k] = '\0';
            return out;
        }
        p += nl;
    }
    return NULL;
}

static void addr_of(struct sockaddr_in *a, uint32_t ip, uint16_t port)
{
    memset(a, 0, sizeof *a);
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(ip);
    a->sin_port = htons(port);
}

static char *buf_of(const char *arg, size_t len)
{
    static char *buf;
    static size_t cap;
    if (!strcmp(arg, "NULL"))
        return NULL;
    if (strcmp(arg, "..."))
        pd_unsupported("the buffer argument '%s'", arg);
    if (len > cap) {
        free(buf);
        cap = len < 65536 ? 65536 : len;
        if (!(buf = malloc(cap)))
            pd_fail("out of memory for a %zu-byte buffer", len);
    }
    memset(buf, 'x', len);
    return buf ? buf : (char *)"";
}

/* "[{..., 10}, {..., 20}]" -> iovecs over one buffer; the count. */
static int iov_of(char *s, struct iovec *iov, int max)
{
    char *items[16];
    int n, i;
    size_t n0 = strlen(s);
    if (*s != '[' || s[n0 - 1] != ']')
        pd_unsupported("the iovec '%s'", s);
    s[n0 - 1] = '\0';
    n = pd_split_args(s + 1, items, 16);
    if (n > max)
        pd_unsupported("%d iovecs", n);
    for (i = 0; i < n; i++) {
        char *it = items[i], *parts[2];
        size_t m = strlen(it);
        if (*it != '{' || it[m - 1] != '}')
            pd_unsupported("the iovec '%s'", it);
        it[m - 1] = '\0';
        if (pd_split_args(it + 1, parts, 2) != 2)
            pd_unsupported("the iovec '%s'", items[i]);
        iov[i].iov_len = (size_t)pd_value(parts[1]);
        iov[i].iov_base = buf_of(parts[0], iov[i].iov_len + 1);
    }
    return n;
}

/* The values the script expects a call to write back, checked after it. */
struct wants {
    int kind; /* 0 none, 1 int at *ip, 2 pollfds, 3 epoll event */
    long long v, vlen;
    int has_vlen;
};

static long long checked_int(const char *what, long long got, const char *want_s)
{
    long long want = bracket_value(want_s);
    if (got != want)
        pd_fail("Bad %s: expected: %lld actual: %lld", what, want, got);
    return got;
}

long long pd_run_call(char *call, int *err)
{
    char name[32], *args[8], *open_p = strchr(call, '('), *close_p = strrchr(call, ')');
    int n, fd;
    long long rc = -1;
    size_t len;

    if (!open_p || !close_p || open_p - call >= (long)sizeof name)
        pd_unsupported("the call '%s'", call);
    memcpy(name, call, (size_t)(open_p - call));
    name[open_p - call] = '\0';
    *close_p = '\0';
    n = pd_split_args(open_p + 1, args, 8);
    for (int i = n; i < 8; i++)
        args[i] = (char *)"";
    errno = 0;
    fd = n > 0 && strcmp(name, "socket") && strcmp(name, "epoll_create") && strcmp(name, "poll")
             ? live_fd(args[0]) : -1;
    /* packetdrill follows any number of connections one after the other,
     * each with its own ports and ISNs; pd_play follows one. */
    if ((!strcmp(name, "listen") || !strcmp(name, "connect")) && pd_conn.saw_peer)
        pd_unsupported("a second connection (pd_play follows one)");
    if (!strcmp(name, "socket")) {
        if (strcmp(args[0], "...") && pd_value(args[0]) != AF_INET)
            pd_unsupported("a socket that is not AF_INET");
        rc = pd_ifc.socket(pd_ifc.userdata, AF_INET, (int)pd_value(args[1]),
                           (int)pd_value(args[2]));
    } else if (!strcmp(name, "bind")) {
        struct sockaddr_in a;
        if (strcmp(args[1], "..."))
            pd_unsupported("bind to an explicit address");
        addr_of(&a, PD_LOCAL, 8080);
        pd_conn.local_port = 8080;
        rc = pd_ifc.bind(pd_ifc.userdata, fd, (struct sockaddr *)&a, sizeof a);
    } else if (!strcmp(name, "listen")) {
        rc = pd_ifc.listen(pd_ifc.userdata, fd, (int)pd_value(args[1]));
    } else if (!strcmp(name, "accept")) {
        struct sockaddr_in a;
        socklen_t al = sizeof a;
        rc = pd_ifc.accept(pd_ifc.userdata, fd, (struct sockaddr *)&a, &al);
        /* packetdrill checks the peer address it used (run_system_call.c). */
        if (rc >= 0 && (a.sin_addr.s_addr != htonl(PD_REMOTE) ||
                        ntohs(a.sin_port) != pd_conn.remote_port))
            pd_fail("accept() filled in %s:%u, not the remote address", inet_ntoa(a.sin_addr),
                    ntohs(a.sin_port));
    } else if (!strcmp(name, "connect")) {
        struct sockaddr_in a;
        if (strcmp(args[1], "..."))
            pd_unsupported("connect to an explicit address");
        addr_of(&a, PD_REMOTE, 8080);
        pd_conn.remote_port = 8080;
        rc = pd_ifc.connect(pd_ifc.userdata, fd, (struct sockaddr *)&a, sizeof a);
    } else if (!strcmp(name, "write") || !strcmp(name, "send") || !strcmp(name, "sendto")) {
        len = (size_t)pd_value(args[2]);
        char *b = buf_of(args[1], len);
        if (!strcmp(name, "write"))
            rc = pd_ifc.write(pd_ifc.userdata, fd, b, len);
        else if (!strcmp(name, "send"))
            rc = pd_ifc.send(pd_ifc.userdata, fd, b, len, (int)pd_value(args[3]));
        else
            rc = pd_ifc.sendto(pd_ifc.userdata, fd, b, len, (int)pd_value(args[3]), NULL, 0);
    } else if (!strcmp(name, "read") || !strcmp(name, "recv") || !strcmp(name, "recvfrom")) {
        len = (size_t)pd_value(args[2]);
        char *b = buf_of(args[1], len);
        if (!strcmp(name, "read"))
            rc = pd_ifc.read(pd_ifc.userdata, fd, b, len);
        else if (!strcmp(name, "recv"))
            rc = pd_ifc.recv(pd_ifc.userdata, fd, b, len, (int)pd_value(args[3]));
        else
            rc = pd_ifc.recvfrom(pd_ifc.userdata, fd, b, len, (int)pd_value(args[3]), NULL, NULL);
    } else if (!strcmp(name, "writev") || !strcmp(name, "readv")) {
        struct iovec iov[16];
        int cnt = iov_of(args[1], iov, 16);
        if (pd_value(args[2]) != cnt)
            pd_unsupported("an iovec count that differs from the list");
        rc = name[0] == 'w' ? pd_ifc.writev(pd_ifc.userdata, fd, iov, cnt)
                            : pd_ifc.readv(pd_ifc.userdata, fd, iov, cnt);
    } else if (!strcmp(name, "sendmsg")) {
        struct msghdr m;
        struct iovec iov[16];
        char *iovs = strstr(args[1], "msg_iov");
        if (!iovs || strstr(args[1], "msg_control") || !strchr(iovs, '['))
            pd_unsupported("this sendmsg form");
        {
            char list[512], *lb = strchr(iovs, '['), *rb = strchr(lb, ']');
            if (!rb || (size_t)(rb - lb + 1) >= sizeof list)
                pd_unsupported("this sendmsg form");
            memcpy(list, lb, (size_t)(rb - lb + 1));
            list[rb - lb + 1] = '\0';
            memset(&m, 0, sizeof m);
            m.msg_iov = iov;
            m.msg_iovlen = (size_t)iov_of(list, iov, 16);
        }
        rc = pd_ifc.sendmsg(pd_ifc.userdata, fd, &m, (int)pd_value(args[2]));
    } else if (!strcmp(name, "close")) {
        rc = pd_ifc.close(pd_ifc.userdata, fd);
        if (rc == 0) {
            long long f = pd_value(args[0]);
            if (f >= 0 && f < PD_MAX_FD)
                pd_conn.fd_map[f] = -1;
        }
    } else if (!strcmp(name, "shutdown")) {
        rc = pd_ifc.shutdown(pd_ifc.userdata, fd, (int)pd_value(args[1]));
    } else if (!strcmp(name, "fcntl")) {
        rc = n > 2 ? pd_ifc.fcntl(pd_ifc.userdata, fd, (int)pd_value(args[1]), (long)pd_value(args[2]))
                   : pd_ifc.fcntl(pd_ifc.userdata, fd, (int)pd_value(args[1]));
    } else if (!strcmp(name, "ioctl")) {
        int v = -1;
        rc = pd_ifc.ioctl(pd_ifc.userdata, fd, (unsigned long)pd_value(args[1]), &v);
        if (rc == 0)
            checked_int("ioctl value", v, args[2]);
    } else if (!strcmp(name, "setsockopt")) {
        int level = (int)pd_value(args[1]), opt = (int)pd_value(args[2]);
        socklen_t ol = (socklen_t)pd_value(args[4]);
        if (args[3][0] == '{') { /* {onoff=1, linger=0} */
            struct linger l;
            char v[32];
            l.l_onoff = field(args[3], "onoff", v, sizeof v) ? atoi(v) : 0;
            l.l_linger = field(args[3], "linger", v, sizeof v) ? atoi(v) : 0;
            rc = pd_ifc.setsockopt(pd_ifc.userdata, fd, level, opt, &l, ol ? ol : sizeof l);
        } else if (args[3][0] == '"') { /* "reno" */
            char s[32];
            size_t k = strlen(args[3]);
            if (k < 2 || k - 2 >= sizeof s)
                pd_unsupported("the option value %s", args[3]);
            memcpy(s, args[3] + 1, k - 2);
            s[k - 2] = '\0';
            rc = pd_ifc.setsockopt(pd_ifc.userdata, fd, level, opt, s, ol);
        } else {
            int v = (int)bracket_value(args[3]);
            rc = pd_ifc.setsockopt(pd_ifc.userdata, fd, level, opt, &v, ol);
        }
    } else if (!strcmp(name, "getsockopt")) {
        int level = (int)pd_value(args[1]), opt = (int)pd_value(args[2]);
        union {
            int i;
            struct linger l;
            char s[64];
        } v;
        socklen_t vl = args[4][0] == '[' ? (socklen_t)bracket_value(args[4]) : sizeof v;
        memset(&v, 0, sizeof v);
        if (vl > sizeof v)
            vl = sizeof v;
        rc = pd_ifc.getsockopt(pd_ifc.userdata, fd, level, opt, &v, &vl);
        if (rc == 0) {
            if (args[3][0] == '[')
                checked_int("getsockopt optval", v.i, args[3]);
            else if (args[3][0] == '{') {
                char f[32];
                if (field(args[3], "onoff", f, sizeof f) && atoi(f) != v.l.l_onoff)
                    pd_fail("Bad getsockopt l_onoff: expected: %s actual: %d", f, v.l.l_onoff);
                if (field(args[3], "linger", f, sizeof f) && atoi(f) != v.l.l_linger)
                    pd_fail("Bad getsockopt l_linger: expected: %s actual: %d", f, v.l.l_linger);
            } else if (strcmp(args[3], "...")) {
                pd_unsupported("the getsockopt value %s", args[3]);
            }
            if (args[4][0] == '[')
                checked_int("getsockopt optlen", vl, args[4]);
        }
    } else if (!strcmp(name, "poll")) {
        /* poll([{fd=4, events=POLLIN, revents=POLLIN}], 1, 0) */
        char *items[8], *lst = args[0];
        struct pollfd p[8];
        int k, cnt;
        size_t m = strlen(lst);
        if (*lst != '[' || lst[m - 1] != ']')
            pd_unsupported("the poll list %s", lst);
        lst[m - 1] = '\0';
        cnt = pd_split_args(lst + 1, items, 8);
        for (k = 0; k < cnt; k++) {
            char v[64];
            p[k].fd = field(items[k], "fd", v, sizeof v) ? live_fd(v) : -1;
            p[k].events = (short)(field(items[k], "events", v, sizeof v) ? pd_value(v) : 0);
            p[k].revents = 0;
        }
        rc = pd_ifc.poll(pd_ifc.userdata, p, (nfds_t)cnt, (int)pd_value(args[2]));
        for (k = 0; rc >= 0 && k < cnt; k++) {
            char v[64];
            long long want = field(items[k], "revents", v, sizeof v) ? pd_value(v) : 0;
            if (p[k].revents != want)
                pd_fail("poll revents: expected: %lld actual: %d", want, p[k].revents);
        }
    } else if (!strcmp(name, "epoll_create") || !strcmp(name, "epoll_create1")) {
        rc = pd_ifc.epoll_create(pd_ifc.userdata, (int)pd_value(args[0]));
    } else if (!strcmp(name, "epoll_ctl")) {
        struct epoll_event ev;
        char v[64];
        memset(&ev, 0, sizeof ev);
        ev.events = (uint32_t)(field(args[3], "events", v, sizeof v) ? pd_value(v) : 0);
        if (field(args[3], "fd", v, sizeof v))
            ev.data.u64 = (uint64_t)pd_value(v);
        else if (field(args[3], "ptr", v, sizeof v) || field(args[3], "u64", v, sizeof v))
            ev.data.u64 = (uint64_t)pd_value(v);
        rc = pd_ifc.epoll_ctl(pd_ifc.userdata, fd, (int)pd_value(args[1]), live_fd(args[2]), &ev);
    } else if (!strcmp(name, "epoll_wait")) {
        struct epoll_event ev[4];
        char v[64];
        int max = (int)pd_value(args[2]);
        if (max > 4)
            max = 4;
        memset(ev, 0, sizeof ev);
        rc = pd_ifc.epoll_wait(pd_ifc.userdata, fd, ev, max, (int)pd_value(args[3]));
        if (rc > 0) {
            long long we = field(args[1], "events", v, sizeof v) ? pd_value(v) : 0;
            if ((long long)ev[0].events != we)
                pd_fail("epoll_wait events: expected: %lld actual: %u", we, ev[0].events);
            if (field(args[1], "fd", v, sizeof v) && (long long)ev[0].data.u64 != pd_value(v))
                pd_fail("epoll_wait data: expected fd %s", v);
        }
    } else {
        pd_unsupported("the call %s()", name);
    }
    *err = errno;
    return rc;
}

int pd_call_blocks_fd(const char *call)
{
    return !strncmp(call, "socket(", 7) || !strncmp(call, "accept(", 7) ||
           !strncmp(call, "epoll_create", 12);
}

/* "= N", "= -1 ERRNO (text)", "= 0x2 (flags O_RDWR)" */
void pd_check_result(const char *call, long long rc, int err, const char *want_s)
{
    char buf[128], *p, *e;
    long long want;
    int want_err = 0;

    snprintf(buf, sizeof buf, "%s", want_s);
    p = pd_skip_ws(buf);
    if (*p != '=')
        pd_unsupported("the result '%s'", want_s);
    p = pd_skip_ws(p + 1);
    want = strtoll(p, &e, 0);
    if (e == p) { /* a symbol */
        char sym[64];
        size_t k = 0;
        while ((isalnum((unsigned char)*e) || *e == '_' || *e == '|') && k + 1 < sizeof sym)
            sym[k++] = *e++;
        sym[k] = '\0';
        want = pd_value(sym);
    }
    e = pd_skip_ws(e);
    if (want == -1 && isupper((unsigned char)*e)) {
        char sym[32];
        size_t k = 0;
        while (isalnum((unsigned char)*e) && k + 1 < sizeof sym)
            sym[k++] = *e++;
        sym[k] = '\0';
        want_err = (int)pd_value(sym);
    }
    if (pd_call_blocks_fd(call) && want >= 0 && rc >= 0) {
        if (want < PD_MAX_FD)
            pd_conn.fd_map[want] = (int)rc; /* the script's number for the new descriptor */
        return;
    }
    if (rc != want)
        pd_fail("runtime error in %.*s call: Expected result %lld but got %lld with errno %d (%s)",
                (int)strcspn(call, "("), call, want, rc, rc < 0 ? err : 0,
                rc < 0 ? strerror(err) : "Success");
    if (want == -1 && want_err && err != want_err)
        pd_fail("runtime error in %.*s call: Expected errno %d (%s) but got %d (%s)",
                (int)strcspn(call, "("), call, want_err, strerror(want_err), err, strerror(err));
}
