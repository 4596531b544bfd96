/* path.h - from an HTTP request target to a file path under the served root,
 * and back to a percent-encoded URL path.  This is the traversal defence: the
 * result never names anything above the root, whatever the encoding. */
#ifndef PP_HTTP_PATH_H
#define PP_HTTP_PATH_H

#include <stddef.h>

#include "request.h"

/* Decodes target (origin-form "/a/b?q", or absolute-form "http://h/a/b")
 * into out: the path relative to the root, segments joined by '/', no
 * leading or trailing '/', "" for the root itself.  %XX is decoded exactly
 * once; "." and empty segments are dropped and ".." removes the previous
 * segment (RFC 3986 5.2.4).  *dir_form is set when the decoded path ends in
 * '/' (or is the root).  Returns 0, or -400 for: a target that is not a path,
 * a bad %-escape, a NUL, control character or backslash anywhere after
 * decoding, a ".." that would climb above the root, or a path longer than
 * cap - 1. */
int pp_http_target_path(struct pp_http_str target, char *out, size_t cap, int *dir_form);

/* Percent-encodes path for use in a URL (Location, href): every byte except
 * RFC 3986 unreserved characters and, if keep_slash, '/' becomes %XX.
 * Writes at most cap - 1 bytes and a NUL; returns the length it needed
 * (like snprintf). */
size_t pp_http_url_encode(const char *path, int keep_slash, char *out, size_t cap);

#endif
