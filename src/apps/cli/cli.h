/* cli.h - the subcommand table of the `portplex` command. */
#ifndef PP_CLI_H
#define PP_CLI_H

#include <stdio.h>

/* Exit codes shared by every subcommand. */
enum { PP_EXIT_OK = 0, PP_EXIT_FAIL = 1, PP_EXIT_USAGE = 2 };

struct pp_cmd {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the subcommand name */
    void (*usage)(FILE *f);
};

int pp_cmd_lab(int argc, char **argv);
void pp_cmd_lab_usage(FILE *f);
int pp_cmd_decode(int argc, char **argv);
void pp_cmd_decode_usage(FILE *f);
int pp_cmd_demux(int argc, char **argv);
void pp_cmd_stack_usage(FILE *f);
void pp_cmd_scan_usage(FILE *f);
int pp_cmd_scan(int argc, char **argv);
int pp_cmd_stack(int argc, char **argv);
int pp_cmd_httpd(int argc, char **argv);
void pp_cmd_httpd_usage(FILE *f);
/* `portplex stack` with one more, already parsed service (httpd --stack tun:...). */
struct pp_service;
int pp_cli_stack_main(int argc, char **argv, const struct pp_service *extra);
void pp_cmd_demux_usage(FILE *f);

/* Prints "portplex SUB: message" to stderr plus a hint to run --help, and
 * returns PP_EXIT_USAGE, for argument errors. */
int pp_cli_usage_error(const char *sub, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
