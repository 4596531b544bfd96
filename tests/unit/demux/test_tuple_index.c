/* test_tuple_index.c - the compact IPv4 TCP index (demux/tuple_index.c)
 * against a model: random inserts and removes under good hashes, under
 * hashes that all land in a few buckets (long probes, wrap-around, counts of
 * keys probed past), and through growth and shrinking; every key present is
 * found with its TIME_WAIT bit, every key absent is not, and a drained index
 * gives its memory back. */
#include <stdlib.h>

#include "test.h"
#include "demux/tuple_index.h"

enum { N = 6000 };

/* Entry i's key; hash_of picks how well the hashes spread. */
static void key_of(int i, struct pp_dmx_entry *e)
{
    pp_dmx_entry_init(e, PP_DMX_TCP, NULL);
    e->t.laddr = 0x0a000001u;
    e->t.raddr = 0x0a100000u + (uint32_t)(i / 1000);
    e->t.lport = 80;
    e->t.rport = (uint16_t)(1024 + i % 1000);
    e->kind = i % 7 == 0 ? PP_DMX_TIMEWAIT : PP_DMX_CONNECTED;
}

static uint32_t hash_of(int i, int spread)
{
    switch (spread) {
    case 0: { /* spread as a keyed hash does: murmur3's finalizer */
        uint32_t h = (uint32_t)i;
        h ^= h >> 16;
        h *= 0x85ebca6bu;
        h ^= h >> 13;
        h *= 0xc2b2ae35u;
        return h ^ h >> 16;
    }
    case 1:
        return (uint32_t)i % 5; /* five home buckets: long probes */
    default:
        return 0xffffffffu - (uint32_t)(i % 3); /* the last buckets: probes wrap */
    }
}

static void check_all(const struct pp_tix *t, const struct pp_dmx_entry *e, const char *in,
                      int spread)
{
    size_t count = 0;
    int k;

    for (k = 0; k < N; k++) {
        int tw = -1;
        const struct pp_dmx_entry *got =
            pp__tix_find(t, hash_of(k, spread), pp__tix_addrs(e[k].t.laddr, e[k].t.raddr),
                         pp__tix_ports(e[k].t.lport, e[k].t.rport), &tw);
        if (in[k]) {
            ASSERT(got == &e[k]);
            ASSERT_EQ(tw, k % 7 == 0);
        } else {
            ASSERT(got == NULL);
        }
        count += (size_t)in[k];
    }
    ASSERT_EQ(pp__tix_count(t), count);
}

static void count_entry(void *arg, const struct pp_dmx_entry *e)
{
    (void)e;
    ++*(size_t *)arg;
}

static void random_against_model(int spread, int steps)
{
    struct pp_tix t;
    struct pp_dmx_entry *e = calloc(N, sizeof *e);
    char *in = calloc(N, 1);
    uint32_t x = 7;
    size_t walked = 0, empty_bytes;
    int step, i;

    ASSERT_EQ(pp__tix_init(&t), 0);
    empty_bytes = pp__tix_bytes(&t);
    for (i = 0; i < N; i++)
        key_of(i, &e[i]);
    for (step = 0; step < steps; step++) {
        x = x * 1664525u + 1013904223u;
        /* Phases: mostly inserting, then mostly removing, then mixed. */
        i = (int)((x >> 8) % N);
        if (in[i])
            pp__tix_remove(&t, &e[i]);
        else
            ASSERT_EQ(pp__tix_insert(&t, &e[i], hash_of(i, spread)), 0);
        in[i] ^= 1;
        if (step % (steps / 8) == 0)
            check_all(&t, e, in, spread);
    }
    check_all(&t, e, in, spread);
    pp__tix_foreach(&t, count_entry, &walked);
    ASSERT_EQ(walked, pp__tix_count(&t));
    /* Fill up, then drain: growth, then shrinking back to where it began. */
    for (i = 0; i < N; i++)
        if (!in[i]) {
            ASSERT_EQ(pp__tix_insert(&t, &e[i], hash_of(i, spread)), 0);
            in[i] = 1;
        }
    check_all(&t, e, in, spread);
    ASSERT_GE(pp__tix_bytes(&t), N * 64 / 3);
    for (i = 0; i < N; i++) {
        pp__tix_remove(&t, &e[i]);
        in[i] = 0;
        if (i % 1500 == 0)
            check_all(&t, e, in, spread);
    }
    check_all(&t, e, in, spread);
    ASSERT_LE(pp__tix_bytes(&t), 4 * empty_bytes);
    pp__tix_fini(&t);
    free(e);
    free(in);
}

TEST(tuple_index_random_against_model)
{
    random_against_model(0, 200000);
}

TEST(tuple_index_long_probes_and_wrap_around)
{
    random_against_model(1, 30000);
    random_against_model(2, 30000);
}

/* A bucket's three slots: a removed key leaves a hole the next insert
 * fills, and a key probed past a full bucket is still found after the
 * bucket empties (its count, not its slots, keeps the probe going). */
TEST(tuple_index_holes_and_counts)
{
    struct pp_tix t;
    struct pp_dmx_entry e[5];
    int i, tw;

    ASSERT_EQ(pp__tix_init(&t), 0);
    for (i = 0; i < 5; i++) {
        key_of(i + 1, &e[i]);
        ASSERT_EQ(pp__tix_insert(&t, &e[i], 3), 0); /* all in bucket 3 */
    }
    /* e[3] and e[4] went on to bucket 4. */
    for (i = 0; i < 3; i++)
        pp__tix_remove(&t, &e[i]);
    ASSERT(pp__tix_find(&t, 3, pp__tix_addrs(e[4].t.laddr, e[4].t.raddr),
                        pp__tix_ports(e[4].t.lport, e[4].t.rport), &tw) == &e[4]);
    pp__tix_remove(&t, &e[3]);
    pp__tix_remove(&t, &e[4]);
    ASSERT_EQ(t.b[0][3].passed, 0);
    ASSERT_EQ(pp__tix_count(&t), 0);
    pp__tix_fini(&t);
}
