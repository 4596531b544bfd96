/* range.c - parsing "bytes=" range sets: first-last, first- and -suffix
 * range-specs separated by commas (RFC 9110 14.1.1), then the limits and
 * the merging of range.h. */
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

/* One range-spec at *p; 1 satisfiable (span filled), 0 not satisfiable,
 * -1 a syntax error. */
static int range_spec(const char **p, const char *end, uint64_t size, struct pp_http_span *s)
{
    uint64_t a, b;

    if (*p < end && **p == '-') { /* suffix-range */
        (*p)++;
        if (digits(p, end, &b) < 0)
            return -1;
        if (b == 0 || size == 0)
            return 0;
        s->first = b >= size ? 0 : size - b;
        s->last = size - 1;
        return 1;
    }
    if (digits(p, end, &a) < 0 || *p == end || **p != '-')
        return -1;
    (*p)++;
    if (digits(p, end, &b) < 0)
        b = UINT64_MAX; /* "first-": to the end */
    else if (b < a)
        return -1; /* invalid range-spec (RFC 9110 14.1.1) */
    if (a >= size)
        return 0;
    s->first = a;
    s->last = b >= size ? size - 1 : b;
    return 1;
}

enum pp_http_range_result pp_http_ranges_parse(struct pp_http_str value, uint64_t size,
                                               struct pp_http_span *out, int *n)
{
    const char *p = value.p, *end = value.p + value.n;
    struct pp_http_str unit = {value.p, 0};
    uint64_t asked = 0;
    int specs = 0, i, j, k;

    *n = 0;
    while (unit.n < value.n && value.p[unit.n] != '=')
        unit.n++;
    if (unit.n == value.n || !pp_http_str_eq_nocase(unit, "bytes"))
        return PP_RANGE_IGNORE;
    p += unit.n + 1;
    for (;;) { /* 1#range-spec: empty list elements are allowed (RFC 9110 5.6.1) */
        struct pp_http_span s;
        int r;
        skip_ows(&p, end);
        if (p < end && *p == ',') {
            p++;
            continue;
        }
        if (p == end)
            break;
        if (++specs > PP_HTTP_MAX_RANGES)
            return PP_RANGE_IGNORE;
        r = range_spec(&p, end, size, &s);
        if (r < 0)
            return PP_RANGE_IGNORE;
        skip_ows(&p, end);
        if (p < end && *p != ',')
            return PP_RANGE_IGNORE; /* trailing junk */
        if (r == 0)
            continue;
        asked += s.last - s.first + 1;
        if (asked > size)
            return PP_RANGE_IGNORE; /* overlap asks for more than the file: send it once */
        out[(*n)++] = s;
    }
    if (specs == 0)
        return PP_RANGE_IGNORE;
    if (*n == 0)
        return PP_RANGE_UNSATISFIABLE;
    /* Ascending order (insertion sort: n is small), then merge what
     * overlaps or lies within PP_HTTP_RANGE_GAP bytes. */
    for (i = 1; i < *n; i++) {
        struct pp_http_span s = out[i];
        for (j = i; j > 0 && out[j - 1].first > s.first; j--)
            out[j] = out[j - 1];
        out[j] = s;
    }
    for (i = 1, k = 0; i < *n; i++) {
        if (out[i].first <= out[k].last || out[i].first - out[k].last <= PP_HTTP_RANGE_GAP) {
            if (out[i].last > out[k].last)
                out[k].last = out[i].last;
        } else {
            out[++k] = out[i];
        }
    }
    *n = k + 1;
    return PP_RANGE_OK;
}
