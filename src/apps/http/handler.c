/* handler.c - requests answered by an application rather than by files:
 * the server offers each well-formed request to cfg.handler, which reads
 * the method, target and headers and answers from memory, or holds the
 * connection for a stream of events (Server-Sent Events, as `portplex lab
 * --serve` uses).  Framing stays the server's: no request bodies, one Host. */
#include "httpd_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


struct pp_httpd_exchange {
    struct pp_httpd_conn *c;
    const struct pp_http_request *req;
    char method[16];
    char *target;
    int *keep;
    int answered, streaming;
};

const char *pp_httpd_x_method(const struct pp_httpd_exchange *x)
{
    return x->method;
}

const char *pp_httpd_x_target(const struct pp_httpd_exchange *x)
{
    return x->target;
}

const char *pp_httpd_x_header(const struct pp_httpd_exchange *x, const char *name, char *buf,
                              size_t cap)
{
    const struct pp_http_header *hd = pp_http_header_find(x->req, name, NULL);
    size_t n;

    if (!hd || cap == 0)
        return NULL;
    n = hd->value.n < cap - 1 ? hd->value.n : cap - 1;
    memcpy(buf, hd->value.p, n);
    buf[n] = 0;
    return buf;
}

int pp_httpd_x_reply(struct pp_httpd_exchange *x, int status, const char *type, const char *extra,
                     const void *body, size_t len)
{
    if (!x || (len && !body) || status < 100 || status > 599)
        return -EINVAL;
    if (x->answered)
        return -EALREADY;
    x->answered = 1;
    return pp__httpd_reply_app(x->c, x->req, status, type, extra, body, len, 0, x->keep);
}

int pp_httpd_x_stream_begin(struct pp_httpd_exchange *x, const char *type)
{
    int e;

    if (!x || !type)
        return -EINVAL;
    if (x->answered)
        return -EALREADY;
    x->answered = 1;
    if ((e = pp__httpd_reply_app(x->c, x->req, 200, type, NULL, NULL, 0, 1, x->keep)) < 0)
        return e;
    x->streaming = 1;
    return 0;
}

int pp_httpd_x_write(struct pp_httpd_exchange *x, const void *buf, size_t len)
{
    int e;

    if (!x || !x->streaming || (len && !buf))
        return -EINVAL;
    if ((e = pp__httpd_send_all(x->c, buf, len, 0)) < 0)
        return e;
    x->c->body_sent += len;
    return 0;
}

int pp_httpd_x_stopping(const struct pp_httpd_exchange *x)
{
    return x->c->h->stopping;
}

int pp__httpd_call_handler(struct pp_httpd_conn *c, const struct pp_http_request *req, int *keep)
{
    struct pp_httpd_exchange x;
    int rc;

    memset(&x, 0, sizeof x);
    x.c = c;
    x.req = req;
    x.keep = keep;
    if (req->method.n >= sizeof x.method)
        return 0; /* no method of ours is that long: the files refuse it */
    memcpy(x.method, req->method.p, req->method.n);
    x.method[req->method.n] = 0;
    if (!(x.target = malloc(req->target.n + 1)))
        return -1;
    memcpy(x.target, req->target.p, req->target.n);
    x.target[req->target.n] = 0;
    rc = c->h->cfg.handler(c->h->cfg.handler_arg, &x);
    free(x.target);
    if (rc > 0 && !x.answered)
        return -1; /* said it answered but sent nothing: close rather than hang */
    if (rc > 0 && x.streaming)
        *keep = 0;
    return rc > 0 ? 1 : rc < 0 ? -1 : 0;
}
