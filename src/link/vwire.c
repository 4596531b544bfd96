/* vwire.c - the virtual wire.  A sender (holding its stack's lock) only
 * queues under the wire's own lock; delivery happens later, from the wire's
 * thread or pp_vwire_step, with no lock held, so stacks never call into each
 * other while locked. */
#include "portplex/vwire.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portplex/link.h"
#include "stack/pbuf.h"
#include "portplex/stack.h"
#include "portplex/wire/ipv4.h"
#include "portplex/wire/pcap_file.h"
#include "portplex/wire/bytes.h"

#define MAX_PORTS 64

struct inflight {
    struct inflight *next; /* sorted by due, then by sequence */
    uint64_t due, seq;
    struct pp_stack *from;
    size_t len;
    uint8_t *pkt;          /* points into buf */
    struct pp_pbuf *buf;   /* from the pbuf cache: no allocator churn per packet */
};

static void inflight_free(struct inflight *f)
{
    pp_pbuf_free(f->buf);
    free(f);
}

struct vport {
    struct pp_link link; /* link.priv points to the port */
    struct pp_vwire *w;
    struct pp_stack *st;
};

struct pp_vwire {
    pthread_mutex_t lock;
    int down; /* pp_vwire_set_down: everything sent is lost */
    pthread_cond_t cv;
    struct pp_vwire_config cfg;
    struct vport ports[MAX_PORTS];
    int nports;
    struct inflight *q, *tail;
    size_t pending;
    uint64_t seq, rng, busy_until, clock;
    int manual; /* time from pp_vwire_step rather than the clock */
    struct pp_pcap_writer *tap;
    struct pp_vwire_stats stats;
    pthread_t thread;
    int running, stop;
    void (*hook)(void *arg, const char *from, const uint8_t *pkt, size_t len, const char *fate);
    void *hook_arg;
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
    return w->manual ? w->clock : pp_now_ms();
}

static void enqueue(struct pp_vwire *w, struct inflight *f)
{
    struct inflight **pp = &w->q;

    w->pending++;
    /* Most packets are due last: append in O(1). */
    if (!w->q || w->tail->due <= f->due) {
        f->next = NULL;
        if (w->q)
            w->tail->next = f;
        else
            w->q = f;
        w->tail = f;
        return;
    }
    while (*pp && ((*pp)->due < f->due || ((*pp)->due == f->due && (*pp)->seq < f->seq)))
        pp = &(*pp)->next;
    f->next = *pp;
    *pp = f;
}

static struct inflight *copy_of(struct pp_vwire *w, struct pp_stack *from, const uint8_t *pkt,
                                size_t len, uint64_t due)
{
    struct inflight *f = malloc(sizeof *f);
    if (!f)
        return NULL;
    f->buf = pp_pbuf_alloc(len);
    if (!f->buf) {
        free(f);
        return NULL;
    }
    f->pkt = f->buf->data;
    f->from = from;
    f->len = len;
    f->due = due;
    f->seq = w->seq++;
    memcpy(f->pkt, pkt, len);
    return f;
}

static int vwire_send(struct pp_link *l, const uint8_t *pkt, size_t len)
{
    struct vport *port = l->priv;
    struct pp_vwire *w = port->w;
    struct inflight *f;
    uint64_t now, due;
    int reordered = 0;

    pthread_mutex_lock(&w->lock);
    now = wire_now(w);
    w->stats.sent++;
    if (w->tap)
        pp_pcap_write(w->tap, pkt, len, now * 1000);
    if (w->down || dice(w) < w->cfg.loss) {
        w->stats.lost++;
        if (w->hook)
            w->hook(w->hook_arg, pp_stack_name(port->st), pkt, len, "lost");
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
        reordered = 1;
        w->stats.reordered++;
        due += w->cfg.reorder_ms ? w->cfg.reorder_ms : w->cfg.delay_ms + 1;
    }
    f = copy_of(w, port->st, pkt, len, due);
    if (!f) {
        pthread_mutex_unlock(&w->lock);
        return -ENOBUFS;
    }
    if (dice(w) < w->cfg.corrupt && len > 0) {
        /* Flip one bit of one byte; checksums should catch it. */
        size_t at = (size_t)(dice(w) * (double)len);
        f->pkt[at < len ? at : len - 1] ^= (uint8_t)(1u << (int)(dice(w) * 8));
        w->stats.corrupted++;
    }
    enqueue(w, f);
    {
        const char *fate = reordered ? "reordered" : "";
        if (dice(w) < w->cfg.dup) {
            struct inflight *d = copy_of(w, port->st, f->pkt, len, due);
            if (d) {
                enqueue(w, d);
                w->stats.duplicated++;
                fate = "duplicated";
            }
        }
        if (w->hook)
            w->hook(w->hook_arg, pp_stack_name(port->st), pkt, len,
                    memcmp(pkt, f->pkt, len) ? "corrupted" : fate);
    }
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->lock);
    return 0;
}

static const struct pp_link_ops vwire_ops = {.send = vwire_send};

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
        pp_vwire_free(w);
        return NULL;
    }
    w->cfg.pcap = NULL;
    return w;
}

int pp_vwire_attach(struct pp_vwire *w, struct pp_stack *st)
{
    struct vport *p;

    pthread_mutex_lock(&w->lock);
    if (w->nports == MAX_PORTS) {
        pthread_mutex_unlock(&w->lock);
        return -ENOSPC;
    }
    p = &w->ports[w->nports++];
    p->link.ops = &vwire_ops;
    p->link.mtu = w->cfg.mtu;
    p->link.priv = p;
    p->w = w;
    p->st = st;
    pthread_mutex_unlock(&w->lock);
    pp_stack_attach(st, &p->link);
    return 0;
}

/* Delivers f (wire lock not held): to the stack owning the destination,
 * or to every other stack for a broadcast. */
static int deliver(struct pp_vwire *w, struct inflight *f)
{
    uint32_t dst = f->len >= 20 ? pp_get32(f->pkt + 16) : 0;
    int i, n = 0;

    for (i = 0; i < w->nports; i++) {
        struct pp_stack *st = w->ports[i].st;
        if (st == f->from)
            continue;
        if (pp_stack_addr(st) == dst || dst == 0xffffffffu) {
            pp_stack_input(st, f->pkt, f->len);
            n++;
        }
    }
    return n;
}

/* Takes the packets due by now off the queue (lock held). */
static struct inflight *take_due(struct pp_vwire *w, uint64_t now)
{
    struct inflight *head = w->q, **pp = &w->q;

    if (!head || head->due > now)
        return NULL;
    while (*pp && (*pp)->due <= now) {
        pp = &(*pp)->next;
        w->pending--;
    }
    w->q = *pp;
    *pp = NULL;
    if (!w->q)
        w->tail = NULL;
    return head;
}

/* The one stack a unicast packet goes to, or NULL (broadcasts, no one). */
static struct pp_stack *unicast_dest(struct pp_vwire *w, const struct inflight *f)
{
    uint32_t dst = f->len >= 20 ? pp_get32(f->pkt + 16) : 0;
    int i;

    if (dst == 0xffffffffu)
        return NULL;
    for (i = 0; i < w->nports; i++)
        if (w->ports[i].st != f->from && pp_stack_addr(w->ports[i].st) == dst)
            return w->ports[i].st;
    return NULL;
}

static size_t deliver_list(struct pp_vwire *w, struct inflight *list)
{
    enum { RUN = 32 };
    size_t n = 0, delivered = 0, no_dest = 0;

    while (list) {
        /* A run of unicast packets to one stack goes in as one burst. */
        struct pp_stack *st = unicast_dest(w, list);
        struct inflight *run[RUN];
        const uint8_t *pkts[RUN];
        size_t lens[RUN], k = 0, i;

        if (!st) {
            struct inflight *next = list->next;
            int got = deliver(w, list); /* broadcast, or nobody */
            delivered += (size_t)got;
            no_dest += !got;
            n += (size_t)got;
            inflight_free(list);
            list = next;
            continue;
        }
        while (list && k < RUN && unicast_dest(w, list) == st) {
            run[k] = list;
            pkts[k] = list->pkt;
            lens[k] = list->len;
            k++;
            list = list->next;
        }
        pp_stack_input_many(st, pkts, lens, k);
        for (i = 0; i < k; i++)
            inflight_free(run[i]);
        delivered += k;
        n += k;
    }
    pthread_mutex_lock(&w->lock);
    w->stats.delivered += delivered;
    w->stats.no_dest += no_dest;
    pthread_mutex_unlock(&w->lock);
    return n;
}

size_t pp_vwire_step(struct pp_vwire *w, uint64_t now_ms)
{
    size_t n = 0;
    int i;

    for (;;) {
        struct inflight *list;
        pthread_mutex_lock(&w->lock);
        w->manual = 1;
        if (now_ms > w->clock)
            w->clock = now_ms;
        list = take_due(w, now_ms);
        pthread_mutex_unlock(&w->lock);
        for (i = 0; i < w->nports; i++)
            pp_stack_poll(w->ports[i].st, now_ms);
        if (!list)
            break;
        n += deliver_list(w, list);
    }
    return n;
}

static void *wire_thread(void *arg)
{
    struct pp_vwire *w = arg;
    uint64_t last_poll = 0;

    pthread_mutex_lock(&w->lock);
    while (!w->stop) {
        uint64_t now = pp_now_ms();
        struct inflight *list = take_due(w, now);
        int i;

        if (list || now - last_poll >= 10) {
            pthread_mutex_unlock(&w->lock);
            deliver_list(w, list);
            if (now - last_poll >= 10) {
                for (i = 0; i < w->nports; i++)
                    pp_stack_poll(w->ports[i].st, now);
                last_poll = now;
            }
            pthread_mutex_lock(&w->lock);
            continue;
        }
        {
            /* Sleep until the next packet is due, at most 10 ms (timers). */
            uint64_t wait = 10;
            struct timespec ts;
            if (w->q && w->q->due > now && w->q->due - now < wait)
                wait = w->q->due - now;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += (long)wait * 1000000L;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&w->cv, &w->lock, &ts);
        }
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

int pp_vwire_start(struct pp_vwire *w)
{
    int rc;

    pthread_mutex_lock(&w->lock);
    if (w->running) {
        pthread_mutex_unlock(&w->lock);
        return -EALREADY;
    }
    w->manual = 0;
    w->stop = 0;
    rc = pthread_create(&w->thread, NULL, wire_thread, w);
    if (rc == 0)
        w->running = 1;
    pthread_mutex_unlock(&w->lock);
    return -rc;
}

void pp_vwire_stop(struct pp_vwire *w)
{
    pthread_mutex_lock(&w->lock);
    if (!w->running) {
        pthread_mutex_unlock(&w->lock);
        return;
    }
    w->stop = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    w->running = 0;
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

void pp_vwire_free(struct pp_vwire *w)
{
    struct inflight *f, *n;
    int i;

    if (!w)
        return;
    pp_vwire_stop(w);
    for (i = 0; i < w->nports; i++)
        pp_stack_attach(w->ports[i].st, NULL);
    for (f = w->q; f; f = n) {
        n = f->next;
        inflight_free(f);
    }
    pp_pcap_writer_close(w->tap);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->lock);
    free(w);
}

void pp_vwire_set_down(struct pp_vwire *w, int down)
{
    pthread_mutex_lock(&w->lock);
    w->down = down;
    pthread_mutex_unlock(&w->lock);
}
