/* test_request.c - the HTTP request-head parser: valid heads, every prefix
 * incomplete (never an error), each malformation with its status, limits,
 * and inputs placed right before an unmapped page so any over-read faults. */
#include <sys/mman.h>
#include <unistd.h>

#include "test.h"
#include "http/request.h"

/* Copies s to the very end of a page followed by an unmapped one. */
static const char *guarded(const char *s, size_t n)
{
    static char *base;
    static size_t page;
    if (!base) {
        page = (size_t)sysconf(_SC_PAGESIZE);
        base = mmap(NULL, page * 40, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        ASSERT(base != MAP_FAILED);
        ASSERT_EQ(mprotect(base + page * 39, page, PROT_NONE), 0);
    }
    ASSERT_LE(n, page * 39);
    memcpy(base + page * 39 - n, s, n);
    return base + page * 39 - n;
}

static int parse(const char *s, struct pp_http_request *r)
{
    size_t n = strlen(s);
    return pp_http_parse_request(guarded(s, n), n, r);
}

static const char GET[] = "GET /index.html?q=1 HTTP/1.1\r\n"
                          "Host: example.test\r\n"
                          "User-Agent:  curl/7.88 \r\n"
                          "Accept: */*\r\n"
                          "\r\n";

TEST(parses_a_get)
{
    struct pp_http_request r;
    const struct pp_http_header *h;
    int count;
    ASSERT_EQ(parse(GET, &r), (int)strlen(GET));
    ASSERT(pp_http_str_eq_nocase(r.method, "GET"));
    ASSERT_EQ(r.target.n, 15);
    ASSERT_MEMEQ(r.target.p, "/index.html?q=1", 15);
    ASSERT_EQ(r.minor, 1);
    ASSERT_EQ(r.nheaders, 3);
    h = pp_http_header_find(&r, "user-agent", &count);
    ASSERT(h != NULL);
    ASSERT_EQ(count, 1);
    ASSERT_EQ(h->value.n, 9); /* OWS trimmed on both sides */
    ASSERT_MEMEQ(h->value.p, "curl/7.88", 9);
    ASSERT(pp_http_header_find(&r, "HOST", &count) != NULL);
    ASSERT(pp_http_header_find(&r, "Cookie", &count) == NULL);
    ASSERT_EQ(count, 0);
}

TEST(every_prefix_is_incomplete_never_an_error)
{
    struct pp_http_request r;
    size_t n;
    for (n = 0; n < strlen(GET); n++)
        ASSERT_EQ(pp_http_parse_request(guarded(GET, n), n, &r), PP_HTTP_INCOMPLETE);
}

TEST(pipelined_requests_parse_one_at_a_time)
{
    char two[512];
    struct pp_http_request r;
    int a;
    snprintf(two, sizeof two, "%sHEAD / HTTP/1.0\r\n\r\n", GET);
    a = parse(two, &r);
    ASSERT_EQ(a, (int)strlen(GET));
    ASSERT_EQ(pp_http_parse_request(two + a, strlen(two) - (size_t)a, &r), 19);
    ASSERT(pp_http_str_eq_nocase(r.method, "HEAD"));
    ASSERT_EQ(r.minor, 0);
}

TEST(leading_empty_line_is_ignored)
{
    struct pp_http_request r;
    ASSERT_EQ(parse("\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", &r), 29);
}

TEST(malformations_and_their_statuses)
{
    static const struct {
        const char *req;
        int status;
    } bad[] = {
        {"GET / HTTP/1.1\nHost: a\n\n", -400},              /* bare LF */
        {"GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", -400},       /* bare CR in a value */
        {"GET / HTTP/1.1\r\nHost : a\r\n\r\n", -400},         /* space before the colon */
        {"GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", -400}, /* obs-fold */
        {"GET  / HTTP/1.1\r\n\r\n", -400},                    /* two spaces */
        {"GET / HTTP/1.1 \r\n\r\n", -400},                    /* trailing space */
        {"GET /a b HTTP/1.1\r\n\r\n", -400},                  /* space in the target */
        {"G(T / HTTP/1.1\r\n\r\n", -400},                     /* not a token */
        {"GET / HTTP/1\r\n\r\n", -400},                       /* short version */
        {"GET / HTTPS/1.1\r\n\r\n", -400},
        {"GET / HTTP/2.0\r\n\r\n", -505},
        {"GET / HTTP/1.1\r\n: empty\r\n\r\n", -400},          /* no header name */
        {"GET / HTTP/1.1\r\nNoColon\r\n\r\n", -400},
        {" GET / HTTP/1.1\r\n\r\n", -400},
    };
    struct pp_http_request r;
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = parse(bad[i].req, &r);
        if (rc != bad[i].status)
            PP_TEST_FAIL("case %zu (%s): %d, expected %d", i, bad[i].req, rc, bad[i].status);
    }
    {
        /* A NUL inside a header value. */
        static const char nul[] = "GET / HTTP/1.1\r\nX: a\0b\r\n\r\n";
        ASSERT_EQ(pp_http_parse_request(guarded(nul, sizeof nul - 1), sizeof nul - 1, &r), -400);
    }
}

TEST(limits_414_and_431)
{
    static char big[80000];
    struct pp_http_request r;
    size_t n;
    int i;
    /* An 8 KiB+ request line, complete or not. */
    n = (size_t)snprintf(big, sizeof big, "GET /");
    memset(big + n, 'a', 9000);
    n += 9000;
    ASSERT_EQ(pp_http_parse_request(guarded(big, n), n, &r), -414);
    n += (size_t)snprintf(big + n, sizeof big - n, " HTTP/1.1\r\n\r\n");
    ASSERT_EQ(pp_http_parse_request(guarded(big, n), n, &r), -414);
    /* A header block past 64 KiB. */
    n = (size_t)snprintf(big, sizeof big, "GET / HTTP/1.1\r\nX: ");
    memset(big + n, 'v', 70000);
    n += 70000;
    ASSERT_EQ(pp_http_parse_request(guarded(big, n), n, &r), -431);
    /* 65 header fields. */
    n = (size_t)snprintf(big, sizeof big, "GET / HTTP/1.1\r\n");
    for (i = 0; i < 65; i++)
        n += (size_t)snprintf(big + n, sizeof big - n, "X-%d: v\r\n", i);
    n += (size_t)snprintf(big + n, sizeof big - n, "\r\n");
    ASSERT_EQ(pp_http_parse_request(guarded(big, n), n, &r), -431);
}

TEST(duplicate_host_is_visible)
{
    struct pp_http_request r;
    int count;
    ASSERT_GT(parse("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", &r), 0);
    ASSERT(pp_http_header_find(&r, "Host", &count) != NULL);
    ASSERT_EQ(count, 2); /* the server answers 400 */
}
