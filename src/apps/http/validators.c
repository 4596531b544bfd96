/* validators.c - ETags, HTTP dates and conditional requests (RFC 9110 13). */
#include "validators.h"

#include <stdio.h>
#include <string.h>

void pp_http_etag(const struct stat *st, char out[PP_HTTP_ETAG_MAX])
{
    snprintf(out, PP_HTTP_ETAG_MAX, "\"%llx-%llx-%llx\"", (unsigned long long)st->st_ino,
             (unsigned long long)st->st_size,
             (unsigned long long)st->st_mtim.tv_sec * 1000000000ull +
                 (unsigned long long)st->st_mtim.tv_nsec);
}

static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

void pp_http_date(time_t t, char *out)
{
    struct tm tm;

    gmtime_r(&t, &tm);
    /* Built by hand: strftime's %a and %b follow the locale, HTTP's do not. */
    snprintf(out, PP_HTTP_DATE_BUF, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday],
             tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static int month_of(const char *s)
{
    int i;

    for (i = 0; i < 12; i++)
        if (memcmp(s, months[i], 3) == 0)
            return i;
    return -1;
}

int pp_http_date_parse(struct pp_http_str s, time_t *t)
{
    char buf[64], mon[4] = {0}, wk[16] = {0};
    struct tm tm;
    int n = 0, d, y, hh, mm, ss;

    if (s.n == 0 || s.n >= sizeof buf)
        return -1;
    memcpy(buf, s.p, s.n);
    buf[s.n] = 0;
    memset(&tm, 0, sizeof tm);
    /* IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT */
    if (sscanf(buf, "%3s, %2d %3s %4d %2d:%2d:%2d GMT%n", wk, &d, mon, &y, &hh, &mm, &ss, &n) ==
            7 &&
        (size_t)n == s.n) {
    } else if (n = 0, sscanf(buf, "%15[A-Za-z], %2d-%3s-%2d %2d:%2d:%2d GMT%n", wk, &d, mon, &y,
                             &hh, &mm, &ss, &n) == 7 &&
                          (size_t)n == s.n) {
        /* rfc850-date: two-digit year; RFC 9110 5.6.7 says a year more
         * than 50 years in the future is in the past century. */
        y += y < 70 ? 2000 : 1900;
    } else if (n = 0, sscanf(buf, "%3s %3s %2d %2d:%2d:%2d %4d%n", wk, mon, &d, &hh, &mm, &ss, &y,
                             &n) == 7 &&
                          (size_t)n == s.n) {
        /* asctime-date: Sun Nov  6 08:49:37 1994 */
    } else {
        return -1;
    }
    tm.tm_mon = month_of(mon);
    if (tm.tm_mon < 0 || d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 60 || y < 1900 || hh < 0 ||
        mm < 0 || ss < 0)
        return -1;
    tm.tm_mday = d;
    tm.tm_year = y - 1900;
    tm.tm_hour = hh;
    tm.tm_min = mm;
    tm.tm_sec = ss;
    *t = timegm(&tm);
    return 0;
}

int pp_http_etag_list_match(struct pp_http_str list, const char *etag, int weak)
{
    const char *p = list.p, *end = list.p + list.n;
    size_t elen = strlen(etag);

    while (p < end) {
        const char *q;
        int is_weak = 0;
        while (p < end && (*p == ' ' || *p == '\t' || *p == ','))
            p++;
        if (p == end)
            break;
        if (*p == '*')
            return 1;
        if (end - p >= 2 && p[0] == 'W' && p[1] == '/') {
            is_weak = 1;
            p += 2;
        }
        if (p == end || *p != '"')
            return 0; /* malformed list: no match */
        for (q = p + 1; q < end && *q != '"'; q++)
            ;
        if (q == end)
            return 0;
        q++; /* past the closing quote */
        if ((size_t)(q - p) == elen && memcmp(p, etag, elen) == 0 && (weak || !is_weak))
            return 1;
        p = q;
    }
    return 0;
}

enum pp_http_precondition pp_http_preconditions(const struct pp_http_request *req,
                                                const char *etag, time_t mtime, int *use_range)
{
    const struct pp_http_header *h;
    time_t t;

    /* 13.2.2 step 1 and 2: If-Match, else If-Unmodified-Since. */
    if ((h = pp_http_header_find(req, "If-Match", NULL)) != NULL) {
        if (!pp_http_etag_list_match(h->value, etag, 0))
            return PP_PRECOND_FAILED;
    } else if ((h = pp_http_header_find(req, "If-Unmodified-Since", NULL)) != NULL &&
               pp_http_date_parse(h->value, &t) == 0 && mtime > t) {
        return PP_PRECOND_FAILED;
    }
    /* Step 3 and 4: If-None-Match (weak comparison), else If-Modified-Since. */
    if ((h = pp_http_header_find(req, "If-None-Match", NULL)) != NULL) {
        if (pp_http_etag_list_match(h->value, etag, 1))
            return PP_PRECOND_NOT_MODIFIED;
    } else if ((h = pp_http_header_find(req, "If-Modified-Since", NULL)) != NULL &&
               pp_http_date_parse(h->value, &t) == 0 && mtime <= t) {
        return PP_PRECOND_NOT_MODIFIED;
    }
    /* Step 5: If-Range, an entity-tag (strong match) or an exact date. */
    if (*use_range && (h = pp_http_header_find(req, "If-Range", NULL)) != NULL) {
        /* An entity-tag starts with '"' or "W/"; a date may start with 'W'
         * too ("Wed, ..."), which once made every Wednesday's date a
         * non-matching tag. */
        if (h->value.n && (h->value.p[0] == '"' ||
                           (h->value.n >= 2 && h->value.p[0] == 'W' && h->value.p[1] == '/')))
            *use_range = h->value.n == strlen(etag) && memcmp(h->value.p, etag, h->value.n) == 0;
        else
            *use_range = pp_http_date_parse(h->value, &t) == 0 && t == mtime;
    }
    return PP_PRECOND_PROCEED;
}
