/* stats.h - nmap's periodic status lines (--stats-every): elapsed time,
 * hosts done, how far the scan is and when it should end. */
#ifndef PP_SCAN_STATS_H
#define PP_SCAN_STATS_H

#include <stdint.h>
#include <stdio.h>

#include "probe.h"

/* nmap's name of a scan phase: "SYN Stealth Scan", "Connect Scan", "UDP Scan"... */
const char *pp_scan_phase_name(enum pp_scan_kind kind, int udp_only);
/* Writes, as nmap does every --stats-every:
 *   Stats: 0:00:05 elapsed; 0 hosts completed (1 up), 1 undergoing SYN Stealth Scan
 *   SYN Stealth Scan Timing: About 45.00% done; ETC: 21:00 (0:00:06 remaining)
 * frac is the part done (0..1); hosts_done of nhosts are finished. */
void pp_scan_stats_write(FILE *f, const char *phase, double elapsed, double frac, uint64_t hosts_done,
                         uint64_t hosts_up, uint64_t nhosts);

#endif
