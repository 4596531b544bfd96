/* range.h - the Range request header (RFC 9110 14.1-14.2), single ranges. */
#ifndef PP_HTTP_RANGE_H
#define PP_HTTP_RANGE_H

#include <stdint.h>

#include "request.h"

enum pp_http_range_result {
    PP_RANGE_IGNORE,        /* no usable Range: send the whole representation (200) */
    PP_RANGE_OK,            /* send bytes [*first, *last] (206) */
    PP_RANGE_UNSATISFIABLE, /* 416 with Content-Range: bytes * / size */
};

/* Interprets a Range value against a representation of size bytes.
 * Syntax errors, other units and multiple ranges give PP_RANGE_IGNORE (RFC
 * 9110 14.2: a server MAY ignore Range; we serve multipart never).  Numbers
 * too large for 64 bits saturate, so "bytes=0-99999999999999999999" is the
 * whole file and a first position past the end is unsatisfiable.  Every range
 * of an empty representation is unsatisfiable (RFC 9110 14.1.1). */
enum pp_http_range_result pp_http_range_parse(struct pp_http_str value, uint64_t size,
                                              uint64_t *first, uint64_t *last);

#endif
