/* cmd_scan.c - `portplex scan`: the connect scan (-sT) with the kernel's
 * sockets, nmap's flags and report format.  Non-blocking connect()s, up to
 * --max-parallelism at once, watched with epoll: connected = open,
 * ECONNREFUSED (a RST) = closed, no answer after retries = filtered, ICMP
 * unreachable errors = filtered.  The SYN, UDP and other scans of the
 * scanner issue are still to come. */
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

enum { ST_UNKNOWN = 0, ST_OPEN, ST_CLOSED, ST_FILTERED };
static const char *const state_name[] = {"unknown", "open", "closed", "filtered"};
static const char *const reason_name[] = {"", "syn-ack", "conn-refused", "no-response"};

struct probe {
    int fd, port, tries;
    double sent;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void pp_cmd_scan_usage(FILE *f)
{
    fprintf(f, "usage: portplex scan [-sT] [-p PORTS] [--reason] [--open] [--max-retries N]\n"
               "                     [--max-parallelism N] [--host-timeout MS] TARGET...\n\n"
               "Port scan with nmap's flags and report.  This version does the connect scan\n"
               "(-sT) with the kernel's sockets; SYN, UDP, ACK, FIN/NULL/Xmas scans follow.\n\n"
               "  -p PORTS                 22 / 1-1024 / 80,443 / - (all); default 1-1024\n"
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
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), rc;

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
    memset(&ev, 0, sizeof ev);
    ev.events = EPOLLOUT;
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

/* Scans every TCP port of ps on addr; fills state[port]. */
static void scan_host(uint32_t addr, const struct pp_portset *ps, unsigned char *state, int par,
                      int retries, double timeout)
{
    struct probe *pr = calloc((size_t)par, sizeof *pr);
    struct epoll_event evs[64];
    int ep = epoll_create1(EPOLL_CLOEXEC), next = pp_ports_next(ps, 0, 0), active = 0, i;
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
                next = pp_ports_next(ps, 0, next + 1);
                pr[i].tries = 0;
            } else
                break;
            pr[i].port = port;
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
                getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &el);
                state[p->port] = (unsigned char)classify(err);
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
                    state[p->port] = ST_FILTERED;
            }
        }
    }
    close(ep);
    free(pr);
    free(retry);
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
    int c, reason = 0, only_open = 0, retries = 1, par = 256, hosts_up = 0;
    long timeout_ms = 1000, v;
    char err[256], *end;
    double t0 = now_s();
    uint64_t h;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":p:s:", opts, NULL)) != -1) { /* options may follow targets, as in nmap */
        switch (c) {
        case 'p': pspec = optarg; break;
        case 's':
            if (strcmp(optarg, "T") != 0)
                return pp_cli_usage_error("scan", "-s%s is not available yet: this version does -sT",
                                          optarg);
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
    if (pp_ports_parse(pspec, PP_PROTO_TCP_SET, &ports, err) < 0)
        return pp_cli_usage_error("scan", "%s", err);
    if (ports.count[1])
        return pp_cli_usage_error("scan", "UDP ports (U:) need -sU, which is not available yet");
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
        static unsigned char state[65536];
        unsigned long n[4] = {0, 0, 0, 0};
        uint32_t addr = pp_targets_at(&targets, h);
        char a[16];
        int p, shown_header = 0, most = ST_CLOSED;

        memset(state, 0, sizeof state);
        scan_host(addr, &ports, state, par, retries, (double)timeout_ms / 1000.0);
        for (p = pp_ports_next(&ports, 0, 0); p < 65536; p = pp_ports_next(&ports, 0, p + 1))
            n[state[p]]++;
        if (!n[ST_OPEN] && !n[ST_CLOSED]) { /* nothing answered */
            printf("portplex scan report for %s: all %lu scanned ports filtered\n",
                   pp_ipv4_ntoa(addr, a), n[ST_FILTERED]);
            continue;
        }
        hosts_up++;
        printf("portplex scan report for %s\nHost is up.\n", pp_ipv4_ntoa(addr, a));
        most = n[ST_FILTERED] > n[ST_CLOSED] ? ST_FILTERED : ST_CLOSED;
        /* As nmap: the most common non-open state is summarized, not listed. */
        if (n[most] && (only_open || n[most] > 25))
            printf("Not shown: %lu %s tcp ports (%s)\n", n[most], state_name[most], reason_name[most]);
        for (p = pp_ports_next(&ports, 0, 0); p < 65536; p = pp_ports_next(&ports, 0, p + 1)) {
            struct servent *se;
            char portcol[16];
            if (state[p] != ST_OPEN && (only_open || (state[p] == most && (n[most] > 25))))
                continue;
            if (!shown_header) {
                printf("PORT      STATE    SERVICE%s\n", reason ? "  REASON" : "");
                shown_header = 1;
            }
            se = getservbyport(htons((uint16_t)p), "tcp");
            snprintf(portcol, sizeof portcol, "%d/tcp", p);
            printf("%-9s %-8s %-8s", portcol, state_name[state[p]], se ? se->s_name : "unknown");
            if (reason)
                printf(" %s", reason_name[state[p]]);
            printf("\n");
        }
        printf("\n");
    }
    printf("portplex done: %llu IP address%s (%d host%s up) scanned in %.2f seconds\n",
           (unsigned long long)targets.count, targets.count == 1 ? "" : "es", hosts_up,
           hosts_up == 1 ? "" : "s", now_s() - t0);
    return PP_EXIT_OK;
}
