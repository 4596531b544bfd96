/* test_main.c - the runner behind test.h: `prog` runs every case, `prog NAME`
 * one case, `prog --list` lists them. */
#include "test.h"

#define MAX_TESTS 512

static struct {
    const char *name;
    pp_test_fn fn;
} tests[MAX_TESTS];
static int ntests;

void pp_test_register(const char *name, pp_test_fn fn)
{
    if (ntests == MAX_TESTS) {
        fprintf(stderr, "too many tests\n");
        abort();
    }
    tests[ntests].name = name;
    tests[ntests].fn = fn;
    ntests++;
}

int main(int argc, char **argv)
{
    int i, ran = 0;

    if (argc > 1 && strcmp(argv[1], "--list") == 0) {
        for (i = 0; i < ntests; i++)
            printf("%s\n", tests[i].name);
        return 0;
    }
    for (i = 0; i < ntests; i++) {
        if (argc > 1 && strcmp(argv[1], tests[i].name) != 0)
            continue;
        tests[i].fn();
        printf("ok %s\n", tests[i].name);
        ran++;
    }
    if (!ran) {
        fprintf(stderr, "no test named %s\n", argc > 1 ? argv[1] : "(any)");
        return 1;
    }
    return 0;
}
