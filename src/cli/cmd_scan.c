/* cmd_scan.c - `portplex scan`: the connect scan (-sT) and the UDP scan
 * (-sU) with the kernel's sockets, nmap's flags and report format.
 * Non-blocking sockets, up to --max-parallelism probes at once, watched with
 * epoll.  TCP: connected = open, ECONNREFUSED (a RST) = closed, silence or
 * ICMP unreachable = filtered.  UDP (a connected socket per probe, so the
 * kernel hands back ICMP errors): a datagram back = open, ECONNREFUSED (ICMP
 * port unreachable) = closed, another unreachable = filtered, silence =
 * open|filtered.  The raw-packet scans (SYN, ACK, FIN/NULL/Xmas) are still
 * to come. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "portplex/portplex.h"
#include "scan/ports.h"
#include "scan/targets.h"
#include "wire/ipv4.h"

enum { ST_UNKNOWN = 0, ST_OPEN, ST_CLOSED, ST_FILTERED, ST_OPENFILTERED, ST_COUNT };
static const char *const state_name[] = {"unknown", "open", "closed", "filtered", "open|filtered"};
static const char *const reason_tcp[] = {"", "syn-ack", "conn-refused", "no-response", ""};
static const char *const reason_udp[] = {"", "udp-response", "port-unreach", "host-unreach",
                                         "no-response"};

struct probe {
    int fd, port, tries, udp;
    double sent;
};

/* A payload that makes a UDP service answer (our own, minimal): a DNS
 * query for the root's NS records, an NTP client request; empty otherwise. */
static size_t udp_payload(int port, unsigned char *buf)
{
    static const unsigned char dns[] = {0x70, 0x70, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 1};
    if (port == 53) {
        memcpy(buf, dns, sizeof dns);
        return sizeof dns;
    }
    if (port == 123) {
        memset(buf, 0, 48);
        buf[0] = 0x1b; /* LI 0, version 3, mode 3 (client) */
        return 48;
    }
    return 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void pp_cmd_scan_usage(FILE *f)
{
    fprintf(f, "usage: portplex scan [-sT] [-sU] [-p PORTS] [--reason] [--open] [--max-retries N]\n"
               "                     [--max-parallelism N] [--host-timeout MS] TARGET...\n\n"
               "Port scan with nmap's flags and report.  This version does the connect scan\n"
               "(-sT, the default) and the UDP scan (-sU) with the kernel's sockets; the SYN,\n"
               "ACK, FIN/NULL/Xmas scans follow.\n\n"
               "  -p PORTS                 22 / 1-1024 / 80,443 / T:80,U:53 / - (all); default 1-1024\n"
               "  --reason                 say why each port has its state\n"
               "  --open                   show only open ports\n"
               "  --max-retries N          extra tries for a silent port (default 1)\n"
               "  --max-parallelism N      connections in flight (default 256)\n"
               "  --host-timeout MS        wait per try for a silent port (default 1000)\n\n"
               "TARGET: 192.0.2.1, 192.0.2.0/24, 192.0.2.1-20, comma-separated lists.\n"
               "Scan only hosts you are allowed to scan.\n");
}

static int start(struct probe *p, uint32_t addr, int ep)
{
    struct sockaddr_in sa;
    struct epoll_event ev;
    int fd = socket(AF_INET, (p->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int rc;

    if (fd < 0)
        return -errno;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(addr);
    sa.sin_port = htons((uint16_t)p->port);
    rc = connect(fd, (struct sockaddr *)&sa, sizeof sa);
    if (rc < 0 && errno != EINPROGRESS) {
        rc = -errno;
        close(fd);
        return rc; /* the caller classifies an immediate failure */
    }
    if (p->udp) {
        unsigned char payload[64];
        size_t n = udp_payload(p->port, payload);
        if (send(fd, payload, n, 0) < 0 && errno != EAGAIN) {
            rc = -errno;
            close(fd);
            return rc;
        }
    }
    memset(&ev, 0, sizeof ev);
    ev.events = p->udp ? EPOLLIN : EPOLLOUT;
    ev.data.ptr = p;
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    p->fd = fd;
    p->sent = now_s();
    p->tries++;
    return 0;
}

static int classify(int err)
{
    switch (err) {
    case 0: return ST_OPEN;
    case ECONNREFUSED: return ST_CLOSED;
    default: return ST_FILTERED; /* unreachable, prohibited, timed out */
    }
}

/* A UDP probe's socket became readable: a datagram, or an ICMP error. */
static int classify_udp(int fd)
{
    unsigned char buf[512];
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n >= 0)
        return ST_OPEN;
    return classify(errno);
}

/* Scans every port of protocol proto in ps on addr; fills state[port]. */
static void scan_host(uint32_t addr, const struct pp_portset *ps, int proto, unsigned char *state,
                      int par, int retries, double timeout)
{
    struct probe *pr = calloc((size_t)par, sizeof *pr);
    struct epoll_event evs[64];
    int ep = epoll_create1(EPOLL_CLOEXEC), next = pp_ports_next(ps, proto, 0), active = 0, i;
    int *retry = calloc(65536, sizeof *retry), nretry = 0;

    if (!pr || ep < 0 || !retry) {
        fprintf(stderr, "portplex scan: out of memory\n");
        exit(PP_EXIT_FAIL);
    }
    for (i = 0; i < par; i++)
        pr[i].fd = -1;
    for (;;) {
        /* Fill free slots: retries first, then new ports. */
        for (i = 0; i < par; i++) {
            int port;
            if (pr[i].fd >= 0)
                continue;
            if (nretry)
                port = retry[--nretry];
            else if (next < 65536) {
                port = next;
                next = pp_ports_next(ps, proto, next + 1);
                pr[i].tries = 0;
            } else
                break;
            pr[i].port = port;
            pr[i].udp = proto == PP_PROTO_UDP_SET;
            {
                int rc = start(&pr[i], addr, ep);
                if (rc < 0)
                    state[port] = (unsigned char)classify(-rc);
                else
                    active++;
            }
        }
        if (!active && !nretry && next >= 65536)
            break;
        {
            int n = epoll_wait(ep, evs, 64, 20);
            double t = now_s();
            for (i = 0; i < n; i++) {
                struct probe *p = evs[i].data.ptr;
                int err = 0;
                socklen_t el = sizeof err;
                if (p->udp) {
                    state[p->port] = (unsigned char)classify_udp(p->fd);
                } else {
                    getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &el);
                    state[p->port] = (unsigned char)classify(err);
                }
                close(p->fd);
                p->fd = -1;
                active--;
            }
            for (i = 0; i < par; i++) {
                struct probe *p = &pr[i];
                if (p->fd < 0 || t - p->sent < timeout)
                    continue;
                close(p->fd); /* silence: try again, or call it filtered */
                p->fd = -1;
                active--;
                if (p->tries <= retries)
                    retry[nretry++] = p->port;
                else
                    state[p->port] = p->udp ? ST_OPENFILTERED : ST_FILTERED;
            }
        }
    }
    close(ep);
    free(pr);
    free(retry);
}

/* Prints one protocol's ports of a host, nmap-style; returns 1 if any
 * port answered (the host is up). */
static int report(const struct pp_portset *ps, int proto, const unsigned char *state, int reason,
                  int only_open, int *header)
{
    const char *pname = proto == PP_PROTO_UDP_SET ? "udp" : "tcp";
    const char *const *why = proto == PP_PROTO_UDP_SET ? reason_udp : reason_tcp;
    unsigned long n[ST_COUNT] = {0};
    int p, most = ST_CLOSED, s;

    for (p = pp_ports_next(ps, proto, 0); p < 65536; p = pp_ports_next(ps, proto, p + 1))
        n[state[p]]++;
    for (s = ST_CLOSED; s < ST_COUNT; s++)
        if (n[s] > n[most])
            most = s;
    /* As nmap: the most common state other than open is summarized. */
    if (n[most] && (only_open || n[most] > 25))
        printf("Not shown: %lu %s %s ports (%s)\n", n[most], state_name[most], pname, why[most]);
    for (p = pp_ports_next(ps, proto, 0); p < 65536; p = pp_ports_next(ps, proto, p + 1)) {
        struct servent *se;
        char portcol[16];
        if (state[p] != ST_OPEN && (only_open || (state[p] == most && n[most] > 25)))
            continue;
        if (!*header) {
            printf("PORT      STATE         SERVICE%s\n", reason ? "  REASON" : "");
            *header = 1;
        }
        se = getservbyport(htons((uint16_t)p), pname);
        snprintf(portcol, sizeof portcol, "%d/%s", p, pname);
        printf("%-9s %-13s %-8s", portcol, state_name[state[p]], se ? se->s_name : "unknown");
        if (reason)
            printf(" %s", why[state[p]]);
        printf("\n");
    }
    return n[ST_OPEN] || n[ST_CLOSED];
}

int pp_cmd_scan(int argc, char **argv)
{
    static const struct option opts[] = {
        {"reason", no_argument, NULL, 'r'},          {"open", no_argument, NULL, 'o'},
        {"max-retries", required_argument, NULL, 'R'}, {"max-parallelism", required_argument, NULL, 'P'},
        {"host-timeout", required_argument, NULL, 'H'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static struct pp_portset ports;
    static struct pp_targets targets;
    const char *pspec = "1-1024";
    int c, reason = 0, only_open = 0, retries = 1, par = 256, hosts_up = 0, tcp = 0, udp = 0;
    long timeout_ms = 1000, v;
    char err[256], *end;
    double t0 = now_s();
    uint64_t h;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":p:s:", opts, NULL)) != -1) { /* options may follow targets */
        switch (c) {
        case 'p': pspec = optarg; break;
        case 's':
            if (strcmp(optarg, "T") == 0)
                tcp = 1;
            else if (strcmp(optarg, "U") == 0)
                udp = 1;
            else
                return pp_cli_usage_error("scan", "-s%s is not available yet: this version does -sT "
                                                  "and -sU", optarg);
            break;
        case 'r': reason = 1; break;
        case 'o': only_open = 1; break;
        case 'R': case 'P': case 'H':
            v = strtol(optarg, &end, 10);
            if (!*optarg || *end || v < (c == 'R' ? 0 : 1) || v > (c == 'P' ? 4096 : c == 'R' ? 50 : 600000))
                return pp_cli_usage_error("scan", "bad value '%s' for %s", optarg, argv[optind - 1]);
            if (c == 'R') retries = (int)v;
            else if (c == 'P') par = (int)v;
            else timeout_ms = v;
            break;
        case 'h': pp_cmd_scan_usage(stdout); return PP_EXIT_OK;
        case ':': return pp_cli_usage_error("scan", "option '%s' needs a value", argv[optind - 1]);
        default: return pp_cli_usage_error("scan", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (!tcp && !udp)
        tcp = 1; /* an unprivileged nmap defaults to -sT */
    /* Unprefixed ports go to the one scan asked for, or to both (nmap). */
    if (pp_ports_parse(pspec, tcp ? PP_PROTO_TCP_SET : PP_PROTO_UDP_SET, &ports, err) < 0)
        return pp_cli_usage_error("scan", "%s", err);
    if (tcp && udp && !strchr(pspec, ':'))
        memcpy(ports.bits[1], ports.bits[0], sizeof ports.bits[0]), ports.count[1] = ports.count[0];
    if (!udp && ports.count[1])
        return pp_cli_usage_error("scan", "UDP ports (U:) need -sU");
    if (!tcp && ports.count[0])
        return pp_cli_usage_error("scan", "TCP ports (T:) need -sT");
    if (optind == argc)
        return pp_cli_usage_error("scan", "no target given");
    for (; optind < argc; optind++)
        if (pp_targets_add(&targets, argv[optind], err) < 0)
            return pp_cli_usage_error("scan", "%s", err);
    if (targets.count > 65536)
        return pp_cli_usage_error("scan", "%llu targets is more than this version scans at once (65536)",
                                  (unsigned long long)targets.count);
    printf("Starting portplex scan %s\n", pp_version());
    for (h = 0; h < targets.count; h++) {
        static unsigned char st_tcp[65536], st_udp[65536];
        uint32_t addr = pp_targets_at(&targets, h);
        char a[16];
        int header = 0, up;
        unsigned long total = 0;

        memset(st_tcp, 0, sizeof st_tcp);
        memset(st_udp, 0, sizeof st_udp);
        if (tcp)
            scan_host(addr, &ports, PP_PROTO_TCP_SET, st_tcp, par, retries, (double)timeout_ms / 1000.0);
        if (udp)
            scan_host(addr, &ports, PP_PROTO_UDP_SET, st_udp, par, retries, (double)timeout_ms / 1000.0);
        printf("portplex scan report for %s\n", pp_ipv4_ntoa(addr, a));
        up = 0; /* both reports print, whatever the first says */
        if (tcp)
            up += report(&ports, PP_PROTO_TCP_SET, st_tcp, reason, only_open, &header);
        if (udp)
            up += report(&ports, PP_PROTO_UDP_SET, st_udp, reason, only_open, &header);
        up = up > 0;
        total = (tcp ? ports.count[0] : 0) + (udp ? ports.count[1] : 0);
        if (!up)
            printf("No answer from any of the %lu scanned ports\n", total);
        hosts_up += up;
        printf("\n");
    }
    printf("portplex done: %llu IP address%s (%d host%s up) scanned in %.2f seconds\n",
           (unsigned long long)targets.count, targets.count == 1 ? "" : "es", hosts_up,
           hosts_up == 1 ? "" : "s", now_s() - t0);
    return PP_EXIT_OK;
}
