/* service.c - reads a service's first bytes into nmap's fields (see
 * service.h).  The table is ours, written from the protocols' own
 * documents: the SSH identification string (RFC 4253 4.2), the HTTP Server
 * header (RFC 9110 10.2.4), SMTP/FTP/POP3/IMAP greetings (RFC 5321 4.2,
 * RFC 959 4.2, RFC 1939 4, RFC 9051 7.1), the MySQL handshake packet,
 * Redis's INFO and memcached's version reply. */
#include "service.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

size_t pp_scan_svc_probe(uint16_t port, char *out, size_t cap)
{
    const char *q;

    switch (port) {
    case 6379: q = "INFO server\r\n"; break;      /* Redis: the server section */
    case 11211: q = "version\r\n"; break;         /* memcached's text protocol */
    default: q = "HEAD / HTTP/1.0\r\n\r\n"; break; /* most speak-second services are HTTP */
    }
    if (strlen(q) >= cap)
        return 0;
    memcpy(out, q, strlen(q) + 1);
    return strlen(q);
}

int pp_scan_svc_tls_port(uint16_t port)
{
    return port == 443 || port == 465 || port == 636 || port == 853 || port == 993 || port == 995 ||
           port == 8443;
}

/* Copies the first line of data (printable, no CR/LF) into out. */
static void first_line(const uint8_t *d, size_t len, char *out, size_t cap)
{
    size_t i, o = 0;
    for (i = 0; i < len && o + 1 < cap && d[i] != '\r' && d[i] != '\n'; i++)
        out[o++] = (d[i] >= 0x20 && d[i] < 0x7f) ? (char)d[i] : '.';
    out[o] = 0;
}

/* data as a NUL-terminated string with every byte kept printable. */
static void as_text(const uint8_t *d, size_t len, char *out, size_t cap)
{
    size_t i, o = 0;
    for (i = 0; i < len && o + 1 < cap; i++)
        out[o++] = (d[i] == '\r' || d[i] == '\n' || (d[i] >= 0x20 && d[i] < 0x7f)) ? (char)d[i] : '.';
    out[o] = 0;
}

static void set(char *dst, size_t cap, const char *src, size_t n)
{
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
}

/* A header's value in an HTTP response head (case-insensitive name). */
static int http_header(const char *text, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    const char *p = text;

    while ((p = strchr(p, '\n')) != NULL) {
        p++;
        if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1, *e;
            while (*v == ' ' || *v == '\t')
                v++;
            e = v + strcspn(v, "\r\n");
            set(out, cap, v, (size_t)(e - v));
            return 1;
        }
    }
    return 0;
}

/* "nginx/1.22.1 (Debian)" -> product nginx, version 1.22.1, extra Debian. */
static void product_slash_version(const char *server, struct pp_scan_svc *s)
{
    const char *slash = strchr(server, '/'), *sp;
    static const struct {
        const char *token, *product;
    } names[] = {{"nginx", "nginx"}, {"Apache", "Apache httpd"}, {"lighttpd", "lighttpd"},
                 {"portplex", "portplex httpd"}, {"Microsoft-IIS", "Microsoft IIS httpd"},
                 {"SimpleHTTP", "SimpleHTTPServer"}, {"Caddy", "Caddy httpd"}};
    size_t i, pl = slash ? (size_t)(slash - server) : strcspn(server, " ");

    set(s->product, sizeof s->product, server, pl);
    for (i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i].token) == pl && strncmp(server, names[i].token, pl) == 0)
            snprintf(s->product, sizeof s->product, "%s", names[i].product);
    if (slash) {
        sp = slash + 1 + strcspn(slash + 1, " ");
        set(s->version, sizeof s->version, slash + 1, (size_t)(sp - slash - 1));
        if (*sp == ' ' && sp[1] == '(' && strchr(sp, ')'))
            set(s->extra, sizeof s->extra, sp + 2, (size_t)(strchr(sp, ')') - sp - 2));
    }
}

static int match_ssh(const char *line, struct pp_scan_svc *s)
{
    /* SSH-protoversion-softwareversion SP comments (RFC 4253 4.2) */
    const char *soft, *sp, *us;
    char proto[16];

    if (strncmp(line, "SSH-", 4) != 0 || !(soft = strchr(line + 4, '-')))
        return 0;
    set(proto, sizeof proto, line + 4, (size_t)(soft - line - 4));
    soft++;
    snprintf(s->name, sizeof s->name, "ssh");
    snprintf(s->extra, sizeof s->extra, "protocol %s", proto);
    sp = soft + strcspn(soft, " ");
    us = memchr(soft, '_', (size_t)(sp - soft));
    if (strncmp(soft, "OpenSSH_", 8) == 0 || strncmp(soft, "dropbear_", 9) == 0) {
        snprintf(s->product, sizeof s->product, "%s", soft[0] == 'O' ? "OpenSSH" : "Dropbear sshd");
        set(s->version, sizeof s->version, us + 1, (size_t)(sp - us - 1));
        /* Debian's comment "Debian-2+deb12u3" reads as nmap's "Debian 2+deb12u3". */
        if (*sp == ' ' && sp[1]) {
            char c[48];
            char *dash;
            set(c, sizeof c, sp + 1, strlen(sp + 1));
            if ((dash = strchr(c, '-')) != NULL)
                *dash = ' ';
            snprintf(s->version + strlen(s->version), sizeof s->version - strlen(s->version), " %s", c);
        }
    } else {
        set(s->product, sizeof s->product, soft, (size_t)(sp - soft));
    }
    return 1;
}

static int match_greeting(uint16_t port, const char *line, struct pp_scan_svc *s)
{
    const char *p;

    if (strncmp(line, "220", 3) == 0 && (port == 21 || strstr(line, "FTP") || strstr(line, "ftp"))) {
        snprintf(s->name, sizeof s->name, "ftp");
        if ((p = strstr(line, "vsFTPd ")) != NULL) {
            snprintf(s->product, sizeof s->product, "vsftpd");
            set(s->version, sizeof s->version, p + 7, strcspn(p + 7, ")"));
        } else if ((p = strstr(line, "ProFTPD ")) != NULL) {
            snprintf(s->product, sizeof s->product, "ProFTPD");
            set(s->version, sizeof s->version, p + 8, strcspn(p + 8, " "));
        }
        return 1;
    }
    if (strncmp(line, "220", 3) == 0 && (line[3] == ' ' || line[3] == '-')) {
        snprintf(s->name, sizeof s->name, "smtp");
        if ((p = strstr(line, " Python SMTP proxy version ")) != NULL) {
            /* Python's smtpd module greets as its proxy class does */
            snprintf(s->name, sizeof s->name, "smtp-proxy");
            snprintf(s->product, sizeof s->product, "Python SMTP Proxy");
            set(s->version, sizeof s->version, p + 27, strcspn(p + 27, " "));
        } else if (strstr(line, "Postfix")) {
            snprintf(s->product, sizeof s->product, "Postfix smtpd");
        } else if ((p = strstr(line, "Exim ")) != NULL) {
            snprintf(s->product, sizeof s->product, "Exim smtpd");
            set(s->version, sizeof s->version, p + 5, strcspn(p + 5, " "));
        }
        /* "220 host ESMTP ..." names the host: nmap's extra "Hostname". */
        if (line[3] == ' ' && line[4]) {
            char host[64];
            set(host, sizeof host, line + 4, strcspn(line + 4, " "));
            snprintf(s->extra, sizeof s->extra, "Hostname: %s", host);
        }
        return 1;
    }
    if (strncmp(line, "+OK", 3) == 0) {
        snprintf(s->name, sizeof s->name, "pop3");
        if (strstr(line, "Dovecot"))
            snprintf(s->product, sizeof s->product, "Dovecot pop3d");
        return 1;
    }
    if (strncmp(line, "* OK", 4) == 0) {
        snprintf(s->name, sizeof s->name, "imap");
        if (strstr(line, "Dovecot"))
            snprintf(s->product, sizeof s->product, "Dovecot imapd");
        return 1;
    }
    return 0;
}

/* The MySQL/MariaDB initial handshake: 3-byte length, sequence 0,
 * protocol 10, a NUL-terminated server version. */
static int match_mysql(const uint8_t *d, size_t len, struct pp_scan_svc *s)
{
    size_t plen, i;
    const char *v, *maria;

    if (len < 6 || d[3] != 0 || d[4] != 10)
        return 0;
    plen = (size_t)d[0] | (size_t)d[1] << 8 | (size_t)d[2] << 16;
    if (plen < 2 || plen > 1024)
        return 0;
    for (i = 5; i < len && d[i]; i++)
        if (d[i] < 0x20 || d[i] >= 0x7f)
            return 0;
    if (i >= len)
        return 0;
    v = (const char *)d + 5;
    snprintf(s->name, sizeof s->name, "mysql");
    if ((maria = strstr(v, "-MariaDB")) != NULL) {
        /* "5.5.5-10.11.6-MariaDB-0+deb12u1": the 5.5.5- prefix is a shim */
        const char *start = strncmp(v, "5.5.5-", 6) == 0 ? v + 6 : v;
        snprintf(s->product, sizeof s->product, "MariaDB");
        set(s->version, sizeof s->version, start, (size_t)(maria - start));
    } else {
        snprintf(s->product, sizeof s->product, "MySQL");
        set(s->version, sizeof s->version, v, strlen(v));
    }
    return 1;
}

int pp_scan_svc_match(uint16_t port, const uint8_t *data, size_t len, const char *tls_subject,
                      struct pp_scan_svc *s)
{
    char text[2048], line[200];
    const char *p;
    int known = 0;

    memset(s->name, 0, sizeof s->name);
    s->product[0] = s->version[0] = s->extra[0] = 0;
    first_line(data, len, line, sizeof line);
    snprintf(s->banner, sizeof s->banner, "%s", line);
    as_text(data, len < sizeof text - 1 ? len : sizeof text - 1, text, sizeof text);
    if (match_ssh(line, s) || match_greeting(port, line, s)) {
        known = 1;
    } else if (strncmp(line, "HTTP/1.", 7) == 0) {
        char server[128];
        snprintf(s->name, sizeof s->name, "http");
        if (http_header(text, "Server", server, sizeof server))
            product_slash_version(server, s);
        known = 1;
    } else if ((p = strstr(text, "redis_version:")) != NULL) {
        snprintf(s->name, sizeof s->name, "redis");
        snprintf(s->product, sizeof s->product, "Redis key-value store");
        set(s->version, sizeof s->version, p + 14, strcspn(p + 14, "\r\n"));
        known = 1;
    } else if (strncmp(text, "-NOAUTH", 7) == 0 || strncmp(text, "-DENIED", 7) == 0) {
        snprintf(s->name, sizeof s->name, "redis");
        snprintf(s->product, sizeof s->product, "Redis key-value store");
        known = 1;
    } else if (strncmp(line, "VERSION ", 8) == 0) {
        snprintf(s->name, sizeof s->name, "memcached");
        snprintf(s->product, sizeof s->product, "Memcached");
        set(s->version, sizeof s->version, line + 8, strcspn(line + 8, " "));
        known = 1;
    } else if (match_mysql(data, len, s)) {
        known = 1;
        first_line(data + 5, len - 5, s->banner, sizeof s->banner);
    }
    if (tls_subject) {
        char name[24];
        snprintf(name, sizeof name, "%.19s", s->name[0] ? s->name : "unknown");
        snprintf(s->name, sizeof s->name, "ssl/%.19s", name);
        snprintf(s->extra + strlen(s->extra), sizeof s->extra - strlen(s->extra), "%sTLS subject %s",
                 s->extra[0] ? "; " : "", tls_subject);
        known = 1;
    }
    return known;
}

void pp_scan_svc_version_text(const struct pp_scan_svc *s, char *out, size_t cap)
{
    size_t at = 0;

    out[0] = 0;
    if (s->product[0])
        at += (size_t)snprintf(out + at, cap - at, "%s", s->product);
    if (s->version[0] && at < cap)
        at += (size_t)snprintf(out + at, cap - at, "%s%s", at ? " " : "", s->version);
    if (s->extra[0] && at < cap)
        at += (size_t)snprintf(out + at, cap - at, "%s(%s)", at ? " " : "", s->extra);
    if (!at && s->banner[0])
        snprintf(out, cap, "banner: %.120s", s->banner);
}
