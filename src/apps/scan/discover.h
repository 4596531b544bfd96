/* discover.h - host discovery before a port scan, as nmap does it for a
 * privileged user: by default an ICMP echo request, a TCP SYN to port 443
 * and a TCP ACK to port 80 for every target; -PE, -PS[ports], -PA[ports]
 * and -PU[ports] choose the probes instead.  Any answer (echo reply,
 * SYN/ACK, RST, a UDP reply, or an ICMP error from the target itself)
 * means the host is up.  -Pn skips this and treats every target as up. */
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
    PP_UP_UDP_RESPONSE, /* -PU: the port answered */
};

/* Which probes discovery sends (nmap's -PE -PS -PA -PU). */
#define PP_PING_PORTS_MAX 32
struct pp_scan_ping {
    int echo;
    uint16_t syn[PP_PING_PORTS_MAX], ack[PP_PING_PORTS_MAX], udp[PP_PING_PORTS_MAX];
    int nsyn, nack, nudp;
};
/* nmap's default for a privileged user: echo, SYN to 443, ACK to 80. */
void pp_scan_ping_default(struct pp_scan_ping *p);
/* Adds -P<type><ports> (type E, S, A or U; ports as "22,80" or "" for
 * nmap's default: 80 for S and A, 40125 for U).  0, or -1 with err. */
int pp_scan_ping_add(struct pp_scan_ping *p, char type, const char *ports, char *err);
const char *pp_scan_up_reason_name(int reason); /* "echo-reply", ...; "user-set" for 0 */

/* Probes every target of t through io (each probe twice at most, waiting
 * up to wait_ms for answers - no longer once every target has answered)
 * and sets up[i] to the first answer's reason for targets that answered,
 * and rtt[i] (if rtt is not NULL) to its round-trip time in seconds: the
 * host's latency, and the first estimate the port scan's timeouts start
 * from, as nmap's.  0 or -errno. */
int pp_scan_discover(struct pp_scan_io *io, const struct pp_scan_probe_cfg *base,
                     const struct pp_targets *t, uint8_t *up, int wait_ms,
                     const struct pp_scan_ping *ping, double *rtt);

#endif
