/* discover.c - ping sweep (echo + SYN 443 + ACK 80) with cookie-checked answers. */
#include "discover.h"
#include "mono_clock.h"

#include <errno.h>
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

static void drain(struct pp_scan_io *io, const struct pp_scan_probe_cfg *syn,
                  const struct pp_scan_probe_cfg *ack, const struct pp_targets *t, uint8_t *up,
                  int wait_ms)
{
    uint8_t buf[2048];
    double until = pp_mono_s() + wait_ms / 1000.0;

    for (;;) {
        double left = until - pp_mono_s();
        struct pp_scan_answer a;
        uint32_t from;
        int64_t h;
        int n;
        if (left <= 0)
            return;
        n = io->recv(io->ctx, buf, sizeof buf, (int)(left * 1000) + 1);
        if (n <= 0)
            continue;
        /* An ICMP error about our probe counts only from the host itself. */
        {
            int why = PP_UP_NO;
            if (pp_scan_is_echo_reply(syn, buf, (size_t)n, &from))
                why = PP_UP_ECHO_REPLY;
            else if ((pp_scan_classify(syn, buf, (size_t)n, &a) && a.port == 443 &&
                      (from = a.target, a.from == a.target)) ||
                     (pp_scan_classify(ack, buf, (size_t)n, &a) && a.port == 80 &&
                      (from = a.target, a.from == a.target)))
                why = a.reason == PP_R_SYN_ACK ? PP_UP_SYN_ACK
                      : a.reason == PP_R_RESET ? PP_UP_RESET
                                               : PP_UP_ICMP;
            if (why && (h = index_of(t, from)) >= 0 && !up[h])
                up[h] = (uint8_t)why;
        }
    }
}

const char *pp_scan_up_reason_name(int reason)
{
    static const char *const names[] = {"user-set", "echo-reply", "syn-ack", "reset", "port-unreach",
                                                "conn-refused"};
    return reason >= 0 && reason < (int)(sizeof names / sizeof names[0]) ? names[reason] : "user-set";
}

int pp_scan_discover(struct pp_scan_io *io, const struct pp_scan_probe_cfg *base,
                     const struct pp_targets *t, uint8_t *up, int wait_ms)
{
    struct pp_scan_probe_cfg syn = *base, ack = *base;
    uint8_t pkt[1600];
    uint64_t i;
    int round, rc;

    syn.kind = PP_SCAN_SYN;
    syn.tcp_flags = PP_TCP_SYN;
    ack.kind = PP_SCAN_ACK;
    ack.tcp_flags = PP_TCP_ACK;
    for (round = 0; round < 2; round++) {
        uint64_t sent = 0;
        for (i = 0; i < t->count; i++) {
            uint32_t dst = pp_targets_at(t, i);
            size_t n;
            if (up[i])
                continue;
            if ((n = pp_scan_build_echo(&syn, pkt, sizeof pkt, dst)) && (rc = io->send(io->ctx, pkt, n)) < 0 && rc != -ENOBUFS)
                return rc;
            if ((n = pp_scan_build(&syn, pkt, sizeof pkt, dst, 443, 0, (uint16_t)i)) && (rc = io->send(io->ctx, pkt, n)) < 0 && rc != -ENOBUFS)
                return rc;
            if ((n = pp_scan_build(&ack, pkt, sizeof pkt, dst, 80, 0, (uint16_t)i)) && (rc = io->send(io->ctx, pkt, n)) < 0 && rc != -ENOBUFS)
                return rc;
            if (++sent % 256 == 0)
                drain(io, &syn, &ack, t, up, 1); /* keep the capture buffer moving */
        }
        if (!sent)
            break;
        drain(io, &syn, &ack, t, up, wait_ms);
    }
    return 0;
}
