/* test_validators.c - HTTP dates in all three formats, entity-tag lists and
 * the precondition order of RFC 9110 13.2.2. */
#include "test.h"
#include "http/validators.h"

static struct pp_http_str S(const char *s)
{
    struct pp_http_str r = {s, strlen(s)};
    return r;
}

TEST(dates_round_trip_and_all_formats_parse)
{
    char d[PP_HTTP_DATE_BUF];
    time_t t;
    pp_http_date(784111777, d);
    ASSERT_STREQ(d, "Sun, 06 Nov 1994 08:49:37 GMT");
    ASSERT_EQ(pp_http_date_parse(S(d), &t), 0);
    ASSERT_EQ(t, 784111777);
    ASSERT_EQ(pp_http_date_parse(S("Sunday, 06-Nov-94 08:49:37 GMT"), &t), 0);
    ASSERT_EQ(t, 784111777);
    ASSERT_EQ(pp_http_date_parse(S("Sun Nov  6 08:49:37 1994"), &t), 0);
    ASSERT_EQ(t, 784111777);
    ASSERT_EQ(pp_http_date_parse(S("Sun, 06 Nov 1994 08:49:37 GMT junk"), &t), -1);
    ASSERT_EQ(pp_http_date_parse(S("Sun, 06 Foo 1994 08:49:37 GMT"), &t), -1);
    ASSERT_EQ(pp_http_date_parse(S("yesterday"), &t), -1);
    ASSERT_EQ(pp_http_date_parse(S(""), &t), -1);
}

TEST(etag_lists)
{
    ASSERT(pp_http_etag_list_match(S("\"a\", \"b\""), "\"b\"", 0));
    ASSERT(pp_http_etag_list_match(S("*"), "\"b\"", 0));
    ASSERT(pp_http_etag_list_match(S("W/\"b\""), "\"b\"", 1));
    ASSERT(!pp_http_etag_list_match(S("W/\"b\""), "\"b\"", 0)); /* strong needs strong */
    ASSERT(!pp_http_etag_list_match(S("\"bb\""), "\"b\"", 1));
    ASSERT(!pp_http_etag_list_match(S("\"b"), "\"b\"", 1));
    ASSERT(!pp_http_etag_list_match(S("b"), "\"b\"", 1));
    ASSERT(pp_http_etag_list_match(S(" ,\"x\",,\"b\" "), "\"b\"", 1));
}

static enum pp_http_precondition pre(const char *headers, int *range)
{
    static char buf[1024];
    static struct pp_http_request r;
    snprintf(buf, sizeof buf, "GET / HTTP/1.1\r\nHost: h\r\n%s\r\n", headers);
    ASSERT_GT(pp_http_parse_request(buf, strlen(buf), &r), 0);
    return pp_http_preconditions(&r, "\"e1\"", 1000, range);
}

TEST(precondition_order)
{
    int range = 1;
    ASSERT_EQ(pre("", &range), PP_PRECOND_PROCEED);
    ASSERT_EQ(pre("If-None-Match: \"e1\"\r\n", &range), PP_PRECOND_NOT_MODIFIED);
    ASSERT_EQ(pre("If-None-Match: \"x\", W/\"e1\"\r\n", &range), PP_PRECOND_NOT_MODIFIED);
    ASSERT_EQ(pre("If-None-Match: *\r\n", &range), PP_PRECOND_NOT_MODIFIED);
    ASSERT_EQ(pre("If-None-Match: \"x\"\r\n", &range), PP_PRECOND_PROCEED);
    /* If-None-Match wins over If-Modified-Since (13.2.2 step 4 only without it). */
    ASSERT_EQ(pre("If-None-Match: \"x\"\r\nIf-Modified-Since: Thu, 01 Jan 1970 01:00:00 GMT\r\n",
                  &range),
              PP_PRECOND_PROCEED);
    ASSERT_EQ(pre("If-Modified-Since: Thu, 01 Jan 1970 01:00:00 GMT\r\n", &range),
              PP_PRECOND_NOT_MODIFIED); /* 3600 >= 1000 */
    ASSERT_EQ(pre("If-Modified-Since: Thu, 01 Jan 1970 00:00:01 GMT\r\n", &range),
              PP_PRECOND_PROCEED);
    ASSERT_EQ(pre("If-Modified-Since: garbage\r\n", &range), PP_PRECOND_PROCEED);
    ASSERT_EQ(pre("If-Match: \"x\"\r\n", &range), PP_PRECOND_FAILED);
    ASSERT_EQ(pre("If-Match: \"e1\"\r\n", &range), PP_PRECOND_PROCEED);
    ASSERT_EQ(pre("If-Unmodified-Since: Thu, 01 Jan 1970 00:00:01 GMT\r\n", &range),
              PP_PRECOND_FAILED);
}

TEST(if_range)
{
    int range = 1;
    ASSERT_EQ(pre("If-Range: \"e1\"\r\n", &range), PP_PRECOND_PROCEED);
    ASSERT_EQ(range, 1);
    ASSERT_EQ(pre("If-Range: \"other\"\r\n", &range), PP_PRECOND_PROCEED);
    ASSERT_EQ(range, 0);
    range = 1;
    ASSERT_EQ(pre("If-Range: W/\"e1\"\r\n", &range), PP_PRECOND_PROCEED);
    ASSERT_EQ(range, 0); /* weak tags never match If-Range */
    range = 1;
    ASSERT_EQ(pre("If-Range: Thu, 01 Jan 1970 00:16:40 GMT\r\n", &range), PP_PRECOND_PROCEED);
    ASSERT_EQ(range, 1); /* exactly the modification time */
    ASSERT_EQ(pre("If-Range: Thu, 01 Jan 1970 00:16:41 GMT\r\n", &range), PP_PRECOND_PROCEED);
    ASSERT_EQ(range, 0);
}

/* A date that starts with 'W' is a date, not a weak tag: on 2026-12-02, a
 * Wednesday, curl's If-Range with the file's own Last-Modified got 200. */
TEST(if_range_on_a_wednesday)
{
    static char buf[256];
    static struct pp_http_request r;
    int range = 1;
    snprintf(buf, sizeof buf,
             "GET / HTTP/1.1\r\nHost: h\r\nRange: bytes=0-1\r\n"
             "If-Range: Wed, 02 Dec 2026 00:00:00 GMT\r\n\r\n");
    ASSERT_GT(pp_http_parse_request(buf, strlen(buf), &r), 0);
    ASSERT_EQ(pp_http_preconditions(&r, "\"e1\"", 1796169600, &range), PP_PRECOND_PROCEED);
    ASSERT_EQ(range, 1);
    range = 1;
    ASSERT_EQ(pp_http_preconditions(&r, "\"e1\"", 1796169601, &range), PP_PRECOND_PROCEED);
    ASSERT_EQ(range, 0);
}
