/* pcap_file.c - pcap capture files through libpcap. */
#include "portplex/wire/pcap_file.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portplex/wire/bytes.h"

#define SNAPLEN 65535

struct pp_pcap_writer {
    pcap_t *dead;
    pcap_dumper_t *dumper;
};

struct pp_pcap_reader {
    pcap_t *p;
    int linktype;
};

struct pp_pcap_writer *pp_pcap_writer_open(const char *path, char *err)
{
    struct pp_pcap_writer *w = calloc(1, sizeof *w);

    if (!w) {
        snprintf(err, 256, "out of memory");
        return NULL;
    }
    /* DLT_RAW is written to the file as LINKTYPE_RAW (101). */
    w->dead = pcap_open_dead(DLT_RAW, SNAPLEN);
    if (!w->dead) {
        snprintf(err, 256, "pcap_open_dead failed");
        goto err;
    }
    w->dumper = pcap_dump_open(w->dead, path);
    if (!w->dumper) {
        snprintf(err, 256, "%s: %s", path, pcap_geterr(w->dead));
        goto err;
    }
    return w;
err:
    if (w->dead)
        pcap_close(w->dead);
    free(w);
    return NULL;
}

void pp_pcap_write(struct pp_pcap_writer *w, const uint8_t *pkt, size_t len, uint64_t ts_usec)
{
    struct pcap_pkthdr h;

    memset(&h, 0, sizeof h);
    h.ts.tv_sec = (time_t)(ts_usec / 1000000u);
    h.ts.tv_usec = (suseconds_t)(ts_usec % 1000000u);
    h.caplen = (bpf_u_int32)(len > SNAPLEN ? SNAPLEN : len);
    h.len = (bpf_u_int32)len;
    pcap_dump((u_char *)w->dumper, &h, pkt);
}

void pp_pcap_writer_close(struct pp_pcap_writer *w)
{
    if (!w)
        return;
    pcap_dump_close(w->dumper);
    pcap_close(w->dead);
    free(w);
}

struct pp_pcap_reader *pp_pcap_reader_open(const char *path, char *err)
{
    char ebuf[PCAP_ERRBUF_SIZE];
    struct pp_pcap_reader *r;
    pcap_t *p = pcap_open_offline(path, ebuf);

    if (!p) {
        snprintf(err, 256, "%s", ebuf);
        return NULL;
    }
    r = calloc(1, sizeof *r);
    if (!r) {
        pcap_close(p);
        snprintf(err, 256, "out of memory");
        return NULL;
    }
    r->p = p;
    r->linktype = pcap_datalink(p);
    switch (r->linktype) {
    case DLT_RAW: case DLT_IPV4: case DLT_EN10MB: case DLT_LINUX_SLL: case DLT_NULL: case DLT_LOOP:
        return r;
    default:
        snprintf(err, 256, "%s: unsupported link type %d", path, r->linktype);
        pp_pcap_reader_close(r);
        return NULL;
    }
}

/* Bytes of link header before the IPv4 packet, or -1 if the frame is not
 * IPv4 (or is too short to tell). */
static int link_skip(int linktype, const uint8_t *f, size_t len)
{
    switch (linktype) {
    case DLT_RAW:
    case DLT_IPV4:
        return len >= 1 && f[0] >> 4 == 4 ? 0 : -1;
    case DLT_EN10MB:
        if (len >= 14 && pp_get16(f + 12) == 0x0800)
            return 14;
        if (len >= 18 && pp_get16(f + 12) == 0x8100 && pp_get16(f + 16) == 0x0800)
            return 18; /* one 802.1Q tag */
        return -1;
    case DLT_LINUX_SLL:
        return len >= 16 && pp_get16(f + 14) == 0x0800 ? 16 : -1;
    case DLT_NULL:
    case DLT_LOOP:
        /* 4-byte family in host or network order; AF_INET is 2 everywhere. */
        return len >= 4 && (f[0] == 2 || f[3] == 2) ? 4 : -1;
    default:
        return -1;
    }
}

int pp_pcap_read(struct pp_pcap_reader *r, const uint8_t **pkt, size_t *len, uint64_t *ts_usec)
{
    for (;;) {
        struct pcap_pkthdr *h;
        const u_char *data;
        int rc = pcap_next_ex(r->p, &h, &data), skip;

        if (rc == PCAP_ERROR_BREAK)
            return 0;
        if (rc != 1)
            return -1;
        skip = link_skip(r->linktype, data, h->caplen);
        if (skip < 0)
            continue;
        *pkt = data + skip;
        *len = h->caplen - (size_t)skip;
        *ts_usec = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
        return 1;
    }
}

void pp_pcap_reader_close(struct pp_pcap_reader *r)
{
    if (!r)
        return;
    pcap_close(r->p);
    free(r);
}
