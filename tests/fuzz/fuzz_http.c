/* fuzz_http.c - libFuzzer target: the HTTP request-head parser; whatever it
 * accepts must point inside the input. */
#include <stddef.h>
#include <stdint.h>

#include "http/request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pp_http_request r;
    const char *b = (const char *)data;
    int rc = pp_http_parse_request(b, size, &r);
    size_t i;

    if (rc <= 0)
        return 0;
    if ((size_t)rc > size || r.method.p < b || r.target.p + r.target.n > b + size)
        __builtin_trap();
    for (i = 0; i < r.nheaders; i++)
        if (r.headers[i].name.p < b || r.headers[i].value.p + r.headers[i].value.n > b + rc)
            __builtin_trap();
    return 0;
}
