/* pbuf.c - packet buffer allocation, with a small cache of buffers in two
 * size classes (small packets, and up to 64 KiB).  Without it, every
 * 64 KiB segment took a fresh allocation that the allocator handed back to
 * the kernel on free, and page faults cost more than the data copies. */
#include "pbuf.h"
#include "stack_internal.h"

#include <pthread.h>
#include <stdlib.h>

#define SMALL (2048 + PP_HEADROOM)
#define LARGE (65536 + PP_HEADROOM)
#define CACHE_MAX 256 /* buffers kept per class */

static struct cache {
    pthread_mutex_t lock;
    struct pp_pbuf *head;
    int n;
} caches[2] = {{PTHREAD_MUTEX_INITIALIZER, NULL, 0}, {PTHREAD_MUTEX_INITIALIZER, NULL, 0}};

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
    if (k >= 0) {
        pthread_mutex_lock(&caches[k].lock);
        if ((p = caches[k].head)) {
            caches[k].head = p->next;
            caches[k].n--;
        }
        pthread_mutex_unlock(&caches[k].lock);
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
    if (k >= 0) {
        pthread_mutex_lock(&caches[k].lock);
        if (caches[k].n < CACHE_MAX) {
            p->next = caches[k].head;
            caches[k].head = p;
            caches[k].n++;
            p = NULL;
        }
        pthread_mutex_unlock(&caches[k].lock);
    }
    free(p);
}
