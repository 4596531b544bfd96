/* mime.h - Content-Type by file extension: the system's /etc/mime.types
 * (Debian's media-types package) when readable, else a built-in table. */
#ifndef PP_HTTP_MIME_H
#define PP_HTTP_MIME_H

struct pp_mime;

/* Loads the table from path (NULL: /etc/mime.types); a missing or unreadable
 * file leaves only the built-in types.  NULL only when out of memory. */
struct pp_mime *pp_mime_new(const char *path);
void pp_mime_free(struct pp_mime *m);
/* The type for a file name ("application/octet-stream" when unknown);
 * extensions compare without case.  The string lives as long as m. */
const char *pp_mime_lookup(const struct pp_mime *m, const char *name);
/* How many extensions the table knows (for tests and the startup line). */
unsigned pp_mime_count(const struct pp_mime *m);

#endif
