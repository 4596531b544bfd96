/* net_tls.c - HTTPS: a backend that wraps another (the kernel's sockets or
 * portplex's stack) in TLS 1.2/1.3 with OpenSSL.  Each connection's SSL
 * object talks through a BIO whose reads and writes are the inner
 * backend's recv and send, so the same code runs over our own TCP.  The
 * handshake happens in the connection's thread on its first read, under the
 * request-head deadline: a client that stalls mid-handshake (or a flood of
 * them) holds a thread no longer than a slow plain-text head would.  ALPN
 * offers http/1.1 only (RFC 7301); there is no zero-copy path (sendfile is
 * NULL: the server reads files and writes them through TLS). */
#include "httpd.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

struct tls_conn {
    struct tls *t;
    int fd;
    SSL *ssl;
};

struct tls {
    struct pp_httpd_net inner;
    SSL_CTX *ctx;
    BIO_METHOD *bio_method;
    pthread_mutex_t lock; /* the table below */
    struct tls_conn **conns; /* by descriptor */
    int cap;
};

/* --- the BIO: TLS records through the inner backend ---------------------- */

static int bio_write(BIO *b, const char *buf, int len)
{
    struct tls_conn *c = BIO_get_data(b);
    ssize_t w = c->t->inner.send(c->t->inner.ctx, c->fd, buf, (size_t)len, 0);

    BIO_clear_retry_flags(b);
    if (w == -EAGAIN) {
        BIO_set_retry_write(b);
        return -1;
    }
    return w < 0 ? -1 : (int)w;
}

static int bio_read(BIO *b, char *buf, int len)
{
    struct tls_conn *c = BIO_get_data(b);
    ssize_t r = c->t->inner.recv(c->t->inner.ctx, c->fd, buf, (size_t)len);

    BIO_clear_retry_flags(b);
    if (r == -EAGAIN) {
        BIO_set_retry_read(b);
        return -1;
    }
    return r < 0 ? -1 : (int)r;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void)b;
    (void)num;
    (void)ptr;
    return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static int bio_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

/* --- the connection table ------------------------------------------------ */

static struct tls_conn *conn_of(struct tls *t, int fd)
{
    struct tls_conn *c = NULL;

    pthread_mutex_lock(&t->lock);
    if (fd >= 0 && fd < t->cap)
        c = t->conns[fd];
    pthread_mutex_unlock(&t->lock);
    return c;
}

static int conn_put(struct tls *t, int fd, struct tls_conn *c)
{
    pthread_mutex_lock(&t->lock);
    if (fd >= t->cap) {
        int cap = t->cap ? t->cap : 1024;
        struct tls_conn **n;
        while (cap <= fd)
            cap *= 2;
        n = realloc(t->conns, (size_t)cap * sizeof *n);
        if (!n) {
            pthread_mutex_unlock(&t->lock);
            return -ENOMEM;
        }
        memset(n + t->cap, 0, (size_t)(cap - t->cap) * sizeof *n);
        t->conns = n;
        t->cap = cap;
    }
    t->conns[fd] = c;
    pthread_mutex_unlock(&t->lock);
    return 0;
}

/* --- the backend ---------------------------------------------------------- */

static int t_accept(void *ctx, char *peer, size_t peercap)
{
    struct tls *t = ctx;
    int fd = t->inner.accept(t->inner.ctx, peer, peercap);
    struct tls_conn *c;
    BIO *bio;

    if (fd < 0)
        return fd;
    c = calloc(1, sizeof *c);
    if (!c || !(c->ssl = SSL_new(t->ctx)) || !(bio = BIO_new(t->bio_method))) {
        if (c && c->ssl)
            SSL_free(c->ssl);
        free(c);
        t->inner.close(t->inner.ctx, fd);
        return -ENOMEM;
    }
    c->t = t;
    c->fd = fd;
    BIO_set_data(bio, c);
    SSL_set_bio(c->ssl, bio, bio);
    SSL_set_accept_state(c->ssl);
    if (conn_put(t, fd, c) < 0) {
        SSL_free(c->ssl);
        free(c);
        t->inner.close(t->inner.ctx, fd);
        return -ENOMEM;
    }
    return fd;
}

/* An OpenSSL result as the backend contract wants it: -EAGAIN to come back,
 * 0 at a clean end, -EIO for anything else (a failed handshake included). */
static ssize_t ssl_result(SSL *ssl, int r)
{
    switch (SSL_get_error(ssl, r)) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE: return -EAGAIN;
    case SSL_ERROR_ZERO_RETURN: return 0;
    default: ERR_clear_error(); return -EIO;
    }
}

static ssize_t t_recv(void *ctx, int fd, void *buf, size_t n)
{
    struct tls_conn *c = conn_of(ctx, fd);
    int r;

    if (!c)
        return -EBADF;
    r = SSL_read(c->ssl, buf, n > INT32_MAX ? INT32_MAX : (int)n);
    return r > 0 ? r : ssl_result(c->ssl, r);
}

/* Under TLS the bytes waiting are records, not a request head. */
static ssize_t t_peek(void *ctx, int fd, void *buf, size_t n)
{
    struct tls *t = ctx;
    ssize_t r = t->inner.peek(t->inner.ctx, fd, buf, n);
    return r > 0 ? -EAGAIN : r;
}

/* The waiting room's question: has the first message come whole?  Before
 * the handshake that is the ClientHello's record (RFC 8446 5.1: type 22,
 * then a 16-bit length after the version), which a real client sends at
 * once and a stalling one never completes; later, any bytes at all. */
static int t_ready(void *ctx, int fd)
{
    struct tls *t = ctx;
    struct tls_conn *c = conn_of(t, fd);
    unsigned char h[5];
    ssize_t r;

    if (c && SSL_is_init_finished(c->ssl))
        return t->inner.peek(t->inner.ctx, fd, h, 1) > 0 ? 1 : 0;
    {
        unsigned char rec[5 + 16384];
        r = t->inner.peek(t->inner.ctx, fd, rec, sizeof rec);
        if (r == 0 || (r < 0 && r != -EAGAIN))
            return -1;
        if (r < 5)
            return 0;
        if (rec[0] != 22) /* not a handshake record: the thread will refuse it at once */
            return 1;
        return r >= 5 + ((ssize_t)rec[3] << 8 | rec[4]) ? 1 : 0;
    }
}

static ssize_t t_send(void *ctx, int fd, const void *buf, size_t n, int more)
{
    struct tls_conn *c = conn_of(ctx, fd);
    int r;

    (void)more;
    if (!c)
        return -EBADF;
    if (!SSL_is_init_finished(c->ssl))
        return -EIO; /* nothing goes out in clear text before the handshake */
    r = SSL_write(c->ssl, buf, n > INT32_MAX ? INT32_MAX : (int)n);
    return r > 0 ? r : ssl_result(c->ssl, r);
}

static void t_close(void *ctx, int fd)
{
    struct tls *t = ctx;
    struct tls_conn *c = conn_of(t, fd);

    if (c) {
        if (SSL_is_init_finished(c->ssl))
            SSL_shutdown(c->ssl); /* close_notify, best effort (RFC 8446 6.1) */
        ERR_clear_error();
        conn_put(t, fd, NULL);
        SSL_free(c->ssl);
        free(c);
    }
    t->inner.close(t->inner.ctx, fd);
}

static void t_close_listener(void *ctx)
{
    struct tls *t = ctx;
    t->inner.close_listener(t->inner.ctx);
}

static void t_free(void *ctx)
{
    struct tls *t = ctx;
    int i;

    for (i = 0; i < t->cap; i++)
        if (t->conns[i]) {
            SSL_free(t->conns[i]->ssl);
            free(t->conns[i]);
        }
    free(t->conns);
    SSL_CTX_free(t->ctx);
    BIO_meth_free(t->bio_method);
    pthread_mutex_destroy(&t->lock);
    if (t->inner.free)
        t->inner.free(t->inner.ctx);
    free(t);
}

/* RFC 7301 3.2: http/1.1 if the client offers it; else no ALPN at all
 * rather than a refusal (curl offering only h2 still gets HTTP/1.1). */
static int alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg)
{
    static const unsigned char ours[] = "\x08http/1.1";
    (void)ssl;
    (void)arg;
    if (SSL_select_next_proto((unsigned char **)out, outlen, ours, sizeof ours - 1, in, inlen) ==
        OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_OK;
    return SSL_TLSEXT_ERR_NOACK;
}

static void ssl_error(char *err, const char *what, const char *file)
{
    char why[200];
    unsigned long e = ERR_get_error();
    ERR_error_string_n(e, why, sizeof why);
    snprintf(err, 256, "%s '%s': %s", what, file, e ? why : "unknown error");
    ERR_clear_error();
}

int pp_httpd_net_tls(struct pp_httpd_net *net, const char *cert, const char *key, char *err)
{
    struct tls *t = calloc(1, sizeof *t);

    if (!t) {
        snprintf(err, 256, "out of memory");
        return -1;
    }
    t->inner = *net;
    t->ctx = SSL_CTX_new(TLS_server_method());
    t->bio_method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "portplex httpd");
    if (!t->ctx || !t->bio_method) {
        snprintf(err, 256, "OpenSSL: cannot create a TLS context");
        goto fail;
    }
    BIO_meth_set_write(t->bio_method, bio_write);
    BIO_meth_set_read(t->bio_method, bio_read);
    BIO_meth_set_ctrl(t->bio_method, bio_ctrl);
    BIO_meth_set_create(t->bio_method, bio_create);
    SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION);
    SSL_CTX_set_mode(t->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_options(t->ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_alpn_select_cb(t->ctx, alpn_select, NULL);
    if (SSL_CTX_use_certificate_chain_file(t->ctx, cert) != 1) {
        ssl_error(err, "cannot load the certificate", cert);
        goto fail;
    }
    if (SSL_CTX_use_PrivateKey_file(t->ctx, key, SSL_FILETYPE_PEM) != 1) {
        ssl_error(err, "cannot load the private key", key);
        goto fail;
    }
    if (SSL_CTX_check_private_key(t->ctx) != 1) {
        ssl_error(err, "the private key does not match the certificate", key);
        goto fail;
    }
    pthread_mutex_init(&t->lock, NULL);
    net->ctx = t;
    net->name = strcmp(t->inner.name, "kernel") == 0 ? "kernel TLS" : "portplex TLS";
    net->accept = t_accept;
    net->recv = t_recv;
    net->peek = t_peek;
    net->ready = t_ready;
    net->send = t_send;
    net->sendfile = NULL;
    net->close = t_close;
    net->close_listener = t_close_listener;
    net->free = t_free;
    return 0;
fail:
    SSL_CTX_free(t->ctx);
    BIO_meth_free(t->bio_method);
    free(t);
    return -1;
}
