/* listing.c - the HTML index of a directory without index.html: names
 * HTML-escaped in text and percent-encoded in links, sorted, with sizes and
 * modification times. */
#include "httpd_internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "path.h"

size_t pp__html_escape(const char *s, char *out, size_t cap)
{
    size_t n = 0;

    for (; *s; s++) {
        const char *rep = NULL;
        char one[2] = {*s, 0};
        size_t rl;
        switch (*s) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: rep = one;
        }
        rl = strlen(rep);
        if (n + rl < cap)
            memcpy(out + n, rep, rl);
        n += rl;
    }
    if (cap)
        out[n < cap ? n : cap - 1] = 0;
    return n;
}

struct buf {
    char *p;
    size_t len, cap;
    int failed;
};

static void put(struct buf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->cap ? b->cap : 4096);
        char *p;
        while (cap < b->len + n + 1)
            cap *= 2;
        p = realloc(b->p, cap);
        if (!p) {
            b->failed = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

static void puts_buf(struct buf *b, const char *s)
{
    put(b, s, strlen(s));
}

static void put_escaped(struct buf *b, const char *s)
{
    char tmp[256 * 6 + 1];
    size_t n = pp__html_escape(s, tmp, sizeof tmp);
    if (n < sizeof tmp) {
        put(b, tmp, n);
    } else { /* a long path: escape piecewise */
        char one[2] = {0, 0};
        for (; *s; s++) {
            one[0] = *s;
            pp__html_escape(one, tmp, sizeof tmp);
            puts_buf(b, tmp);
        }
    }
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char *pp__httpd_listing(int dirfd, const char *url_path, size_t *len)
{
    struct buf b = {0};
    char **names = NULL, line[256], href[256 * 3 + 2];
    size_t n = 0, cap = 0, i;
    struct dirent *de;
    int dfd = dup(dirfd);
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;

    if (!d) {
        if (dfd >= 0)
            close(dfd);
        return NULL;
    }
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (n == cap) {
            char **nn = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof *names);
            if (!nn)
                goto fail;
            names = nn;
        }
        if (!(names[n] = strdup(de->d_name)))
            goto fail;
        n++;
    }
    qsort(names, n, sizeof *names, by_name);
    puts_buf(&b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Index of ");
    put_escaped(&b, url_path);
    puts_buf(&b, "</title></head>\n<body><h1>Index of ");
    put_escaped(&b, url_path);
    puts_buf(&b, "</h1><hr><table>\n");
    if (strcmp(url_path, "/") != 0)
        puts_buf(&b, "<tr><td><a href=\"../\">../</a></td><td></td><td></td></tr>\n");
    for (i = 0; i < n; i++) {
        struct stat st;
        int is_dir;
        char when[32];
        struct tm tm;
        if (fstatat(dirfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        is_dir = S_ISDIR(st.st_mode);
        pp_http_url_encode(names[i], 0, href, sizeof href);
        gmtime_r(&st.st_mtim.tv_sec, &tm);
        strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm);
        puts_buf(&b, "<tr><td><a href=\"");
        puts_buf(&b, href);
        puts_buf(&b, is_dir ? "/\">" : "\">");
        put_escaped(&b, names[i]);
        puts_buf(&b, is_dir ? "/</a></td>" : "</a></td>");
        if (is_dir)
            snprintf(line, sizeof line, "<td>%s</td><td>-</td></tr>\n", when);
        else
            snprintf(line, sizeof line, "<td>%s</td><td>%llu</td></tr>\n", when,
                     (unsigned long long)st.st_size);
        puts_buf(&b, line);
    }
    puts_buf(&b, "</table><hr></body></html>\n");
    for (i = 0; i < n; i++)
        free(names[i]);
    free(names);
    closedir(d);
    if (b.failed) {
        free(b.p);
        return NULL;
    }
    *len = b.len;
    return b.p;
fail:
    for (i = 0; i < n; i++)
        free(names[i]);
    free(names);
    closedir(d);
    free(b.p);
    return NULL;
}
