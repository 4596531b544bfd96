/* banner_tls.c - a TLS handshake (OpenSSL) over one of the banner stack's
 * TCP sockets, for ports where TLS is spoken from the first byte: the
 * server certificate's subject is read (TLS 1.3 sends it encrypted, so
 * only a real handshake shows it), then an HTTP HEAD inside the channel on
 * web ports gives the server's name.  The certificate is not verified:
 * the point is to see it, not to trust it. */
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "portplex/socket.h"

struct pp_stack;

struct conn {
    struct pp_stack *st;
    int fd;
};

static int bio_write(BIO *b, const char *buf, int len)
{
    struct conn *c = BIO_get_data(b);
    ssize_t n = pp_send(c->st, c->fd, buf, (size_t)len, 0);
    return n < 0 ? -1 : (int)n;
}

static int bio_read(BIO *b, char *buf, int len)
{
    struct conn *c = BIO_get_data(b);
    ssize_t n = pp_recv(c->st, c->fd, buf, (size_t)len, 0);
    return n <= 0 ? -1 : (int)n;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void)b;
    (void)num;
    (void)ptr;
    return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static BIO_METHOD *method;
static pthread_once_t method_once = PTHREAD_ONCE_INIT;

static void make_method(void)
{
    method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "portplex socket");
    if (method) {
        BIO_meth_set_write(method, bio_write);
        BIO_meth_set_read(method, bio_read);
        BIO_meth_set_ctrl(method, bio_ctrl);
    }
}

int pp__scan_tls_grab(struct pp_stack *st, int fd, uint16_t port, char *subject, size_t subject_cap,
                      uint8_t *out, size_t cap, int timeout_ms);

int pp__scan_tls_grab(struct pp_stack *st, int fd, uint16_t port, char *subject, size_t subject_cap,
                      uint8_t *out, size_t cap, int timeout_ms)
{
    static const char head[] = "HEAD / HTTP/1.0\r\n\r\n";
    struct conn c = {st, fd};
    SSL_CTX *ctx;
    SSL *ssl = NULL;
    BIO *bio;
    X509 *cert;
    int got = 0, n, tmo = timeout_ms;

    subject[0] = 0;
    pthread_once(&method_once, make_method);
    if (!method || !(ctx = SSL_CTX_new(TLS_client_method())))
        return -1;
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    pp_setsockopt(st, fd, PP_SO_RCVTIMEO, &tmo, sizeof tmo);
    if (!(ssl = SSL_new(ctx)) || !(bio = BIO_new(method))) {
        SSL_free(ssl);
        SSL_CTX_free(ctx);
        return -1;
    }
    BIO_set_data(bio, &c);
    BIO_set_init(bio, 1);
    SSL_set_bio(ssl, bio, bio);
    if (SSL_connect(ssl) != 1) {
        ERR_clear_error();
        SSL_free(ssl);
        SSL_CTX_free(ctx);
        return -1;
    }
    if ((cert = SSL_get1_peer_certificate(ssl)) != NULL) {
        X509_NAME_oneline(X509_get_subject_name(cert), subject, (int)subject_cap);
        X509_free(cert);
    }
    if (subject[0] == 0)
        snprintf(subject, subject_cap, "(none)");
    /* Web ports: the server's name inside the channel. */
    if (port == 443 || port == 8443) {
        if (SSL_write(ssl, head, (int)sizeof head - 1) > 0)
            while ((size_t)got < cap - 1 && (n = SSL_read(ssl, out + got, (int)(cap - 1 - (size_t)got))) > 0)
                got += n;
    }
    ERR_clear_error();
    SSL_shutdown(ssl);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    return got; /* >= 0: the handshake succeeded (the subject is set) */
}
