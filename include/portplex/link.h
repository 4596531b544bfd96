/* link.h - what a stack sends through: a small table of function pointers
 * that the TUN device and the virtual wire implement, and that a program
 * implements to bring a link of its own (examples/socketpair_link.c): fill
 * a struct pp_link, pp_stack_attach() it, hand what the link receives to
 * pp_stack_input() and call pp_stack_poll() by its deadlines
 * (docs/architecture.md, "The library boundary"). */
#ifndef PP_LINK_H
#define PP_LINK_H

#include <stddef.h>
#include <stdint.h>

struct pp_link;

struct pp_link_ops {
    /* Sends one IPv4 packet; 0 or -errno.  Called with the stack's lock
     * held: must not block for long and must not call back into the stack. */
    int (*send)(struct pp_link *l, const uint8_t *pkt, size_t len);
    /* Optional (NULL: not offered): sends one IPv4 TCP packet larger than
     * the MTU that the other end cuts into segments of seg_payload bytes
     * each (segmentation offload); checksums in pkt are complete. */
    int (*send_tso)(struct pp_link *l, const uint8_t *pkt, size_t len, uint16_t seg_payload);
};

struct pp_link {
    const struct pp_link_ops *ops;
    uint16_t mtu;
    void *priv;
};

#endif
