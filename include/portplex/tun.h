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
/* The same with nqueues queues (IFF_MULTI_QUEUE, 1..PP_TUN_QUEUES_MAX), for
 * per-core shards: one stack and one thread per queue
 * (pp_tun_queue_link, pp_tun_run_queue), the stacks sharing the address.
 * The kernel steers each flow to one queue - a new flow by its symmetric
 * flow hash, a known one to the queue its packets last came from - so a
 * connection stays with the shard that answered or opened it.  Listen on
 * every shard; pp_stack_set_shard(st, i, n, NULL) gives each its own ready
 * list without steering ports (the kernel follows the flows). */
#define PP_TUN_QUEUES_MAX 16
PP_API struct pp_tun *pp_tun_open_queues(const char *ifname, uint32_t peer, uint8_t prefix_len,
                                         uint16_t mtu, unsigned nqueues, char *err);
/* Queue 0's link; pp_tun_queue_link(t, q) is queue q's (NULL beyond). */
PP_API struct pp_link *pp_tun_link(struct pp_tun *t);
PP_API unsigned pp_tun_queues(const struct pp_tun *t);
PP_API struct pp_link *pp_tun_queue_link(struct pp_tun *t, unsigned q);
/* Moves packets from the device into st and runs its timers until *stop is
 * set (checked at least every 50 ms).  0, or -errno on a read error. */
PP_API int pp_tun_run(struct pp_tun *t, struct pp_stack *st, volatile sig_atomic_t *stop);
/* The same for queue q, whose link st must be attached to; -EINVAL for a
 * queue the device does not have. */
PP_API int pp_tun_run_queue(struct pp_tun *t, unsigned q, struct pp_stack *st,
                            volatile sig_atomic_t *stop);
/* After a pass that took packets, the driver watches the device this many
 * microseconds before it sleeps in poll(2) (busy polling, as Linux's
 * net.core.busy_poll): on a path of a few hundred microseconds the next
 * ACK comes within the watch, where a sleep and a wake-up of an idle CPU
 * cost as much as the round trip.  Only where the process may run on more
 * than one CPU, sharing the places of sockets' watches (PP_SO_BUSY_POLL).
 * Default PP_TUN_BUSY_POLL_US, or PORTPLEX_TUN_BUSY_POLL in the
 * environment when the device is opened; 0 turns it off.  0, or -EINVAL
 * for NULL or more than PP_TUN_BUSY_POLL_MAX. */
#define PP_TUN_BUSY_POLL_US 1000
#define PP_TUN_BUSY_POLL_MAX 100000
PP_API int pp_tun_set_busy_poll(struct pp_tun *t, unsigned us);
/* What the device has delivered: packets read, how many of them were
 * segments the kernel left unsegmented (receive offload), the largest. */
struct pp_tun_stats {
    int offload;                  /* the virtio-net header and TSO are on */
    unsigned long long reads, offloaded, largest;
    unsigned long long sent_tso;  /* large packets we handed over to segment */
    unsigned long long sent_csum_partial; /* packets whose checksum we left to the kernel */
    unsigned long long recv_csum_partial; /* TCP packets whose checksum the kernel left to us, trusted */
};
PP_API void pp_tun_get_stats(const struct pp_tun *t, struct pp_tun_stats *out);
/* Closes the device, which the kernel then removes.  Accepts NULL. */
PP_API void pp_tun_close(struct pp_tun *t);

#endif
