/* request.c - the HTTP/1.1 request-head parser.  Strict where RFC 9112
 * lets a server be (no obs-fold, no whitespace before a colon, no bare CR:
 * each is a request-smuggling vector), and bounded everywhere. */
#include "request.h"

#include <string.h>

/* tchar (RFC 9110 5.6.2): what a method or header name may contain. */
static int is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return 1;
    return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Visible characters allowed in a request target (no spaces, no controls). */
static int is_target_char(unsigned char c)
{
    return c > 0x20 && c < 0x7f;
}

/* field-vchar, SP and HTAB (RFC 9110 5.5); obs-text is allowed too. */
static int is_value_char(unsigned char c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

int pp_http_str_eq_nocase(struct pp_http_str s, const char *lit)
{
    size_t i, n = strlen(lit);

    if (s.n != n)
        return 0;
    for (i = 0; i < n; i++) {
        unsigned char a = (unsigned char)s.p[i], b = (unsigned char)lit[i];
        if (a >= 'A' && a <= 'Z')
            a = (unsigned char)(a + 32);
        if (b >= 'A' && b <= 'Z')
            b = (unsigned char)(b + 32);
        if (a != b)
            return 0;
    }
    return 1;
}

const struct pp_http_header *pp_http_header_find(const struct pp_http_request *req,
                                                 const char *name, int *count)
{
    const struct pp_http_header *first = NULL;
    size_t i;
    int n = 0;

    for (i = 0; i < req->nheaders; i++)
        if (pp_http_str_eq_nocase(req->headers[i].name, name)) {
            if (!first)
                first = &req->headers[i];
            n++;
        }
    if (count)
        *count = n;
    return first;
}

/* The end of the line starting at *pos: the index of its CR (followed by
 * LF), -2 if the buffer ends first, -1 on a bare CR or LF. */
static long line_end(const char *b, size_t len, size_t pos)
{
    size_t i;

    for (i = pos; i < len; i++) {
        if (b[i] == '\r') {
            if (i + 1 == len)
                return -2;
            return b[i + 1] == '\n' ? (long)i : -1;
        }
        if (b[i] == '\n')
            return -1; /* we require CRLF */
    }
    return -2;
}

int pp_http_parse_request(const char *buf, size_t len, struct pp_http_request *req)
{
    size_t pos = 0, i, sp1, sp2;
    long e;

    memset(req, 0, sizeof *req);
    /* RFC 9112 2.2: ignore at least one empty line before the request line. */
    if (len >= 2 && buf[0] == '\r' && buf[1] == '\n')
        pos = 2;
    e = line_end(buf, len, pos);
    if (e == -2)
        return len - pos > PP_HTTP_MAX_LINE ? -414 : PP_HTTP_INCOMPLETE;
    if (e < 0)
        return -400;
    if ((size_t)e - pos > PP_HTTP_MAX_LINE)
        return -414;
    /* request-line = method SP request-target SP HTTP-version */
    for (i = pos; i < (size_t)e && is_tchar((unsigned char)buf[i]); i++)
        ;
    if (i == pos || i >= (size_t)e || buf[i] != ' ')
        return -400;
    sp1 = i;
    for (i = sp1 + 1; i < (size_t)e && is_target_char((unsigned char)buf[i]); i++)
        ;
    if (i == sp1 + 1 || i >= (size_t)e || buf[i] != ' ')
        return -400;
    sp2 = i;
    if ((size_t)e - (sp2 + 1) != 8 || memcmp(buf + sp2 + 1, "HTTP/", 5) != 0 ||
        buf[sp2 + 7] != '.' || buf[sp2 + 6] < '0' || buf[sp2 + 6] > '9' || buf[sp2 + 8] < '0' ||
        buf[sp2 + 8] > '9')
        return -400;
    if (buf[sp2 + 6] != '1')
        return -505;
    req->method.p = buf + pos;
    req->method.n = sp1 - pos;
    req->target.p = buf + sp1 + 1;
    req->target.n = sp2 - sp1 - 1;
    req->minor = buf[sp2 + 8] - '0';
    pos = (size_t)e + 2;
    /* field-line = field-name ":" OWS field-value OWS, until an empty line. */
    for (;;) {
        size_t name_end, v0, v1;
        e = line_end(buf, len, pos);
        if (e == -2)
            return len > PP_HTTP_MAX_HEAD ? -431 : PP_HTTP_INCOMPLETE;
        if (e < 0)
            return -400;
        if ((size_t)e > PP_HTTP_MAX_HEAD)
            return -431;
        if ((size_t)e == pos)
            return (int)(pos + 2); /* the blank line: done */
        if (buf[pos] == ' ' || buf[pos] == '\t')
            return -400; /* obs-fold (RFC 9112 5.2) */
        for (i = pos; i < (size_t)e && is_tchar((unsigned char)buf[i]); i++)
            ;
        if (i == pos || i >= (size_t)e || buf[i] != ':')
            return -400; /* no name, or whitespace before the colon (RFC 9112 5.1) */
        name_end = i;
        for (v0 = name_end + 1; v0 < (size_t)e && (buf[v0] == ' ' || buf[v0] == '\t'); v0++)
            ;
        for (v1 = (size_t)e; v1 > v0 && (buf[v1 - 1] == ' ' || buf[v1 - 1] == '\t'); v1--)
            ;
        for (i = v0; i < v1; i++)
            if (!is_value_char((unsigned char)buf[i]))
                return -400; /* NUL, bare CR or another control */
        if (req->nheaders == PP_HTTP_MAX_HEADERS)
            return -431;
        req->headers[req->nheaders].name.p = buf + pos;
        req->headers[req->nheaders].name.n = name_end - pos;
        req->headers[req->nheaders].value.p = buf + v0;
        req->headers[req->nheaders].value.n = v1 - v0;
        req->nheaders++;
        pos = (size_t)e + 2;
    }
}
