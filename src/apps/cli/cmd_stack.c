/* cmd_stack.c - `portplex stack`: a user-space host on a TUN device.  The
 * kernel side of the device gets --peer; portplex answers as --addr, serves
 * what --serve names, and on SIGINT/SIGTERM closes, removes the device and
 * prints its counters.  With --queues N the host is N per-core shards: one
 * stack, one driver thread and one queue of a multi-queue device each, every
 * service started on every shard (docs/architecture.md, "Per-core shards"). */
#include <pthread.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "portplex/link_wrap.h"
#include "portplex/tun.h"
#include "portplex/socket.h"
#include "portplex/stack.h"
#include "services.h"
#include "portplex/wire/ipv4.h"

#define MAX_SERVICES 16

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

void pp_cmd_stack_usage(FILE *f)
{
    fprintf(f,
            "usage: portplex stack --tun IF --addr A.B.C.D/PREFIX [--peer A.B.C.D] [--mtu N]\n"
            "                      [--serve SERVICE:PORT]... [--queues N] [--busy-poll US]\n"
            "                      [--pcap FILE] [--trace]\n"
            "                      [--impair 'NETEM WORDS'] [--impair-in 'NETEM WORDS']\n\n"
            "Runs a user-space IPv4 host on a new TUN device IF (needs root or\n"
            "CAP_NET_ADMIN).  The kernel's side of IF gets --peer (default: the first\n"
            "host address of the prefix); portplex answers as --addr: ping, its\n"
            "services, RST for closed TCP ports, ICMP port unreachable for closed UDP ports.\n"
            "Runs until SIGINT or SIGTERM, then removes IF and prints its counters.\n\n"
            "  --serve udp-echo:PORT   echo every datagram back (RFC 862)\n"
            "  --serve tcp-echo:PORT   echo every byte back, one thread per connection\n"
            "  --serve discard:PORT    swallow datagrams and streams, UDP and TCP (RFC 863)\n"
            "  --serve dns:PORT:ADDR   answer every DNS A query with ADDR (a tiny responder)\n"
            "  --serve hello:PORT      a one-page HTTP/1.0 responder: who you are, which socket\n"
            "  --serve http:PORT:DIR   the static web server on DIR (as 'portplex httpd')\n"
            "  --mtu N                 68-65535, default 1500\n"
            "  --queues N              1-16 (default 1): per-core shards - N stacks with the\n"
            "                          address, each on its own queue of the device and thread,\n"
            "                          every service on each; the kernel spreads the flows\n"
            "  --busy-poll US          0-100000 (default 1000, or PORTPLEX_TUN_BUSY_POLL): after\n"
            "                          a pass that took packets, watch the device this long\n"
            "                          before sleeping - the next ACK comes sooner than an\n"
            "                          idle CPU wakes; 0 always sleeps at once\n"
            "  --pcap FILE             record every packet in and out (tshark reads it)\n"
            "  --trace                 one line per demultiplexing decision on stderr\n"
            "  --impair WORDS          impair what portplex sends, in netem's words: loss 2%%,\n"
            "                          duplicate 1%%, reorder 5%% [20ms], corrupt 0.1%%, delay 10ms,\n"
            "                          rate 10mbit, seed N (e.g. --impair 'loss 2%% delay 5ms')\n"
            "  --impair-in WORDS       the same for what it receives from the kernel\n"
            "                          (the pcap shows what the stack sent and received: a packet\n"
            "                          lost on the way out is in it, one lost on the way in is not)\n\n"
            "The device uses segmentation offload both ways: the kernel may hand over up\n"
            "to 64 KiB of a TCP stream in one packet and our TCP may send as much for the\n"
            "kernel to cut into segments (the pcap shows them so).  PP_TUN_OFFLOAD=0 in the\n"
            "environment turns both off, PP_TUN_TSO=0 only the sending side.\n");
}

/* A whole decimal number lo..hi in s, into *out; -1 otherwise. */
static int parse_range(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (!*s || *end || errno || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* Parses "A.B.C.D/P". */
static int parse_prefix(const char *s, uint32_t *addr, int *prefix)
{
    char buf[32], *slash, *end;
    long p;

    if (strlen(s) >= sizeof buf)
        return -1;
    strcpy(buf, s);
    slash = strchr(buf, '/');
    if (!slash)
        return -1;
    *slash = 0;
    if (pp_ipv4_aton(buf, addr) < 0)
        return -1;
    p = strtol(slash + 1, &end, 10);
    if (!slash[1] || *end || p < 1 || p > 32)
        return -1;
    *prefix = (int)p;
    return 0;
}

int pp_cmd_stack(int argc, char **argv)
{
    return pp_cli_stack_main(argc, argv, NULL);
}

/* One per-core shard: its stack, its services, the thread that drives its
 * queue (queue 0 is driven by the main thread). */
struct shard {
    struct pp_stack *st;
    struct pp_service svc[MAX_SERVICES];
    int started;
    struct pp_tun *tun;
    unsigned q;
    pthread_t thread;
    int driving, rc;
    struct pp_link *impair, *capture; /* wrappers around the queue's link, or NULL */
};

/* Wraps queue q's link as asked (impairments, then the capture around them,
 * so it records what the stack itself sent and received) and attaches it. */
static int attach_queue(struct shard *s, struct pp_tun *tun, unsigned q, const struct pp_impair *out,
                        const struct pp_impair *in, const char *pcap, char *err)
{
    struct pp_link *l = pp_tun_queue_link(tun, q);

    if (out || in) {
        struct pp_impair o, i;
        memset(&o, 0, sizeof o);
        memset(&i, 0, sizeof i);
        if (out)
            o = *out;
        if (in)
            i = *in;
        o.seed += q; /* each queue its own dice, still reproducible */
        i.seed += q + 1000;
        if (!(l = s->impair = pp_link_impair(l, &o, &i, err)))
            return -1;
    }
    if (pcap && !(l = s->capture = pp_link_capture(l, pcap, err)))
        return -1;
    pp_stack_attach(s->st, l);
    return 0;
}

static void print_impair(const char *ifname, long q, long queues, struct pp_link *l)
{
    struct pp_impair_stats o, i;
    const struct pp_impair_stats *d[2] = {&o, &i};
    static const char *const way[2] = {"sent", "received"};
    int k;

    if (pp_link_impair_stats(l, &o, &i) < 0)
        return;
    for (k = 0; k < 2; k++) {
        if (queues > 1)
            printf("portplex stack: %s queue %ld: ", ifname, q);
        else
            printf("portplex stack: %s: ", ifname);
        printf("impairments on packets %s: %llu packets, %llu lost, %llu duplicated, "
               "%llu reordered, %llu corrupted, %llu delayed\n",
               way[k], (unsigned long long)d[k]->packets, (unsigned long long)d[k]->lost,
               (unsigned long long)d[k]->duplicated, (unsigned long long)d[k]->reordered,
               (unsigned long long)d[k]->corrupted, (unsigned long long)d[k]->delayed);
    }
}

static void *drive_queue(void *arg)
{
    struct shard *s = arg;
    s->rc = pp_tun_run_queue(s->tun, s->q, s->st, &stop_flag);
    return NULL;
}

int pp_cli_stack_main(int argc, char **argv, const struct pp_service *extra)
{
    static const struct option opts[] = {
        {"tun", required_argument, NULL, 't'},  {"addr", required_argument, NULL, 'a'},
        {"peer", required_argument, NULL, 'p'}, {"mtu", required_argument, NULL, 'm'},
        {"serve", required_argument, NULL, 's'}, {"pcap", required_argument, NULL, 'w'},
        {"trace", no_argument, NULL, 'T'},      {"help", no_argument, NULL, 'h'},
        {"queues", required_argument, NULL, 'q'}, {"busy-poll", required_argument, NULL, 'b'},
        {"impair", required_argument, NULL, 'i'}, {"impair-in", required_argument, NULL, 'I'},
        {NULL, 0, NULL, 0},
    };
    const char *ifname = NULL, *pcap = NULL;
    uint32_t addr = 0, peer = 0, mask;
    int prefix = 0, have_addr = 0, have_peer = 0, trace = 0, c, i, nsvc = 0, rc = PP_EXIT_FAIL;
    long mtu = 1500, queues = 1, busy_us = -1;
    char err[256], a[16], b[16];
    struct pp_service svc[MAX_SERVICES];
    struct pp_stack_config cfg;
    struct shard *shards = NULL;
    struct pp_tun *tun = NULL;
    struct sigaction sa;
    struct pp_impair imp_out, imp_in;
    int have_out = 0, have_in = 0;
    long q;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:", opts, NULL)) != -1) {
        switch (c) {
        case 't': ifname = optarg; break;
        case 'a':
            if (parse_prefix(optarg, &addr, &prefix) < 0)
                return pp_cli_usage_error("stack", "--addr wants A.B.C.D/PREFIX (prefix 1-32), "
                                                   "not '%s'", optarg);
            have_addr = 1;
            break;
        case 'p':
            if (pp_ipv4_aton(optarg, &peer) < 0)
                return pp_cli_usage_error("stack", "--peer wants an IPv4 address, not '%s'", optarg);
            have_peer = 1;
            break;
        case 'm':
            if (parse_range(optarg, 68, 65535, &mtu) < 0)
                return pp_cli_usage_error("stack", "--mtu must be 68-65535, not '%s'", optarg);
            break;
        case 's':
            if (nsvc == MAX_SERVICES)
                return pp_cli_usage_error("stack", "at most %d --serve options", MAX_SERVICES);
            if (pp_service_parse(optarg, &svc[nsvc], err) < 0)
                return pp_cli_usage_error("stack", "%s", err);
            nsvc++;
            break;
        case 'q':
            if (parse_range(optarg, 1, PP_TUN_QUEUES_MAX, &queues) < 0)
                return pp_cli_usage_error("stack", "--queues must be 1-%d, not '%s'",
                                          PP_TUN_QUEUES_MAX, optarg);
            break;
        case 'b':
            if (parse_range(optarg, 0, PP_TUN_BUSY_POLL_MAX, &busy_us) < 0)
                return pp_cli_usage_error("stack", "--busy-poll must be 0-%d microseconds, not '%s'",
                                          PP_TUN_BUSY_POLL_MAX, optarg);
            break;
        case 'w': pcap = optarg; break;
        case 'i':
        case 'I':
            if (pp_impair_parse(optarg, c == 'i' ? &imp_out : &imp_in, err) < 0)
                return pp_cli_usage_error("stack", "--%s: %s", c == 'i' ? "impair" : "impair-in", err);
            if (c == 'i')
                have_out = 1;
            else
                have_in = 1;
            break;
        case 'T': trace = 1; break;
        case 'h': pp_cmd_stack_usage(stdout); return PP_EXIT_OK;
        case ':': return pp_cli_usage_error("stack", "option '%s' needs a value", argv[optind - 1]);
        default: return pp_cli_usage_error("stack", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc)
        return pp_cli_usage_error("stack", "unexpected argument '%s'", argv[optind]);
    if (extra) {
        if (nsvc == MAX_SERVICES)
            return pp_cli_usage_error("stack", "at most %d --serve options", MAX_SERVICES);
        svc[nsvc++] = *extra;
    }
    if (!ifname)
        return pp_cli_usage_error("stack", "--tun IF is required");
    if (strlen(ifname) < 1 || strlen(ifname) > 15 || strpbrk(ifname, "/ \t\n:"))
        return pp_cli_usage_error("stack", "'%s' is not a valid interface name (1-15 characters, "
                                           "no '/', ':' or space)", ifname);
    if (!have_addr)
        return pp_cli_usage_error("stack", "--addr A.B.C.D/PREFIX is required");
    if (pcap && queues > 1)
        return pp_cli_usage_error("stack", "--pcap records one stack: use it with one queue");
    mask = prefix == 32 ? 0xffffffffu : ~(0xffffffffu >> prefix);
    if (prefix > 30 && prefix != 31)
        return pp_cli_usage_error("stack", "prefix /%d leaves no address for the kernel's side",
                                  prefix);
    if (prefix <= 30 && ((addr & ~mask) == 0 || (addr & ~mask) == ~mask))
        return pp_cli_usage_error("stack", "%s is the network or broadcast address of /%d",
                                  pp_ipv4_ntoa(addr, a), prefix);
    if (!have_peer)
        peer = prefix == 31 ? (addr ^ 1) : (addr & mask) + 1;
    if (peer == addr)
        peer = (addr & mask) + 2;
    if ((peer & mask) != (addr & mask) || peer == addr)
        return pp_cli_usage_error("stack", "--peer %s is not another address in %s/%d",
                                  pp_ipv4_ntoa(peer, a), pp_ipv4_ntoa(addr & mask, b), prefix);

    memset(&cfg, 0, sizeof cfg);
    cfg.addr = addr;
    cfg.prefix_len = (uint8_t)prefix;
    cfg.mtu = (uint16_t)mtu;
    cfg.name = ifname;
    shards = calloc((size_t)queues, sizeof *shards);
    if (!shards) {
        fprintf(stderr, "portplex stack: out of memory\n");
        return PP_EXIT_FAIL;
    }
    for (q = 0; q < queues; q++) {
        shards[q].st = pp_stack_new(&cfg);
        if (!shards[q].st) {
            fprintf(stderr, "portplex stack: cannot create the stack\n");
            goto out;
        }
        if (queues > 1)
            pp_stack_set_shard(shards[q].st, (unsigned)q, (unsigned)queues, NULL);
        if (trace)
            pp_stack_trace_to(shards[q].st, stderr);
    }
    tun = pp_tun_open_queues(ifname, peer, (uint8_t)prefix, (uint16_t)mtu, (unsigned)queues, err);
    if (!tun) {
        fprintf(stderr, "portplex stack: %s\n", err);
        goto out;
    }
    if (busy_us >= 0)
        pp_tun_set_busy_poll(tun, (unsigned)busy_us);
    for (q = 0; q < queues; q++) {
        if (attach_queue(&shards[q], tun, (unsigned)q, have_out ? &imp_out : NULL,
                         have_in ? &imp_in : NULL, q == 0 ? pcap : NULL, err) < 0) {
            fprintf(stderr, "portplex stack: %s\n", err);
            goto out;
        }
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    for (q = 0; q < queues; q++) {
        for (i = 0; i < nsvc; i++) {
            int e;
            shards[q].svc[i] = svc[i];
            e = pp_service_start(&shards[q].svc[i], shards[q].st, &stop_flag);
            shards[q].started = i + 1;
            if (e < 0) {
                fprintf(stderr, "portplex stack: %s on port %u: %s\n", pp_service_name(&svc[i]),
                        svc[i].port, strerror(-e));
                stop_flag = 1;
                goto out;
            }
        }
    }
    printf("portplex stack: %s is up: kernel side %s, portplex %s/%d, MTU %ld\n", ifname,
           pp_ipv4_ntoa(peer, a), pp_ipv4_ntoa(addr, b), prefix, mtu);
    if (queues > 1)
        printf("  %ld queues: one stack and one thread each (per-core shards)\n", queues);
    for (i = 0; i < nsvc; i++)
        printf("  serving %s on %s port %u\n", pp_service_name(&svc[i]),
               svc[i].kind == PP_SVC_UDP_ECHO || svc[i].kind == PP_SVC_DNS ? "udp"
               : svc[i].kind == PP_SVC_DISCARD                            ? "udp+tcp"
                                                                          : "tcp",
               svc[i].port);
    fflush(stdout);
    for (q = 1; q < queues; q++) {
        shards[q].tun = tun;
        shards[q].q = (unsigned)q;
        if (pthread_create(&shards[q].thread, NULL, drive_queue, &shards[q]) != 0) {
            fprintf(stderr, "portplex stack: cannot start the driver of queue %ld\n", q);
            stop_flag = 1;
            goto out;
        }
        shards[q].driving = 1;
    }
    if (pp_tun_run_queue(tun, 0, shards[0].st, &stop_flag) < 0)
        fprintf(stderr, "portplex stack: reading %s failed\n", ifname);
    else
        rc = PP_EXIT_OK;
out:
    stop_flag = 1;
    for (q = 0; shards && q < queues; q++) {
        if (shards[q].driving) {
            pthread_join(shards[q].thread, NULL);
            if (shards[q].rc < 0) {
                fprintf(stderr, "portplex stack: reading queue %ld of %s failed\n", q, ifname);
                rc = PP_EXIT_FAIL;
            }
        }
        for (i = 0; i < shards[q].started; i++)
            pp_service_join(&shards[q].svc[i]);
    }
    if (shards && shards[0].st) {
        struct pp_tun_stats ts;
        memset(&ts, 0, sizeof ts);
        for (q = 0; q < queues; q++)
            if (shards[q].st)
                pp_stack_attach(shards[q].st, NULL);
        if (tun)
            pp_tun_get_stats(tun, &ts);
        for (q = 0; q < queues; q++) {
            if (shards[q].impair)
                print_impair(ifname, q, queues, shards[q].impair);
            pp_link_wrap_free(shards[q].capture); /* closes the capture file */
            pp_link_wrap_free(shards[q].impair);
        }
        pp_tun_close(tun);
        if (tun) {
            printf("portplex stack: %s: %llu packets read, %llu of them unsegmented TCP "
                   "(receive offload %s), the largest %llu bytes; %llu large TCP packets "
                   "sent for the kernel to segment, %llu packets with the checksum left to it, "
                   "%llu TCP packets taken with the kernel's checksum left partial\n",
                   ifname, ts.reads, ts.offloaded, ts.offload ? "on" : "off", ts.largest,
                   ts.sent_tso, ts.sent_csum_partial, ts.recv_csum_partial);
            for (i = 0; i < shards[0].started; i++) {
                unsigned long long handled = 0, bytes = 0;
                for (q = 0; q < queues; q++) {
                    handled += shards[q].svc[i].handled;
                    bytes += shards[q].svc[i].bytes;
                }
                printf("portplex stack: %s on port %u: %llu received (%llu bytes)\n",
                       pp_service_name(&svc[i]), svc[i].port, handled, bytes);
            }
            for (q = 0; q < queues; q++) {
                if (queues > 1)
                    printf("portplex stack: %s removed; counters of shard %ld (queue %ld):\n",
                           ifname, q, q);
                else
                    printf("portplex stack: %s removed; counters:\n", ifname);
                pp_stack_print_counters(shards[q].st, stdout);
            }
        }
    }
    for (q = 0; shards && q < queues; q++)
        pp_stack_free(shards[q].st);
    free(shards);
    return rc;
}
