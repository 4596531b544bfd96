/* bucket_mem.h - zeroed, cache-line aligned memory for the socket table's
 * bucket arrays (htable.c, tuple_index.c). */
#ifndef PP_DEMUX_BUCKET_MEM_H
#define PP_DEMUX_BUCKET_MEM_H

#include <stddef.h>

/* Returns zeroed memory aligned on 64 bytes, or NULL. */
void *pp__bucket_alloc(size_t bytes);
/* Frees what pp__bucket_alloc(bytes) returned; accepts NULL. */
void pp__bucket_free(void *p, size_t bytes);

#endif
