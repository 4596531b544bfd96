/* file_cache.h - a small cache of small files for the web server: the
 * status and bytes of recently served files up to PP_FILE_CACHE_MAX bytes,
 * trusted for PP_FILE_CACHE_VALID_MS and then checked again.  A hit saves
 * open, fstat, read and close: four of the six system calls of a small
 * response (the idea of nginx's open_file_cache and lighttpd's stat cache). */
#ifndef PP_HTTP_FILE_CACHE_H
#define PP_HTTP_FILE_CACHE_H

#include <stddef.h>
#include <sys/stat.h>

#define PP_FILE_CACHE_MAX 16384
#define PP_FILE_CACHE_VALID_MS 1000

struct pp_file_cache;

/* NULL when out of memory. */
struct pp_file_cache *pp_file_cache_new(void);
void pp_file_cache_free(struct pp_file_cache *fc);
/* Copies the cached file at path (relative to the root) into buf
 * (PP_FILE_CACHE_MAX bytes) and its status into st; 1 on a fresh hit, 0
 * on a miss or a stale entry. */
int pp_file_cache_get(struct pp_file_cache *fc, const char *path, long long now_ms,
                      struct stat *st, char *buf);
/* Remembers path's status and bytes (len == st->st_size <= PP_FILE_CACHE_MAX). */
void pp_file_cache_put(struct pp_file_cache *fc, const char *path, long long now_ms,
                       const struct stat *st, const char *data);

#endif
