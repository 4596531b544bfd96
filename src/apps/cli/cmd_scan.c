/* cmd_scan.c - `portplex scan`: nmap's flags and report formats over our
 * scan engines: raw probes (SYN, ACK, window, FIN, NULL, Xmas, custom
 * flags, UDP) when the process may open raw sockets, else the connect scan
 * and socket-UDP scan.  Also --merge, which joins the -oJ files of a
 * sharded scan into one report. */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <signal.h>
#include <termios.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "portplex/portplex.h"
#include "scan/connect.h"
#include "scan/discover.h"
#include "portplex/wire/describe.h"
#include "portplex/wire/wire_err.h"
#include "scan/banner.h"
#include "scan/engine.h"
#include "scan/mono_clock.h"
#include "scan/io.h"
#include "scan/output.h"
#include "scan/ports.h"
#include "scan/targets.h"
#include "scan/top_ports.h"
#include "portplex/wire/ipv4.h"
#include "portplex/wire/tcp.h"

#define MAX_HOSTS 65536

void pp_cmd_scan_usage(FILE *f)
{
    fprintf(f,
        "usage: portplex scan [SCAN TYPE...] [OPTIONS] TARGET...\n"
        "       portplex scan --merge FILE.json... [-oN/-oX/-oG/-oJ FILE]\n\n"
        "Port scan with nmap's flags and report formats.  Scan only hosts you may scan.\n\n"
        "SCAN TYPES (default -sS when root or CAP_NET_RAW, else -sT):\n"
        "  -sS  SYN         -sT  connect      -sU  UDP          -sA  ACK\n"
        "  -sW  window      -sF  FIN          -sN  NULL         -sX  Xmas\n"
        "  -sn  no port scan: which hosts are up (echo, SYN 443, ACK 80 as root;\n"
        "       connect to 80 and 443 without raw sockets)\n"
        "  --scanflags FLAGS   custom TCP flags (SYN,ACK,FIN,RST,PSH,URG,ECE,CWR or 'SA'),\n"
        "                      read as a SYN scan\n"
        "PORTS:\n"
        "  -p SPEC             22 / 1-1024 / 80,443 / T:80,U:53 / - (all); default 1-1024\n"
        "  -F                  the 100 most common ports    --top-ports N   the N most common\n"
        "                      (ranked by nmap's measured frequencies in /usr/share/nmap/nmap-services\n"
        "                      when installed, $PORTPLEX_SERVICES to name another; else the same\n"
        "                      ranking built in, 1000 ports per protocol)\n"
        "TARGETS: 192.0.2.1, 192.0.2.0/24, 192.0.2.1-20, 192.0.2.*, host names\n"
        "  -iL FILE            targets from FILE ('-': stdin)\n"
        "  --exclude LIST      --excludefile FILE      -n (no DNS)     -Pn (no host discovery)\n"
        "HOST DISCOVERY (as root; default -PE -PS443 -PA80):\n"
        "  -PE                 ICMP echo      -PS[ports]  TCP SYN (80)     -PA[ports]  TCP ACK (80)\n"
        "  -PU[ports]          UDP (40125): any answer from the host, or its ICMP error, means up\n"
        "PROBES (raw scans):\n"
        "  --ttl N             IP time to live of every probe (1-255; default 64)\n"
        "  -g, --source-port N every probe from this port (default: a keyed spread)\n"
        "  -sV, --banners      connect to open TCP ports with portplex's own stack and read\n"
        "                      what the services say: ssh, http, smtp, ftp, pop3, imap,\n"
        "                      mysql, redis, memcached, TLS (the certificate's subject)\n"
        "  --data-length N     N random bytes after every probe's header (0-1400), and no\n"
        "                      protocol-specific UDP payloads, as nmap\n"
        "  -e IFACE            send and capture on this interface\n"
        "  -S ADDR             probes from this source address (spoofed: its answers must\n"
        "                      reach this host; usually with -e and -Pn)\n"
        "TIMING:\n"
        "  -T0..-T5            paranoid, sneaky, polite, normal (default), aggressive, insane\n"
        "  --min-rate N        --max-rate N             probes per second\n"
        "  --rate N            masscan's: send at N probes per second (min and max rate)\n"
        "  --max-retries N     --host-timeout TIME      --scan-delay TIME\n"
        "  --initial-rtt-timeout TIME  --min-rtt-timeout TIME  --max-rtt-timeout TIME\n"
        "  --max-parallelism N                          TIME: 500ms, 2s, 1m, 1h (bare: seconds)\n"
        "  --stats-every TIME  nmap's status lines (elapsed, %% done, ETC) on stdout this often\n"
        "ORDER:\n"
        "  --exclude-ports L   leave these ports out (same syntax as -p)\n"
        "  -r                  scan in order (the default; --randomize shuffles)\n"
        "  --randomize         a keyed random order over (host x port)\n"
        "  --seed N            the key (same seed, same order)\n"
        "  --shard I/N         probe only shard I of N (1-based); merge with --merge\n"
        "OUTPUT:\n"
        "  -oN FILE  normal   -oG FILE  grepable   -oX FILE  XML (nmap's DTD)\n"
        "  -oJ FILE  JSON lines, written as results come    -oA BASE  .nmap .gnmap .xml .json\n"
        "  -oL FILE  masscan's list: \"open tcp 80 192.0.2.1 <time>\" per open port, as found\n"
        "  --reason            why each port has its state (with the answer's TTL)\n"
        "  --packet-trace      print every packet sent and received (SENT/RCVD, as nmap)\n"
        "  --open              only open (or possibly open) ports    -v  more detail\n"
        "  -d[LEVEL]           debugging: the engine's counters after the report\n"
        "  --notes             notes on services with well-known exposures\n"
        "  --unprivileged      use kernel sockets only (-sT, socket -sU)\n"
        "KEYS WHILE SCANNING (on a terminal, as nmap's): space/enter a status line,\n"
        "  v/V more/less verbose, d/D debugging, p/P packet trace on/off, ? the list\n"
        "INTERRUPT AND RESUME:\n"
        "  Ctrl-C (SIGINT) stops the scan: the ports finished so far are reported and\n"
        "  written to the outputs (a second Ctrl-C ends at once)\n"
        "  --resume FILE       continue the scan interrupted while writing FILE (its -oN\n"
        "                      or -oG output), appending to the same outputs\n");
}

/* --packet-trace: the raw I/O wrapped, every packet printed while on. */
static struct {
    struct pp_scan_io inner;
    double t0;
    int on; /* --packet-trace, or the p key */
} trace;

/* nmap's keys while a scan runs on a terminal: space or enter (any other
 * key) for a status line, v/V and d/D for more or less verbosity and
 * debugging, p/P to turn packet tracing on and off, ? for this list.  The
 * terminal is in non-canonical mode without echo meanwhile. */
static struct {
    int on;
    struct termios saved;
    int *verbose, debug;
    volatile sig_atomic_t stats;
} keys;

static void keys_start(int *verbose)
{
    struct termios t;

    keys.verbose = verbose;
    keys.stats = 0;
    if (keys.on || !isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &keys.saved) < 0)
        return;
    t = keys.saved;
    t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
    t.c_cc[VMIN] = 0; /* read() returns at once, with or without a key */
    t.c_cc[VTIME] = 0;
    if (tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0)
        keys.on = 1;
}

static void keys_stop(void)
{
    if (keys.on)
        tcsetattr(STDIN_FILENO, TCSANOW, &keys.saved);
    keys.on = 0;
}

static void keys_tick(void *arg)
{
    char c;

    (void)arg;
    if (!keys.on)
        return;
    while (read(STDIN_FILENO, &c, 1) == 1) {
        if (isatty(STDERR_FILENO))
            fputs("\r\033[K", stderr); /* the live progress line makes room */
        switch (c) {
        case 'v': printf("Verbosity Increased to %d.\n", ++*keys.verbose); break;
        case 'V':
            if (*keys.verbose > 0)
                --*keys.verbose;
            printf("Verbosity Decreased to %d.\n", *keys.verbose);
            break;
        case 'd': printf("Debugging Increased to %d.\n", ++keys.debug); break;
        case 'D':
            if (keys.debug > 0)
                keys.debug--;
            printf("Debugging Decreased to %d.\n", keys.debug);
            break;
        case 'p':
            trace.on = 1;
            printf("Packet Tracing enabled.\n");
            break;
        case 'P':
            trace.on = 0;
            printf("Packet Tracing disabled.\n");
            break;
        case '?':
            printf("Interactive keyboard commands:\n"
                   "?               Display this information\n"
                   "v/V             Increase/decrease verbosity\n"
                   "d/D             Increase/decrease debugging\n"
                   "p/P             Enable/disable packet tracing\n"
                   "anything else   Print status\n");
            break;
        default: keys.stats = 1; break;
        }
        fflush(stdout);
    }
}

/* Interrupt and resume.  The first SIGINT asks the engine to stop and
 * report what is finished; a second ends the process at once (with the
 * terminal given back as it was). */
static volatile sig_atomic_t scan_stop;
static void on_sigint(int sig)
{
    (void)sig;
    if (scan_stop) {
        if (keys.on)
            tcsetattr(STDIN_FILENO, TCSANOW, &keys.saved);
        signal(SIGINT, SIG_DFL);
        raise(SIGINT);
    }
    scan_stop = 1;
}

/* Set by --resume for the run it starts: where the interrupted run
 * stopped, and how many hosts it was scanning (the steps only mean the
 * same when discovery finds the same hosts). */
static int resuming;
static uint64_t resume_step, resume_hosts;

/* The line an interrupted scan leaves at the end of its -oN and -oG
 * files; --resume reads it with the header's command line. */
#define RESUME_FMT "# portplex resume: step=%llu steps=%llu seed=%llu hosts=%llu\n"

int pp_cmd_scan(int argc, char **argv);

/* Runs one of the engines with Ctrl-C asking it to stop meanwhile; a
 * resumed scan starts where the interrupted one stopped, when the same
 * number of hosts is up (else the steps would mean other ports). */
static int run_engine(int (*run)(const struct pp_scan_job *, struct pp_scan_result *, char *),
                      struct pp_scan_job *job, uint64_t hosts, struct pp_scan_result *res, char *err)
{
    struct sigaction on_int, old_int;
    int rc;

    if (resuming && hosts != resume_hosts)
        fprintf(stderr, "portplex scan: %llu hosts are up now, %llu were when the scan stopped: "
                        "scanning them all again\n",
                (unsigned long long)hosts, (unsigned long long)resume_hosts);
    else if (resuming)
        job->start_step = resume_step;
    memset(&on_int, 0, sizeof on_int);
    on_int.sa_handler = on_sigint; /* no SA_RESTART: waits end early */
    sigemptyset(&on_int.sa_mask);
    sigaction(SIGINT, &on_int, &old_int);
    rc = run(job, res, err);
    sigaction(SIGINT, &old_int, NULL);
    return rc;
}

/* --resume FILE: the last "scan initiated ... as: ARGS" header of FILE and
 * a resume line after it give the command line to run again, from the
 * step where it stopped, with the same seed (the same order). */
static int resume_scan(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[2048], args[1024] = "", *av[128], *tok, *save = NULL;
    unsigned long long step = 0, steps = 0, seed = 0, hosts = 0;
    int have = 0, ac = 0, rc;
    char seedarg[32];

    if (!f) {
        fprintf(stderr, "portplex scan: cannot read '%s': %s\n", path, strerror(errno));
        return PP_EXIT_USAGE;
    }
    while (fgets(line, sizeof line, f)) {
        const char *as = strstr(line, " as: ");
        if (!strncmp(line, "# portplex ", 11) && strstr(line, " scan initiated ") && as) {
            snprintf(args, sizeof args, "%s", as + 5);
            args[strcspn(args, "\n")] = 0;
            have = 0; /* a resume line counts only after the last header */
        } else if (sscanf(line, "# portplex resume: step=%llu steps=%llu seed=%llu hosts=%llu", &step,
                          &steps, &seed, &hosts) == 4) {
            have = 1;
        }
    }
    fclose(f);
    if (!have || strncmp(args, "portplex scan", 13) != 0) {
        fprintf(stderr, "portplex scan: '%s' holds no interrupted portplex scan to resume "
                        "(no \"# portplex resume:\" line after its last header)\n", path);
        return PP_EXIT_USAGE;
    }
    av[ac++] = "scan";
    for (tok = strtok_r(args + 13, " ", &save); tok && ac < 124; tok = strtok_r(NULL, " ", &save))
        av[ac++] = tok;
    snprintf(seedarg, sizeof seedarg, "%llu", seed);
    av[ac++] = "--seed";
    av[ac++] = seedarg;
    av[ac] = NULL;
    fprintf(stderr, "portplex scan: resuming '%s' at step %llu of %llu\n", path, step, steps);
    resuming = 1;
    resume_step = step;
    resume_hosts = hosts;
    rc = pp_cmd_scan(ac, av);
    resuming = 0;
    return rc;
}

/* Parses nmap-style time: "500ms", "2s", "1m", "1h"; bare numbers are
 * seconds.  Milliseconds, or -1. */
static long parse_time(const char *s)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(s, &end);
    if (!*s || errno || v < 0 || end == s)
        return -1;
    if (strcmp(end, "ms") == 0)
        ;
    else if (*end == 0 || strcmp(end, "s") == 0)
        v *= 1000;
    else if (strcmp(end, "m") == 0)
        v *= 60000;
    else if (strcmp(end, "h") == 0)
        v *= 3600000;
    else
        return -1;
    return v > 1e10 ? -1 : (long)v;
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    *out = strtol(s, &end, 10);
    return !*s || *end || errno || *out < lo || *out > hi ? -1 : 0;
}

/* --scanflags: "SYNACK", "SYN,ACK", "SA", or a number. */
static int parse_scanflags(const char *s, uint16_t *flags)
{
    static const struct {
        const char *name;
        char letter;
        uint16_t bit;
    } f[] = {{"FIN", 'F', PP_TCP_FIN}, {"SYN", 'S', PP_TCP_SYN}, {"RST", 'R', PP_TCP_RST},
             {"PSH", 'P', PP_TCP_PSH}, {"ACK", 'A', PP_TCP_ACK}, {"URG", 'U', PP_TCP_URG},
             {"ECE", 'E', PP_TCP_ECE}, {"CWR", 'C', PP_TCP_CWR}};
    long v;
    size_t i;

    *flags = 0;
    if (parse_long(s, 0, 255, &v) == 0) {
        *flags = (uint16_t)v;
        return 0;
    }
    while (*s) {
        int found = 0;
        if (*s == ',' || *s == '|') {
            s++;
            continue;
        }
        for (i = 0; i < sizeof f / sizeof f[0] && !found; i++)
            if (strncasecmp(s, f[i].name, 3) == 0) {
                *flags |= f[i].bit;
                s += 3;
                found = 1;
            }
        for (i = 0; i < sizeof f / sizeof f[0] && !found; i++)
            if (*s == f[i].letter) {
                *flags |= f[i].bit;
                s++;
                found = 1;
            }
        if (!found)
            return -1;
    }
    return 0;
}

/* Adds one target word: an address expression, or a host name. */
static int add_target(struct pp_targets *t, const char *spec, int no_dns, char *err)
{
    struct addrinfo hints, *ai;
    char a[16];
    uint32_t addr;
    int rc;

    if (pp_targets_add(t, spec, err) == 0)
        return 0;
    if (no_dns || strpbrk(spec, "/*,") || !strpbrk(spec, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"))
        return -1; /* err says why */
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_INET;
    rc = getaddrinfo(spec, NULL, &hints, &ai);
    if (rc != 0) {
        snprintf(err, 256, "failed to resolve '%s': %s", spec, gai_strerror(rc));
        return -1;
    }
    addr = ntohl(((struct sockaddr_in *)ai->ai_addr)->sin_addr.s_addr);
    freeaddrinfo(ai);
    return pp_targets_add(t, pp_ipv4_ntoa(addr, a), err);
}

/* Reads whitespace-separated target words from a file ('-': stdin). */
static int add_file(struct pp_targets *t, const char *path, int no_dns, char *err)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    char word[256];

    if (!f) {
        snprintf(err, 256, "cannot read '%s': %s", path, strerror(errno));
        return -1;
    }
    while (fscanf(f, "%255s", word) == 1) {
        if (word[0] == '#') { /* a comment to the end of the line */
            int c;
            while ((c = fgetc(f)) != EOF && c != '\n')
                ;
            continue;
        }
        if (add_target(t, word, no_dns, err) < 0) {
            if (f != stdin)
                fclose(f);
            return -1;
        }
    }
    if (f != stdin)
        fclose(f);
    return 0;
}

static int in_targets(const struct pp_targets *t, uint32_t a)
{
    size_t i;
    for (i = 0; i < t->n; i++)
        if (t->r[i].lo <= a && a <= t->r[i].hi)
            return 1;
    return 0;
}

/* The targets minus the exclusions, each address once, as ranges. */
static int apply_excludes(struct pp_targets *t, const struct pp_targets *ex, char *err)
{
    static struct pp_targets out;
    static uint8_t seen[MAX_HOSTS];
    uint64_t i;
    size_t j;
    uint32_t *addrs = malloc(sizeof *addrs * (size_t)(t->count ? t->count : 1));
    size_t n = 0;

    if (!addrs) {
        snprintf(err, 256, "out of memory");
        return -1;
    }
    for (i = 0; i < t->count; i++) {
        uint32_t a = pp_targets_at(t, i);
        if (!in_targets(ex, a))
            addrs[n++] = a;
    }
    memset(&out, 0, sizeof out);
    memset(seen, 0, sizeof seen);
    (void)seen;
    for (j = 0; j < n; j++) {
        /* Coalesce runs of consecutive addresses; drop repeats. */
        if (out.n && out.r[out.n - 1].hi + 1 == addrs[j] && out.r[out.n - 1].hi != 0xffffffffu) {
            out.r[out.n - 1].hi = addrs[j];
        } else if (out.n && in_targets(&out, addrs[j])) {
            continue;
        } else {
            if (out.n == PP_TARGETS_MAX_RANGES) {
                free(addrs);
                snprintf(err, 256, "too many separate target ranges (at most %d)", PP_TARGETS_MAX_RANGES);
                return -1;
            }
            out.r[out.n].lo = out.r[out.n].hi = addrs[j];
            out.n++;
        }
        out.count++;
    }
    free(addrs);
    *t = out;
    return 0;
}

struct outputs {
    FILE *normal, *grep, *xml, *json, *list;
    int screen;
};

/* -oL: masscan's list, one line per open port as it is found:
 * "open tcp 80 192.0.2.1 <unix time>". */
static void list_line(FILE *f, const struct pp_scan_host *h, int udp, uint16_t port, int rank)
{
    char a[16];

    if (!f || h->state[rank] != PP_PS_OPEN)
        return;
    fprintf(f, "open %s %u %s %lld\n", udp ? "udp" : "tcp", port, pp_ipv4_ntoa(h->addr, a),
            (long long)time(NULL));
    fflush(f);
}

static void on_port(void *arg, const struct pp_scan_host *h, int udp, uint16_t port, int rank)
{
    struct outputs *o = arg;
    if (o->json)
        pp_scan_json_port(o->json, h->addr, udp, port, h->state[rank], h->reason[rank], h->ttl[rank]);
    list_line(o->list, h, udp, port, rank);
}

static FILE *open_out(const char *path, char *err)
{
    /* A resumed scan adds to what the interrupted one wrote. */
    FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, resuming ? "a" : "w");
    if (!f)
        snprintf(err, 256, "cannot write '%.200s': %s", path, strerror(errno)); /* long paths cut */
    return f;
}

static void close_out(FILE *f)
{
    if (f && f != stdout)
        fclose(f);
}

/* Opens the -o files (-oA BASE adds the ones not named); "-" is stdout
 * and silences the screen report. */
static int open_outputs(struct outputs *out, const char *oN, const char *oG, const char *oX,
                        const char *oJ, const char *oA, const char *oL, char *err)
{
    static char n1[512], n2[512], n3[512], n4[512];

    if (oA) {
        snprintf(n1, sizeof n1, "%s.nmap", oA);
        snprintf(n2, sizeof n2, "%s.gnmap", oA);
        snprintf(n3, sizeof n3, "%s.xml", oA);
        snprintf(n4, sizeof n4, "%s.json", oA);
        oN = oN ? oN : n1;
        oG = oG ? oG : n2;
        oX = oX ? oX : n3;
        oJ = oJ ? oJ : n4;
    }
    if ((oN && !(out->normal = open_out(oN, err))) || (oG && !(out->grep = open_out(oG, err))) ||
        (oX && !(out->xml = open_out(oX, err))) || (oJ && !(out->json = open_out(oJ, err))) ||
        (oL && !(out->list = open_out(oL, err))))
        return -1;
    if ((oN && !strcmp(oN, "-")) || (oG && !strcmp(oG, "-")) || (oX && !strcmp(oX, "-")) ||
        (oJ && !strcmp(oJ, "-")) || (oL && !strcmp(oL, "-")))
        out->screen = 0;
    if (out->list)
        fprintf(out->list, "#masscan\n");
    return 0;
}

/* --merge: JSON lines from sharded runs back into one result. */
static int merge(int nfiles, char **files, struct pp_scan_result *res, struct pp_targets *t,
                 struct pp_portset *ps, int *tcp, int *udp, char *err)
{
    static struct pp_scan_result tmp;
    int i, pass;
    char line[512];

    memset(t, 0, sizeof *t);
    memset(ps, 0, sizeof *ps);
    *tcp = *udp = 0;
    /* Pass 0 collects hosts and ports; pass 1 fills states. */
    for (pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            if (t->count == 0) {
                snprintf(err, 256, "no port results in the merged files");
                return -1;
            }
            if (pp_scan_result_init(res, t, ps, *tcp, *udp, err) < 0)
                return -1;
        }
        for (i = 0; i < nfiles; i++) {
            FILE *f = fopen(files[i], "r");
            if (!f) {
                snprintf(err, 256, "cannot read '%s': %s", files[i], strerror(errno));
                return -1;
            }
            while (fgets(line, sizeof line, f)) {
                char ip[32], proto[8], state[32], reason[32];
                unsigned port;
                int ttl, s, r, u;
                uint32_t addr;
                if (sscanf(line, "{\"type\":\"port\",\"ip\":\"%31[0-9.]\",\"proto\":\"%7[a-z]\",\"port\":%u,"
                                 "\"state\":\"%31[a-z|]\",\"reason\":\"%31[a-z-]\",\"ttl\":%d}",
                           ip, proto, &port, state, reason, &ttl) != 6 ||
                    port > 65535 || pp_ipv4_aton(ip, &addr) < 0)
                    continue;
                u = strcmp(proto, "udp") == 0;
                if (pass == 0) {
                    char e2[256];
                    if (!in_targets(t, addr) && pp_targets_add(t, ip, e2) < 0) {
                        fclose(f);
                        snprintf(err, 256, "%s", e2);
                        return -1;
                    }
                    ps->bits[u][port >> 6] |= 1ull << (port & 63);
                    *tcp |= !u;
                    *udp |= u;
                    continue;
                }
                for (s = 1; s < PP_PS_COUNT && strcmp(pp_scan_state_name(s), state); s++)
                    ;
                for (r = 1; r < PP_R_COUNT && strcmp(pp_scan_reason_name(r), reason); r++)
                    ;
                {
                    uint64_t h;
                    int rank;
                    for (h = 0; h < res->nhosts && res->hosts[h].addr != addr; h++)
                        ;
                    for (rank = u ? res->ntcp : 0; rank < (u ? res->nports : res->ntcp) && res->port_of[rank] != port; rank++)
                        ;
                    if (h == res->nhosts || s == PP_PS_COUNT || pp_scan_host_alloc(res, &res->hosts[h]) < 0)
                        continue;
                    res->hosts[h].state[rank] = (uint8_t)s;
                    res->hosts[h].reason[rank] = (uint8_t)(r < PP_R_COUNT ? r : 0);
                    res->hosts[h].ttl[rank] = (uint8_t)ttl;
                    if (s == PP_PS_OPEN || s == PP_PS_CLOSED || s == PP_PS_UNFILTERED)
                        res->hosts[h].up = 1;
                }
            }
            fclose(f);
        }
    }
    (void)tmp;
    pp_ports_recount(ps);
    return 0;
}

/* What discovery said of each host that answered: address and reason,
 * sorted by address (for the report: such a host is up even when every
 * port it was asked about stayed silent, as nmap reports it). */
struct up_host {
    uint32_t addr;
    int why;
    double rtt; /* the answer's round trip, s (0: not measured) */
};
static struct up_host *discovered;
/* -PE -PS -PA -PU: the discovery probes asked for (ping_set), else nmap's default. */
static struct pp_scan_ping ping;
static int ping_set;
static uint64_t n_discovered;

static int by_addr(const void *a, const void *b)
{
    uint32_t x = ((const struct up_host *)a)->addr, y = ((const struct up_host *)b)->addr;
    return x < y ? -1 : x > y;
}

static void mark_discovered(struct pp_scan_result *res)
{
    uint64_t h;
    for (h = 0; h < res->nhosts && n_discovered; h++) {
        struct up_host key = {res->hosts[h].addr, 0, 0}, *u;
        u = bsearch(&key, discovered, (size_t)n_discovered, sizeof key, by_addr);
        if (u) {
            res->hosts[h].up = 1;
            res->hosts[h].up_reason = u->why;
            if (u->rtt > 0)
                res->hosts[h].latency = u->rtt;
        }
    }
}

/* Sends the discovery probes (-PE/-PS/-PA/-PU, or nmap's default) to
 * every target: a new array of each target's up reason (0: no answer), or
 * NULL with err. */
static uint8_t *ping_targets(struct pp_scan_io *io, const struct pp_scan_job *job,
                             const struct pp_targets *t, double *rtt, char *err)
{
    uint8_t *up = calloc((size_t)t->count, 1);
    int rc, wait = job->timing.initial_rtt_ms < 250 ? 250 : job->timing.initial_rtt_ms;

    if (!up) {
        snprintf(err, 256, "out of memory");
        return NULL;
    }
    rc = pp_scan_discover(io, &job->probe, t, up, wait, ping_set ? &ping : NULL, rtt);
    if (rc < 0) {
        free(up);
        snprintf(err, 256, "host discovery failed: %s", strerror(-rc));
        return NULL;
    }
    return up;
}

/* Host discovery (no -Pn): keeps only the targets that answer a ping. */
static int discover_hosts(struct pp_scan_io *io, struct pp_scan_job *job, struct pp_targets *t,
                          char *err)
{
    static struct pp_targets none;
    double *rtt = calloc((size_t)t->count ? (size_t)t->count : 1, sizeof *rtt);
    uint8_t *up = ping_targets(io, job, t, rtt, err);

    if (!up) {
        free(rtt);
        return -1;
    }
    {
        uint64_t i;
        free(discovered);
        n_discovered = 0;
        discovered = calloc((size_t)t->count, sizeof *discovered);
        for (i = 0; discovered && i < t->count; i++)
            if (up[i]) {
                double r = rtt ? rtt[i] : 0;
                discovered[n_discovered++] = (struct up_host){pp_targets_at(t, i), up[i], r};
                /* The port scan's timeouts start from the slowest host's
                 * ping, as nmap's start from its ping times. */
                if (r > job->seed_rtt)
                    job->seed_rtt = r;
            }
        if (discovered)
            qsort(discovered, (size_t)n_discovered, sizeof *discovered, by_addr);
    }
    free(rtt);
    {
        /* Rebuild the targets from the hosts that are up, as ranges. */
        static struct pp_targets ex;
        uint64_t i;
        memset(&ex, 0, sizeof ex);
        for (i = 0; i < t->count; i++)
            if (!up[i]) {
                char a[16], e2[256];
                if (pp_targets_add(&ex, pp_ipv4_ntoa(pp_targets_at(t, i), a), e2) < 0)
                    break; /* too many ranges of down hosts: scan them anyway */
            }
        (void)none;
        if (ex.count && apply_excludes(t, &ex, err) < 0) {
            free(up);
            return -1;
        }
    }
    free(up);
    return 0;
}

/* --packet-trace: nmap's SENT/RCVD lines, one per packet the raw scan sends
 * and every packet its capture hands over, with the time since the start. */

static void trace_line(const char *dir, const uint8_t *pkt, size_t len)
{
    char d[256];
    if (!trace.on)
        return;
    pp_describe_packet(pkt, len, d, sizeof d, PP_WIRE_NO_CSUM);
    printf("%s (%.4fs) %s\n", dir, pp_mono_s() - trace.t0, d);
}

static int trace_send(void *ctx, const uint8_t *pkt, size_t len)
{
    int rc = trace.inner.send(ctx, pkt, len);
    if (rc == 0)
        trace_line("SENT", pkt, len);
    return rc;
}

static int trace_recv(void *ctx, uint8_t *buf, size_t cap, int timeout_ms)
{
    int n = trace.inner.recv(ctx, buf, cap, timeout_ms);
    if (n > 0)
        trace_line("RCVD", buf, (size_t)n);
    return n;
}

/* -sn as root: the discovery probes alone; every target is a host of the
 * result, up or not (with -Pn all are up, "user-set", as in nmap). */
static int ping_sweep(struct pp_scan_io *io, struct pp_scan_job *job, const struct pp_targets *t,
                      int all_up, struct pp_scan_result *res, char *err)
{
    double *rtt = calloc((size_t)t->count ? (size_t)t->count : 1, sizeof *rtt);
    uint8_t *up = all_up ? calloc((size_t)t->count, 1) : ping_targets(io, job, t, rtt, err);
    uint64_t i;

    memset(res, 0, sizeof *res);
    if (!up) {
        if (all_up)
            snprintf(err, 256, "out of memory");
        free(rtt);
        return -1;
    }
    res->hosts = calloc((size_t)t->count, sizeof *res->hosts);
    if (!res->hosts) {
        free(up);
        free(rtt);
        snprintf(err, 256, "out of memory");
        return -1;
    }
    res->nhosts = t->count;
    for (i = 0; i < t->count; i++) {
        res->hosts[i].addr = pp_targets_at(t, i);
        res->hosts[i].up = all_up || up[i];
        res->hosts[i].up_reason = all_up ? PP_UP_NO : up[i];
        if (rtt && up[i])
            res->hosts[i].latency = rtt[i];
    }
    free(up);
    free(rtt);
    return 0;
}

/* -sn without raw sockets: nmap's unprivileged ping is a connect() to 80
 * and 443; an accepted or a refused connection means the host is up. */
static void connect_ping_result(struct pp_scan_result *res, int all_up)
{
    uint64_t h;
    int i;

    for (h = 0; h < res->nhosts; h++) {
        struct pp_scan_host *hs = &res->hosts[h];
        hs->up = all_up;
        hs->up_reason = PP_UP_NO;
        for (i = 0; hs->state && i < res->ntcp && !all_up; i++) {
            if (hs->state[i] == PP_PS_OPEN) {
                hs->up = 1;
                hs->up_reason = PP_UP_SYN_ACK;
                break;
            }
            if (hs->state[i] == PP_PS_CLOSED) {
                hs->up = 1;
                hs->up_reason = PP_UP_CONN_REFUSED;
            }
        }
    }
}

int pp_cmd_scan(int argc, char **argv)
{
    enum {
        O_REASON = 256, O_OPEN, O_NOTES, O_SCANFLAGS, O_TOP, O_MINRATE, O_MAXRATE, O_RETRIES,
        O_HOSTTO, O_PAR, O_DELAY, O_IRTT, O_MINRTT, O_MAXRTT, O_RANDOM, O_SEED, O_SHARD, O_MERGE,
        O_EXCL, O_EXCLF, O_UNPRIV, O_EXCLPORTS, O_TTL, O_SPORT, O_STATS, O_RATE, O_PTRACE,
        O_DATALEN, O_BANNERS,
    };
    static const struct option opts[] = {
        {"reason", no_argument, NULL, O_REASON}, {"open", no_argument, NULL, O_OPEN},
        {"ttl", required_argument, NULL, O_TTL}, {"rate", required_argument, NULL, O_RATE},
        {"packet-trace", no_argument, NULL, O_PTRACE}, {"stats-every", required_argument, NULL, O_STATS}, {"source-port", required_argument, NULL, O_SPORT},
        {"notes", no_argument, NULL, O_NOTES}, {"scanflags", required_argument, NULL, O_SCANFLAGS},
        {"top-ports", required_argument, NULL, O_TOP}, {"min-rate", required_argument, NULL, O_MINRATE},
        {"max-rate", required_argument, NULL, O_MAXRATE}, {"max-retries", required_argument, NULL, O_RETRIES},
        {"host-timeout", required_argument, NULL, O_HOSTTO},
        {"max-parallelism", required_argument, NULL, O_PAR}, {"scan-delay", required_argument, NULL, O_DELAY},
        {"initial-rtt-timeout", required_argument, NULL, O_IRTT},
        {"min-rtt-timeout", required_argument, NULL, O_MINRTT},
        {"max-rtt-timeout", required_argument, NULL, O_MAXRTT}, {"randomize", no_argument, NULL, O_RANDOM},
        {"seed", required_argument, NULL, O_SEED}, {"shard", required_argument, NULL, O_SHARD},
        {"merge", no_argument, NULL, O_MERGE}, {"exclude", required_argument, NULL, O_EXCL},
        {"excludefile", required_argument, NULL, O_EXCLF}, {"unprivileged", no_argument, NULL, O_UNPRIV},
        {"exclude-ports", required_argument, NULL, O_EXCLPORTS},
        {"data-length", required_argument, NULL, O_DATALEN}, {"banners", no_argument, NULL, O_BANNERS},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
    };
    static struct pp_portset ports;
    static struct pp_targets targets, excludes;
    struct pp_scan_job job;
    struct pp_scan_result res;
    struct pp_scan_report rep;
    struct pp_scan_io io;
    struct outputs out = {.screen = 1};
    double wall0 = 0;
    const char *xspec = NULL;
    const char *pspec = NULL, *oN = NULL, *oG = NULL, *oX = NULL, *oJ = NULL, *oA = NULL, *oL = NULL;
    char err[256], args[1024] = "portplex scan";
    int c, i, tcp_kind = -1, udp = 0, explicit_raw = 0, custom = 0, no_dns = 0, top = 0, fast = 0;
    int unpriv = 0, do_merge = 0, level = 3, rc = PP_EXIT_FAIL, have_io = 0, raw_ok = 0;
    uint16_t scanflags = 0;
    long v, retries = -1, host_to = -1, par = -1, delay = -1, irtt = -1, minrtt = -1, maxrtt = -1;
    double min_rate = 0, max_rate = 0;
    uint64_t seed = 0, shard = 0, shards = 1;
    int have_seed = 0, randomize = 0, no_ping = 0, ping_only = 0, probe_ttl = 0, probe_sport = 0;
    long stats_ms = 0;
    int packet_trace = 0;
    long data_len = -1;
    struct pp_scan_banner *banner = NULL;
    struct pp_scan_io_opts io_opts = {NULL, 0, NULL, 0};
    uint64_t asked = 0;
    uint32_t src = 0;

    for (i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--resume") || !strncmp(argv[i], "--resume=", 9)) {
            const char *file = argv[i][8] == '=' ? argv[i] + 9 : i + 1 < argc ? argv[i + 1] : NULL;
            if (!file || argc != (argv[i][8] == '=' ? 2 : 3) || resuming) {
                pp_cli_usage_error("scan", "--resume takes the file alone, as nmap's: "
                                           "portplex scan --resume FILE");
                return PP_EXIT_USAGE;
            }
            return resume_scan(file);
        }
    memset(&job, 0, sizeof job);
    memset(&res, 0, sizeof res);
    memset(&rep, 0, sizeof rep);
    memset(&targets, 0, sizeof targets);
    memset(&excludes, 0, sizeof excludes);
    for (i = 1; i < argc; i++) {
        size_t l = strlen(args);
        snprintf(args + l, sizeof args - l, " %s", argv[i]);
    }
    optind = 1;
    opterr = 0;
    keys.debug = 0;
    memset(&ping, 0, sizeof ping); /* one run per call (the fuzzer calls again) */
    ping_set = 0;
    while ((c = getopt_long(argc, argv, ":p:s:T:o:i:P:g:d::nvFhre:S:", opts, NULL)) != -1) {
        switch (c) {
        case 'p': pspec = optarg; break;
        case 'r': randomize = 0; break; /* nmap's "do not randomize": our default order */
        case O_EXCLPORTS: xspec = optarg; break;
        case 's':
            if (!strcmp(optarg, "n")) { /* host discovery only, no port scan */
                ping_only = 1;
                break;
            }
            if (!strcmp(optarg, "V")) { /* versions of open TCP services */
                rep.version = 1;
                break;
            }
            if (strlen(optarg) != 1 || !strchr("STUAWFNX", optarg[0]))
                return pp_cli_usage_error("scan", "unknown scan type -s%s (known: -sS -sT -sU -sA "
                                                  "-sW -sF -sN -sX, -sV: versions, and -sn: no port scan)",
                                          optarg);
            if (optarg[0] == 'U') {
                udp = 1;
                break;
            }
            if (tcp_kind >= 0)
                return pp_cli_usage_error("scan", "one TCP scan type at a time (-s%s after another)", optarg);
            switch (optarg[0]) {
            case 'S': tcp_kind = PP_SCAN_SYN; break;
            case 'T': tcp_kind = PP_SCAN_CONNECT; break;
            case 'A': tcp_kind = PP_SCAN_ACK; break;
            case 'W': tcp_kind = PP_SCAN_WINDOW; break;
            case 'F': tcp_kind = PP_SCAN_FIN; break;
            case 'N': tcp_kind = PP_SCAN_NULL; break;
            default: tcp_kind = PP_SCAN_XMAS; break;
            }
            explicit_raw = tcp_kind != PP_SCAN_CONNECT;
            break;
        case 'T': {
            static const char *const names[] = {"paranoid", "sneaky", "polite", "normal",
                                                "aggressive", "insane"};
            for (level = 0; level < 6 && strcmp(optarg, names[level]) != 0; level++)
                ;
            if (level == 6) {
                if (parse_long(optarg, 0, 5, &v) < 0)
                    return pp_cli_usage_error("scan", "-T wants 0-5 or a template name, not '%s'", optarg);
                level = (int)v;
            }
            break;
        }
        case 'o':
            if (strlen(optarg) != 1 || !strchr("NGXJAL", optarg[0]))
                return pp_cli_usage_error("scan", "unknown output -o%s (known: -oN -oG -oX -oJ -oA -oL)", optarg);
            if (optind >= argc)
                return pp_cli_usage_error("scan", "-o%s needs a file name", optarg);
            switch (optarg[0]) {
            case 'N': oN = argv[optind++]; break;
            case 'G': oG = argv[optind++]; break;
            case 'X': oX = argv[optind++]; break;
            case 'J': oJ = argv[optind++]; break;
            case 'L': oL = argv[optind++]; break;
            default: oA = argv[optind++];
            }
            break;
        case 'i':
            if (strcmp(optarg, "L") != 0 || optind >= argc)
                return pp_cli_usage_error("scan", "-iL needs a file name");
            if (add_file(&targets, argv[optind++], 0, err) < 0)
                return pp_cli_usage_error("scan", "%s", err);
            break;
        case 'P':
            if (!strcmp(optarg, "n")) {
                no_ping = 1;
                break;
            }
            if (!ping_set) { /* as nmap: any -P probe replaces the default set */
                memset(&ping, 0, sizeof ping);
                ping_set = 1;
            }
            if (pp_scan_ping_add(&ping, optarg[0], optarg + 1, err) < 0)
                return pp_cli_usage_error("scan", "%s", err);
            break;
        case 'n': no_dns = 1; break;
        case 'v': rep.verbose++; break;
        case 'd': /* -d, -dd, -d3: debugging level, as nmap's */
            if (!optarg)
                keys.debug++;
            else if (strspn(optarg, "d") == strlen(optarg))
                keys.debug += 1 + (int)strlen(optarg);
            else if (parse_long(optarg, 0, 9, &v) == 0)
                keys.debug = (int)v;
            else
                return pp_cli_usage_error("scan", "-d takes a level 0-9, as -d3");
            break;
        case 'F': fast = 1; break;
        case O_REASON: rep.reason = 1; break;
        case O_PTRACE: packet_trace = 1; break;
        case O_STATS:
            if ((stats_ms = parse_time(optarg)) <= 0)
                return pp_cli_usage_error("scan", "--stats-every wants a time such as 5s or 500ms, not '%s'",
                                          optarg);
            break;
        case O_TTL:
            if (parse_long(optarg, 1, 255, &v) < 0)
                return pp_cli_usage_error("scan", "--ttl wants 1-255, not '%s'", optarg);
            probe_ttl = (int)v;
            break;
        case 'g':
        case O_SPORT:
            if (parse_long(optarg, 1, 65535, &v) < 0)
                return pp_cli_usage_error("scan", "%s wants a port 1-65535, not '%s'",
                                          c == 'g' ? "-g" : "--source-port", optarg);
            probe_sport = (int)v;
            break;
        case O_DATALEN:
            if (parse_long(optarg, 0, PP_SCAN_MAX_DATA, &data_len) < 0)
                return pp_cli_usage_error("scan", "--data-length wants 0-%d bytes (one frame), not '%s'",
                                          PP_SCAN_MAX_DATA, optarg);
            break;
        case 'e':
            if (!*optarg || strlen(optarg) >= 16)
                return pp_cli_usage_error("scan", "-e wants an interface name, not '%s'", optarg);
            io_opts.iface = optarg;
            break;
        case 'S':
            if (pp_ipv4_aton(optarg, &io_opts.spoof) < 0 || io_opts.spoof == 0 || io_opts.spoof == 0xffffffffu)
                return pp_cli_usage_error("scan", "-S wants an IPv4 source address, not '%s'", optarg);
            break;
        case O_BANNERS: rep.version = 1; break;
        case O_OPEN: rep.only_open = 1; break;
        case O_NOTES: rep.notes = 1; break;
        case O_SCANFLAGS:
            if (parse_scanflags(optarg, &scanflags) < 0)
                return pp_cli_usage_error("scan", "--scanflags wants flag names (SYN,ACK...), letters "
                                                  "(SA) or a number, not '%s'", optarg);
            custom = 1;
            break;
        case O_TOP:
            if (parse_long(optarg, 1, 65535, &v) < 0)
                return pp_cli_usage_error("scan", "--top-ports wants 1-65535, not '%s'", optarg);
            top = (int)v;
            break;
        case O_MINRATE: case O_MAXRATE: case O_RATE: {
            char *end;
            double d = strtod(optarg, &end);
            if (!*optarg || *end || d <= 0 || d > 1e8)
                return pp_cli_usage_error("scan", "%s wants a positive number of probes per second, not '%s'",
                                          c == O_MINRATE ? "--min-rate" : c == O_RATE ? "--rate" : "--max-rate",
                                          optarg);
            if (c == O_MINRATE || c == O_RATE) /* masscan's --rate: send at that rate */
                min_rate = d;
            if (c == O_MAXRATE || c == O_RATE)
                max_rate = d;
            break;
        }
        case O_RETRIES:
            if (parse_long(optarg, 0, 50, &retries) < 0)
                return pp_cli_usage_error("scan", "--max-retries wants 0-50, not '%s'", optarg);
            break;
        case O_PAR:
            if (parse_long(optarg, 1, 65536, &par) < 0)
                return pp_cli_usage_error("scan", "--max-parallelism wants 1-65536, not '%s'", optarg);
            break;
        case O_HOSTTO: case O_DELAY: case O_IRTT: case O_MINRTT: case O_MAXRTT:
            v = parse_time(optarg);
            if (v < 0)
                return pp_cli_usage_error("scan", "--%s wants a time like 500ms, 2s, 1m, not '%s'",
                                          c == O_HOSTTO ? "host-timeout" : c == O_DELAY ? "scan-delay"
                                          : c == O_IRTT ? "initial-rtt-timeout"
                                          : c == O_MINRTT ? "min-rtt-timeout" : "max-rtt-timeout",
                                          optarg);
            if (c == O_HOSTTO) host_to = v;
            else if (c == O_DELAY) delay = v;
            else if (c == O_IRTT) irtt = v;
            else if (c == O_MINRTT) minrtt = v;
            else maxrtt = v;
            break;
        case O_RANDOM: randomize = 1; break;
        case O_SEED: {
            char *end;
            errno = 0;
            seed = strtoull(optarg, &end, 0);
            if (!*optarg || *end || errno)
                return pp_cli_usage_error("scan", "--seed wants a number, not '%s'", optarg);
            have_seed = 1;
            break;
        }
        case O_SHARD: {
            unsigned long long a, b;
            char x;
            if (sscanf(optarg, "%llu/%llu%c", &a, &b, &x) != 2 || b < 1 || a < 1 || a > b || b > 1000000)
                return pp_cli_usage_error("scan", "--shard wants I/N with 1 <= I <= N, not '%s'", optarg);
            shard = a - 1;
            shards = b;
            break;
        }
        case O_MERGE: do_merge = 1; break;
        case O_EXCL:
            if (add_target(&excludes, optarg, 1, err) < 0)
                return pp_cli_usage_error("scan", "--exclude: %s", err);
            break;
        case O_EXCLF:
            if (add_file(&excludes, optarg, 1, err) < 0)
                return pp_cli_usage_error("scan", "--excludefile: %s", err);
            break;
        case O_UNPRIV: unpriv = 1; break;
        case 'h': pp_cmd_scan_usage(stdout); return PP_EXIT_OK;
        case ':': return pp_cli_usage_error("scan", "option '%s' needs a value", argv[optind - 1]);
        default: return pp_cli_usage_error("scan", "unknown option '%s'", argv[optind - 1]);
        }
    }
    rep.tcp = rep.udp = 0;
    if (do_merge) {
        if (optind == argc)
            return pp_cli_usage_error("scan", "--merge needs the -oJ files of the shards");
        if (merge(argc - optind, argv + optind, &res, &targets, &ports, &rep.tcp, &rep.udp, err) < 0 ||
            open_outputs(&out, oN, oG, oX, oJ, oA, oL, err) < 0) {
            fprintf(stderr, "portplex scan: %s\n", err);
            goto done;
        }
        if (out.json)
            pp_scan_json_begin(out.json, &rep);
        for (c = 0; (uint64_t)c < res.nhosts; c++) {
            int k;
            for (k = 0; out.json && res.hosts[c].state && k < res.nports; k++)
                if (res.hosts[c].state[k])
                    pp_scan_json_port(out.json, res.hosts[c].addr, k >= res.ntcp, res.port_of[k],
                                      res.hosts[c].state[k], res.hosts[c].reason[k], res.hosts[c].ttl[k]);
            for (k = 0; out.list && res.hosts[c].state && k < res.nports; k++) /* -oL */
                list_line(out.list, &res.hosts[c], k >= res.ntcp, res.port_of[k], k);
        }
        tcp_kind = PP_SCAN_SYN;
        goto report;
    }
    for (; optind < argc; optind++)
        if (add_target(&targets, argv[optind], no_dns, err) < 0)
            return pp_cli_usage_error("scan", "%s", err);
    if (targets.count == 0)
        return pp_cli_usage_error("scan", "no target given");
    if (excludes.count && apply_excludes(&targets, &excludes, err) < 0)
        return pp_cli_usage_error("scan", "%s", err);
    if (targets.count == 0)
        return pp_cli_usage_error("scan", "every target is excluded");
    if (targets.count > MAX_HOSTS)
        return pp_cli_usage_error("scan", "%llu targets is more than one run scans (%d); split with "
                                          "--shard or smaller ranges",
                                  (unsigned long long)targets.count, MAX_HOSTS);
    if (custom) {
        if (tcp_kind >= 0 && tcp_kind != PP_SCAN_SYN)
            ; /* --scanflags with a base type: read answers like that type */
        else
            tcp_kind = PP_SCAN_CUSTOM;
        explicit_raw = 1;
    }
    if (ping_only) {
        /* -sn: which hosts are up, as nmap's ping scan; the ports are only
         * those the unprivileged discovery connects to. */
        if (tcp_kind >= 0 || udp || custom)
            return pp_cli_usage_error("scan", "-sn (no port scan) does not mix with a port scan type");
        if (pspec || fast || top || xspec)
            fprintf(stderr, "WARNING: -sn scans no ports: -p, -F, --top-ports and --exclude-ports "
                            "are ignored\n");
        pspec = "80,443";
        fast = 0;
        top = 0;
        xspec = NULL;
    }
    /* Ports: -p, -F or --top-ports; unprefixed ports go to every protocol scanned. */
    {
        int want_tcp = tcp_kind >= 0 || !udp;
        if ((fast || top) && pspec)
            return pp_cli_usage_error("scan", "-p and -F/--top-ports do not mix");
        if (fast || top) {
            int proto;
            memset(&ports, 0, sizeof ports);
            for (proto = 0; proto < 2; proto++) {
                const uint16_t *list;
                size_t n = pp_scan_top_ports(proto, (size_t)(top ? top : 100), &list), k;
                if (!(proto ? udp : want_tcp))
                    continue;
                if (top && n < (size_t)top) /* say so rather than scan fewer in silence */
                    fprintf(stderr, "WARNING: --top-ports %ld: portplex's ranking has %zu %s ports; "
                                    "scanning those %zu\n",
                            (long)top, n, proto ? "UDP" : "TCP", n);
                for (k = 0; k < n; k++)
                    if (!pp_ports_has(&ports, proto, list[k])) {
                        ports.bits[proto][list[k] >> 6] |= 1ull << (list[k] & 63);
                        ports.count[proto]++;
                    }
            }
        } else {
            if (!pspec)
                pspec = "1-1024";
            if (pp_ports_parse(pspec, want_tcp ? PP_PROTO_TCP_SET : PP_PROTO_UDP_SET, &ports, err) < 0)
                return pp_cli_usage_error("scan", "%s", err);
            if (want_tcp && udp && !strchr(pspec, ':')) {
                memcpy(ports.bits[1], ports.bits[0], sizeof ports.bits[0]);
                ports.count[1] = ports.count[0];
            }
        }
        /* As nmap: ports of a protocol no scan type covers are a warning,
         * and the scan goes on with the rest. */
        if (!udp && ports.count[1]) {
            fprintf(stderr, "WARNING: Your ports include \"U:\" but you haven't specified UDP scan with -sU.\n");
            memset(ports.bits[1], 0, sizeof ports.bits[1]);
            ports.count[1] = 0;
        }
        if (!want_tcp && ports.count[0]) {
            fprintf(stderr, "WARNING: Your ports include \"T:\" but you haven't specified any TCP scan type.\n");
            memset(ports.bits[0], 0, sizeof ports.bits[0]);
            ports.count[0] = 0;
        }
        if (xspec) { /* --exclude-ports: unprefixed ports leave every protocol, as in nmap */
            static struct pp_portset x;
            int proto, k;
            if (pp_ports_parse(xspec, PP_PROTO_TCP_SET, &x, err) < 0)
                return pp_cli_usage_error("scan", "--exclude-ports: %s", err);
            if (!strchr(xspec, ':')) {
                memcpy(x.bits[1], x.bits[0], sizeof x.bits[0]);
                x.count[1] = x.count[0];
            }
            for (proto = 0; proto < 2; proto++)
                for (k = 0; k < 65536 / 64; k++)
                    ports.bits[proto][k] &= ~x.bits[proto][k];
            pp_ports_recount(&ports);
        }
        rep.tcp = want_tcp && ports.count[0];
        rep.udp = udp && ports.count[1];
        if (!rep.tcp && !rep.udp)
            return pp_cli_usage_error("scan", "no ports to scan");
    }
    /* Raw sockets if we may; else the kernel-socket scans. */
    if (!unpriv && (rep.udp || tcp_kind != PP_SCAN_CONNECT)) {
        int e = pp_scan_io_kernel_opts(&io, pp_targets_at(&targets, 0), &io_opts, &src, err);
        if (e == -ENODEV)
            return pp_cli_usage_error("scan", "%s", err);
        if (e == 0) {
            raw_ok = have_io = 1;
            /* -sV/--banners: portplex's own stack, its raw I/O and the rule
             * that keeps the kernel off its ports, while we are privileged. */
            if (rep.version && rep.tcp) {
                struct pp_scan_banner_opts bo;
                memset(&bo, 0, sizeof bo);
                bo.io = &io_opts;
                if (!(banner = pp_scan_banner_prepare(pp_targets_at(&targets, 0), &bo, err))) {
                    fprintf(stderr, "portplex scan: %s\n", err);
                    io.close(io.ctx);
                    return PP_EXIT_FAIL;
                }
            }
            pp_scan_drop_privileges();
        } else if (e != -EPERM && e != -EACCES) {
            fprintf(stderr, "portplex scan: %s\n", err);
            return PP_EXIT_FAIL;
        }
    }
    if (tcp_kind < 0)
        tcp_kind = raw_ok ? PP_SCAN_SYN : PP_SCAN_CONNECT;
    if (!raw_ok && explicit_raw) {
        if (tcp_kind == PP_SCAN_SYN && !custom) {
            fprintf(stderr, "portplex scan: no raw-socket privilege (root or CAP_NET_RAW) for -sS; "
                            "doing a connect scan (-sT) instead\n");
            tcp_kind = PP_SCAN_CONNECT;
        } else {
            fprintf(stderr, "portplex scan: the %s scan needs raw sockets: run as root or with "
                            "CAP_NET_RAW\n", custom ? "--scanflags" : pp_scan_kind_xml((enum pp_scan_kind)tcp_kind));
            return PP_EXIT_FAIL;
        }
    }
    if (!raw_ok && (probe_ttl || probe_sport || data_len >= 0))
        fprintf(stderr, "WARNING: --ttl, -g/--source-port and --data-length shape raw probes; this "
                        "scan uses kernel sockets and ignores them\n");
    if (!raw_ok && (io_opts.iface || io_opts.spoof)) {
        fprintf(stderr, "portplex scan: -e and -S need raw sockets: run as root or with CAP_NET_RAW\n");
        return PP_EXIT_FAIL;
    }
    if (!raw_ok && rep.udp && !unpriv)
        fprintf(stderr, "portplex scan: no raw-socket privilege: UDP scan with kernel sockets "
                        "(no ICMP rate-limit handling)\n");
    if (raw_ok && tcp_kind == PP_SCAN_CONNECT && rep.tcp && rep.udp) {
        /* -sT -sU as root: connect for TCP, raw for UDP would need two
         * runs; keep it simple and scan both with kernel sockets. */
        io.close(io.ctx);
        have_io = raw_ok = 0;
    }
    if (open_outputs(&out, oN, oG, oX, oJ, oA, oL, err) < 0) {
        fprintf(stderr, "portplex scan: %s\n", err);
        goto done;
    }
    /* The job. */
    pp_scan_timing_template(level, &job.timing);
    if (retries >= 0) job.timing.max_retries = (int)retries;
    if (par > 0) job.timing.max_parallel = (int)par;
    if (delay >= 0) job.timing.scan_delay_ms = (int)delay;
    if (irtt >= 0) job.timing.initial_rtt_ms = (int)irtt;
    if (minrtt >= 0) job.timing.min_rtt_ms = (int)minrtt;
    if (maxrtt >= 0) job.timing.max_rtt_ms = (int)maxrtt;
    if (host_to >= 0) job.timing.host_timeout_ms = host_to;
    job.timing.min_rate = min_rate;
    job.timing.max_rate = max_rate;
    if (min_rate > 0 && max_rate > 0 && min_rate > max_rate) {
        pp_cli_usage_error("scan", "--min-rate is above --max-rate");
        rc = PP_EXIT_USAGE;
        goto done;
    }
    if (!have_seed && getrandom(&seed, sizeof seed, 0) != sizeof seed)
        seed = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
    job.targets = &targets;
    job.ports = &ports;
    job.tcp = rep.tcp;
    job.udp = rep.udp;
    job.randomize = randomize;
    job.seed = seed;
    job.shard = shard;
    job.shards = shards;
    job.on_port = on_port;
    job.arg = &out;
    scan_stop = 0;
    job.stop = &scan_stop;
    job.tick = keys_tick;
    job.stats_now = &keys.stats;
    if (out.screen)
        keys_start(&rep.verbose);
    job.progress = isatty(STDERR_FILENO) && out.screen;
    job.stats_every = (double)stats_ms / 1000.0;
    rep.tcp_kind = (enum pp_scan_kind)tcp_kind;
    rep.args = args;
    rep.start = time(NULL);
    wall0 = pp_mono_s();
    if (out.json)
        pp_scan_json_begin(out.json, &rep);
    if (out.screen)
        printf("Starting portplex scan %s at %s", pp_version(), ctime(&rep.start));
    if (raw_ok) { /* every packet through the trace (on with --packet-trace or p) */
        trace.inner = io;
        trace.t0 = pp_mono_s();
        trace.on = packet_trace;
        io.send = trace_send;
        io.recv = trace_recv;
    }
    if (!raw_ok && packet_trace) {
        fprintf(stderr, "WARNING: --packet-trace shows raw packets; this scan uses kernel sockets\n");
    }
    if (raw_ok) {
        struct pp_sipkey k;
        pp_sipkey_random(&k);
        job.io = &io;
        job.probe.key = k;
        job.probe.src = src;
        job.probe.sport_base = (uint16_t)(40000 + (k.k0 % 20000));
        job.probe.ttl = (uint8_t)probe_ttl;
        job.probe.fixed_sport = (uint16_t)probe_sport;
        job.probe.has_data = data_len >= 0;
        job.probe.data_len = (uint16_t)(data_len >= 0 ? data_len : 0);
        job.probe.kind = (enum pp_scan_kind)(tcp_kind == PP_SCAN_CONNECT ? PP_SCAN_SYN : tcp_kind);
        job.probe.tcp_flags = custom ? scanflags : pp_scan_kind_flags(job.probe.kind);
        if (!job.tcp)
            job.probe.kind = PP_SCAN_UDP;
        asked = targets.count;
        if (ping_only) {
            if (ping_sweep(&io, &job, &targets, no_ping, &res, err) < 0) {
                fprintf(stderr, "portplex scan: %s\n", err);
                goto done;
            }
            goto report;
        }
        if (!no_ping && discover_hosts(&io, &job, &targets, err) < 0) {
            fprintf(stderr, "portplex scan: %s\n", err);
            goto done;
        }
        rep.down_hosts = asked - targets.count;
        if (targets.count == 0) {
            if (out.screen)
                printf("Note: Host seems down. If it is really up, but blocking our ping probes, "
                       "try -Pn\nportplex done: %llu IP address%s (0 hosts up) scanned\n",
                       (unsigned long long)asked, asked == 1 ? "" : "es");
            rc = PP_EXIT_OK;
            goto done;
        }
        if ((rc = run_engine(pp_scan_run, &job, targets.count, &res, err)) < 0) {
            rc = PP_EXIT_FAIL;
            fprintf(stderr, "portplex scan: %s\n", err);
            goto done;
        }
        mark_discovered(&res);
    } else {
        if (job.timing.max_parallel > 1024)
            job.timing.max_parallel = 256; /* descriptors, not packets */
        if ((rc = run_engine(pp_scan_connect_run, &job, targets.count, &res, err)) < 0) {
            rc = PP_EXIT_FAIL;
            fprintf(stderr, "portplex scan: %s\n", err);
            goto done;
        }
        if (ping_only)
            connect_ping_result(&res, no_ping);
    }
    if (banner && !res.interrupted) {
        /* -sV / --banners: every open TCP port, connected with our stack. */
        if (out.screen && rep.verbose >= 0)
            printf("Reading services on open TCP ports with portplex's own TCP/IP stack\n");
        if (pp_scan_banner_run(banner, &res, &scan_stop, err) < 0)
            fprintf(stderr, "portplex scan: -sV: %s\n", err);
    }
    if (!raw_ok && rep.version)
        fprintf(stderr, "WARNING: -sV/--banners connect with portplex's own stack, which needs raw "
                        "sockets (root or CAP_NET_RAW); no versions in this scan\n");
report:
    /* The time reported is the whole scan's, discovery and waits included,
     * as nmap's "scanned in" is (the engine's own clock starts later). */
    if (wall0 > 0 && pp_mono_s() - wall0 > res.seconds)
        res.seconds = pp_mono_s() - wall0;
    rep.res = &res;
    rep.ping_only = ping_only;
    rep.tcp_kind = (enum pp_scan_kind)tcp_kind;
    if (!rep.args)
        rep.args = args;
    rep.end = time(NULL);
    if (out.screen)
        pp_scan_write_normal(stdout, &rep);
    if (out.normal)
        pp_scan_write_normal_file(out.normal, &rep);
    if (out.grep)
        pp_scan_write_grepable(out.grep, &rep);
    if (out.xml)
        pp_scan_write_xml(out.xml, &rep);
    if (out.json)
        pp_scan_json_end(out.json, &rep);
    rc = PP_EXIT_OK;
    if (keys.debug > 0 && out.screen && !ping_only)
        printf("Probes sent: %llu | answers: %llu | retransmitted: %llu | drops seen: %llu\n",
               (unsigned long long)res.sent, (unsigned long long)res.answers,
               (unsigned long long)res.retransmits, (unsigned long long)res.drops);
    if (res.interrupted) {
        /* What an interrupted scan owes its user: the finished part above,
         * and the way to go on (exit 1: the scan is not complete). */
        const char *file = oN ? oN : oG;
        char base[1100];
        if (!file && oA) {
            snprintf(base, sizeof base, "%s.nmap", oA);
            file = base;
        }
        fprintf(stderr, "portplex scan: interrupted; %llu of %llu (host, port) pairs finished and "
                        "reported%s%s\n",
                (unsigned long long)(res.resume_step - job.start_step),
                (unsigned long long)(res.steps - job.start_step),
                file ? "; continue with: portplex scan --resume " : " (write -oN or -oG to be able to "
                                                                  "resume)",
                file ? file : "");
        FILE *resumable[2] = {out.normal, out.grep};
        for (i = 0; i < 2; i++)
            if (resumable[i])
                fprintf(resumable[i], RESUME_FMT, (unsigned long long)res.resume_step,
                        (unsigned long long)res.steps, (unsigned long long)seed,
                        (unsigned long long)targets.count);
        rc = PP_EXIT_FAIL;
    }
done:
    pp_scan_banner_close(banner);
    banner = NULL;
    keys_stop();
    free(discovered);
    discovered = NULL;
    n_discovered = 0;
    close_out(out.normal);
    close_out(out.grep);
    close_out(out.xml);
    close_out(out.json);
    if (out.list)
        fprintf(out.list, "# end\n");
    close_out(out.list);
    if (have_io)
        io.close(io.ctx);
    pp_scan_result_free(&res);
    return rc;
}
