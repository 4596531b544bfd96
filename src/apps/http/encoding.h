/* encoding.h - Accept-Encoding (RFC 9110 12.5.3): how much a client wants
 * a content coding, for serving precompressed files (F.br, F.gz). */
#ifndef PP_HTTP_ENCODING_H
#define PP_HTTP_ENCODING_H

#include "request.h"

/* The weight, 0..1000 (q-value times 1000), the request's Accept-Encoding
 * fields give coding (a lowercase name: "gzip", "br"); "x-gzip" counts as
 * gzip, "*" stands for every coding not named.  0 when the request has no
 * Accept-Encoding at all: a precompressed file goes only to a client that
 * asked for its coding (as nginx's gzip_static), never by default. */
int pp_http_accept_q(const struct pp_http_request *req, const char *coding);

#endif
