/* request.h - a strict HTTP/1.1 request-head parser (RFC 9110, RFC 9112)
 * that allocates nothing: every string points into the caller's buffer.
 * Feed it the bytes received so far; it says "need more", "done after N
 * bytes", or which error status the request deserves. */
#ifndef PP_HTTP_REQUEST_H
#define PP_HTTP_REQUEST_H

#include <stddef.h>

#define PP_HTTP_MAX_HEADERS 64
#define PP_HTTP_MAX_LINE 8192        /* request line: beyond it, 414 */
#define PP_HTTP_MAX_HEAD (64 * 1024) /* whole header block: beyond it, 431 */

struct pp_http_str {
    const char *p;
    size_t n;
};

struct pp_http_header {
    struct pp_http_str name, value; /* value without surrounding whitespace */
};

struct pp_http_request {
    struct pp_http_str method, target;
    int minor;                     /* HTTP/1.x */
    size_t nheaders;
    struct pp_http_header headers[PP_HTTP_MAX_HEADERS];
};

/* Results besides a positive head length. */
#define PP_HTTP_INCOMPLETE (-2)

/* Parses the request head in buf[0..len).  Returns the head's length
 * (through the blank line) when complete, PP_HTTP_INCOMPLETE when more bytes
 * are needed, or the negated HTTP status for a bad request: -400 (syntax,
 * bare CR, obs-fold, a space before a colon), -414 (request
 * line too long), -431 (header block too long or more than 64 fields), -505
 * (not HTTP/1.x).  Never
 * reads outside buf[0..len). */
int pp_http_parse_request(const char *buf, size_t len, struct pp_http_request *req);

/* Case-insensitive header lookup: the first header named name, or NULL;
 * *count gets how many there are (for "Host required, exactly once"). */
const struct pp_http_header *pp_http_header_find(const struct pp_http_request *req,
                                                 const char *name, int *count);

/* True if s equals the literal lit, ignoring ASCII case. */
int pp_http_str_eq_nocase(struct pp_http_str s, const char *lit);

#endif
