/* output.c - writing scan results as nmap does (normal, grepable, XML) and
 * as JSON lines. */
#include "output.h"

#include "banner.h"
#include "discover.h"
#include "top_ports.h"

#include <netdb.h>
#include <netinet/in.h>
#include <string.h>

#include "portplex/portplex.h"
#include "portplex/wire/ipv4.h"

const char *pp_scan_service(uint16_t port, int udp)
{
    const char *name = pp_scan_services_name(udp, port); /* nmap-services, as nmap names them */
    struct servent *se;

    if (name)
        return name;
    se = getservbyport(htons(port), udp ? "udp" : "tcp");
    return se ? se->s_name : "unknown";
}

const char *pp_scan_note(uint16_t port, int udp)
{
    static const struct {
        uint16_t port;
        int udp;
        const char *text;
    } notes[] = {
        {1434, 1, "SQL Server Resolution Service: the SQL Slammer worm (2003) spread with one UDP datagram here"},
        {445, 0, "SMB: EternalBlue, used by WannaCry and NotPetya (2017); keep off the Internet"},
        {135, 0, "MS RPC: the Blaster worm (2003) spread through this port"},
        {23, 0, "telnet: clear-text logins; the Mirai botnet (2016) guessed default passwords here"},
        {3389, 0, "RDP: BlueKeep (CVE-2019-0708), and a common target of password guessing"},
        {11211, 1, "memcached over UDP: the 1.7 Tbit/s amplification attacks of 2018 used it"},
        {123, 1, "NTP: monlist answers were used for amplification attacks (2014)"},
        {1900, 1, "SSDP: used as a reflector for amplification attacks"},
        {53, 1, "DNS: an open resolver can be used as a reflector"},
        {161, 1, "SNMP: default communities ('public') give away device details"},
        {6379, 0, "Redis: no authentication by default; exposed instances are taken over"},
        {27017, 0, "MongoDB: exposed instances without authentication were wiped for ransom (2017)"},
        {9200, 0, "Elasticsearch: exposed clusters have leaked large data sets"},
        {2375, 0, "Docker API without TLS: whoever reaches it controls the host"},
        {5555, 0, "Android Debug Bridge: the ADB.Miner worm (2018) spread here"},
        {21, 0, "FTP: clear-text logins"},
    };
    size_t i;

    for (i = 0; i < sizeof notes / sizeof notes[0]; i++)
        if (notes[i].port == port && notes[i].udp == udp)
            return notes[i].text;
    return NULL;
}

const char *pp_scan_kind_xml(enum pp_scan_kind k)
{
    switch (k) {
    case PP_SCAN_ACK: return "ack";
    case PP_SCAN_WINDOW: return "window";
    case PP_SCAN_FIN: return "fin";
    case PP_SCAN_NULL: return "null";
    case PP_SCAN_XMAS: return "xmas";
    case PP_SCAN_UDP: return "udp";
    case PP_SCAN_CONNECT: return "connect";
    default: return "syn";
    }
}

/* Counts of each state among one protocol's decided ports of h. */
static void count_states(const struct pp_scan_result *res, const struct pp_scan_host *h, int udp,
                         unsigned long n[PP_PS_COUNT], unsigned long reasons[PP_PS_COUNT][PP_R_COUNT])
{
    int lo = udp ? res->ntcp : 0, hi = udp ? res->nports : res->ntcp, i;

    memset(n, 0, sizeof(unsigned long) * PP_PS_COUNT);
    if (reasons)
        memset(reasons, 0, sizeof(unsigned long) * PP_PS_COUNT * PP_R_COUNT);
    for (i = lo; i < hi && h->state; i++) {
        n[h->state[i]]++;
        if (reasons)
            reasons[h->state[i]][h->reason[i]]++;
    }
}

/* nmap hides a state when more than 25 ports have it (never open, and
 * nothing with --reason/-v showing all): "Not shown: ...". */
static int hidden(const struct pp_scan_report *r, const unsigned long n[PP_PS_COUNT], int state)
{
    if (state == PP_PS_OPEN || state == PP_PS_UNKNOWN)
        return 0;
    if (r->only_open)
        return 1;
    return n[state] > 25;
}


static void ttl_text(char *out, size_t cap, int reason, int ttl)
{
    if (reason == PP_R_NO_RESPONSE || reason == PP_R_NONE || ttl == 0)
        snprintf(out, cap, "%s", pp_scan_reason_name(reason));
    else
        snprintf(out, cap, "%s ttl %d", pp_scan_reason_name(reason), ttl);
}

/* nmap's " (0.000040s latency)": two significant digits (its
 * num_to_string_sigdigits), or nothing when no round trip was measured. */
static const char *latency_text(char *buf, size_t cap, double s)
{
    int decimals = 1;
    double x = s;

    if (!(s > 0)) {
        buf[0] = 0;
        return buf;
    }
    while (x < 1 && decimals < 9) { /* 1 - floor(log10(s)), without libm */
        x *= 10;
        decimals++;
    }
    if (s >= 10)
        decimals = 0;
    snprintf(buf, cap, " (%.*fs latency)", decimals, s);
    return buf;
}

/* The host reports of the normal format; how many hosts are up. */
static unsigned long write_normal_hosts(FILE *f, const struct pp_scan_report *r)
{
    const struct pp_scan_result *res = r->res;
    uint64_t h;
    unsigned long up = 0;

    for (h = 0; h < res->nhosts; h++) {
        const struct pp_scan_host *hs = &res->hosts[h];
        char a[16];
        int header = 0, udp;
        unsigned long n[2][PP_PS_COUNT], reasons[2][PP_PS_COUNT][PP_R_COUNT];
        if (r->ping_only) { /* -sn: as nmap, the hosts that are up, nothing else */
            if (hs->up) {
                char lat[48];
                up++;
                fprintf(f, "portplex scan report for %s\nHost is up%s%s%s.\n", pp_ipv4_ntoa(hs->addr, a),
                        r->reason ? ", received " : "", r->reason ? pp_scan_up_reason_name(hs->up_reason) : "",
                        latency_text(lat, sizeof lat, hs->latency));
            }
            continue;
        }
        if (!hs->state)
            continue; /* not probed in this shard */
        if (!hs->up) {
            /* Listed when few hosts were asked for (or with -v), so one
             * silent target is not met with silence. */
            if (r->verbose || res->nhosts <= 16)
                fprintf(f, "portplex scan report for %s\nNo answer from any of the %d scanned ports "
                           "(host down, or every port filtered)\n\n",
                        pp_ipv4_ntoa(hs->addr, a), (r->tcp ? res->ntcp : 0) + (r->udp ? res->nports - res->ntcp : 0));
            continue;
        }
        up++;
        {
            char lat[48];
            /* nmap's --reason names what showed the host up ("user-set" with -Pn). */
            fprintf(f, "portplex scan report for %s\nHost is up%s%s%s%s.\n", pp_ipv4_ntoa(hs->addr, a),
                    r->reason ? ", received " : "",
                    r->reason ? pp_scan_up_reason_name(hs->up_reason) : "",
                    latency_text(lat, sizeof lat, hs->latency),
                    hs->timed_out ? " (host timeout hit: results are partial)" : "");
        }
        if (hs->icmp_limited)
            fprintf(f, "Note: %s rate-limits ICMP port unreachable; silent UDP ports were probed "
                       "again, one per %.2f s\n",
                    a, hs->icmp_interval);
        {
            /* nmap's line for a host with nothing left to list. */
            unsigned long shown = 0, all = 0, cnt[PP_PS_COUNT];
            int st;
            for (udp = 0; udp < 2; udp++) {
                if (!(udp ? r->udp : r->tcp))
                    continue;
                count_states(res, hs, udp, cnt, NULL);
                for (st = PP_PS_OPEN; st < PP_PS_COUNT; st++) {
                    all += cnt[st];
                    shown += hidden(r, cnt, st) ? 0 : cnt[st];
                }
            }
            if (all && !shown)
                fprintf(f, "All %lu scanned ports on %s are in ignored states.\n", all, a);
        }
        for (udp = 0; udp < 2; udp++) {
            int s, first = 1;
            if (!(udp ? r->udp : r->tcp))
                continue;
            count_states(res, hs, udp, n[udp], reasons[udp]);
            for (s = PP_PS_CLOSED; s < PP_PS_COUNT; s++) {
                unsigned long left[PP_R_COUNT];
                int k;
                if (!n[udp][s] || !hidden(r, n[udp], s))
                    continue;
                /* As nmap: one group per reason, the largest first; equal
                 * ones in the reverse order of their first port (nmap
                 * puts each new reason at the front of its list, then
                 * sorts by count, stably); "ports" whatever the count. */
                memcpy(left, reasons[udp][s], sizeof left);
                {
                    int lo = udp ? res->ntcp : 0, hi = udp ? res->nports : res->ntcp, i;
                    long seen[PP_R_COUNT];
                    for (k = 0; k < PP_R_COUNT; k++)
                        seen[k] = -1;
                    for (i = lo; i < hi; i++)
                        if (hs->state[i] == s && hs->reason[i] < PP_R_COUNT && seen[hs->reason[i]] < 0)
                            seen[hs->reason[i]] = i;
                    for (;;) {
                        int best = -1;
                        for (k = 0; k < PP_R_COUNT; k++)
                            if (left[k] && (best < 0 || left[k] > left[best] ||
                                            (left[k] == left[best] && seen[k] > seen[best])))
                                best = k;
                        if (best < 0)
                            break;
                        fprintf(f, "%s%lu %s %s ports (%s)", first ? "Not shown: " : ", ", left[best],
                                pp_scan_state_name(s), udp ? "udp" : "tcp", pp_scan_reason_name(best));
                        left[best] = 0;
                        first = 0;
                    }
                }
            }
            if (!first)
                fprintf(f, "\n");
        }
        /* As nmap's table: each column as wide as its widest cell, one
         * space between, no padding after the last (two passes). */
        {
            int w[4] = {4, 5, 7, 6}, pass; /* "PORT", "STATE", "SERVICE", "REASON" */
            for (pass = 0; pass < 2; pass++)
                for (udp = 0; udp < 2; udp++) {
                    int lo = udp ? res->ntcp : 0, hi = udp ? res->nports : res->ntcp, i;
                    if (!(udp ? r->udp : r->tcp))
                        continue;
                    for (i = lo; i < hi; i++) {
                        char col[16], why[48], ver[320];
                        int s = hs->state[i], c;
                        uint16_t port = res->port_of[i];
                        const struct pp_scan_svc *sv = udp ? NULL : pp_scan_svc_of(hs, i);
                        const char *cell[4];
                        if (s == PP_PS_UNKNOWN || hidden(r, n[udp], s))
                            continue;
                        snprintf(col, sizeof col, "%u/%s", port, udp ? "udp" : "tcp");
                        ttl_text(why, sizeof why, hs->reason[i], hs->ttl[i]);
                        ver[0] = 0;
                        if (sv)
                            pp_scan_svc_version_text(sv, ver, sizeof ver);
                        cell[0] = col;
                        cell[1] = pp_scan_state_name(s);
                        cell[2] = sv && sv->name[0] ? sv->name : pp_scan_service(port, udp);
                        cell[3] = why;
                        if (pass == 0) {
                            for (c = 0; c < 4; c++)
                                if ((int)strlen(cell[c]) > w[c])
                                    w[c] = (int)strlen(cell[c]);
                            continue;
                        }
                        if (!header) {
                            /* nmap's columns: PORT STATE SERVICE [REASON] [VERSION] */
                            fprintf(f, "%-*s %-*s ", w[0], "PORT", w[1], "STATE");
                            if (r->reason && r->version)
                                fprintf(f, "%-*s %-*s VERSION\n", w[2], "SERVICE", w[3], "REASON");
                            else if (r->reason)
                                fprintf(f, "%-*s REASON\n", w[2], "SERVICE");
                            else if (r->version)
                                fprintf(f, "%-*s VERSION\n", w[2], "SERVICE");
                            else
                                fprintf(f, "SERVICE\n");
                            header = 1;
                        }
                        {
                            char line[600];
                            size_t ll;
                            if (r->reason && r->version)
                                snprintf(line, sizeof line, "%-*s %-*s %-*s %-*s %s", w[0], cell[0], w[1],
                                         cell[1], w[2], cell[2], w[3], cell[3], ver);
                            else if (r->reason)
                                snprintf(line, sizeof line, "%-*s %-*s %-*s %s", w[0], cell[0], w[1],
                                         cell[1], w[2], cell[2], cell[3]);
                            else if (r->version)
                                snprintf(line, sizeof line, "%-*s %-*s %-*s %s", w[0], cell[0], w[1],
                                         cell[1], w[2], cell[2], ver);
                            else
                                snprintf(line, sizeof line, "%-*s %-*s %s", w[0], cell[0], w[1], cell[1],
                                         cell[2]);
                            /* no padding after the last column, as nmap */
                            for (ll = strlen(line); ll > 0 && line[ll - 1] == ' '; ll--)
                                line[ll - 1] = 0;
                            fprintf(f, "%s\n", line);
                        }
                        if (r->notes && s == PP_PS_OPEN && pp_scan_note(port, udp))
                            fprintf(f, "|_ note: %s\n", pp_scan_note(port, udp));
                    }
                }
        }
        fprintf(f, "\n");
    }
    return up;
}

void pp_scan_write_normal(FILE *f, const struct pp_scan_report *r)
{
    const struct pp_scan_result *res = r->res;
    unsigned long up = write_normal_hosts(f, r);

    fprintf(f, "portplex done: %llu IP address%s (%lu host%s up) scanned in %.2f seconds\n",
            (unsigned long long)(res->nhosts + r->down_hosts),
            res->nhosts + r->down_hosts == 1 ? "" : "es", up, up == 1 ? "" : "s", res->seconds);
}

void pp_scan_write_normal_file(FILE *f, const struct pp_scan_report *r)
{
    char when[64], done[64];
    struct tm tm;
    unsigned long up;

    gmtime_r(&r->start, &tm);
    strftime(when, sizeof when, "%a %b %e %H:%M:%S %Y", &tm);
    gmtime_r(&r->end, &tm);
    strftime(done, sizeof done, "%a %b %e %H:%M:%S %Y", &tm);
    fprintf(f, "# portplex %s scan initiated %s as: %s\n", pp_version(), when, r->args);
    up = write_normal_hosts(f, r);
    fprintf(f, "# portplex done at %s -- %llu IP address%s (%lu host%s up) scanned in %.2f seconds\n",
            done, (unsigned long long)(r->res->nhosts + r->down_hosts),
            r->res->nhosts + r->down_hosts == 1 ? "" : "es", up, up == 1 ? "" : "s", r->res->seconds);
}

void pp_scan_write_grepable(FILE *f, const struct pp_scan_report *r)
{
    const struct pp_scan_result *res = r->res;
    unsigned long up = 0;
    uint64_t h;
    char when[64];
    struct tm tm;

    gmtime_r(&r->start, &tm);
    strftime(when, sizeof when, "%a %b %e %H:%M:%S %Y", &tm);
    fprintf(f, "# portplex %s scan initiated %s as: %s\n", pp_version(), when, r->args);
    for (h = 0; h < res->nhosts; h++) {
        const struct pp_scan_host *hs = &res->hosts[h];
        char a[16];
        int udp, sep = 0;
        unsigned long n[PP_PS_COUNT];
        if (r->ping_only) {
            if (hs->up) {
                up++;
                fprintf(f, "Host: %s ()\tStatus: Up\n", pp_ipv4_ntoa(hs->addr, a));
            }
            continue;
        }
        if (!hs->state)
            continue;
        pp_ipv4_ntoa(hs->addr, a);
        fprintf(f, "Host: %s ()\tStatus: %s\n", a, hs->up ? "Up" : "Down");
        up += hs->up != 0;
        if (!hs->up)
            continue;
        fprintf(f, "Host: %s ()\tPorts: ", a);
        for (udp = 0; udp < 2; udp++) {
            int lo = udp ? res->ntcp : 0, hi = udp ? res->nports : res->ntcp, i;
            if (!(udp ? r->udp : r->tcp))
                continue;
            count_states(res, hs, udp, n, NULL);
            for (i = lo; i < hi; i++) {
                int s = hs->state[i];
                if (s == PP_PS_UNKNOWN || hidden(r, n, s))
                    continue;
                {
                    const struct pp_scan_svc *sv = udp ? NULL : pp_scan_svc_of(hs, i);
                    char ver[320] = "";
                    size_t k;
                    if (sv)
                        pp_scan_svc_version_text(sv, ver, sizeof ver);
                    for (k = 0; ver[k]; k++) /* the field separator may not appear inside */
                        if (ver[k] == '/')
                            ver[k] = '|';
                    fprintf(f, "%s%u/%s/%s//%s//%s/", sep ? ", " : "", res->port_of[i], pp_scan_state_name(s),
                            udp ? "udp" : "tcp", sv && sv->name[0] ? sv->name : pp_scan_service(res->port_of[i], udp),
                            ver);
                }
                sep = 1;
            }
        }
        {
            /* nmap names one ignored state per host line. */
            unsigned long all[PP_PS_COUNT] = {0}, nn[PP_PS_COUNT];
            int s, best = 0;
            for (udp = 0; udp < 2; udp++) {
                if (!(udp ? r->udp : r->tcp))
                    continue;
                count_states(res, hs, udp, nn, NULL);
                for (s = 0; s < PP_PS_COUNT; s++)
                    if (hidden(r, nn, s))
                        all[s] += nn[s];
            }
            for (s = 1; s < PP_PS_COUNT; s++)
                if (all[s] > all[best])
                    best = s;
            if (all[best])
                fprintf(f, "\tIgnored State: %s (%lu)", pp_scan_state_name(best), all[best]);
        }
        fprintf(f, "\n");
    }
    gmtime_r(&r->end, &tm);
    strftime(when, sizeof when, "%a %b %e %H:%M:%S %Y", &tm);
    /* As nmap's: the addresses asked for, and how many were up. */
    fprintf(f, "# portplex done at %s -- %llu IP address%s (%lu host%s up) scanned in %.2f seconds\n",
            when, (unsigned long long)(res->nhosts + r->down_hosts),
            res->nhosts + r->down_hosts == 1 ? "" : "es", up, up == 1 ? "" : "s", res->seconds);
}

static void xml_attr(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        default:
            if ((unsigned char)*s < 0x20)
                fputc(' ', f);
            else
                fputc(*s, f);
        }
    }
}

/* The ports of one protocol as nmap's "services" attribute: 1-3,5. */
static void xml_services(FILE *f, const struct pp_scan_result *res, int udp)
{
    int lo = udp ? res->ntcp : 0, hi = udp ? res->nports : res->ntcp, i = lo, first = 1;

    while (i < hi) {
        int j = i;
        while (j + 1 < hi && res->port_of[j + 1] == res->port_of[j] + 1)
            j++;
        if (j == i)
            fprintf(f, "%s%u", first ? "" : ",", res->port_of[i]);
        else
            fprintf(f, "%s%u-%u", first ? "" : ",", res->port_of[i], res->port_of[j]);
        first = 0;
        i = j + 1;
    }
}

void pp_scan_write_xml(FILE *f, const struct pp_scan_report *r)
{
    const struct pp_scan_result *res = r->res;
    uint64_t h;
    unsigned long up = 0, down = 0;
    char when[64];
    struct tm tm;
    int udp;

    gmtime_r(&r->start, &tm);
    strftime(when, sizeof when, "%a %b %e %H:%M:%S %Y", &tm);
    /* scanner="nmap" is the only value nmap's DTD allows; profile_name
     * says who really wrote the file. */
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE nmaprun>\n"
               "<nmaprun scanner=\"nmap\" profile_name=\"portplex\" args=\"");
    xml_attr(f, r->args);
    fprintf(f, "\" start=\"%lld\" startstr=\"%s\" version=\"%s\" xmloutputversion=\"1.05\">\n",
            (long long)r->start, when, pp_version());
    for (udp = 0; udp < 2 && !r->ping_only; udp++) {
        int cnt = udp ? res->nports - res->ntcp : res->ntcp;
        if (!(udp ? r->udp : r->tcp))
            continue;
        fprintf(f, "<scaninfo type=\"%s\" protocol=\"%s\" numservices=\"%d\" services=\"",
                udp ? "udp" : pp_scan_kind_xml(r->tcp_kind), udp ? "udp" : "tcp", cnt);
        xml_services(f, res, udp);
        fprintf(f, "\"/>\n");
    }
    fprintf(f, "<verbose level=\"%d\"/>\n<debugging level=\"0\"/>\n", r->verbose);
    for (h = 0; h < res->nhosts; h++) {
        const struct pp_scan_host *hs = &res->hosts[h];
        char a[16];
        unsigned long n[2][PP_PS_COUNT], reasons[2][PP_PS_COUNT][PP_R_COUNT];
        if (r->ping_only) { /* -sn: a host element without ports */
            if (!hs->up) {
                down++;
                continue;
            }
            up++;
            fprintf(f, "<host><status state=\"up\" reason=\"%s\" reason_ttl=\"0\"/>\n<address addr=\"%s\" "
                       "addrtype=\"ipv4\"/>\n<hostnames>\n</hostnames>\n</host>\n",
                    pp_scan_up_reason_name(hs->up_reason), pp_ipv4_ntoa(hs->addr, a));
            continue;
        }
        if (!hs->state)
            continue;
        if (!hs->up) {
            down++;
            continue;
        }
        up++;
        fprintf(f, "<host starttime=\"%lld\" endtime=\"%lld\"%s><status state=\"up\" reason=\"%s\" "
                   "reason_ttl=\"0\"/>\n<address addr=\"%s\" addrtype=\"ipv4\"/>\n<hostnames>\n"
                   "</hostnames>\n<ports>",
                (long long)r->start, (long long)r->end, hs->timed_out ? " timedout=\"true\"" : "",
                pp_scan_up_reason_name(hs->up_reason), pp_ipv4_ntoa(hs->addr, a));
        for (udp = 0; udp < 2; udp++) {
            int s;
            if (!(udp ? r->udp : r->tcp))
                continue;
            count_states(res, hs, udp, n[udp], reasons[udp]);
            for (s = 1; s < PP_PS_COUNT; s++) {
                int k;
                if (!n[udp][s] || !hidden(r, n[udp], s))
                    continue;
                fprintf(f, "<extraports state=\"%s\" count=\"%lu\">\n", pp_scan_state_name(s), n[udp][s]);
                for (k = 1; k < PP_R_COUNT; k++)
                    if (reasons[udp][s][k])
                        fprintf(f, "<extrareasons reason=\"%s\" count=\"%lu\" proto=\"%s\"/>\n",
                                pp_scan_reason_name(k), reasons[udp][s][k], udp ? "udp" : "tcp");
                fprintf(f, "</extraports>\n");
            }
        }
        for (udp = 0; udp < 2; udp++) {
            int lo = udp ? res->ntcp : 0, hi = udp ? res->nports : res->ntcp, i;
            if (!(udp ? r->udp : r->tcp))
                continue;
            for (i = lo; i < hi; i++) {
                int s = hs->state[i];
                if (s == PP_PS_UNKNOWN || hidden(r, n[udp], s))
                    continue;
                const struct pp_scan_svc *sv = udp ? NULL : pp_scan_svc_of(hs, i);
                fprintf(f, "<port protocol=\"%s\" portid=\"%u\"><state state=\"%s\" reason=\"%s\" "
                           "reason_ttl=\"%d\"/>",
                        udp ? "udp" : "tcp", res->port_of[i], pp_scan_state_name(s),
                        pp_scan_reason_name(hs->reason[i]), hs->ttl[i]);
                if (sv && sv->name[0]) {
                    /* nmap's <service> of a probed port: the fields it read */
                    fprintf(f, "<service name=\"");
                    xml_attr(f, sv->name);
                    if (sv->product[0]) {
                        fprintf(f, "\" product=\"");
                        xml_attr(f, sv->product);
                    }
                    if (sv->version[0]) {
                        fprintf(f, "\" version=\"");
                        xml_attr(f, sv->version);
                    }
                    if (sv->extra[0]) {
                        fprintf(f, "\" extrainfo=\"");
                        xml_attr(f, sv->extra);
                    }
                    fprintf(f, "\" method=\"probed\" conf=\"%d\"/></port>\n", sv->product[0] ? 10 : 8);
                } else {
                    fprintf(f, "<service name=\"%s\" method=\"table\" conf=\"3\"/></port>\n",
                            pp_scan_service(res->port_of[i], udp));
                }
            }
        }
        fprintf(f, "</ports>\n</host>\n");
    }
    gmtime_r(&r->end, &tm);
    strftime(when, sizeof when, "%a %b %e %H:%M:%S %Y", &tm);
    fprintf(f, "<runstats><finished time=\"%lld\" timestr=\"%s\" elapsed=\"%.2f\" summary=\"portplex "
               "done at %s; %llu IP address%s (%lu host%s up) scanned in %.2f seconds\" exit=\"success\"/>"
               "<hosts up=\"%lu\" down=\"%lu\" total=\"%llu\"/>\n</runstats>\n</nmaprun>\n",
            (long long)r->end, when, res->seconds, when, (unsigned long long)(res->nhosts + r->down_hosts),
            res->nhosts + r->down_hosts == 1 ? "" : "es", up, up == 1 ? "" : "s", res->seconds, up,
            down + (unsigned long)r->down_hosts, (unsigned long long)(res->nhosts + r->down_hosts));
}

void pp_scan_json_begin(FILE *f, const struct pp_scan_report *r)
{
    fprintf(f, "{\"type\":\"scan\",\"scanner\":\"portplex\",\"version\":\"%s\",\"start\":%lld,"
               "\"tcp\":%s,\"udp\":%s,\"scan_type\":\"%s\"}\n",
            pp_version(), (long long)r->start, r->tcp ? "true" : "false", r->udp ? "true" : "false",
            pp_scan_kind_xml(r->tcp_kind));
    fflush(f);
}

void pp_scan_json_port(FILE *f, uint32_t addr, int udp, uint16_t port, int state, int reason, int ttl)
{
    char a[16];
    fprintf(f, "{\"type\":\"port\",\"ip\":\"%s\",\"proto\":\"%s\",\"port\":%u,\"state\":\"%s\","
               "\"reason\":\"%s\",\"ttl\":%d}\n",
            pp_ipv4_ntoa(addr, a), udp ? "udp" : "tcp", port, pp_scan_state_name(state),
            pp_scan_reason_name(reason), ttl);
    fflush(f); /* incremental: a reader sees each result as it comes */
}

/* s as a JSON string (the fields are printable ASCII; escape the rest). */
static void json_text(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20 || ch > 0x7e)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

void pp_scan_json_end(FILE *f, const struct pp_scan_report *r)
{
    const struct pp_scan_result *res = r->res;
    uint64_t h;

    for (h = 0; h < res->nhosts; h++) {
        char a[16];
        if (!res->hosts[h].state && !r->ping_only)
            continue;
        fprintf(f, "{\"type\":\"host\",\"ip\":\"%s\",\"up\":%s,\"icmp_rate_limited\":%s}\n",
                pp_ipv4_ntoa(res->hosts[h].addr, a), res->hosts[h].up ? "true" : "false",
                res->hosts[h].icmp_limited ? "true" : "false");
    }
    for (h = 0; h < res->nhosts; h++) {
        const struct pp_scan_host *hs = &res->hosts[h];
        int k;
        for (k = 0; k < hs->nsvc; k++) {
            const struct pp_scan_svc *sv = &hs->svc[k];
            char a[16];
            fprintf(f, "{\"type\":\"service\",\"ip\":\"%s\",\"proto\":\"tcp\",\"port\":%u,\"name\":",
                    pp_ipv4_ntoa(hs->addr, a), res->port_of[sv->rank]);
            json_text(f, sv->name);
            fprintf(f, ",\"product\":");
            json_text(f, sv->product);
            fprintf(f, ",\"version\":");
            json_text(f, sv->version);
            fprintf(f, ",\"extrainfo\":");
            json_text(f, sv->extra);
            fprintf(f, ",\"banner\":");
            json_text(f, sv->banner);
            fprintf(f, "}\n");
        }
    }
    fprintf(f, "{\"type\":\"end\",\"seconds\":%.3f,\"probes\":%llu,\"answers\":%llu}\n", res->seconds,
            (unsigned long long)res->sent, (unsigned long long)res->answers);
    fflush(f);
}
