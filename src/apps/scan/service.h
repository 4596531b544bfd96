/* service.h - what a service's first bytes say it is (-sV and --banners):
 * the question to ask a service that waits for the client to speak, and
 * a table of ours that reads ssh, http, smtp, ftp, pop3, imap, mysql,
 * redis, memcached and TLS answers into nmap's fields (service name,
 * product, version, extra information). */
#ifndef PP_SCAN_SERVICE_H
#define PP_SCAN_SERVICE_H

#include <stddef.h>
#include <stdint.h>

struct pp_scan_svc {
    int rank;            /* the port's rank in the result */
    char name[24];       /* nmap's service name: "ssh", "http", "ssl/http" ... */
    char product[64];    /* "OpenSSH", "nginx" ... ("" when unknown) */
    char version[64];    /* "9.2p1 Debian 2+deb12u3" */
    char extra[128];     /* "protocol 2.0", "TLS subject CN=lab.test" */
    char banner[200];    /* the first line as received, printable */
};

/* The bytes to send to port when the service said nothing first (a
 * service that waits for its client): an HTTP HEAD by default, Redis's
 * INFO, memcached's version.  Its length (0: none). */
size_t pp_scan_svc_probe(uint16_t port, char *out, size_t cap);

/* Whether port is one where TLS is spoken from the first byte (443,
 * 465, 636, 853, 993, 995, 8443). */
int pp_scan_svc_tls_port(uint16_t port);

/* Reads data (what the service sent, first bytes) into s; tls_subject is
 * the certificate's subject when the bytes came through TLS, else NULL.
 * 1 when the table knew the service, 0 when only the banner is kept. */
int pp_scan_svc_match(uint16_t port, const uint8_t *data, size_t len, const char *tls_subject,
                      struct pp_scan_svc *s);

/* "product version (extra)" as nmap's VERSION column writes it. */
void pp_scan_svc_version_text(const struct pp_scan_svc *s, char *out, size_t cap);

#endif
