/* net_portplex.c - the web server on portplex's own stack: the same server
 * code, through the BSD-like socket API; each connection is a pp socket
 * told apart from the others on the port by its 4-tuple. */
#include "httpd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portplex/socket.h"
#include "portplex/wire/ipv4.h"

struct pnet {
    struct pp_stack *st;
    int lfd;
};

static int p_accept(void *ctx, char *peer, size_t cap)
{
    struct pnet *p = ctx;
    struct sockaddr_in sin;
    socklen_t sl = sizeof sin;
    int fd = pp_accept(p->st, p->lfd, (struct sockaddr *)&sin, &sl), tick = PP_HTTPD_TICK_MS, one = 1;
    char a[16];

    if (fd < 0)
        return fd;
    pp_setsockopt(p->st, fd, PP_SO_RCVTIMEO, &tick, sizeof tick); /* bounds send too */
    pp_setsockopt(p->st, fd, PP_TCP_NODELAY, &one, sizeof one);
    snprintf(peer, cap, "%s", pp_ipv4_ntoa(ntohl(sin.sin_addr.s_addr), a));
    return fd;
}

static ssize_t p_recv(void *ctx, int fd, void *buf, size_t n)
{
    struct pnet *p = ctx;
    return pp_recv(p->st, fd, buf, n, 0);
}

static ssize_t p_peek(void *ctx, int fd, void *buf, size_t n)
{
    struct pnet *p = ctx;
    return pp_recv(p->st, fd, buf, n, PP_MSG_PEEK | PP_MSG_DONTWAIT);
}

static ssize_t p_send(void *ctx, int fd, const void *buf, size_t n, int more)
{
    struct pnet *p = ctx;
    return pp_send(p->st, fd, buf, n, more ? PP_MSG_MORE : 0);
}

static void p_close(void *ctx, int fd)
{
    struct pnet *p = ctx;
    pp_close(p->st, fd);
}

static void p_close_listener(void *ctx)
{
    struct pnet *p = ctx;
    if (p->lfd >= 0)
        pp_close(p->st, p->lfd);
    p->lfd = -1;
}

static void p_free(void *ctx)
{
    p_close_listener(ctx);
    free(ctx);
}

int pp_httpd_net_portplex(struct pp_stack *st, uint16_t port, struct pp_httpd_net *net, char *err)
{
    struct sockaddr_in sin;
    struct pnet *p;
    int fd = pp_socket(st, PP_SOCK_STREAM), tick = PP_HTTPD_TICK_MS, one = 1, rc;

    if (fd < 0) {
        snprintf(err, 256, "socket: %s", strerror(-fd));
        return -1;
    }
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    pp_setsockopt(st, fd, PP_SO_REUSEADDR, &one, sizeof one);
    pp_setsockopt(st, fd, PP_SO_RCVTIMEO, &tick, sizeof tick); /* accept returns each tick */
    if ((rc = pp_bind(st, fd, (struct sockaddr *)&sin, sizeof sin)) < 0 ||
        (rc = pp_listen(st, fd, 4096)) < 0) {
        snprintf(err, 256, "cannot listen on port %u: %s", port, strerror(-rc));
        pp_close(st, fd);
        return -1;
    }
    p = calloc(1, sizeof *p);
    if (!p) {
        pp_close(st, fd);
        snprintf(err, 256, "out of memory");
        return -1;
    }
    p->st = st;
    p->lfd = fd;
    memset(net, 0, sizeof *net);
    net->ctx = p;
    net->name = "portplex";
    net->accept = p_accept;
    net->recv = p_recv;
    net->peek = p_peek;
    net->ready = NULL;
    net->send = p_send;
    net->sendfile = NULL; /* read and send: there is no page cache to splice from */
    net->close = p_close;
    net->close_listener = p_close_listener;
    net->free = p_free;
    return 0;
}
