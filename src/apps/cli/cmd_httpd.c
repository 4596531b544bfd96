/* cmd_httpd.c - `portplex httpd`: the static web server on the kernel's
 * sockets (IPv6 and IPv4), or with --stack tun:IF:ADDR/PREFIX on portplex's
 * own stack behind a TUN device.  SIGINT/SIGTERM stop it gracefully. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "http/httpd.h"
#include "services.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

void pp_cmd_httpd_usage(FILE *f)
{
    fprintf(f,
            "usage: portplex httpd --root DIR [--listen [ADDR:]PORT] [--max-conns N]\n"
            "                      [--timeout S] [--grace S] [--log FILE|-] [--no-listing]\n"
            "                      [--follow-symlinks] [--no-cache] [--index NAME]...\n"
            "                      [--header 'NAME: VALUE']... [--cache-control VALUE]\n"
            "                      [--tls-cert FILE --tls-key FILE]\n"
            "                      [--stack kernel|tun:IF:ADDR/PREFIX]\n\n"
            "Serves the files under DIR over HTTP/1.1 (GET and HEAD, keep-alive and\n"
            "pipelining, single byte ranges, ETag and Last-Modified conditionals,\n"
            "directory listings).  One thread per connection, from a pool of at most\n"
            "--max-conns; further clients wait in the listen backlog.\n\n"
            "  --root DIR          the directory served (required)\n"
            "  --listen SPEC       PORT, ADDR:PORT or [IPV6]:PORT; default 8080 on every\n"
            "                      IPv6 and IPv4 address (tun: the port only)\n"
            "  --max-conns N       connections served at once, 1-65536 (default 256)\n"
            "  --timeout S         deadline for a request's header block (408 after it)\n"
            "                      and for an idle keep-alive connection (default 10)\n"
            "  --grace S           on SIGTERM: time in-flight responses get (default 10)\n"
            "  --log FILE|-        access log in Combined Log Format ('-': stdout)\n"
            "  --no-listing        403 for directories without index.html\n"
            "  --follow-symlinks   serve symlinks that point outside DIR (refused by default)\n"
            "  --no-cache          files up to 16 KiB are cached for 1 s by default (a change\n"
            "                      shows within a second); this turns that off\n"
            "  --index NAME        a directory's index file; repeat to try several in order\n"
            "                      (default index.html)\n"
            "  --header 'N: V'     a header line added to every response (repeatable; not\n"
            "                      the ones that frame a response, such as Content-Length)\n"
            "  --cache-control V   Cache-Control of 200, 206 and 304 responses, e.g.\n"
            "                      'max-age=3600' or 'no-cache'\n"
            "  --tls-cert FILE     HTTPS (TLS 1.2 and 1.3, ALPN http/1.1) with this PEM\n"
            "  --tls-key FILE      certificate chain and private key; on either backend\n"
            "  --stack kernel      the kernel's sockets (default)\n"
            "  --stack tun:IF:ADDR/PREFIX\n"
            "                      portplex's own stack on a new TUN device IF (root), as\n"
            "                      'portplex stack --tun IF --addr ADDR/PREFIX --serve http:...'\n");
}

#define MAX_INDEX 16
#define HEADERS_MAX 4096

/* RFC 9110 5.6.2: a token character (what a header name is made of). */
static int tchar(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

/* A header value: visible characters, spaces and tabs (RFC 9110 5.5), and
 * never a CR or LF, which would let an option split the response. */
static int field_value_ok(const char *v)
{
    for (; *v; v++)
        if ((unsigned char)*v < 0x20 ? *v != '\t' : *v == 0x7f)
            return 0;
    return 1;
}

/* Appends "NAME: VALUE" from --header to buf as a CRLF-ended line; 0, or -1
 * with the reason in why. */
static int add_header_opt(char *buf, size_t *len, const char *arg, const char **why)
{
    static const char *const framing[] = {"content-length", "transfer-encoding", "connection",
                                          "keep-alive", "content-range", "date", "server"};
    const char *colon = strchr(arg, ':'), *v;
    size_t i, nl;
    int n;

    if (!colon || colon == arg) {
        *why = "wants 'NAME: VALUE'";
        return -1;
    }
    for (i = 0; arg + i < colon; i++)
        if (!tchar((unsigned char)arg[i])) {
            *why = "has a name that is not an HTTP token";
            return -1;
        }
    nl = (size_t)(colon - arg);
    for (i = 0; i < sizeof framing / sizeof framing[0]; i++)
        if (strlen(framing[i]) == nl && strncasecmp(arg, framing[i], nl) == 0) {
            *why = "names a header the server sets itself";
            return -1;
        }
    for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
        ;
    if (!field_value_ok(v)) {
        *why = "has a control character in its value";
        return -1;
    }
    n = snprintf(buf + *len, HEADERS_MAX - *len, "%.*s: %s\r\n", (int)nl, arg, v);
    if (n < 0 || (size_t)n >= HEADERS_MAX - *len) {
        *why = "makes the added headers longer than 4 KiB";
        return -1;
    }
    *len += (size_t)n;
    return 0;
}

static int parse_int(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    *out = strtol(s, &end, 10);
    return !*s || *end || errno || *out < lo || *out > hi ? -1 : 0;
}

int pp_cmd_httpd(int argc, char **argv)
{
    static const struct option opts[] = {
        {"root", required_argument, NULL, 'r'},      {"listen", required_argument, NULL, 'l'},
        {"max-conns", required_argument, NULL, 'm'}, {"timeout", required_argument, NULL, 't'},
        {"grace", required_argument, NULL, 'g'},     {"log", required_argument, NULL, 'L'},
        {"no-listing", no_argument, NULL, 'N'},      {"follow-symlinks", no_argument, NULL, 'F'},
        {"stack", required_argument, NULL, 's'},     {"help", no_argument, NULL, 'h'},
        {"no-cache", no_argument, NULL, 'C'},        {"index", required_argument, NULL, 'i'},
        {"header", required_argument, NULL, 'H'},    {"cache-control", required_argument, NULL, 'c'},
        {"tls-cert", required_argument, NULL, 'T'},  {"tls-key", required_argument, NULL, 'K'},
        {NULL, 0, NULL, 0},
    };
    static const char *index_names[MAX_INDEX];
    static char headers[HEADERS_MAX];
    size_t headers_len = 0;
    const char *why;
    struct stat rst;
    struct pp_httpd_config cfg = {.max_conns = 256, .timeout_s = 10, .grace_s = 10, .listing = 1,
                                  .log_fd = -1};
    const char *listen_spec = "8080", *log_path = NULL, *stack = "kernel";
    struct pp_httpd_net net;
    struct pp_httpd *h;
    struct pp_httpd_stats hs;
    struct sigaction sa;
    char err[256];
    long v;
    int c, rc;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:", opts, NULL)) != -1) {
        switch (c) {
        case 'r': cfg.root = optarg; break;
        case 'l': listen_spec = optarg; break;
        case 'm':
            if (parse_int(optarg, 1, 65536, &v) < 0)
                return pp_cli_usage_error("httpd", "--max-conns must be 1-65536, not '%s'", optarg);
            cfg.max_conns = (int)v;
            break;
        case 't':
            if (parse_int(optarg, 1, 3600, &v) < 0)
                return pp_cli_usage_error("httpd", "--timeout must be 1-3600 seconds, not '%s'",
                                          optarg);
            cfg.timeout_s = (int)v;
            break;
        case 'g':
            if (parse_int(optarg, 0, 3600, &v) < 0)
                return pp_cli_usage_error("httpd", "--grace must be 0-3600 seconds, not '%s'",
                                          optarg);
            cfg.grace_s = (int)v;
            break;
        case 'L': log_path = optarg; break;
        case 'N': cfg.listing = 0; break;
        case 'F': cfg.follow_symlinks = 1; break;
        case 'C': cfg.no_cache = 1; break;
        case 's': stack = optarg; break;
        case 'i':
            if (cfg.n_index == MAX_INDEX)
                return pp_cli_usage_error("httpd", "at most %d --index names", MAX_INDEX);
            if (!*optarg || strchr(optarg, '/') || !strcmp(optarg, ".") || !strcmp(optarg, "..") ||
                strlen(optarg) > 255)
                return pp_cli_usage_error("httpd", "--index wants a file name, not '%s'", optarg);
            index_names[cfg.n_index++] = optarg;
            cfg.index = index_names;
            break;
        case 'H':
            if (add_header_opt(headers, &headers_len, optarg, &why) < 0)
                return pp_cli_usage_error("httpd", "--header '%s' %s", optarg, why);
            cfg.headers = headers;
            break;
        case 'c':
            if (!*optarg || !field_value_ok(optarg))
                return pp_cli_usage_error("httpd", "--cache-control wants a header value, not '%s'",
                                          optarg);
            cfg.cache_control = optarg;
            break;
        case 'T': cfg.tls_cert = optarg; break;
        case 'K': cfg.tls_key = optarg; break;
        case 'h': pp_cmd_httpd_usage(stdout); return PP_EXIT_OK;
        case ':': return pp_cli_usage_error("httpd", "option '%s' needs a value", argv[optind - 1]);
        default: return pp_cli_usage_error("httpd", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc)
        return pp_cli_usage_error("httpd", "unexpected argument '%s'", argv[optind]);
    if (!cfg.root)
        return pp_cli_usage_error("httpd", "--root DIR is required");
    if (!cfg.tls_cert != !cfg.tls_key)
        return pp_cli_usage_error("httpd", "--tls-cert and --tls-key go together");
    if (strcmp(stack, "kernel") != 0 && strncmp(stack, "tun:", 4) != 0)
        return pp_cli_usage_error("httpd", "--stack wants 'kernel' or 'tun:IF:ADDR/PREFIX', not '%s'",
                                  stack);
    if (stat(cfg.root, &rst) == 0 && !S_ISDIR(rst.st_mode))
        return pp_cli_usage_error("httpd", "--root '%s' is not a directory", cfg.root);
    if (access(cfg.root, R_OK | X_OK) < 0) {
        fprintf(stderr, "portplex httpd: cannot serve '%s': %s\n", cfg.root, strerror(errno));
        return PP_EXIT_FAIL;
    }
    if (log_path) {
        cfg.log_fd = strcmp(log_path, "-") == 0
                         ? STDOUT_FILENO
                         : open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (cfg.log_fd < 0) {
            fprintf(stderr, "portplex httpd: cannot open the log '%s': %s\n", log_path,
                    strerror(errno));
            return PP_EXIT_FAIL;
        }
    }
    if (strncmp(stack, "tun:", 4) == 0) {
        /* tun:IF:ADDR/PREFIX - the same server as a service of a TUN host. */
        char ifname[32], addr[64], *stack_argv[8];
        const char *colon = strchr(stack + 4, ':');
        struct pp_service svc;
        long port;
        if (!colon || colon == stack + 4 || (size_t)(colon - stack - 4) >= sizeof ifname ||
            strlen(colon + 1) >= sizeof addr || !colon[1])
            return pp_cli_usage_error("httpd", "--stack wants tun:IF:ADDR/PREFIX, not '%s'", stack);
        if (parse_int(listen_spec, 1, 65535, &port) < 0)
            return pp_cli_usage_error("httpd", "with --stack tun, --listen is a port (1-65535), "
                                               "not '%s'", listen_spec);
        memcpy(ifname, stack + 4, (size_t)(colon - stack - 4));
        ifname[colon - stack - 4] = 0;
        strcpy(addr, colon + 1);
        if (pp_service_parse("http:1:/", &svc, err) < 0)
            return PP_EXIT_FAIL;
        svc.port = (uint16_t)port;
        svc.httpd = cfg;
        stack_argv[0] = "stack";
        stack_argv[1] = "--tun";
        stack_argv[2] = ifname;
        stack_argv[3] = "--addr";
        stack_argv[4] = addr;
        stack_argv[5] = NULL;
        rc = pp_cli_stack_main(5, stack_argv, &svc);
        if (cfg.log_fd > STDERR_FILENO)
            close(cfg.log_fd);
        return rc;
    }
    if ((rc = pp_httpd_net_kernel(listen_spec, &net, err)) < 0) {
        if (rc == -2)
            return pp_cli_usage_error("httpd", "%s", err);
        fprintf(stderr, "portplex httpd: %s\n", err);
        return PP_EXIT_FAIL;
    }
    rc = pp_httpd_net_kernel_port(&net);
    h = pp_httpd_new(&cfg, &net, err);
    if (!h) {
        fprintf(stderr, "portplex httpd: %s\n", err);
        return PP_EXIT_FAIL;
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    printf("portplex httpd: serving %s on port %d (%s sockets), up to %d connections at once\n",
           cfg.root, rc, net.name, cfg.max_conns);
    fflush(stdout);
    rc = pp_httpd_run(h, &stop_flag);
    pp_httpd_get_stats(h, &hs);
    fprintf(stderr,
            "portplex httpd: stopped: %llu connections, %llu requests (2xx %llu, 3xx %llu, "
            "4xx %llu, 5xx %llu), %llu body bytes, %llu timeouts%s\n",
            hs.connections, hs.requests, hs.status[2], hs.status[3], hs.status[4], hs.status[5],
            hs.bytes, hs.timeouts, rc < 0 ? "; grace period over with responses unfinished" : "");
    if (rc == 0)
        pp_httpd_free(h);
    if (cfg.log_fd > STDERR_FILENO)
        close(cfg.log_fd);
    return rc == 0 ? PP_EXIT_OK : PP_EXIT_FAIL;
}
