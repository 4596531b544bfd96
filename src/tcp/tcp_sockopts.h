/* tcp_sockopts.h - the socket options TCP itself acts on (TCP_NODELAY,
 * keepalive, TCP_USER_TIMEOUT, TCP_CONGESTION, TCP_MAXSEG, IP_TOS, DF).
 * TCP reads only its own copy, in the control block (tcb->opt); the API
 * keeps what the user set on a socket that has no connection yet and hands
 * it over when one begins (pp__tcp_tcb_new) or changes (setsockopt), and a
 * connection a listener accepts takes the listener's copy, as on Linux
 * (docs/architecture.md, "Protocols own their state"). */
#ifndef PP_TCP_SOCKOPTS_H
#define PP_TCP_SOCKOPTS_H

#include <stdint.h>

#include "tcp_cc.h"

struct pp_tcp_sockopts {
    uint8_t nodelay;          /* TCP_NODELAY: no Nagle */
    uint8_t keepalive;        /* SO_KEEPALIVE */
    uint8_t tos;              /* IP_TOS of our segments (the ECN bits are TCP's) */
    uint8_t no_df;            /* IP_MTU_DISCOVER 0: DF clear */
    uint16_t user_mss;        /* TCP_MAXSEG before the handshake, 0 = none */
    int cc_algo;              /* TCP_CONGESTION (enum pp_cc_algo) */
    int keepidle, keepintvl;  /* seconds */
    int keepcnt;              /* probes */
    uint32_t user_timeout_ms; /* TCP_USER_TIMEOUT, 0 = the RTO count decides */
};

/* Linux's defaults: CUBIC, keepalive (when on) after 7200 s idle, 75 s
 * apart, 9 probes. */
static inline struct pp_tcp_sockopts pp__tcp_sockopts_default(void)
{
    struct pp_tcp_sockopts o = {0};
    o.cc_algo = PP_CC_CUBIC;
    o.keepidle = 7200;
    o.keepintvl = 75;
    o.keepcnt = 9;
    return o;
}

#endif
