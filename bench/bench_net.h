/* bench_net.h - address and stack helpers the network benchmarks share. */
#ifndef PP_BENCH_NET_H
#define PP_BENCH_NET_H

#include <arpa/inet.h>
#include <string.h>

#include "portplex/stack.h"

#define BENCH_A 0xc0000201u /* 192.0.2.1 */
#define BENCH_B 0xc0000202u /* 192.0.2.2 */

static inline struct sockaddr_in sin_of(uint32_t addr, uint16_t port)
{
    struct sockaddr_in s;
    memset(&s, 0, sizeof s);
    s.sin_family = AF_INET;
    s.sin_addr.s_addr = htonl(addr);
    s.sin_port = htons(port);
    return s;
}

/* A stack at addr/24. */
static inline struct pp_stack *mkstack(uint32_t addr)
{
    struct pp_stack_config c;
    memset(&c, 0, sizeof c);
    c.addr = addr;
    c.prefix_len = 24;
    return pp_stack_new(&c);
}

#endif
