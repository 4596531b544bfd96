/* test_range.c - Range headers against representations of several sizes,
 * including the edge cases of RFC 9110 14.1, several ranges (merged,
 * ordered) and the limits against range amplification (CVE-2011-3192). */
#include "test.h"
#include "http/range.h"

static struct pp_http_span spans[PP_HTTP_MAX_RANGES];
static int nspans;

static enum pp_http_range_result rs(const char *v, uint64_t size)
{
    struct pp_http_str s = {v, strlen(v)};
    return pp_http_ranges_parse(s, size, spans, &nspans);
}

/* One range: the single-range view of the first span. */
static enum pp_http_range_result rp(const char *v, uint64_t size, uint64_t *a, uint64_t *b)
{
    enum pp_http_range_result r = rs(v, size);
    *a = *b = 12345;
    if (r == PP_RANGE_OK) {
        ASSERT_EQ(nspans, 1);
        *a = spans[0].first;
        *b = spans[0].last;
    }
    return r;
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
    static const char *const v[] = {"bytes=5-4", "bytes=0-1,3-x", "items=0-1", "bytes=", "bytes=-",
                                    "bytes=a-b", "bytes=1-2x", "bytes 0-1", "", "bytes=--1",
                                    "bytes=+1-2"};
    size_t i;
    for (i = 0; i < sizeof v / sizeof v[0]; i++)
        if (rp(v[i], 10, &a, &b) != PP_RANGE_IGNORE)
            PP_TEST_FAIL("'%s' was not ignored", v[i]);
}

TEST(several_ranges_are_ordered_and_merged)
{
    ASSERT_EQ(rs("bytes=0-1,500-599", 1000), PP_RANGE_OK);
    ASSERT_EQ(nspans, 2);
    ASSERT_EQ(spans[0].first, 0);
    ASSERT_EQ(spans[0].last, 1);
    ASSERT_EQ(spans[1].first, 500);
    ASSERT_EQ(spans[1].last, 599);
    ASSERT_EQ(rs("bytes=500-599, 0-1", 1000), PP_RANGE_OK); /* ascending order */
    ASSERT_EQ(nspans, 2);
    ASSERT_EQ(spans[0].first, 0);
    ASSERT_EQ(rs("bytes=0-1,3-4", 1000), PP_RANGE_OK); /* a gap smaller than a part head */
    ASSERT_EQ(nspans, 1);
    ASSERT_EQ(spans[0].last, 4);
    ASSERT_EQ(rs("bytes=0-9,5-14", 1000), PP_RANGE_OK); /* overlapping: one span */
    ASSERT_EQ(nspans, 1);
    ASSERT_EQ(spans[0].last, 14);
    ASSERT_EQ(rs("bytes=0-0,-1", 1000), PP_RANGE_OK); /* first and last byte */
    ASSERT_EQ(nspans, 2);
    ASSERT_EQ(spans[1].first, 999);
    ASSERT_EQ(rs("bytes=,0-1,,900-,", 1000), PP_RANGE_OK); /* empty list elements */
    ASSERT_EQ(nspans, 2);
    ASSERT_EQ(rs("bytes=0-1,2000-3000", 1000), PP_RANGE_OK); /* the unsatisfiable one dropped */
    ASSERT_EQ(nspans, 1);
    ASSERT_EQ(rs("bytes=2000-3000,5000-", 1000), PP_RANGE_UNSATISFIABLE);
}

TEST(range_amplification_is_refused)
{
    char v[4096];
    size_t n;
    int i;
    /* The Apache killer's shape: many overlapping ranges. */
    n = (size_t)snprintf(v, sizeof v, "bytes=0-");
    for (i = 0; i < 10; i++)
        n += (size_t)snprintf(v + n, sizeof v - n, ",5-%d", 100 + i);
    ASSERT_EQ(rs(v, 1000), PP_RANGE_IGNORE); /* asks for more than the file: 200 */
    /* More range-specs than the limit, even small and disjoint ones. */
    n = (size_t)snprintf(v, sizeof v, "bytes=0-0");
    for (i = 1; i <= PP_HTTP_MAX_RANGES; i++)
        n += (size_t)snprintf(v + n, sizeof v - n, ",%d-%d", i * 200, i * 200);
    ASSERT_EQ(rs(v, 100000), PP_RANGE_IGNORE);
    /* Exactly the limit is served. */
    n = (size_t)snprintf(v, sizeof v, "bytes=0-0");
    for (i = 1; i < PP_HTTP_MAX_RANGES; i++)
        n += (size_t)snprintf(v + n, sizeof v - n, ",%d-%d", i * 200, i * 200);
    ASSERT_EQ(rs(v, 100000), PP_RANGE_OK);
    ASSERT_EQ(nspans, PP_HTTP_MAX_RANGES);
    ASSERT_EQ(rs("bytes=0-,0-", 1000), PP_RANGE_IGNORE); /* the whole file twice */
}
