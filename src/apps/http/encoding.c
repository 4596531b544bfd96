/* encoding.c - the Accept-Encoding list: codings with optional weights,
 * "codings [ weight ]" where weight = OWS ";" OWS "q=" qvalue (RFC 9110
 * 12.4.2 and 12.5.3); several fields are one list. */
#include "encoding.h"

#include <string.h>

/* RFC 9110 12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ),
 * as 0..1000; -1 when malformed (the element is then ignored). */
static int qvalue(const char *p, const char *end)
{
    int v, scale = 100;

    if (p >= end || (*p != '0' && *p != '1'))
        return -1;
    v = (*p++ - '0') * 1000;
    if (p < end && *p == '.') {
        for (p++; p < end && *p >= '0' && *p <= '9' && scale > 0; p++, scale /= 10)
            v += (*p - '0') * scale;
    }
    if (p != end || v > 1000)
        return -1;
    return v;
}

static int is_ows(char ch)
{
    return ch == ' ' || ch == '\t';
}

/* The weight of one list element [s, e) if it names coding (or "*" when
 * star is set); -1 when it does not. */
static int element_weight(const char *s, const char *e, const char *coding, int star)
{
    const char *name_end = s, *p;
    struct pp_http_str name;
    int q = 1000;

    while (name_end < e && *name_end != ';' && !is_ows(*name_end))
        name_end++;
    name.p = s;
    name.n = (size_t)(name_end - s);
    if (star ? !(name.n == 1 && *s == '*')
             : !(pp_http_str_eq_nocase(name, coding) ||
                 (!strcmp(coding, "gzip") && pp_http_str_eq_nocase(name, "x-gzip"))))
        return -1;
    for (p = name_end; p < e && is_ows(*p); p++)
        ;
    if (p < e && *p == ';') {
        for (p++; p < e && is_ows(*p); p++)
            ;
        if (e - p < 2 || (p[0] != 'q' && p[0] != 'Q') || p[1] != '=')
            return -1;
        q = qvalue(p + 2, e);
    }
    return q;
}

int pp_http_accept_q(const struct pp_http_request *req, const char *coding)
{
    int named = -1, star = -1;
    size_t h;

    for (h = 0; h < req->nheaders; h++) {
        const struct pp_http_header *f = &req->headers[h];
        const char *p = f->value.p, *end = f->value.p + f->value.n;
        if (!pp_http_str_eq_nocase(f->name, "Accept-Encoding"))
            continue;
        while (p < end) {
            const char *s, *e;
            int w;
            while (p < end && (is_ows(*p) || *p == ','))
                p++;
            s = p;
            while (p < end && *p != ',')
                p++;
            e = p;
            while (e > s && is_ows(e[-1]))
                e--;
            if (s == e)
                continue;
            if ((w = element_weight(s, e, coding, 0)) >= 0 && w > named)
                named = w;
            if ((w = element_weight(s, e, coding, 1)) >= 0 && w > star)
                star = w;
        }
    }
    if (named >= 0)
        return named;
    return star > 0 ? star : 0;
}
