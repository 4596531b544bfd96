/* test_path.c - request targets to paths under the root: normal paths,
 * dot segments, every traversal spelling we know of, and URL encoding. */
#include "test.h"
#include "http/path.h"

static int tp(const char *target, char *out, int *dir)
{
    struct pp_http_str t = {target, strlen(target)};
    return pp_http_target_path(t, out, 256, dir);
}

TEST(plain_paths_and_queries)
{
    char out[256];
    int dir;
    ASSERT_EQ(tp("/", out, &dir), 0);
    ASSERT_STREQ(out, "");
    ASSERT_EQ(dir, 1);
    ASSERT_EQ(tp("/a/b.txt?x=/../..", out, &dir), 0);
    ASSERT_STREQ(out, "a/b.txt");
    ASSERT_EQ(dir, 0);
    ASSERT_EQ(tp("/a//b/./c/", out, &dir), 0);
    ASSERT_STREQ(out, "a/b/c");
    ASSERT_EQ(dir, 1);
    ASSERT_EQ(tp("/a/b/../c", out, &dir), 0);
    ASSERT_STREQ(out, "a/c");
    ASSERT_EQ(tp("/a/..", out, &dir), 0);
    ASSERT_STREQ(out, "");
    ASSERT_EQ(dir, 1);
    ASSERT_EQ(tp("/sp%20ace%3F.txt", out, &dir), 0);
    ASSERT_STREQ(out, "sp ace?.txt");
    ASSERT_EQ(tp("/caf%C3%A9", out, &dir), 0);
    ASSERT_STREQ(out, "caf\xc3\xa9");
}

TEST(traversal_is_refused_in_every_spelling)
{
    static const char *const bad[] = {
        "/..", "/../etc/passwd", "/a/../../etc/passwd", "/%2e%2e/etc/passwd", "/%2E%2E/",
        "/.%2e/x", "/a/..%2f..%2fetc", "/..%2f", "/a%5c..%5c..%5cetc", "/a\\..\\x", "/%00",
        "/a%00.txt", "/%0d%0aSet-Cookie:x", "/%", "/%4", "/%zz", "*", "", "a/b",
        "http://h/../../etc/passwd", "http:/x", "//..", "/%7f",
    };
    char out[256];
    int dir;
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (tp(bad[i], out, &dir) != -400)
            PP_TEST_FAIL("'%s' was accepted as '%s'", bad[i], out);
    }
}

TEST(double_encoding_is_decoded_once)
{
    char out[256];
    int dir;
    /* %252e is "%2e" after one decoding: a literal name, never "..". */
    ASSERT_EQ(tp("/%252e%252e/%252e%252e/etc/passwd", out, &dir), 0);
    ASSERT_STREQ(out, "%2e%2e/%2e%2e/etc/passwd");
}

TEST(absolute_form_uses_only_the_path)
{
    char out[256];
    int dir;
    ASSERT_EQ(tp("http://example.test/a/b", out, &dir), 0);
    ASSERT_STREQ(out, "a/b");
    ASSERT_EQ(tp("http://example.test", out, &dir), 0);
    ASSERT_STREQ(out, "");
    ASSERT_EQ(dir, 1);
    ASSERT_EQ(tp("HTTP://example.test:80/x?q", out, &dir), 0);
    ASSERT_STREQ(out, "x");
}

TEST(too_long_is_refused)
{
    char target[600], out[256];
    int dir;
    memset(target, 'a', sizeof target - 1);
    target[0] = '/';
    target[sizeof target - 1] = 0;
    ASSERT_EQ(tp(target, out, &dir), -400);
}

TEST(url_encoding)
{
    char out[64];
    ASSERT_EQ(pp_http_url_encode("a b/<x>\"&'", 1, out, sizeof out), 22);
    ASSERT_STREQ(out, "a%20b/%3Cx%3E%22%26%27");
    ASSERT_EQ(pp_http_url_encode("a/b", 0, out, sizeof out), 5);
    ASSERT_STREQ(out, "a%2Fb");
    ASSERT_EQ(pp_http_url_encode("\r\n", 1, out, sizeof out), 6);
    ASSERT_STREQ(out, "%0D%0A");
    ASSERT_EQ(pp_http_url_encode("abcdef", 1, out, 4), 6); /* truncated, told */
    ASSERT_EQ(strlen(out), 3);
}
