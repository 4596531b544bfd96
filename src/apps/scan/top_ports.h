/* top_ports.h - our own ranking of the most commonly open ports (for -F
 * and --top-ports), compiled here from IANA's registry and the services
 * people commonly run; not nmap's frequency data. */
#ifndef PP_SCAN_TOP_PORTS_H
#define PP_SCAN_TOP_PORTS_H

#include <stddef.h>
#include <stdint.h>

/* The n most common ports of the protocol (udp 0/1), most common first;
 * returns how many the table has (at most n) and points *out at them. */
size_t pp_scan_top_ports(int udp, size_t n, const uint16_t **out);

#endif
