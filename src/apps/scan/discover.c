/* discover.c - ping sweep (echo + SYN 443 + ACK 80) with cookie-checked answers. */
#include "discover.h"
#include "mono_clock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "portplex/wire/tcp.h"

/* The target index of addr (t's ranges, in order), or -1. */
static int64_t index_of(const struct pp_targets *t, uint32_t addr)
{
    uint64_t base = 0;
    size_t i;

    for (i = 0; i < t->n; i++) {
        if (t->r[i].lo <= addr && addr <= t->r[i].hi)
            return (int64_t)(base + (addr - t->r[i].lo));
        base += (uint64_t)(t->r[i].hi - t->r[i].lo) + 1;
    }
    return -1;
}

static int has_port(const uint16_t *list, int n, uint16_t port)
{
    int i;
    for (i = 0; i < n; i++)
        if (list[i] == port)
            return 1;
    return 0;
}

/* Why the answer in buf shows its sender up, or PP_UP_NO; *from = the host. */
static int why_up(const struct pp_scan_probe_cfg *syn, const struct pp_scan_probe_cfg *ack,
                  const struct pp_scan_ping *ping, const uint8_t *buf, size_t n, uint32_t *from)
{
    struct pp_scan_answer a;

    if (ping->echo && pp_scan_is_echo_reply(syn, buf, n, from))
        return PP_UP_ECHO_REPLY;
    /* Read as an answer to a SYN or UDP probe, else to an ACK probe (its
     * RST acknowledges a different number). */
    if (!pp_scan_classify(syn, buf, n, &a) &&
        !(ping->nack && pp_scan_classify(ack, buf, n, &a) && !a.udp))
        return PP_UP_NO;
    /* An ICMP error about our probe counts only from the host itself. */
    if (a.from != a.target)
        return PP_UP_NO;
    *from = a.target;
    if (a.udp) {
        if (!has_port(ping->udp, ping->nudp, a.port))
            return PP_UP_NO;
        return a.reason == PP_R_UDP_RESPONSE ? PP_UP_UDP_RESPONSE : PP_UP_ICMP;
    }
    if (!has_port(ping->syn, ping->nsyn, a.port) && !has_port(ping->ack, ping->nack, a.port))
        return PP_UP_NO;
    return a.reason == PP_R_SYN_ACK ? PP_UP_SYN_ACK : a.reason == PP_R_RESET ? PP_UP_RESET : PP_UP_ICMP;
}

/* One discovery run's bookkeeping. */
struct disc {
    const struct pp_targets *t;
    uint8_t *up;
    double *rtt, *sent; /* per target; sent: when this round's probes went */
    uint64_t nup;       /* targets up */
};

/* Reads answers for up to wait_ms, or until every target asked is up. */
static void drain(struct pp_scan_io *io, const struct pp_scan_probe_cfg *syn,
                  const struct pp_scan_probe_cfg *ack, const struct pp_scan_ping *ping,
                  struct disc *d, int wait_ms)
{
    uint8_t buf[2048];
    double until = pp_mono_s() + wait_ms / 1000.0;

    for (;;) {
        double left = until - pp_mono_s();
        uint32_t from = 0;
        int64_t h;
        int n, why;
        if (left <= 0 || d->nup == d->t->count)
            return;
        n = io->recv(io->ctx, buf, sizeof buf, (int)(left * 1000) + 1);
        if (n <= 0)
            continue;
        why = why_up(syn, ack, ping, buf, (size_t)n, &from);
        if (why && (h = index_of(d->t, from)) >= 0 && !d->up[h]) {
            d->up[h] = (uint8_t)why;
            d->nup++;
            if (d->rtt && d->sent)
                d->rtt[h] = pp_mono_s() - d->sent[h];
        }
    }
}

void pp_scan_ping_default(struct pp_scan_ping *p)
{
    memset(p, 0, sizeof *p);
    p->echo = 1;
    p->syn[p->nsyn++] = 443;
    p->ack[p->nack++] = 80;
}

int pp_scan_ping_add(struct pp_scan_ping *p, char type, const char *ports, char *err)
{
    uint16_t *list;
    int *n;
    const char *s = ports;

    switch (type) {
    case 'E':
        if (*ports) {
            snprintf(err, 256, "-PE takes no ports");
            return -1;
        }
        p->echo = 1;
        return 0;
    case 'S': list = p->syn; n = &p->nsyn; break;
    case 'A': list = p->ack; n = &p->nack; break;
    case 'U': list = p->udp; n = &p->nudp; break;
    default:
        snprintf(err, 256, "unknown discovery probe -P%c (known: -PE -PS -PA -PU, and -Pn)", type);
        return -1;
    }
    if (!*s) { /* nmap's defaults */
        if (*n < PP_PING_PORTS_MAX)
            list[(*n)++] = type == 'U' ? 40125 : 80;
        return 0;
    }
    while (*s) {
        char *end;
        long v = strtol(s, &end, 10);
        if (end == s || v < 1 || v > 65535 || (*end && *end != ',')) {
            snprintf(err, 256, "-P%c wants ports like 22,80,443, not '%s'", type, ports);
            return -1;
        }
        if (*n == PP_PING_PORTS_MAX) {
            snprintf(err, 256, "-P%c: at most %d ports", type, PP_PING_PORTS_MAX);
            return -1;
        }
        if (!has_port(list, *n, (uint16_t)v))
            list[(*n)++] = (uint16_t)v;
        s = *end ? end + 1 : end;
    }
    return 0;
}

const char *pp_scan_up_reason_name(int reason)
{
    static const char *const names[] = {"user-set", "echo-reply", "syn-ack", "reset", "port-unreach",
                                                "conn-refused", "udp-response"};
    return reason >= 0 && reason < (int)(sizeof names / sizeof names[0]) ? names[reason] : "user-set";
}

int pp_scan_discover(struct pp_scan_io *io, const struct pp_scan_probe_cfg *base,
                     const struct pp_targets *t, uint8_t *up, int wait_ms,
                     const struct pp_scan_ping *ping, double *rtt)
{
    struct pp_scan_probe_cfg syn = *base, ack = *base;
    struct pp_scan_ping dflt;
    struct disc d = {t, up, rtt, NULL, 0};
    uint8_t pkt[1600];
    uint64_t i;
    int round, rc = 0, k;

    if (!ping) {
        pp_scan_ping_default(&dflt);
        ping = &dflt;
    }
    syn.kind = PP_SCAN_SYN;
    syn.tcp_flags = PP_TCP_SYN;
    ack.kind = PP_SCAN_ACK;
    ack.tcp_flags = PP_TCP_ACK;
    if (rtt)
        d.sent = calloc((size_t)t->count, sizeof *d.sent); /* no memory: no latency, no harm */
    for (i = 0; i < t->count; i++)
        d.nup += up[i] != 0;
    for (round = 0; round < 2; round++) {
        uint64_t sent = 0;
        for (i = 0; i < t->count; i++) {
            uint32_t dst = pp_targets_at(t, i);
            size_t n;
            if (up[i])
                continue;
            if (d.sent)
                d.sent[i] = pp_mono_s();
#define SEND(expr)                                                                                 \
    do {                                                                                           \
        if ((n = (expr)) && (rc = io->send(io->ctx, pkt, n)) < 0 && rc != -ENOBUFS)                \
            goto out;                                                                              \
    } while (0)
            if (ping->echo)
                SEND(pp_scan_build_echo(&syn, pkt, sizeof pkt, dst));
            for (k = 0; k < ping->nsyn; k++)
                SEND(pp_scan_build(&syn, pkt, sizeof pkt, dst, ping->syn[k], 0, (uint16_t)i));
            for (k = 0; k < ping->nack; k++)
                SEND(pp_scan_build(&ack, pkt, sizeof pkt, dst, ping->ack[k], 0, (uint16_t)i));
            for (k = 0; k < ping->nudp; k++)
                SEND(pp_scan_build(&syn, pkt, sizeof pkt, dst, ping->udp[k], 1, (uint16_t)i));
#undef SEND
            if (++sent % 256 == 0)
                drain(io, &syn, &ack, ping, &d, 1); /* keep the capture buffer moving */
        }
        if (!sent)
            break;
        drain(io, &syn, &ack, ping, &d, wait_ms);
    }
    rc = 0;
out:
    free(d.sent);
    return rc < 0 ? rc : 0;
}
