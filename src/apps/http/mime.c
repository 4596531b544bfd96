/* mime.c - extension to media type, sorted once and binary-searched. */
#include "mime.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct entry {
    char *ext, *type;
    unsigned order; /* position of addition: ties go to the earlier */
};

struct pp_mime {
    struct entry *e;
    unsigned n, cap;
};

/* Used when /etc/mime.types is absent; the file wins where both have a type. */
static const char *const builtin[][2] = {
    {"html", "text/html"},         {"htm", "text/html"},          {"css", "text/css"},
    {"js", "text/javascript"},     {"mjs", "text/javascript"},    {"json", "application/json"},
    {"txt", "text/plain"},         {"xml", "application/xml"},    {"svg", "image/svg+xml"},
    {"png", "image/png"},          {"jpg", "image/jpeg"},         {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},          {"webp", "image/webp"},        {"ico", "image/vnd.microsoft.icon"},
    {"pdf", "application/pdf"},    {"wasm", "application/wasm"},  {"woff2", "font/woff2"},
    {"mp4", "video/mp4"},          {"gz", "application/gzip"},    {"pcap", "application/vnd.tcpdump.pcap"},
    {"tar", "application/x-tar"},  {"zip", "application/zip"},    {"md", "text/markdown"},
};

static int add(struct pp_mime *m, const char *ext, size_t extlen, const char *type, size_t tlen)
{
    struct entry *e;

    if (m->n == m->cap) {
        unsigned cap = m->cap ? m->cap * 2 : 256;
        e = realloc(m->e, cap * sizeof *e);
        if (!e)
            return -1;
        m->e = e;
        m->cap = cap;
    }
    e = &m->e[m->n];
    e->order = m->n;
    e->ext = strndup(ext, extlen);
    e->type = strndup(type, tlen);
    if (!e->ext || !e->type) {
        free(e->ext);
        free(e->type);
        return -1;
    }
    m->n++;
    return 0;
}

static int cmp(const void *a, const void *b)
{
    const struct entry *x = a, *y = b;
    int c = strcasecmp(x->ext, y->ext);
    /* Equal extensions keep file order (earlier wins); builtins come last. */
    return c ? c : (x->order < y->order ? -1 : x->order > y->order);
}

/* One line of mime.types: "type ext1 ext2 ...", '#' starts a comment. */
static int load_line(struct pp_mime *m, char *line)
{
    char *p = line, *type;
    size_t tlen;

    while (isspace((unsigned char)*p))
        p++;
    if (!*p || *p == '#')
        return 0;
    type = p;
    while (*p && !isspace((unsigned char)*p))
        p++;
    tlen = (size_t)(p - type);
    if (!strchr(type, '/') || strchr(type, '/') > type + tlen)
        return 0; /* not a media type */
    for (;;) {
        char *ext;
        while (isspace((unsigned char)*p))
            p++;
        if (!*p || *p == '#')
            return 0;
        ext = p;
        while (*p && !isspace((unsigned char)*p))
            p++;
        if (add(m, ext, (size_t)(p - ext), type, tlen) < 0)
            return -1;
    }
}

struct pp_mime *pp_mime_new(const char *path)
{
    struct pp_mime *m = calloc(1, sizeof *m);
    FILE *f;
    char line[4096];
    size_t i;

    if (!m)
        return NULL;
    f = fopen(path ? path : "/etc/mime.types", "r");
    if (f) {
        while (fgets(line, sizeof line, f))
            if (load_line(m, line) < 0) {
                fclose(f);
                goto err;
            }
        fclose(f);
    }
    for (i = 0; i < sizeof builtin / sizeof builtin[0]; i++)
        if (add(m, builtin[i][0], strlen(builtin[i][0]), builtin[i][1], strlen(builtin[i][1])) < 0)
            goto err;
    qsort(m->e, m->n, sizeof *m->e, cmp);
    return m;
err:
    pp_mime_free(m);
    return NULL;
}

void pp_mime_free(struct pp_mime *m)
{
    unsigned i;

    if (!m)
        return;
    for (i = 0; i < m->n; i++) {
        free(m->e[i].ext);
        free(m->e[i].type);
    }
    free(m->e);
    free(m);
}

const char *pp_mime_lookup(const struct pp_mime *m, const char *name)
{
    const char *slash = strrchr(name, '/'), *dot = strrchr(name, '.');
    unsigned lo = 0, hi = m->n;

    if (!dot || (slash && dot < slash) || dot[1] == 0)
        return "application/octet-stream";
    dot++;
    while (lo < hi) { /* the first entry not below dot */
        unsigned mid = lo + (hi - lo) / 2;
        if (strcasecmp(m->e[mid].ext, dot) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < m->n && strcasecmp(m->e[lo].ext, dot) == 0)
        return m->e[lo].type;
    return "application/octet-stream";
}

unsigned pp_mime_count(const struct pp_mime *m)
{
    return m->n;
}
