/* impair_dice.h - the one implementation of what an impaired path does to
 * a packet: the dice and the decisions (loss, delay, rate, reordering,
 * corruption, duplication).  The virtual wire rolls them for the whole
 * wire, the impairing link wrapper (link_impair.c) for one direction of
 * one link; both keep the same order of rolls, so a seed means the same
 * thing in each. */
#ifndef PP_LINK_IMPAIR_DICE_H
#define PP_LINK_IMPAIR_DICE_H

#include <stddef.h>
#include <stdint.h>

#include "portplex/link_wrap.h"

struct pp__impair {
    struct pp_impair cfg;
    uint64_t rng;
    uint64_t busy_until; /* the rate limit: when the path is free again */
};

enum {
    PP__FATE_LOST = 1,
    PP__FATE_REORDERED = 2,
    PP__FATE_CORRUPTED = 4,
};

/* One packet's fate: what happened, when it arrives, and for a corrupted
 * one which bit of which byte flipped. */
struct pp__fate {
    unsigned what;
    uint64_t due;
    size_t flip_at;
    uint8_t flip_mask;
};

/* 0, or -1 with a message in err (>= 256 bytes) for a probability outside
 * 0..1 (NaN included). */
int pp__impair_check(const struct pp_impair *c, char *err);
void pp__impair_init(struct pp__impair *im, const struct pp_impair *cfg);
/* Whether cfg does nothing at all. */
int pp__impair_none(const struct pp_impair *cfg);
/* A number in [0, 1). */
double pp__impair_dice(struct pp__impair *im);
/* Rolls the fate of a packet of len bytes sent at now. */
void pp__impair_fate(struct pp__impair *im, size_t len, uint64_t now, struct pp__fate *f);
/* Rolled after the packet was delivered: whether a second copy follows. */
int pp__impair_dup(struct pp__impair *im);

#endif
