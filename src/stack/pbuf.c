/* pbuf.c - packet buffer allocation, with a small cache of buffers in two
 * size classes (small packets, and up to 64 KiB).  Without it, every
 * 64 KiB segment took a fresh allocation that the allocator handed back to
 * the kernel on free, and page faults cost more than the data copies.
 * The cache is per thread: shards on different cores must not meet at one
 * lock per packet (docs/architecture.md, "Threads").  A thread's cache is
 * freed when the thread ends. */
#include "pbuf.h"
#include "stack_internal.h"

#include <pthread.h>
#include <stdlib.h>

#define SMALL (2048 + PP_HEADROOM)
#define LARGE (65536 + PP_HEADROOM)
#define CACHE_MAX 256 /* buffers kept per class and thread */

struct cache {
    struct pp_pbuf *head[2];
    int n[2];
};

static _Thread_local struct cache cache;
static _Thread_local int cache_registered;
static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

static void cache_drain(void *arg)
{
    struct cache *c = arg;
    int k;

    for (k = 0; k < 2; k++) {
        while (c->head[k]) {
            struct pp_pbuf *p = c->head[k];
            c->head[k] = p->next;
            free(p);
        }
        c->n[k] = 0;
    }
}

static void cache_key_init(void)
{
    pthread_key_create(&cache_key, cache_drain);
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
    return p;
}

void pp_pbuf_free(struct pp_pbuf *p)
{
    int k;

    if (!p)
        return;
    k = class_of(p->room);
    if (k >= 0 && cache.n[k] < CACHE_MAX) {
        if (!cache_registered) {
            /* The destructor runs at thread exit with the cache's address. */
            pthread_once(&cache_once, cache_key_init);
            pthread_setspecific(cache_key, &cache);
            cache_registered = 1;
        }
        p->next = cache.head[k];
        cache.head[k] = p;
        cache.n[k]++;
        return;
    }
    free(p);
}
