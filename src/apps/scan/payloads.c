/* payloads.c - UDP probe payloads, written here from the protocols' RFCs
 * and specifications (not taken from nmap's or masscan's data files): a
 * request each service answers, so an open port says so instead of staying
 * open|filtered. */
#include <string.h>

#include "probe.h"
#include "portplex/wire/bytes.h"

/* DNS (RFC 1035 4.1): one question, "." IN NS, recursion not asked; the
 * ID is ours to check in the reply. */
static size_t dns(uint32_t id, uint8_t *b)
{
    static const uint8_t q[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
                                0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01};
    memcpy(b, q, sizeof q);
    pp_put16(b, (uint16_t)id);
    return sizeof q;
}

/* mDNS (RFC 6762): "_services._dns-sd._udp.local" PTR, unicast response. */
static size_t mdns(uint8_t *b)
{
    static const char name[] = "\x09_services\x07_dns-sd\x04_udp\x05local";
    memset(b, 0, 12);
    pp_put16(b + 4, 1);
    memcpy(b + 12, name, sizeof name); /* includes the root label's 0 */
    pp_put16(b + 12 + sizeof name, 12);     /* PTR */
    pp_put16(b + 14 + sizeof name, 0x8001); /* IN, unicast-response bit */
    return 16 + sizeof name;
}

/* SNMPv1 GetRequest, community "public", for sysDescr.0 (RFC 1157, BER). */
static size_t snmp(uint32_t id, uint8_t *b)
{
    static const uint8_t m[] = {
        0x30, 0x29, 0x02, 0x01, 0x00,                               /* version 1 */
        0x04, 0x06, 'p', 'u', 'b', 'l', 'i', 'c',                   /* community */
        0xa0, 0x1c, 0x02, 0x04, 0, 0, 0, 0,                         /* GetRequest, request-id */
        0x02, 0x01, 0x00, 0x02, 0x01, 0x00,                         /* error status, index */
        0x30, 0x0e, 0x30, 0x0c, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, /* varbind: 1.3.6.1.2 */
        0x01, 0x01, 0x01, 0x00, 0x05, 0x00};                        /* .1.1.1.0 = NULL */
    memcpy(b, m, sizeof m);
    pp_put32(b + 17, id & 0x7fffffffu); /* a positive INTEGER */
    return sizeof m;
}

/* NetBIOS name service node status request for "*" (RFC 1002 4.2.17). */
static size_t netbios(uint32_t id, uint8_t *b)
{
    size_t i;
    memset(b, 0, 50);
    pp_put16(b, (uint16_t)id);
    pp_put16(b + 4, 1);
    b[12] = 32;
    b[13] = 'C'; /* first-level encoding: '*' = 0x2a -> "CK", NUL padding -> "AA" */
    b[14] = 'K';
    for (i = 15; i < 45; i++)
        b[i] = 'A';
    b[45] = 0;
    pp_put16(b + 46, 0x21); /* NBSTAT */
    pp_put16(b + 48, 1);
    return 50;
}

/* STUN Binding request (RFC 8489 5, 6): magic cookie, transaction ID. */
static size_t stun(uint32_t id, uint8_t *b)
{
    memset(b, 0, 20);
    pp_put16(b, 0x0001);
    pp_put32(b + 4, 0x2112a442);
    pp_put32(b + 8, id);
    pp_put32(b + 12, ~id);
    pp_put32(b + 16, id ^ 0x5a5a5a5au);
    return 20;
}

static size_t text(uint8_t *b, const char *s)
{
    size_t n = strlen(s);
    memcpy(b, s, n);
    return n;
}

size_t pp_scan_udp_payload(uint16_t port, uint32_t id, uint8_t *b)
{
    switch (port) {
    case 53: return dns(id, b);
    case 5353: return mdns(b);
    case 123: /* NTP v3 client request (RFC 1305): LI 0, VN 3, mode 3 */
        memset(b, 0, 48);
        b[0] = 0x1b;
        return 48;
    case 161: return snmp(id, b);
    case 137: return netbios(id, b);
    case 1900: /* SSDP discovery (UPnP Device Architecture 1.1, 1.3.2) */
        return text(b, "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n"
                       "MAN: \"ssdp:discover\"\r\nMX: 1\r\nST: ssdp:all\r\n\r\n");
    case 11211: /* memcached's UDP frame header (request id, seq 0, 1 datagram) + stats */
        memset(b, 0, 8);
        pp_put16(b, (uint16_t)id);
        pp_put16(b + 4, 1);
        return 8 + text(b + 8, "stats\r\n");
    case 3478: return stun(id, b);
    case 69: /* TFTP read request (RFC 1350) for a file that is not there */
        memcpy(b, "\x00\x01portplex-probe\x00octet\x00", 23);
        return 23;
    case 111: /* ONC RPC (RFC 5531) NULL call to portmapper v2 */
        memset(b, 0, 40);
        pp_put32(b, id);
        pp_put32(b + 8, 2);
        pp_put32(b + 12, 100000);
        pp_put32(b + 16, 2);
        return 40;
    case 1434: /* SQL Server Resolution Protocol: CLNT_UCAST_EX */
        b[0] = 0x03;
        return 1;
    case 5060: /* SIP OPTIONS (RFC 3261 11) */
        return text(b, "OPTIONS sip:nm SIP/2.0\r\nVia: SIP/2.0/UDP nm;branch=z9hG4bKportplex\r\n"
                       "From: <sip:nm@nm>;tag=1\r\nTo: <sip:nm2@nm2>\r\nCall-ID: portplex\r\n"
                       "CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n");
    case 7: /* echo (RFC 862) answers anything; a few bytes show the reply is ours */
        return text(b, "portplex\n");
    default: /* as nmap: an empty datagram, not text a service would misparse */
        return 0;
    }
}

int pp_scan_udp_id_ok(uint16_t port, uint32_t id, const uint8_t *p, size_t len)
{
    switch (port) {
    case 53:
    case 137: return len >= 2 && pp_get16(p) == (uint16_t)id;
    case 3478: return len >= 12 && pp_get32(p + 8) == id;
    default: return 1;
    }
}
