/* cmd_lab.c - `portplex lab`: the whole virtual network in one process.
 * Until the stack, TCP, scanner and web server land (issues "The stack" to
 * "lab"), it reports honestly which parts exist and shows the demultiplexing
 * engine at work on a scripted socket table. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "portplex/portplex.h"

void pp_cmd_lab_usage(FILE *f)
{
    fprintf(f, "usage: portplex lab [--quiet]\n\n"
               "Builds a virtual network in this process (no root, no TUN) and runs a\n"
               "scripted tour of multiplexing and demultiplexing.\n\n"
               "This build has the wire layer and the socket table; the virtual\n"
               "hosts arrive with the stack.  Until then the lab prints its status and\n"
               "runs the socket-table tour of 'portplex demux'.\n");
}

int pp_cmd_lab(int argc, char **argv)
{
    static const struct option opts[] = {
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c, quiet = 0;
    char *demux_argv[] = {"demux", NULL};

    opterr = 0;
    while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        switch (c) {
        case 'q': quiet = 1; break;
        case 'h': pp_cmd_lab_usage(stdout); return PP_EXIT_OK;
        default: return pp_cli_usage_error("lab", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc)
        return pp_cli_usage_error("lab", "unexpected argument '%s'", argv[optind]);
    printf("portplex lab %s\n", pp_version());
    printf("  wire layer (IPv4, ICMP, UDP, TCP, pcap)   ready  (try: portplex decode FILE.pcap)\n");
    printf("  socket table (demultiplexing engine)      ready  (try: portplex demux)\n");
    printf("  stack, TCP, scanner, web server, vwire    not built yet: the virtual hosts\n"
           "                                            arrive with them\n");
    if (quiet)
        return PP_EXIT_OK;
    printf("\n");
    return pp_cmd_demux(1, demux_argv);
}
