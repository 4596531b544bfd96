/* impair_dice.c - the fate of one packet on an impaired path (see
 * impair_dice.h): a seeded xorshift64* generator, fast and reproducible,
 * and the order of its rolls: loss, then the rate limit and delay, then
 * reordering, then corruption; duplication is rolled by the caller once
 * the packet went through. */
#include "link/impair_dice.h"

#include <stdio.h>

static int prob_ok(double p)
{
    return p >= 0 && p <= 1; /* false for NaN too */
}

int pp__impair_check(const struct pp_impair *c, char *err)
{
    if (!prob_ok(c->loss) || !prob_ok(c->dup) || !prob_ok(c->reorder) || !prob_ok(c->corrupt)) {
        snprintf(err, 256, "impairment probabilities must lie between 0 and 1");
        return -1;
    }
    return 0;
}

void pp__impair_init(struct pp__impair *im, const struct pp_impair *cfg)
{
    im->cfg = *cfg;
    im->rng = cfg->seed * 0x9E3779B97F4A7C15ull + 0x1234567u;
    if (!im->rng)
        im->rng = 1;
    im->busy_until = 0;
}

int pp__impair_none(const struct pp_impair *c)
{
    return c->loss == 0 && c->dup == 0 && c->reorder == 0 && c->corrupt == 0 && c->delay_ms == 0 &&
           c->rate_bps == 0;
}

double pp__impair_dice(struct pp__impair *im)
{
    im->rng ^= im->rng >> 12;
    im->rng ^= im->rng << 25;
    im->rng ^= im->rng >> 27;
    return (double)((im->rng * 0x2545F4914F6CDD1Dull) >> 11) / 9007199254740992.0;
}

void pp__impair_fate(struct pp__impair *im, size_t len, uint64_t now, struct pp__fate *f)
{
    const struct pp_impair *c = &im->cfg;

    f->what = 0;
    f->due = now;
    f->flip_at = 0;
    f->flip_mask = 0;
    if (pp__impair_dice(im) < c->loss) {
        f->what = PP__FATE_LOST;
        return;
    }
    if (c->rate_bps) {
        /* Serialization: one packet on the path at a time. */
        uint64_t start = im->busy_until > now ? im->busy_until : now;
        im->busy_until = start + (len * 8 * 1000 + c->rate_bps - 1) / c->rate_bps;
        f->due = im->busy_until;
    }
    f->due += c->delay_ms;
    if (pp__impair_dice(im) < c->reorder) {
        f->what |= PP__FATE_REORDERED;
        f->due += c->reorder_ms ? c->reorder_ms : c->delay_ms + 1;
    }
    if (pp__impair_dice(im) < c->corrupt && len > 0) {
        size_t at = (size_t)(pp__impair_dice(im) * (double)len);
        f->what |= PP__FATE_CORRUPTED;
        f->flip_at = at < len ? at : len - 1;
        f->flip_mask = (uint8_t)(1u << (int)(pp__impair_dice(im) * 8));
    }
}

int pp__impair_dup(struct pp__impair *im)
{
    return pp__impair_dice(im) < im->cfg.dup;
}
