/* cmd_demux.c - `portplex demux`: the socket table at work, without a
 * network.  Builds the sockets of a small server (UDP echo on *:7, DNS on
 * 10.0.0.1:53, a connected UDP socket, a web server's listener on *:80 with
 * one connection per client port, a TIME_WAIT), feeds it a scripted set of
 * arriving segments and prints each decision, the table as `ss -tuna` would,
 * and the counts by rule. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "portplex/demux.h"
#include "portplex/wire/ipv4.h"

#define SERVER 0x0a000001u  /* 10.0.0.1 */
#define CLIENT1 0x0a000002u /* 10.0.0.2 */
#define CLIENT2 0x0a000003u /* 10.0.0.3 */

struct sock {
    struct pp_dmx_entry e;
    const char *name;
};

static const char *proto_name(int p) { return p == PP_DMX_TCP ? "tcp" : "udp"; }

static void on_trace(void *arg, const struct pp_demux_trace *ev)
{
    char s[16], d[16], from[24], to[24];
    const struct sock *sk = ev->entry && ev->entry->kind != PP_DMX_TIMEWAIT ? ev->entry->owner : NULL;
    const char *what = sk ? sk->name : NULL;

    (void)arg;
    if (ev->rule == PP_RULE_TIME_WAIT)
        what = "TIME-WAIT record (the socket is gone)";
    else if (!what)
        what = ev->proto == PP_DMX_TCP ? "(no socket: answer RST)"
                                       : "(no socket: ICMP port unreachable)";
    snprintf(from, sizeof from, "%s:%u", pp_ipv4_ntoa(ev->saddr, s), ev->sport);
    snprintf(to, sizeof to, "%s:%u", pp_ipv4_ntoa(ev->daddr, d), ev->dport);
    printf("  %s %-16s -> %-14s %-18s %s\n", proto_name(ev->proto), from, to,
           pp_dmx_rule_name(ev->rule), what);
}

static const char *state_of(const struct pp_dmx_entry *e)
{
    switch (e->kind) {
    case PP_DMX_LISTEN: return "LISTEN";
    case PP_DMX_TIMEWAIT: return "TIME-WAIT";
    case PP_DMX_CONNECTED: return "ESTAB";
    default: return "UNCONN";
    }
}

static void print_entry(void *arg, const struct pp_dmx_entry *e)
{
    char l[16], r[16], local[24], remote[24];
    (void)arg;
    snprintf(local, sizeof local, "%s:%u", e->t.laddr ? pp_ipv4_ntoa(e->t.laddr, l) : "*",
             e->t.lport);
    if (e->t.rport)
        snprintf(remote, sizeof remote, "%s:%u", pp_ipv4_ntoa(e->t.raddr, r), e->t.rport);
    else
        snprintf(remote, sizeof remote, "*:*");
    printf("  %-5s %-10s %-21s %-21s\n", proto_name(e->proto), state_of(e), local, remote);
}

void pp_cmd_demux_usage(FILE *f)
{
    fprintf(f, "usage: portplex demux [--connections N] [--quiet]\n\n"
               "Shows the socket table deciding which socket gets each segment:\n"
               "UDP by destination (connected > exact address > wildcard), TCP by\n"
               "4-tuple, then listener (exact address > wildcard), and misses.\n\n"
               "  --connections N  HTTP connections to the server's port 80, 1..60000\n"
               "                   (default 8; at most 12 are traced one by one)\n"
               "  --quiet          print only the counts\n");
}

int pp_cmd_demux(int argc, char **argv)
{
    static const struct option opts[] = {
        {"connections", required_argument, NULL, 'n'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    long nconn = 8;
    int c, quiet = 0, i, rc = PP_EXIT_FAIL;
    char *end;
    struct pp_demux *d;
    struct sock echo = {.name = "udp-echo *:7"}, dns = {.name = "dns 10.0.0.1:53"};
    struct sock dnsc = {.name = "dns-connected"}, web = {.name = "httpd listener *:80"};
    struct sock tw_sock = {.name = "closed connection"};
    struct sock *conns = NULL;
    struct pp_dmx_entry *e;
    const struct pp_demux_stats *st;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            nconn = strtol(optarg, &end, 10);
            if (*optarg == 0 || *end != 0 || nconn < 1 || nconn > 60000)
                return pp_cli_usage_error("demux", "--connections wants a number from 1 to "
                                                   "60000, not '%s'", optarg);
            break;
        case 'q': quiet = 1; break;
        case 'h': pp_cmd_demux_usage(stdout); return PP_EXIT_OK;
        case ':':
            return pp_cli_usage_error("demux", "option '%s' needs a value", argv[optind - 1]);
        default: return pp_cli_usage_error("demux", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc)
        return pp_cli_usage_error("demux", "unexpected argument '%s'", argv[optind]);

    d = pp_demux_new(NULL);
    conns = calloc((size_t)nconn, sizeof *conns);
    if (!d || !conns) {
        fprintf(stderr, "portplex demux: out of memory\n");
        goto out;
    }
    pp_dmx_entry_init(&echo.e, PP_DMX_UDP, &echo);
    pp_dmx_entry_init(&dns.e, PP_DMX_UDP, &dns);
    pp_dmx_entry_init(&dnsc.e, PP_DMX_UDP, &dnsc);
    pp_dmx_entry_init(&web.e, PP_DMX_TCP, &web);
    pp_dmx_entry_init(&tw_sock.e, PP_DMX_TCP, &tw_sock);
    if (pp_demux_bind(d, &echo.e, 0, 7, 0) < 0 || pp_demux_bind(d, &dns.e, SERVER, 53, PP_DMX_REUSEADDR) < 0 ||
        pp_demux_bind(d, &dnsc.e, SERVER, 53, PP_DMX_REUSEADDR) < 0 ||
        pp_demux_connect(d, &dnsc.e, 0, CLIENT2, 5353) < 0 || pp_demux_bind(d, &web.e, 0, 80, 0) < 0 ||
        pp_demux_listen(d, &web.e) < 0) {
        fprintf(stderr, "portplex demux: could not build the table\n");
        goto out;
    }
    for (i = 0; i < nconn; i++) {
        /* Clients alternate; their ports are what tells the connections apart. */
        struct pp_tuple t = {SERVER, i % 2 ? CLIENT2 : CLIENT1, 80, (uint16_t)(50000 + i / 2)};
        char *name = malloc(32);
        if (!name)
            goto out;
        snprintf(name, 32, "http connection #%d", i + 1);
        conns[i].name = name;
        pp_dmx_entry_init(&conns[i].e, PP_DMX_TCP, &conns[i]);
        if (pp_demux_insert_child(d, &conns[i].e, &t, 0) < 0) {
            fprintf(stderr, "portplex demux: could not add connection %d\n", i + 1);
            goto out;
        }
    }
    {
        struct pp_tuple t = {SERVER, CLIENT1, 80, 49999};
        if (pp_demux_insert_child(d, &tw_sock.e, &t, 0) < 0 ||
            !pp_demux_timewait(d, &tw_sock.e, 0, 1, 1))
            goto out;
    }
    if (!quiet) {
        printf("socket table of 10.0.0.1 (like ss -tuna):\n");
        printf("  %-5s %-10s %-21s %-21s\n", "proto", "state", "local", "remote");
        pp_demux_foreach(d, PP_DMX_UDP, print_entry, NULL);
        if (nconn <= 12)
            pp_demux_foreach(d, PP_DMX_TCP, print_entry, NULL);
        else
            printf("  tcp   (1 listener, %ld connections and 1 TIME-WAIT on port 80)\n", nconn);
        printf("\ndecisions, one per arriving segment:\n");
        pp_demux_set_trace(d, on_trace, NULL);
    }
    pp_demux_lookup_udp(d, CLIENT1, 40001, SERVER, 7, &e);
    pp_demux_lookup_udp(d, CLIENT2, 40002, SERVER, 7, &e);
    pp_demux_lookup_udp(d, CLIENT1, 40003, SERVER, 53, &e);
    pp_demux_lookup_udp(d, CLIENT2, 5353, SERVER, 53, &e);
    pp_demux_lookup_udp(d, CLIENT1, 40004, SERVER, 9, &e);
    for (i = 0; i < nconn; i++) {
        if (i == 12 && !quiet) {
            printf("  ... %ld more connections, not traced\n", nconn - 12);
            pp_demux_set_trace(d, NULL, NULL);
        }
        pp_demux_lookup_tcp(d, i % 2 ? CLIENT2 : CLIENT1, (uint16_t)(50000 + i / 2), SERVER, 80, &e);
    }
    if (!quiet)
        pp_demux_set_trace(d, on_trace, NULL);
    pp_demux_lookup_tcp(d, CLIENT1, 60000, SERVER, 80, &e);
    pp_demux_lookup_tcp(d, CLIENT1, 49999, SERVER, 80, &e);
    pp_demux_lookup_tcp(d, CLIENT2, 60001, SERVER, 443, &e);
    pp_demux_set_trace(d, NULL, NULL);

    st = pp_demux_stats(d);
    printf("%slookups: %llu udp, %llu tcp; by rule:", quiet ? "" : "\n",
           (unsigned long long)st->lookups[PP_DMX_UDP], (unsigned long long)st->lookups[PP_DMX_TCP]);
    for (i = 0; i < PP_RULE_COUNT; i++)
        if (st->by_rule[i])
            printf(" %s=%llu", pp_dmx_rule_name(i), (unsigned long long)st->by_rule[i]);
    printf("\n");
    rc = PP_EXIT_OK;
out:
    if (conns)
        for (i = 0; i < nconn; i++)
            free((char *)conns[i].name);
    pp_demux_free(d);
    free(conns);
    return rc;
}
