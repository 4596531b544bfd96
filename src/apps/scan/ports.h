/* ports.h - port lists as nmap's -p takes them: "22", "1-1024",
 * "80,443,8000-8100", "T:80,U:53", "-" or "1-" (to 65535), "-100" (from 1),
 * service names from /etc/services ("ssh,http", "U:domain").
 * Kept as one bitmap per protocol. */
#ifndef PP_SCAN_PORTS_H
#define PP_SCAN_PORTS_H

#include <stddef.h>
#include <stdint.h>

enum { PP_PROTO_TCP_SET = 0, PP_PROTO_UDP_SET = 1 };

struct pp_portset {
    uint64_t bits[2][65536 / 64]; /* [TCP|UDP][port / 64] */
    size_t count[2];
};

/* Parses spec into ps (cleared first).  Ports without a T:/U: prefix go to
 * the protocol `dflt` (PP_PROTO_TCP_SET or PP_PROTO_UDP_SET); a prefix
 * applies until the next one, as in nmap.  Port 0 is allowed only when
 * named explicitly.  0, or -1 with a message in err (>= 256 bytes). */
int pp_ports_parse(const char *spec, int dflt, struct pp_portset *ps, char *err);

static inline int pp_ports_has(const struct pp_portset *ps, int proto, uint16_t port)
{
    return (int)((ps->bits[proto][port >> 6] >> (port & 63)) & 1);
}

/* Sets count[] from the bitmaps, after bits were set or cleared directly. */
void pp_ports_recount(struct pp_portset *ps);

/* The next port of proto at or after `from` (as an int, 65536 = none). */
int pp_ports_next(const struct pp_portset *ps, int proto, int from);

#endif
