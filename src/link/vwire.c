/* vwire.c - the virtual wire, as a link and nothing more: a sender (holding
 * its stack's lock) puts a copy of the packet, after the impairments, in the
 * inbox of each port it is addressed to, due when the delay says; the
 * receiving stack's driver takes it with recv().  The wire never calls into
 * a stack: it tells the port's owner, through pp_link.ready, that a packet
 * can be received now, and the drivers (src/driver/vwire_driver.c) do the
 * rest.  Its clock is the one the driver gives it. */
#include "portplex/vwire.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "link/vwire_internal.h"
#include "portplex/link.h"
#include "portplex/wire/bytes.h"
#include "portplex/wire/pcap_file.h"

#define MAX_PORTS 64

struct inflight {
    struct inflight *next; /* sorted by due, then by sequence */
    uint64_t due, seq;
    size_t len;
    uint8_t pkt[];
};

struct vport {
    struct pp_link link; /* link.priv points to the port */
    struct pp_vwire *w;
    uint32_t addr;
    char name[32];
    void *owner;
    struct inflight *q, *tail; /* the inbox */
    struct inflight *current;  /* what the last recv returned */
};

struct pp_vwire {
    pthread_mutex_t lock;
    pthread_cond_t cv; /* a packet was queued, or stop: for a sleeping driver */
    int down;          /* pp_vwire_set_down: everything sent is lost */
    struct pp_vwire_config cfg;
    struct vport ports[MAX_PORTS];
    int nports;
    size_t pending;
    uint64_t seq, rng, busy_until, clock;
    uint64_t (*now)(void); /* the driver's clock; NULL: the stepped clock */
    int wake;              /* pp__vwire_wake: a sleeping driver must return */
    struct pp_pcap_writer *tap;
    struct pp_vwire_stats stats;
    void (*hook)(void *arg, const char *from, const uint8_t *pkt, size_t len, const char *fate);
    void *hook_arg;
    void *driver;
};

/* xorshift64*: fast, seedable, good enough for impairment dice. */
static double dice(struct pp_vwire *w)
{
    w->rng ^= w->rng >> 12;
    w->rng ^= w->rng << 25;
    w->rng ^= w->rng >> 27;
    return (double)((w->rng * 0x2545F4914F6CDD1Dull) >> 11) / 9007199254740992.0;
}

static uint64_t wire_now(struct pp_vwire *w)
{
    return w->now ? w->now() : w->clock;
}

static void enqueue(struct vport *port, struct inflight *f)
{
    struct inflight **pp = &port->q;

    port->w->pending++;
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

static struct inflight *copy_of(struct pp_vwire *w, const uint8_t *pkt, size_t len, uint64_t due)
{
    struct inflight *f = malloc(sizeof *f + len);
    if (!f)
        return NULL;
    f->len = len;
    f->due = due;
    f->seq = w->seq++;
    memcpy(f->pkt, pkt, len);
    return f;
}

/* Puts a copy of pkt (the wire's version of it) in the inbox of every port
 * it is addressed to; how many.  Lock held. */
static int post(struct pp_vwire *w, const struct vport *from, const uint8_t *pkt, size_t len,
                uint64_t due, uint64_t now)
{
    uint32_t dst = len >= 20 ? pp_get32(pkt + 16) : 0;
    int i, n = 0;

    for (i = 0; i < w->nports; i++) {
        struct vport *p = &w->ports[i];
        struct inflight *f;
        if (p == from || !(p->addr == dst || dst == 0xffffffffu))
            continue;
        f = copy_of(w, pkt, len, due);
        if (!f)
            return n ? n : -ENOBUFS;
        enqueue(p, f);
        n++;
        if (due <= now && w->now && p->link.ready)
            p->link.ready(p->link.ready_arg); /* receivable now: run to completion */
    }
    if (!n)
        w->stats.no_dest++;
    if (n && due > now)
        pthread_cond_broadcast(&w->cv); /* a sleeping driver may wake sooner */
    return n;
}

static int vwire_send(struct pp_link *l, const uint8_t *pkt, size_t len)
{
    struct vport *port = l->priv;
    struct pp_vwire *w = port->w;
    uint8_t *copy = NULL;
    const uint8_t *out = pkt;
    const char *fate = "";
    uint64_t now, due;
    int rc;

    pthread_mutex_lock(&w->lock);
    now = wire_now(w);
    w->stats.sent++;
    if (w->tap)
        pp_pcap_write(w->tap, pkt, len, now * 1000);
    if (w->down || dice(w) < w->cfg.loss) {
        w->stats.lost++;
        if (w->hook)
            w->hook(w->hook_arg, port->name, pkt, len, "lost");
        pthread_mutex_unlock(&w->lock);
        return 0; /* lost on the wire: the sender cannot tell */
    }
    due = now;
    if (w->cfg.rate_bps) {
        /* Serialization: one packet on the wire at a time. */
        uint64_t start = w->busy_until > now ? w->busy_until : now;
        w->busy_until = start + (len * 8 * 1000 + w->cfg.rate_bps - 1) / w->cfg.rate_bps;
        due = w->busy_until;
    }
    due += w->cfg.delay_ms;
    if (dice(w) < w->cfg.reorder) {
        fate = "reordered";
        w->stats.reordered++;
        due += w->cfg.reorder_ms ? w->cfg.reorder_ms : w->cfg.delay_ms + 1;
    }
    if (dice(w) < w->cfg.corrupt && len > 0) {
        /* Flip one bit of one byte; checksums should catch it. */
        size_t at = (size_t)(dice(w) * (double)len);
        copy = malloc(len);
        if (!copy) {
            pthread_mutex_unlock(&w->lock);
            return -ENOBUFS;
        }
        memcpy(copy, pkt, len);
        copy[at < len ? at : len - 1] ^= (uint8_t)(1u << (int)(dice(w) * 8));
        w->stats.corrupted++;
        out = copy;
        fate = "corrupted";
    }
    rc = post(w, port, out, len, due, now);
    if (rc > 0 && dice(w) < w->cfg.dup && post(w, port, out, len, due, now) > 0) {
        w->stats.duplicated++;
        if (!copy)
            fate = "duplicated";
    }
    if (w->hook)
        w->hook(w->hook_arg, port->name, pkt, len, fate);
    pthread_mutex_unlock(&w->lock);
    free(copy);
    return rc < 0 ? rc : 0;
}

static const uint8_t *vwire_recv(struct pp_link *l, size_t *len, uint64_t now_ms)
{
    struct vport *port = l->priv;
    struct pp_vwire *w = port->w;
    struct inflight *f;

    pthread_mutex_lock(&w->lock);
    free(port->current);
    port->current = NULL;
    f = port->q;
    if (!f || f->due > now_ms) {
        pthread_mutex_unlock(&w->lock);
        return NULL;
    }
    port->q = f->next;
    if (!port->q)
        port->tail = NULL;
    w->pending--;
    w->stats.delivered++;
    port->current = f;
    pthread_mutex_unlock(&w->lock);
    *len = f->len;
    return f->pkt;
}

static uint64_t vwire_next_due(struct pp_link *l)
{
    struct vport *port = l->priv;
    uint64_t due;

    pthread_mutex_lock(&port->w->lock);
    due = port->q ? port->q->due : UINT64_MAX;
    pthread_mutex_unlock(&port->w->lock);
    return due;
}

static const struct pp_link_ops vwire_ops = {.send = vwire_send, .recv = vwire_recv, .next_due = vwire_next_due};

struct pp_vwire *pp_vwire_new(const struct pp_vwire_config *cfg, char *err)
{
    struct pp_vwire *w;
    struct pp_vwire_config c;

    memset(&c, 0, sizeof c);
    if (cfg)
        c = *cfg;
    if (c.loss < 0 || c.loss > 1 || c.dup < 0 || c.dup > 1 || c.reorder < 0 || c.reorder > 1 ||
        c.corrupt < 0 || c.corrupt > 1) {
        snprintf(err, 256, "impairment probabilities must lie between 0 and 1");
        return NULL;
    }
    if (!c.mtu)
        c.mtu = 1500;
    if (c.mtu < 68) {
        snprintf(err, 256, "MTU %u is below IPv4's minimum of 68", c.mtu);
        return NULL;
    }
    w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, 256, "out of memory");
        return NULL;
    }
    w->cfg = c;
    w->rng = c.seed * 0x9E3779B97F4A7C15ull + 0x1234567u;
    if (!w->rng)
        w->rng = 1;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->cv, NULL);
    if (c.pcap && !(w->tap = pp_pcap_writer_open(c.pcap, err))) {
        pp__vwire_destroy(w);
        return NULL;
    }
    w->cfg.pcap = NULL;
    return w;
}

struct pp_link *pp__vwire_add_port(struct pp_vwire *w, uint32_t addr, const char *name, void *owner)
{
    struct vport *p;

    pthread_mutex_lock(&w->lock);
    if (w->nports == MAX_PORTS) {
        pthread_mutex_unlock(&w->lock);
        return NULL;
    }
    p = &w->ports[w->nports++];
    memset(p, 0, sizeof *p);
    p->link.ops = &vwire_ops;
    p->link.mtu = w->cfg.mtu;
    p->link.priv = p;
    p->w = w;
    p->addr = addr;
    p->owner = owner;
    snprintf(p->name, sizeof p->name, "%s", name ? name : "");
    pthread_mutex_unlock(&w->lock);
    return &p->link;
}

int pp__vwire_nports(struct pp_vwire *w)
{
    int n;
    pthread_mutex_lock(&w->lock);
    n = w->nports;
    pthread_mutex_unlock(&w->lock);
    return n;
}

void *pp__vwire_port_owner(struct pp_vwire *w, int i)
{
    return i >= 0 && i < MAX_PORTS ? w->ports[i].owner : NULL;
}

void **pp__vwire_driver(struct pp_vwire *w)
{
    return &w->driver;
}

void pp__vwire_set_clock(struct pp_vwire *w, uint64_t (*now)(void), uint64_t stepped_ms)
{
    pthread_mutex_lock(&w->lock);
    w->now = now;
    if (stepped_ms > w->clock)
        w->clock = stepped_ms;
    pthread_mutex_unlock(&w->lock);
}

int pp__vwire_due(struct pp_vwire *w, uint64_t now_ms)
{
    int i, due = 0;

    pthread_mutex_lock(&w->lock);
    for (i = 0; i < w->nports && !due; i++)
        due = w->ports[i].q && w->ports[i].q->due <= now_ms;
    pthread_mutex_unlock(&w->lock);
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
    int i;

    for (i = 0; i < w->nports; i++) {
        struct inflight *f, *n;
        for (f = w->ports[i].q; f; f = n) {
            n = f->next;
            free(f);
        }
        free(w->ports[i].current);
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
    pthread_mutex_lock(&w->lock);
    w->hook = fn;
    w->hook_arg = arg;
    pthread_mutex_unlock(&w->lock);
}

size_t pp_vwire_pending(struct pp_vwire *w)
{
    size_t n;
    pthread_mutex_lock(&w->lock);
    n = w->pending;
    pthread_mutex_unlock(&w->lock);
    return n;
}

void pp_vwire_stats(struct pp_vwire *w, struct pp_vwire_stats *out)
{
    pthread_mutex_lock(&w->lock);
    *out = w->stats;
    pthread_mutex_unlock(&w->lock);
}

void pp_vwire_set_down(struct pp_vwire *w, int down)
{
    pthread_mutex_lock(&w->lock);
    w->down = down;
    pthread_mutex_unlock(&w->lock);
}
