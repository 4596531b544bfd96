/* server.c - the web server's threads: an accept loop that hands each
 * connection to a pooled thread of its own, the per-connection read loop
 * with its deadlines (slowloris gets 408, idle keep-alive is closed), and
 * graceful shutdown. */
#include "httpd_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Whether the bytes [from, have) may have completed the head or revealed an
 * error: a blank line ends a head, and the first line is checked as soon as
 * it ends.  Parsing only then keeps a head sent one byte per segment from
 * costing quadratic time. */
static int worth_parsing(const char *in, size_t from, size_t have)
{
    size_t i = from > 2 ? from - 2 : 0;
    const char *first_lf = memchr(in, '\n', have);

    if (have > PP_HTTP_MAX_LINE || have >= PP_HTTPD_INBUF)
        return 1;
    if (first_lf && (size_t)(first_lf - in) >= from)
        return 1;
    for (; i + 1 < have; i++)
        if (in[i] == '\n' && (in[i + 1] == '\n' || (in[i + 1] == '\r' && i + 2 < have && in[i + 2] == '\n')))
            return 1;
    return 0;
}

/* Serves one connection until it closes, errs, times out or the server stops. */
static void serve(struct pp_httpd_conn *c)
{
    struct pp_httpd *h = c->h;
    struct pp_http_request req;
    long long limit = (long long)h->cfg.timeout_s * 1000, started = now_ms();
    size_t parsed_upto = 0;
    int rc = PP_HTTP_INCOMPLETE;

    c->have = 0;
    for (;;) {
        if (c->have && (parsed_upto == 0 || worth_parsing(c->in, parsed_upto, c->have)))
            rc = pp_http_parse_request(c->in, c->have, &req);
        else
            rc = PP_HTTP_INCOMPLETE;
        parsed_upto = c->have;
        if (rc != PP_HTTP_INCOMPLETE) {
            if (!pp__httpd_respond(c, &req, rc))
                return;
            /* Pipelining: what follows this head is the next request. */
            memmove(c->in, c->in + rc, c->have - (size_t)rc);
            c->have -= (size_t)rc;
            parsed_upto = 0;
            started = now_ms();
            if (h->stopping)
                return;
            continue;
        }
        if (c->have == PP_HTTPD_INBUF) { /* cannot happen: the parser says 431 first */
            pp__httpd_error(c, NULL, 431);
            return;
        }
        for (;;) {
            ssize_t n = h->net.recv(h->net.ctx, c->fd, c->in + c->have, PP_HTTPD_INBUF - c->have);
            if (n > 0) {
                if (c->have == 0)
                    started = now_ms(); /* the head's deadline runs from its first byte */
                c->have += (size_t)n;
                break;
            }
            if (n != -EAGAIN)
                return; /* end of stream or reset */
            if (c->have == 0 && h->stopping)
                return; /* idle during shutdown */
            if (now_ms() - started >= limit) {
                pthread_mutex_lock(&h->lock);
                h->stats.timeouts++;
                pthread_mutex_unlock(&h->lock);
                if (c->have) /* RFC 9110 15.5.9 */
                    pp__httpd_error(c, NULL, 408);
                return;
            }
        }
    }
}

static void *worker(void *arg)
{
    struct pp_httpd *h = arg;
    struct pp_httpd_conn c;

    memset(&c, 0, sizeof c);
    c.h = h;
    c.in = malloc(PP_HTTPD_INBUF);
    c.out = malloc(PP_HTTPD_OUTBUF);
    pthread_mutex_lock(&h->lock);
    for (;;) {
        while (h->qlen == 0 && !h->stopping) {
            h->idle++;
            pthread_cond_wait(&h->work, &h->lock);
            h->idle--;
        }
        if (h->qlen == 0)
            break; /* stopping and nothing queued */
        c.fd = h->queue[h->qhead];
        memcpy(c.peer, h->queue_peer[h->qhead], sizeof c.peer);
        h->qhead = (h->qhead + 1) % h->cfg.max_conns;
        h->qlen--;
        pthread_mutex_unlock(&h->lock);
        if (c.in && c.out)
            serve(&c);
        h->net.close(h->net.ctx, c.fd);
        pthread_mutex_lock(&h->lock);
        h->active--;
        pthread_cond_signal(&h->space);
        if (h->active == 0)
            pthread_cond_broadcast(&h->done);
    }
    h->nthreads--;
    pthread_cond_broadcast(&h->done);
    pthread_mutex_unlock(&h->lock);
    free(c.in);
    free(c.out);
    return NULL;
}

struct pp_httpd *pp_httpd_new(const struct pp_httpd_config *cfg, struct pp_httpd_net *net,
                              char *err)
{
    struct pp_httpd *h = calloc(1, sizeof *h);
    struct stat st;

    if (!h) {
        snprintf(err, 256, "out of memory");
        net->free(net->ctx);
        return NULL;
    }
    h->cfg = *cfg;
    h->net = *net;
    h->root_fd = -1;
    pthread_mutex_init(&h->lock, NULL);
    pthread_cond_init(&h->work, NULL);
    pthread_cond_init(&h->space, NULL);
    pthread_cond_init(&h->done, NULL);
    if (cfg->max_conns < 1 || cfg->max_conns > 65536 || cfg->timeout_s < 1) {
        snprintf(err, 256, "max_conns must be 1-65536 and the timeout at least 1 s");
        goto err;
    }
    h->root_fd = open(cfg->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (h->root_fd < 0 || fstat(h->root_fd, &st) < 0) {
        snprintf(err, 256, "cannot open the root '%s': %s", cfg->root, strerror(errno));
        goto err;
    }
    h->root_real = realpath(cfg->root, NULL);
    h->queue = calloc((size_t)cfg->max_conns, sizeof *h->queue);
    h->queue_peer = calloc((size_t)cfg->max_conns, sizeof *h->queue_peer);
    h->mime = pp_mime_new(NULL);
    if (!h->root_real || !h->queue || !h->queue_peer || !h->mime) {
        snprintf(err, 256, "out of memory");
        goto err;
    }
    return h;
err:
    pp_httpd_free(h);
    return NULL;
}

int pp_httpd_run(struct pp_httpd *h, volatile sig_atomic_t *stop)
{
    pthread_attr_t attr;
    struct timespec dl;
    int rc = 0;

    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    /* A connection's buffers are on the heap; 512 KiB leaves room for
     * scandir, snprintf and sanitizer builds. */
    pthread_attr_setstacksize(&attr, 512 * 1024);
    while (!*stop) {
        char peer[64] = "-";
        int fd;
        pthread_mutex_lock(&h->lock);
        while (h->active >= h->cfg.max_conns && !*stop) {
            /* Full: further clients wait in the listen backlog. */
            clock_gettime(CLOCK_REALTIME, &dl);
            dl.tv_nsec += PP_HTTPD_TICK_MS * 1000000L;
            if (dl.tv_nsec >= 1000000000L) {
                dl.tv_sec++;
                dl.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&h->space, &h->lock, &dl);
        }
        pthread_mutex_unlock(&h->lock);
        if (*stop)
            break;
        fd = h->net.accept(h->net.ctx, peer, sizeof peer);
        if (fd < 0)
            continue; /* -EAGAIN, or a transient failure (EMFILE waits a tick in the backend) */
        pthread_mutex_lock(&h->lock);
        h->queue[(h->qhead + h->qlen) % h->cfg.max_conns] = fd;
        snprintf(h->queue_peer[(h->qhead + h->qlen) % h->cfg.max_conns], 64, "%s", peer);
        h->qlen++;
        h->active++;
        h->stats.connections++;
        if (h->idle == 0 && h->nthreads < h->cfg.max_conns) {
            pthread_t t;
            if (pthread_create(&t, &attr, worker, h) == 0)
                h->nthreads++;
        }
        pthread_cond_signal(&h->work);
        /* No thread at all (creation failed): the connection waits for one. */
        pthread_mutex_unlock(&h->lock);
    }
    pthread_attr_destroy(&attr);
    /* Graceful stop: no new connections; threads finish their response. */
    h->net.close_listener(h->net.ctx);
    pthread_mutex_lock(&h->lock);
    h->stopping = 1;
    pthread_cond_broadcast(&h->work);
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += h->cfg.grace_s;
    while (h->nthreads > 0 && rc == 0)
        if (pthread_cond_timedwait(&h->done, &h->lock, &dl) == ETIMEDOUT && h->nthreads > 0)
            rc = -ETIMEDOUT;
    /* Connections accepted but never given a thread are closed unanswered. */
    while (rc == 0 && h->qlen > 0) {
        h->net.close(h->net.ctx, h->queue[h->qhead]);
        h->qhead = (h->qhead + 1) % h->cfg.max_conns;
        h->qlen--;
        h->active--;
    }
    pthread_mutex_unlock(&h->lock);
    return rc;
}

void pp_httpd_get_stats(struct pp_httpd *h, struct pp_httpd_stats *out)
{
    pthread_mutex_lock(&h->lock);
    *out = h->stats;
    pthread_mutex_unlock(&h->lock);
}

void pp_httpd_free(struct pp_httpd *h)
{
    if (!h)
        return;
    if (h->net.free)
        h->net.free(h->net.ctx);
    if (h->root_fd >= 0)
        close(h->root_fd);
    pp_mime_free(h->mime);
    free(h->root_real);
    free(h->queue);
    free(h->queue_peer);
    pthread_mutex_destroy(&h->lock);
    pthread_cond_destroy(&h->work);
    pthread_cond_destroy(&h->space);
    pthread_cond_destroy(&h->done);
    free(h);
}
