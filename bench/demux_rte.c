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

struct rte_peer {
    struct rte_hash *h;
    struct key *keys; /* the queries, as keys */
    const uint32_t *q;
    size_t nq;
    void (*remote_of)(size_t i, uint32_t *raddr, uint16_t *rport);
    uint32_t laddr;
};

struct rte_peer *rte_peer_new(size_t n, const uint32_t *q, size_t nq,
                              void (*remote_of)(size_t i, uint32_t *raddr, uint16_t *rport),
                              uint32_t laddr)
{
    struct rte_hash_parameters hp;
    struct rte_peer *p = calloc(1, sizeof *p);
    size_t i;
    char name[32];

    snprintf(name, sizeof name, "conns%zu", n);
    memset(&hp, 0, sizeof hp);
    hp.name = name;
    hp.entries = (uint32_t)(n + n / 4 + 1024);
    hp.key_len = sizeof(struct key);
    hp.hash_func = rte_hash_crc; /* the CRC32 instruction, as DPDK's examples use */
    hp.socket_id = 0;
    if (!p || !(p->h = rte_hash_create(&hp)) || !(p->keys = malloc(nq * sizeof *p->keys))) {
        fprintf(stderr, "rte_hash_create failed for %zu entries\n", n);
        exit(1);
    }
    p->q = q;
    p->nq = nq;
    p->remote_of = remote_of;
    p->laddr = laddr;
    for (i = 0; i < n; i++) {
        struct key k = {0, laddr, 0, 80};
        remote_of(i, &k.saddr, &k.sport);
        if (rte_hash_add_key_data(p->h, &k, (void *)(uintptr_t)(i + 1)) < 0) {
            fprintf(stderr, "rte_hash_add_key_data failed at %zu\n", i);
            exit(1);
        }
    }
    for (i = 0; i < nq; i++) {
        memset(&p->keys[i], 0, sizeof p->keys[i]);
        p->keys[i].daddr = laddr;
        p->keys[i].dport = 80;
        remote_of(q[i], &p->keys[i].saddr, &p->keys[i].sport);
    }
    return p;
}

double rte_peer_one_by_one(struct rte_peer *p)
{
    unsigned long found = 0;
    double t0 = pp_mono_s(), dt;
    size_t it;

    for (it = 0; it < p->nq; it++) {
        struct key k = {0, p->laddr, 0, 80};
        void *data;
        p->remote_of(p->q[it], &k.saddr, &k.sport);
        found += rte_hash_lookup_data(p->h, &k, &data) >= 0;
    }
    dt = pp_mono_s() - t0;
    if (found != p->nq) {
        fprintf(stderr, "rte_hash lookup failed\n");
        exit(1);
    }
    return dt / (double)p->nq * 1e9;
}

double rte_peer_bursts(struct rte_peer *p)
{
    unsigned long found = 0;
    double t0 = pp_mono_s(), dt;
    size_t it;

    for (it = 0; it + 32 <= p->nq; it += 32) {
        const void *kp[32];
        void *data[32];
        uint64_t hits = 0;
        int k;
        for (k = 0; k < 32; k++)
            kp[k] = &p->keys[it + (size_t)k];
        rte_hash_lookup_bulk_data(p->h, kp, 32, &hits, data);
        found += (unsigned long)__builtin_popcountll(hits);
    }
    dt = pp_mono_s() - t0;
    if (found != p->nq) {
        fprintf(stderr, "rte_hash bulk lookup failed\n");
        exit(1);
    }
    return dt / (double)p->nq * 1e9;
}

void rte_peer_free(struct rte_peer *p)
{
    rte_hash_free(p->h);
    free(p->keys);
    free(p);
}
