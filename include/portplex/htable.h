/* htable.h - an intrusive chained hash table that grows and shrinks by
 * incremental rehashing (a few buckets moved per insert or remove), so no
 * single operation stalls for a whole-table copy.  Nodes are embedded in
 * their owners; the table allocates only bucket arrays.  Callers compare
 * keys themselves while walking a chain (see PP_HTABLE_FOREACH). */
#ifndef PP_HTABLE_H
#define PP_HTABLE_H

#include "portplex/export.h"

#include <stddef.h>
#include <stdint.h>

struct pp_hnode {
    struct pp_hnode *next;
    uint32_t hash;
};

struct pp_htable {
    struct pp_hnode **b[2]; /* b[1] is non-NULL only while rehashing */
    uint32_t mask[2];
    size_t used[2];
    size_t rehash_idx; /* next bucket of b[0] to move */
};

/* Initializes an empty table; returns 0 or -ENOMEM. */
PP_API int pp_htable_init(struct pp_htable *t);
/* Frees the bucket arrays (not the nodes). Accepts a zeroed table. */
PP_API void pp_htable_fini(struct pp_htable *t);

/* Inserts n with hash h (duplicates allowed; the newest is found first).
 * Never fails: if growing cannot allocate, the table stays as it is and
 * chains get longer. */
PP_API void pp_htable_insert(struct pp_htable *t, struct pp_hnode *n, uint32_t h);
/* Removes n, which must be in the table. */
PP_API void pp_htable_remove(struct pp_htable *t, struct pp_hnode *n);

static inline size_t pp_htable_count(const struct pp_htable *t)
{
    return t->used[0] + t->used[1];
}
/* Bytes of bucket arrays in use. */
PP_API size_t pp_htable_bucket_bytes(const struct pp_htable *t);

/* Chain heads for hash h: one, or two while rehashing (heads[1] may be NULL). */
static inline void pp_htable_heads(const struct pp_htable *t, uint32_t h, struct pp_hnode *heads[2])
{
    heads[0] = t->b[0][h & t->mask[0]];
    heads[1] = t->b[1] ? t->b[1][h & t->mask[1]] : NULL;
}

/* Walks every node whose chain could hold hash h:
 *   PP_HTABLE_FOREACH(t, h, n) { if (n->hash == h && same_key(n)) ... }  */
#define PP_HTABLE_FOREACH(t, h, n)                                                       \
    for (struct pp_hnode *pp_hh_[2], **pp_hp_ = (pp_htable_heads((t), (h), pp_hh_), pp_hh_); \
         pp_hp_ < pp_hh_ + 2; pp_hp_++)                                                  \
        for ((n) = *pp_hp_; (n); (n) = (n)->next)

#endif
