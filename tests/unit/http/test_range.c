/* test_range.c - Range headers against representations of several sizes,
 * including the edge cases of RFC 9110 14.1. */
#include "test.h"
#include "http/range.h"

static enum pp_http_range_result rp(const char *v, uint64_t size, uint64_t *a, uint64_t *b)
{
    struct pp_http_str s = {v, strlen(v)};
    *a = *b = 12345;
    return pp_http_range_parse(s, size, a, b);
}

TEST(satisfiable_ranges)
{
    uint64_t a, b;
    ASSERT_EQ(rp("bytes=0-0", 10, &a, &b), PP_RANGE_OK);
    ASSERT_EQ(a, 0);
    ASSERT_EQ(b, 0);
    ASSERT_EQ(rp("bytes=5-", 10, &a, &b), PP_RANGE_OK);
    ASSERT_EQ(a, 5);
    ASSERT_EQ(b, 9);
    ASSERT_EQ(rp("bytes=-1", 10, &a, &b), PP_RANGE_OK);
    ASSERT_EQ(a, 9);
    ASSERT_EQ(b, 9);
    ASSERT_EQ(rp("bytes=-100", 10, &a, &b), PP_RANGE_OK); /* suffix longer than the file */
    ASSERT_EQ(a, 0);
    ASSERT_EQ(b, 9);
    ASSERT_EQ(rp("bytes=2-100", 10, &a, &b), PP_RANGE_OK); /* last clamped */
    ASSERT_EQ(b, 9);
    ASSERT_EQ(rp("BYTES = 1-2", 10, &a, &b), PP_RANGE_IGNORE); /* no space before '=' */
    ASSERT_EQ(rp("Bytes=1-2 ", 10, &a, &b), PP_RANGE_OK);
    ASSERT_EQ(rp("bytes=0-99999999999999999999999", 10, &a, &b), PP_RANGE_OK);
    ASSERT_EQ(b, 9);
    ASSERT_EQ(rp("bytes=4294967296-", 5000000000ull, &a, &b), PP_RANGE_OK); /* > 4 GiB */
    ASSERT_EQ(a, 4294967296ull);
    ASSERT_EQ(b, 4999999999ull);
}

TEST(unsatisfiable_ranges)
{
    uint64_t a, b;
    ASSERT_EQ(rp("bytes=10-", 10, &a, &b), PP_RANGE_UNSATISFIABLE);
    ASSERT_EQ(rp("bytes=99999999999999999999999-", 10, &a, &b), PP_RANGE_UNSATISFIABLE);
    ASSERT_EQ(rp("bytes=-0", 10, &a, &b), PP_RANGE_UNSATISFIABLE);
    ASSERT_EQ(rp("bytes=0-0", 0, &a, &b), PP_RANGE_UNSATISFIABLE); /* empty file */
    ASSERT_EQ(rp("bytes=-1", 0, &a, &b), PP_RANGE_UNSATISFIABLE);
}

TEST(ignored_ranges)
{
    uint64_t a, b;
    static const char *const v[] = {"bytes=5-4", "bytes=0-1,3-4", "items=0-1", "bytes=", "bytes=-",
                                    "bytes=a-b", "bytes=1-2x", "bytes 0-1", "", "bytes=--1",
                                    "bytes=+1-2"};
    size_t i;
    for (i = 0; i < sizeof v / sizeof v[0]; i++)
        if (rp(v[i], 10, &a, &b) != PP_RANGE_IGNORE)
            PP_TEST_FAIL("'%s' was not ignored", v[i]);
}
