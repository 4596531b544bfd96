/* fuzz_http.c - libFuzzer target: the HTTP request-head parser, and then
 * everything the web server derives from a parsed head: the path under the
 * root (never "..", never absolute, no NUL or backslash), Range (spans
 * inside the file, ascending, disjoint, never more bytes than the file),
 * Accept-Encoding weights (0..1000), preconditions, dates and entity-tag
 * lists. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "http/encoding.h"
#include "http/path.h"
#include "http/range.h"
#include "http/request.h"
#include "http/validators.h"

static void check_path(const struct pp_http_request *r)
{
    char out[4096];
    int dir;
    const char *p;

    if (pp_http_target_path(r->target, out, sizeof out, &dir) != 0)
        return;
    if (out[0] == '/' || strchr(out, '\\'))
        __builtin_trap();
    for (p = out; (p = strstr(p, "..")) != NULL; p += 2)
        if ((p == out || p[-1] == '/') && (p[2] == 0 || p[2] == '/'))
            __builtin_trap(); /* a ".." segment survived */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pp_http_request r;
    const char *b = (const char *)data;
    int rc = pp_http_parse_request(b, size, &r), use_range = 1;
    size_t i;

    if (rc <= 0)
        return 0;
    if ((size_t)rc > size || r.method.p < b || r.target.p + r.target.n > b + size)
        __builtin_trap();
    for (i = 0; i < r.nheaders; i++) {
        struct pp_http_span sp[PP_HTTP_MAX_RANGES];
        uint64_t total = 0;
        int n, k, q;
        time_t t;
        if (r.headers[i].name.p < b || r.headers[i].value.p + r.headers[i].value.n > b + rc)
            __builtin_trap();
        if (pp_http_ranges_parse(r.headers[i].value, 1000, sp, &n) == PP_RANGE_OK) {
            if (n < 1 || n > PP_HTTP_MAX_RANGES)
                __builtin_trap();
            for (k = 0; k < n; k++) {
                if (sp[k].first > sp[k].last || sp[k].last >= 1000)
                    __builtin_trap();
                if (k && sp[k].first <= sp[k - 1].last + PP_HTTP_RANGE_GAP)
                    __builtin_trap(); /* not ascending, overlapping or not merged */
                total += sp[k].last - sp[k].first + 1;
            }
            if (total > 1000)
                __builtin_trap(); /* amplification */
        }
        if (pp_http_ranges_parse(r.headers[i].value, 0, sp, &n) == PP_RANGE_OK)
            __builtin_trap(); /* nothing is satisfiable in an empty file */
        q = pp_http_accept_q(&r, "gzip");
        if (q < 0 || q > 1000)
            __builtin_trap();
        pp_http_date_parse(r.headers[i].value, &t);
        pp_http_etag_list_match(r.headers[i].value, "\"1-2-3\"", 1);
    }
    check_path(&r);
    pp_http_preconditions(&r, "\"1-2-3\"", 1000, &use_range);
    return 0;
}
