/* httpd_internal.h - what the server's files share: the server object, one
 * connection's state, and the functions each file offers the others. */
#ifndef PP_HTTPD_INTERNAL_H
#define PP_HTTPD_INTERNAL_H

#include <limits.h>
#include <pthread.h>
#include <time.h>

#include "httpd.h"
#include "file_cache.h"
#include "mime.h"
#include "request.h"

#define PP_HTTPD_INBUF (PP_HTTP_MAX_HEAD + 8192) /* a head plus pipelined bytes */
#define PP_HTTPD_OUTBUF (32 * 1024)              /* headers, small bodies, file chunks */
#define PP_HTTPD_SMALL 16384                     /* bodies sent in the header's write */
#define PP_HTTPD_EXTRA (PATH_MAX * 3 + 512)      /* a response's extra header lines */
/* A connection thread's stack: its buffers are on the heap, so 64 KiB (and
 * a guard page) hold the deepest path, a TLS handshake included; sanitizer
 * builds need several times that. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
#define PP_HTTPD_STACK (512 * 1024)
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define PP_HTTPD_STACK (512 * 1024)
#endif
#endif
#ifndef PP_HTTPD_STACK
#define PP_HTTPD_STACK (64 * 1024)
#endif

/* An accepted connection waiting for a thread (the waiting room). */
struct pp_httpd_waiting {
    int fd;
    int ready;        /* a whole request head (or EOF) is already there */
    long long since;  /* accepted at, monotonic ms */
    char peer[64];
};

struct pp_httpd {
    struct pp_httpd_config cfg;
    struct pp_httpd_net net;
    struct pp_mime *mime;
    struct pp_file_cache *cache; /* small files, NULL when disabled */
    int root_fd;
    int use_openat2; /* RESOLVE_BENEATH is available */
    char *root_real; /* realpath of the root, for the fallback check */

    pthread_mutex_t lock;
    pthread_cond_t work, space, done;
    struct pp_httpd_waiting *queue; /* accepted, waiting for a thread, oldest first */
    int qlen, qcap;
    int busy;     /* threads serving a connection */
    int nthreads, idle;
    int starting; /* threads created that have not yet taken the lock */
    volatile int stopping;
    struct pp_httpd_stats stats;
};

struct pp_httpd_conn {
    struct pp_httpd *h;
    int fd;
    char peer[64];
    char *in;  /* PP_HTTPD_INBUF */
    char *out; /* PP_HTTPD_OUTBUF */
    char *cbuf; /* PP_FILE_CACHE_MAX: a small file's bytes */
    char *extra; /* PP_HTTPD_EXTRA: the response's extra header lines */
    size_t have;
    /* Filled per response for the access log. */
    int status;
    unsigned long long body_sent;
};

long long pp__httpd_now_ms(void);

/* respond.c: answers the request at the head of c->in (head_len bytes, or
 * the parser's negative status).  1 to keep the connection, 0 to close. */
int pp__httpd_respond(struct pp_httpd_conn *c, const struct pp_http_request *req, int head_len);
/* Sends a bodied error response (and logs it) for a connection that is to
 * be closed: 408, 431... */
void pp__httpd_error(struct pp_httpd_conn *c, const struct pp_http_request *req, int status);
/* Sends all of buf; 0 or -errno (a client that reads nothing for timeout_s
 * seconds gets -ETIMEDOUT). */
int pp__httpd_send_all(struct pp_httpd_conn *c, const void *buf, size_t n, int more);

/* listing.c: an HTML index of the open directory dirfd shown as url_path
 * (decoded, with a trailing '/'); malloc'd, its length in *len.  NULL when
 * out of memory or the directory cannot be read. */
char *pp__httpd_listing(int dirfd, const char *url_path, size_t *len);
/* Appends s HTML-escaped (& < > " ') to out; returns the length needed. */
size_t pp__html_escape(const char *s, char *out, size_t cap);

/* accesslog.c: one Combined Log Format line for the response just sent. */
void pp__httpd_log(struct pp_httpd_conn *c, const struct pp_http_request *req);

/* handler.c: offers the request to the configured handler; 1 when it
 * answered, 0 when the files should, -1 to close.  *keep may be cleared. */
int pp__httpd_call_handler(struct pp_httpd_conn *c, const struct pp_http_request *req, int *keep);
/* respond.c: an application's response (handler.c) with the server's
 * head - Server, Date, framing, keep-alive - and no-store caching: a body
 * in memory, or with stream set a head whose body follows until the
 * connection closes (*keep is cleared then).  0 or -errno. */
int pp__httpd_reply_app(struct pp_httpd_conn *c, const struct pp_http_request *req, int status, const char *type,
                        const char *extra, const void *body, size_t len, int stream, int *keep);

/* The reason phrase of a status code. */
const char *pp__httpd_reason(int status);

#endif
