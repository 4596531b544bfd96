/* file_cache.c - a direct-mapped table of small files, one lock. */
#include "file_cache.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 256
#define PATH_MAX_CACHED 256

struct slot {
    char path[PATH_MAX_CACHED];
    long long at;
    struct stat st;
    char data[PP_FILE_CACHE_MAX];
};

struct pp_file_cache {
    pthread_mutex_t lock;
    struct slot *slot[SLOTS]; /* allocated when first used */
};

static unsigned slot_of(const char *path)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *path; path++)
        h = (h ^ (unsigned char)*path) * 16777619u;
    return h % SLOTS;
}

struct pp_file_cache *pp_file_cache_new(void)
{
    struct pp_file_cache *fc = calloc(1, sizeof *fc);
    if (fc)
        pthread_mutex_init(&fc->lock, NULL);
    return fc;
}

void pp_file_cache_free(struct pp_file_cache *fc)
{
    unsigned i;
    if (!fc)
        return;
    for (i = 0; i < SLOTS; i++)
        free(fc->slot[i]);
    pthread_mutex_destroy(&fc->lock);
    free(fc);
}

int pp_file_cache_get(struct pp_file_cache *fc, const char *path, long long now_ms,
                      struct stat *st, char *buf)
{
    struct slot *s;
    int hit = 0;

    if (strlen(path) >= PATH_MAX_CACHED)
        return 0;
    pthread_mutex_lock(&fc->lock);
    s = fc->slot[slot_of(path)];
    if (s && now_ms - s->at < PP_FILE_CACHE_VALID_MS && strcmp(s->path, path) == 0) {
        *st = s->st;
        memcpy(buf, s->data, (size_t)s->st.st_size);
        hit = 1;
    }
    pthread_mutex_unlock(&fc->lock);
    return hit;
}

void pp_file_cache_put(struct pp_file_cache *fc, const char *path, long long now_ms,
                       const struct stat *st, const char *data)
{
    unsigned i = slot_of(path);
    struct slot *s;

    if (strlen(path) >= PATH_MAX_CACHED || st->st_size > PP_FILE_CACHE_MAX || st->st_size < 0)
        return;
    pthread_mutex_lock(&fc->lock);
    if (!fc->slot[i])
        fc->slot[i] = malloc(sizeof *fc->slot[i]);
    s = fc->slot[i];
    if (s) {
        strcpy(s->path, path);
        s->at = now_ms;
        s->st = *st;
        memcpy(s->data, data, (size_t)st->st_size);
    }
    pthread_mutex_unlock(&fc->lock);
}
