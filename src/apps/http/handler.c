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

#include "portplex/portplex.h"

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

static int head(struct pp_httpd_exchange *x, int status, const char *type, const char *extra,
                long long length)
{
    struct pp_httpd_conn *c = x->c;
    int n;

    if (x->answered)
        return -EALREADY;
    x->answered = 1;
    if (length < 0)
        *x->keep = 0; /* the body ends when the connection does */
    n = snprintf(c->out, PP_HTTPD_OUTBUF,
                 "HTTP/1.1 %d %s\r\nServer: portplex/%s\r\nDate: %s\r\nContent-Type: %s\r\n"
                 "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n%s%s",
                 status, pp__httpd_reason(status), pp_version(), pp__httpd_date_now(),
                 type ? type : "application/octet-stream", extra ? extra : "",
                 c->h->cfg.headers ? c->h->cfg.headers : "");
    if (n > 0 && n < PP_HTTPD_OUTBUF && length >= 0)
        n += snprintf(c->out + n, PP_HTTPD_OUTBUF - (size_t)n, "Content-Length: %lld\r\n", length);
    if (n > 0 && n < PP_HTTPD_OUTBUF && !*x->keep)
        n += snprintf(c->out + n, PP_HTTPD_OUTBUF - (size_t)n, "Connection: close\r\n");
    if (n > 0 && n < PP_HTTPD_OUTBUF)
        n += snprintf(c->out + n, PP_HTTPD_OUTBUF - (size_t)n, "\r\n");
    if (n <= 0 || n >= PP_HTTPD_OUTBUF)
        return -EMSGSIZE;
    c->status = status;
    c->body_sent = 0;
    return n;
}

int pp_httpd_x_reply(struct pp_httpd_exchange *x, int status, const char *type, const char *extra,
                     const void *body, size_t len)
{
    int hl, e, head_only;

    if (!x || (len && !body) || status < 100 || status > 599)
        return -EINVAL;
    head_only = strcmp(x->method, "HEAD") == 0;
    if ((hl = head(x, status, type, extra, (long long)len)) < 0)
        return hl;
    if (head_only || len == 0)
        return pp__httpd_send_all(x->c, x->c->out, (size_t)hl, 0);
    if ((e = pp__httpd_send_all(x->c, x->c->out, (size_t)hl, 1)) < 0 ||
        (e = pp__httpd_send_all(x->c, body, len, 0)) < 0)
        return e;
    x->c->body_sent = len;
    return 0;
}

int pp_httpd_x_stream_begin(struct pp_httpd_exchange *x, const char *type)
{
    int hl;

    if (!x || !type)
        return -EINVAL;
    if ((hl = head(x, 200, type, NULL, -1)) < 0)
        return hl;
    x->streaming = 1;
    return pp__httpd_send_all(x->c, x->c->out, (size_t)hl, 0);
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
