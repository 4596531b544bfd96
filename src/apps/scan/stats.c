/* stats.c - nmap's --stats-every status lines, for the raw and the connect
 * scans alike. */
#include "stats.h"

#include <time.h>

const char *pp_scan_phase_name(enum pp_scan_kind kind, int udp_only)
{
    if (udp_only)
        return "UDP Scan";
    switch (kind) {
    case PP_SCAN_SYN: return "SYN Stealth Scan";
    case PP_SCAN_CONNECT: return "Connect Scan";
    case PP_SCAN_ACK: return "ACK Scan";
    case PP_SCAN_WINDOW: return "Window Scan";
    case PP_SCAN_FIN: return "FIN Scan";
    case PP_SCAN_NULL: return "NULL Scan";
    case PP_SCAN_XMAS: return "XMAS Scan";
    case PP_SCAN_UDP: return "UDP Scan";
    default: return "Custom Scan";
    }
}

static void hms(char *out, size_t cap, double s)
{
    long t = s > 0 ? (long)(s + 0.5) : 0;
    snprintf(out, cap, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
}

void pp_scan_stats_write(FILE *f, const char *phase, double elapsed, double frac, uint64_t hosts_done,
                         uint64_t hosts_up, uint64_t nhosts)
{
    char el[32], left[32], etc[16];
    double remain = frac > 0 ? elapsed * (1 - frac) / frac : 0;
    time_t end = time(NULL) + (time_t)(remain + 0.5);
    struct tm tm;

    hms(el, sizeof el, elapsed);
    hms(left, sizeof left, remain);
    localtime_r(&end, &tm);
    strftime(etc, sizeof etc, "%H:%M", &tm);
    fprintf(f, "Stats: %s elapsed; %llu hosts completed (%llu up), %llu undergoing %s\n", el,
            (unsigned long long)hosts_done, (unsigned long long)hosts_up,
            (unsigned long long)(nhosts - hosts_done), phase);
    if (frac > 0)
        fprintf(f, "%s Timing: About %.2f%% done; ETC: %s (%s remaining)\n", phase, 100 * frac, etc, left);
    else
        fprintf(f, "%s Timing: About 0.00%% done\n", phase);
    fflush(f);
}
