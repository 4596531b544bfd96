/* udp_internal.h - UDP as a protocol of its own (udp.c): its entry in the IP
 * layer's protocol table, and the output half of the user's sendto.  The
 * API checks the call's arguments and permissions; UDP binds an unbound
 * socket, picks the source address and builds the datagram
 * (docs/architecture.md, "Protocols own their state"). */
#ifndef PP_UDP_INTERNAL_H
#define PP_UDP_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "stack/stack_internal.h"

/* Input and ICMP errors, for pp__ip_add_proto. */
extern const struct pp_ip_proto pp__udp_proto;

/* Sends len bytes from buf on s to daddr:dport (lock held, len checked by
 * the caller against the largest datagram); binds s to an ephemeral port
 * first if it has none.  len, or -errno (-EADDRINUSE/-EAGAIN from the
 * bind, -ENOBUFS, or the IP layer's). */
ssize_t pp__udp_output(struct pp_stack *st, struct pp_sock *s, const void *buf, size_t len,
                       uint32_t daddr, uint16_t dport);

#endif
