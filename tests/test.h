/* test.h - a tiny test registry: TEST(name) { ... } cases, assertions that
 * print both operands, and a main() that runs one named case (as ctest does,
 * one process per case) or all of them. */
#ifndef PP_TEST_H
#define PP_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*pp_test_fn)(void);
void pp_test_register(const char *name, pp_test_fn fn);

#define TEST(name)                                                                   \
    static void test_##name(void);                                                   \
    __attribute__((constructor)) static void register_##name(void)                   \
    {                                                                                \
        pp_test_register(#name, test_##name);                                        \
    }                                                                                \
    static void test_##name(void)

#define PP_TEST_FAIL(...)                                                            \
    do {                                                                             \
        fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                              \
        fprintf(stderr, __VA_ARGS__);                                                \
        fputc('\n', stderr);                                                         \
        abort();                                                                     \
    } while (0)

#define ASSERT(c)                                                                    \
    do {                                                                             \
        if (!(c))                                                                    \
            PP_TEST_FAIL("assertion failed: %s", #c);                                \
    } while (0)

#define ASSERT_CMP(a, op, b)                                                         \
    do {                                                                             \
        long long a_ = (long long)(a), b_ = (long long)(b);                          \
        if (!(a_ op b_))                                                             \
            PP_TEST_FAIL("expected %s %s %s: %lld (0x%llx) vs %lld (0x%llx)", #a, #op, \
                         #b, a_, (unsigned long long)a_, b_, (unsigned long long)b_); \
    } while (0)

#define ASSERT_EQ(a, b) ASSERT_CMP(a, ==, b)
#define ASSERT_NE(a, b) ASSERT_CMP(a, !=, b)
#define ASSERT_LT(a, b) ASSERT_CMP(a, <, b)
#define ASSERT_LE(a, b) ASSERT_CMP(a, <=, b)
#define ASSERT_GT(a, b) ASSERT_CMP(a, >, b)
#define ASSERT_GE(a, b) ASSERT_CMP(a, >=, b)

#define ASSERT_STREQ(a, b)                                                           \
    do {                                                                             \
        const char *a_ = (a), *b_ = (b);                                             \
        if (strcmp(a_, b_) != 0)                                                     \
            PP_TEST_FAIL("expected %s == %s: \"%s\" vs \"%s\"", #a, #b, a_, b_);     \
    } while (0)

#define ASSERT_MEMEQ(a, b, n)                                                        \
    do {                                                                             \
        if (memcmp((a), (b), (n)) != 0)                                              \
            PP_TEST_FAIL("expected %zu bytes of %s and %s to match", (size_t)(n), #a, #b); \
    } while (0)

#endif
