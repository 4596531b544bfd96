/* output.h - scan reports in nmap's formats: normal (-oN and the screen),
 * grepable (-oG), XML that validates against nmap's DTD (-oX), and our
 * newline-delimited JSON (-oJ), written port by port as results come. */
#ifndef PP_SCAN_OUTPUT_H
#define PP_SCAN_OUTPUT_H

#include <stdio.h>
#include <time.h>

#include "engine.h"

struct pp_scan_report {
    const struct pp_scan_result *res;
    const char *args;      /* the command line, for headers */
    time_t start, end;
    enum pp_scan_kind tcp_kind; /* for scaninfo */
    int tcp, udp;
    int reason, only_open, notes, verbose;
    const char *notes_text; /* a line printed before the summary, or NULL */
    uint64_t down_hosts;    /* targets host discovery found down (not in res) */
    int ping_only;          /* -sn: hosts and their state, no ports */
    int version;            /* -sV / --banners: the VERSION column and service fields */
};

void pp_scan_write_normal(FILE *f, const struct pp_scan_report *r);
/* -oN: the same report framed as nmap frames its file, between "# ... scan
 * initiated WHEN as: ARGS" and "# ... done at WHEN -- ..." comment lines. */
void pp_scan_write_normal_file(FILE *f, const struct pp_scan_report *r);
void pp_scan_write_grepable(FILE *f, const struct pp_scan_report *r);
void pp_scan_write_xml(FILE *f, const struct pp_scan_report *r);
/* -oJ: the header line, then one line per port (pp_scan_json_port, called
 * as each port is decided), then a line per host and the end. */
void pp_scan_json_begin(FILE *f, const struct pp_scan_report *r);
void pp_scan_json_port(FILE *f, uint32_t addr, int udp, uint16_t port, int state, int reason, int ttl);
void pp_scan_json_end(FILE *f, const struct pp_scan_report *r);

/* The service name from /etc/services, or "unknown". */
const char *pp_scan_service(uint16_t port, int udp);
/* A one-line note on a service with well-known exposures (--notes), or NULL. */
const char *pp_scan_note(uint16_t port, int udp);
/* The scan type's name in nmap's XML ("syn", "connect", "udp", ...). */
const char *pp_scan_kind_xml(enum pp_scan_kind k);

#endif
