/* cmd_lab.c - `portplex lab`: a whole virtual network in this process (no
 * root, no TUN, no kernel sockets): a server and two clients on the virtual
 * wire, and a scripted tour that shows demultiplexing (UDP by destination,
 * TCP by 4-tuple) and multiplexing (many sockets, one link) as it happens.
 * The server runs the real web server (one thread per connection) on a
 * generated site, and a client port-scans it with the real scanner, its
 * probes leaving through the client's stack. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "lab_html.h"
#include "lab_serve.h"
#include "lab_world.h"
#include "portplex/vwire.h"
#include "portplex/portplex.h"
#include "portplex/socket.h"
#include "portplex/stack.h"
#include "scan/engine.h"
#include "scan/io.h"
#include "scan/output.h"
#include "services.h"
#include "portplex/wire/bytes.h"
#include "portplex/wire/describe.h"
#include "portplex/wire/ipv4.h"
#include "portplex/wire/tcp.h"
#include "portplex/wire/wire_err.h"

#define SERVER LAB_SERVER
#define MAX_LOG 4096

struct event { /* a demux decision or a packet on the wire, in order */
    int wire;
    char host[16];
    char text[200];
    int tcp, fd;
    uint32_t saddr; /* demux decisions: the segment's source */
    uint16_t sport, dport;
    char rule[24];
};

static struct {
    pthread_mutex_t lock;
    struct event ev[MAX_LOG];
    int n, recording;
    unsigned long wire_packets, wire_lost;
    unsigned long rules[16];
    const char *rule_names[16];
    int nrules;
    int json;          /* --json: every event as a JSON line on stdout */
    int step;          /* the tour's step now, in JSON lines */
    uint64_t t0;
    struct timespec t0_ts;
    struct lab_arrow *arrows; /* --html: every packet, with where it was delivered */
    int narrows;
} lab;

static const char *host_of(uint32_t addr)
{
    const char *n = lab_host_name(addr);
    return n ? n : "?";
}

/* Writes s as a JSON string (the texts here are ASCII; escape the rest). */
static void json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            printf("\\%c", ch);
        else if (ch < 0x20 || ch > 0x7e)
            printf("\\u%04x", ch);
        else
            putchar(ch);
    }
    putchar('"');
}

static void count_rule(const char *rule)
{
    int i;
    for (i = 0; i < lab.nrules && strcmp(lab.rule_names[i], rule) != 0; i++)
        ;
    if (i == lab.nrules && lab.nrules < 16)
        lab.rule_names[lab.nrules++] = rule;
    if (i < 16)
        lab.rules[i]++;
}

static void on_demux(void *arg, const struct pp_demux_event *e)
{
    int k;

    (void)arg;
    pthread_mutex_lock(&lab.lock);
    count_rule(e->rule);
    /* The packet this decision was about: the latest one to this host with
     * these ports that has no decision yet. */
    for (k = lab.arrows ? lab.narrows - 1 : -1; k >= 0; k--) {
        struct lab_arrow *ar = &lab.arrows[k];
        if (!ar->deliver[0] && ar->tcp == e->tcp && ar->sport == e->sport && ar->dport == e->dport &&
            strcmp(ar->to, e->stack) == 0 && strcmp(ar->fate, "lost") != 0) {
            if (e->fd >= 0)
                snprintf(ar->deliver, sizeof ar->deliver, "%s's socket %d (%s)", e->stack, e->fd, e->rule);
            else
                snprintf(ar->deliver, sizeof ar->deliver, "%s (%s)",
                         strcmp(e->rule, "miss") == 0 ? "no socket"
                         : strcmp(e->rule, "time-wait") == 0 ? "TIME-WAIT record"
                                                              : "connection without a descriptor",
                         e->rule);
            break;
        }
    }
    if (lab.json) {
        char s[16], d[16];
        printf("{\"t_ms\":%llu,\"step\":%d,\"type\":\"demux\",\"host\":",
               (unsigned long long)(pp_now_ms() - lab.t0), lab.step);
        json_str(e->stack);
        printf(",\"proto\":\"%s\",\"src\":\"%s\",\"sport\":%u,\"dst\":\"%s\",\"dport\":%u,"
               "\"rule\":\"%s\",\"socket\":%d}\n",
               e->tcp ? "tcp" : "udp", pp_ipv4_ntoa(e->saddr, s), e->sport, pp_ipv4_ntoa(e->daddr, d),
               e->dport, e->rule, e->fd);
    }
    if (lab.recording && lab.n < MAX_LOG) {
        struct event *v = &lab.ev[lab.n++];
        memset(v, 0, sizeof *v);
        snprintf(v->host, sizeof v->host, "%s", e->stack);
        v->tcp = e->tcp;
        v->fd = e->fd;
        v->saddr = e->saddr;
        v->sport = e->sport;
        v->dport = e->dport;
        snprintf(v->rule, sizeof v->rule, "%s", e->rule);
    }
    pthread_mutex_unlock(&lab.lock);
}

/* Step 2's connections, each on a thread of its own (as a browser's). */
struct conn_job {
    struct pp_stack *st;
    struct sockaddr_in to;
    pthread_t th;
    int k, fd, err, started;
    char resp[1024];
    size_t got;
    ssize_t n;
};

/* Connects, three attempts in all: a lossy wire can lose every SYN of one. */
static void *conn_connect(void *arg)
{
    struct conn_job *j = arg;
    int tries;

    for (tries = 0; tries < 3; tries++) {
        j->fd = pp_socket(j->st, PP_SOCK_STREAM);
        if ((j->err = pp_connect(j->st, j->fd, (struct sockaddr *)&j->to, sizeof j->to)) == 0)
            return NULL;
        pp_close(j->st, j->fd);
        j->fd = -1;
    }
    return NULL;
}

/* GET / and the whole response (the server closes after it). */
static void *conn_request(void *arg)
{
    static const char req[] = "GET / HTTP/1.1\r\nHost: server.lab\r\nConnection: close\r\n\r\n";
    struct conn_job *j = arg;

    j->got = 0;
    pp_send(j->st, j->fd, req, sizeof req - 1, 0);
    while ((j->n = pp_recv(j->st, j->fd, j->resp + j->got, sizeof j->resp - 1 - j->got, 0)) > 0)
        j->got += (size_t)j->n;
    j->resp[j->got] = 0;
    return NULL;
}

/* Initial sequence numbers of the directions seen (lab.lock held). */
#define MAX_ISN 512
static struct isn {
    uint32_t saddr, daddr, isn;
    uint16_t sport, dport;
} isns[MAX_ISN];
static int nisns;

static void isn_note(uint32_t sa, uint16_t sp, uint32_t da, uint16_t dp, uint32_t isn)
{
    struct isn *e = &isns[nisns < MAX_ISN ? nisns++ : (nisns++ % MAX_ISN)];
    e->saddr = sa;
    e->sport = sp;
    e->daddr = da;
    e->dport = dp;
    e->isn = isn;
}

static uint32_t isn_of(uint32_t sa, uint16_t sp, uint32_t da, uint16_t dp)
{
    int i, n = nisns < MAX_ISN ? nisns : MAX_ISN;
    for (i = n - 1; i >= 0; i--)
        if (isns[i].saddr == sa && isns[i].sport == sp && isns[i].daddr == da && isns[i].dport == dp)
            return isns[i].isn;
    return 0;
}

static void on_packet(void *arg, const char *from, const uint8_t *pkt, size_t len, const char *fate)
{
    (void)arg;
    pthread_mutex_lock(&lab.lock);
    lab.wire_packets++;
    if (strcmp(fate, "lost") == 0)
        lab.wire_lost++;
    if (lab.arrows && lab.narrows < LAB_HTML_MAX) {
        struct lab_arrow *ar = &lab.arrows[lab.narrows++];
        struct pp_ipv4_hdr ip;
        struct timespec now;
        memset(ar, 0, sizeof *ar);
        clock_gettime(CLOCK_MONOTONIC, &now);
        ar->t_ms = (double)(now.tv_sec - lab.t0_ts.tv_sec) * 1e3 + (double)(now.tv_nsec - lab.t0_ts.tv_nsec) / 1e6;
        ar->step = lab.step;
        snprintf(ar->from, sizeof ar->from, "%s", from);
        snprintf(ar->fate, sizeof ar->fate, "%s", fate);
        pp_describe_packet(pkt, len, ar->label, sizeof ar->label, 0);
        pp_describe_packet(pkt, len, ar->desc, sizeof ar->desc, 0);
        if (pp_ipv4_parse(pkt, len, &ip, PP_WIRE_NO_CSUM) >= 0) {
            snprintf(ar->to, sizeof ar->to, "%s", host_of(ip.dst));
            ar->saddr = ip.src;
            ar->daddr = ip.dst;
            ar->tcp = ip.proto == 6;
            if ((ip.proto == 6 || ip.proto == 17) && ip.payload_len >= 4 && ip.frag_off == 0) {
                ar->sport = (unsigned)(ip.payload[0] << 8 | ip.payload[1]);
                ar->dport = (unsigned)(ip.payload[2] << 8 | ip.payload[3]);
            }
            /* A compact label: ports, flags, payload bytes. */
            if (ip.proto == 6 && ip.payload_len >= 20 && ip.frag_off == 0) {
                char fl[10];
                unsigned doff = (unsigned)(ip.payload[12] >> 4) * 4;
                pp_tcp_flags_str((uint16_t)(ip.payload[13] | (ip.payload[12] & 1) << 8), fl);
                uint32_t seq = pp_get32(ip.payload + 4), ack = pp_get32(ip.payload + 8);
                char acks[24] = "";
                /* Relative numbers, as Wireshark shows them: from each
                 * direction's initial sequence number. */
                if (ip.payload[13] & 0x02)
                    isn_note(ip.src, ar->sport, ip.dst, ar->dport, seq);
                seq -= isn_of(ip.src, ar->sport, ip.dst, ar->dport);
                if (ip.payload[13] & 0x10)
                    snprintf(acks, sizeof acks, " ack=%u", ack - isn_of(ip.dst, ar->dport, ip.src, ar->sport));
                snprintf(ar->label, sizeof ar->label, "TCP %u > %u [%s] seq=%u%s %u bytes", ar->sport, ar->dport,
                         fl, seq, acks, ip.payload_len > doff ? ip.payload_len - doff : 0);
            } else if (ip.proto == 17 && ip.payload_len >= 8 && ip.frag_off == 0) {
                snprintf(ar->label, sizeof ar->label, "UDP %u > %u %u bytes", ar->sport, ar->dport,
                         ip.payload_len - 8);
            }
        }
    }
    if (lab.json) {
        struct pp_ipv4_hdr ip;
        char line[180], s[16], d[16];
        pp_describe_packet(pkt, len, line, sizeof line, 0);
        printf("{\"t_ms\":%llu,\"step\":%d,\"type\":\"packet\",\"from\":",
               (unsigned long long)(pp_now_ms() - lab.t0), lab.step);
        json_str(from);
        if (pp_ipv4_parse(pkt, len, &ip, PP_WIRE_NO_CSUM) >= 0) {
            printf(",\"src\":\"%s\",\"dst\":\"%s\",\"proto\":%u,\"len\":%u", pp_ipv4_ntoa(ip.src, s),
                   pp_ipv4_ntoa(ip.dst, d), ip.proto, ip.total_len);
            if ((ip.proto == 6 || ip.proto == 17) && ip.payload_len >= 4 && ip.frag_off == 0)
                printf(",\"sport\":%u,\"dport\":%u", (unsigned)(ip.payload[0] << 8 | ip.payload[1]),
                       (unsigned)(ip.payload[2] << 8 | ip.payload[3]));
        }
        printf(",\"fate\":");
        json_str(*fate ? fate : "delivered");
        printf(",\"desc\":");
        json_str(line);
        printf("}\n");
    }
    if (lab.recording && lab.n < MAX_LOG) {
        struct event *v = &lab.ev[lab.n++];
        char line[180];
        memset(v, 0, sizeof *v);
        v->wire = 1;
        snprintf(v->host, sizeof v->host, "%s", from);
        pp_describe_packet(pkt, len, line, sizeof line, 0);
        snprintf(v->text, sizeof v->text, "%s%s%s%s", line, *fate ? " [" : "", fate, *fate ? "]" : "");
        if (len >= 24) {
            v->sport = (uint16_t)(pkt[20] << 8 | pkt[21]);
            v->dport = (uint16_t)(pkt[22] << 8 | pkt[23]);
        }
    }
    pthread_mutex_unlock(&lab.lock);
}

static void step(int n, const char *title)
{
    pthread_mutex_lock(&lab.lock);
    lab.step = n;
    if (!lab.json) {
        pthread_mutex_unlock(&lab.lock);
        return;
    }
    printf("{\"t_ms\":%llu,\"type\":\"step\",\"step\":%d,\"title\":", (unsigned long long)(pp_now_ms() - lab.t0), n);
    json_str(title);
    printf("}\n");
    pthread_mutex_unlock(&lab.lock);
}

static void record(int on)
{
    pthread_mutex_lock(&lab.lock);
    lab.recording = on;
    if (on)
        lab.n = 0;
    pthread_mutex_unlock(&lab.lock);
}

static char *ep(uint32_t a, uint16_t port, char *buf)
{
    char s[16];
    snprintf(buf, 40, "%s:%u", pp_ipv4_ntoa(a, s), port);
    return buf;
}


/* --- the tour --------------------------------------------------------------- */
struct sock_table {
    int rows;
    uint16_t port;
};

static void print_sock(void *arg, const struct pp_socket_info *si)
{
    struct sock_table *t = arg;
    char l[40], r[40];
    if (!si->tcp || si->lport != t->port)
        return;
    if (si->laddr)
        ep(si->laddr, si->lport, l);
    else
        snprintf(l, sizeof l, "*:%u", si->lport);
    if (si->rport)
        ep(si->raddr, si->rport, r);
    else
        snprintf(r, sizeof r, "*:*");
    printf("    %-11s %6zu %6zu %-21s %-21s %s\n", si->state, si->recv_q, si->send_q, l, r,
           si->fd >= 0 ? "" : strcmp(si->state, "LISTEN") ? "(not accepted yet)" : "");
    t->rows++;
}

static void print_wire_from(const char *from, int max)
{
    int i, shown = 0;
    pthread_mutex_lock(&lab.lock);
    for (i = 0; i < lab.n && shown < max; i++)
        if (lab.ev[i].wire && (!from || strcmp(lab.ev[i].host, from) == 0)) {
            printf("    %-8s %s\n", lab.ev[i].host, lab.ev[i].text);
            shown++;
        }
    pthread_mutex_unlock(&lab.lock);
}

void pp_cmd_lab_usage(FILE *f)
{
    fprintf(f, "usage: portplex lab [--seed N] [--loss P] [--connections N] [--pcap FILE] [--quiet]\n"
               "                   [--json] [--html FILE]\n"
               "       portplex lab --serve [[ADDR:]PORT] [--seed N] [--loss P]\n\n"
               "Builds a virtual network in this process (no root, no TUN): a server\n"
               "(10.0.0.1: udp-echo and tcp-echo on 7, discard on 9, DNS-style on 53, the\n"
               "web server on 80) and two clients (10.0.0.2, 10.0.0.3) on one virtual wire,\n"
               "then shows\n"
               "  1. UDP demultiplexing by destination, with return addresses\n"
               "  2. TCP demultiplexing by 4-tuple: one listener, many sockets on port 80\n"
               "  3. multiplexing: several sockets of one host interleaved on one link\n"
               "  4. a port scan of the server (SYN and UDP, ports 1-1024) by client1 with\n"
               "     the real scanner, read as nmap reads answers\n"
               "  5. a summary: packets, demultiplexing decisions by rule, drops\n\n"
               "  --seed N          impairment dice (default 1)\n"
               "  --loss P          drop each packet with probability P (0..0.5): TCP recovers,\n"
               "                    UDP datagrams are lost\n"
               "  --connections N   HTTP connections in step 2, 1..64 (default 8)\n"
               "  --pcap FILE       every packet on the wire, for Wireshark/tshark\n"
               "  --quiet           print only the summary\n"
               "  --json            instead, every packet on the wire and every demultiplexing\n"
               "                    decision as JSON lines, with the steps and a summary\n"
               "  --html FILE       a self-contained page: a section per step, each a sequence\n"
               "                    diagram with an arrow per packet (time, ports, flags, seq/ack,\n"
               "                    one colour per connection, the socket it reached), the scan folded\n"
               "  --serve [[ADDR:]PORT]  the live lab in a browser (default 127.0.0.1:8088): every\n"
               "                    host's socket table, every packet and the row it matched, run,\n"
               "                    pause, step and back, scenarios, exercises and a sandbox\n");
}

static int parse_double(const char *s, double lo, double hi, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (!*s || *end || !(v >= lo && v <= hi))
        return -1;
    *out = v;
    return 0;
}

/* Appends the numbers of the ports of one protocol in state to out. */
static void port_list(const struct pp_scan_result *res, int udp, int state, char *out, size_t cap)
{
    int lo = udp ? res->ntcp : 0, hi = udp ? res->nports : res->ntcp, i, n = 0;
    size_t len = 0;

    out[0] = 0;
    for (i = lo; i < hi && res->hosts[0].state; i++)
        if (res->hosts[0].state[i] == state && len + 8 < cap)
            len += (size_t)snprintf(out + len, cap - len, "%s%u", n++ ? ", " : "", res->port_of[i]);
}

static int count_state(const struct pp_scan_result *res, int udp, int state)
{
    int lo = udp ? res->ntcp : 0, hi = udp ? res->nports : res->ntcp, i, n = 0;
    for (i = lo; i < hi && res->hosts[0].state; i++)
        n += res->hosts[0].state[i] == state;
    return n;
}

/* Step 4: client1 scans the server's TCP and UDP ports 1-1024 with the real
 * scanner; the probes leave through client1's stack, whose own answers
 * (RST to an unexpected SYN/ACK) are a kernel's.  *ok says whether every
 * state matches the services the server really runs. */
static int scan_server(struct pp_stack *c1, unsigned long long seed, double loss, int quiet, int *ok)
{
    struct pp_scan_result res;
    struct pp_scan_report rep;
    char err[256], open_t[128], open_u[128], of_u[128];
    int k;

    memset(&rep, 0, sizeof rep);
    if (lab_world_scan(c1, "T:1-1024,U:1-1024", seed, &res, err) < 0) {
        fprintf(stderr, "portplex lab: scan: %s\n", err);
        return -1;
    }
    port_list(&res, 0, PP_PS_OPEN, open_t, sizeof open_t);
    port_list(&res, 1, PP_PS_OPEN, open_u, sizeof open_u);
    port_list(&res, 1, PP_PS_OPEN_FILTERED, of_u, sizeof of_u);
    /* The server runs tcp-echo 7, discard 9 and http 80 on TCP; udp-echo 7
     * and dns 53 answer on UDP; discard 9 swallows UDP silently. */
    *ok = strcmp(open_t, "7, 9, 80") == 0 && strcmp(open_u, "7, 53") == 0 && strcmp(of_u, "9") == 0 &&
          count_state(&res, 0, PP_PS_CLOSED) == 1021 && count_state(&res, 1, PP_PS_CLOSED) == 1021;
    if (lab.json) {
        pthread_mutex_lock(&lab.lock);
        for (k = 0; k < res.nports; k++) {
            int st = res.hosts[0].state ? res.hosts[0].state[k] : 0;
            if (st == PP_PS_CLOSED)
                continue;
            printf("{\"type\":\"scan\",\"proto\":\"%s\",\"port\":%u,\"state\":\"%s\",\"reason\":\"%s\"}\n",
                   k >= res.ntcp ? "udp" : "tcp", res.port_of[k], pp_scan_state_name(st),
                   pp_scan_reason_name(res.hosts[0].reason[k]));
        }
        printf("{\"type\":\"scan_summary\",\"tcp_closed\":%d,\"udp_closed\":%d,\"probes\":%llu,"
               "\"retransmissions\":%llu,\"seconds\":%.3f,\"matches_services\":%s}\n",
               count_state(&res, 0, PP_PS_CLOSED), count_state(&res, 1, PP_PS_CLOSED),
               (unsigned long long)res.sent, (unsigned long long)res.retransmits, res.seconds,
               *ok ? "true" : "false");
        pthread_mutex_unlock(&lab.lock);
    } else if (!quiet) {
        char *text = NULL, *line, *save, silent[400];
        size_t tl = 0;
        FILE *m;
        /* The lab's server does not rate-limit (see lab_world.c): silence
         * that the scanner took for a limit was the wire's loss, and the
         * lab says so instead of repeating the scanner's guess. */
        if (loss > 0)
            res.hosts[0].icmp_limited = 0;
        if (strcmp(of_u, "9") == 0 || !of_u[0])
            snprintf(silent, sizeof silent, "udp %s: discard swallows datagrams, as a firewall\n"
                                            "                    dropping them would; the scanner cannot tell which",
                     of_u[0] ? of_u : "none");
        else
            snprintf(silent, sizeof silent, "udp 9: discard swallows datagrams; %d more, whose\n"
                                            "                    probes or answers the wire lost every try",
                     count_state(&res, 1, PP_PS_OPEN_FILTERED) - 1);
        m = open_memstream(&text, &tl);
        rep.res = &res;
        rep.args = "portplex scan -sS -sU -p 1-1024 --reason 10.0.0.1";
        rep.tcp = rep.udp = 1;
        rep.reason = 1;
        rep.tcp_kind = PP_SCAN_SYN;
        if (m) {
            pp_scan_write_normal(m, &rep);
            fclose(m);
        }
        printf("\n4. A port scan: client1 runs the scanner on the server, SYN and UDP, ports 1-1024\n"
               "   (%llu probes, %llu resent; this is `portplex scan -sS -sU -p 1-1024 --reason`)\n",
               (unsigned long long)res.sent, (unsigned long long)res.retransmits);
        for (line = text ? strtok_r(text, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save))
            printf("    %s\n", line);
        free(text);
        printf("    How it reads the answers (demultiplexing seen from outside):\n"
               "      open          a SYN/ACK came back: a listening socket (tcp %s); client1's\n"
               "                    stack, which has no socket for it, answered RST as a kernel would\n"
               "      closed        a RST (TCP) or ICMP port unreachable (UDP): no socket there\n"
               "      open          a UDP reply (udp %s)\n"
               "      open|filtered silence (%s)\n"
               "    %s\n",
               open_t, open_u, silent,
               *ok ? "Every state matches the services the server runs."
                   : loss > 0 ? "Some states differ from the server's services: the wire lost every try of those probes or their answers."
                              : "Some states differ from the server's services.");
    }
    pp_scan_result_free(&res);
    return 0;
}

int pp_cmd_lab(int argc, char **argv)
{
    static const struct option opts[] = {
        {"seed", required_argument, NULL, 's'},  {"loss", required_argument, NULL, 'l'},
        {"connections", required_argument, NULL, 'n'}, {"pcap", required_argument, NULL, 'w'},
        {"quiet", no_argument, NULL, 'q'},       {"help", no_argument, NULL, 'h'},
        {"json", no_argument, NULL, 'j'},       {"html", required_argument, NULL, 'H'},
        {"serve", optional_argument, NULL, 'S'},
        {NULL, 0, NULL, 0},
    };
    static struct lab_world world;
    struct lab_world_config wc;
    struct pp_stack *srv = NULL, *c1 = NULL, *c2 = NULL;
    double loss = 0, v;
    long nconn = 8;
    int c, quiet = 0, ok_http = 0, rc = PP_EXIT_FAIL, i, scan_ok = 0;
    unsigned long long seed = 1;
    const char *pcap = NULL, *html = NULL, *serve = NULL;
    char err[256], a[40], b[40], *end, why[200] = "";

    pthread_mutex_init(&lab.lock, NULL);
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            seed = strtoull(optarg, &end, 10);
            if (!*optarg || *end)
                return pp_cli_usage_error("lab", "--seed wants a number, not '%s'", optarg);
            break;
        case 'l':
            if (parse_double(optarg, 0, 0.5, &loss) < 0)
                return pp_cli_usage_error("lab", "--loss wants a probability from 0 to 0.5, not '%s'",
                                          optarg);
            break;
        case 'n':
            if (parse_double(optarg, 1, 64, &v) < 0 || v != (long)v)
                return pp_cli_usage_error("lab", "--connections wants 1..64, not '%s'", optarg);
            nconn = (long)v;
            break;
        case 'w': pcap = optarg; break;
        case 'q': quiet = 1; break;
        case 'j': lab.json = 1; quiet = 1; break;
        case 'H': html = optarg; break;
        case 'S':
            /* --serve, --serve=SPEC or --serve SPEC ([ADDR:]PORT) */
            if (optarg)
                serve = optarg;
            else if (optind < argc && argv[optind][0] != '-' &&
                     (strchr(argv[optind], ':') || strspn(argv[optind], "0123456789") == strlen(argv[optind])))
                serve = argv[optind++]; /* the kernel backend judges it */
            else
                serve = "127.0.0.1:8088";
            break;
        case 'h': pp_cmd_lab_usage(stdout); return PP_EXIT_OK;
        case ':': return pp_cli_usage_error("lab", "option '%s' needs a value", argv[optind - 1]);
        default: return pp_cli_usage_error("lab", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc)
        return pp_cli_usage_error("lab", "unexpected argument '%s'", argv[optind]);

    if (serve) {
        if (pcap || html || lab.json || quiet)
            return pp_cli_usage_error("lab", "--serve runs the live page; it takes only --seed and --loss");
        if (strlen(serve) > 120)
            return pp_cli_usage_error("lab", "--serve wants [ADDR:]PORT, not '%.40s...'", serve);
        rc = lab_serve(serve, seed, loss, err);
        if (rc == -2)
            return pp_cli_usage_error("lab", "--serve: %s", err);
        if (rc < 0) {
            fprintf(stderr, "portplex lab: %s\n", err);
            return PP_EXIT_FAIL;
        }
        return PP_EXIT_OK;
    }
    if (html && !(lab.arrows = calloc(LAB_HTML_MAX, sizeof *lab.arrows))) {
        fprintf(stderr, "portplex lab: out of memory\n");
        return PP_EXIT_FAIL;
    }
    memset(&wc, 0, sizeof wc);
    wc.seed = seed;
    wc.loss = loss;
    wc.delay_ms = 1;
    wc.pcap = pcap;
    if (lab_world_new(&world, &wc, err) < 0) {
        fprintf(stderr, "portplex lab: %s\n", err);
        goto out;
    }
    srv = world.host[0];
    c1 = world.host[1];
    c2 = world.host[2];
    pp_vwire_on_packet(world.wire, on_packet, NULL);
    pp_stack_on_demux(srv, on_demux, NULL);
    pp_stack_on_demux(c1, on_demux, NULL);
    pp_stack_on_demux(c2, on_demux, NULL);
    if (lab_world_start_services(&world, err) < 0) {
        fprintf(stderr, "portplex lab: %s\n", err);
        goto out;
    }
    if (!quiet) {
        printf("portplex lab %s: a virtual network in this process (seed %llu, loss %.0f%%)\n",
               pp_version(), seed, loss * 100);
        if (loss >= 0.2)
            printf("  (at this loss the tour takes minutes: TCP waits longer after each lost try,\n"
                   "   1 s, 2 s, 4 s..., and the scan tries every port again; 3-4 minutes at 50%%)\n");
        printf("  server   10.0.0.1  udp-echo 7, tcp-echo 7, discard 9, dns 53, the web server on 80\n"
               "                     (portplex httpd: one thread per connection)\n");
        printf("  client1  10.0.0.2\n  client2  10.0.0.3\n");
    }

    lab.t0 = pp_now_ms();
    clock_gettime(CLOCK_MONOTONIC, &lab.t0_ts);
    /* 1. Connectionless demultiplexing. */
    step(1, "connectionless demultiplexing (UDP)");
    record(1);
    {
        struct pp_stack *cl[2] = {c1, c2};
        int fds[2], k, tmo = 300;
        struct sockaddr_in to;
        memset(&to, 0, sizeof to);
        to.sin_family = AF_INET;
        to.sin_addr.s_addr = htonl(SERVER);
        to.sin_port = htons(7);
        for (k = 0; k < 2; k++) {
            char msg[32];
            fds[k] = pp_socket(cl[k], PP_SOCK_DGRAM);
            pp_setsockopt(cl[k], fds[k], PP_SO_RCVTIMEO, &tmo, sizeof tmo);
            snprintf(msg, sizeof msg, "hello from client%d", k + 1);
            pp_sendto(cl[k], fds[k], msg, strlen(msg), 0, (struct sockaddr *)&to, sizeof to);
        }
        for (k = 0; k < 2; k++) {
            char buf[64];
            ssize_t n = pp_recv(cl[k], fds[k], buf, sizeof buf - 1, 0);
            if (!quiet && n < 0)
                printf("    (client%d's datagram or its echo was lost on the wire: UDP does not resend)\n",
                       k + 1);
        }
        if (!quiet) {
            printf("\n1. Connectionless demultiplexing: UDP finds a socket by destination (IP, port)\n");
            pthread_mutex_lock(&lab.lock);
            for (i = 0; i < lab.n; i++) {
                struct event *e = &lab.ev[i];
                if (!e->wire && !e->tcp && strcmp(e->host, "server") == 0 && e->dport == 7)
                    printf("    server got a datagram from %s (%s) port %-5u -> socket %d (rule %s)\n",
                           host_of(e->saddr), pp_ipv4_ntoa(e->saddr, a), e->sport, e->fd, e->rule);
            }
            for (i = 0; i < lab.n; i++) {
                struct event *e = &lab.ev[i];
                if (!e->wire && !e->tcp && strcmp(e->host, "server") != 0)
                    printf("    the echo went back to the source, %s port %u -> socket %d (rule %s)\n",
                           e->host, e->dport, e->fd, e->rule);
            }
            pthread_mutex_unlock(&lab.lock);
            printf("    Two sources, one destination: the same server socket; the source (IP, port)\n"
                   "    is handed to the application as the return address.\n");
        }
        {
            /* A DNS-style query for "server.lab": port 53 is another socket. */
            static const uint8_t q[] = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
                                        6, 's', 'e', 'r', 'v', 'e', 'r', 3, 'l', 'a', 'b', 0,
                                        0, 1, 0, 1};
            uint8_t r[512];
            ssize_t n;
            to.sin_port = htons(53);
            pp_sendto(c2, fds[1], q, sizeof q, 0, (struct sockaddr *)&to, sizeof to);
            n = pp_recv(c2, fds[1], r, sizeof r, 0);
            if (!quiet && n >= (ssize_t)sizeof q + 16 && r[0] == 0x12 && r[1] == 0x34)
                printf("    client2 asked the dns service (port 53, another socket) for server.lab:\n"
                       "    answer %u.%u.%u.%u\n", r[n - 4], r[n - 3], r[n - 2], r[n - 1]);
        }
        pp_close(c1, fds[0]);
        pp_close(c2, fds[1]);
    }

    /* 2. Connection-oriented demultiplexing. */
    step(2, "connection-oriented demultiplexing (TCP)");
    record(1);
    {
        static struct conn_job cj[64];
        int fds[64], k;
        struct sockaddr_in to;
        struct sock_table t = {0, 80};
        memset(&to, 0, sizeof to);
        to.sin_family = AF_INET;
        to.sin_addr.s_addr = htonl(SERVER);
        to.sin_port = htons(80);
        /* The connections are independent, as a browser's are: each opens
         * on its own thread, so a lossy wire's SYN backoffs overlap. */
        for (k = 0; k < nconn; k++) {
            cj[k].st = k % 2 ? c2 : c1;
            cj[k].to = to;
            cj[k].k = k;
            cj[k].fd = -1;
            cj[k].started = pthread_create(&cj[k].th, NULL, conn_connect, &cj[k]) == 0;
        }
        for (k = 0; k < nconn; k++) {
            if (cj[k].started)
                pthread_join(cj[k].th, NULL);
            fds[k] = cj[k].fd;
            if (fds[k] < 0) {
                snprintf(why, sizeof why, "connection %d could not connect in 3 attempts (%s)", k + 1,
                         strerror(-cj[k].err));
                fprintf(stderr, "portplex lab: %s\n", why);
            }
        }
        usleep(50000); /* let the server's threads accept */
        if (!quiet) {
            printf("\n2. Connection-oriented demultiplexing: TCP finds a socket by the 4-tuple\n");
            printf("    %ld HTTP connections to server:80; the server's sockets (ss -tna):\n", nconn);
            printf("    %-11s %6s %6s %-21s %-21s\n", "State", "Recv-Q", "Send-Q", "Local", "Peer");
            pp_stack_list_sockets(srv, print_sock, &t);
        }
        for (k = 0; k < nconn; k++)
            cj[k].started = fds[k] >= 0 && pthread_create(&cj[k].th, NULL, conn_request, &cj[k]) == 0;
        for (k = 0; k < nconn; k++)
            if (cj[k].started)
                pthread_join(cj[k].th, NULL);
        for (k = 0; k < nconn; k++) {
            struct pp_stack *cl = k % 2 ? c2 : c1;
            char *resp = cj[k].resp;
            size_t got = cj[k].got;
            ssize_t n = cj[k].n;
            if (fds[k] < 0)
                continue;
            if (strncmp(resp, "HTTP/1.1 200 OK", 15) != 0)
                snprintf(why, sizeof why, "request %d got %s", k + 1,
                         n < 0 ? strerror((int)-n)
                         : got ? "a response other than 200 (the server's deadline passed while the "
                                 "wire lost the request)"
                               : "no response before the connection closed");
            if (strncmp(resp, "HTTP/1.1 200 OK", 15) == 0 && strstr(resp, "portplex lab")) {
                struct sockaddr_in me;
                socklen_t ml = sizeof me;
                int sfd = -1;
                ok_http++;
                pp_getsockname(cl, fds[k], (struct sockaddr *)&me, &ml);
                pthread_mutex_lock(&lab.lock);
                for (i = 0; i < lab.n && sfd < 0; i++) {
                    struct event *e = &lab.ev[i];
                    if (!e->wire && e->tcp && strcmp(e->host, "server") == 0 && e->dport == 80 &&
                        e->sport == ntohs(me.sin_port) && strcmp(e->rule, "established") == 0)
                        sfd = e->fd;
                }
                pthread_mutex_unlock(&lab.lock);
                if (!quiet && k < 4)
                    printf("    %s got its own answer: \"HTTP/1.1 200 OK\", %zu bytes of index.html,\n"
                           "        sent by the server's socket %d\n",
                           ep(ntohl(me.sin_addr.s_addr), ntohs(me.sin_port), a), got, sfd);
            }
            pp_close(cl, fds[k]);
        }
        if (!quiet && ok_http > 4)
            printf("    ... and %d more, each its own answer on its own socket\n", ok_http - 4);
        if (!quiet) {
            int est = 0, lis = 0;
            pthread_mutex_lock(&lab.lock);
            for (i = 0; i < lab.n; i++) {
                struct event *e = &lab.ev[i];
                if (!e->wire && e->tcp && strcmp(e->host, "server") == 0 && e->dport == 80) {
                    est += strcmp(e->rule, "established") == 0;
                    lis += strncmp(e->rule, "listener", 8) == 0;
                }
            }
            pthread_mutex_unlock(&lab.lock);
            printf("    %d/%ld requests answered, each on its own connection.  The server's segments\n"
                   "    went %d times to the listener (new connections) and %d times to an\n"
                   "    established socket, all on local port 80, told apart by the client's port.\n",
                   ok_http, nconn, lis, est);
        }
    }

    /* 3. Multiplexing. */
    step(3, "multiplexing");
    record(1);
    {
        int fds[3], k, r, tmo = 300;
        struct sockaddr_in to;
        memset(&to, 0, sizeof to);
        to.sin_family = AF_INET;
        to.sin_addr.s_addr = htonl(SERVER);
        to.sin_port = htons(7);
        for (k = 0; k < 3; k++) {
            fds[k] = pp_socket(c1, PP_SOCK_DGRAM);
            pp_setsockopt(c1, fds[k], PP_SO_RCVTIMEO, &tmo, sizeof tmo);
        }
        for (r = 0; r < 2; r++)
            for (k = 0; k < 3; k++) {
                char msg[32];
                snprintf(msg, sizeof msg, "socket %d, message %d", k, r);
                pp_sendto(c1, fds[k], msg, strlen(msg), 0, (struct sockaddr *)&to, sizeof to);
            }
        for (k = 0; k < 3; k++) {
            char buf[64];
            pp_recv(c1, fds[k], buf, sizeof buf, 0);
            pp_recv(c1, fds[k], buf, sizeof buf, 0);
            pp_close(c1, fds[k]);
        }
        if (!quiet) {
            printf("\n3. Multiplexing: client1's three sockets share one link, each with its own\n"
                   "   source port (ephemeral ports chosen per RFC 6056):\n");
            print_wire_from("client1", 6);
        }
    }

    /* 4. A port scan with the real scanner. */
    step(4, "port scan");
    record(0); /* thousands of packets: the JSON, pcap and HTML have them all */
    if (scan_server(c1, seed, loss, quiet, &scan_ok) < 0)
        goto out;
    /* 5. Summary. */
    record(0);
    usleep(20000);
    if (lab.json) {
        pthread_mutex_lock(&lab.lock);
        printf("{\"type\":\"summary\",\"packets\":%lu,\"lost\":%lu,\"http_answered\":%d,"
               "\"http_requests\":%ld,\"rules\":{", lab.wire_packets, lab.wire_lost, ok_http, nconn);
        for (i = 0; i < lab.nrules; i++)
            printf("%s\"%s\":%lu", i ? "," : "", lab.rule_names[i], lab.rules[i]);
        printf("}}\n");
        pthread_mutex_unlock(&lab.lock);
    } else {
        struct pp_stack *hs[3] = {srv, c1, c2};
        printf("%s5. Summary: %lu packets on the wire (%lu lost), %d/%ld HTTP requests answered\n",
               quiet ? "" : "\n", lab.wire_packets, lab.wire_lost, ok_http, nconn);
        pthread_mutex_lock(&lab.lock);
        printf("    demultiplexing decisions by rule:");
        for (i = 0; i < lab.nrules; i++)
            printf(" %s=%lu", lab.rule_names[i], lab.rules[i]);
        pthread_mutex_unlock(&lab.lock);
        printf("\n");
        for (i = 0; i < 3; i++)
            printf("    %-8s received %lld, sent %lld, dropped as malformed %lld, retransmissions %lld\n",
                   pp_stack_name(hs[i]), pp_stack_counter(hs[i], "ip.in_receives"),
                   pp_stack_counter(hs[i], "ip.out_requests"),
                   pp_stack_counter(hs[i], "ip.in_hdr_errors") + pp_stack_counter(hs[i], "udp.in_errors") +
                       pp_stack_counter(hs[i], "tcp.in_errs"),
                   pp_stack_counter(hs[i], "tcp.retransmits") +
                       pp_stack_counter(hs[i], "tcp.fast_retransmits"));
        if (pcap)
            printf("    every packet is in %s (tshark -r %s)\n", pcap, pcap);
    }
    if (html) {
        pthread_mutex_lock(&lab.lock);
        static const struct lab_html_step steps[5] = {
            {"", "", 0},
            {"Connectionless demultiplexing (UDP)",
             "Two clients send to the server's port 7: one UDP socket bound to 0.0.0.0:7 gets both "
             "(rule udp-wildcard), whatever the source; the echoes go back to each source as its return "
             "address. client2 then asks the DNS service on port 53, another socket.", 0},
            {"Connection-oriented demultiplexing (TCP)",
             "Eight connections to the server's port 80: each first SYN reaches the one listener "
             "(listener-wildcard); every later segment reaches its own connection by the whole 4-tuple "
             "(established), all on local port 80, told apart by the client's address and port.", 0},
            {"Multiplexing",
             "client1's three UDP sockets share one link: each has its own ephemeral source port, and "
             "each echo comes back to the socket that sent it.", 0},
            {"A port scan, read as demultiplexing from outside",
             "client1 probes ports 1-1024 over TCP and UDP: a SYN/ACK means a LISTEN row matched, a RST "
             "or an ICMP port unreachable means no row did (miss), silence is open|filtered.", 1},
        };
        if (lab_html_write(html, lab.arrows, lab.narrows, "portplex lab: multiplexing and demultiplexing",
                           steps, 5, err) < 0) {
            pthread_mutex_unlock(&lab.lock);
            fprintf(stderr, "portplex lab: %s\n", err);
            goto out;
        }
        if (!lab.json)
            printf("    the sequence diagram (%d arrows) is in %s\n", lab.narrows, html);
        pthread_mutex_unlock(&lab.lock);
    }
    (void)b;
    /* Under --loss the scan may misread a port (as any scanner would); TCP
     * must still deliver every request. */
    rc = ok_http == nconn && (scan_ok || loss > 0) ? PP_EXIT_OK : PP_EXIT_FAIL;
    if (ok_http != nconn)
        fprintf(stderr, "portplex lab: %ld of %ld HTTP requests were not answered%s; the last: %s\n",
                nconn - ok_http, nconn, loss > 0 ? " on the lossy wire" : "", why);
    else if (!scan_ok && loss == 0)
        fprintf(stderr, "portplex lab: the scan misread a port of the server on a wire without loss\n");
out:
    lab_world_free(&world);
    free(lab.arrows);
    lab.arrows = NULL;
    return rc;
}
