/* discover.h - host discovery before a port scan, as nmap does it for a
 * privileged user: an ICMP echo request, a TCP SYN to port 443 and a TCP
 * ACK to port 80 for every target; any answer (echo reply, SYN/ACK, RST,
 * or an ICMP error from the target itself) means the host is up.  -Pn
 * skips this and treats every target as up. */
#ifndef PP_SCAN_DISCOVER_H
#define PP_SCAN_DISCOVER_H

#include "engine.h"

/* Why a host is up, as nmap's <status reason=...> says it. */
enum pp_scan_up_reason {
    PP_UP_NO = 0,
    PP_UP_ECHO_REPLY,
    PP_UP_SYN_ACK,
    PP_UP_RESET,
    PP_UP_ICMP, /* an ICMP error from the target itself */
    PP_UP_CONN_REFUSED, /* unprivileged: connect() to 80 or 443 was refused */
};
const char *pp_scan_up_reason_name(int reason); /* "echo-reply", ...; "user-set" for 0 */

/* Probes every target of t through io (each probe twice at most, waiting
 * wait_ms for answers) and sets up[i] to the first answer's reason for
 * targets that answered.  0 or -errno. */
int pp_scan_discover(struct pp_scan_io *io, const struct pp_scan_probe_cfg *base,
                     const struct pp_targets *t, uint8_t *up, int wait_ms);

#endif
