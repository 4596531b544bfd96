/* targets.h - scan targets as nmap takes them: addresses, CIDR blocks
 * (192.0.2.0/24), octet ranges (192.0.2.1-20, 10.0-1.0.1) and lists of
 * those; kept as address ranges in order. */
#ifndef PP_SCAN_TARGETS_H
#define PP_SCAN_TARGETS_H

#include <stddef.h>
#include <stdint.h>

#define PP_TARGETS_MAX_RANGES 1024

struct pp_targets {
    struct {
        uint32_t lo, hi; /* host order, inclusive */
    } r[PP_TARGETS_MAX_RANGES];
    size_t n;
    uint64_t count;       /* addresses in all ranges */
};

/* Adds one target expression (possibly comma-separated) to t.  Names are
 * not resolved here.  0, or -1 with a message in err (>= 256 bytes). */
int pp_targets_add(struct pp_targets *t, const char *spec, char *err);

/* The i-th address (0 <= i < count), in the order given. */
uint32_t pp_targets_at(const struct pp_targets *t, uint64_t i);

#endif
