/* top_ports.c - the port ranking behind -F and --top-ports: nmap's measured
 * frequencies when installed, read at run time (top_ports.h), else ours. */
#include "top_ports.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint16_t tcp_top[] = {
    80,   23,   443,  22,   21,   25,   3389, 110,  445,  139,  143,  53,    135,  3306, 8080, 1723,
    111,  995,  993,  5900, 1025, 587,  8888, 199,  1720, 465,  548,   113,  81,   6001, 10000,
    514,  5060, 179,  1026, 2000, 8443, 8000, 32768, 554, 26,   1433,  49152, 2001, 515, 8008,
    49154, 1027, 5666, 646, 5000, 5631, 631,  49153, 8081, 2049, 88,   79,   5800, 106,  2121,
    1110, 49155, 6000, 513, 990,  5357, 427,  49156, 543, 544,  5101,  144,  7,    389,  8009,
    3128, 444,  9999, 5009, 7070, 5190, 3000, 5432, 1900, 3986, 13,    1029, 9,    5051, 6646,
    49157, 1028, 873, 1755, 2717, 4899, 9100, 119,  37,   1000, 3001,  5001, 82,   10010, 1030,
    9090, 2107, 1024, 2103, 6004, 1801, 5050, 19,   8031, 1041, 255,   2967, 1049, 1048, 1053,
    3703, 1056, 1065, 1064, 1054, 17,   808,  3689, 1031, 1044, 1071,  5901, 100,  9102, 8010,
    2869, 1039, 5120, 4001, 9000, 2105, 636,  1038, 2601, 1,    7000,  1066, 1069, 625,  311,
    280,  254,  4000, 1761, 5003, 2002, 2005, 1998, 1032, 1050, 6112,  3690, 1521, 2161, 6002,
    1080, 2401, 4045, 902,  7937, 787,  1058, 2383, 32771, 1033, 1040, 1059, 50000, 5555, 10001,
    1494, 593,  2301, 3,    3268, 7938, 1234, 1022, 1074, 8002,  1036, 1035, 9001, 1037,
    464,  497,  1935, 6666, 6379, 27017, 9200, 11211, 2375, 5672, 1883, 8883, 9092, 2181, 5984,
};

static const uint16_t udp_top[] = {
    631,  161,  137,  123,  138,  1434, 445,  135,  67,   53,   139,  500,  68,   520,  1900,
    4500, 514,  49152, 162, 69,   5353, 111,  49154, 1701, 998, 996,   997,  999,  3283, 49153,
    1812, 136,  2222, 2049, 32768, 5060, 1025, 1433, 3456, 80, 20031, 1026, 7,    1646, 1645,
    593,  518,  2048, 31337, 515, 177,  1027, 1719, 19,   27015, 9,    11211, 3478, 5683, 1194,
};

/* The ranking read from a frequency file: ports by falling frequency. */
static struct {
    int loaded;          /* 0: not yet looked; 1: done (file or not) */
    char path[256];      /* the file used, "" if none */
    uint16_t *ports[2];
    size_t n[2];
    /* Service names of the same file: name_at[udp][port] is an offset
     * into names (0: none), so a report names ports as nmap's does. */
    uint32_t *name_at[2];
    char *names;
    size_t names_len, names_cap;
} ranked;

/* Keeps name for (udp, port) unless it has one; best effort. */
static void name_put(int udp, unsigned port, const char *name)
{
    size_t l = strlen(name) + 1;

    if (!ranked.name_at[udp]) {
        ranked.name_at[udp] = calloc(65536, sizeof(uint32_t));
        if (!ranked.name_at[udp])
            return;
    }
    if (ranked.name_at[udp][port] || ranked.names_len + l > UINT32_MAX)
        return;
    if (ranked.names_len + l > ranked.names_cap) {
        size_t cap = ranked.names_cap ? ranked.names_cap * 2 : 65536;
        char *g = realloc(ranked.names, cap);
        if (!g)
            return;
        ranked.names = g;
        ranked.names_cap = cap;
        if (!ranked.names_len)
            ranked.names[ranked.names_len++] = 0; /* offset 0 means none */
    }
    memcpy(ranked.names + ranked.names_len, name, l);
    ranked.name_at[udp][port] = (uint32_t)ranked.names_len;
    ranked.names_len += l;
}

struct freq {
    double f;
    uint16_t port;
};

static int by_freq(const void *a, const void *b)
{
    const struct freq *x = a, *y = b;
    if (x->f != y->f)
        return x->f < y->f ? 1 : -1;
    return (int)x->port - (int)y->port; /* ties: the lower port first */
}

static void reset(void)
{
    free(ranked.ports[0]);
    free(ranked.ports[1]);
    free(ranked.name_at[0]);
    free(ranked.name_at[1]);
    free(ranked.names);
    memset(&ranked, 0, sizeof ranked);
}

/* Reads "name port/proto frequency ..." lines (nmap-services' format);
 * keeps ports seen open at least once.  0, or -1 when unusable. */
static int load(const char *path)
{
    FILE *f = fopen(path, "r");
    struct freq *v[2] = {NULL, NULL};
    size_t n[2] = {0, 0}, cap[2] = {0, 0};
    char line[512];
    int udp;

    if (!f)
        return -1;
    while (fgets(line, sizeof line, f)) {
        char name[128], proto[8];
        unsigned port;
        double fr;
        struct freq *g;
        if (line[0] == '#' || sscanf(line, "%127s %u/%7s %lf", name, &port, proto, &fr) != 4)
            continue;
        udp = !strcmp(proto, "udp");
        if ((!udp && strcmp(proto, "tcp")) || port == 0 || port > 65535)
            continue;
        name_put(udp, port, name);
        if (!(fr > 0) || fr > 1)
            continue;
        if (n[udp] == cap[udp]) {
            cap[udp] = cap[udp] ? cap[udp] * 2 : 4096;
            g = realloc(v[udp], cap[udp] * sizeof *g);
            if (!g)
                break;
            v[udp] = g;
        }
        v[udp][n[udp]++] = (struct freq){fr, (uint16_t)port};
    }
    fclose(f);
    for (udp = 0; udp < 2; udp++) {
        size_t i, k = 0;
        if (n[udp] < 100) /* not a ranking worth the name: keep ours */
            goto bad;
        qsort(v[udp], n[udp], sizeof *v[udp], by_freq);
        ranked.ports[udp] = malloc(n[udp] * sizeof(uint16_t));
        if (!ranked.ports[udp])
            goto bad;
        {
            static uint8_t seen[65536];
            memset(seen, 0, sizeof seen);
            for (i = 0; i < n[udp]; i++) /* a port listed twice counts once */
                if (!seen[v[udp][i].port]) {
                    seen[v[udp][i].port] = 1;
                    ranked.ports[udp][k++] = v[udp][i].port;
                }
        }
        ranked.n[udp] = k;
    }
    free(v[0]);
    free(v[1]);
    snprintf(ranked.path, sizeof ranked.path, "%s", path);
    return 0;
bad:
    free(v[0]);
    free(v[1]);
    reset();
    ranked.loaded = 1;
    return -1;
}


void pp_scan_top_ports_use(const char *path)
{
    reset();
    ranked.loaded = 1;
    if (path)
        load(path);
}

static void ensure_loaded(void)
{
    const char *env;

    if (ranked.loaded)
        return;
    ranked.loaded = 1;
    env = getenv("PORTPLEX_SERVICES");
    load(env && *env ? env : "/usr/share/nmap/nmap-services");
}

const char *pp_scan_services_name(int udp, uint16_t port)
{
    udp = udp != 0;
    ensure_loaded();
    if (!ranked.path[0])
        return NULL;
    if (!ranked.name_at[udp] || !ranked.name_at[udp][port])
        return "unknown";
    return ranked.names + ranked.name_at[udp][port];
}

const char *pp_scan_top_ports_source(void)
{
    ensure_loaded();
    return ranked.path[0] ? ranked.path : "portplex's own list";
}

size_t pp_scan_top_ports(int udp, size_t n, const uint16_t **out)
{
    size_t have;

    udp = udp != 0;
    ensure_loaded();
    if (ranked.path[0]) {
        *out = ranked.ports[udp];
        return n < ranked.n[udp] ? n : ranked.n[udp];
    }
    have = udp ? sizeof udp_top / sizeof udp_top[0] : sizeof tcp_top / sizeof tcp_top[0];
    *out = udp ? udp_top : tcp_top;
    return n < have ? n : have;
}
