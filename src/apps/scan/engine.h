/* engine.h - the raw-packet scan engine: sends probes for every (host,
 * port) in the chosen order, paced by nmap-style timing (adaptive RTT
 * timeout, a congestion window that grows with answers and halves on
 * drops, retransmissions, --min-rate/--max-rate), matches answers to
 * probes by their cookies, and infers each port's state and reason.  It
 * talks to the network through a small I/O table: raw sockets and libpcap
 * on the kernel (io_kernel.c), or a tap on a portplex stack (io_stack.c). */
#ifndef PP_SCAN_ENGINE_H
#define PP_SCAN_ENGINE_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "order.h"
#include "ports.h"
#include "probe.h"
#include "service.h"
#include "targets.h"

struct pp_scan_io {
    void *ctx;
    /* Sends one whole IPv4 packet; 0 or -errno (-ENOBUFS: try later). */
    int (*send)(void *ctx, const uint8_t *pkt, size_t len);
    /* Waits up to timeout_ms for one received IPv4 packet; its length, 0
     * on timeout, -errno on failure. */
    int (*recv)(void *ctx, uint8_t *buf, size_t cap, int timeout_ms);
    void (*close)(void *ctx);
};

/* nmap's timing knobs; pp_scan_timing_template fills them for -T0..-T5. */
struct pp_scan_timing {
    int initial_rtt_ms, min_rtt_ms, max_rtt_ms;
    int max_retries;
    int scan_delay_ms;  /* between probes (T0-T2) */
    int max_parallel;   /* probes in flight at most */
    double min_rate, max_rate; /* probes per second, 0 = none */
    long host_timeout_ms; /* give up on a host after this long, 0 = never */
};
void pp_scan_timing_template(int level, struct pp_scan_timing *t);

/* One host's results, indexed by port rank (TCP ports first, then UDP). */
struct pp_scan_host {
    uint32_t addr;
    uint8_t *state, *reason, *ttl;
    int up;            /* something answered (or host discovery did) */
    int up_reason;     /* enum pp_scan_up_reason of discovery, 0 = none/-Pn */
    int timed_out;     /* --host-timeout hit */
    int icmp_limited;  /* ICMP port-unreachable rate limiting was seen */
    double icmp_interval; /* the pace silent UDP ports were probed again at */
    int slow_silent;      /* slow re-probes that stayed silent */
    double latency;       /* s: discovery's round trip, else the first answer's; 0 unknown */
    struct pp_scan_svc *svc; /* -sV / --banners: what open TCP ports said (banner.c) */
    int nsvc;
};

struct pp_scan_job {
    const struct pp_targets *targets;
    const struct pp_portset *ports;
    int tcp, udp;               /* scan TCP ports (with probe.kind) / UDP ports */
    struct pp_scan_probe_cfg probe;
    struct pp_scan_timing timing;
    int randomize;
    uint64_t seed, shard, shards;
    struct pp_scan_io *io;
    int progress;               /* live progress line on stderr */
    double stats_every;         /* --stats-every: nmap's status lines on stdout this often (s), 0 off */
    double slow_udp_interval;   /* seconds between slow UDP re-probes (0: 1.05, for Linux) */
    /* Called as each port's final state is known (for -oJ); may be NULL. */
    void (*on_port)(void *arg, const struct pp_scan_host *h, int udp, uint16_t port, int rank);
    void *arg;
    /* Interrupt and resume: a signal handler setting *stop (NULL: none)
     * ends the scan early; start_step skips the first steps of the order,
     * which an interrupted run of the same scan (same seed) finished. */
    volatile sig_atomic_t *stop;
    uint64_t start_step;
    /* Run-time interaction (nmap's keys): tick(tick_arg) is called every
     * few milliseconds while the scan runs; setting *stats_now (NULL:
     * none) asks for one status line, as --stats-every prints. */
    void (*tick)(void *arg);
    void *tick_arg;
    volatile sig_atomic_t *stats_now;
    /* A round-trip time measured before the scan (host discovery's), s;
     * the timeouts start from it instead of initial_rtt_ms.  0: none. */
    double seed_rtt;
};

struct pp_scan_result {
    struct pp_scan_host *hosts; /* one per target, in target order */
    uint64_t nhosts;
    int nports, ntcp;           /* ranks: [0, ntcp) TCP, [ntcp, nports) UDP */
    uint16_t *port_of;          /* rank -> port */
    uint64_t sent, answers, retransmits, drops;
    double seconds;
    /* Set when *job->stop ended the scan: the result then holds exactly the
     * steps [start_step, resume_step) of the order, every later port left
     * unknown (unreported), so a run from resume_step completes the scan
     * with each port reported once.  steps: all steps of the order. */
    int interrupted;
    uint64_t resume_step, steps;
};

/* Whether *job->stop asks the scan to end (both engines ask often). */
static inline int pp_scan_stopped(const struct pp_scan_job *job)
{
    return job->stop && *job->stop;
}

/* Both engines' call every few milliseconds: runs job->tick, and returns 1
 * (clearing the request) when it asked for a status line. */
int pp_scan_job_tick(const struct pp_scan_job *job);

/* After an interrupted run: finds the first step whose port has no state
 * yet (item_at maps a step to host * nports + rank) and forgets any state
 * found beyond it.  Shared by both engines. */
void pp_scan_cut_at_first_gap(struct pp_scan_result *res, uint64_t start, uint64_t steps,
                              uint64_t (*item_at)(const void *ctx, uint64_t step),
                              const void *ctx);

/* Sets up res for targets x ports (ranks, addresses); hosts' arrays come
 * later from pp_scan_host_alloc.  0 or -errno with a message in err. */
int pp_scan_result_init(struct pp_scan_result *res, const struct pp_targets *t,
                        const struct pp_portset *ports, int tcp, int udp, char *err);
int pp_scan_host_alloc(struct pp_scan_result *res, struct pp_scan_host *hs);

/* Runs the scan; 0, or -errno with a message in err (256 bytes). */
int pp_scan_run(const struct pp_scan_job *job, struct pp_scan_result *res, char *err);
void pp_scan_result_free(struct pp_scan_result *res);

#endif
