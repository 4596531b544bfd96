/* bench/demux_rte.c - the peer of bench/demux.c: DPDK's rte_hash (Debian's
 * libdpdk-dev), the table DPDK applications demultiplex flows with, holding
 * the same established 4-tuples and asked the same queries, one by one
 * (rte_hash_lookup_data) and in bursts of 32 (rte_hash_lookup_bulk_data).
 * Built only when pkg-config finds libdpdk.  It holds the connections
 * alone, where portplex's tables also hold 10k listeners and 100k UDP
 * sockets and answer with the rule that matched. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>

#include "bench_util.h"
#include "demux_rte.h"

struct key {
    uint32_t saddr, daddr;
    uint16_t sport, dport;
};

int rte_peer_init(void)
{
    static char *argv[] = {"bench_demux", "--no-huge", "-m", "1024", "--no-pci", "--no-telemetry",
                           "--no-shconf", "-l", "0", "--log-level=lib.eal:error", NULL};
    return rte_eal_init((int)(sizeof argv / sizeof *argv) - 1, argv) < 0 ? -1 : 0;
}

double rte_peer_bench(size_t n, const uint32_t *q, size_t nq,
                      void (*remote_of)(size_t i, uint32_t *raddr, uint16_t *rport), uint32_t laddr,
                      double *burst_ns)
{
    struct rte_hash_parameters hp;
    struct rte_hash *h;
    struct key *keys = malloc(nq * sizeof *keys);
    size_t i, it;
    double best = 1e9, t0, dt;
    int run;
    char name[32];

    snprintf(name, sizeof name, "conns%zu", n);
    memset(&hp, 0, sizeof hp);
    hp.name = name;
    hp.entries = (uint32_t)(n + n / 4 + 1024);
    hp.key_len = sizeof(struct key);
    hp.hash_func = rte_hash_crc; /* the CRC32 instruction, as DPDK's examples use */
    hp.socket_id = 0;
    h = rte_hash_create(&hp);
    if (!h || !keys) {
        fprintf(stderr, "rte_hash_create failed for %zu entries\n", n);
        exit(1);
    }
    for (i = 0; i < n; i++) {
        struct key k = {0, laddr, 0, 80};
        remote_of(i, &k.saddr, &k.sport);
        if (rte_hash_add_key_data(h, &k, (void *)(uintptr_t)(i + 1)) < 0) {
            fprintf(stderr, "rte_hash_add_key_data failed at %zu\n", i);
            exit(1);
        }
    }
    for (i = 0; i < nq; i++) {
        memset(&keys[i], 0, sizeof keys[i]);
        keys[i].daddr = laddr;
        keys[i].dport = 80;
        remote_of(q[i], &keys[i].saddr, &keys[i].sport);
    }
    for (run = 0; run < 5; run++) {
        unsigned long found = 0;
        t0 = pp_mono_s();
        for (it = 0; it < nq; it++) {
            struct key k = {0, laddr, 0, 80};
            void *data;
            remote_of(q[it], &k.saddr, &k.sport);
            found += rte_hash_lookup_data(h, &k, &data) >= 0;
        }
        dt = pp_mono_s() - t0;
        if (found != nq) {
            fprintf(stderr, "rte_hash lookup failed\n");
            exit(1);
        }
        if (dt / (double)nq < best)
            best = dt / (double)nq;
    }
    *burst_ns = 1e9;
    for (run = 0; run < 5; run++) {
        unsigned long found = 0;
        t0 = pp_mono_s();
        for (it = 0; it + 32 <= nq; it += 32) {
            const void *kp[32];
            void *data[32];
            uint64_t hits = 0;
            int k;
            for (k = 0; k < 32; k++)
                kp[k] = &keys[it + (size_t)k];
            rte_hash_lookup_bulk_data(h, kp, 32, &hits, data);
            found += (unsigned long)__builtin_popcountll(hits);
        }
        dt = pp_mono_s() - t0;
        if (found != nq) {
            fprintf(stderr, "rte_hash bulk lookup failed\n");
            exit(1);
        }
        if (dt / (double)nq * 1e9 < *burst_ns)
            *burst_ns = dt / (double)nq * 1e9;
    }
    rte_hash_free(h);
    free(keys);
    return best * 1e9;
}
