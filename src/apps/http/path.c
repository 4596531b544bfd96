/* path.c - request-target decoding and normalization (RFC 3986 2.1, 5.2.4;
 * RFC 9112 3.2), and the percent-encoding used to point back at a path. */
#include "path.h"

#include <string.h>

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Appends the segment seg[0..n) to out, applying "." and "..". */
static int push_segment(const char *seg, size_t n, char *out, size_t *len, size_t cap)
{
    if (n == 0 || (n == 1 && seg[0] == '.'))
        return 0;
    if (n == 2 && seg[0] == '.' && seg[1] == '.') {
        if (*len == 0)
            return -400; /* would climb above the root */
        while (*len > 0 && out[*len - 1] != '/')
            (*len)--;
        if (*len > 0)
            (*len)--; /* the separator before the removed segment */
        return 0;
    }
    if (*len + (*len ? 1 : 0) + n >= cap)
        return -400;
    if (*len)
        out[(*len)++] = '/';
    memcpy(out + *len, seg, n);
    *len += n;
    return 0;
}

int pp_http_target_path(struct pp_http_str target, char *out, size_t cap, int *dir_form)
{
    const char *p = target.p, *end = target.p + target.n;
    char seg[4096];
    size_t seglen = 0, len = 0;
    int last_was_slash = 0;

    if (cap == 0)
        return -400;
    out[0] = 0;
    /* absolute-form (RFC 9112 3.2.2): skip "scheme://authority". */
    if (target.n > 0 && *p != '/') {
        const char *s = p;
        while (s < end && *s != ':' && *s != '/')
            s++;
        if (s + 3 > end || s == p || s[0] != ':' || s[1] != '/' || s[2] != '/')
            return -400; /* asterisk-form, authority-form or garbage */
        p = s + 3;
        while (p < end && *p != '/' && *p != '?' && *p != '#')
            p++;
        if (p == end || *p != '/') {
            *dir_form = 1; /* "http://host" or "http://host?q" is the root */
            return 0;
        }
    }
    if (p == end)
        return -400;
    for (; p < end && *p != '?' && *p != '#'; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '%') {
            int hi, lo;
            if (end - p < 3 || (hi = hexval((unsigned char)p[1])) < 0 ||
                (lo = hexval((unsigned char)p[2])) < 0)
                return -400;
            c = (unsigned char)(hi * 16 + lo);
            p += 2;
            /* A decoded '/' is a separator here: the file system knows no
             * other meaning, and keeping it would let "..%2f" slip by. */
        }
        if (c < 0x20 || c == 0x7f || c == '\\')
            return -400;
        if (c == '/') {
            if (push_segment(seg, seglen, out, &len, cap) < 0)
                return -400;
            seglen = 0;
            last_was_slash = 1;
            continue;
        }
        if (seglen == sizeof seg)
            return -400;
        seg[seglen++] = (char)c;
        last_was_slash = 0;
    }
    /* A final "." or ".." also names a directory ("/a/.." is "/"). */
    if (seglen && ((seglen == 1 && seg[0] == '.') || (seglen == 2 && seg[0] == '.' && seg[1] == '.')))
        last_was_slash = 1;
    if (push_segment(seg, seglen, out, &len, cap) < 0)
        return -400;
    out[len] = 0;
    *dir_form = last_was_slash || len == 0;
    return 0;
}

size_t pp_http_url_encode(const char *path, int keep_slash, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;

    for (; *path; path++) {
        unsigned char c = (unsigned char)*path;
        int plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == '_' || c == '~' || (keep_slash && c == '/');
        if (plain) {
            if (n + 1 < cap)
                out[n] = (char)c;
            n++;
        } else {
            if (n + 3 < cap) {
                out[n] = '%';
                out[n + 1] = hex[c >> 4];
                out[n + 2] = hex[c & 15];
            }
            n += 3;
        }
    }
    if (cap)
        out[n < cap ? n : cap - 1] = 0;
    return n;
}
