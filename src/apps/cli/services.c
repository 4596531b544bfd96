/* services.c - udp-echo, tcp-echo and discard over the public socket API. */
#include "services.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/request.h"
#include "portplex/socket.h"
#include "portplex/wire/bytes.h"
#include "portplex/wire/ipv4.h"

#define POLL_MS 200 /* how often blocked threads look at *stop */

const char *pp_service_name(const struct pp_service *s)
{
    switch (s->kind) {
    case PP_SVC_UDP_ECHO: return "udp-echo";
    case PP_SVC_TCP_ECHO: return "tcp-echo";
    case PP_SVC_DNS: return "dns";
    case PP_SVC_HELLO: return "hello";
    case PP_SVC_HTTP: return "http";
    default: return "discard";
    }
}

int pp_service_parse(const char *spec, struct pp_service *s, char *err)
{
    static const struct {
        const char *name;
        enum pp_service_kind kind;
    } known[] = {{"udp-echo", PP_SVC_UDP_ECHO}, {"tcp-echo", PP_SVC_TCP_ECHO},
                 {"discard", PP_SVC_DISCARD}, {"dns", PP_SVC_DNS}, {"hello", PP_SVC_HELLO},
                 {"http", PP_SVC_HTTP}};
    const char *colon = strchr(spec, ':');
    char *end;
    long port;
    size_t i;

    memset(s, 0, sizeof *s);
    s->fd = s->tcp_fd = -1;
    s->httpd.max_conns = 256;
    s->httpd.timeout_s = 10;
    s->httpd.grace_s = 5;
    s->httpd.listing = 1;
    s->httpd.log_fd = -1;
    if (!colon) {
        snprintf(err, 256, "service '%s' needs a port, as in udp-echo:7", spec);
        return -1;
    }
    for (i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strlen(known[i].name) == (size_t)(colon - spec) &&
            strncmp(spec, known[i].name, (size_t)(colon - spec)) == 0)
            break;
    if (i == sizeof known / sizeof known[0]) {
        snprintf(err, 256, "unknown service '%.*s' (known: udp-echo, tcp-echo, discard, dns, hello, http)",
                 (int)(colon - spec), spec);
        return -1;
    }
    s->kind = known[i].kind;
    errno = 0;
    port = strtol(colon + 1, &end, 10);
    if (s->kind == PP_SVC_DNS && *end == ':') { /* dns:PORT:ADDRESS */
        if (pp_ipv4_aton(end + 1, &s->answer) < 0) {
            snprintf(err, 256, "dns answer '%s' is not an IPv4 address", end + 1);
            return -1;
        }
    } else if (s->kind == PP_SVC_HTTP && *end == ':' && end[1]) { /* http:PORT:DIR */
        s->httpd.root = end + 1;
    } else if (*end || s->kind == PP_SVC_HTTP) {
        if (s->kind == PP_SVC_HTTP && (*end == 0 || *end == ':')) {
            snprintf(err, 256, "service http wants a directory, as in http:80:/srv/www");
            return -1;
        }
        port = -1; /* trailing junk */
    }
    if (colon[1] == 0 || errno || port < 1 || port > 65535) {
        snprintf(err, 256, "port '%s' of service %s is out of range (1-65535)", colon + 1,
                 pp_service_name(s));
        return -1;
    }
    s->port = (uint16_t)port;
    return 0;
}

/* Answers a DNS query (RFC 1035 4.1) in place: one A record for the first
 * question, TTL 60; returns the reply's length, or 0 to stay silent. */
static size_t dns_answer(uint8_t *m, size_t n, size_t cap, uint32_t addr)
{
    size_t q = 12, end;

    if (n < 12 || (m[2] & 0x80) || pp_get16(m + 4) != 1)
        return 0; /* too short, a response, or not exactly one question */
    while (q < n && m[q] != 0) {
        if (m[q] & 0xc0)
            return 0; /* no compression in questions */
        q += (size_t)m[q] + 1;
    }
    end = q + 5; /* root label, QTYPE, QCLASS */
    if (end > n || end + 16 > cap)
        return 0;
    m[2] = (uint8_t)(0x84 | (m[2] & 0x01)); /* QR, AA, keep RD */
    m[3] = 0;                               /* RA 0, RCODE 0 */
    pp_put16(m + 6, pp_get16(m + end - 4) == 1 ? 1 : 0); /* an answer for A queries only */
    pp_put16(m + 8, 0);
    pp_put16(m + 10, 0);
    if (!pp_get16(m + 6))
        return end;
    pp_put16(m + end, 0xc00c); /* the name: a pointer to the question */
    pp_put16(m + end + 2, 1);  /* A */
    pp_put16(m + end + 4, 1);  /* IN */
    pp_put32(m + end + 6, 60);
    pp_put16(m + end + 10, 4);
    pp_put32(m + end + 12, addr);
    return end + 16;
}

/* Each service thread's buffer is its own heap block: a __thread array
 * would be reserved in every thread of the process (the web server's
 * thousands included) and is larger than their stacks. */
#define SVC_BUF 65536

static void *run_udp(void *arg)
{
    struct pp_service *s = arg;
    char *buf = malloc(SVC_BUF);

    if (!buf)
        return NULL;

    while (!*s->stop) {
        struct sockaddr_in from;
        socklen_t fl = sizeof from;
        ssize_t n = pp_recvfrom(s->st, s->fd, buf, SVC_BUF, 0, (struct sockaddr *)&from, &fl);
        if (n == -EAGAIN || n == -ETIMEDOUT || n == -ECONNREFUSED)
            continue; /* the timeout lets us see *stop */
        if (n < 0)
            break;
        s->handled++;
        s->bytes += (unsigned long long)n;
        if (s->kind == PP_SVC_UDP_ECHO)
            pp_sendto(s->st, s->fd, buf, (size_t)n, 0, (struct sockaddr *)&from, fl);
        if (s->kind == PP_SVC_DNS) {
            size_t r = dns_answer((uint8_t *)buf, (size_t)n, SVC_BUF, s->answer);
            if (r)
                pp_sendto(s->st, s->fd, buf, r, 0, (struct sockaddr *)&from, fl);
        }
    }
    free(buf);
    return NULL;
}

struct conn {
    struct pp_service *s;
    int fd;
};

/* hello: answers one HTTP request with a page naming the client and the
 * socket that served it; parse errors get their status.  0 when done. */
static int hello(struct pp_service *s, int fd, char *buf, size_t *have, size_t cap)
{
    struct pp_http_request req;
    struct sockaddr_in peer;
    socklen_t pl = sizeof peer;
    char head[256], body[256], a[16];
    int rc = pp_http_parse_request(buf, *have, &req), blen, hlen, status;

    if (rc == PP_HTTP_INCOMPLETE && *have < cap)
        return 1;
    status = rc > 0 ? 200 : rc == PP_HTTP_INCOMPLETE ? 431 : -rc;
    pp_getpeername(s->st, fd, (struct sockaddr *)&peer, &pl);
    if (status == 200)
        blen = snprintf(body, sizeof body,
                        "<h1>portplex</h1><p>You are %s:%u, served on socket %d.</p>\n",
                        pp_ipv4_ntoa(ntohl(peer.sin_addr.s_addr), a), ntohs(peer.sin_port), fd);
    else
        blen = snprintf(body, sizeof body, "<h1>%d</h1>\n", status);
    hlen = snprintf(head, sizeof head,
                    "HTTP/1.0 %d %s\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n", status,
                    status == 200 ? "OK" : "Bad Request", blen);
    pp_send(s->st, fd, head, (size_t)hlen, 0);
    pp_send(s->st, fd, body, (size_t)blen, 0);
    return 0;
}

/* One TCP connection: echo, swallow or answer until EOF, error or stop. */
static void *run_conn(void *arg)
{
    struct conn *c = arg;
    struct pp_service *s = c->s;
    char *buf = malloc(SVC_BUF);
    size_t have = 0;
    int tmo = POLL_MS;

    pp_setsockopt(s->st, c->fd, PP_SO_RCVTIMEO, &tmo, sizeof tmo);
    while (buf && !*s->stop) {
        ssize_t n = pp_recv(s->st, c->fd, buf + have, SVC_BUF - have, 0), off = 0;
        if (n == -EAGAIN)
            continue;
        if (n <= 0)
            break;
        pthread_mutex_lock(&s->lock);
        s->bytes += (unsigned long long)n;
        pthread_mutex_unlock(&s->lock);
        if (s->kind == PP_SVC_HELLO) {
            have += (size_t)n;
            if (hello(s, c->fd, buf, &have, SVC_BUF) == 0)
                break;
            continue;
        }
        if (s->kind != PP_SVC_TCP_ECHO)
            continue;
        while (off < n && !*s->stop) {
            ssize_t w = pp_send(s->st, c->fd, buf + off, (size_t)(n - off), 0);
            if (w == -EAGAIN)
                continue;
            if (w < 0)
                break;
            off += w;
        }
        if (off < n)
            break;
    }
    pp_close(s->st, c->fd);
    free(c);
    free(buf);
    pthread_mutex_lock(&s->lock);
    if (--s->conns == 0)
        pthread_cond_signal(&s->idle);
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

static void *run_tcp(void *arg)
{
    struct pp_service *s = arg;

    while (!*s->stop) {
        int fd = pp_accept(s->st, s->tcp_fd, NULL, NULL);
        struct conn *c;
        pthread_t th;
        pthread_attr_t attr;
        if (fd == -EAGAIN)
            continue;
        if (fd < 0)
            break;
        c = malloc(sizeof *c);
        if (!c) {
            pp_close(s->st, fd);
            continue;
        }
        c->s = s;
        c->fd = fd;
        pthread_mutex_lock(&s->lock);
        s->conns++;
        s->handled++;
        pthread_mutex_unlock(&s->lock);
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&th, &attr, run_conn, c) != 0) {
            pp_close(s->st, fd);
            free(c);
            pthread_mutex_lock(&s->lock);
            s->conns--;
            pthread_mutex_unlock(&s->lock);
        }
        pthread_attr_destroy(&attr);
    }
    return NULL;
}

static int open_socket(struct pp_stack *st, int type, uint16_t port)
{
    struct sockaddr_in sin;
    int fd = pp_socket(st, type), tmo = POLL_MS, one = 1, rc;

    if (fd < 0)
        return fd;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    pp_setsockopt(st, fd, PP_SO_RCVTIMEO, &tmo, sizeof tmo);
    pp_setsockopt(st, fd, PP_SO_REUSEADDR, &one, sizeof one);
    rc = pp_bind(st, fd, (struct sockaddr *)&sin, sizeof sin);
    if (rc == 0 && type == PP_SOCK_STREAM)
        rc = pp_listen(st, fd, 128);
    if (rc < 0) {
        pp_close(st, fd);
        return rc;
    }
    return fd;
}

static void *run_http(void *arg)
{
    struct pp_service *s = arg;

    s->http_rc = pp_httpd_run(s->server, s->stop);
    return NULL;
}

int pp_service_start(struct pp_service *s, struct pp_stack *st, volatile sig_atomic_t *stop)
{
    int rc = 0;

    s->st = st;
    s->stop = stop;
    s->fd = s->tcp_fd = -1;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->idle, NULL);
    if (s->kind == PP_SVC_HTTP) {
        struct pp_httpd_net net;
        char err[256];
        if (pp_httpd_net_portplex(st, s->port, &net, err) < 0)
            return -EADDRINUSE;
        s->server = pp_httpd_new(&s->httpd, &net, err);
        if (!s->server) {
            fprintf(stderr, "portplex: http service: %s\n", err);
            return -EINVAL;
        }
        if ((rc = -pthread_create(&s->thread, NULL, run_http, s)) < 0) {
            pp_httpd_free(s->server);
            s->server = NULL;
        }
        return rc;
    }
    if (s->kind != PP_SVC_TCP_ECHO && s->kind != PP_SVC_HELLO) {
        s->fd = open_socket(st, PP_SOCK_DGRAM, s->port);
        if (s->fd < 0)
            return s->fd;
        if ((rc = -pthread_create(&s->thread, NULL, run_udp, s)) < 0) {
            pp_close(st, s->fd);
            s->fd = -1;
            return rc;
        }
    }
    if (s->kind == PP_SVC_TCP_ECHO || s->kind == PP_SVC_DISCARD || s->kind == PP_SVC_HELLO) {
        s->tcp_fd = open_socket(st, PP_SOCK_STREAM, s->port);
        if (s->tcp_fd < 0)
            return s->tcp_fd; /* pp_service_join stops the UDP half */
        if ((rc = -pthread_create(&s->tcp_thread, NULL, run_tcp, s)) < 0) {
            pp_close(st, s->tcp_fd);
            s->tcp_fd = -1;
        }
    }
    return rc;
}

void pp_service_join(struct pp_service *s)
{
    if (s->server) {
        struct pp_httpd_stats hs;
        pthread_join(s->thread, NULL);
        pp_httpd_get_stats(s->server, &hs);
        s->handled = hs.connections;
        s->bytes = hs.bytes;
        if (s->http_rc == 0)
            pp_httpd_free(s->server); /* else threads still use it: leave it */
        s->server = NULL;
        return;
    }
    if (s->fd >= 0) {
        pthread_join(s->thread, NULL);
        pp_close(s->st, s->fd);
        s->fd = -1;
    }
    if (s->tcp_fd >= 0) {
        pthread_join(s->tcp_thread, NULL);
        pp_close(s->st, s->tcp_fd);
        s->tcp_fd = -1;
        pthread_mutex_lock(&s->lock);
        while (s->conns > 0) /* each sees *stop within POLL_MS */
            pthread_cond_wait(&s->idle, &s->lock);
        pthread_mutex_unlock(&s->lock);
    }
}
