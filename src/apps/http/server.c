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
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

long long pp__httpd_now_ms(void)
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

/* How long a request head (or an idle keep-alive gap) may take: the
 * configured timeout, cut to PRESSURE_MS while every thread is busy and
 * connections wait for one, so slow or idle connections (slowloris) make
 * way for others - the idea of Apache's mod_reqtimeout, for a thread pool. */
#define PRESSURE_MS 1000
static int under_pressure(struct pp_httpd *h)
{
    /* Only when every thread the pool may have is busy: a pool still
     * growing is no reason to cut anyone short. */
    return __atomic_load_n(&h->qlen, __ATOMIC_RELAXED) > 0 &&
           __atomic_load_n(&h->idle, __ATOMIC_RELAXED) == 0 &&
           __atomic_load_n(&h->nthreads, __ATOMIC_RELAXED) >= h->cfg.max_conns;
}

static long long deadline(struct pp_httpd *h, long long limit)
{
    return under_pressure(h) && limit > PRESSURE_MS ? PRESSURE_MS : limit;
}

/* Serves one connection until it closes, errs, times out or the server stops. */
static void serve(struct pp_httpd_conn *c)
{
    struct pp_httpd *h = c->h;
    struct pp_http_request req;
    long long limit = (long long)h->cfg.timeout_s * 1000, started = pp__httpd_now_ms();
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
            started = pp__httpd_now_ms();
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
                    started = pp__httpd_now_ms(); /* the head's deadline runs from its first byte */
                c->have += (size_t)n;
                break;
            }
            if (n != -EAGAIN)
                return; /* end of stream or reset */
            if (c->have == 0 && h->stopping)
                return; /* idle during shutdown */
            if (pp__httpd_now_ms() - started >= deadline(h, limit)) {
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
    c.cbuf = malloc(PP_FILE_CACHE_MAX);
    c.extra = malloc(PP_HTTPD_EXTRA);
    pthread_mutex_lock(&h->lock);
    h->starting--; /* this thread now counts as idle or busy */
    for (;;) {
        while (h->qlen == 0 && !h->stopping) {
            h->idle++;
            pthread_cond_wait(&h->work, &h->lock);
            h->idle--;
        }
        if (h->qlen == 0)
            break; /* stopping and nothing queued */
        {
            /* A connection whose request is already complete goes first:
             * it will not hold the thread; then the oldest. */
            int i, pick = 0;
            for (i = 0; i < h->qlen; i++)
                if (h->queue[i].ready) {
                    pick = i;
                    break;
                }
            c.fd = h->queue[pick].fd;
            memcpy(c.peer, h->queue[pick].peer, sizeof c.peer);
            memmove(h->queue + pick, h->queue + pick + 1,
                    (size_t)(h->qlen - pick - 1) * sizeof *h->queue);
            h->qlen--;
        }
        h->busy++;
        pthread_cond_signal(&h->space);
        pthread_mutex_unlock(&h->lock);
        if (c.in && c.out && c.cbuf && c.extra)
            serve(&c);
        h->net.close(h->net.ctx, c.fd);
        pthread_mutex_lock(&h->lock);
        h->busy--;
    }
    h->nthreads--;
    pthread_cond_broadcast(&h->done);
    pthread_mutex_unlock(&h->lock);
    free(c.in);
    free(c.out);
    free(c.cbuf);
    free(c.extra);
    return NULL;
}

struct pp_httpd *pp_httpd_new(const struct pp_httpd_config *cfg, struct pp_httpd_net *net,
                              char *err)
{
    struct pp_httpd *h = calloc(1, sizeof *h);
    struct stat st;
    struct rlimit rl;

    if (!h) {
        snprintf(err, 256, "out of memory");
        net->free(net->ctx);
        return NULL;
    }
    if (cfg->tls_cert && pp_httpd_net_tls(net, cfg->tls_cert, cfg->tls_key, err) < 0) {
        net->free(net->ctx);
        free(h);
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
    if (!cfg->root && !cfg->handler) {
        snprintf(err, 256, "nothing to serve: no root and no handler");
        goto err;
    }
    if (cfg->root) {
        h->root_fd = open(cfg->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (h->root_fd < 0 || fstat(h->root_fd, &st) < 0) {
            snprintf(err, 256, "cannot open the root '%s': %s", cfg->root, strerror(errno));
            goto err;
        }
        h->root_real = realpath(cfg->root, NULL);
        if (!h->root_real) {
            snprintf(err, 256, "out of memory");
            goto err;
        }
    }
    /* The waiting room: connections accepted while every thread is busy.
     * Large, so the acceptor drains the backlog and can pick out the
     * clients that have sent a whole request; bounded by descriptors. */
    h->qcap = cfg->max_conns * 4 > 1024 ? cfg->max_conns * 4 : 1024;
    /* Descriptors for every thread's connection, the waiting room and a
     * file each: raise the soft limit as far as the hard one allows. */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
        rlim_t want = (rlim_t)cfg->max_conns * 2 + (rlim_t)h->qcap + 64;
        if (rl.rlim_cur < want) {
            rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
            setrlimit(RLIMIT_NOFILE, &rl);
            getrlimit(RLIMIT_NOFILE, &rl);
        }
    }
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
        long room = (long)rl.rlim_cur - cfg->max_conns - 64;
        if (room < h->qcap)
            h->qcap = room > 16 ? (int)room : 16;
    }
    h->queue = calloc((size_t)h->qcap, sizeof *h->queue);
    h->mime = pp_mime_new(NULL);
    if (!cfg->no_cache)
        h->cache = pp_file_cache_new();
    if (!h->queue || !h->mime || (!cfg->no_cache && !h->cache)) {
        snprintf(err, 256, "out of memory");
        goto err;
    }
    return h;
err:
    pp_httpd_free(h);
    return NULL;
}

/* Looks at the connections in the waiting room while no thread is free
 * (h->lock held): marks those whose request head has fully arrived, so a
 * freed thread takes them first, and drops those that have waited longer
 * than the pressure deadline without sending one (408 if they sent part). */
static void triage(struct pp_httpd *h)
{
    static const char timeout_408[] =
        "HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    char peek[4096];
    long long now = pp__httpd_now_ms();
    int i = 0;

    if (h->idle > 0 || h->nthreads < h->cfg.max_conns)
        return; /* a thread is free or can be made: nobody waits long */
    while (i < h->qlen) {
        struct pp_httpd_waiting *w = &h->queue[i];
        ssize_t n;
        if (w->ready) {
            i++;
            continue;
        }
        if (h->net.ready) { /* the backend knows what a whole first message is (TLS) */
            n = h->net.ready(h->net.ctx, w->fd) ? 0 : -EAGAIN;
        } else {
            n = h->net.peek(h->net.ctx, w->fd, peek, sizeof peek);
        }
        if (n == 0 || (n < 0 && n != -EAGAIN) || n == (ssize_t)sizeof peek ||
            (n > 0 && (memmem(peek, (size_t)n, "\r\n\r\n", 4) || memmem(peek, (size_t)n, "\n\n", 2)))) {
            w->ready = 1; /* a request, EOF or an error: quick work for a thread */
            i++;
            continue;
        }
        if (now - w->since < deadline(h, (long long)h->cfg.timeout_s * 1000)) {
            i++;
            continue;
        }
        if (n > 0) /* a partial head: RFC 9110 15.5.9 */
            h->net.send(h->net.ctx, w->fd, timeout_408, sizeof timeout_408 - 1, 0);
        h->net.close(h->net.ctx, w->fd);
        h->stats.timeouts++;
        memmove(h->queue + i, h->queue + i + 1, (size_t)(h->qlen - i - 1) * sizeof *h->queue);
        h->qlen--;
    }
}

int pp_httpd_run(struct pp_httpd *h, volatile sig_atomic_t *stop)
{
    pthread_attr_t attr;
    struct timespec dl;
    int rc = 0;

    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, PP_HTTPD_STACK); /* the guard page stays (glibc default) */
    while (!*stop) {
        char peer[64] = "-";
        int fd;
        pthread_mutex_lock(&h->lock);
        for (;;) {
            triage(h);
            if (h->qlen < h->qcap || *stop)
                break;
            /* Room full: further clients wait in the listen backlog. */
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
        h->queue[h->qlen].fd = fd;
        h->queue[h->qlen].ready = 0;
        h->queue[h->qlen].since = pp__httpd_now_ms();
        snprintf(h->queue[h->qlen].peer, sizeof h->queue[h->qlen].peer, "%s", peer);
        h->qlen++;
        h->stats.connections++;
        /* A thread for every queued connection no idle thread will take:
         * an idle thread signalled for an earlier one still counts as idle
         * until it runs, so "idle == 0" alone let a burst of connections
         * wait behind a few threads (a cold-start stall). */
        while (h->qlen > h->idle + h->starting && h->nthreads < h->cfg.max_conns) {
            pthread_t t;
            if (pthread_create(&t, &attr, worker, h) != 0)
                break;
            h->nthreads++;
            h->starting++;
        }
        /* If no thread could be made at all, the connection waits for one. */
        pthread_cond_signal(&h->work);
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
    while (rc == 0 && h->qlen > 0)
        h->net.close(h->net.ctx, h->queue[--h->qlen].fd);
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
    pp_file_cache_free(h->cache);
    free(h->root_real);
    free(h->queue);
    pthread_mutex_destroy(&h->lock);
    pthread_cond_destroy(&h->work);
    pthread_cond_destroy(&h->space);
    pthread_cond_destroy(&h->done);
    free(h);
}
