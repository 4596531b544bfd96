/* pd_packets.c - the packets of a packetdrill script: inbound ones built and
 * handed to the .so (netdev_send), outbound ones read back (netdev_receive)
 * and judged field by field as packetdrill's run_packet.c judges them:
 * consecutive segments merged up to the scripted payload (the last one's
 * flags, the first one's sequence number), then flags (PSH, FIN, ECE, CWR
 * included), sequence and ACK numbers relative to each side's ISN, the
 * window when the script gives one, the option kinds and bytes in order
 * (timestamp values aside; <...> skips them), the ECN field when the script
 * names one, the checksums, and the time. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pd_play.h"
#include "portplex/wire/bytes.h"
#include "portplex/wire/checksum.h"
#include "portplex/wire/ipv4.h"
#include "portplex/wire/tcp.h"

#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10
#define F_URG 0x20
#define F_ECE 0x40
#define F_CWR 0x80

struct seg {
    uint8_t flags;
    uint32_t start, end;
    uint32_t ack;
    int win;         /* -1: not checked */
    int ecn;         /* -1: not checked; else the ECN field */
    int opts_nocheck;
    uint8_t opts[40];
    size_t optlen;
    int ts_at;       /* offset of the TS option in opts, -1 none */
};

/* Our TS values as the script wrote them -> as the stack sent them, so an
 * inbound echo of a script value becomes the live one (run_packet.c). */
#define TS_MAP 256
static struct { uint32_t script, live; } ts_map[TS_MAP];
static int ts_n;
static int ts_first_set;
static uint32_t ts_first_script, ts_first_live;

void pd_ts_reset(void)
{
    ts_n = 0;
    ts_first_set = 0;
}

static int ts_live(uint32_t script, uint32_t *live)
{
    int i;
    for (i = ts_n - 1; i >= 0; i--)
        if (ts_map[i].script == script) {
            *live = ts_map[i].live;
            return 0;
        }
    return -1;
}

static void ts_note(uint32_t script, uint32_t live)
{
    uint32_t l;
    if (ts_live(script, &l) == 0)
        return;
    if (ts_n == TS_MAP)
        memmove(ts_map, ts_map + 1, sizeof ts_map - sizeof ts_map[0]), ts_n--;
    ts_map[ts_n].script = script;
    ts_map[ts_n++].live = live;
}

/* Options as the script lists them, to wire bytes; SACK blocks are
 * relative to sack_base. */
static void parse_opts(char *s, struct seg *g, uint32_t sack_base)
{
    char *items[16];
    int n = pd_split_args(s, items, 16), i;
    g->optlen = 0;
    g->ts_at = -1;
    for (i = 0; i < n; i++) {
        uint8_t *o = g->opts + g->optlen;
        char *it = items[i];
        if (g->optlen + 10 > sizeof g->opts && strncmp(it, "nop", 3) && strcmp(it, "eol"))
            pd_unsupported("more than 40 bytes of options");
        if (!strcmp(it, "nop")) {
            o[0] = 1;
            g->optlen += 1;
        } else if (!strcmp(it, "eol")) {
            o[0] = 0;
            g->optlen += 1;
        } else if (!strncmp(it, "mss ", 4)) {
            unsigned v = (unsigned)atoi(it + 4);
            o[0] = 2, o[1] = 4, o[2] = (uint8_t)(v >> 8), o[3] = (uint8_t)v;
            g->optlen += 4;
        } else if (!strcmp(it, "sackOK")) {
            o[0] = 4, o[1] = 2;
            g->optlen += 2;
        } else if (!strncmp(it, "wscale ", 7)) {
            o[0] = 3, o[1] = 3, o[2] = (uint8_t)atoi(it + 7);
            g->optlen += 3;
        } else if (!strncmp(it, "TS val ", 7)) {
            uint32_t val = (uint32_t)strtoul(it + 7, NULL, 10), ecr = 0;
            char *e = strstr(it, "ecr ");
            if (e)
                ecr = (uint32_t)strtoul(e + 4, NULL, 10);
            o[0] = 8, o[1] = 10;
            pp_put32(o + 2, val);
            pp_put32(o + 6, ecr);
            g->ts_at = (int)g->optlen;
            g->optlen += 10;
        } else if (!strncmp(it, "sack ", 5)) {
            char *p = it + 5;
            size_t k = 2;
            while (*(p = pd_skip_ws(p))) {
                uint32_t l = (uint32_t)strtoul(p, &p, 10) + sack_base, r;
                if (*p != ':')
                    pd_unsupported("the SACK block in '%s'", it);
                r = (uint32_t)strtoul(p + 1, &p, 10) + sack_base;
                if (g->optlen + k + 8 > sizeof g->opts)
                    pd_unsupported("more than 40 bytes of options");
                pp_put32(o + k, l);
                pp_put32(o + k + 4, r);
                k += 8;
            }
            o[0] = 5, o[1] = (uint8_t)k;
            g->optlen += k;
        } else {
            pd_unsupported("the TCP option '%s'", it);
        }
    }
}

/* "[ect0] S. 0:0(0) ack 1 win 257 <...>" */
static void parse_seg(char *p, struct seg *g, uint32_t sack_base, int outbound)
{
    char *lt;
    memset(g, 0, sizeof *g);
    g->ts_at = -1;
    g->win = -1;
    g->ecn = -1;
    p = pd_skip_ws(p);
    if (*p == '[') { /* [ect0] [ect1] [ce] [noecn] */
        char *e = strchr(p, ']');
        if (!e)
            pd_unsupported("'%s'", p);
        *e = '\0';
        if (!strcmp(p + 1, "noecn")) g->ecn = 0;
        else if (!strcmp(p + 1, "ect1")) g->ecn = 1;
        else if (!strcmp(p + 1, "ect0")) g->ecn = 2;
        else if (!strcmp(p + 1, "ce")) g->ecn = 3;
        else pd_unsupported("the IP field [%s]", p + 1);
        p = pd_skip_ws(e + 1);
    }
    if (!strncmp(p, "udp", 3) || !strncmp(p, "icmp", 4) || isdigit((unsigned char)*p))
        pd_unsupported("a packet that is not plain TCP: '%s'", p);
    for (; *p && *p != ' '; p++) {
        switch (*p) {
        case 'S': g->flags |= F_SYN; break;
        case 'F': g->flags |= F_FIN; break;
        case 'R': g->flags |= F_RST; break;
        case 'P': g->flags |= F_PSH; break;
        case '.': g->flags |= F_ACK; break;
        case 'U': g->flags |= F_URG; break;
        case 'E': g->flags |= F_ECE; break;
        case 'W': g->flags |= F_CWR; break;
        case '-': break; /* no flags at all */
        default: pd_unsupported("the TCP flag '%c'", *p);
        }
    }
    p = pd_skip_ws(p);
    g->start = (uint32_t)strtoul(p, &p, 10);
    if (*p != ':')
        pd_unsupported("a packet without start:end(len)");
    g->end = (uint32_t)strtoul(p + 1, &p, 10);
    if (*p == '(')
        p = strchr(p, ')') + 1;
    lt = strchr(p, '<');
    if (lt) {
        char *gt = strrchr(lt, '>');
        if (!gt)
            pd_unsupported("an unclosed option list");
        *gt = '\0';
        if (!strcmp(pd_skip_ws(lt + 1), "...")) {
            if (!outbound)
                pd_unsupported("<...> on an inbound packet");
            g->opts_nocheck = 1;
        } else {
            parse_opts(lt + 1, g, sack_base);
        }
        *lt = '\0';
    }
    for (p = pd_skip_ws(p); *p; p = pd_skip_ws(p)) {
        if (!strncmp(p, "ack ", 4)) {
            g->ack = (uint32_t)strtoul(p + 4, &p, 10);
        } else if (!strncmp(p, "win ", 4)) {
            g->win = (int)strtoul(p + 4, &p, 10);
        } else {
            pd_unsupported("'%s' in a packet", p);
        }
    }
}

void pd_inbound(char *spec)
{
    struct seg g;
    struct pp_ipv4_hdr ip;
    uint8_t pkt[66000];
    size_t hl, len, plen;
    uint16_t c;

    parse_seg(spec, &g, pd_conn.local_isn, 0);
    if ((g.flags & F_SYN) && g.end != g.start)
        pd_unsupported("a SYN with data (TCP Fast Open)");
    pd_conn.saw_peer = 1;
    if (g.win < 0)
        pd_unsupported("an inbound packet without a window");
    if (!pd_conn.remote_port)
        pd_conn.remote_port = 48000; /* a passive open: the peer's ephemeral port */
    plen = g.end - g.start;
    hl = 20 + ((g.optlen + 3) & ~(size_t)3);
    len = 20 + hl + plen;
    if (len > sizeof pkt)
        pd_unsupported("an inbound packet of %zu bytes", len);
    memset(pkt, 0, len);
    memset(&ip, 0, sizeof ip);
    ip.total_len = (uint16_t)len;
    ip.tos = (uint8_t)(g.ecn > 0 ? g.ecn : 0);
    ip.ttl = 64;
    ip.proto = PP_IP_PROTO_TCP;
    ip.src = PD_REMOTE;
    ip.dst = PD_LOCAL;
    pp_ipv4_emit(pkt, 20, &ip, 0);
    {
        uint8_t *t = pkt + 20;
        pp_put16(t, pd_conn.remote_port);
        pp_put16(t + 2, pd_conn.local_port);
        pp_put32(t + 4, PD_REMOTE_ISN + g.start);
        pp_put32(t + 8, (g.flags & F_ACK) ? pd_conn.local_isn + g.ack : 0);
        t[12] = (uint8_t)((hl / 4) << 4);
        t[13] = g.flags;
        pp_put16(t + 14, (uint16_t)g.win);
        memcpy(t + 20, g.opts, g.optlen);
        /* An ACK's TS echo names one of our TS values as the script wrote
         * it: the live value we sent for it (packetdrill: "unable to infer
         * live TS ecr" when there is none). */
        if (g.ts_at >= 0 && (g.flags & F_ACK)) {
            uint32_t want = pp_get32(t + 20 + g.ts_at + 6), live;
            if (ts_live(want, &live) < 0)
                pd_fail("unable to infer live TS ecr for script TS ecr %u", want);
            pp_put32(t + 20 + g.ts_at + 6, live);
        }
        memset(t + hl, 'y', plen);
        c = pp_csum_finish(pp_csum_add(pp_csum_pseudo(PD_REMOTE, PD_LOCAL, PP_IP_PROTO_TCP,
                                                      (uint16_t)(hl + plen)),
                                       t, hl + plen));
        pp_put16(t + 16, c);
    }
    if (pd_ifc.netdev_send(pd_ifc.userdata, pkt, len) != 0)
        pd_fail("netdev_send failed");
}

struct live {
    uint8_t flags, tos;
    uint32_t seq, ack, win;
    uint16_t sport, dport;
    size_t plen, optlen;
    uint8_t opts[40];
    int ts_at;
    long long us;
};

static int next_live(struct live *l)
{
    static uint8_t buf[65536];
    size_t n = sizeof buf;
    struct pp_ipv4_hdr ip;
    struct pp_tcp_hdr t;
    long long us;
    int rc, hl;
    size_t i;
    do {
        n = sizeof buf;
        rc = pd_ifc.netdev_receive(pd_ifc.userdata, buf, &n, &us);
    } while (rc == -1);
    if (rc != 0 || n == 0)
        return 0;
    /* The project's parsers verify both checksums, as packetdrill does. */
    if (pp_ipv4_parse(buf, n, &ip, 0) < 0)
        pd_fail("the stack sent a malformed or badly checksummed IPv4 packet");
    if (ip.proto != PP_IP_PROTO_TCP)
        pd_unsupported("the stack sent a packet that is not TCP");
    if ((hl = pp_tcp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &t, 0)) <= 0)
        pd_fail("the stack sent a malformed or badly checksummed TCP segment");
    l->sport = t.sport;
    l->dport = t.dport;
    l->seq = t.seq;
    l->ack = t.ack;
    l->flags = (uint8_t)t.flags;
    l->tos = ip.tos;
    l->win = t.window;
    l->optlen = (size_t)hl - 20;
    memcpy(l->opts, ip.payload + 20, l->optlen);
    l->plen = t.payload_len;
    l->ts_at = -1;
    for (i = 0; i < l->optlen;) { /* where the TS option sits */
        uint8_t k = l->opts[i];
        if (k == 0)
            break;
        if (k == 1) {
            i++;
            continue;
        }
        if (i + 1 >= l->optlen || l->opts[i + 1] < 2)
            break;
        if (k == 8 && l->opts[i + 1] == 10)
            l->ts_at = (int)i;
        i += l->opts[i + 1];
    }
    l->us = us;
    if (getenv("PD_PLAY_VERBOSE"))
        fprintf(stderr, "  live: %.6f flags %02x seq %u ack %u win %u len %zu\n",
                (us - pd_start_us) / 1e6, l->flags, l->seq - pd_conn.local_isn,
                l->ack - PD_REMOTE_ISN, l->win, l->plen);
    return 1;
}

static const char *flag_str(uint8_t f)
{
    static char bufs[2][12];
    static int which;
    char *s = bufs[which ^= 1];
    int k = 0;
    if (f & F_SYN) s[k++] = 'S';
    if (f & F_FIN) s[k++] = 'F';
    if (f & F_RST) s[k++] = 'R';
    if (f & F_PSH) s[k++] = 'P';
    if (f & F_ECE) s[k++] = 'E';
    if (f & F_CWR) s[k++] = 'W';
    if (f & F_ACK) s[k++] = '.';
    s[k] = '\0';
    return s;
}

static void check_field(const char *name, long long want, long long got)
{
    if (want != got)
        pd_fail("error handling packet: live packet field %s: expected: %lld (0x%llx) vs actual: "
                "%lld (0x%llx)",
                name, want, (unsigned long long)want, got, (unsigned long long)got);
}

/* Option kinds in order; every option's bytes but the timestamp's. */
static void check_opts(const struct seg *g, const struct live *l)
{
    size_t a = 0, s = 0;
    while (a < l->optlen || s < g->optlen) {
        uint8_t ka = a < l->optlen ? l->opts[a] : 0xff, ks = s < g->optlen ? g->opts[s] : 0xff;
        size_t la, ls;
        if (a >= l->optlen || s >= g->optlen || ka != ks)
            pd_fail("error handling packet: bad outbound TCP options");
        la = ka <= 1 ? 1 : l->opts[a + 1];
        ls = ks <= 1 ? 1 : g->opts[s + 1];
        if (ka > 1 && ka != 8 && (la != ls || memcmp(l->opts + a, g->opts + s, la)))
            pd_fail("error handling packet: bad value in outbound TCP option (kind=%u)", ka);
        if (ka == 0) /* EOL: the rest is padding */
            break;
        a += la ? la : 1;
        s += ls ? ls : 1;
    }
}

long long pd_outbound(char *spec, long long script_us, long long end_us, long long last_us,
                      int any_time)
{
    struct seg g;
    struct live l, more;
    uint32_t want_plen;
    size_t got;
    uint8_t first_cwr;
    uint32_t first_seq;

    parse_seg(spec, &g, PD_REMOTE_ISN, 1);
    want_plen = g.end - g.start;
    if (!next_live(&l))
        pd_fail("error handling packet: the stack sent nothing; the script expects '%s'", spec);
    if ((l.flags & F_SYN) && !pd_conn.have_local_isn) {
        pd_conn.local_isn = l.seq - g.start;
        pd_conn.have_local_isn = 1;
    }
    if (!pd_conn.local_port && (l.flags & F_SYN))
        pd_conn.local_port = l.sport;
    if ((l.flags & F_SYN) && l.sport != pd_conn.local_port)
        pd_unsupported("a second connection (pd_play follows one)");
    if (l.sport != pd_conn.local_port || l.dport != pd_conn.remote_port)
        pd_fail("a packet from port %u to %u; the script's connection is %u -> %u", l.sport,
                l.dport, pd_conn.local_port, pd_conn.remote_port);
    /* Merge (run_packet.c, not strict_segments): more packets of the same
     * flow until the scripted payload is reached; each before the last
     * carries as much as the one before it and continues its sequence. */
    got = l.plen;
    first_cwr = l.flags & F_CWR;
    first_seq = l.seq;
    while (got < want_plen) {
        struct live prev = l;
        if (!next_live(&more))
            break;
        if (more.sport != prev.sport || more.dport != prev.dport)
            pd_fail("a packet of another flow while merging segments");
        if (more.seq != prev.seq + (uint32_t)prev.plen ||
            (more.flags & ~(F_FIN | F_PSH | F_CWR)) != (prev.flags & ~(F_FIN | F_PSH | F_CWR)) ||
            more.ack != prev.ack || more.win != prev.win || more.optlen != prev.optlen)
            pd_fail("error handling packet: aggregate candidate header mismatch: %s seq %u vs %s "
                    "seq %u",
                    flag_str(more.flags), more.seq - pd_conn.local_isn, flag_str(prev.flags),
                    prev.seq - pd_conn.local_isn + (uint32_t)prev.plen);
        if (more.plen < want_plen - got && more.plen != prev.plen)
            pd_fail("error handling packet: fragment payload: expected %zu bytes vs actual %zu "
                    "bytes",
                    prev.plen, more.plen);
        got += more.plen;
        l = more; /* the last one's header, the first one's sequence number */
    }
    l.seq = first_seq;
    if (got != want_plen)
        pd_fail("error handling packet: live packet payload: expected %u bytes vs actual %zu bytes",
                want_plen, got);
    l.flags = (uint8_t)((l.flags & ~F_CWR) | first_cwr);
    /* The IP header: the ECN field when the script names one. */
    if (g.ecn >= 0 && (l.tos & 3) != g.ecn)
        pd_fail("error handling packet: live packet field ip_ecn: expected: %d vs actual: %d",
                g.ecn, l.tos & 3);
    if (!g.opts_nocheck && l.optlen != ((g.optlen + 3) & ~(size_t)3))
        check_field("tcp_data_offset", (long long)(5 + (g.optlen + 3) / 4),
                    (long long)(5 + l.optlen / 4));
    check_field("tcp_fin", !!(g.flags & F_FIN), !!(l.flags & F_FIN));
    check_field("tcp_syn", !!(g.flags & F_SYN), !!(l.flags & F_SYN));
    check_field("tcp_rst", !!(g.flags & F_RST), !!(l.flags & F_RST));
    check_field("tcp_psh", !!(g.flags & F_PSH), !!(l.flags & F_PSH));
    check_field("tcp_ack", !!(g.flags & F_ACK), !!(l.flags & F_ACK));
    check_field("tcp_urg", !!(g.flags & F_URG), !!(l.flags & F_URG));
    check_field("tcp_ece", !!(g.flags & F_ECE), !!(l.flags & F_ECE));
    check_field("tcp_cwr", !!(g.flags & F_CWR), !!(l.flags & F_CWR));
    check_field("tcp_seq", g.start, (uint32_t)(l.seq - pd_conn.local_isn));
    check_field("tcp_ack_seq", (g.flags & F_ACK) ? g.ack : 0,
                (l.flags & F_ACK) ? (uint32_t)(l.ack - PD_REMOTE_ISN) : 0);
    if (g.win >= 0)
        check_field("tcp_window", g.win, l.win);
    if (!g.opts_nocheck)
        check_opts(&g, &l);
    if (g.ts_at >= 0 && l.ts_at >= 0) {
        uint32_t sv = pp_get32(g.opts + g.ts_at + 2), lv = pp_get32(l.opts + l.ts_at + 2);
        ts_note(sv, lv);
        if (!ts_first_set) {
            ts_first_set = 1;
            ts_first_script = sv;
            ts_first_live = lv;
        }
        /* --tcp_ts_tick_usecs: our TS value, counted from the first one,
         * must follow the script's within the tolerance (run_packet.c). */
        if (pd_ts_tick_us) {
            long long since = script_us, tol = pd_tolerance_us, dyn;
            int32_t d = (int32_t)((ts_first_script + (lv - ts_first_live)) - sv);
            dyn = (long long)(pd_tolerance_pct / 100.0 * (double)since);
            if (dyn > tol)
                tol = dyn;
            if ((long long)(d < 0 ? -d : d) * pd_ts_tick_us > tol)
                pd_fail("error handling packet: bad outbound TCP timestamp value, tolerance %lld",
                        tol);
        }
    }
    if (!any_time)
        pd_verify_time("outbound packet", script_us, end_us, l.us, last_us);
    return l.us;
}
