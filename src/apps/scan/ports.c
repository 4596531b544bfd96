/* ports.c - nmap-style port list parsing. */
#include "ports.h"

#include <ctype.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

static void add(struct pp_portset *ps, int proto, unsigned lo, unsigned hi)
{
    unsigned p;
    for (p = lo; p <= hi; p++) {
        uint64_t bit = (uint64_t)1 << (p & 63);
        if (!(ps->bits[proto][p >> 6] & bit)) {
            ps->bits[proto][p >> 6] |= bit;
            ps->count[proto]++;
        }
    }
}

/* A decimal port 0..65535 at *s; advances *s.  -1 if none or too big. */
static long number(const char **s)
{
    long v = 0;
    int digits = 0;
    while (**s >= '0' && **s <= '9') {
        v = v * 10 + (**s - '0');
        if (v > 65535)
            return -1;
        (*s)++;
        digits++;
    }
    return digits ? v : -1;
}

void pp_ports_recount(struct pp_portset *ps)
{
    int proto, k;
    for (proto = 0; proto < 2; proto++) {
        ps->count[proto] = 0;
        for (k = 0; k < 65536 / 64; k++)
            ps->count[proto] += (size_t)__builtin_popcountll(ps->bits[proto][k]);
    }
}

int pp_ports_parse(const char *spec, int dflt, struct pp_portset *ps, char *err)
{
    const char *s = spec;
    int proto = dflt;

    memset(ps, 0, sizeof *ps);
    if (!*s) {
        snprintf(err, 256, "empty port list");
        return -1;
    }
    for (;;) {
        long lo, hi;
        const char *item = s;
        if ((s[0] == 'T' || s[0] == 'U') && s[1] == ':') {
            proto = s[0] == 'T' ? PP_PROTO_TCP_SET : PP_PROTO_UDP_SET;
            s += 2;
        }
        if (isalpha((unsigned char)*s)) { /* a service name, from /etc/services */
            char name[64];
            size_t n = 0;
            struct servent *se;
            while ((isalnum((unsigned char)s[n]) || strchr("-_.+", s[n])) && s[n])
                n++;
            if (n >= sizeof name) {
                snprintf(err, 256, "service name too long at '%.20s'", item);
                return -1;
            }
            memcpy(name, s, n);
            name[n] = 0;
            se = getservbyname(name, proto == PP_PROTO_TCP_SET ? "tcp" : "udp");
            if (!se) {
                snprintf(err, 256, "unknown %s service '%s' (names come from /etc/services)",
                         proto == PP_PROTO_TCP_SET ? "TCP" : "UDP", name);
                return -1;
            }
            s += n;
            lo = hi = ntohs((uint16_t)se->s_port);
            add(ps, proto, (unsigned)lo, (unsigned)hi);
            goto next;
        }
        if (*s == '-') { /* "-N" or "-": from port 1 */
            lo = 1;
        } else if ((lo = number(&s)) < 0) {
            snprintf(err, 256, "bad port list at '%.20s': ports are 0-65535", item);
            return -1;
        }
        hi = lo;
        if (*s == '-') {
            s++;
            if (*s == ',' || *s == 0)
                hi = 65535; /* "N-" and "-": to the end */
            else if ((hi = number(&s)) < 0) {
                snprintf(err, 256, "bad port range at '%.20s': ports are 0-65535", item);
                return -1;
            }
        }
        if (lo > hi) {
            snprintf(err, 256, "bad port range '%ld-%ld': the start is after the end", lo, hi);
            return -1;
        }
        add(ps, proto, (unsigned)lo, (unsigned)hi);
    next:
        if (*s == 0)
            return 0;
        if (*s != ',') {
            snprintf(err, 256, "bad port list at '%.20s': expected ',' or '-'", s);
            return -1;
        }
        s++;
        if (*s == 0) {
            snprintf(err, 256, "port list ends with ','");
            return -1;
        }
    }
}

int pp_ports_next(const struct pp_portset *ps, int proto, int from)
{
    int p;
    for (p = from; p < 65536; p++) {
        if (!(p & 63) && !ps->bits[proto][p >> 6]) {
            p += 63; /* skip an empty word */
            continue;
        }
        if (pp_ports_has(ps, proto, (uint16_t)p))
            return p;
    }
    return 65536;
}
