/* top_ports.h - the port ranking behind -F and --top-ports.  When nmap's
 * measured open-port frequencies are installed (/usr/share/nmap/
 * nmap-services; $PORTPLEX_SERVICES names another file), the ranking is
 * read from them at run time, so -F and --top-ports N probe the ports
 * nmap's would.  Without them, our own list compiled from IANA's registry
 * and the services people commonly run (a few hundred ports). */
#ifndef PP_SCAN_TOP_PORTS_H
#define PP_SCAN_TOP_PORTS_H

#include <stddef.h>
#include <stdint.h>

/* The n most common ports of the protocol (udp 0/1), most common first;
 * returns how many the ranking has (at most n) and points *out at them. */
size_t pp_scan_top_ports(int udp, size_t n, const uint16_t **out);
/* Where the ranking comes from: the frequency file's path, or
 * "portplex's own list". */
const char *pp_scan_top_ports_source(void);
/* The port's service name in that file ("unknown" where it has none, as
 * nmap says), or NULL when no file is used (then /etc/services names). */
const char *pp_scan_services_name(int udp, uint16_t port);
/* Tests: rank from this file (NULL: the built-in list only) from now on. */
void pp_scan_top_ports_use(const char *path);

#endif
