/* cmd_decode.c - `portplex decode`: read a pcap file and print each IPv4
 * packet as our wire parsers see it, either as a one-line description or as
 * the tab-separated fields `tshark -T fields` prints for the same names (so
 * the two can be compared, see tests/interop/wire_tshark.sh). */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "portplex/wire/describe.h"
#include "portplex/wire/icmp.h"
#include "portplex/wire/ipv4.h"
#include "portplex/wire/pcap_file.h"
#include "portplex/wire/tcp.h"
#include "portplex/wire/udp.h"
#include "portplex/wire/wire_err.h"

/* The columns of --fields, in order; the interop test passes the same names
 * to tshark -e. */
enum {
    F_IP_VERSION, F_IP_HDR_LEN, F_IP_LEN, F_IP_ID, F_IP_DF, F_IP_MF, F_IP_FRAG, F_IP_TTL,
    F_IP_PROTO, F_IP_CSUM, F_IP_SRC, F_IP_DST,
    F_TCP_SPORT, F_TCP_DPORT, F_TCP_SEQ, F_TCP_ACK, F_TCP_HDR_LEN, F_TCP_FLAGS, F_TCP_WIN,
    F_TCP_CSUM, F_TCP_MSS, F_TCP_WSCALE, F_TCP_SACKP, F_TCP_TSVAL, F_TCP_TSECR, F_TCP_LEN,
    F_UDP_SPORT, F_UDP_DPORT, F_UDP_LEN, F_UDP_CSUM,
    F_ICMP_TYPE, F_ICMP_CODE, F_ICMP_CSUM, F_ICMP_ID, F_ICMP_SEQ,
    F_COUNT
};

static const char *const field_names[F_COUNT] = {
    "ip.version", "ip.hdr_len", "ip.len", "ip.id", "ip.flags.df", "ip.flags.mf",
    "ip.frag_offset", "ip.ttl", "ip.proto", "ip.checksum", "ip.src", "ip.dst",
    "tcp.srcport", "tcp.dstport", "tcp.seq_raw", "tcp.ack_raw", "tcp.hdr_len", "tcp.flags",
    "tcp.window_size_value", "tcp.checksum", "tcp.options.mss_val", "tcp.options.wscale.shift",
    "tcp.options.sack_perm", "tcp.options.timestamp.tsval", "tcp.options.timestamp.tsecr",
    "tcp.len", "udp.srcport", "udp.dstport", "udp.length", "udp.checksum",
    "icmp.type", "icmp.code", "icmp.checksum", "icmp.ident", "icmp.seq",
};

#define FIELD_CAP 96
struct row {
    char v[F_COUNT][FIELD_CAP];
};

/* Appends one occurrence to a field, comma-separated as tshark does. */
static void add(struct row *r, int f, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add(struct row *r, int f, const char *fmt, ...)
{
    char tmp[FIELD_CAP];
    size_t n = strlen(r->v[f]);
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    snprintf(r->v[f] + n, FIELD_CAP - n, "%s%s", n ? "," : "", tmp);
}

static void ip_fields(struct row *r, const struct pp_ipv4_hdr *ip)
{
    char a[16];

    add(r, F_IP_VERSION, "4");
    add(r, F_IP_HDR_LEN, "%u", ip->hdr_len);
    add(r, F_IP_LEN, "%u", ip->total_len);
    add(r, F_IP_ID, "0x%04x", ip->id);
    add(r, F_IP_DF, "%u", ip->df);
    add(r, F_IP_MF, "%u", ip->mf);
    add(r, F_IP_FRAG, "%u", ip->frag_off / 8); /* tshark 4.0 shows 8-byte units */
    add(r, F_IP_TTL, "%u", ip->ttl);
    add(r, F_IP_PROTO, "%u", ip->proto);
    add(r, F_IP_CSUM, "0x%04x", ip->csum);
    add(r, F_IP_SRC, "%s", pp_ipv4_ntoa(ip->src, a));
    add(r, F_IP_DST, "%s", pp_ipv4_ntoa(ip->dst, a));
}

static int tcp_fields(struct row *r, const struct pp_ipv4_hdr *ip, unsigned flags)
{
    struct pp_tcp_hdr t;
    int rc = pp_tcp_parse(ip->payload, ip->payload_len, ip->src, ip->dst, &t, flags);

    if (rc < 0)
        return rc;
    add(r, F_TCP_SPORT, "%u", t.sport);
    add(r, F_TCP_DPORT, "%u", t.dport);
    add(r, F_TCP_SEQ, "%u", t.seq);
    add(r, F_TCP_ACK, "%u", t.ack);
    add(r, F_TCP_HDR_LEN, "%u", t.hdr_len);
    add(r, F_TCP_FLAGS, "0x%04x", t.flags);
    add(r, F_TCP_WIN, "%u", t.window);
    add(r, F_TCP_CSUM, "0x%04x", t.csum);
    if (t.opts.has_mss)
        add(r, F_TCP_MSS, "%u", t.opts.mss);
    if (t.opts.has_wscale)
        add(r, F_TCP_WSCALE, "%u", t.opts.wscale);
    if (t.opts.sack_perm)
        add(r, F_TCP_SACKP, "0402");
    if (t.opts.has_ts) {
        add(r, F_TCP_TSVAL, "%u", t.opts.tsval);
        add(r, F_TCP_TSECR, "%u", t.opts.tsecr);
    }
    add(r, F_TCP_LEN, "%zu", t.payload_len);
    return rc;
}

static void udp_header_fields(struct row *r, uint16_t sport, uint16_t dport, uint16_t len,
                              uint16_t csum)
{
    add(r, F_UDP_SPORT, "%u", sport);
    add(r, F_UDP_DPORT, "%u", dport);
    add(r, F_UDP_LEN, "%u", len);
    add(r, F_UDP_CSUM, "0x%04x", csum);
}

static int icmp_fields(struct row *r, const struct pp_ipv4_hdr *ip, unsigned flags)
{
    struct pp_icmp_hdr h;
    struct pp_icmp_quote q;
    int rc = pp_icmp_parse(ip->payload, ip->payload_len, &h, flags);

    if (rc < 0)
        return rc;
    add(r, F_ICMP_TYPE, "%u", h.type);
    add(r, F_ICMP_CODE, "%u", h.code);
    add(r, F_ICMP_CSUM, "0x%04x", h.csum);
    if (h.type == PP_ICMP_ECHO || h.type == PP_ICMP_ECHO_REPLY) {
        add(r, F_ICMP_ID, "%u", h.id);
        add(r, F_ICMP_SEQ, "%u", h.seq);
    }
    /* The quoted datagram: tshark shows its fields as second occurrences. */
    if (pp_icmp_is_error(h.type) && pp_icmp_quote_parse(&h, &q) == 0) {
        ip_fields(r, &q.ip);
        if (q.has_ports && q.ip.proto == PP_IP_PROTO_UDP) {
            const uint8_t *u = q.ip.payload;
            udp_header_fields(r, q.sport, q.dport, q.udp_len, (uint16_t)(u[6] << 8 | u[7]));
        } else if (q.has_ports && q.ip.proto == PP_IP_PROTO_TCP) {
            add(r, F_TCP_SPORT, "%u", q.sport);
            add(r, F_TCP_DPORT, "%u", q.dport);
            add(r, F_TCP_SEQ, "%u", q.tcp_seq);
        }
    }
    return rc;
}

static int row_fill(struct row *r, const uint8_t *pkt, size_t len, unsigned flags)
{
    struct pp_ipv4_hdr ip;
    int rc = pp_ipv4_parse(pkt, len, &ip, flags);

    memset(r, 0, sizeof *r);
    if (rc < 0)
        return rc;
    ip_fields(r, &ip);
    if (pp_ipv4_is_fragment(&ip)) {
        /* No reassembly here: like tshark -o ip.defragment:FALSE, show the
         * transport header of a first fragment as it stands, unchecked. */
        const uint8_t *l4 = ip.payload;
        if (ip.frag_off != 0 || ip.payload_len < 8)
            return rc;
        if (ip.proto == PP_IP_PROTO_UDP)
            udp_header_fields(r, (uint16_t)(l4[0] << 8 | l4[1]), (uint16_t)(l4[2] << 8 | l4[3]),
                              (uint16_t)(l4[4] << 8 | l4[5]), (uint16_t)(l4[6] << 8 | l4[7]));
        if (ip.proto == PP_IP_PROTO_ICMP) {
            add(r, F_ICMP_TYPE, "%u", l4[0]);
            add(r, F_ICMP_CODE, "%u", l4[1]);
            add(r, F_ICMP_CSUM, "0x%04x", (unsigned)(l4[2] << 8 | l4[3]));
            if (l4[0] == PP_ICMP_ECHO || l4[0] == PP_ICMP_ECHO_REPLY) {
                add(r, F_ICMP_ID, "%u", (unsigned)(l4[4] << 8 | l4[5]));
                add(r, F_ICMP_SEQ, "%u", (unsigned)(l4[6] << 8 | l4[7]));
            }
        }
        return rc;
    }
    switch (ip.proto) {
    case PP_IP_PROTO_TCP:
        return tcp_fields(r, &ip, flags);
    case PP_IP_PROTO_UDP: {
        struct pp_udp_hdr u;
        rc = pp_udp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &u, flags);
        if (rc >= 0)
            udp_header_fields(r, u.sport, u.dport, u.len, u.csum);
        return rc;
    }
    case PP_IP_PROTO_ICMP:
        return icmp_fields(r, &ip, flags);
    default:
        return rc;
    }
}

void pp_cmd_decode_usage(FILE *f)
{
    int i;

    fprintf(f, "usage: portplex decode [--fields] [--header] [--no-checksum] [--strict] FILE\n\n"
               "Reads a pcap or pcapng file (raw IP, Ethernet, Linux cooked or loopback\n"
               "link types) and prints each IPv4 packet as portplex's parsers read it.\n\n"
               "  --fields       tab-separated fields, named and formatted as tshark -T fields\n"
               "                 (with -o ip.defragment:FALSE: fragments are shown one by one)\n"
               "  --header       with --fields, print the field names first\n"
               "  --no-checksum  do not verify checksums (captures with checksum offload)\n"
               "  --strict       exit 1 if any packet is malformed\n\n"
               "Malformed packets are described with the reason and counted at the end.\n"
               "Fields, in order:");
    for (i = 0; i < F_COUNT; i++)
        fprintf(f, "%s%s", i % 6 ? " " : "\n  ", field_names[i]);
    fprintf(f, "\n");
}

int pp_cmd_decode(int argc, char **argv)
{
    static const struct option opts[] = {
        {"fields", no_argument, NULL, 'f'},  {"header", no_argument, NULL, 'H'},
        {"no-checksum", no_argument, NULL, 'n'}, {"strict", no_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},    {NULL, 0, NULL, 0},
    };
    int fields = 0, header = 0, strict = 0, c, i;
    unsigned flags = 0;
    unsigned long count = 0, bad = 0;
    struct pp_pcap_reader *rd;
    char err[256];
    const uint8_t *pkt;
    size_t len;
    uint64_t ts;

    opterr = 0;
    while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        switch (c) {
        case 'f': fields = 1; break;
        case 'H': header = 1; break;
        case 'n': flags |= PP_WIRE_NO_CSUM; break;
        case 's': strict = 1; break;
        case 'h': pp_cmd_decode_usage(stdout); return PP_EXIT_OK;
        default: return pp_cli_usage_error("decode", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return pp_cli_usage_error("decode", "expected exactly one pcap FILE");
    rd = pp_pcap_reader_open(argv[optind], err);
    if (!rd) {
        fprintf(stderr, "portplex decode: %s\n", err);
        return PP_EXIT_FAIL;
    }
    if (fields && header)
        for (i = 0; i < F_COUNT; i++)
            printf("%s%c", field_names[i], i + 1 < F_COUNT ? '\t' : '\n');
    while ((c = pp_pcap_read(rd, &pkt, &len, &ts)) == 1) {
        int rc;
        count++;
        if (fields) {
            struct row r;
            rc = row_fill(&r, pkt, len, flags);
            for (i = 0; i < F_COUNT; i++)
                printf("%s%c", r.v[i], i + 1 < F_COUNT ? '\t' : '\n');
        } else {
            char line[512];
            rc = pp_describe_packet(pkt, len, line, sizeof line, flags);
            printf("%lu %llu.%06llu %s\n", count, (unsigned long long)(ts / 1000000),
                   (unsigned long long)(ts % 1000000), line);
        }
        if (rc < 0) {
            bad++;
            if (fields)
                fprintf(stderr, "packet %lu: malformed: %s\n", count, pp_wire_strerror(rc));
        }
    }
    pp_pcap_reader_close(rd);
    if (c < 0) {
        fprintf(stderr, "portplex decode: read error in %s\n", argv[optind]);
        return PP_EXIT_FAIL;
    }
    fprintf(stderr, "%lu packets, %lu malformed\n", count, bad);
    return strict && bad ? PP_EXIT_FAIL : PP_EXIT_OK;
}
