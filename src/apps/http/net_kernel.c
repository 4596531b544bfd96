/* net_kernel.c - the web server on the kernel's sockets: IPv6 and IPv4,
 * every call bounded by a tick (SO_RCVTIMEO/SO_SNDTIMEO), sendfile(2) for
 * file bodies and MSG_MORE so a head and its body leave in full segments. */
#include "httpd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct kernel {
    int lfd;
};

static void set_tick(int fd)
{
    struct timeval tv = {0, PP_HTTPD_TICK_MS * 1000};

    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

static int k_accept(void *ctx, char *peer, size_t cap)
{
    struct kernel *k = ctx;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    int fd = accept4(k->lfd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC), one = 1;
    char host[INET6_ADDRSTRLEN];

    if (fd < 0) {
        int e = errno;
        if (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM) {
            /* Out of descriptors: the backlog keeps the client; retry later. */
            struct timespec ts = {0, PP_HTTPD_TICK_MS * 1000000L};
            nanosleep(&ts, NULL);
        }
        return -(e == EWOULDBLOCK || e == EINTR ? EAGAIN : e);
    }
    set_tick(fd);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (getnameinfo((struct sockaddr *)&ss, sl, host, sizeof host, NULL, 0, NI_NUMERICHOST) != 0)
        snprintf(host, sizeof host, "-");
    /* Show v4-mapped peers of the dual-stack socket as plain IPv4. */
    snprintf(peer, cap, "%s", strncmp(host, "::ffff:", 7) == 0 && strchr(host, '.') ? host + 7 : host);
    return fd;
}

static ssize_t k_recv(void *ctx, int fd, void *buf, size_t n)
{
    ssize_t r = recv(fd, buf, n, 0);
    (void)ctx;
    if (r < 0)
        return -(errno == EWOULDBLOCK || errno == EINTR ? EAGAIN : errno);
    return r;
}

static ssize_t k_peek(void *ctx, int fd, void *buf, size_t n)
{
    ssize_t r = recv(fd, buf, n, MSG_PEEK | MSG_DONTWAIT);
    (void)ctx;
    if (r < 0)
        return -(errno == EWOULDBLOCK || errno == EINTR ? EAGAIN : errno);
    return r;
}

static ssize_t k_send(void *ctx, int fd, const void *buf, size_t n, int more)
{
    ssize_t w = send(fd, buf, n, MSG_NOSIGNAL | (more ? MSG_MORE : 0));
    (void)ctx;
    if (w < 0)
        return -(errno == EWOULDBLOCK || errno == EINTR ? EAGAIN : errno);
    return w;
}

static ssize_t k_sendfile(void *ctx, int fd, int file, off_t *off, size_t n)
{
    ssize_t w = sendfile(fd, file, off, n);
    (void)ctx;
    if (w < 0)
        return -(errno == EWOULDBLOCK || errno == EINTR ? EAGAIN : errno);
    return w;
}

static void k_close(void *ctx, int fd)
{
    (void)ctx;
    close(fd);
}

static void k_close_listener(void *ctx)
{
    struct kernel *k = ctx;
    if (k->lfd >= 0)
        close(k->lfd);
    k->lfd = -1;
}

static void k_free(void *ctx)
{
    k_close_listener(ctx);
    free(ctx);
}

/* Splits "PORT", "ADDR:PORT" or "[V6]:PORT" into host (NULL: any) and port. */
static int split(const char *spec, char *host, size_t hcap, const char **port)
{
    const char *colon;

    if (spec[0] == '[') {
        const char *close = strchr(spec, ']');
        if (!close || close[1] != ':' || (size_t)(close - spec - 1) >= hcap)
            return -1;
        memcpy(host, spec + 1, (size_t)(close - spec - 1));
        host[close - spec - 1] = 0;
        *port = close + 2;
        return 1;
    }
    colon = strrchr(spec, ':');
    if (!colon) {
        *port = spec;
        return 0;
    }
    if ((size_t)(colon - spec) >= hcap || strchr(spec, ':') != colon)
        return -1;
    memcpy(host, spec, (size_t)(colon - spec));
    host[colon - spec] = 0;
    *port = colon + 1;
    return 1;
}

int pp_httpd_net_kernel(const char *spec, struct pp_httpd_net *net, char *err)
{
    char host[INET6_ADDRSTRLEN + 1];
    const char *port;
    char *end;
    long p;
    int has_host = split(spec, host, sizeof host, &port), fd = -1, one = 1, zero = 0;
    struct sockaddr_storage ss;
    socklen_t sl;
    struct kernel *k;

    if (has_host < 0) {
        snprintf(err, 256, "--listen wants PORT, ADDR:PORT or [IPV6]:PORT, not '%s'", spec);
        return -2;
    }
    errno = 0;
    p = strtol(port, &end, 10);
    if (!*port || *end || errno || p < 0 || p > 65535) {
        snprintf(err, 256, "--listen: port '%s' is not 0-65535", port);
        return -2;
    }
    memset(&ss, 0, sizeof ss);
    if (!has_host || host[0] == 0) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_addr = in6addr_any;
        s6->sin6_port = htons((uint16_t)p);
        sl = sizeof *s6;
        fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 && errno == EAFNOSUPPORT) { /* a kernel without IPv6 */
            struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
            memset(&ss, 0, sizeof ss);
            s4->sin_family = AF_INET;
            s4->sin_port = htons((uint16_t)p);
            sl = sizeof *s4;
            fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        } else if (fd >= 0) {
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
        }
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
            s4->sin_family = AF_INET;
            s4->sin_port = htons((uint16_t)p);
            sl = sizeof *s4;
        } else if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
            s6->sin6_family = AF_INET6;
            s6->sin6_port = htons((uint16_t)p);
            sl = sizeof *s6;
        } else {
            snprintf(err, 256, "--listen: '%s' is not an IPv4 or IPv6 address", host);
            return -2;
        }
        fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0 && ss.ss_family == AF_INET6)
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    }
    if (fd < 0) {
        snprintf(err, 256, "socket: %s", strerror(errno));
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 4096) < 0) {
        snprintf(err, 256, "cannot listen on %s: %s", spec, strerror(errno));
        close(fd);
        return -1;
    }
    set_tick(fd); /* accept(2) honours SO_RCVTIMEO */
    k = calloc(1, sizeof *k);
    if (!k) {
        close(fd);
        snprintf(err, 256, "out of memory");
        return -1;
    }
    k->lfd = fd;
    memset(net, 0, sizeof *net);
    net->ctx = k;
    net->name = "kernel";
    net->accept = k_accept;
    net->recv = k_recv;
    net->peek = k_peek;
    net->ready = NULL;
    net->send = k_send;
    net->sendfile = k_sendfile;
    net->close = k_close;
    net->close_listener = k_close_listener;
    net->free = k_free;
    return 0;
}

/* The port the kernel backend actually listens on (for --listen 0). */
int pp_httpd_net_kernel_port(const struct pp_httpd_net *net)
{
    const struct kernel *k = net->ctx;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;

    if (getsockname(k->lfd, (struct sockaddr *)&ss, &sl) < 0)
        return -1;
    return ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                          : ((struct sockaddr_in *)&ss)->sin_port);
}
