/* link.h - what a stack sends through and receives from: a small table of
 * function pointers that the TUN device and the virtual wire implement, and
 * that a program implements to bring a link of its own
 * (examples/socketpair_link.c).  A link never calls into a stack: the
 * stack's driver pulls what the link received (pp_stack_poll) or pushes it
 * (pp_stack_input), and passes the time
 * (docs/architecture.md, "A packet's way" and "Threads"). */
#ifndef PP_LINK_H
#define PP_LINK_H

#include <stddef.h>
#include <stdint.h>

struct pp_link;
struct pp_pbuf; /* the library's packet buffer; opaque outside it */

struct pp_link_ops {
    /* Sends one IPv4 packet; 0 or -errno.  Called with the stack's lock
     * held: must not block for long and must not call back into the stack. */
    int (*send)(struct pp_link *l, const uint8_t *pkt, size_t len);
    /* Optional (NULL: not offered): sends one IPv4 TCP packet larger than
     * the MTU that the other end cuts into segments of seg_payload bytes
     * each (segmentation offload); checksums in pkt are complete. */
    int (*send_tso)(struct pp_link *l, const uint8_t *pkt, size_t len, uint16_t seg_payload);
    /* Optional (NULL: the link's owner pushes with pp_stack_input): the next
     * received packet due by now_ms, or NULL when there is none.  The
     * packet stays valid until the next recv on this link.  Never blocks. */
    const uint8_t *(*recv)(struct pp_link *l, size_t *len, uint64_t now_ms);
    /* Optional: when the next received packet falls due (a link that
     * delays packets), UINT64_MAX when none is waiting. */
    uint64_t (*next_due)(struct pp_link *l);
    /* Optional: a descriptor that polls readable when recv has something
     * (a device), or -1. */
    int (*wait_fd)(struct pp_link *l);
    /* Optional, for the library's own links (a program's link leaves both
     * NULL): the packet buffer is handed over instead of copied.  send_pbuf
     * takes p whatever it returns (0 or -errno) and may leave the TCP or
     * UDP checksum to be filled in by whoever shows the packet outside the
     * process (docs/architecture.md, "Checksum offload"); seg_payload as in
     * send_tso, 0 for a packet within the MTU.  recv_pbuf is recv handing
     * over a buffer that the stack frees. */
    int (*send_pbuf)(struct pp_link *l, struct pp_pbuf *p, uint16_t seg_payload);
    struct pp_pbuf *(*recv_pbuf)(struct pp_link *l, uint64_t now_ms);
};

struct pp_link {
    const struct pp_link_ops *ops;
    uint16_t mtu;
    void *priv;
    /* Set by pp_stack_attach.  A link whose packets arrive from another
     * thread's send (the virtual wire) calls ready(ready_arg) when a packet
     * becomes receivable at once; it only records the fact, so whichever
     * thread finishes its socket call next carries the packet on
     * (run to completion, no hand-over to a wire thread). */
    void (*ready)(void *arg);
    void *ready_arg;
};

#endif
