/* describe.h - one-line, tcpdump-like descriptions of IPv4 packets, for
 * traces, `portplex decode` and the lab. */
#ifndef PP_DESCRIBE_H
#define PP_DESCRIBE_H

#include "portplex/export.h"

#include <stddef.h>
#include <stdint.h>

/* Writes a description of the IPv4 packet pkt[0..len) into out (always NUL
 * terminated, truncated to cap).  A malformed packet is described as
 * "malformed <layer>: <reason>".  flags: PP_WIRE_NO_CSUM.  Returns the parse
 * result of the deepest layer reached: >= 0 if the packet is well formed,
 * -PP_WERR_* otherwise. */
PP_API int pp_describe_packet(const uint8_t *pkt, size_t len, char *out, size_t cap, unsigned flags);

#endif
