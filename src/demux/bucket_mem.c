/* bucket_mem.c - bucket arrays of the socket table.  Arrays of 2 MiB and
 * more come from mmap with transparent huge pages advised: a lookup in a
 * big table touches a random bucket, and with 4 KiB pages that costs a TLB
 * miss on top of the cache miss. */
#include "bucket_mem.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define HUGE_BYTES (2u << 20)

void *pp__bucket_alloc(size_t bytes)
{
    void *p;

    if (bytes < HUGE_BYTES) {
        size_t rounded = (bytes + 63) / 64 * 64;
        p = aligned_alloc(64, rounded);
        if (p)
            memset(p, 0, rounded);
        return p;
    }
    p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    madvise(p, bytes, MADV_HUGEPAGE); /* advice only: fine if refused */
    return p;                         /* anonymous mappings are zero-filled */
}

void pp__bucket_free(void *p, size_t bytes)
{
    if (!p)
        return;
    if (bytes < HUGE_BYTES)
        free(p);
    else
        munmap(p, bytes);
}
