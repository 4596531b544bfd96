/* io.h - the scanner's packet I/O backends (see struct pp_scan_io). */
#ifndef PP_SCAN_IO_H
#define PP_SCAN_IO_H

#include <stdint.h>

#include "engine.h"

struct pp_stack;

/* The kernel: a raw IPv4 socket sends, libpcap on the "any" device (cooked
 * capture, filter "dst host SRC") receives, so loopback, veth and TUN
 * interfaces all work.  *src gets the address the kernel would use to reach
 * first_target.  0, or -errno with a message in err (-EPERM without root
 * or CAP_NET_RAW). */
int pp_scan_io_kernel(struct pp_scan_io *io, uint32_t first_target, uint32_t *src, char *err);

/* nmap's -e and -S: the interface probes leave by and answers are captured
 * on (NULL: routing's choice, captured on every interface), and a source
 * address to put in the probes instead of the routed one (0: none; the
 * answers to it must come back through this host to be seen). */
struct pp_scan_io_opts {
    const char *iface;
    uint32_t spoof;
    const char *filter; /* what to capture besides "ip dst host SRC" (NULL: tcp, udp and icmp) */
    /* Send each packet at once, from any thread (a stack's link: its
     * senders are many threads and nobody reads to flush a batch); by
     * default probes are batched for the engine's one thread. */
    int immediate;
};
/* pp_scan_io_kernel with those options; -ENODEV with a message when the
 * interface does not exist. */
int pp_scan_io_kernel_opts(struct pp_scan_io *io, uint32_t first_target, const struct pp_scan_io_opts *o,
                           uint32_t *src, char *err);

/* Clears every capability of the process (after the raw sockets are open):
 * a scanner reading hostile packets keeps no privilege it does not need.
 * 0, or -1 if libcap could not. */
int pp_scan_drop_privileges(void);

/* A portplex stack: probes leave through its link as if it sent them, and
 * a tap sees every packet it receives (the stack itself still answers
 * them, e.g. with a RST for an unexpected SYN/ACK, as a kernel would).
 * *src gets the stack's address.  0 or -ENOMEM. */
int pp_scan_io_stack(struct pp_scan_io *io, struct pp_stack *st, uint32_t *src);

#endif
