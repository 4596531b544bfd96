/* vwire.c - the virtual wire, as a link and nothing more: a sender (holding
 * its stack's lock) puts a copy of the packet, after the impairments, in the
 * inbox of each port it is addressed to, due when the delay says; the
 * receiving stack's driver takes it with recv().  The wire never calls into
 * a stack: it tells the port's owner, through pp_link.ready, that a packet
 * can be received now, and the drivers (src/driver/vwire_driver.c) do the
 * rest.  Its clock is the one the driver gives it.
 *
 * Locks: each port's inbox has its own; the wire's lock guards the dice,
 * the tap, the hook and the impairment counters.  A wire with no
 * impairment, tap or hook running in real time takes the fast path: no
 * wire lock at all, so shards on different cores sending on one wire
 * meet only at the inbox they both deliver to.  Ports that share an
 * address are shards (pp__vwire_set_shard): a packet goes to one of them
 * by the symmetric RSS hash of its flow (include/portplex/wire/rss.h). */
#include "portplex/vwire.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "link/impair_dice.h"
#include "link/vwire_internal.h"
#include "portplex/link.h"
#include "portplex/wire/bytes.h"
#include "portplex/wire/pcap_file.h"
#include "portplex/wire/rss.h"
#include "portplex/wire/tcp_segment.h"
#include "wire/pbuf.h"


struct inflight {
    struct inflight *next; /* sorted by due, then by sequence */
    uint64_t due, seq;
    size_t len;
    struct pp_pbuf *pb; /* the sender's buffer, handed over (then pkt is empty) */
    uint8_t pkt[];
};

struct vport {
    struct pp_link link; /* link.priv points to the port */
    struct pp_vwire *w;
    uint32_t addr;
    char name[32];
    void *owner;
    unsigned shard, nshards;   /* nshards > 1: one of the shards at addr */
    /* Everything above is set when the port is made and read by every
     * sender looking for its destination; what follows is written per
     * packet by this port's shard alone.  On separate cache lines, so
     * senders of other shards scanning the ports do not pull the line
     * this shard writes (two shards read 1.07-1.79x one shard's
     * connections per second before, false sharing in post). */
    _Alignas(64) pthread_mutex_t mu; /* the inbox, seq, pending, delivered */
    struct inflight *q, *tail; /* the inbox */
    struct inflight *current;  /* what the last recv returned */
    uint64_t seq;              /* arrival order in this inbox */
    size_t pending;
    uint64_t delivered;
    /* Written only by the port's sender, which holds its stack's lock
     * (pp_link_ops.send); read by pp_vwire_stats. */
    _Alignas(64) atomic_ullong sent;
    atomic_ullong no_dest;
} __attribute__((aligned(64)));

struct pp_vwire {
    pthread_mutex_t lock;
    pthread_cond_t cv; /* a packet was queued, or stop: for a sleeping driver */
    int down;          /* pp_vwire_set_down: everything sent is lost */
    struct pp_vwire_config cfg;
    struct vport ports[PP_VWIRE_MAX_PORTS];
    atomic_int nports;
    struct pp__impair im; /* the dice and the rate limit (impair_dice.c) */
    uint64_t clock;
    uint64_t (*now)(void); /* the driver's clock; NULL: the stepped clock */
    uint64_t (*rt_now)(void); /* the last real-time clock given, never cleared */
    atomic_int fast;          /* the lock-free path applies (update_fast) */
    uint8_t rss_key[PP_RSS_KEY_LEN]; /* [c] steers flows among shards */
    struct pp_rss rss;               /* [c] the same, prepared */
    int wake;              /* pp__vwire_wake: a sleeping driver must return */
    struct pp_pcap_writer *tap;
    /* The tap's time: the wall clock when the wire was made, plus the
     * wire's own time since its first packet (virtual in step mode), so
     * a capture reads as real dates with the wire's spacing. */
    uint64_t tap_wall0_us, tap_now0;
    int tap_started;
    struct pp_vwire_stats stats; /* impairments; sent, delivered, no_dest live in ports */
    void (*hook)(void *arg, const char *from, const uint8_t *pkt, size_t len, const char *fate);
    void *hook_arg;
    int (*filter)(void *arg, const char *from, const uint8_t *pkt, size_t len); /* 1: drop */
    void *filter_arg;
    void *driver;
};

static uint64_t wire_now(struct pp_vwire *w)
{
    return w->now ? w->now() : w->clock;
}

/* Port lock held. */
static void enqueue(struct vport *port, struct inflight *f)
{
    struct inflight **pp = &port->q;

    f->seq = port->seq++;
    port->pending++;
    /* Most packets are due last: append in O(1). */
    if (!port->q || port->tail->due <= f->due) {
        f->next = NULL;
        if (port->q)
            port->tail->next = f;
        else
            port->q = f;
        port->tail = f;
        return;
    }
    while (*pp && ((*pp)->due < f->due || ((*pp)->due == f->due && (*pp)->seq < f->seq)))
        pp = &(*pp)->next;
    f->next = *pp;
    *pp = f;
}

static struct inflight *copy_of(const uint8_t *pkt, size_t len, uint64_t due)
{
    struct inflight *f = malloc(sizeof *f + len);
    if (!f)
        return NULL;
    f->len = len;
    f->due = due;
    f->pb = NULL;
    memcpy(f->pkt, pkt, len);
    return f;
}

/* Whether the lock-free path applies: real time, nothing to roll dice
 * for, nothing to tell (wire lock held). */
static void update_fast(struct pp_vwire *w)
{
    int fast = w->now && !w->down && !w->tap && !w->hook && !w->filter && pp__impair_none(&w->im.cfg);
    atomic_store_explicit(&w->fast, fast, memory_order_release);
}

static void count(atomic_ullong *c)
{
    /* One writer: a plain increment, made atomic only for the reader. */
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
                          memory_order_relaxed);
}

/* Puts a copy of pkt (the wire's version of it) in the inbox of every port
 * it is addressed to - of one shard when the address has several; how
 * many.  Called from either path (the wire's lock held or not); a packet
 * due later than now comes only from the locked one.  With pb (the fast
 * path's send_pbuf), pkt is pb's packet and post takes pb: a unicast packet
 * goes into the one inbox it is for as it is, without a copy. */
static int post(struct pp_vwire *w, struct vport *from, const uint8_t *pkt, size_t len,
                struct pp_pbuf *pb, uint64_t due, uint64_t now)
{
    uint32_t dst = len >= 20 ? pp_get32(pkt + 16) : 0, hash = 0;
    int i, n = 0, hashed = 0, handed, nports = atomic_load_explicit(&w->nports, memory_order_acquire);

    for (i = 0; i < nports; i++) {
        struct vport *p = &w->ports[i];
        struct inflight *f;
        if ((from && p == from) || !(p->addr == dst || dst == 0xffffffffu))
            continue;
        if (p->nshards > 1 && dst != 0xffffffffu) {
            if (!hashed) {
                hash = pp_rss_hash_ipv4(&w->rss, pkt, len);
                hashed = 1;
            }
            if (hash % p->nshards != p->shard)
                continue;
        }
        if (pb && dst != 0xffffffffu) {
            f = malloc(sizeof *f);
            if (f) {
                f->len = len;
                f->due = due;
                f->pb = pb;
                pb = NULL; /* the receiver's now: pkt must not be read again */
            }
        } else {
            f = copy_of(pkt, len, due);
        }
        if (!f) {
            pp_pbuf_free(pb);
            return n ? n : -ENOBUFS;
        }
        handed = f->pb != NULL; /* f is the receiver's once queued: not read after */
        pthread_mutex_lock(&p->mu);
        enqueue(p, f);
        pthread_mutex_unlock(&p->mu);
        n++;
        if (due <= now && w->now && p->link.ready)
            p->link.ready(p->link.ready_arg); /* receivable now: run to completion */
        if (handed)
            break; /* a unicast packet has one inbox */
    }
    pp_pbuf_free(pb); /* broadcast (copied) or no one's */
    if (!n) {
        if (from)
            count(&from->no_dest);
        else
            w->stats.no_dest++; /* injected: the wire's lock is held */
    }
    /* A driver sleeping - or about to sleep, having polled the stacks
     * before this packet was queued - must come back for it when it is
     * due: the flag makes a sleep that has not begun return at once (a
     * bare broadcast was lost then, and delayed packets waited for the
     * driver's 10 ms tick: an 11 ms round trip on a 1 ms wire). */
    if (n && due > now) { /* only the locked path delays: w->lock is held */
        w->wake = 1;
        pthread_cond_broadcast(&w->cv);
    }
    return n;
}

/* The slow path of a send: impairments, the tap, the filter and the hook,
 * under the wire's lock.  port is NULL for an injected packet. */
static int send_locked(struct pp_vwire *w, struct vport *port, const uint8_t *pkt, size_t len)
{
    const char *name = port ? port->name : "forged";
    uint8_t *copy = NULL;
    const uint8_t *out = pkt;
    const char *said = "";
    struct pp__fate fate = {0};
    uint64_t now;
    int rc;

    pthread_mutex_lock(&w->lock);
    now = wire_now(w);
    if (w->tap) {
        if (!w->tap_started) {
            w->tap_started = 1;
            w->tap_now0 = now;
        }
        pp_pcap_write(w->tap, pkt, len, w->tap_wall0_us + (now - w->tap_now0) * 1000);
    }
    if (w->filter && w->filter(w->filter_arg, name, pkt, len)) {
        w->stats.filtered++;
        if (w->hook)
            w->hook(w->hook_arg, name, pkt, len, "filtered");
        pthread_mutex_unlock(&w->lock);
        return 0; /* dropped by a firewall on the path: the sender cannot tell */
    }
    if (!w->down)
        pp__impair_fate(&w->im, len, now, &fate);
    if (w->down || (fate.what & PP__FATE_LOST)) {
        w->stats.lost++;
        if (w->hook)
            w->hook(w->hook_arg, name, pkt, len, "lost");
        pthread_mutex_unlock(&w->lock);
        return 0; /* lost on the wire: the sender cannot tell */
    }
    if (fate.what & PP__FATE_REORDERED) {
        said = "reordered";
        w->stats.reordered++;
    }
    if (fate.what & PP__FATE_CORRUPTED) {
        /* One bit of one byte flipped; checksums should catch it. */
        copy = malloc(len);
        if (!copy) {
            pthread_mutex_unlock(&w->lock);
            return -ENOBUFS;
        }
        memcpy(copy, pkt, len);
        copy[fate.flip_at] ^= fate.flip_mask;
        w->stats.corrupted++;
        out = copy;
        said = "corrupted";
    }
    rc = post(w, port, out, len, NULL, fate.due, now);
    if (rc > 0 && pp__impair_dup(&w->im) && post(w, port, out, len, NULL, fate.due, now) > 0) {
        w->stats.duplicated++;
        if (!copy)
            said = "duplicated";
    }
    if (w->hook)
        w->hook(w->hook_arg, name, pkt, len, said);
    pthread_mutex_unlock(&w->lock);
    free(copy);
    return rc < 0 ? rc : 0;
}

static int vwire_send(struct pp_link *l, const uint8_t *pkt, size_t len)
{
    struct vport *port = l->priv;
    struct pp_vwire *w = port->w;
    uint64_t now;
    int rc;

    count(&port->sent);
    if (atomic_load_explicit(&w->fast, memory_order_acquire)) {
        now = w->rt_now();
        rc = post(w, port, pkt, len, NULL, now, now);
        return rc < 0 ? rc : 0;
    }
    return send_locked(w, port, pkt, len);
}

int pp_vwire_inject(struct pp_vwire *w, const uint8_t *pkt, size_t len)
{
    if (!w || !pkt)
        return -EINVAL;
    if (len < 20 || len > 65535 || (pkt[0] >> 4) != 4)
        return -EINVAL;
    return send_locked(w, NULL, pkt, len);
}

void pp_vwire_set_filter(struct pp_vwire *w,
                         int (*fn)(void *arg, const char *from, const uint8_t *pkt, size_t len),
                         void *arg)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    w->filter = fn;
    w->filter_arg = arg;
    update_fast(w);
    pthread_mutex_unlock(&w->lock);
}

struct seg_ctx {
    struct pp_link *l;
    int rc;
};

static int send_one(void *arg, const uint8_t *seg, size_t len)
{
    struct seg_ctx *c = arg;
    c->rc = vwire_send(c->l, seg, len);
    return c->rc < 0;
}

/* Segmentation offload.  An ideal wire hands the whole packet over, as
 * Linux's loopback passes a GSO packet to the receiver uncut (the receiver
 * takes it as a GRO packet); a wire that loses, reorders, taps or shows
 * packets cuts it into the segments a NIC would send, so each meets the
 * dice on its own. */
static int vwire_send_tso(struct pp_link *l, const uint8_t *pkt, size_t len, uint16_t seg_payload)
{
    struct vport *port = l->priv;
    struct seg_ctx c = {l, 0};
    uint8_t *scratch;
    int n;

    if (atomic_load_explicit(&port->w->fast, memory_order_acquire))
        return vwire_send(l, pkt, len);
    scratch = malloc((size_t)seg_payload + 120);
    if (!scratch)
        return -ENOBUFS;
    n = pp_tcp_segment(pkt, len, seg_payload, scratch, (size_t)seg_payload + 120, send_one, &c);
    free(scratch);
    return n < 0 ? n : c.rc;
}

/* The sender's buffer itself: on an ideal wire it goes to the receiver as
 * it is, its checksum left to be filled in (as Linux's loopback passes
 * CHECKSUM_PARTIAL packets); anything that shows or alters the packet
 * takes the copying path with the checksum filled in first. */
static int vwire_send_pbuf(struct pp_link *l, struct pp_pbuf *p, uint16_t seg_payload)
{
    struct vport *port = l->priv;
    struct pp_vwire *w = port->w;
    uint64_t now;
    int rc;

    if (atomic_load_explicit(&w->fast, memory_order_acquire)) {
        count(&port->sent);
        now = w->rt_now();
        rc = post(w, port, p->data, p->len, p, now, now);
        return rc < 0 ? rc : 0;
    }
    pp_pbuf_csum_fill(p);
    rc = seg_payload ? vwire_send_tso(l, p->data, p->len, seg_payload) : vwire_send(l, p->data, p->len);
    pp_pbuf_free(p);
    return rc;
}

/* Takes the next packet due by now_ms off the inbox (port lock held);
 * NULL when there is none. */
static struct inflight *take_due(struct vport *port, uint64_t now_ms)
{
    struct inflight *f = port->q;

    if (!f || f->due > now_ms)
        return NULL;
    port->q = f->next;
    if (!port->q)
        port->tail = NULL;
    port->pending--;
    port->delivered++;
    return f;
}

static struct pp_pbuf *vwire_recv_pbuf(struct pp_link *l, uint64_t now_ms)
{
    struct vport *port = l->priv;
    struct inflight *f;
    struct pp_pbuf *p;

    pthread_mutex_lock(&port->mu);
    free(port->current);
    port->current = NULL;
    f = take_due(port, now_ms);
    pthread_mutex_unlock(&port->mu);
    if (!f)
        return NULL;
    p = f->pb;
    if (!p && (p = pp_pbuf_alloc(f->len)))
        memcpy(p->data, f->pkt, f->len); /* a copy made on the way (broadcast, impairments) */
    free(f);
    return p; /* NULL when out of memory: the packet is lost, as on a full NIC ring */
}

static const uint8_t *vwire_recv(struct pp_link *l, size_t *len, uint64_t now_ms)
{
    struct vport *port = l->priv;
    struct inflight *f;

    pthread_mutex_lock(&port->mu);
    free(port->current);
    port->current = NULL;
    f = take_due(port, now_ms);
    if (f && f->pb) { /* a handed-over buffer read by a copying reader */
        struct inflight *c;
        pp_pbuf_csum_fill(f->pb);
        c = copy_of(f->pb->data, f->pb->len, f->due);
        pp_pbuf_free(f->pb);
        free(f);
        f = c;
    }
    port->current = f;
    pthread_mutex_unlock(&port->mu);
    if (!f)
        return NULL;
    *len = f->len;
    return f->pkt;
}

static uint64_t vwire_next_due(struct pp_link *l)
{
    struct vport *port = l->priv;
    uint64_t due;

    pthread_mutex_lock(&port->mu);
    due = port->q ? port->q->due : UINT64_MAX;
    pthread_mutex_unlock(&port->mu);
    return due;
}

static const struct pp_link_ops vwire_ops = {.send = vwire_send,
                                             .send_tso = vwire_send_tso,
                                             .recv = vwire_recv,
                                             .next_due = vwire_next_due,
                                             .send_pbuf = vwire_send_pbuf,
                                             .recv_pbuf = vwire_recv_pbuf};

/* Whether key k spreads consecutive client ports to one server port over
 * every shard, for 2 to 8 shards: every window of 48 consecutive ports, at
 * each of 256 starting points, gives each shard at least a quarter of a
 * fair share.  A 16-bit repeating key maps the low bits of the hash to a
 * few of its own bits (Toeplitz is linear): with those zero every such
 * flow went to shard 0 (one draw in sixty), and a check of one window
 * aligned on 64 ports still passed keys whose hash follows port bits 5 and
 * 6 alone - 64 ports in a row on one shard when they straddle a multiple
 * of 64 (test_shards failed 4 times in 1,500 so; of the 58,668 keys that
 * check passed, 927 had such a run).  About one key in seven passes this
 * one, none with a run of 40; 0x6d5a does. */
#define SPREAD_WINDOW 48
#define SPREAD_STARTS 256
static int rss_key_spreads(uint16_t k)
{
    uint8_t key[PP_RSS_KEY_LEN];
    struct pp_rss r;
    uint32_t h[SPREAD_STARTS + SPREAD_WINDOW];
    unsigned n, i, s, per[8];

    pp_rss_sym_key(k, key);
    pp_rss_prepare(&r, key);
    for (i = 0; i < SPREAD_STARTS + SPREAD_WINDOW; i++)
        h[i] = pp_rss_hash_tuple(&r, 0xc0000201u, 0xc0000202u, (uint16_t)(49152 + i), 80);
    for (n = 2; n <= 8; n++) {
        for (s = 0; s < SPREAD_STARTS; s++) {
            memset(per, 0, sizeof per);
            for (i = 0; i < SPREAD_WINDOW; i++)
                per[h[s + i] % n]++;
            for (i = 0; i < n; i++)
                if (per[i] * n * 4 < SPREAD_WINDOW)
                    return 0;
        }
    }
    return 1;
}

/* A 16-bit symmetric key that spreads flows (rss_key_spreads): from the
 * seed when there is one (the same seed steers alike), else from the clock
 * and the wire's address; redrawn from the same stream while it does not
 * spread, the Microsoft specification's 0x6d5a after 64 draws. */
static void choose_rss_key(struct pp_vwire *w, uint64_t seed)
{
    struct timespec ts;
    uint64_t x = seed;
    uint16_t k = 0;
    int tries;

    if (!x) {
        clock_gettime(CLOCK_MONOTONIC, &ts);
        x = (uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec << 32 ^ (uint64_t)(uintptr_t)w;
    }
    for (tries = 0; tries < 64; tries++) {
        uint64_t z = (x += 0x9E3779B97F4A7C15ull);
        z = (z ^ z >> 31) * 0xBF58476D1CE4E5B9ull;
        z ^= z >> 29;
        k = (uint16_t)(z >> 17);
        if (k && rss_key_spreads(k))
            break;
        k = 0;
    }
    pp_rss_sym_key(k ? k : 0x6d5a, w->rss_key);
    pp_rss_prepare(&w->rss, w->rss_key);
}

struct pp_vwire *pp_vwire_new(const struct pp_vwire_config *cfg, char *err)
{
    struct pp_vwire *w;
    struct pp_vwire_config c;
    struct pp_impair im;

    if (!err)
        return NULL;
    memset(&c, 0, sizeof c);
    if (cfg)
        c = *cfg;
    im = (struct pp_impair){.seed = c.seed, .loss = c.loss, .dup = c.dup, .reorder = c.reorder,
                            .corrupt = c.corrupt, .delay_ms = c.delay_ms,
                            .reorder_ms = c.reorder_ms, .rate_bps = c.rate_bps};
    if (pp__impair_check(&im, err) < 0)
        return NULL;
    if (!c.mtu)
        c.mtu = 1500;
    if (c.mtu < 68) {
        snprintf(err, 256, "MTU %u is below IPv4's minimum of 68", c.mtu);
        return NULL;
    }
    w = aligned_alloc(64, (sizeof *w + 63) / 64 * 64);
    if (!w) {
        snprintf(err, 256, "out of memory");
        return NULL;
    }
    memset(w, 0, sizeof *w);
    w->cfg = c;
    pp__impair_init(&w->im, &im);
    choose_rss_key(w, c.seed);
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->cv, NULL);
    if (c.pcap && !(w->tap = pp_pcap_writer_open(c.pcap, err))) {
        pp__vwire_destroy(w);
        return NULL;
    }
    if (w->tap) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        w->tap_wall0_us = (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
    }
    w->cfg.pcap = NULL;
    return w;
}

struct pp_link *pp__vwire_add_port(struct pp_vwire *w, uint32_t addr, const char *name, void *owner)
{
    struct vport *p;
    int n;

    pthread_mutex_lock(&w->lock);
    n = atomic_load(&w->nports);
    if (n == PP_VWIRE_MAX_PORTS) {
        pthread_mutex_unlock(&w->lock);
        return NULL;
    }
    p = &w->ports[n];
    memset(p, 0, sizeof *p);
    pthread_mutex_init(&p->mu, NULL);
    p->link.ops = &vwire_ops;
    p->link.mtu = w->cfg.mtu;
    p->link.priv = p;
    p->w = w;
    p->addr = addr;
    p->owner = owner;
    snprintf(p->name, sizeof p->name, "%s", name ? name : "");
    atomic_store_explicit(&w->nports, n + 1, memory_order_release);
    pthread_mutex_unlock(&w->lock);
    return &p->link;
}

void pp__vwire_set_shard(struct pp_link *l, unsigned index, unsigned count)
{
    struct vport *p = l->priv;
    pthread_mutex_lock(&p->w->lock);
    p->shard = index;
    p->nshards = count;
    pthread_mutex_unlock(&p->w->lock);
}

const uint8_t *pp__vwire_rss_key(struct pp_vwire *w)
{
    return w->rss_key;
}

int pp__vwire_nports(struct pp_vwire *w)
{
    return atomic_load_explicit(&w->nports, memory_order_acquire);
}

void *pp__vwire_port_owner(struct pp_vwire *w, int i)
{
    return i >= 0 && i < PP_VWIRE_MAX_PORTS ? w->ports[i].owner : NULL;
}

void **pp__vwire_driver(struct pp_vwire *w)
{
    return &w->driver;
}

void pp__vwire_set_clock(struct pp_vwire *w, uint64_t (*now)(void), uint64_t stepped_ms)
{
    pthread_mutex_lock(&w->lock);
    w->now = now;
    if (now)
        w->rt_now = now;
    if (stepped_ms > w->clock)
        w->clock = stepped_ms;
    update_fast(w);
    pthread_mutex_unlock(&w->lock);
}

int pp__vwire_due(struct pp_vwire *w, uint64_t now_ms)
{
    int i, due = 0, n = pp__vwire_nports(w);

    for (i = 0; i < n && !due; i++) {
        struct vport *p = &w->ports[i];
        pthread_mutex_lock(&p->mu);
        due = p->q && p->q->due <= now_ms;
        pthread_mutex_unlock(&p->mu);
    }
    return due;
}

void pp__vwire_sleep(struct pp_vwire *w, uint64_t ms)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += (time_t)(ms / 1000);
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&w->lock);
    if (!w->wake)
        pthread_cond_timedwait(&w->cv, &w->lock, &ts);
    w->wake = 0;
    pthread_mutex_unlock(&w->lock);
}

void pp__vwire_wake(struct pp_vwire *w)
{
    pthread_mutex_lock(&w->lock);
    w->wake = 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->lock);
}

void pp__vwire_destroy(struct pp_vwire *w)
{
    int i, n = pp__vwire_nports(w);

    for (i = 0; i < n; i++) {
        struct inflight *f, *next;
        for (f = w->ports[i].q; f; f = next) {
            next = f->next;
            pp_pbuf_free(f->pb);
            free(f);
        }
        free(w->ports[i].current);
        pthread_mutex_destroy(&w->ports[i].mu);
    }
    pp_pcap_writer_close(w->tap);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->lock);
    free(w);
}

void pp_vwire_on_packet(struct pp_vwire *w,
                        void (*fn)(void *arg, const char *from, const uint8_t *pkt, size_t len,
                                   const char *fate),
                        void *arg)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    w->hook = fn;
    w->hook_arg = arg;
    update_fast(w);
    pthread_mutex_unlock(&w->lock);
}

size_t pp_vwire_pending(struct pp_vwire *w)
{
    size_t n = 0;
    int i, np;

    if (!w)
        return 0;
    np = pp__vwire_nports(w);
    for (i = 0; i < np; i++) {
        pthread_mutex_lock(&w->ports[i].mu);
        n += w->ports[i].pending;
        pthread_mutex_unlock(&w->ports[i].mu);
    }
    return n;
}

void pp_vwire_stats(struct pp_vwire *w, struct pp_vwire_stats *out)
{
    int i, np;

    if (!w || !out)
        return;
    pthread_mutex_lock(&w->lock);
    *out = w->stats;
    pthread_mutex_unlock(&w->lock);
    np = pp__vwire_nports(w);
    for (i = 0; i < np; i++) {
        struct vport *p = &w->ports[i];
        out->sent += atomic_load_explicit(&p->sent, memory_order_relaxed);
        out->no_dest += atomic_load_explicit(&p->no_dest, memory_order_relaxed);
        pthread_mutex_lock(&p->mu);
        out->delivered += p->delivered;
        pthread_mutex_unlock(&p->mu);
    }
}

void pp_vwire_set_down(struct pp_vwire *w, int down)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    w->down = down;
    update_fast(w);
    pthread_mutex_unlock(&w->lock);
}
