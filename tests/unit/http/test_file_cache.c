/* test_file_cache.c - the small-file cache: hits while fresh, misses once
 * stale, on another path, for long paths and for files too big to keep. */
#include "test.h"
#include "http/file_cache.h"

TEST(fresh_hits_stale_misses)
{
    struct pp_file_cache *fc = pp_file_cache_new();
    struct stat st, got;
    static char buf[PP_FILE_CACHE_MAX];
    char longpath[300];
    ASSERT(fc != NULL);
    memset(&st, 0, sizeof st);
    st.st_size = 5;
    st.st_ino = 42;
    ASSERT_EQ(pp_file_cache_get(fc, "a.txt", 1000, &got, buf), 0);
    pp_file_cache_put(fc, "a.txt", 1000, &st, "hello");
    ASSERT_EQ(pp_file_cache_get(fc, "a.txt", 1000 + PP_FILE_CACHE_VALID_MS - 1, &got, buf), 1);
    ASSERT_EQ(got.st_ino, 42);
    ASSERT_MEMEQ(buf, "hello", 5);
    ASSERT_EQ(pp_file_cache_get(fc, "a.txt", 1000 + PP_FILE_CACHE_VALID_MS, &got, buf), 0);
    ASSERT_EQ(pp_file_cache_get(fc, "b.txt", 1000, &got, buf), 0);
    memset(longpath, 'x', sizeof longpath - 1);
    longpath[sizeof longpath - 1] = 0;
    pp_file_cache_put(fc, longpath, 1000, &st, "hello");
    ASSERT_EQ(pp_file_cache_get(fc, longpath, 1000, &got, buf), 0);
    st.st_size = PP_FILE_CACHE_MAX + 1;
    pp_file_cache_put(fc, "big", 1000, &st, buf);
    ASSERT_EQ(pp_file_cache_get(fc, "big", 1000, &got, buf), 0);
    pp_file_cache_free(fc);
    pp_file_cache_free(NULL);
}
