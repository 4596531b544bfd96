/* httpd.h - the static web server: one process, one thread per TCP
 * connection (threads come from a pool of at most max_conns), over a small
 * socket interface that both the kernel's sockets and portplex's stack
 * implement, so the server code is the same on both. */
#ifndef PP_HTTPD_H
#define PP_HTTPD_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Every blocking call of a backend returns after at most this long, so the
 * server can check its deadlines and the stop flag. */
#define PP_HTTPD_TICK_MS 250

/* What the server needs from a socket layer.  Calls return >= 0 or -errno,
 * and -EAGAIN when a tick passed without progress. */
struct pp_httpd_net {
    void *ctx;
    const char *name; /* "kernel", "portplex" */
    /* The next connection's descriptor; its peer as text in peer. */
    int (*accept)(void *ctx, char *peer, size_t peercap);
    /* Up to n bytes; 0 at end of stream. */
    ssize_t (*recv)(void *ctx, int fd, void *buf, size_t n);
    /* Like recv but leaves the bytes queued and never waits (-EAGAIN). */
    ssize_t (*peek)(void *ctx, int fd, void *buf, size_t n);
    /* Optional (NULL: the server looks for a request head with peek): 1 when
     * the connection's first message has arrived whole, so a thread will
     * not wait on it; 0 not yet; -1 at its end or an error. */
    int (*ready)(void *ctx, int fd);
    /* Some of buf (a partial count is fine); more: the rest of the response follows at once. */
    ssize_t (*send)(void *ctx, int fd, const void *buf, size_t n, int more);
    /* Some of file[*off, *off + n), advancing *off; NULL when the backend
     * has no zero-copy path (the server then reads and sends). */
    ssize_t (*sendfile)(void *ctx, int fd, int file, off_t *off, size_t n);
    void (*close)(void *ctx, int fd);
    /* Stops accepting: closes the listening socket. */
    void (*close_listener)(void *ctx);
    void (*free)(void *ctx);
};

struct pp_httpd_exchange; /* one request to the handler and its answer */

struct pp_httpd_config {
    const char *root;    /* directory served (NULL: none; only with a handler) */
    int max_conns;       /* threads, so connections served at once (1..65536) */
    int timeout_s;       /* request-head deadline and keep-alive idle limit */
    int grace_s;         /* on stop: how long in-flight responses may take */
    int listing;         /* directory listings when there is no index.html */
    int follow_symlinks; /* serve symlinks that leave the root */
    int log_fd;          /* access log (Combined Log Format), -1 for none */
    int no_cache;        /* do not cache small files (changes show at once) */
    /* A directory's index files, tried in order (NULL: "index.html"). */
    const char *const *index;
    int n_index;
    const char *headers;       /* lines ("Name: value\r\n" each) added to every response, or NULL */
    const char *cache_control; /* Cache-Control of 200, 206 and 304 responses, or NULL */
    const char *tls_cert, *tls_key; /* PEM files: HTTPS on whatever backend, or NULL */
    /* An application's requests (handler.c): called first for every
     * well-formed request; 1 when it answered, 0 to let the files answer
     * (404 when root is NULL), -1 to close the connection.  It may hold
     * its connection's thread (an event stream) until the peer leaves or
     * pp_httpd_x_stopping says the server is stopping. */
    int (*handler)(void *arg, struct pp_httpd_exchange *x);
    void *handler_arg;
};

struct pp_httpd_stats {
    unsigned long long connections, requests, bytes;
    unsigned long long status[6]; /* by class: [2] = 2xx ... [5] = 5xx */
    unsigned long long timeouts;  /* 408s and idle closes */
};

struct pp_httpd;

/* Opens the root and prepares the server; takes ownership of net (freed by
 * pp_httpd_free, or here on failure).  NULL with a message in err (256 bytes). */
struct pp_httpd *pp_httpd_new(const struct pp_httpd_config *cfg, struct pp_httpd_net *net,
                              char *err);
/* Accepts and serves until *stop becomes non-zero, then stops accepting,
 * lets in-flight responses finish for up to grace_s and returns 0, or -ETIMEDOUT
 * if some connection threads were still busy (they are left running). */
int pp_httpd_run(struct pp_httpd *h, volatile sig_atomic_t *stop);
void pp_httpd_get_stats(struct pp_httpd *h, struct pp_httpd_stats *out);
/* Frees the server; NULL is fine.  Only after pp_httpd_run returned 0. */
void pp_httpd_free(struct pp_httpd *h);

/* For a handler.  The request's method and target (path and query) as
 * NUL-terminated strings valid during the call. */
const char *pp_httpd_x_method(const struct pp_httpd_exchange *x);
const char *pp_httpd_x_target(const struct pp_httpd_exchange *x);
/* A request header's value copied into buf (cap bytes, truncated), or
 * NULL when absent. */
const char *pp_httpd_x_header(const struct pp_httpd_exchange *x, const char *name, char *buf,
                              size_t cap);
/* Answers with status and a body held in memory; extra is NULL or header
 * lines each ending in CRLF.  0 or -errno. */
int pp_httpd_x_reply(struct pp_httpd_exchange *x, int status, const char *type, const char *extra,
                     const void *body, size_t len);
/* Begins a response whose body is written piece by piece until the
 * connection closes (Server-Sent Events: type "text/event-stream"); then
 * pp_httpd_x_write sends each piece.  0 or -errno (the peer left). */
int pp_httpd_x_stream_begin(struct pp_httpd_exchange *x, const char *type);
int pp_httpd_x_write(struct pp_httpd_exchange *x, const void *buf, size_t len);
/* Non-zero once the server is stopping: a stream must end. */
int pp_httpd_x_stopping(const struct pp_httpd_exchange *x);

/* The kernel backend: listens on spec ("PORT", "ADDR:PORT", "[V6ADDR]:PORT";
 * without an address, on all IPv6 and IPv4 addresses) with sendfile(2).
 * 0; -2 with a message in err when spec is malformed (a usage error); -1
 * with a message when listening failed. */
int pp_httpd_net_kernel(const char *spec, struct pp_httpd_net *net, char *err);

/* The port the kernel backend listens on (useful after --listen 0), or -1. */
int pp_httpd_net_kernel_port(const struct pp_httpd_net *net);

/* TLS 1.2/1.3 around net (net_tls.c, OpenSSL): net becomes a backend that
 * speaks HTTPS over the one it was, with the certificate chain and key in
 * the PEM files cert and key.  0; -1 with a message in err, net unchanged.
 * pp_httpd_new does this itself when the config names a certificate. */
int pp_httpd_net_tls(struct pp_httpd_net *net, const char *cert, const char *key, char *err);

/* The portplex backend: listens on port of the user-space stack st. */
struct pp_stack;
int pp_httpd_net_portplex(struct pp_stack *st, uint16_t port, struct pp_httpd_net *net, char *err);

#endif
