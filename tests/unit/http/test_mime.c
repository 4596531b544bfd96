/* test_mime.c - the media-type table: /etc/mime.types-style files, the
 * built-in fallback, case and odd names. */
#include <stdio.h>
#include <unistd.h>

#include "test.h"
#include "http/mime.h"

TEST(reads_a_mime_types_file_and_falls_back)
{
    char path[] = "/tmp/pp_mime_XXXXXX";
    int fd = mkstemp(path);
    FILE *f;
    struct pp_mime *m;
    ASSERT_GE(fd, 0);
    f = fdopen(fd, "w");
    fprintf(f, "# comment\n\ntext/x-test\t\ttst  tst2 # trailing\napplication/x-first html\n"
               "no-slash ext\n");
    fclose(f);
    m = pp_mime_new(path);
    unlink(path);
    ASSERT(m != NULL);
    ASSERT_STREQ(pp_mime_lookup(m, "a.tst"), "text/x-test");
    ASSERT_STREQ(pp_mime_lookup(m, "dir.d/A.TST2"), "text/x-test");
    ASSERT_STREQ(pp_mime_lookup(m, "x.html"), "application/x-first"); /* the file wins */
    ASSERT_STREQ(pp_mime_lookup(m, "x.css"), "text/css");               /* built in */
    ASSERT_STREQ(pp_mime_lookup(m, "x.ext"), "application/octet-stream");
    ASSERT_STREQ(pp_mime_lookup(m, "noext"), "application/octet-stream");
    ASSERT_STREQ(pp_mime_lookup(m, "dot.dir/noext"), "application/octet-stream");
    ASSERT_STREQ(pp_mime_lookup(m, "trailing."), "application/octet-stream");
    pp_mime_free(m);
}

TEST(system_table_when_present)
{
    struct pp_mime *m = pp_mime_new(NULL);
    ASSERT(m != NULL);
    ASSERT_STREQ(pp_mime_lookup(m, "index.html"), "text/html");
    ASSERT_STREQ(pp_mime_lookup(m, "photo.PNG"), "image/png");
    if (access("/etc/mime.types", R_OK) == 0)
        ASSERT_GT(pp_mime_count(m), 500); /* Debian's media-types has ~1000 */
    pp_mime_free(m);
    pp_mime_free(NULL);
}
