/* range.h - the Range request header (RFC 9110 14.1-14.2): one range or
 * several, with the limits that keep a request from making the server send
 * more than the file (CVE-2011-3192, the Apache "killer" of many
 * overlapping ranges). */
#ifndef PP_HTTP_RANGE_H
#define PP_HTTP_RANGE_H

#include <stdint.h>

#include "request.h"

#define PP_HTTP_MAX_RANGES 32   /* more range-specs than this: the Range is ignored */
#define PP_HTTP_RANGE_GAP 80    /* ranges closer than this are sent as one part */

enum pp_http_range_result {
    PP_RANGE_IGNORE,        /* no usable Range: send the whole representation (200) */
    PP_RANGE_OK,            /* send the spans (206; multipart when more than one) */
    PP_RANGE_UNSATISFIABLE, /* 416 with Content-Range: bytes * / size */
};

struct pp_http_span {
    uint64_t first, last; /* inclusive byte positions */
};

/* Interprets a Range value against a representation of size bytes; on
 * PP_RANGE_OK fills out[0..*n) (n <= PP_HTTP_MAX_RANGES) in ascending
 * order, overlapping and nearby ranges merged (RFC 9110 14.6 allows it).
 * Ignored (200): syntax errors and other units, more than
 * PP_HTTP_MAX_RANGES range-specs, or ranges that together ask for more
 * bytes than the representation has.  Range-specs past the end are
 * dropped; if none is left the result is unsatisfiable, as is every range
 * of an empty representation (RFC 9110 14.1.1).  Numbers too large for 64
 * bits saturate. */
enum pp_http_range_result pp_http_ranges_parse(struct pp_http_str value, uint64_t size,
                                               struct pp_http_span *out, int *n);

#endif
