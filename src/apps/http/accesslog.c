/* accesslog.c - the access log in Combined Log Format (Apache's
 * "%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-agent}i\""), one
 * write(2) per line so lines from different threads never interleave.
 * Request bytes are escaped (", \, controls and non-ASCII as \xHH, like
 * nginx) so a hostile User-Agent cannot forge a line or a field. */
#include "httpd_internal.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define FIELD_MAX 2048 /* longer fields are cut, marked with "..." */

/* Appends s[0..n) escaped to out at *pos (out holds cap bytes). */
static void put_escaped(char *out, size_t cap, size_t *pos, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t i;

    if (n > FIELD_MAX)
        n = FIELD_MAX;
    for (i = 0; i < n && *pos + 5 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
            out[(*pos)++] = '\\';
            out[(*pos)++] = 'x';
            out[(*pos)++] = hex[c >> 4];
            out[(*pos)++] = hex[c & 15];
        } else {
            out[(*pos)++] = (char)c;
        }
    }
    if (i < n && *pos + 4 < cap) {
        memcpy(out + *pos, "...", 3);
        *pos += 3;
    }
}

static void put_header(char *out, size_t cap, size_t *pos, const struct pp_http_request *req,
                       const char *name)
{
    const struct pp_http_header *h = req ? pp_http_header_find(req, name, NULL) : NULL;

    if (*pos + 2 >= cap)
        return;
    out[(*pos)++] = '"';
    if (h)
        put_escaped(out, cap, pos, h->value.p, h->value.n);
    else
        out[(*pos)++] = '-';
    if (*pos + 1 < cap)
        out[(*pos)++] = '"';
}

void pp__httpd_log(struct pp_httpd_conn *c, const struct pp_http_request *req)
{
    char line[4 * FIELD_MAX * 3 + 256], when[64];
    size_t pos;
    time_t now = time(NULL);
    struct tm tm;
    ssize_t w;

    if (c->h->cfg.log_fd < 0)
        return;
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%d/%b/%Y:%H:%M:%S +0000", &tm);
    pos = (size_t)snprintf(line, sizeof line, "%s - - [%s] \"", c->peer, when);
    if (req && req->method.n) {
        /* %r is the request line as received: method, target, version. */
        put_escaped(line, sizeof line, &pos, req->method.p, req->method.n);
        line[pos++] = ' ';
        put_escaped(line, sizeof line, &pos, req->target.p, req->target.n);
        pos += (size_t)snprintf(line + pos, sizeof line - pos, " HTTP/1.%d", req->minor);
    } else {
        line[pos++] = '-';
    }
    pos += (size_t)snprintf(line + pos, sizeof line - pos, "\" %d ", c->status);
    if (c->body_sent)
        pos += (size_t)snprintf(line + pos, sizeof line - pos, "%llu ", c->body_sent);
    else
        line[pos++] = '-', line[pos++] = ' ';
    put_header(line, sizeof line, &pos, req, "Referer");
    line[pos++] = ' ';
    put_header(line, sizeof line, &pos, req, "User-Agent");
    line[pos++] = '\n';
    w = write(c->h->cfg.log_fd, line, pos);
    (void)w; /* a full disk must not stop the server */
}
