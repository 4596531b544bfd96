/* main.c - the `portplex` command: global options and subcommand dispatch. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "portplex/portplex.h"

static const struct pp_cmd commands[] = {
    {"lab", "run a whole virtual network in this process (no root)", pp_cmd_lab, pp_cmd_lab_usage},
    {"stack", "a user-space host on a TUN device (root)", pp_cmd_stack, pp_cmd_stack_usage},
    {"scan", "port scanner with nmap's flags (SYN, connect, UDP, ACK, FIN...)", pp_cmd_scan, pp_cmd_scan_usage},
    {"httpd", "a static web server, one thread per connection", pp_cmd_httpd, pp_cmd_httpd_usage},
    {"decode", "print the IPv4/ICMP/UDP/TCP packets of a pcap file", pp_cmd_decode,
     pp_cmd_decode_usage},
    {"demux", "show how the socket table demultiplexes a scripted set of sockets", pp_cmd_demux,
     pp_cmd_demux_usage},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
    size_t i;

    fprintf(f, "usage: portplex [--version] [--help] COMMAND [ARGS...]\n\n"
               "portplex is a user-space transport layer: multiplexing and demultiplexing\n"
               "of UDP and TCP, and the tools that use it.\n\ncommands:\n");
    for (i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "  %-8s %s\n", "help", "show this help, or a command's (help COMMAND)");
    fprintf(f, "\nRun 'portplex COMMAND --help' for a command's options.\n");
}

int pp_cli_usage_error(const char *sub, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "portplex %s: ", sub);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'portplex %s --help'.\n", sub);
    return PP_EXIT_USAGE;
}

static const struct pp_cmd *find(const char *name)
{
    size_t i;

    for (i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

int main(int argc, char **argv)
{
    const struct pp_cmd *c;

    if (argc < 2) {
        usage(stderr);
        return PP_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
        printf("portplex %s\n", pp_version());
        return PP_EXIT_OK;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return PP_EXIT_OK;
    }
    if (strcmp(argv[1], "help") == 0) {
        if (argc < 3) {
            usage(stdout);
            return PP_EXIT_OK;
        }
        c = find(argv[2]);
        if (!c) {
            fprintf(stderr, "portplex: no command '%s'; see 'portplex help'\n", argv[2]);
            return PP_EXIT_USAGE;
        }
        c->usage(stdout);
        return PP_EXIT_OK;
    }
    if (argv[1][0] == '-') {
        fprintf(stderr, "portplex: unknown option '%s'; see 'portplex --help'\n", argv[1]);
        return PP_EXIT_USAGE;
    }
    c = find(argv[1]);
    if (!c) {
        fprintf(stderr, "portplex: '%s' is not a portplex command; see 'portplex help'\n", argv[1]);
        return PP_EXIT_USAGE;
    }
    return c->run(argc - 1, argv + 1);
}
