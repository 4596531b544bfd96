/* htable.c - intrusive chained hash table with incremental rehashing. */
#include "portplex/htable.h"
#include "bucket_mem.h"

#include <errno.h>
#include <stdlib.h>

#define MIN_BUCKETS 16u
#define STEP_BUCKETS 64u /* buckets moved per insert/remove while rehashing */

static struct pp_hnode **buckets_alloc(size_t n)
{
    return pp__bucket_alloc(n * sizeof(struct pp_hnode *));
}

static void buckets_free(struct pp_hnode **b, uint32_t mask)
{
    pp__bucket_free(b, ((size_t)mask + 1) * sizeof(struct pp_hnode *));
}

int pp_htable_init(struct pp_htable *t)
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

void pp_htable_fini(struct pp_htable *t)
{
    buckets_free(t->b[0], t->mask[0]);
    buckets_free(t->b[1], t->mask[1]);
    t->b[0] = t->b[1] = NULL;
}

size_t pp_htable_bucket_bytes(const struct pp_htable *t)
{
    size_t n = (size_t)t->mask[0] + 1;
    if (t->b[1])
        n += (size_t)t->mask[1] + 1;
    return n * sizeof(struct pp_hnode *);
}

/* Moves up to STEP_BUCKETS chains from b[0] to b[1]; when b[0] is empty,
 * b[1] becomes the table. */
static void rehash_step(struct pp_htable *t)
{
    unsigned moved = 0;

    if (!t->b[1])
        return;
    while (moved < STEP_BUCKETS && t->rehash_idx <= t->mask[0]) {
        struct pp_hnode *n = t->b[0][t->rehash_idx], *next;
        for (; n; n = next) {
            next = n->next;
            n->next = t->b[1][n->hash & t->mask[1]];
            t->b[1][n->hash & t->mask[1]] = n;
            t->used[0]--;
            t->used[1]++;
        }
        t->b[0][t->rehash_idx++] = NULL;
        moved++;
    }
    if (t->rehash_idx > t->mask[0]) {
        buckets_free(t->b[0], t->mask[0]);
        t->b[0] = t->b[1];
        t->mask[0] = t->mask[1];
        t->used[0] = t->used[1];
        t->b[1] = NULL;
        t->used[1] = 0;
        t->rehash_idx = 0;
    }
}

static void start_rehash(struct pp_htable *t, size_t buckets)
{
    struct pp_hnode **nb = buckets_alloc(buckets);
    if (!nb)
        return; /* keep working with longer chains */
    t->b[1] = nb;
    t->mask[1] = (uint32_t)(buckets - 1);
    t->rehash_idx = 0;
}

void pp_htable_insert(struct pp_htable *t, struct pp_hnode *n, uint32_t h)
{
    int i;

    rehash_step(t);
    /* Grow at load factor 1/2; the new table takes new nodes at once. */
    if (!t->b[1] && t->used[0] >= ((size_t)t->mask[0] + 1) / 2 && t->mask[0] < 0x7fffffffu)
        start_rehash(t, ((size_t)t->mask[0] + 1) * 2);
    i = t->b[1] ? 1 : 0;
    n->hash = h;
    n->next = t->b[i][h & t->mask[i]];
    t->b[i][h & t->mask[i]] = n;
    t->used[i]++;
}

void pp_htable_remove(struct pp_htable *t, struct pp_hnode *n)
{
    int i;

    for (i = 0; i < 2; i++) {
        struct pp_hnode **pp;
        if (!t->b[i])
            continue;
        for (pp = &t->b[i][n->hash & t->mask[i]]; *pp; pp = &(*pp)->next) {
            if (*pp == n) {
                *pp = n->next;
                n->next = NULL;
                t->used[i]--;
                goto removed;
            }
        }
    }
    abort(); /* not in the table: a broken invariant */
removed:
    rehash_step(t);
    /* Shrink at load factor 1/8 so a drained table gives its memory back. */
    if (!t->b[1] && t->mask[0] + 1 > MIN_BUCKETS && t->used[0] < ((size_t)t->mask[0] + 1) / 8)
        start_rehash(t, ((size_t)t->mask[0] + 1) / 2);
}
