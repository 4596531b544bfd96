/* banner.h - -sV and --banners: after the port scan, every open TCP port
 * is connected with portplex's own TCP/IP stack (not the kernel's), as
 * masscan does: the stack sends through the scanner's raw socket and reads
 * what the capture sees, from a source port range the kernel is told to
 * drop (an nftables rule, removed when the scan ends), so the kernel's
 * RSTs do not kill our connections.  What each service says first - or
 * answers to a question where the client speaks first (HTTP HEAD, a TLS
 * handshake read for the certificate's subject, Redis INFO, memcached
 * version) - is read by service.c into nmap's fields. */
#ifndef PP_SCAN_BANNER_H
#define PP_SCAN_BANNER_H

#include <stdint.h>

#include "engine.h"
#include "io.h"

struct pp_scan_banner_opts {
    int timeout_ms;          /* how long a service may take to speak, or to answer (default 3000) */
    int parallel;            /* connections at once (default 16) */
    uint16_t sport_lo, sport_hi; /* our stack's ports (default 61000-61999) */
    const struct pp_scan_io_opts *io; /* -e / -S, or NULL */
};

struct pp_scan_banner;

/* As root, before privileges are dropped: opens the stack's raw I/O and
 * installs the kernel guard (needs nft).  NULL with a message in err. */
struct pp_scan_banner *pp_scan_banner_prepare(uint32_t first_target, const struct pp_scan_banner_opts *o,
                                              char *err);
/* Connects to every open TCP port of res and fills each host's svc list.
 * 0, or -1 with a message in err.  stop (may be NULL) ends it early. */
int pp_scan_banner_run(struct pp_scan_banner *b, struct pp_scan_result *res, volatile int *stop, char *err);
/* Frees the stack and its I/O; the guard goes when the process ends or here. */
void pp_scan_banner_close(struct pp_scan_banner *b);

/* The service found for res's port rank on host hs, or NULL. */
const struct pp_scan_svc *pp_scan_svc_of(const struct pp_scan_host *hs, int rank);

#endif
