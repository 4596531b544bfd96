/* validators.h - entity tags, HTTP dates and the precondition rules that use
 * them (RFC 9110 8.8, 5.6.7, 13). */
#ifndef PP_HTTP_VALIDATORS_H
#define PP_HTTP_VALIDATORS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include "request.h"

#define PP_HTTP_ETAG_MAX 64
#define PP_HTTP_DATE_LEN 29 /* "Sun, 06 Nov 1994 08:49:37 GMT" */
#define PP_HTTP_DATE_BUF 64 /* room for it, and for years beyond 9999 */

/* A strong ETag (quotes included) from the file's inode, size and
 * modification time in nanoseconds: it changes when the bytes may have. */
void pp_http_etag(const struct stat *st, char out[PP_HTTP_ETAG_MAX]);
/* IMF-fixdate of t into out (PP_HTTP_DATE_BUF bytes). */
void pp_http_date(time_t t, char *out);
/* Parses an HTTP-date in any of the three formats a recipient must accept
 * (RFC 9110 5.6.7); 0 and *t, or -1 if it is not one. */
int pp_http_date_parse(struct pp_http_str s, time_t *t);

/* True if the If-None-Match / If-Match style list (a comma-separated list of
 * entity-tags, or "*") matches etag; weak compares ignoring W/, strong needs
 * both tags strong (RFC 9110 8.8.3.2). */
int pp_http_etag_list_match(struct pp_http_str list, const char *etag, int weak);

enum pp_http_precondition {
    PP_PRECOND_PROCEED,     /* send the representation (or the Range) */
    PP_PRECOND_NOT_MODIFIED, /* 304 */
    PP_PRECOND_FAILED,       /* 412 */
};

/* Evaluates If-Match, If-Unmodified-Since, If-None-Match and
 * If-Modified-Since of a GET or HEAD in the order of RFC 9110 13.2.2 against
 * the file's etag and modification time.  *use_range is cleared when an
 * If-Range does not match (13.1.5), so the whole file is sent. */
enum pp_http_precondition pp_http_preconditions(const struct pp_http_request *req,
                                                const char *etag, time_t mtime, int *use_range);

#endif
