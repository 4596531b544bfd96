/* pbuf.c - packet buffer allocation, with a small cache of buffers in two
 * size classes (small packets, and up to 64 KiB).  Without it, every
 * 64 KiB segment took a fresh allocation that the allocator handed back to
 * the kernel on free, and page faults cost more than the data copies.
 * The cache is per thread: shards on different cores must not meet at one
 * lock per packet (docs/architecture.md, "Threads").  Buffers also travel
 * between threads (the virtual wire hands the sender's buffer to the
 * receiver), so a thread that only frees would fill its cache while one
 * that only allocates went to malloc: a shared depot takes and gives them
 * in batches, one lock per BATCH buffers (the magazine layer of Bonwick's
 * slab allocator).  A thread's cache goes to the depot when it ends. */
#include "pbuf.h"
#include "fault.h"
#include "portplex/wire/bytes.h"
#include "portplex/wire/checksum.h"
#include "portplex/wire/ipv4.h"

#include <pthread.h>
#include <stdlib.h>

#define SMALL (2048 + PP_HEADROOM)
#define LARGE (65536 + PP_HEADROOM)
#define CACHE_MAX 64  /* buffers kept per class and thread */
#define BATCH 32      /* buffers moved at a time between a thread and the depot */
#define DEPOT_MAX 128 /* buffers kept per class in the depot (8 MiB of large ones) */

struct cache {
    struct pp_pbuf *head[2];
    int n[2];
};

static _Thread_local struct cache cache;
static _Thread_local int cache_registered;
static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

static pthread_mutex_t depot_mu = PTHREAD_MUTEX_INITIALIZER;
static struct pp_pbuf *depot[2];
static int depot_n[2];

/* Moves up to n buffers of class k from the cache c to the depot; what the
 * depot has no room for is freed. */
static void spill(struct cache *c, int k, int n)
{
    struct pp_pbuf *extra = NULL;

    pthread_mutex_lock(&depot_mu);
    while (n-- > 0 && c->head[k]) {
        struct pp_pbuf *p = c->head[k];
        c->head[k] = p->next;
        c->n[k]--;
        if (depot_n[k] < DEPOT_MAX) {
            p->next = depot[k];
            depot[k] = p;
            depot_n[k]++;
        } else {
            p->next = extra;
            extra = p;
        }
    }
    pthread_mutex_unlock(&depot_mu);
    while (extra) {
        struct pp_pbuf *p = extra;
        extra = p->next;
        free(p);
    }
}

static void cache_drain(void *arg)
{
    struct cache *c = arg;
    int k;

    for (k = 0; k < 2; k++)
        spill(c, k, c->n[k]);
}

static void cache_key_init(void)
{
    pthread_key_create(&cache_key, cache_drain);
}

/* The cache goes to the depot when its thread ends (the destructor runs
 * with the cache's address); once per thread, before it holds anything. */
static void cache_register(void)
{
    if (cache_registered)
        return;
    pthread_once(&cache_once, cache_key_init);
    pthread_setspecific(cache_key, &cache);
    cache_registered = 1;
}

/* Takes up to BATCH buffers of class k from the depot into the cache c. */
static void refill(struct cache *c, int k)
{
    int n;

    cache_register();
    pthread_mutex_lock(&depot_mu);
    for (n = 0; n < BATCH && depot[k]; n++) {
        struct pp_pbuf *p = depot[k];
        depot[k] = p->next;
        depot_n[k]--;
        p->next = c->head[k];
        c->head[k] = p;
        c->n[k]++;
    }
    pthread_mutex_unlock(&depot_mu);
}

static int class_of(size_t room)
{
    return room == SMALL ? 0 : room == LARGE ? 1 : -1;
}

struct pp_pbuf *pp_pbuf_alloc(size_t len)
{
    size_t room = PP_HEADROOM + len;
    struct pp_pbuf *p = NULL;
    int k;

    if (pp__fault_alloc())
        return NULL;
    if (room <= SMALL)
        room = SMALL;
    else if (room <= LARGE)
        room = LARGE;
    k = class_of(room);
    if (k >= 0 && !cache.head[k])
        refill(&cache, k);
    if (k >= 0 && (p = cache.head[k])) {
        cache.head[k] = p->next;
        cache.n[k]--;
    }
    if (!p && !(p = malloc(sizeof *p + room)))
        return NULL;
    p->next = NULL;
    p->room = room;
    p->data = p->buf + PP_HEADROOM;
    p->len = len;
    p->src = 0;
    p->sport = 0;
    p->csum_partial = 0;
    return p;
}

void pp_pbuf_free(struct pp_pbuf *p)
{
    int k;

    if (!p)
        return;
    k = class_of(p->room);
    if (k >= 0) {
        if (cache.n[k] >= CACHE_MAX)
            spill(&cache, k, BATCH);
        cache_register();
        p->next = cache.head[k];
        cache.head[k] = p;
        cache.n[k]++;
        return;
    }
    free(p);
}

void pp_l4_csum_fill(uint8_t *l4, size_t len, uint32_t src, uint32_t dst, uint8_t proto)
{
    size_t at = proto == PP_IP_PROTO_TCP ? 16 : proto == PP_IP_PROTO_UDP ? 6 : 0;
    uint16_t c;

    if (!at || len < at + 2 || len > 0xffff)
        return;
    pp_put16(l4 + at, 0);
    c = pp_csum_finish(pp_csum_add(pp_csum_pseudo(src, dst, proto, (uint16_t)len), l4, len));
    /* RFC 768: a computed zero is sent as all ones in UDP. */
    pp_put16(l4 + at, c == 0 && at == 6 ? 0xffff : c);
}

void pp_pbuf_csum_fill(struct pp_pbuf *p)
{
    size_t ihl, total;

    if (!p->csum_partial)
        return;
    p->csum_partial = 0;
    if (p->len < PP_IPV4_HDR_LEN || (p->data[0] >> 4) != 4)
        return;
    ihl = (size_t)(p->data[0] & 0x0f) * 4;
    total = pp_get16(p->data + 2);
    if (ihl < PP_IPV4_HDR_LEN || total > p->len || total < ihl)
        return;
    pp_l4_csum_fill(p->data + ihl, total - ihl, pp_get32(p->data + 12), pp_get32(p->data + 16),
                    p->data[9]);
}
