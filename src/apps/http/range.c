/* range.c - parsing "bytes=first-last", "bytes=first-" and "bytes=-suffix". */
#include "range.h"

/* Reads digits at *p (saturating at UINT64_MAX); -1 when there are none. */
static int digits(const char **p, const char *end, uint64_t *v)
{
    const char *s = *p;

    *v = 0;
    while (*p < end && **p >= '0' && **p <= '9') {
        unsigned d = (unsigned)(**p - '0');
        *v = *v > (UINT64_MAX - d) / 10 ? UINT64_MAX : *v * 10 + d;
        (*p)++;
    }
    return *p == s ? -1 : 0;
}

static void skip_ows(const char **p, const char *end)
{
    while (*p < end && (**p == ' ' || **p == '\t'))
        (*p)++;
}

enum pp_http_range_result pp_http_range_parse(struct pp_http_str value, uint64_t size,
                                              uint64_t *first, uint64_t *last)
{
    const char *p = value.p, *end = value.p + value.n;
    struct pp_http_str unit = {value.p, 0};
    uint64_t a, b;

    while (unit.n < value.n && value.p[unit.n] != '=')
        unit.n++;
    if (unit.n == value.n || !pp_http_str_eq_nocase(unit, "bytes"))
        return PP_RANGE_IGNORE;
    p += unit.n + 1;
    skip_ows(&p, end);
    if (p < end && *p == '-') { /* suffix-range */
        p++;
        if (digits(&p, end, &b) < 0)
            return PP_RANGE_IGNORE;
        skip_ows(&p, end);
        if (p != end)
            return PP_RANGE_IGNORE; /* trailing junk or a second range */
        if (b == 0 || size == 0)
            return PP_RANGE_UNSATISFIABLE;
        *first = b >= size ? 0 : size - b;
        *last = size - 1;
        return PP_RANGE_OK;
    }
    if (digits(&p, end, &a) < 0 || p == end || *p != '-')
        return PP_RANGE_IGNORE;
    p++;
    if (digits(&p, end, &b) < 0)
        b = UINT64_MAX; /* "first-": to the end */
    else if (b < a)
        return PP_RANGE_IGNORE; /* invalid range-spec (RFC 9110 14.1.1) */
    skip_ows(&p, end);
    if (p != end)
        return PP_RANGE_IGNORE;
    if (a >= size)
        return PP_RANGE_UNSATISFIABLE;
    *first = a;
    *last = b >= size ? size - 1 : b;
    return PP_RANGE_OK;
}
