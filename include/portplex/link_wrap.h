/* link_wrap.h - links that wrap another link: one that impairs what passes
 * through it (loss, duplication, reordering, corruption, delay, a rate
 * limit, as Linux's netem does) and one that records it in a capture file.
 * Each is a struct pp_link of its own, made around any link (a TUN device's,
 * a virtual wire port, a program's own): attach the wrapper to the stack in
 * the inner link's place.  They stack: capture(impair(tun)) records what
 * the stack sent and received (a lost packet is in the file), while
 * impair(capture(tun)) records what crossed the device.  A wrapper keeps
 * the link rules (docs/architecture.md, "Parts and arrows"): it never calls
 * a stack and knows only the time its driver passes to recv; a packet it
 * delays in either direction leaves when the driver polls at or after its
 * time (next_due tells the driver when that is). */
#ifndef PP_LINK_WRAP_H
#define PP_LINK_WRAP_H

#include "portplex/export.h"
#include "portplex/link.h"

#include <stddef.h>
#include <stdint.h>

/* What happens to packets in one direction. */
struct pp_impair {
    uint64_t seed;       /* same seed, same dice */
    double loss;         /* probability a packet is lost, 0..1 */
    double dup;          /* probability it is delivered twice */
    double reorder;      /* probability it is held back so later ones pass it */
    double corrupt;      /* probability one bit of it is flipped */
    uint32_t delay_ms;   /* one-way delay */
    uint32_t reorder_ms; /* extra delay of a reordered packet (0: delay_ms + 1) */
    uint64_t rate_bps;   /* bits per second, 0 = unlimited */
};

struct pp_impair_stats {
    uint64_t packets; /* offered to the impairment */
    uint64_t lost, duplicated, reordered, corrupted;
    uint64_t delayed;  /* held for a later poll (delay, rate or reordering) */
    uint64_t nomem;    /* dropped because a copy could not be made */
};

/* A link that impairs what the stack sends (out) and what it receives (in)
 * on inner; either may be NULL (nothing done that way).  Receive-side
 * impairments need an inner link with recv or recv_pbuf (one whose owner
 * pushes packets with pp_stack_input bypasses the wrapper).  NULL with a
 * message in err (>= 256 bytes) on bad arguments (a probability outside
 * 0..1) or no memory.  The wrapper takes over inner's ready callback;
 * free it (pp_link_wrap_free) after detaching it from its stack. */
PP_API struct pp_link *pp_link_impair(struct pp_link *inner, const struct pp_impair *out,
                                      const struct pp_impair *in, char *err);
/* Counters of an impairing wrapper, per direction (either may be NULL);
 * -EINVAL when l is not one. */
PP_API int pp_link_impair_stats(struct pp_link *l, struct pp_impair_stats *out,
                                struct pp_impair_stats *in);
/* Parses netem's words into im (zeroed first): "loss 2%", "duplicate 1%",
 * "reorder 5% [gap MS]" (here: the extra delay of a reordered packet),
 * "corrupt 0.1%", "delay 10ms", "rate 10mbit" (bit, kbit, mbit, gbit),
 * "seed N", any of them in one string.  0, or -1 with a message in err
 * (>= 256 bytes). */
PP_API int pp_impair_parse(const char *spec, struct pp_impair *im, char *err);

/* A link that writes every packet sent and received through inner to a
 * pcap file (LINKTYPE_RAW, read by tshark and Wireshark), with complete
 * checksums.  Timestamps are the wall clock when the wrapper was made plus
 * the driver's time since.  NULL with a message in err (>= 256 bytes). */
PP_API struct pp_link *pp_link_capture(struct pp_link *inner, const char *path, char *err);
/* How many packets a capturing wrapper wrote; -EINVAL when l is not one. */
PP_API long long pp_link_capture_count(struct pp_link *l);

/* Frees a wrapper made by either call (packets it still holds are dropped),
 * gives inner its ready callback back, and returns inner; NULL for NULL or
 * a link that is no wrapper. */
PP_API struct pp_link *pp_link_wrap_free(struct pp_link *l);

#endif
