/* respond.c - from a parsed request to the bytes of its response: method,
 * version and framing checks, the path under the root (RFC 9110 and 9112),
 * redirects for directories, index.html or a listing, preconditions, a
 * single byte range, and sending the file (sendfile where the backend can). */
#include "httpd_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "encoding.h"
#include "file_cache.h"
#include "path.h"
#include "portplex/portplex.h"
#include "range.h"
#include "validators.h"

const char *pp__httpd_reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 416: return "Range Not Satisfiable";
    case 431: return "Request Header Fields Too Large";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Internal Server Error";
    }
}

/* The Date header's value, formatted at most once a second per thread. */
static const char *date_now(void)
{
    static __thread time_t cached;
    static __thread char text[PP_HTTP_DATE_BUF];
    time_t now = time(NULL);

    if (now != cached) {
        pp_http_date(now, text);
        cached = now;
    }
    return text;
}

int pp__httpd_send_all(struct pp_httpd_conn *c, const void *buf, size_t n, int more)
{
    struct pp_httpd *h = c->h;
    const char *p = buf;
    int idle_ticks = 0, max_ticks = h->cfg.timeout_s * (1000 / PP_HTTPD_TICK_MS);

    while (n > 0) {
        ssize_t w = h->net.send(h->net.ctx, c->fd, p, n, more);
        if (w == -EAGAIN) {
            if (++idle_ticks >= max_ticks)
                return -ETIMEDOUT; /* the client stopped reading */
            continue;
        }
        if (w < 0)
            return (int)w;
        idle_ticks = 0;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Sends file bytes [off, off + n): sendfile when the backend has it. */
static int send_file(struct pp_httpd_conn *c, int file, off_t off, unsigned long long n)
{
    struct pp_httpd *h = c->h;
    int idle_ticks = 0, max_ticks = h->cfg.timeout_s * (1000 / PP_HTTPD_TICK_MS);

    while (n > 0) {
        size_t chunk = n > (1u << 30) ? (1u << 30) : (size_t)n;
        ssize_t w;
        if (h->net.sendfile) {
            w = h->net.sendfile(h->net.ctx, c->fd, file, &off, chunk);
            if (w == -EAGAIN) {
                if (++idle_ticks >= max_ticks)
                    return -ETIMEDOUT;
                continue;
            }
            if (w <= 0)
                return w < 0 ? (int)w : -EIO; /* 0: the file shrank under us */
        } else {
            ssize_t r = pread(file, c->out, chunk < PP_HTTPD_OUTBUF ? chunk : PP_HTTPD_OUTBUF, off);
            int e;
            if (r <= 0)
                return -EIO;
            if ((e = pp__httpd_send_all(c, c->out, (size_t)r, (unsigned long long)r < n)) < 0)
                return e;
            w = r;
            off += r;
        }
        idle_ticks = 0;
        n -= (unsigned long long)w;
        c->body_sent += (unsigned long long)w;
    }
    return 0;
}

/* Whether the comma-separated header list has token (case-insensitive). */
static int has_token(struct pp_http_str list, const char *token)
{
    size_t i = 0, tl = strlen(token);

    while (i < list.n) {
        size_t s, e;
        while (i < list.n && (list.p[i] == ' ' || list.p[i] == '\t' || list.p[i] == ','))
            i++;
        s = i;
        while (i < list.n && list.p[i] != ',')
            i++;
        e = i;
        while (e > s && (list.p[e - 1] == ' ' || list.p[e - 1] == '\t'))
            e--;
        if (e - s == tl) {
            struct pp_http_str t = {list.p + s, tl};
            if (pp_http_str_eq_nocase(t, token))
                return 1;
        }
    }
    return 0;
}

struct reply {
    int status;
    int keep;               /* keep-alive after this response */
    int http10;             /* an HTTP/1.0 request: keep-alive must be said */
    int keep_s;             /* the idle limit a kept HTTP/1.0 connection is told */
    int head_only;          /* HEAD: headers as for GET, no body */
    char *extra;            /* more header lines, each ending in CRLF (c->extra) */
    size_t extra_cap;
    size_t extra_len;
    const char *type;       /* Content-Type, or NULL */
    const char *body;       /* an in-memory body, or NULL */
    int file;               /* or a file's bytes [first, first + length) */
    unsigned long long first, length;
    int stream;             /* a body that ends with the connection: no Content-Length */
    int app;                /* an application's response (handler.c): it sets its own caching */
};

static void add_header(struct reply *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends header lines to r (dropped whole if they would not fit). */
static void add_header(struct reply *r, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(r->extra + r->extra_len, r->extra_cap - r->extra_len, fmt, ap);
    va_end(ap);
    if (n > 0 && (size_t)n < r->extra_cap - r->extra_len)
        r->extra_len += (size_t)n;
    else
        r->extra[r->extra_len] = 0;
}

/* Writes the header block of r into c->out; its length, or -1 if too long. */
static int format_head(struct pp_httpd_conn *c, const struct reply *r)
{
    int n = snprintf(c->out, PP_HTTPD_OUTBUF,
                     "HTTP/1.1 %d %s\r\nServer: portplex/%s\r\nDate: %s\r\n%.*s", r->status,
                     pp__httpd_reason(r->status), pp_version(), date_now(), (int)r->extra_len,
                     r->extra);
    if (r->type)
        n += snprintf(c->out + n, PP_HTTPD_OUTBUF - (size_t)n, "Content-Type: %s\r\n", r->type);
    if (c->h->cfg.cache_control && !r->app && (r->status == 200 || r->status == 206 || r->status == 304))
        n += snprintf(c->out + n, PP_HTTPD_OUTBUF - (size_t)n, "Cache-Control: %s\r\n",
                      c->h->cfg.cache_control);
    if (c->h->cfg.headers)
        n += snprintf(c->out + n, PP_HTTPD_OUTBUF - (size_t)n, "%s", c->h->cfg.headers);
    if (r->status != 304 && !r->stream)
        n += snprintf(c->out + n, PP_HTTPD_OUTBUF - (size_t)n, "Content-Length: %llu\r\n",
                      r->length);
    /* RFC 9112 9.3 and C.2.2: a 1.1 connection persists unless closed; a
     * 1.0 client asked with "Connection: keep-alive" and must be told it
     * was granted, or it waits for the close to end the body. */
    if (!r->keep)
        n += snprintf(c->out + n, PP_HTTPD_OUTBUF - (size_t)n, "Connection: close\r\n");
    else if (r->http10)
        n += snprintf(c->out + n, PP_HTTPD_OUTBUF - (size_t)n,
                      "Connection: keep-alive\r\nKeep-Alive: timeout=%d\r\n", r->keep_s);
    n += snprintf(c->out + n, PP_HTTPD_OUTBUF - (size_t)n, "\r\n");
    return n < PP_HTTPD_OUTBUF ? n : -1;
}

/* Sends r: the head, then its body unless HEAD or 304.  0 or -errno. */
static int send_reply(struct pp_httpd_conn *c, const struct reply *r)
{
    int hl = format_head(c, r), e;
    int with_body = !r->head_only && r->status != 304 && r->length > 0;

    c->status = r->status;
    c->body_sent = 0;
    if (hl < 0)
        return -EIO;
    if (!with_body)
        return pp__httpd_send_all(c, c->out, (size_t)hl, 0);
    if (r->body || r->length <= PP_HTTPD_SMALL) {
        /* Small: head and body in one write. */
        if ((size_t)hl + r->length <= PP_HTTPD_OUTBUF) {
            if (r->body) {
                memcpy(c->out + hl, r->body + r->first, r->length);
            } else {
                ssize_t got = pread(r->file, c->out + hl, r->length, (off_t)r->first);
                if (got != (ssize_t)r->length)
                    return -EIO;
            }
            if ((e = pp__httpd_send_all(c, c->out, (size_t)hl + r->length, 0)) < 0)
                return e;
            c->body_sent = r->length;
            return 0;
        }
        if (r->body) { /* a large generated body (listing) */
            if ((e = pp__httpd_send_all(c, c->out, (size_t)hl, 1)) < 0 ||
                (e = pp__httpd_send_all(c, r->body + r->first, r->length, 0)) < 0)
                return e;
            c->body_sent = r->length;
            return 0;
        }
    }
    if ((e = pp__httpd_send_all(c, c->out, (size_t)hl, 1)) < 0)
        return e;
    return send_file(c, r->file, (off_t)r->first, r->length);
}

int pp__httpd_reply_app(struct pp_httpd_conn *c, const struct pp_http_request *req, int status, const char *type,
                        const char *extra, const void *body, size_t len, int stream, int *keep)
{
    struct reply r;

    memset(&r, 0, sizeof r);
    r.file = -1;
    r.app = 1;
    r.stream = stream;
    r.status = status;
    r.keep = stream ? 0 : *keep; /* a stream's body ends when the connection does */
    r.http10 = req->minor == 0;
    r.keep_s = c->h->cfg.timeout_s;
    r.head_only = req->method.n == 4 && memcmp(req->method.p, "HEAD", 4) == 0;
    r.extra = c->extra;
    r.extra_cap = PP_HTTPD_EXTRA;
    add_header(&r, "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n%s", extra ? extra : "");
    r.type = type ? type : "application/octet-stream";
    r.body = body;
    r.length = stream ? 0 : len;
    *keep = r.keep;
    return send_reply(c, &r);
}

/* Fills r with a short HTML page for an error or redirect status. */
static void error_page(struct reply *r, int status, char *page, size_t cap)
{
    int n = snprintf(page, cap,
                     "<!DOCTYPE html>\n<html><head><title>%d %s</title></head>"
                     "<body><h1>%d %s</h1><hr>portplex/%s</body></html>\n",
                     status, pp__httpd_reason(status), status, pp__httpd_reason(status),
                     pp_version());
    r->status = status;
    r->type = "text/html";
    r->body = page;
    r->first = 0;
    r->length = (unsigned long long)n;
}

void pp__httpd_error(struct pp_httpd_conn *c, const struct pp_http_request *req, int status)
{
    struct reply r;
    char page[512];

    memset(&r, 0, sizeof r);
    r.file = -1;
    r.extra = c->extra;
    r.extra_cap = PP_HTTPD_EXTRA;
    error_page(&r, status, page, sizeof page);
    r.keep = 0;
    send_reply(c, &r);
    pp__httpd_log(c, req);
    pthread_mutex_lock(&c->h->lock);
    c->h->stats.requests++;
    c->h->stats.status[status / 100]++;
    c->h->stats.bytes += c->body_sent;
    pthread_mutex_unlock(&c->h->lock);
}

/* Opens path (relative to the root, "" for the root) without leaving the
 * root: openat2's RESOLVE_BENEATH refuses "..", absolute symlinks and
 * symlinks that climb out; without openat2 the resolved path is checked
 * against the root's.  -errno on failure (-EXDEV: it would leave the root). */
static int open_beneath(struct pp_httpd *h, const char *path)
{
    const char *rel = *path ? path : ".";
    int fd;

    if (h->cfg.follow_symlinks)
        return (fd = openat(h->root_fd, rel, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0
                   ? -errno
                   : fd;
    if (h->use_openat2 >= 0) {
        struct open_how how;
        memset(&how, 0, sizeof how);
        how.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
        how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
        fd = (int)syscall(SYS_openat2, h->root_fd, rel, &how, sizeof how);
        if (fd >= 0)
            return fd;
        if (errno != ENOSYS)
            return -errno;
        h->use_openat2 = -1; /* an old kernel: use the check below from now on */
    }
    fd = openat(h->root_fd, rel, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return -errno;
    {
        char proc[64], real[PATH_MAX];
        size_t rl = strlen(h->root_real);
        ssize_t n;
        snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
        n = readlink(proc, real, sizeof real - 1);
        /* Inside means: the root itself, or the root followed by '/'. */
        if (n < 0 || (size_t)n < rl || memcmp(real, h->root_real, rl) != 0 ||
            (rl > 1 && (size_t)n > rl && real[rl] != '/')) {
            close(fd);
            return -EXDEV;
        }
    }
    return fd;
}

static int status_of_errno(int e)
{
    return e == -ENOENT || e == -ENOTDIR || e == -ENAMETOOLONG ? 404 : 403;
}

/* The head of part i of a multipart/byteranges body (RFC 9110 14.6) into
 * buf; its length. */
static int part_head(char *buf, size_t cap, const char *boundary, const char *type,
                     const struct pp_http_span *s, unsigned long long size)
{
    int n = snprintf(buf, cap, "\r\n--%s\r\n", boundary);
    if (type)
        n += snprintf(buf + n, cap - (size_t)n, "Content-Type: %s\r\n", type);
    n += snprintf(buf + n, cap - (size_t)n, "Content-Range: bytes %llu-%llu/%llu\r\n\r\n",
                  (unsigned long long)s->first, (unsigned long long)s->last, size);
    return n;
}

/* 206 with several ranges: multipart/byteranges, each part with its own
 * Content-Type and Content-Range, data from memory or the file.  The
 * boundary is random, so no file can hold it by design. */
static int send_multipart(struct pp_httpd_conn *c, struct reply *r, const struct pp_http_span *s,
                          int n, unsigned long long size)
{
    char boundary[24], head[512], type[256];
    const char *part_type = r->type;
    unsigned char rnd[8];
    unsigned long long total;
    int i, hl, e;

    if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
        memset(rnd, 0x5a, sizeof rnd);
    for (i = 0; i < 8; i++)
        snprintf(boundary + 2 * i, 3, "%02x", rnd[i]);
    total = strlen(boundary) + 8; /* "\r\n--B--\r\n" */
    for (i = 0; i < n; i++)
        total += (unsigned long long)part_head(head, sizeof head, boundary, part_type, &s[i], size) +
                 (s[i].last - s[i].first + 1);
    snprintf(type, sizeof type, "multipart/byteranges; boundary=%s", boundary);
    r->type = type;
    r->length = total;
    c->status = r->status;
    c->body_sent = 0;
    if ((hl = format_head(c, r)) < 0)
        return -EIO;
    if ((e = pp__httpd_send_all(c, c->out, (size_t)hl, 1)) < 0)
        return e;
    for (i = 0; i < n; i++) {
        unsigned long long len = s[i].last - s[i].first + 1;
        int ph = part_head(head, sizeof head, boundary, part_type, &s[i], size);
        if ((e = pp__httpd_send_all(c, head, (size_t)ph, 1)) < 0)
            return e;
        c->body_sent += (unsigned long long)ph;
        if (r->body) {
            if ((e = pp__httpd_send_all(c, r->body + s[i].first, len, 1)) < 0)
                return e;
            c->body_sent += len;
        } else if ((e = send_file(c, r->file, (off_t)s[i].first, len)) < 0) {
            return e;
        }
    }
    hl = snprintf(head, sizeof head, "\r\n--%s--\r\n", boundary);
    if ((e = pp__httpd_send_all(c, head, (size_t)hl, 0)) < 0)
        return e;
    c->body_sent += (unsigned long long)hl;
    return 0;
}

/* Applies preconditions and Range to an open regular file and sends it. */
static int serve_file(struct pp_httpd_conn *c, const struct pp_http_request *req,
                      struct reply *r, int fd, const struct stat *st, const char *name,
                      const char *content)
{
    char etag[PP_HTTP_ETAG_MAX], lm[PP_HTTP_DATE_BUF], page[512], cr[96];
    const struct pp_http_header *range = pp_http_header_find(req, "Range", NULL);
    /* RFC 9110 14.2: Range is defined for GET only; HEAD ignores it. */
    int use_range = range != NULL && !r->head_only, nspans = 0;
    struct pp_http_span spans[PP_HTTP_MAX_RANGES];
    enum pp_http_precondition pc;

    pp_http_etag(st, etag);
    pp_http_date(st->st_mtim.tv_sec, lm);
    pc = pp_http_preconditions(req, etag, st->st_mtim.tv_sec, &use_range);
    add_header(r, "Last-Modified: %s\r\nETag: %s\r\n", lm, etag);
    if (pc == PP_PRECOND_FAILED) {
        error_page(r, 412, page, sizeof page);
        return send_reply(c, r);
    }
    if (pc == PP_PRECOND_NOT_MODIFIED) {
        r->status = 304; /* RFC 9110 15.4.5: the validators, no body */
        return send_reply(c, r);
    }
    add_header(r, "Accept-Ranges: bytes\r\n");
    r->type = pp_mime_lookup(c->h->mime, name);
    r->file = content ? -1 : fd;
    r->body = content;
    r->status = 200;
    r->first = 0;
    r->length = (unsigned long long)st->st_size;
    if (use_range && range) {
        switch (pp_http_ranges_parse(range->value, (uint64_t)st->st_size, spans, &nspans)) {
        case PP_RANGE_OK:
            r->status = 206;
            if (nspans > 1)
                return send_multipart(c, r, spans, nspans, (unsigned long long)st->st_size);
            r->first = spans[0].first;
            r->length = spans[0].last - spans[0].first + 1;
            snprintf(cr, sizeof cr, "%llu-%llu/%llu", (unsigned long long)spans[0].first,
                     (unsigned long long)spans[0].last, (unsigned long long)st->st_size);
            add_header(r, "Content-Range: bytes %s\r\n", cr);
            break;
        case PP_RANGE_UNSATISFIABLE:
            snprintf(cr, sizeof cr, "*/%llu", (unsigned long long)st->st_size);
            add_header(r, "Content-Range: bytes %s\r\n", cr);
            r->file = -1;
            r->body = NULL;
            error_page(r, 416, page, sizeof page);
            return send_reply(c, r);
        case PP_RANGE_IGNORE: break;
        }
    }
    return send_reply(c, r);
}

/* Serves the open regular file fd; small files go through the cache. */
static int serve_opened(struct pp_httpd_conn *c, const struct pp_http_request *req,
                        struct reply *r, int fd, const struct stat *st, const char *path)
{
    struct pp_httpd *h = c->h;

    if (h->cache && st->st_size <= PP_FILE_CACHE_MAX &&
        pread(fd, c->cbuf, (size_t)st->st_size, 0) == (ssize_t)st->st_size) {
        pp_file_cache_put(h->cache, path, pp__httpd_now_ms(), st, c->cbuf);
        return serve_file(c, req, r, fd, st, path, c->cbuf);
    }
    return serve_file(c, req, r, fd, st, path, NULL);
}

/* The regular file at path beneath the root, opened, its stat in *st;
 * -1 when there is none (missing, a directory, a FIFO...). */
static int open_regular(struct pp_httpd *h, const char *path, struct stat *st)
{
    int fd = open_beneath(h, path);
    if (fd >= 0 && (fstat(fd, st) < 0 || !S_ISREG(st->st_mode))) {
        close(fd);
        fd = -1;
    }
    return fd < 0 ? -1 : fd;
}

/* Precompressed files (nginx's gzip_static, for br too): when the client
 * accepts a coding and F.br or F.gz sits beside F, that file is the
 * representation sent - Content-Encoding, Vary: Accept-Encoding, its own
 * ETag (from its own inode, size and time), ranges and conditionals on its
 * bytes (RFC 9110 8.4, 8.8.3) - with F's Content-Type.  br first when the
 * weights tie.  1 when one was served (its result in *rc), else 0. */
static int serve_precompressed(struct pp_httpd_conn *c, const struct pp_http_request *req,
                               struct reply *r, const char *path, int *rc)
{
    static const struct {
        const char *coding, *ext;
    } enc[] = {{"br", ".br"}, {"gzip", ".gz"}};
    int q[2], i;

    q[0] = pp_http_accept_q(req, "br");
    q[1] = pp_http_accept_q(req, "gzip");
    for (i = 0; i < 2; i++) {
        int k = q[1] > q[0] ? 1 - i : i, fd;
        char vpath[PATH_MAX];
        struct stat st;
        if (q[k] <= 0 || (size_t)snprintf(vpath, sizeof vpath, "%s%s", path, enc[k].ext) >= sizeof vpath)
            continue;
        if ((fd = open_regular(c->h, vpath, &st)) < 0)
            continue;
        add_header(r, "Content-Encoding: %s\r\nVary: Accept-Encoding\r\n", enc[k].coding);
        *rc = serve_file(c, req, r, fd, &st, path, NULL);
        close(fd);
        return 1;
    }
    return 0;
}

/* The i-th index file name of a directory (--index; index.html by default). */
static const char *index_name(const struct pp_httpd *h, int i)
{
    return h->cfg.n_index ? h->cfg.index[i] : "index.html";
}

/* The request's framing and version rules; 0 when it may be served, else
 * the status to refuse it with. */
static int check_request(const struct pp_http_request *req, int *keep)
{
    const struct pp_http_header *conn = pp_http_header_find(req, "Connection", NULL);
    const struct pp_http_header *cl;
    int hosts, cls;

    *keep = req->minor >= 1 ? !(conn && has_token(conn->value, "close"))
                            : (conn && has_token(conn->value, "keep-alive"));
    pp_http_header_find(req, "Host", &hosts);
    /* RFC 9112 3.2: exactly one Host in HTTP/1.1, at most one before. */
    if (hosts > 1 || (req->minor >= 1 && hosts == 0))
        return 400;
    /* We serve no request bodies.  Transfer-Encoding in a request we will
     * not read is refused outright (RFC 9112 6.1: with Content-Length it
     * is a smuggling attempt anyway). */
    if (pp_http_header_find(req, "Transfer-Encoding", NULL))
        return 400;
    cl = pp_http_header_find(req, "Content-Length", &cls);
    if (cl) {
        size_t i;
        int zero = 1;
        if (cls > 1 || cl->value.n == 0)
            return 400;
        for (i = 0; i < cl->value.n; i++) {
            if (cl->value.p[i] < '0' || cl->value.p[i] > '9')
                return 400;
            if (cl->value.p[i] != '0')
                zero = 0;
        }
        if (!zero)
            return 413;
    }
    return 0;
}

static int method_status(struct pp_http_str m, int *head_only)
{
    static const char *const known[] = {"POST", "PUT", "DELETE", "CONNECT",
                                        "OPTIONS", "TRACE", "PATCH"};
    size_t i;

    *head_only = 0;
    /* Methods are case-sensitive (RFC 9110 9.1). */
    if (m.n == 3 && memcmp(m.p, "GET", 3) == 0)
        return 0;
    if (m.n == 4 && memcmp(m.p, "HEAD", 4) == 0) {
        *head_only = 1;
        return 0;
    }
    for (i = 0; i < sizeof known / sizeof known[0]; i++)
        if (m.n == strlen(known[i]) && memcmp(m.p, known[i], m.n) == 0)
            return 405;
    return 501;
}

/* The response to a well-formed request. */
static int answer(struct pp_httpd_conn *c, const struct pp_http_request *req, struct reply *r)
{
    struct pp_httpd *h = c->h;
    char path[PATH_MAX], page[512];
    struct stat st;
    int dir_form, fd, status, rc;

    if (h->cfg.handler) {
        /* The application's requests come first; they follow the same
         * framing rules (no request bodies, Host required). */
        if ((status = check_request(req, &r->keep)) != 0) {
            r->keep = 0;
            error_page(r, status, page, sizeof page);
            return send_reply(c, r);
        }
        if (h->stopping)
            r->keep = 0;
        rc = pp__httpd_call_handler(c, req, &r->keep);
        if (rc != 0)
            return rc > 0 ? 0 : -EIO;
        if (h->root_fd < 0) {
            error_page(r, 404, page, sizeof page);
            return send_reply(c, r);
        }
    }
    if ((status = method_status(req->method, &r->head_only)) != 0) {
        if (status == 405)
            add_header(r, "Allow: GET, HEAD\r\n");
        error_page(r, status, page, sizeof page);
        return send_reply(c, r);
    }
    if ((status = check_request(req, &r->keep)) != 0 ||
        (status = -pp_http_target_path(req->target, path, sizeof path - 16, &dir_form)) != 0) {
        r->keep = 0;
        error_page(r, status, page, sizeof page);
        return send_reply(c, r);
    }
    if (h->stopping)
        r->keep = 0;
    if (!dir_form && *path && serve_precompressed(c, req, r, path, &rc))
        return rc;
    if (h->cache) {
        size_t pl = strlen(path);
        if (dir_form) /* the directory's first index file, if that is what was served */
            snprintf(path + pl, sizeof path - pl, "%s%s", pl ? "/" : "", index_name(h, 0));
        if (pp_file_cache_get(h->cache, path, pp__httpd_now_ms(), &st, c->cbuf))
            return serve_file(c, req, r, -1, &st, path, c->cbuf);
        path[pl] = 0;
    }
    fd = open_beneath(h, path);
    if (fd < 0) {
        error_page(r, status_of_errno(fd), page, sizeof page);
        return send_reply(c, r);
    }
    if (fstat(fd, &st) < 0) {
        close(fd);
        error_page(r, 500, page, sizeof page);
        return send_reply(c, r);
    }
    if (S_ISDIR(st.st_mode)) {
        size_t pl = strlen(path), need;
        char *listing;
        int ifd, i;
        if (!dir_form) {
            /* RFC 9110 15.4.2; the Location is rebuilt from the normalized
             * path, so nothing of the request's bytes reaches a header. */
            char loc[PATH_MAX * 3 + 4];
            loc[0] = '/';
            need = pp_http_url_encode(path, 1, loc + 1, sizeof loc - 2);
            close(fd);
            if (need + 3 > sizeof loc) {
                error_page(r, 414, page, sizeof page);
                return send_reply(c, r);
            }
            strcat(loc, "/");
            add_header(r, "Location: %s\r\n", loc);
            error_page(r, 301, page, sizeof page);
            return send_reply(c, r);
        }
        for (i = 0; i < (h->cfg.n_index ? h->cfg.n_index : 1); i++) {
            if ((size_t)snprintf(path + pl, sizeof path - pl, "%s%s", pl ? "/" : "",
                                 index_name(h, i)) >= sizeof path - pl)
                continue;
            if ((ifd = open_regular(h, path, &st)) >= 0) {
                close(fd);
                rc = serve_opened(c, req, r, ifd, &st, path);
                close(ifd);
                return rc;
            }
        }
        path[pl] = 0;
        if (!h->cfg.listing) {
            close(fd);
            error_page(r, 403, page, sizeof page);
            return send_reply(c, r);
        }
        {
            char url[PATH_MAX + 2];
            snprintf(url, sizeof url, "/%s%s", path, pl ? "/" : "");
            listing = pp__httpd_listing(fd, url, &need);
        }
        close(fd);
        if (!listing) {
            error_page(r, 500, page, sizeof page);
            return send_reply(c, r);
        }
        r->status = 200;
        r->type = "text/html; charset=utf-8";
        r->body = listing;
        r->first = 0;
        r->length = need;
        rc = send_reply(c, r);
        free(listing);
        return rc;
    }
    if (!S_ISREG(st.st_mode)) { /* FIFOs, devices, sockets: never */
        close(fd);
        error_page(r, 403, page, sizeof page);
        return send_reply(c, r);
    }
    if (dir_form) { /* "/file.txt/" names no directory */
        close(fd);
        error_page(r, 404, page, sizeof page);
        return send_reply(c, r);
    }
    rc = serve_opened(c, req, r, fd, &st, path);
    close(fd);
    return rc;
}

int pp__httpd_respond(struct pp_httpd_conn *c, const struct pp_http_request *req, int head_len)
{
    struct reply r;
    int rc;

    if (head_len < 0) {
        /* The parser's status; the request line may be unusable, so the
         * log gets "-" unless a method and target were parsed. */
        pp__httpd_error(c, req->method.n ? req : NULL, -head_len);
        return 0;
    }
    memset(&r, 0, sizeof r);
    r.file = -1;
    r.extra = c->extra;
    r.extra_cap = PP_HTTPD_EXTRA;
    r.http10 = req->minor == 0;
    r.keep_s = c->h->cfg.timeout_s;
    rc = answer(c, req, &r);
    pp__httpd_log(c, req);
    pthread_mutex_lock(&c->h->lock);
    c->h->stats.requests++;
    c->h->stats.status[c->status / 100 % 6]++;
    c->h->stats.bytes += c->body_sent;
    pthread_mutex_unlock(&c->h->lock);
    return rc == 0 && r.keep;
}
