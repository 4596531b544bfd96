/* engine.c - the scan loop: order, pacing, retransmission, matching and
 * state inference for raw-packet scans (see engine.h). */
#include "engine.h"
#include "stats.h"
#include "mono_clock.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void pp_scan_timing_template(int level, struct pp_scan_timing *t)
{
    /* nmap's numbers for -T0..-T5 (nmap(1), "Timing and performance"). */
    static const struct pp_scan_timing tpl[6] = {
        {300000, 100, 300000, 10, 300000, 1, 0, 0, 0}, /* paranoid */
        {15000, 100, 15000, 10, 15000, 1, 0, 0, 0},    /* sneaky */
        {1000, 100, 10000, 10, 400, 1, 0, 0, 0},       /* polite */
        {1000, 100, 10000, 10, 0, 4096, 0, 0, 0},      /* normal */
        {500, 100, 1250, 6, 0, 4096, 0, 0, 0},         /* aggressive */
        {250, 50, 300, 2, 0, 4096, 0, 0, 900000},      /* insane */
    };
    *t = tpl[level < 0 ? 0 : level > 5 ? 5 : level];
}

/* A probe in flight. */
struct flight {
    uint64_t item;
    double sent;
    int tries;
    int used;
};

/* Open-addressing map item -> flight slot, sized for the window. */
struct fmap {
    uint64_t *key; /* item + 1; 0 = empty, UINT64_MAX = deleted */
    int *slot;
    size_t mask;
};

static size_t fmap_pos(const struct fmap *m, uint64_t item)
{
    return (size_t)((item * 0x9e3779b97f4a7c15ull) >> 20) & m->mask;
}

static void fmap_put(struct fmap *m, uint64_t item, int slot)
{
    size_t i = fmap_pos(m, item);
    while (m->key[i] != 0 && m->key[i] != UINT64_MAX)
        i = (i + 1) & m->mask;
    m->key[i] = item + 1;
    m->slot[i] = slot;
}

static long fmap_find(const struct fmap *m, uint64_t item)
{
    size_t i = fmap_pos(m, item);
    while (m->key[i] != 0) {
        if (m->key[i] == item + 1)
            return (long)i;
        i = (i + 1) & m->mask;
    }
    return -1;
}

struct run {
    const struct pp_scan_job *job;
    struct pp_scan_result *res;
    struct pp_scan_order order;
    uint64_t next_step, steps;
    /* Host lookup: ranges sorted by address, with the index of their first host. */
    struct hrange {
        uint32_t lo, hi;
        uint64_t base;
    } *hr;
    size_t nhr;
    int32_t *rank[2]; /* port -> rank, -1 if not scanned */
    struct flight *fl;
    int nfl, inflight;
    int *free_slots, nfree; /* a stack of unused flight slots */
    double next_check;      /* no probe can time out before this */
    int max_success_try;    /* the highest retransmission that got an answer */
    struct fmap map;
    /* Timing (nmap's RFC 6298-like estimator, in seconds). */
    double srtt, rttvar, timeout;
    double cwnd, ssthresh;
    double tokens, last_refill, next_send;
    uint64_t items_done;
    double t0, last_progress, last_stats;
    /* UDP hosts to re-probe slowly (ICMP rate limiting). */
    uint64_t *silent;
    size_t nsilent, capsilent;
};

static int host_index(const struct run *r, uint32_t addr, uint64_t *out)
{
    size_t lo = 0, hi = r->nhr;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (r->hr[mid].hi < addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < r->nhr && r->hr[lo].lo <= addr && addr <= r->hr[lo].hi) {
        *out = r->hr[lo].base + (addr - r->hr[lo].lo);
        return 0;
    }
    return -1;
}

static int cmp_hr(const void *a, const void *b)
{
    const struct hrange *x = a, *y = b;
    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static struct pp_scan_host *host_of(struct run *r, uint64_t h)
{
    struct pp_scan_host *hs = &r->res->hosts[h];
    return pp_scan_host_alloc(r->res, hs) < 0 ? NULL : hs;
}

static void decide(struct run *r, uint64_t item, int state, int reason, int ttl)
{
    uint64_t h = item / (uint64_t)r->res->nports;
    int rank = (int)(item % (uint64_t)r->res->nports);
    struct pp_scan_host *hs = host_of(r, h);

    if (!hs || hs->state[rank])
        return; /* decided already: a duplicate answer */
    hs->state[rank] = (uint8_t)state;
    hs->reason[rank] = (uint8_t)reason;
    hs->ttl[rank] = (uint8_t)ttl;
    r->items_done++;
    if (r->job->on_port)
        r->job->on_port(r->job->arg, hs, rank >= r->res->ntcp, r->res->port_of[rank], rank);
}

static void flight_remove(struct run *r, long mpos)
{
    int slot = r->map.slot[mpos];
    r->map.key[mpos] = UINT64_MAX;
    r->fl[slot].used = 0;
    r->free_slots[r->nfree++] = slot;
    r->inflight--;
}

/* RTT sample (RFC 6298 2.3, as nmap applies it to probes). */
static void rtt_sample(struct run *r, double rtt)
{
    const struct pp_scan_timing *t = &r->job->timing;
    if (r->srtt == 0) {
        r->srtt = rtt;
        r->rttvar = rtt / 2;
    } else {
        r->rttvar = 0.75 * r->rttvar + 0.25 * fabs(r->srtt - rtt);
        r->srtt = 0.875 * r->srtt + 0.125 * rtt;
    }
    r->timeout = r->srtt + 4 * r->rttvar;
    if (r->timeout < t->min_rtt_ms / 1000.0)
        r->timeout = t->min_rtt_ms / 1000.0;
    if (r->timeout > t->max_rtt_ms / 1000.0)
        r->timeout = t->max_rtt_ms / 1000.0;
}

static void on_answer(struct run *r, const struct pp_scan_answer *a, double now)
{
    const int32_t *rk = r->rank[a->udp];
    uint64_t h, item;
    long pos;
    int rank;

    if (host_index(r, a->target, &h) < 0 || rk[a->port] < 0)
        return;
    rank = rk[a->port];
    item = h * (uint64_t)r->res->nports + (uint64_t)rank;
    r->res->answers++;
    r->res->hosts[h].up = 1;
    pos = fmap_find(&r->map, item);
    if (pos >= 0) {
        struct flight *f = &r->fl[r->map.slot[pos]];
        if (f->tries - 1 > r->max_success_try && f->tries < 9)
            r->max_success_try = f->tries - 1;
        if (f->tries == 1) {
            rtt_sample(r, now - f->sent); /* Karn: only unambiguous samples */
            if (!r->res->hosts[h].latency)
                r->res->hosts[h].latency = now - f->sent;
        } else {
            /* The first try went unanswered but a later one did: a drop.
             * Halve the window, as nmap does. */
            r->res->drops++;
            r->ssthresh = r->cwnd / 2 > 2 ? r->cwnd / 2 : 2;
            r->cwnd = r->ssthresh;
        }
        flight_remove(r, pos);
        /* Slow start, then congestion avoidance (probes per answer). */
        if (r->cwnd < r->ssthresh)
            r->cwnd += 1;
        else
            r->cwnd += 1 / r->cwnd;
        if (r->cwnd > r->job->timing.max_parallel)
            r->cwnd = r->job->timing.max_parallel;
    }
    decide(r, item, a->state, a->reason, a->ttl);
}

static int send_probe(struct run *r, uint64_t item, int tries, double now)
{
    uint8_t pkt[1600];
    uint64_t h = item / (uint64_t)r->res->nports;
    int rank = (int)(item % (uint64_t)r->res->nports), rc, slot;
    size_t n;
    struct pp_scan_host *hs = host_of(r, h);

    if (!hs)
        return -ENOMEM;
    n = pp_scan_build(&r->job->probe, pkt, sizeof pkt, hs->addr, r->res->port_of[rank],
                      rank >= r->res->ntcp, (uint16_t)(r->res->sent * 7919 + 1));
    if (!n)
        return -EINVAL;
    rc = r->job->io->send(r->job->io->ctx, pkt, n);
    if (rc < 0)
        return rc;
    r->res->sent++;
    if (tries > 1)
        r->res->retransmits++;
    slot = r->free_slots[--r->nfree];
    r->fl[slot].used = 1;
    r->fl[slot].item = item;
    r->fl[slot].sent = now;
    r->fl[slot].tries = tries;
    fmap_put(&r->map, item, slot);
    r->inflight++;
    if (now + r->timeout < r->next_check)
        r->next_check = now + r->timeout;
    return 0;
}

/* No answer after the last try: the silent state of this scan type. */
static void give_up(struct run *r, uint64_t item)
{
    int rank = (int)(item % (uint64_t)r->res->nports);
    int udp = rank >= r->res->ntcp, state;
    enum pp_scan_kind k = r->job->probe.kind;

    if (udp)
        state = PP_PS_OPEN_FILTERED;
    else if (k == PP_SCAN_FIN || k == PP_SCAN_NULL || k == PP_SCAN_XMAS)
        state = PP_PS_OPEN_FILTERED;
    else
        state = PP_PS_FILTERED;
    if (udp && r->nsilent < r->capsilent) {
        /* Maybe silent, maybe its port-unreachable was rate limited: look
         * again slowly at the end (see slow_udp_pass). */
        r->silent[r->nsilent++] = item;
        return;
    }
    decide(r, item, state, PP_R_NO_RESPONSE, 0);
}

int pp_scan_job_tick(const struct pp_scan_job *job)
{
    if (job->tick)
        job->tick(job->tick_arg);
    if (!job->stats_now || !*job->stats_now)
        return 0;
    *job->stats_now = 0;
    return 1;
}

static void progress(struct run *r, double now, int final)
{
    double frac, eta;
    uint64_t total = r->steps ? r->steps : 1;
    int asked = pp_scan_job_tick(r->job);

    if (!final && (asked || (r->job->stats_every > 0 && now - r->last_stats >= r->job->stats_every))) {
        uint64_t h, up = 0;
        if (r->job->progress)
            fputs("\r\033[K", stderr); /* the live progress line makes room */
        r->last_stats = now;
        for (h = 0; h < r->res->nhosts; h++)
            up += r->res->hosts[h].up != 0;
        /* How far through the (host x port) list the first probes are, as
         * nmap's percentage: steady, where decided ports come in bursts. */
        pp_scan_stats_write(stdout, pp_scan_phase_name(r->job->probe.kind, !r->job->tcp), now - r->t0,
                            (double)r->next_step / (double)total, 0, up, r->res->nhosts);
    }
    if (!r->job->progress || (!final && now - r->last_progress < 0.5))
        return;
    r->last_progress = now;
    frac = (double)r->items_done / (double)total;
    eta = frac > 0 ? (now - r->t0) * (1 - frac) / frac : 0;
    fprintf(stderr, "\r%5.1f%% done, %llu probes, %.0f probes/s, ETA %.0f s   %s", 100 * frac,
            (unsigned long long)r->res->sent, (double)r->res->sent / (now - r->t0 + 1e-9), eta,
            final ? "\n" : "");
}

/* Receives and handles every answer that arrives within wait_ms. */
static int pump(struct run *r, int wait_ms)
{
    uint8_t buf[2048];
    struct pp_scan_answer a;
    int n = r->job->io->recv(r->job->io->ctx, buf, sizeof buf, wait_ms), got = 0;

    while (n > 0) {
        if (pp_scan_classify(&r->job->probe, buf, (size_t)n, &a))
            on_answer(r, &a, pp_mono_s());
        if (++got > 4096)
            break;
        n = r->job->io->recv(r->job->io->ctx, buf, sizeof buf, 0);
    }
    return n < 0 ? n : 0;
}

/* Linux answers closed UDP ports with at most about one ICMP port
 * unreachable per second per peer after a short burst (icmp_ratelimit),
 * so a fast UDP scan hears silence from closed ports and would call them
 * open|filtered (nmap does, unless it slows down enough).  Ports left
 * silent on a host that is up are probed again one at a time, far enough
 * apart that the host's token bucket has refilled: an answer then says
 * closed (or open), and only silence after that counts as open|filtered.
 * If the first few slow probes of a host that never sent a port
 * unreachable all stay silent too, the silence is a firewall's: the rest
 * are open|filtered without waiting. */
#define SLOW_INTERVAL 1.05 /* seconds: Linux refills one token per second */
#define SLOW_GIVE_UP 5
#define SLOW_TRIES 3
static int slow_udp_pass(struct run *r)
{
    size_t i;
    int rc = 0;

    for (i = 0; i < r->nsilent; i++) {
        uint64_t item = r->silent[i], h = item / (uint64_t)r->res->nports;
        struct pp_scan_host *hs = &r->res->hosts[h];
        int rank = (int)(item % (uint64_t)r->res->nports), j, unreach = 0;
        double until, interval = r->job->slow_udp_interval > 0 ? r->job->slow_udp_interval : SLOW_INTERVAL;
        long pos;

        if (pp_scan_stopped(r->job)) { /* interrupted: silent so far */
            decide(r, item, PP_PS_OPEN_FILTERED, PP_R_NO_RESPONSE, 0);
            continue;
        }
        for (j = r->res->ntcp; j < r->res->nports && !unreach; j++)
            unreach = hs->state[j] == PP_PS_CLOSED;
        if (!hs->up || hs->timed_out || (!unreach && hs->slow_silent >= SLOW_GIVE_UP)) {
            decide(r, item, PP_PS_OPEN_FILTERED, PP_R_NO_RESPONSE, 0);
            continue;
        }
        /* Up to three tries, each waiting longer: Linux's limiter is a
         * token bucket per peer, and a peer entry the kernel recycled
         * starts empty, so one well-spaced try is not always enough. */
        for (j = 0; j < SLOW_TRIES && !hs->state[rank]; j++) {
            if ((rc = send_probe(r, item, 9 + j, pp_mono_s())) < 0)
                return rc;
            until = pp_mono_s() + interval * (1 + 0.5 * j);
            while (!hs->state[rank] && pp_mono_s() < until)
                if ((rc = pump(r, (int)((until - pp_mono_s()) * 1000) + 1)) < 0)
                    return rc;
            pos = fmap_find(&r->map, item);
            if (pos >= 0)
                flight_remove(r, pos);
            if (!unreach && hs->slow_silent >= SLOW_GIVE_UP)
                break;
        }
        if (hs->state[rank] == PP_PS_CLOSED) {
            /* Silent at full speed, answered when slow: rate limiting. */
            hs->icmp_limited = 1;
            hs->icmp_interval = interval;
        }
        if (!hs->state[rank]) {
            hs->slow_silent++;
            decide(r, item, PP_PS_OPEN_FILTERED, PP_R_NO_RESPONSE, 0);
        }
        progress(r, pp_mono_s(), 0);
    }
    return 0;
}

int pp_scan_result_init(struct pp_scan_result *res, const struct pp_targets *t,
                        const struct pp_portset *ports, int tcp, int udp, char *err)
{
    int p, proto, rank = 0;
    uint64_t h;

    memset(res, 0, sizeof *res);
    res->nhosts = t->count;
    res->hosts = calloc((size_t)(t->count ? t->count : 1), sizeof *res->hosts);
    res->port_of = calloc(65536 * 2, sizeof *res->port_of);
    if (!res->hosts || !res->port_of) {
        snprintf(err, 256, "out of memory for %llu hosts", (unsigned long long)t->count);
        return -ENOMEM;
    }
    for (proto = 0; proto < 2; proto++) {
        if (!(proto ? udp : tcp))
            continue;
        for (p = pp_ports_next(ports, proto, 0); p < 65536; p = pp_ports_next(ports, proto, p + 1))
            res->port_of[rank++] = (uint16_t)p;
        if (proto == 0)
            res->ntcp = rank;
    }
    res->nports = rank;
    if (rank == 0) {
        snprintf(err, 256, "no ports to scan");
        return -EINVAL;
    }
    for (h = 0; h < t->count; h++)
        res->hosts[h].addr = pp_targets_at(t, h);
    return 0;
}

int pp_scan_host_alloc(struct pp_scan_result *res, struct pp_scan_host *hs)
{
    if (!hs->state) {
        size_t n = (size_t)res->nports;
        hs->state = calloc(n, 3);
        if (!hs->state)
            return -ENOMEM;
        hs->reason = hs->state + n;
        hs->ttl = hs->state + 2 * n;
    }
    return 0;
}

static int setup(struct run *r, const struct pp_scan_job *job, struct pp_scan_result *res, char *err)
{
    const struct pp_targets *t = job->targets;
    uint64_t base = 0;
    int proto, rank, rc;
    size_t i, cap;

    r->job = job;
    r->res = res;
    if ((rc = pp_scan_result_init(res, t, job->ports, job->tcp, job->udp, err)) < 0)
        return rc;
    r->rank[0] = malloc(65536 * sizeof *r->rank[0]);
    r->rank[1] = malloc(65536 * sizeof *r->rank[1]);
    r->hr = calloc(t->n ? t->n : 1, sizeof *r->hr);
    if (!r->rank[0] || !r->rank[1] || !r->hr) {
        snprintf(err, 256, "out of memory");
        return -ENOMEM;
    }
    for (proto = 0; proto < 2; proto++)
        memset(r->rank[proto], 0xff, 65536 * sizeof *r->rank[proto]);
    for (rank = 0; rank < res->nports; rank++)
        r->rank[rank >= res->ntcp][res->port_of[rank]] = (int32_t)rank;
    rank = res->nports;
    for (i = 0; i < t->n; i++) {
        r->hr[i].lo = t->r[i].lo;
        r->hr[i].hi = t->r[i].hi;
        r->hr[i].base = base;
        base += (uint64_t)(t->r[i].hi - t->r[i].lo) + 1;
    }
    r->nhr = t->n;
    qsort(r->hr, r->nhr, sizeof *r->hr, cmp_hr);
    for (i = 1; i < r->nhr; i++)
        if (r->hr[i].lo <= r->hr[i - 1].hi) {
            snprintf(err, 256, "target ranges overlap; list each address once");
            return -EINVAL;
        }
    pp_scan_order_init(&r->order, t->count * (uint64_t)rank, job->randomize, job->seed, job->shard,
                       job->shards);
    r->steps = pp_scan_order_count(&r->order);
    r->nfl = job->timing.max_parallel > 0 ? job->timing.max_parallel : 1;
    r->fl = calloc((size_t)r->nfl, sizeof *r->fl);
    r->free_slots = calloc((size_t)r->nfl, sizeof *r->free_slots);
    for (r->nfree = 0; r->free_slots && r->nfree < r->nfl; r->nfree++)
        r->free_slots[r->nfree] = r->nfl - 1 - r->nfree;
    for (cap = 16; cap < (size_t)r->nfl * 4; cap *= 2)
        ;
    r->map.key = calloc(cap, sizeof *r->map.key);
    r->map.slot = calloc(cap, sizeof *r->map.slot);
    r->map.mask = cap - 1;
    r->capsilent = 1 << 16;
    r->silent = calloc(r->capsilent, sizeof *r->silent);
    if (!r->fl || !r->free_slots || !r->map.key || !r->map.slot || !r->silent) {
        snprintf(err, 256, "out of memory");
        return -ENOMEM;
    }
    r->timeout = job->timing.initial_rtt_ms / 1000.0;
    if (job->seed_rtt > 0)
        rtt_sample(r, job->seed_rtt); /* as nmap's timeouts start from its pings */
    /* nmap starts a group's window small and grows it with answers; a
     * high slow-start threshold lets a responsive target be scanned at the
     * speed it answers. */
    r->cwnd = job->timing.max_parallel < 10 ? job->timing.max_parallel : 10;
    r->ssthresh = job->timing.max_parallel;
    return 0;
}

static void teardown(struct run *r)
{
    free(r->rank[0]);
    free(r->rank[1]);
    free(r->hr);
    free(r->fl);
    free(r->free_slots);
    free(r->map.key);
    free(r->map.slot);
    free(r->silent);
}

void pp_scan_cut_at_first_gap(struct pp_scan_result *res, uint64_t start, uint64_t steps,
                              uint64_t (*item_at)(const void *ctx, uint64_t step),
                              const void *ctx)
{
    uint64_t k, cut = steps;

    for (k = start; k < steps; k++) {
        uint64_t item = item_at(ctx, k);
        struct pp_scan_host *hs = &res->hosts[item / (uint64_t)res->nports];
        int rank = (int)(item % (uint64_t)res->nports);
        if (cut == steps) {
            if (!hs->state || hs->state[rank] == PP_PS_UNKNOWN)
                cut = k;
        } else if (hs->state && hs->state[rank] != PP_PS_UNKNOWN) {
            hs->state[rank] = PP_PS_UNKNOWN; /* the resumed run reports it */
            hs->reason[rank] = 0;
        }
    }
    /* A host left with no port known is not reported at all (its
     * discovery answer aside, the resumed run reports it). */
    for (k = 0; k < res->nhosts; k++) {
        struct pp_scan_host *hs = &res->hosts[k];
        int rank, known = 0;
        for (rank = 0; hs->state && rank < res->nports && !known; rank++)
            known = hs->state[rank] != PP_PS_UNKNOWN;
        if (hs->state && !known) {
            free(hs->state);
            hs->state = hs->reason = hs->ttl = NULL;
        }
    }
    res->interrupted = 1;
    res->resume_step = cut;
    res->steps = steps;
}

static uint64_t order_item(const void *ctx, uint64_t step)
{
    return pp_scan_order_at(ctx, step);
}

int pp_scan_run(const struct pp_scan_job *job, struct pp_scan_result *res, char *err)
{
    const struct pp_scan_timing *t = &job->timing;
    struct run r;
    int rc;
    double delay = t->scan_delay_ms / 1000.0;

    memset(&r, 0, sizeof r);
    if ((rc = setup(&r, job, res, err)) < 0)
        goto out;
    r.t0 = r.last_refill = r.last_stats = pp_mono_s();
    if (job->start_step > r.next_step)
        r.next_step = job->start_step < r.steps ? job->start_step : r.steps;
    for (;;) {
        double now = pp_mono_s(), wait;
        int i;
        if (pp_scan_stopped(job))
            break; /* interrupted: report what is finished (below) */
        /* Retransmit or give up on probes whose timeout passed. */
        double next_check = now + 3600;
        if (r.timeout < t->min_rtt_ms / 1000.0)
            r.timeout = t->min_rtt_ms / 1000.0;
        for (i = 0; i < r.nfl && now >= r.next_check; i++) {
            struct flight *f = &r.fl[i];
            long pos;
            uint64_t item;
            int tries;
            double due;
            if (!f->used)
                continue;
            /* Each retry waits longer (up to 4x), as nmap backs off. */
            due = f->sent + r.timeout * (1 << (f->tries > 3 ? 2 : f->tries - 1));
            if (now < due) {
                if (due < next_check)
                    next_check = due;
                continue;
            }
            item = f->item;
            tries = f->tries;
            pos = fmap_find(&r.map, item);
            flight_remove(&r, pos);
            if (t->host_timeout_ms && now - r.t0 > t->host_timeout_ms / 1000.0)
                r.res->hosts[item / (uint64_t)res->nports].timed_out = 1;
            /* As nmap: retransmit only as often as retransmissions have
             * been seen to help (one more than the best so far), up to
             * --max-retries; silent ports need not cost ten timeouts. */
            if (tries > (t->max_retries < r.max_success_try + 1 ? t->max_retries : r.max_success_try + 1) ||
                r.res->hosts[item / (uint64_t)res->nports].timed_out) {
                give_up(&r, item);
            } else if ((rc = send_probe(&r, item, tries + 1, now)) < 0 && rc != -ENOBUFS) {
                snprintf(err, 256, "sending a probe failed: %s", strerror(-rc));
                goto out;
            }
        }
        if (now >= r.next_check) /* the scan above ran: the earliest due time */
            r.next_check = next_check < now + r.timeout ? next_check : now + r.timeout;
        /* New probes, as the window, the rate and the delay allow. */
        if (job->timing.max_rate > 0) {
            r.tokens += (now - r.last_refill) * job->timing.max_rate;
            if (r.tokens > job->timing.max_rate / 10 + 1)
                r.tokens = job->timing.max_rate / 10 + 1;
        }
        r.last_refill = now;
        while (r.next_step < r.steps && now >= r.next_send &&
               (r.inflight < (int)r.cwnd ||
                (t->min_rate > 0 && (double)r.res->sent < t->min_rate * (now - r.t0))) &&
               r.inflight < r.nfl && (t->max_rate <= 0 || r.tokens >= 1)) {
            uint64_t item = pp_scan_order_at(&r.order, r.next_step);
            if ((rc = send_probe(&r, item, 1, now)) < 0) {
                if (rc == -ENOBUFS)
                    break; /* the link is full: try again after a pause */
                snprintf(err, 256, "sending a probe failed: %s", strerror(-rc));
                goto out;
            }
            r.next_step++;
            if (t->max_rate > 0)
                r.tokens -= 1;
            if (delay > 0)
                r.next_send = now + delay;
        }
        if (r.next_step >= r.steps && r.inflight == 0)
            break;
        /* Wait for answers until the next thing to do. */
        wait = r.inflight ? 0.005 : 0.001;
        if (delay > 0 && r.next_send > now)
            wait = r.next_send - now;
        if ((rc = pump(&r, (int)(wait * 1000) + 1)) < 0) {
            snprintf(err, 256, "receiving failed: %s", strerror(-rc));
            goto out;
        }
        progress(&r, pp_mono_s(), 0);
    }
    if (pp_scan_stopped(job)) {
        pp_scan_cut_at_first_gap(res, job->start_step, r.steps, order_item, &r.order);
    } else if ((rc = slow_udp_pass(&r)) < 0) {
        snprintf(err, 256, "sending a probe failed: %s", strerror(-rc));
        goto out;
    }
    progress(&r, pp_mono_s(), 1);
    res->seconds = pp_mono_s() - r.t0;
    rc = 0;
out:
    teardown(&r);
    return rc;
}

void pp_scan_result_free(struct pp_scan_result *res)
{
    uint64_t h;
    if (!res || !res->hosts)
        return;
    for (h = 0; h < res->nhosts; h++) {
        free(res->hosts[h].state);
        free(res->hosts[h].svc);
    }
    free(res->hosts);
    free(res->port_of);
    memset(res, 0, sizeof *res);
}
