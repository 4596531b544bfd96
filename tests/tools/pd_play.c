/* pd_play.c - plays scripts written in packetdrill's language against
 * libportplex-packetdrill.so, driving it exactly as packetdrill's so-mode
 * does (dlopen, packetdrill_interface_init with the flags string, the
 * socket calls, netdev_send / netdev_receive, the .so's warp clock).
 * packetdrill is not packaged for Debian and cannot be fetched here, so
 * this plays the subset of its language that TCP scripts mostly use:
 *
 *   time:     0  +.1  .25  +0.1...0.300 (a blocking call: start...end)
 *   calls:    socket setsockopt getsockopt bind listen accept connect read
 *             write send recv close shutdown fcntl, with `...` arguments,
 *             `= N` and `= -1 ERRNO (text)`
 *   packets:  < or >, flags (S . P F R), start:end(len), ack N, win N,
 *             <mss N, sackOK, nop, wscale N, TS val N ecr N, sack a:b ...>
 *   shell:    `sysctl -q net.ipv4.NAME=V` (also several joined by ;) sets
 *             NAME in a private directory the shim reads (PD_SYSCTL_DIR)
 *             instead of /proc; other shell and Python lines are skipped
 *
 * with packetdrill's rules: sequence numbers are relative to each side's
 * ISN, the peer is remote_ip (port 8080 when we connect, an ephemeral port
 * when we listen on local_ip:8080), outbound packets must arrive within
 * --tolerance (4 ms by default) of their script time, their flags,
 * sequence range, ACK, options (TS values aside) and, when given, window
 * must match, and consecutive outbound segments are merged to match a
 * larger scripted one (packetdrill's TSO rule); our TS values are not
 * checked, the echoes of the script's are.  Shell and Python lines are
 * reported and skipped.
 *   pd_play [--tolerance_usecs=N] LIB.so SCRIPT.pkt...
 * exits 0 when every script passes.  The tolerance is packetdrill's option
 * of that name: ctest widens it, since CI runs tests side by side on two
 * cores and a loaded machine delays real time as much as a slow stack. */
#include <arpa/inet.h>
#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "packetdrill/pd_interface.h"
#include "packetdrill/thread_state.h"
#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"

#define LOCAL 0xc0a80001u  /* 192.168.0.1 */
#define REMOTE 0xc0000201u /* 192.0.2.1 */
#define REMOTE_ISN 1000000u
#define MAX_FD 64

static struct packetdrill_interface ifc;
static const char *script_name;
static int line_no;
static long long tolerance_us = 4000;

static _Noreturn void die(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s:%d: ", script_name, line_no);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

/* --- the script's state -------------------------------------------------- */
static long long start_us;        /* live time of script time 0 */
static int fd_map[MAX_FD];        /* script fd -> live fd, -1 none */
static uint16_t local_port, remote_port;
static uint32_t local_isn;
static int have_local_isn;
static uint32_t last_ts_val;      /* the newest TS value we sent */

struct pending {                  /* a blocking call running on its own thread */
    pthread_t th;
    int active;
    char call[512];
    long long end_us, tol_us;
    long long ret, want;
    int err, want_err;
    long long done_us;
    volatile int tid, done;
};
static struct pending pend;

static long long now_us(void)
{
    struct timeval tv;
    ifc.gettimeofday(ifc.userdata, &tv, NULL);
    return (long long)tv.tv_sec * 1000000 + tv.tv_usec;
}

static void wait_until(long long script_us)
{
    long long t = start_us + script_us - now_us();
    if (t > 0)
        ifc.usleep(ifc.userdata, (useconds_t)t);
}

/* --- small parsing helpers ------------------------------------------------ */
static char *skip_ws(char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

static long long parse_secs(char **pp)
{
    char num[32], *end;
    size_t n = 0;
    double v;
    while (n < sizeof num - 1 && (isdigit((unsigned char)(*pp)[n]) || ((*pp)[n] == '.' &&
                                  strncmp(*pp + n, "...", 3) != 0)))
        n++;
    memcpy(num, *pp, n);
    num[n] = '\0';
    v = strtod(num, &end);
    end = *pp + (end - num);
    if (end == *pp)
        die("a time was expected at '%s'", *pp);
    *pp = end;
    return (long long)(v * 1e6 + (v >= 0 ? 0.5 : -0.5));
}

/* Splits "a, b, [c, d], {e}" at top-level commas; returns the count. */
static int split_args(char *s, char **out, int max)
{
    int n = 0, depth = 0;
    char *start = s;
    for (;; s++) {
        if (*s == '[' || *s == '{' || *s == '(')
            depth++;
        else if (*s == ']' || *s == '}' || *s == ')')
            depth--;
        if ((*s == ',' && depth == 0) || *s == '\0') {
            char *e = s, *b = skip_ws(start);
            int last = *s == '\0';
            while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
                e--;
            *e = '\0';
            if (n < max && (*b || n > 0 || !last))
                out[n++] = b;
            if (last)
                break;
            start = s + 1;
        }
    }
    return n;
}

struct sym {
    const char *name;
    long long value;
};
static const struct sym syms[] = {
    {"AF_INET", AF_INET}, {"PF_INET", AF_INET}, {"SOCK_STREAM", SOCK_STREAM},
    {"IPPROTO_TCP", IPPROTO_TCP}, {"IPPROTO_IP", IPPROTO_IP}, {"SOL_SOCKET", SOL_SOCKET},
    {"SOL_TCP", IPPROTO_TCP}, {"SO_REUSEADDR", SO_REUSEADDR}, {"SO_ERROR", SO_ERROR},
    {"SO_KEEPALIVE", SO_KEEPALIVE}, {"SO_RCVBUF", SO_RCVBUF}, {"SO_SNDBUF", SO_SNDBUF},
    {"SO_LINGER", SO_LINGER}, {"TCP_NODELAY", TCP_NODELAY}, {"TCP_KEEPIDLE", TCP_KEEPIDLE},
    {"TCP_KEEPINTVL", TCP_KEEPINTVL}, {"TCP_KEEPCNT", TCP_KEEPCNT},
    {"F_GETFL", F_GETFL}, {"F_SETFL", F_SETFL}, {"O_RDWR", O_RDWR},
    {"O_NONBLOCK", O_NONBLOCK}, {"SHUT_RD", SHUT_RD}, {"SHUT_WR", SHUT_WR},
    {"SHUT_RDWR", SHUT_RDWR}, {"MSG_DONTWAIT", MSG_DONTWAIT}, {"MSG_PEEK", MSG_PEEK},
    {"EINPROGRESS", EINPROGRESS}, {"EAGAIN", EAGAIN}, {"EWOULDBLOCK", EWOULDBLOCK},
    {"ECONNREFUSED", ECONNREFUSED}, {"ECONNRESET", ECONNRESET}, {"ETIMEDOUT", ETIMEDOUT},
    {"EPIPE", EPIPE}, {"ENOTCONN", ENOTCONN}, {"EISCONN", EISCONN}, {"EALREADY", EALREADY},
    {"EINVAL", EINVAL}, {"EBADF", EBADF}, {"EADDRINUSE", EADDRINUSE},
};

/* An integer, a symbol, or symbols joined with '|'. */
static long long value_of(const char *s)
{
    long long v = 0;
    char buf[128], *tok, *save;
    snprintf(buf, sizeof buf, "%s", s);
    for (tok = strtok_r(buf, "|", &save); tok; tok = strtok_r(NULL, "|", &save)) {
        char *t = skip_ws(tok), *end;
        size_t i, n = strlen(t);
        long long x;
        while (n && (t[n - 1] == ' '))
            t[--n] = '\0';
        x = strtoll(t, &end, 0);
        if (end == t || *end) {
            for (i = 0; i < sizeof syms / sizeof syms[0]; i++)
                if (!strcmp(syms[i].name, t))
                    break;
            if (i == sizeof syms / sizeof syms[0])
                die("unknown symbol '%s'", t);
            x = syms[i].value;
        }
        v |= x;
    }
    return v;
}

static int live_fd(const char *s)
{
    long long f = value_of(s);
    if (f < 0 || f >= MAX_FD || fd_map[f] < 0)
        return (int)f + 10000; /* a descriptor the script never opened: EBADF */
    return fd_map[f];
}

/* "[1]" -> 1 */
static int bracket_int(const char *s)
{
    if (*s != '[')
        die("'[N]' expected, got '%s'", s);
    return (int)strtol(s + 1, NULL, 0);
}

/* --- system calls --------------------------------------------------------- */
static void addr_of(struct sockaddr_in *a, uint32_t ip, uint16_t port)
{
    memset(a, 0, sizeof *a);
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(ip);
    a->sin_port = htons(port);
}

/* Runs one call; returns its result, errno in *err. */
static long long run_call(char *call, int *err)
{
    char name[32], *args[8], *open_p = strchr(call, '('), *close_p = strrchr(call, ')');
    static char buf[1 << 20];
    int n;
    long long rc = -1;
    size_t len;

    if (!open_p || !close_p || open_p - call >= (long)sizeof name)
        die("cannot read the call '%s'", call);
    memcpy(name, call, (size_t)(open_p - call));
    name[open_p - call] = '\0';
    *close_p = '\0';
    n = split_args(open_p + 1, args, 8);
    errno = 0;
    if (!strcmp(name, "socket")) {
        rc = ifc.socket(ifc.userdata, AF_INET, (int)value_of(args[1]), (int)value_of(args[2]));
    } else if (!strcmp(name, "bind")) {
        struct sockaddr_in a;
        addr_of(&a, LOCAL, 8080);
        local_port = 8080;
        rc = ifc.bind(ifc.userdata, live_fd(args[0]), (struct sockaddr *)&a, sizeof a);
    } else if (!strcmp(name, "listen")) {
        rc = ifc.listen(ifc.userdata, live_fd(args[0]), (int)value_of(args[1]));
    } else if (!strcmp(name, "accept")) {
        struct sockaddr_in a;
        socklen_t al = sizeof a;
        rc = ifc.accept(ifc.userdata, live_fd(args[0]), (struct sockaddr *)&a, &al);
        if (rc >= 0 && (a.sin_addr.s_addr != htonl(REMOTE) || ntohs(a.sin_port) != remote_port))
            die("accept() filled in %s:%u, not the remote address", inet_ntoa(a.sin_addr),
                ntohs(a.sin_port));
    } else if (!strcmp(name, "connect")) {
        struct sockaddr_in a;
        addr_of(&a, REMOTE, 8080);
        remote_port = 8080;
        rc = ifc.connect(ifc.userdata, live_fd(args[0]), (struct sockaddr *)&a, sizeof a);
    } else if (!strcmp(name, "write") || !strcmp(name, "send")) {
        len = (size_t)value_of(args[2]);
        if (len > sizeof buf)
            die("write of %zu bytes is too large here", len);
        memset(buf, 'x', len);
        rc = !strcmp(name, "write") ? ifc.write(ifc.userdata, live_fd(args[0]), buf, len)
                                    : ifc.send(ifc.userdata, live_fd(args[0]), buf, len,
                                               (int)value_of(args[3]));
    } else if (!strcmp(name, "read") || !strcmp(name, "recv")) {
        len = (size_t)value_of(args[2]);
        if (len > sizeof buf)
            len = sizeof buf;
        rc = !strcmp(name, "read") ? ifc.read(ifc.userdata, live_fd(args[0]), buf, len)
                                   : ifc.recv(ifc.userdata, live_fd(args[0]), buf, len,
                                              (int)value_of(args[3]));
    } else if (!strcmp(name, "close")) {
        rc = ifc.close(ifc.userdata, live_fd(args[0]));
    } else if (!strcmp(name, "shutdown")) {
        rc = ifc.shutdown(ifc.userdata, live_fd(args[0]), (int)value_of(args[1]));
    } else if (!strcmp(name, "fcntl")) {
        rc = n > 2 ? ifc.fcntl(ifc.userdata, live_fd(args[0]), (int)value_of(args[1]),
                               (int)value_of(args[2]))
                   : ifc.fcntl(ifc.userdata, live_fd(args[0]), (int)value_of(args[1]));
    } else if (!strcmp(name, "setsockopt")) {
        int v;
        if (args[3][0] == '{') { /* {l_onoff=1, l_linger=0} */
            struct linger l;
            char *on = strstr(args[3], "onoff="), *lg = strstr(args[3], "linger=");
            l.l_onoff = on ? atoi(on + 6) : 0;
            l.l_linger = lg ? atoi(lg + 7) : 0;
            rc = ifc.setsockopt(ifc.userdata, live_fd(args[0]), (int)value_of(args[1]),
                                (int)value_of(args[2]), &l, sizeof l);
        } else {
            v = bracket_int(args[3]);
            rc = ifc.setsockopt(ifc.userdata, live_fd(args[0]), (int)value_of(args[1]),
                                (int)value_of(args[2]), &v, sizeof v);
        }
    } else if (!strcmp(name, "getsockopt")) {
        int v = 0;
        socklen_t vl = sizeof v;
        rc = ifc.getsockopt(ifc.userdata, live_fd(args[0]), (int)value_of(args[1]),
                            (int)value_of(args[2]), &v, &vl);
        if (rc == 0 && v != bracket_int(args[3]))
            die("%s: the value is %d, the script expects %s", name, v, args[3]);
    } else {
        die("the call '%s' is not played by pd_play", name);
    }
    *err = errno;
    return rc;
}

/* Parses "= N" or "= -1 ERRNO (text)" after a call. */
static void parse_result(char *p, long long *want, int *want_err)
{
    char *e;
    p = skip_ws(p);
    if (*p != '=')
        die("'= result' expected at '%s'", p);
    p = skip_ws(p + 1);
    *want = strtoll(p, &e, 0);
    *want_err = 0;
    e = skip_ws(e);
    if (*want == -1 && isupper((unsigned char)*e)) {
        char name[32];
        int i = 0;
        while (isalnum((unsigned char)e[i]) && i < 31) {
            name[i] = e[i];
            i++;
        }
        name[i] = '\0';
        *want_err = (int)value_of(name);
    }
}

static int returns_fd(const char *call)
{
    return !strncmp(call, "socket", 6) || !strncmp(call, "accept", 6);
}

static void check_result(const char *call, long long rc, int err, long long want, int want_err)
{
    if (returns_fd(call) && want >= 0 && rc >= 0)
        return; /* the script's number for a descriptor is mapped, not compared */
    if (rc != want || (want == -1 && want_err && err != want_err))
        die("%s returned %lld (errno %d %s), the script expects %lld%s%s", call, rc,
            rc < 0 ? err : 0, rc < 0 ? strerror(err) : "", want, want_err ? " " : "",
            want_err ? strerror(want_err) : "");
}

/* Records a descriptor a call returned under the number the script names. */
static void map_fd(const char *call, long long rc, long long want)
{
    if (returns_fd(call) && rc >= 0 && want >= 0 &&
        want < MAX_FD)
        fd_map[want] = (int)rc;
}

static void *blocking_call(void *arg)
{
    struct pending *p = arg;
    p->tid = (int)syscall(SYS_gettid);
    p->ret = run_call(p->call, &p->err);
    p->done_us = now_us() - start_us;
    p->done = 1;
    return NULL;
}

/* packetdrill goes on only once its syscall thread sleeps in the kernel
 * (state S in /proc) or has returned; so does this. */
static void wait_blocked(struct pending *p)
{
    int i;
    for (i = 0; i < 1000000 && !p->done; i++) {
        if (p->tid && pp_thread_state(p->tid) == 'S')
            return;
        sched_yield();
    }
}

static void finish_pending(void)
{
    if (!pend.active)
        return;
    pthread_join(pend.th, NULL);
    pend.active = 0;
    check_result(pend.call, pend.ret, pend.err, pend.want, pend.want_err);
    map_fd(pend.call, pend.ret, pend.want);
    if (pend.done_us > pend.end_us + pend.tol_us || pend.done_us < pend.end_us - pend.tol_us)
        die("the blocking call returned at %.6f s, the script says %.6f s", pend.done_us / 1e6,
            pend.end_us / 1e6);
}

/* --- packets -------------------------------------------------------------- */
struct seg {
    uint8_t flags;
    uint32_t start, end;
    int has_ack, has_win;
    uint32_t ack;
    uint32_t win;
    uint8_t opts[40];
    size_t optlen;
    int ts_at; /* offset of the TS option in opts, -1 none */
};

#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10

/* Options as the script lists them, to wire bytes (sequence numbers in SACK
 * blocks are relative to the ISN of seq_base's side). */
static void parse_opts(char *s, struct seg *g, uint32_t seq_base)
{
    char *items[16];
    int n = split_args(s, items, 16), i;
    g->optlen = 0;
    g->ts_at = -1;
    for (i = 0; i < n; i++) {
        uint8_t *o = g->opts + g->optlen;
        char *it = items[i];
        if (!strcmp(it, "nop")) {
            o[0] = 1;
            g->optlen += 1;
        } else if (!strcmp(it, "eol")) {
            o[0] = 0;
            g->optlen += 1;
        } else if (!strncmp(it, "mss ", 4)) {
            unsigned v = (unsigned)atoi(it + 4);
            o[0] = 2, o[1] = 4, o[2] = (uint8_t)(v >> 8), o[3] = (uint8_t)v;
            g->optlen += 4;
        } else if (!strcmp(it, "sackOK")) {
            o[0] = 4, o[1] = 2;
            g->optlen += 2;
        } else if (!strncmp(it, "wscale ", 7)) {
            o[0] = 3, o[1] = 3, o[2] = (uint8_t)atoi(it + 7);
            g->optlen += 3;
        } else if (!strncmp(it, "TS val ", 7)) {
            uint32_t val = (uint32_t)strtoul(it + 7, NULL, 10), ecr = 0;
            char *e = strstr(it, "ecr ");
            if (e)
                ecr = (uint32_t)strtoul(e + 4, NULL, 10);
            o[0] = 8, o[1] = 10;
            pp_put32(o + 2, val);
            pp_put32(o + 6, ecr);
            g->ts_at = (int)g->optlen;
            g->optlen += 10;
        } else if (!strncmp(it, "sack ", 5)) {
            char *p = it + 5;
            size_t k = 2;
            while (*(p = skip_ws(p))) {
                uint32_t l = (uint32_t)strtoul(p, &p, 10) + seq_base, r;
                if (*p != ':')
                    die("sack block 'a:b' expected in '%s'", it);
                r = (uint32_t)strtoul(p + 1, &p, 10) + seq_base;
                pp_put32(o + k, l);
                pp_put32(o + k + 4, r);
                k += 8;
            }
            o[0] = 5, o[1] = (uint8_t)k;
            g->optlen += k;
        } else {
            die("the TCP option '%s' is not played by pd_play", it);
        }
        if (g->optlen > 40)
            die("more than 40 bytes of options");
    }
}

/* "S. 0:0(0) ack 1 win 257 <...>" */
static void parse_seg(char *p, struct seg *g, uint32_t sack_base)
{
    char *lt;
    memset(g, 0, sizeof *g);
    g->ts_at = -1;
    p = skip_ws(p);
    for (; *p && *p != ' '; p++) {
        switch (*p) {
        case 'S': g->flags |= F_SYN; break;
        case 'F': g->flags |= F_FIN; break;
        case 'R': g->flags |= F_RST; break;
        case 'P': g->flags |= F_PSH; break;
        case '.': g->flags |= F_ACK; break;
        default: die("the flag '%c' is not played by pd_play", *p);
        }
    }
    p = skip_ws(p);
    g->start = (uint32_t)strtoul(p, &p, 10);
    if (*p != ':')
        die("start:end(len) expected");
    g->end = (uint32_t)strtoul(p + 1, &p, 10);
    if (*p == '(')
        p = strchr(p, ')') + 1;
    lt = strchr(p, '<');
    if (lt) {
        char *gt = strrchr(lt, '>');
        if (!gt)
            die("unclosed option list");
        *gt = '\0';
        parse_opts(lt + 1, g, sack_base);
        *lt = '\0';
    }
    for (p = skip_ws(p); *p; p = skip_ws(p)) {
        if (!strncmp(p, "ack ", 4)) {
            g->has_ack = 1;
            g->ack = (uint32_t)strtoul(p + 4, &p, 10);
        } else if (!strncmp(p, "win ", 4)) {
            g->has_win = 1;
            g->win = (uint32_t)strtoul(p + 4, &p, 10);
        } else {
            die("cannot read '%s' in a packet", p);
        }
    }
}

static void inbound(char *p)
{
    struct seg g;
    struct pp_ipv4_hdr ip;
    uint8_t pkt[2048];
    size_t hl, len, plen;
    uint16_t c;

    parse_seg(p, &g, local_isn);
    if (!remote_port)
        remote_port = 48000; /* a passive open: the peer's ephemeral port */
    plen = g.end - g.start;
    hl = 20 + ((g.optlen + 3) & ~(size_t)3);
    len = 20 + hl + plen;
    if (len > sizeof pkt)
        die("inbound packet too large");
    memset(pkt, 0, len);
    memset(&ip, 0, sizeof ip);
    ip.total_len = (uint16_t)len;
    ip.df = 1;
    ip.ttl = 64;
    ip.proto = PP_IP_PROTO_TCP;
    ip.src = REMOTE;
    ip.dst = LOCAL;
    pp_ipv4_emit(pkt, 20, &ip, 0);
    /* The TCP header by hand: the options go on the wire exactly as the
     * script lists them, which pp_tcp_emit's fixed layouts cannot do. */
    {
        uint8_t *t = pkt + 20;
        pp_put16(t, remote_port);
        pp_put16(t + 2, local_port);
        pp_put32(t + 4, REMOTE_ISN + g.start);
        pp_put32(t + 8, g.has_ack ? local_isn + g.ack : 0);
        t[12] = (uint8_t)((hl / 4) << 4);
        t[13] = g.flags;
        pp_put16(t + 14, (uint16_t)(g.has_win ? g.win : 65535));
        memcpy(t + 20, g.opts, g.optlen);
        /* A non-zero TS echo stands for the newest TS value we sent. */
        if (g.ts_at >= 0 && pp_get32(t + 20 + g.ts_at + 6))
            pp_put32(t + 20 + g.ts_at + 6, last_ts_val);
        memset(t + hl, 'y', plen);
        c = pp_csum_finish(pp_csum_add(pp_csum_pseudo(REMOTE, LOCAL, PP_IP_PROTO_TCP,
                                                      (uint16_t)(hl + plen)),
                                       t, hl + plen));
        pp_put16(t + 16, c);
    }
    if (ifc.netdev_send(ifc.userdata, pkt, len) != 0)
        die("netdev_send failed");
}

struct live {
    uint8_t flags;
    uint32_t seq, ack, win;
    uint16_t sport, dport;
    size_t plen, optlen;
    uint8_t opts[40]; /* as sent, for the byte comparison */
    int has_ts;
    uint32_t tsval;
    long long us;
};

static int next_live(struct live *l)
{
    static uint8_t buf[65536];
    size_t n = sizeof buf;
    struct pp_ipv4_hdr ip;
    struct pp_tcp_hdr t;
    long long us;
    int rc, hl;
    do
        rc = ifc.netdev_receive(ifc.userdata, buf, &n, &us);
    while (rc == -1);
    if (rc != 0 || n == 0)
        return 0;
    /* The project's parsers, checksums included: what the stack sends
     * must be well formed too. */
    if (pp_ipv4_parse(buf, n, &ip, 0) < 0 || ip.proto != PP_IP_PROTO_TCP ||
        (hl = pp_tcp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &t, 0)) <= 0)
        die("the stack sent a packet that is not well-formed TCP");
    l->sport = t.sport;
    l->dport = t.dport;
    l->seq = t.seq;
    l->ack = t.ack;
    l->flags = (uint8_t)t.flags;
    l->win = t.window;
    l->optlen = (size_t)hl - 20;
    memcpy(l->opts, ip.payload + 20, l->optlen);
    l->plen = t.payload_len;
    l->has_ts = t.opts.has_ts;
    l->tsval = t.opts.tsval;
    l->us = us;
    if (getenv("PD_PLAY_VERBOSE"))
        fprintf(stderr, "  live: %.6f flags %02x seq %u ack %u win %u len %zu\n",
                (us - start_us) / 1e6, l->flags, l->seq - local_isn, l->ack - REMOTE_ISN, l->win,
                l->plen);
    return 1;
}

/* Flags as packetdrill writes them; two buffers, so one message can show
 * both the live packet's and the script's. */
static const char *flag_str(uint8_t f)
{
    static char bufs[2][8];
    static int which;
    char *s = bufs[which ^= 1];
    int k = 0;
    if (f & F_SYN) s[k++] = 'S';
    if (f & F_FIN) s[k++] = 'F';
    if (f & F_RST) s[k++] = 'R';
    if (f & F_PSH) s[k++] = 'P';
    if (f & F_ACK) s[k++] = '.';
    s[k] = '\0';
    return s;
}

static void outbound(char *p, long long script_us)
{
    struct seg g;
    struct live l, more;
    uint32_t rel, end;
    long long late;

    parse_seg(p, &g, REMOTE_ISN);
    if (!next_live(&l))
        die("the stack sent nothing; the script expects '%s'", p);
    if (l.flags & F_SYN) {
        if (!have_local_isn) {
            local_isn = l.seq - g.start;
            have_local_isn = 1;
        }
        if (!local_port)
            local_port = l.sport;
    }
    if (l.sport != local_port || l.dport != remote_port)
        die("a packet from port %u to %u; the script's connection is %u -> %u", l.sport, l.dport,
            local_port, remote_port);
    rel = l.seq - local_isn;
    end = rel + (uint32_t)l.plen;
    /* packetdrill's TSO rule: consecutive full segments make up a larger one. */
    while (end != g.end && (int32_t)(end - g.end) < 0 && l.plen > 0 && !(g.flags & F_SYN)) {
        if (!next_live(&more))
            break;
        if (more.seq - local_isn != end || (more.flags & ~(F_PSH | F_FIN)) != (l.flags & ~F_PSH))
            die("the stack sent %s %u:%u(%zu) while the script expects %s %u:%u", flag_str(more.flags),
                more.seq - local_isn, more.seq - local_isn + (uint32_t)more.plen, more.plen,
                flag_str(g.flags), g.start, g.end);
        end += (uint32_t)more.plen;
        l.flags = (uint8_t)((l.flags & ~F_PSH) | more.flags);
        l.plen += more.plen;
        l.us = more.us;
        l.ack = more.ack;
        l.win = more.win;
    }
    if (l.flags != g.flags || rel != g.start || end != g.end)
        die("the stack sent %s %u:%u(%zu) ack %u win %u; the script expects %s %u:%u(%u)%s",
            flag_str(l.flags), rel, rel + (uint32_t)l.plen, l.plen, l.ack - REMOTE_ISN, l.win,
            flag_str(g.flags), g.start, g.end, g.end - g.start, "");
    if ((g.flags & F_ACK) && g.has_ack && l.ack - REMOTE_ISN != g.ack)
        die("the stack sent ack %u; the script expects ack %u", l.ack - REMOTE_ISN, g.ack);
    if (g.has_win && l.win != g.win)
        die("the stack sent win %u; the script expects win %u", l.win, g.win);
    /* Options: the same bytes, our TS value aside (the script's is a
     * placeholder); the TS echo must be the peer's value the script sent. */
    if (g.optlen || (g.flags & F_SYN)) {
        size_t i;
        int ok = l.optlen >= g.optlen && l.optlen < g.optlen + 4;
        for (i = 0; ok && i < g.optlen; i++)
            if (l.opts[i] != g.opts[i] && !(g.ts_at >= 0 && i >= (size_t)g.ts_at + 2 && i < (size_t)g.ts_at + 6))
                ok = 0;
        if (!ok) {
            char a[200] = "", b[200] = "";
            for (i = 0; i < l.optlen; i++)
                snprintf(a + strlen(a), sizeof a - strlen(a), "%02x", l.opts[i]);
            for (i = 0; i < g.optlen; i++)
                snprintf(b + strlen(b), sizeof b - strlen(b), "%02x", g.opts[i]);
            die("the stack's options are %s; the script expects %s", a, b);
        }
    }
    if (l.has_ts)
        last_ts_val = l.tsval; /* what the next inbound echo stands for */
    late = (l.us - start_us) - script_us;
    if (late > tolerance_us || late < -tolerance_us)
        die("'%s' was sent at %.6f s, the script says %.6f s", p, (l.us - start_us) / 1e6,
            script_us / 1e6);
}

/* --- the script ----------------------------------------------------------- */
/* `sysctl -q net.ipv4.tcp_sack=0; sysctl -q net.ipv4.tcp_timestamps=0`:
 * each setting becomes a file in PD_SYSCTL_DIR.  1 if the line was only
 * that. */
static int sysctl_line(const char *p)
{
    const char *dir = getenv("PD_SYSCTL_DIR"), *q = p;
    int n = 0;
    while ((q = strstr(q, "net.ipv4."))) {
        char name[64], path[320];
        const char *eq;
        size_t k;
        FILE *f;
        q += 9;
        eq = strchr(q, '=');
        if (!eq || (k = (size_t)(eq - q)) >= sizeof name)
            return 0;
        memcpy(name, q, k);
        name[k] = '\0';
        snprintf(path, sizeof path, "%s/%s", dir, name);
        if (!dir || !(f = fopen(path, "w")))
            die("cannot set %s", name);
        eq++;
        if (*eq == '"') { /* a quoted value: "4096 540000 15728640" */
            eq++;
            while (*eq && *eq != '"')
                fputc(*eq++, f);
            if (*eq)
                eq++;
        } else {
            while (*eq && *eq != ';' && *eq != '`' && *eq != ' ')
                fputc(*eq++, f);
        }
        fputc('\n', f);
        fclose(f);
        n++;
        q = eq;
    }
    return n > 0;
}

static void play(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    long long t_prev = 0;
    int i, first = 1;

    script_name = path;
    line_no = 0;
    if (!f)
        die("cannot open: %s", strerror(errno));
    for (i = 0; i < MAX_FD; i++)
        fd_map[i] = -1;
    local_port = remote_port = 0;
    have_local_isn = 0;
    local_isn = 0;
    memset(&pend, 0, sizeof pend);
    while (fgets(line, sizeof line, f)) {
        char *p = line, *c;
        long long t, t_end = -1;
        int relative;
        line_no++;
        if ((c = strstr(p, "//")))
            *c = '\0';
        p[strcspn(p, "\r\n")] = '\0';
        p = skip_ws(p);
        if (!*p)
            continue;
        if (*p == '`' || !strncmp(p, "%{", 2)) {
            if (!sysctl_line(p))
                fprintf(stderr, "%s:%d: skipped (shell or Python): %s\n", path, line_no, p);
            continue;
        }
        relative = *p == '+';
        if (relative)
            p++;
        t = parse_secs(&p);
        if (relative)
            t += t_prev;
        if (!strncmp(p, "...", 3)) {
            /* packetdrill (run.c): a blocking call's end time is absolute
             * after an absolute start, and counts from the previous event
             * (not from the call's start) after a relative one. */
            p += 3;
            t_end = parse_secs(&p) + (relative ? t_prev : 0);
        }
        p = skip_ws(p);
        if (first) {
            start_us = now_us() - t;
            first = 0;
        }
        t_prev = t;
        if (*p == '<') {
            wait_until(t);
            inbound(p + 1);
        } else if (*p == '>') {
            outbound(p + 1, t);
        } else {
            char *eq = strstr(p, ") =");
            long long want;
            int want_err;
            if (!eq)
                die("cannot read '%s'", p);
            parse_result(eq + 1, &want, &want_err);
            eq[1] = '\0';
            finish_pending();
            wait_until(t);
            if (t_end >= 0) {
                snprintf(pend.call, sizeof pend.call, "%s", p);
                pend.end_us = t_end;
                pend.tol_us = tolerance_us;
                pend.want = want;
                pend.want_err = want_err;
                pend.active = 1;
                pend.tid = 0;
                pend.done = 0;
                pthread_create(&pend.th, NULL, blocking_call, &pend);
                wait_blocked(&pend);
            } else {
                char call[512];
                long long rc;
                int err;
                snprintf(call, sizeof call, "%s", p);
                rc = run_call(call, &err);
                check_result(p, rc, err, want, want_err);
                map_fd(p, rc, want);
            }
        }
    }
    finish_pending();
    fclose(f);
    for (i = 0; i < MAX_FD; i++)
        if (fd_map[i] >= 0)
            ifc.close(ifc.userdata, fd_map[i]);
}

int main(int argc, char **argv)
{
    void (*init)(const char *, struct packetdrill_interface *);
    int i, failed = 0;

    if (argc > 1 && !strncmp(argv[1], "--tolerance_usecs=", 18)) {
        char *end;
        tolerance_us = strtoll(argv[1] + 18, &end, 10);
        if (*end || tolerance_us < 0) {
            fprintf(stderr, "pd_play: --tolerance_usecs wants a number of microseconds\n");
            return 2;
        }
        argv++;
        argc--;
    }
    if (argc < 3) {
        fprintf(stderr, "usage: pd_play [--tolerance_usecs=N] LIB.so SCRIPT.pkt...\n");
        return 2;
    }
    /* One process per script: the shim's state is per process, as with packetdrill. */
    for (i = 2; i < argc; i++) {
        pid_t pid;
        int status;
        fflush(NULL);
        pid = fork();
        if (pid == 0) {
            char dir[] = "/tmp/pd_play.XXXXXX";
            void *so;
            if (!mkdtemp(dir)) {
                perror("pd_play: mkdtemp");
                _exit(1);
            }
            setenv("PD_SYSCTL_DIR", dir, 1);
            so = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
            if (!so) {
                fprintf(stderr, "pd_play: %s\n", dlerror());
                _exit(1);
            }
            *(void **)&init = dlsym(so, "packetdrill_interface_init");
            if (!init) {
                fprintf(stderr, "pd_play: no packetdrill_interface_init in %s\n", argv[1]);
                _exit(1);
            }
            init("ip_version=ipv4,local_ip=192.168.0.1,remote_ip=192.0.2.1,gateway_ip=192.168.0.1,"
                 "netmask_ip=255.255.0.0,mtu=1500",
                 &ifc);
            play(argv[i]);
            ifc.free(ifc.userdata);
            {
                char cmd[64];
                snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
                if (system(cmd) != 0)
                    _exit(1);
            }
            _exit(0);
        }
        if (pid < 0 || waitpid(pid, &status, 0) < 0) {
            perror("pd_play");
            return 1;
        }
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
            printf("PASS %s\n", argv[i]);
        } else {
            printf("FAIL %s\n", argv[i]);
            failed++;
        }
    }
    printf("%d passed, %d failed\n", argc - 2 - failed, failed);
    return failed ? 1 : 0;
}
