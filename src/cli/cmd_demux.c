/* cmd_demux.c - placeholder, replaced with the socket-table tour. */
#include "cli.h"
void pp_cmd_demux_usage(FILE *f) { fprintf(f, "usage: portplex demux\n"); }
int pp_cmd_demux(int argc, char **argv) { (void)argc; (void)argv; return PP_EXIT_OK; }
