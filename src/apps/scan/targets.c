/* targets.c - target expressions: a.b.c.d, a.b.c.d/n, octet ranges. */
#include "targets.h"

#include <stdio.h>
#include <string.h>

static int push(struct pp_targets *t, uint32_t lo, uint32_t hi, char *err)
{
    if (t->n == PP_TARGETS_MAX_RANGES) {
        snprintf(err, 256, "too many target ranges (at most %d)", PP_TARGETS_MAX_RANGES);
        return -1;
    }
    t->r[t->n].lo = lo;
    t->r[t->n].hi = hi;
    t->n++;
    t->count += (uint64_t)(hi - lo) + 1;
    return 0;
}

/* One octet or octet range "a" / "a-b" at *s. */
static int octet(const char **s, unsigned *lo, unsigned *hi)
{
    unsigned v = 0, digits = 0;
    while (**s >= '0' && **s <= '9' && digits < 4) {
        v = v * 10 + (unsigned)(**s - '0');
        (*s)++;
        digits++;
    }
    if (!digits || v > 255)
        return -1;
    *lo = *hi = v;
    if (**s == '-') {
        (*s)++;
        v = 0;
        digits = 0;
        while (**s >= '0' && **s <= '9' && digits < 4) {
            v = v * 10 + (unsigned)(**s - '0');
            (*s)++;
            digits++;
        }
        if (!digits || v > 255 || v < *lo)
            return -1;
        *hi = v;
    }
    return 0;
}

static int one(struct pp_targets *t, const char *s, char *err)
{
    unsigned lo[4], hi[4], k;
    const char *p = s;
    int ranged = 0;

    for (k = 0; k < 4; k++) {
        if (octet(&p, &lo[k], &hi[k]) < 0)
            goto bad;
        ranged |= lo[k] != hi[k];
        if (k < 3 && *p++ != '.')
            goto bad;
    }
    if (*p == '/') {
        unsigned bits = 0, digits = 0;
        uint32_t a, mask;
        if (ranged)
            goto bad;
        for (p++; *p >= '0' && *p <= '9' && digits < 3; p++, digits++)
            bits = bits * 10 + (unsigned)(*p - '0');
        if (!digits || *p || bits > 32)
            goto bad;
        a = lo[0] << 24 | lo[1] << 16 | lo[2] << 8 | lo[3];
        mask = bits ? ~(uint32_t)0 << (32 - bits) : 0;
        return push(t, a & mask, (a & mask) | ~mask, err);
    }
    if (*p)
        goto bad;
    /* Octet ranges: every combination, as consecutive runs of the last octet. */
    {
        unsigned a, b, c;
        for (a = lo[0]; a <= hi[0]; a++)
            for (b = lo[1]; b <= hi[1]; b++)
                for (c = lo[2]; c <= hi[2]; c++) {
                    uint32_t base = a << 24 | b << 16 | c << 8;
                    if (push(t, base | lo[3], base | hi[3], err) < 0)
                        return -1;
                }
    }
    return 0;
bad:
    snprintf(err, 256, "'%s' is not an IPv4 target (a.b.c.d, a.b.c.d/n, or octet ranges like "
                       "192.0.2.1-20)", s);
    return -1;
}

int pp_targets_add(struct pp_targets *t, const char *spec, char *err)
{
    char item[64];
    const char *s = spec;

    if (!*s) {
        snprintf(err, 256, "empty target");
        return -1;
    }
    while (*s) {
        size_t n = strcspn(s, ",");
        if (n == 0 || n >= sizeof item) {
            snprintf(err, 256, "bad target list at '%.20s'", s);
            return -1;
        }
        memcpy(item, s, n);
        item[n] = 0;
        if (one(t, item, err) < 0)
            return -1;
        s += n;
        if (*s == ',' && *++s == 0) {
            snprintf(err, 256, "target list ends with ','");
            return -1;
        }
    }
    return 0;
}

uint32_t pp_targets_at(const struct pp_targets *t, uint64_t i)
{
    size_t k;
    for (k = 0; k < t->n; k++) {
        uint64_t size = (uint64_t)(t->r[k].hi - t->r[k].lo) + 1;
        if (i < size)
            return t->r[k].lo + (uint32_t)i;
        i -= size;
    }
    return 0;
}
