/* tun.h - a TUN device (IFF_TUN | IFF_NO_PI) as a portplex link: the kernel
 * sees an interface with its own address (the peer), portplex is the host on
 * the other end.  Configured through rtnetlink (libmnl), not by running ip. */
#ifndef PP_TUN_H
#define PP_TUN_H

#include "portplex/export.h"

#include <signal.h>
#include <stdint.h>

struct pp_link;
struct pp_stack;
struct pp_tun;

/* Creates the device ifname, gives the kernel side peer/prefix_len, sets the
 * MTU and brings it up.  NULL with a message in err (>= 256 bytes): not root
 * (EPERM), name in use (EBUSY), bad name, no /dev/net/tun, netlink refusal. */
PP_API struct pp_tun *pp_tun_open(const char *ifname, uint32_t peer, uint8_t prefix_len, uint16_t mtu,
                           char *err);
PP_API struct pp_link *pp_tun_link(struct pp_tun *t);
/* Moves packets from the device into st and runs its timers until *stop is
 * set (checked at least every 50 ms).  0, or -errno on a read error. */
PP_API int pp_tun_run(struct pp_tun *t, struct pp_stack *st, volatile sig_atomic_t *stop);
/* What the device has delivered: packets read, how many of them were
 * segments the kernel left unsegmented (receive offload), the largest. */
struct pp_tun_stats {
    int offload;                  /* the virtio-net header and TSO are on */
    unsigned long long reads, offloaded, largest;
    unsigned long long sent_tso;  /* large packets we handed over to segment */
};
PP_API void pp_tun_get_stats(const struct pp_tun *t, struct pp_tun_stats *out);
/* Closes the device, which the kernel then removes.  Accepts NULL. */
PP_API void pp_tun_close(struct pp_tun *t);

#endif
