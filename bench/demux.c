/* bench/demux.c - socket-table lookups at scale against DPDK's rte_hash
 * (bench/demux_rte.c, when libdpdk-dev is installed) over the same 1k,
 * 100k and 1M established 4-tuples and the same random queries, one by one
 * and in bursts of 32; a linked list (how small embedded stacks keep their
 * PCBs) is shown for scale.  portplex's tables also hold 10k listeners and
 * 100k bound UDP sockets.
 * Last line: ratio=<ours/rte_hash lookups per second, bursts, at 1M>
 *            ours=<burst lookups/s at 1M> peer=<rte_hash burst lookups/s at 1M>
 * (without DPDK: peer = the linked list at 10k, ratio = ours/that). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "bench_util.h"
#include "portplex/demux.h"
#ifdef PP_HAVE_DPDK
#include "demux_rte.h"
#endif

static uint32_t rng = 2463534242u;
static uint32_t xorshift(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

/* Connection i's remote end: spread over many addresses and ports. */
static void remote_of(size_t i, uint32_t *raddr, uint16_t *rport)
{
    *raddr = 0x0a000000u + (uint32_t)(i / 50000) + 2;
    *rport = (uint16_t)(1024 + i % 50000);
}

#define LADDR 0x0a000001u

/* A socket's demux entry at the start of an aligned object, as the stack
 * allocates sockets.  An IPv4 lookup does not read it (the compact index's
 * bucket holds the key and the answer: demux/tuple_index.h); it counts in
 * the bytes per connection all the same. */
struct slot {
    _Alignas(32) struct pp_dmx_entry e;
};
#define QUERIES (1u << 20)

/* portplex's table holding connections 0..n-1 (and the listeners and UDP
 * sockets), to be asked the queries q. */
struct ours {
    struct pp_demux *d;
    struct slot *conns;
    size_t conns_bytes;
    struct pp_dmx_entry *lis, *udp;
    uint32_t *q;
    struct pp_demux_query *bq;
    double bytes_per_entry;
};

static struct ours *ours_new(size_t n, const uint32_t *qin)
{
    struct ours *o = calloc(1, sizeof *o);
    struct pp_demux_mem m;
    size_t i;

    if (!o) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    o->d = pp_demux_new(NULL);
    /* Sockets from one huge-page region, as a stack's socket slab would be. */
    o->conns_bytes = n * sizeof(struct slot);
    o->conns = mmap(NULL, o->conns_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (o->conns == MAP_FAILED)
        o->conns = NULL;
    else
        madvise(o->conns, o->conns_bytes, MADV_HUGEPAGE);
    o->lis = calloc(10000, sizeof *o->lis);
    o->udp = calloc(100000, sizeof *o->udp);
    o->q = malloc(QUERIES * sizeof *o->q);
    o->bq = malloc(QUERIES * sizeof *o->bq);
    if (!o->d || !o->conns || !o->lis || !o->udp || !o->q || !o->bq) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    for (i = 0; i < n; i++) {
        struct pp_tuple t = {LADDR, 0, 80, 0};
        remote_of(i, &t.raddr, &t.rport);
        pp_dmx_entry_init(&o->conns[i].e, PP_DMX_TCP, &o->conns[i]);
        pp_demux_insert_child(o->d, &o->conns[i].e, &t, 0);
    }
    for (i = 0; i < 10000; i++) {
        pp_dmx_entry_init(&o->lis[i], PP_DMX_TCP, NULL);
        pp_demux_bind(o->d, &o->lis[i], 0, (uint16_t)(20000 + i), 0);
        pp_demux_listen(o->d, &o->lis[i]);
    }
    for (i = 0; i < 100000; i++) {
        pp_dmx_entry_init(&o->udp[i], PP_DMX_UDP, NULL);
        pp_demux_bind(o->d, &o->udp[i], 0x0a000000u + (uint32_t)(i / 30000) + 1,
                      (uint16_t)(30000 + i % 30000), 0);
    }
    for (i = 0; i < QUERIES; i++) {
        o->q[i] = qin[i];
        remote_of(o->q[i], &o->bq[i].saddr, &o->bq[i].sport);
        o->bq[i].daddr = LADDR;
        o->bq[i].dport = 80;
    }
    pp_demux_memory(o->d, &m);
    /* Per connection: its aligned entry plus its share of the buckets. */
    o->bytes_per_entry = (double)sizeof(struct slot) + (double)m.bucket_bytes / (double)m.entries;
    return o;
}

/* One pass over the queries, one by one; ns per lookup. */
static double ours_one_by_one(struct ours *o)
{
    unsigned long found = 0;
    double t0 = pp_mono_s(), dt;
    size_t it;

    for (it = 0; it < QUERIES; it++) {
        struct pp_dmx_entry *e;
        uint32_t ra;
        uint16_t rp;
        remote_of(o->q[it], &ra, &rp);
        found += pp_demux_lookup_tcp(o->d, ra, rp, LADDR, 80, &e) == PP_RULE_ESTABLISHED;
    }
    dt = pp_mono_s() - t0;
    if (found != QUERIES) {
        fprintf(stderr, "lookup failed\n");
        exit(1);
    }
    return dt / QUERIES * 1e9;
}

/* One pass in bursts of 32 segments, as a receive loop hands them over. */
static double ours_bursts(struct ours *o)
{
    struct pp_dmx_entry *out[32];
    int rules[32], k;
    unsigned long found = 0;
    double t0 = pp_mono_s(), dt;
    size_t it;

    for (it = 0; it < QUERIES; it += 32) {
        pp_demux_lookup_tcp_burst(o->d, &o->bq[it], 32, out, rules);
        for (k = 0; k < 32; k++)
            found += rules[k] == PP_RULE_ESTABLISHED;
    }
    dt = pp_mono_s() - t0;
    if (found != QUERIES) {
        fprintf(stderr, "burst lookup failed\n");
        exit(1);
    }
    return dt / QUERIES * 1e9;
}

static void ours_free(struct ours *o)
{
    pp_demux_free(o->d);
    munmap(o->conns, o->conns_bytes);
    free(o->lis);
    free(o->udp);
    free(o->q);
    free(o->bq);
    free(o);
}

static double least(double a, double b)
{
    return a < b ? a : b;
}

/* The baseline: one singly linked list of PCBs searched front to back. */
struct lpcb {
    struct lpcb *next;
    uint32_t laddr, raddr;
    uint16_t lport, rport;
};

static double bench_linear(size_t n)
{
    struct lpcb *pcbs = calloc(n, sizeof *pcbs), *head = NULL, *p;
    uint32_t *q = malloc(4096 * sizeof *q);
    size_t i;
    double t0, dt, best = 1e9;
    int run;

    for (i = 0; i < n; i++) {
        pcbs[i].laddr = LADDR;
        pcbs[i].lport = 80;
        remote_of(i, &pcbs[i].raddr, &pcbs[i].rport);
        pcbs[i].next = head;
        head = &pcbs[i];
    }
    for (i = 0; i < 4096; i++)
        q[i] = xorshift() % (uint32_t)n;
    for (run = 0; run < 5; run++) {
        unsigned long found = 0;
        t0 = pp_mono_s();
        for (i = 0; i < 4096; i++) {
            uint32_t ra;
            uint16_t rp;
            remote_of(q[i], &ra, &rp);
            for (p = head; p; p = p->next)
                if (p->raddr == ra && p->rport == rp && p->laddr == LADDR && p->lport == 80)
                    break;
            found += p != NULL;
        }
        dt = pp_mono_s() - t0;
        bench_sink += found;
        if (dt / 4096 < best)
            best = dt / 4096;
    }
    free(pcbs);
    free(q);
    return best * 1e9;
}

static uint32_t *queries(size_t n)
{
    uint32_t *q = malloc(QUERIES * sizeof *q);
    size_t i;
    if (!q) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    for (i = 0; i < QUERIES; i++)
        q[i] = xorshift() % (uint32_t)n;
    return q;
}

int main(void)
{
    static const size_t sizes[] = {1000, 100000, 1000000};
    double ns[3], bns[3], bpe, peer_burst = 0;
    double lin1k, lin10k;
    int i;
#ifdef PP_HAVE_DPDK
    double rns[3], rbns[3];
    int have_rte = rte_peer_init() == 0;
    if (!have_rte)
        fprintf(stderr, "DPDK's EAL did not start: rte_hash not measured\n");
#endif

    printf("%-32s %10s %14s %10s\n", "table", "ns/lookup", "lookups/s", "B/entry");
    for (i = 0; i < 3; i++) {
        uint32_t *q = queries(sizes[i]);
        struct ours *o = ours_new(sizes[i], q);
        int run;
#ifdef PP_HAVE_DPDK
        struct rte_peer *p = have_rte ? rte_peer_new(sizes[i], q, QUERIES, remote_of, LADDR) : NULL;
        rns[i] = rbns[i] = 1e9;
#endif
        /* Five passes each, ours and the peer's in turns, the best of each
         * kept: a slow spell of the machine's falls on both alike. */
        ns[i] = bns[i] = 1e9;
        for (run = 0; run < 5; run++) {
            ns[i] = least(ns[i], ours_one_by_one(o));
#ifdef PP_HAVE_DPDK
            if (p)
                rns[i] = least(rns[i], rte_peer_one_by_one(p));
#endif
            bns[i] = least(bns[i], ours_bursts(o));
#ifdef PP_HAVE_DPDK
            if (p)
                rbns[i] = least(rbns[i], rte_peer_bursts(p));
#endif
        }
        bpe = o->bytes_per_entry;
        printf("portplex %7zu one by one       %10.1f %14.0f %10.1f\n", sizes[i], ns[i], 1e9 / ns[i], bpe);
        printf("portplex %7zu bursts of 32     %10.1f %14.0f %10.1f\n", sizes[i], bns[i], 1e9 / bns[i], bpe);
#ifdef PP_HAVE_DPDK
        if (p) {
            printf("rte_hash %7zu one by one       %10.1f %14.0f %10s\n", sizes[i], rns[i], 1e9 / rns[i], "");
            printf("rte_hash %7zu bulk of 32       %10.1f %14.0f %10s\n", sizes[i], rbns[i], 1e9 / rbns[i], "");
            printf("  ratio ours/rte_hash          one by one %.2f, bursts %.2f\n", rns[i] / ns[i], rbns[i] / bns[i]);
            rte_peer_free(p);
        }
#endif
        ours_free(o);
        free(q);
    }
    lin1k = bench_linear(1000);
    printf("linear list %5d conns            %10.1f %14.0f %10zu\n", 1000, lin1k, 1e9 / lin1k,
           sizeof(struct lpcb));
    lin10k = bench_linear(10000);
    printf("linear list %5d conns            %10.1f %14.0f %10zu\n", 10000, lin10k, 1e9 / lin10k,
           sizeof(struct lpcb));
    printf("# each portplex table also holds 10k listeners and 100k UDP sockets\n");
    printf("# one-by-one lookups: 1M/1k cost ratio %.2f, %.0f lookups/s at 1M\n", ns[2] / ns[0],
           1e9 / ns[2]);
    peer_burst = lin10k;
#ifdef PP_HAVE_DPDK
    if (have_rte) {
        peer_burst = rbns[2];
        printf("# headline: burst lookups at 1M connections, ours against rte_hash_lookup_bulk_data\n");
        printf("ratio=%.2f ours=%.0f peer=%.0f one_by_one=%.2f unit=lookups/s\n", peer_burst / bns[2],
               1e9 / bns[2], 1e9 / peer_burst, rns[2] / ns[2]);
        return 0;
    }
#endif
    printf("# headline (no DPDK): burst lookups at 1M against the linked list at 10k\n");
    printf("ratio=%.2f ours=%.0f peer=%.0f unit=lookups/s\n", peer_burst / bns[2], 1e9 / bns[2],
           1e9 / peer_burst);
    return 0;
}
