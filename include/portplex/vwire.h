/* vwire.h - the virtual wire: an in-process link joining two or more stacks,
 * with seeded, reproducible impairments (loss, duplication, reordering,
 * corruption, delay, rate limit) and an optional pcap tap.  Packets are
 * delivered by destination address, as on one IP subnet. */
#ifndef PP_VWIRE_H
#define PP_VWIRE_H

#include "portplex/export.h"

#include <stddef.h>
#include <stdint.h>

struct pp_stack;
struct pp_link;
struct pp_vwire;

struct pp_vwire_config {
    uint64_t seed;      /* same seed, same impairments (in step mode) */
    double loss;        /* probability each packet is lost, 0..1 */
    double dup;         /* probability it is delivered twice */
    double reorder;     /* probability it is held back so later ones pass it */
    double corrupt;     /* probability one byte is flipped */
    uint32_t delay_ms;  /* one-way delay */
    uint32_t reorder_ms;/* extra delay of a reordered packet (0: delay_ms + 1) */
    uint64_t rate_bps;  /* bits per second, 0 = unlimited */
    uint16_t mtu;       /* 0: 1500 */
    const char *pcap;   /* NULL, or a file that gets every packet sent */
};

struct pp_vwire_stats {
    uint64_t sent, delivered, lost, duplicated, reordered, corrupted, no_dest;
    uint64_t filtered; /* dropped by the filter (pp_vwire_set_filter) */
};

/* NULL with a message in err (>= 256 bytes) on failure (bad probability,
 * pcap file not writable, no memory). */
PP_API struct pp_vwire *pp_vwire_new(const struct pp_vwire_config *cfg, char *err);
/* Joins st to the wire (attaching the link to it); 0 or -errno. */
PP_API int pp_vwire_attach(struct pp_vwire *w, struct pp_stack *st);
/* Joins count stacks that share one address as the shards of one host, as
 * the receive queues of a NIC with RSS: each packet to that address goes
 * to one of them, chosen by the symmetric RSS hash of its flow under the
 * wire's key (derived from cfg.seed when it is set) modulo count, so a
 * flow and its replies stay on one shard.  Each stack is told its index
 * and the key (pp_stack_set_shard): connect() on shard i picks ports
 * whose replies come back to shard i.  Listen on every shard.  0 or
 * -errno (-EINVAL: NULL, count 0 or above PP_SHARDS_MAX, or the stacks'
 * addresses differ; -ENOSPC: the wire is full). */
PP_API int pp_vwire_attach_shards(struct pp_vwire *w, struct pp_stack *const *stacks, unsigned count);
/* Starts a thread that delivers packets when due and runs the stacks'
 * timers; 0 or -errno. */
PP_API int pp_vwire_start(struct pp_vwire *w);
/* Stops that thread (packets in flight stay queued). */
PP_API void pp_vwire_stop(struct pp_vwire *w);
/* Without the thread: delivers every packet due by now_ms (in due order,
 * including those the deliveries themselves cause) and runs the stacks'
 * timers.  Returns how many packets were delivered. */
PP_API size_t pp_vwire_step(struct pp_vwire *w, uint64_t now_ms);
/* Packets in flight. */
PP_API size_t pp_vwire_pending(struct pp_vwire *w);
PP_API void pp_vwire_stats(struct pp_vwire *w, struct pp_vwire_stats *out);
/* Calls fn for every packet put on the wire (before impairments), with the
 * sending stack's name and what the wire did to it ("lost", "corrupted",
 * "duplicated", "reordered" or ""); NULL stops.  fn must not call into a
 * stack. */
PP_API void pp_vwire_on_packet(struct pp_vwire *w,
                        void (*fn)(void *arg, const char *from, const uint8_t *pkt, size_t len,
                                   const char *fate),
                        void *arg);
/* A firewall on the wire: fn sees every packet sent (with the sender's
 * name, "forged" for an injected one) before the impairments and returns
 * 1 to drop it (its fate is then "filtered", counted in stats.filtered)
 * or 0 to let it pass; NULL removes it.  It runs with the wire's lock held:
 * it must not call into the wire or a stack. */
PP_API void pp_vwire_set_filter(struct pp_vwire *w,
                                int (*fn)(void *arg, const char *from, const uint8_t *pkt,
                                          size_t len),
                                void *arg);
/* Puts a whole IPv4 packet on the wire as if a host that is not attached
 * had sent it (a forged source address, as a SYN flood's): it meets the
 * filter, the impairments and the tap like any other and is delivered by
 * its destination.  0, or -EINVAL (NULL, not IPv4, shorter than a header). */
PP_API int pp_vwire_inject(struct pp_vwire *w, const uint8_t *pkt, size_t len);
/* Takes the wire down (every packet sent is lost, counted as lost) or
 * brings it back up: a cable pulled and plugged in again. */
PP_API void pp_vwire_set_down(struct pp_vwire *w, int down);
/* Stops the thread, frees what is in flight, closes the tap.  The stacks are
 * detached but not freed.  Accepts NULL. */
PP_API void pp_vwire_free(struct pp_vwire *w);

#endif
