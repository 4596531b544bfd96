/* tuple_index.c - the compact index of IPv4 TCP 4-tuples (tuple_index.h):
 * inserting, removing and incremental rehashing. */
#include "tuple_index.h"
#include "bucket_mem.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>

#define MIN_BUCKETS 8u
#define STEP_BUCKETS 64u /* buckets moved per insert/remove while rehashing */
#define FULL ((1u << PP_TIX_SLOTS) - 1)
#define STICKY 0xffffu /* a count this high is never lowered again: lookups just probe on */

static_assert(sizeof(struct pp_tix_bucket) == 64, "a bucket is one cache line");

static struct pp_tix_bucket *buckets_alloc(size_t n)
{
    return pp__bucket_alloc(n * sizeof(struct pp_tix_bucket));
}

static void buckets_free(struct pp_tix_bucket *b, uint32_t mask)
{
    pp__bucket_free(b, ((size_t)mask + 1) * sizeof(struct pp_tix_bucket));
}

int pp__tix_init(struct pp_tix *t)
{
    t->b[0] = buckets_alloc(MIN_BUCKETS);
    if (!t->b[0])
        return -ENOMEM;
    t->b[1] = NULL;
    t->mask[0] = MIN_BUCKETS - 1;
    t->mask[1] = 0;
    t->used[0] = t->used[1] = 0;
    t->rehash_idx = 0;
    return 0;
}

void pp__tix_fini(struct pp_tix *t)
{
    buckets_free(t->b[0], t->mask[0]);
    buckets_free(t->b[1], t->mask[1]);
    t->b[0] = t->b[1] = NULL;
}

size_t pp__tix_bytes(const struct pp_tix *t)
{
    size_t n = (size_t)t->mask[0] + 1;

    if (t->b[1])
        n += (size_t)t->mask[1] + 1;
    return n * sizeof(struct pp_tix_bucket);
}

/* Puts e into the first free slot from its home bucket on; the caller
 * has checked that the array has one. */
static void put(struct pp_tix_bucket *b, uint32_t mask, uint32_t h, struct pp_dmx_entry *e,
                unsigned tw)
{
    uint32_t i = h & mask;

    for (;;) {
        struct pp_tix_bucket *k = &b[i];
        if (k->used != FULL) {
            int s = __builtin_ctz(~k->used & FULL);
            k->addrs[s] = pp__tix_addrs(e->t.laddr, e->t.raddr);
            k->ports[s] = pp__tix_ports(e->t.lport, e->t.rport);
            k->e[s] = e;
            k->used |= (uint8_t)(1u << s);
            k->tw = (uint8_t)((k->tw & ~(1u << s)) | tw << s);
            return;
        }
        if (k->passed != STICKY)
            k->passed++;
        i = (i + 1) & mask;
    }
}

/* Takes e out of one array: 1 if it was there. */
static int take(struct pp_tix_bucket *b, uint32_t mask, uint32_t h, const struct pp_dmx_entry *e)
{
    uint32_t home = h & mask, i = home, n;

    for (n = 0; n <= mask; n++) {
        struct pp_tix_bucket *k = &b[i];
        int s;
        for (s = 0; s < PP_TIX_SLOTS; s++) {
            if ((k->used >> s & 1) && k->e[s] == e) {
                k->used &= (uint8_t)~(1u << s);
                k->e[s] = NULL;
                /* The buckets it probed past no longer count it. */
                for (; home != i; home = (home + 1) & mask)
                    if (b[home].passed != STICKY)
                        b[home].passed--;
                return 1;
            }
        }
        if (!k->passed)
            return 0;
        i = (i + 1) & mask;
    }
    return 0;
}

/* Moves up to STEP_BUCKETS buckets from b[0] to b[1]; when b[0] is empty,
 * b[1] becomes the index.  A moved bucket keeps its count of keys probed
 * past it, so keys further on in b[0] are still found. */
static void rehash_step(struct pp_tix *t)
{
    unsigned moved = 0;

    if (!t->b[1])
        return;
    while (moved < STEP_BUCKETS && t->rehash_idx <= t->mask[0]) {
        struct pp_tix_bucket *k = &t->b[0][t->rehash_idx++];
        int s;
        for (s = 0; s < PP_TIX_SLOTS; s++) {
            if (!(k->used >> s & 1))
                continue;
            put(t->b[1], t->mask[1], k->e[s]->node.hash, k->e[s], k->tw >> s & 1);
            t->used[0]--;
            t->used[1]++;
        }
        k->used = 0;
        moved++;
    }
    if (t->rehash_idx > t->mask[0]) {
        buckets_free(t->b[0], t->mask[0]);
        t->b[0] = t->b[1];
        t->mask[0] = t->mask[1];
        t->used[0] = t->used[1];
        t->b[1] = NULL;
        t->mask[1] = 0;
        t->used[1] = 0;
        t->rehash_idx = 0;
    }
}

static void start_rehash(struct pp_tix *t, size_t buckets)
{
    struct pp_tix_bucket *nb = buckets_alloc(buckets);

    if (!nb)
        return; /* keep working in the array there is */
    t->b[1] = nb;
    t->mask[1] = (uint32_t)(buckets - 1);
    t->rehash_idx = 0;
}

int pp__tix_insert(struct pp_tix *t, struct pp_dmx_entry *e, uint32_t h)
{
    int i;

    rehash_step(t);
    /* Grow at 2/3 of the slots: probes stay short. */
    if (!t->b[1] && t->used[0] >= 2 * ((size_t)t->mask[0] + 1) && t->mask[0] < 0x3fffffffu)
        start_rehash(t, ((size_t)t->mask[0] + 1) * 2);
    i = t->b[1] ? 1 : 0;
    if (t->used[i] >= PP_TIX_SLOTS * ((size_t)t->mask[i] + 1))
        return -ENOMEM; /* every slot taken and no memory to grow */
    e->node.hash = h;
    put(t->b[i], t->mask[i], h, e, e->kind == PP_DMX_TIMEWAIT);
    t->used[i]++;
    return 0;
}

void pp__tix_remove(struct pp_tix *t, struct pp_dmx_entry *e)
{
    if (take(t->b[0], t->mask[0], e->node.hash, e))
        t->used[0]--;
    else if (t->b[1] && take(t->b[1], t->mask[1], e->node.hash, e))
        t->used[1]--;
    else
        abort(); /* not in the index: a broken invariant */
    rehash_step(t);
    /* Halve at 1/8 of the slots so a drained index gives its memory back. */
    if (!t->b[1] && t->mask[0] + 1 > MIN_BUCKETS &&
        t->used[0] < PP_TIX_SLOTS * ((size_t)t->mask[0] + 1) / 8)
        start_rehash(t, ((size_t)t->mask[0] + 1) / 2);
}

void pp__tix_foreach(const struct pp_tix *t, void (*fn)(void *, const struct pp_dmx_entry *),
                     void *arg)
{
    int i, s;
    size_t b;

    for (i = 0; i < 2; i++) {
        if (!t->b[i])
            continue;
        for (b = 0; b <= t->mask[i]; b++)
            for (s = 0; s < PP_TIX_SLOTS; s++)
                if (t->b[i][b].used >> s & 1)
                    fn(arg, t->b[i][b].e[s]);
    }
}
