/* test_encoding.c - Accept-Encoding weights (RFC 9110 12.5.3): names,
 * x-gzip, "*", q-values and malformed elements. */
#include "test.h"
#include "http/encoding.h"
#include "http/request.h"

/* The weight of coding for a request whose head carries the given
 * Accept-Encoding lines (NULL-terminated). */
static int q_of(const char *coding, const char *const *lines)
{
    static char head[2048];
    static struct pp_http_request req;
    size_t n = (size_t)snprintf(head, sizeof head, "GET / HTTP/1.1\r\nHost: x\r\n");
    for (; *lines; lines++)
        n += (size_t)snprintf(head + n, sizeof head - n, "Accept-Encoding: %s\r\n", *lines);
    n += (size_t)snprintf(head + n, sizeof head - n, "\r\n");
    ASSERT_GT(pp_http_parse_request(head, n, &req), 0);
    return pp_http_accept_q(&req, coding);
}

#define Q(coding, ...) q_of(coding, (const char *const[]){__VA_ARGS__, NULL})

TEST(accept_encoding_weights)
{
    ASSERT_EQ(Q("gzip", "gzip"), 1000);
    ASSERT_EQ(Q("gzip", "gzip, deflate, br"), 1000);
    ASSERT_EQ(Q("br", "gzip, deflate, br"), 1000);
    ASSERT_EQ(Q("gzip", "GZIP;q=0.5"), 500);
    ASSERT_EQ(Q("gzip", "gzip ; q=0.25"), 250);
    ASSERT_EQ(Q("gzip", "x-gzip"), 1000);
    ASSERT_EQ(Q("br", "gzip;q=1.0, br;q=0.8"), 800);
    ASSERT_EQ(Q("gzip", "gzip;q=0"), 0);
    ASSERT_EQ(Q("gzip", "*"), 1000);
    ASSERT_EQ(Q("gzip", "*;q=0.1"), 100);
    ASSERT_EQ(Q("gzip", "gzip;q=0, *"), 0); /* named beats the star */
    ASSERT_EQ(Q("br", "gzip", "br;q=0.3"), 300); /* two fields are one list */
    ASSERT_EQ(Q("br", "identity"), 0);
    ASSERT_EQ(Q("br", ""), 0);
}

TEST(accept_encoding_malformed_elements_are_ignored)
{
    ASSERT_EQ(Q("gzip", "gzip;q=2"), 0);
    ASSERT_EQ(Q("gzip", "gzip;q=1.5"), 0);
    ASSERT_EQ(Q("gzip", "gzip;q=0.12345"), 0);
    ASSERT_EQ(Q("gzip", "gzip;level=9"), 0);
    ASSERT_EQ(Q("gzip", "gzipx"), 0);
    ASSERT_EQ(Q("gzip", ",,gzip;q=0.7,,"), 700);
}

TEST(no_accept_encoding_means_no_coding)
{
    static char head[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    struct pp_http_request req;
    ASSERT_GT(pp_http_parse_request(head, sizeof head - 1, &req), 0);
    ASSERT_EQ(pp_http_accept_q(&req, "gzip"), 0);
}
