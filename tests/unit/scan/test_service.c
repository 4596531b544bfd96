/* test_service.c - the -sV table (service.c): first bytes of real servers
 * read into nmap's fields, unknown bytes kept as a banner, hostile bytes
 * kept printable, and the questions asked of speak-second services. */
#include <string.h>

#include "test.h"
#include "scan/service.h"

static struct pp_scan_svc m(uint16_t port, const char *text, const char *tls)
{
    struct pp_scan_svc s;
    memset(&s, 0, sizeof s);
    pp_scan_svc_match(port, (const uint8_t *)text, strlen(text), tls, &s);
    return s;
}

TEST(service_table_reads_real_greetings)
{
    struct pp_scan_svc s = m(22, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n", NULL);
    char v[320];
    ASSERT_STREQ(s.name, "ssh");
    ASSERT_STREQ(s.product, "OpenSSH");
    ASSERT_STREQ(s.version, "9.2p1 Debian 2+deb12u3");
    ASSERT_STREQ(s.extra, "protocol 2.0");
    pp_scan_svc_version_text(&s, v, sizeof v);
    ASSERT_STREQ(v, "OpenSSH 9.2p1 Debian 2+deb12u3 (protocol 2.0)");
    s = m(80, "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: x\r\n\r\n", NULL);
    ASSERT_STREQ(s.name, "http");
    ASSERT_STREQ(s.product, "nginx");
    ASSERT_STREQ(s.version, "1.22.1");
    s = m(8080, "HTTP/1.1 200 OK\r\nserver: Apache/2.4.62 (Debian)\r\n\r\n", NULL);
    ASSERT_STREQ(s.product, "Apache httpd");
    ASSERT_STREQ(s.version, "2.4.62");
    ASSERT_STREQ(s.extra, "Debian");
    s = m(443, "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\n\r\n", "/CN=lab.test");
    ASSERT_STREQ(s.name, "ssl/http");
    ASSERT_STREQ(s.extra, "TLS subject /CN=lab.test");
    s = m(25, "220 mail.lab ESMTP Postfix (Debian/GNU)\r\n", NULL);
    ASSERT_STREQ(s.name, "smtp");
    ASSERT_STREQ(s.product, "Postfix smtpd");
    ASSERT_STREQ(s.extra, "Hostname: mail.lab");
    s = m(25, "220 localhost Python SMTP proxy version 0.3\r\n", NULL);
    ASSERT_STREQ(s.name, "smtp-proxy");
    ASSERT_STREQ(s.product, "Python SMTP Proxy");
    ASSERT_STREQ(s.version, "0.3");
    s = m(21, "220 (vsFTPd 3.0.3)\r\n", NULL);
    ASSERT_STREQ(s.name, "ftp");
    ASSERT_STREQ(s.product, "vsftpd");
    ASSERT_STREQ(s.version, "3.0.3");
    s = m(110, "+OK Dovecot (Debian) ready.\r\n", NULL);
    ASSERT_STREQ(s.product, "Dovecot pop3d");
    s = m(143, "* OK [CAPABILITY IMAP4rev1] Dovecot (Debian) ready.\r\n", NULL);
    ASSERT_STREQ(s.name, "imap");
    s = m(6379, "$581\r\n# Server\r\nredis_version:7.0.15\r\nredis_git_sha1:0\r\n", NULL);
    ASSERT_STREQ(s.product, "Redis key-value store");
    ASSERT_STREQ(s.version, "7.0.15");
    s = m(11211, "VERSION 1.6.18\r\n", NULL);
    ASSERT_STREQ(s.name, "memcached");
    ASSERT_STREQ(s.version, "1.6.18");
}

TEST(service_table_reads_mysql_handshakes_and_keeps_unknown_banners)
{
    static const uint8_t maria[] = {0x2e, 0, 0, 0, 10, '5', '.', '5', '.', '5', '-', '1', '0', '.', '1', '1',
                                    '.', '6', '-', 'M', 'a', 'r', 'i', 'a', 'D', 'B', '-', '0', '+', 'd',
                                    'e', 'b', '1', '2', 'u', '1', 0, 1, 2, 3};
    struct pp_scan_svc s;
    char v[320];
    memset(&s, 0, sizeof s);
    ASSERT_EQ(pp_scan_svc_match(3306, maria, sizeof maria, NULL, &s), 1);
    ASSERT_STREQ(s.name, "mysql");
    ASSERT_STREQ(s.product, "MariaDB");
    ASSERT_STREQ(s.version, "10.11.6");
    /* Unknown: not matched, the first line kept, bytes made printable. */
    ASSERT_EQ(pp_scan_svc_match(9999, (const uint8_t *)"\x01\x02hello\x7f\r\nmore", 14, NULL, &s), 0);
    ASSERT_STREQ(s.banner, "..hello.");
    pp_scan_svc_version_text(&s, v, sizeof v);
    ASSERT_STREQ(v, "banner: ..hello.");
    /* A truncated handshake is not MySQL. */
    ASSERT_EQ(pp_scan_svc_match(3306, maria, 8, NULL, &s), 0);
    /* Nothing at all. */
    ASSERT_EQ(pp_scan_svc_match(1, (const uint8_t *)"", 0, NULL, &s), 0);
    ASSERT_STREQ(s.banner, "");
}

TEST(service_probes_for_speak_second_services)
{
    char q[64];
    ASSERT_EQ(pp_scan_svc_probe(6379, q, sizeof q), 13);
    ASSERT_STREQ(q, "INFO server\r\n");
    ASSERT_EQ(pp_scan_svc_probe(11211, q, sizeof q), 9);
    ASSERT_EQ(pp_scan_svc_probe(80, q, sizeof q), 19);
    ASSERT_EQ(pp_scan_svc_probe(80, q, 8), 0); /* no room: nothing */
    ASSERT_EQ(pp_scan_svc_tls_port(443), 1);
    ASSERT_EQ(pp_scan_svc_tls_port(80), 0);
}
