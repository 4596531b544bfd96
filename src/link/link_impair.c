/* link_impair.c - a link that impairs what passes through another
 * (pp_link_impair, include/portplex/link_wrap.h): Linux's netem, but on
 * either direction of any link and inside the process, so `portplex stack`
 * on a TUN device or a program's own link can be tried under loss without
 * root's qdiscs.  The dice are the virtual wire's (impair_dice.c).
 *
 * A packet that is due at once goes straight on (sent to the inner link,
 * or handed to the stack); one that is delayed waits in a queue ordered by
 * due time and leaves at the first recv at or after it - the wrapper never
 * reads a clock, its time is the last the driver passed to recv, and
 * next_due tells the driver when to come back. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "link/impair_dice.h"
#include "link/link_wrap_internal.h"
#include "portplex/link_wrap.h"

struct held {
    struct held *next;
    uint64_t due;
    uint16_t seg_payload; /* outbound: the send_tso request, 0 for send */
    struct pp_pbuf *p;
};

/* Packets waiting for their time, in due order; equal times keep their
 * order (a reordered packet is the one that waits longer). */
struct queue {
    struct held *head, *tail;
};

struct way {
    int on;
    struct pp__impair im;
    struct pp_impair_stats stats;
    struct queue q;
};

struct impair {
    struct pp__wrap w; /* first: the wrapper is freed through it */
    struct way out, in;
    uint64_t now; /* the driver's time, from the last recv */
};

static void queue_put(struct queue *q, struct held *h)
{
    struct held **pp = &q->head;

    if (!q->head || q->tail->due <= h->due) { /* most are due last: O(1) */
        h->next = NULL;
        if (q->head)
            q->tail->next = h;
        else
            q->head = h;
        q->tail = h;
        return;
    }
    while ((*pp)->due <= h->due)
        pp = &(*pp)->next;
    h->next = *pp;
    *pp = h;
}

static struct held *queue_take_due(struct queue *q, uint64_t now)
{
    struct held *h = q->head;

    if (!h || h->due > now)
        return NULL;
    q->head = h->next;
    if (!q->head)
        q->tail = NULL;
    return h;
}

static void queue_free(struct queue *q)
{
    struct held *h;

    while ((h = q->head)) {
        q->head = h->next;
        pp_pbuf_free(h->p);
        free(h);
    }
    q->tail = NULL;
}

static int hold(struct way *way, struct pp_pbuf *p, uint64_t due, uint16_t seg_payload)
{
    struct held *h = malloc(sizeof *h);

    if (!h) {
        way->stats.nomem++;
        pp_pbuf_free(p);
        return -ENOBUFS;
    }
    h->due = due;
    h->seg_payload = seg_payload;
    h->p = p;
    queue_put(&way->q, h);
    return 0;
}

static struct pp_pbuf *copy_pbuf(const uint8_t *pkt, size_t len, uint8_t csum_partial)
{
    struct pp_pbuf *p = pp_pbuf_alloc(len);

    if (p) {
        memcpy(p->data, pkt, len);
        p->csum_partial = csum_partial;
    }
    return p;
}

static int inner_send(struct impair *m, const uint8_t *pkt, size_t len, uint16_t seg_payload)
{
    struct pp_link *in = m->w.inner;
    return seg_payload ? in->ops->send_tso(in, pkt, len, seg_payload) : in->ops->send(in, pkt, len);
}

/* Rolls the fate of a packet of len bytes on way and counts it: how many
 * copies go on (0: lost, 2: duplicated).  The wrapper's lock held. */
static int roll(struct impair *m, struct way *way, size_t len, struct pp__fate *f)
{
    way->stats.packets++;
    pp__impair_fate(&way->im, len, m->now, f);
    if (f->what & PP__FATE_LOST) {
        way->stats.lost++;
        return 0; /* lost on the way: the sender cannot tell */
    }
    way->stats.reordered += !!(f->what & PP__FATE_REORDERED);
    way->stats.corrupted += !!(f->what & PP__FATE_CORRUPTED);
    if (!pp__impair_dup(&way->im))
        return 1;
    way->stats.duplicated++;
    return 2;
}

/* roll for a packet in its own buffer: NULL when lost (p freed), else p,
 * its bit flipped if corrupted - the checksum filled in first, since one
 * left partial is trusted by TCP (from the kernel over TUN) or finished by
 * the device after the flip, and either way the bit would pass - and
 * *twin a copy of it when duplicated (NULL if no memory). */
static struct pp_pbuf *roll_pbuf(struct impair *m, struct way *way, struct pp_pbuf *p,
                                 struct pp__fate *f, struct pp_pbuf **twin)
{
    int copies = roll(m, way, p->len, f);

    *twin = NULL;
    if (!copies) {
        pp_pbuf_free(p);
        return NULL;
    }
    if (f->what & PP__FATE_CORRUPTED) {
        pp_pbuf_csum_fill(p);
        p->data[f->flip_at] ^= f->flip_mask;
    }
    if (copies == 2 && !(*twin = copy_pbuf(p->data, p->len, p->csum_partial)))
        way->stats.nomem++;
    return p;
}

/* Sends what the stack handed over, impaired; the wrapper's lock held. */
static int send_impaired(struct impair *m, const uint8_t *pkt, size_t len, uint16_t seg_payload)
{
    struct way *way = &m->out;
    struct pp__fate f;
    struct pp_pbuf *p;
    int copies, rc = 0;

    if (!way->on && !way->q.head)
        return inner_send(m, pkt, len, seg_payload);
    if (!(copies = roll(m, way, len, &f)))
        return 0;
    if (!(f.what & PP__FATE_CORRUPTED) && f.due <= m->now && !way->q.head) {
        /* Nothing waits ahead of it: straight on, as often as it goes. */
        while (copies-- && rc == 0)
            rc = inner_send(m, pkt, len, seg_payload);
        return rc;
    }
    while (copies--) {
        if (!(p = copy_pbuf(pkt, len, 0))) {
            way->stats.nomem++;
            return -ENOBUFS;
        }
        if (f.what & PP__FATE_CORRUPTED)
            p->data[f.flip_at] ^= f.flip_mask;
        way->stats.delayed++;
        if ((rc = hold(way, p, f.due, seg_payload)) < 0)
            return rc;
    }
    return 0;
}

/* seg_payload 0: a packet within the MTU (send).  A burst the device cuts
 * up (send_tso) is one packet here, lost or kept whole, as iptables and
 * netem see the offloaded packet on a TUN device. */
static int impair_send_tso(struct pp_link *l, const uint8_t *pkt, size_t len, uint16_t seg_payload)
{
    struct impair *m = l->priv;
    int rc;

    pthread_mutex_lock(&m->w.mu);
    rc = send_impaired(m, pkt, len, seg_payload);
    pthread_mutex_unlock(&m->w.mu);
    return rc;
}

static int impair_send(struct pp_link *l, const uint8_t *pkt, size_t len)
{
    return impair_send_tso(l, pkt, len, 0);
}

/* The stack's buffer, handed over (pp_link_ops.send_pbuf, offered when the
 * inner link takes buffers): what goes on at once goes as it is, checksum
 * still left to the device; what waits, waits in that buffer. */
static int impair_send_pbuf(struct pp_link *l, struct pp_pbuf *p, uint16_t seg_payload)
{
    struct impair *m = l->priv;
    struct pp_link *in = m->w.inner;
    struct way *way = &m->out;
    struct pp_pbuf *twin;
    struct pp__fate f;
    int rc = 0;

    pthread_mutex_lock(&m->w.mu);
    if (!way->on) {
        pthread_mutex_unlock(&m->w.mu);
        return in->ops->send_pbuf(in, p, seg_payload);
    }
    if (!(p = roll_pbuf(m, way, p, &f, &twin))) {
        pthread_mutex_unlock(&m->w.mu);
        return 0;
    }
    if (f.due <= m->now && !way->q.head) {
        if (twin)
            in->ops->send_pbuf(in, twin, seg_payload);
        rc = in->ops->send_pbuf(in, p, seg_payload);
    } else {
        way->stats.delayed++;
        if (twin)
            hold(way, twin, f.due, seg_payload);
        rc = hold(way, p, f.due, seg_payload);
    }
    pthread_mutex_unlock(&m->w.mu);
    return rc;
}

/* Sends what waited and is due; the wrapper's lock held. */
static void flush_out(struct impair *m)
{
    struct held *h;

    while ((h = queue_take_due(&m->out.q, m->now))) {
        struct pp_link *in = m->w.inner;
        if (in->ops->send_pbuf) {
            in->ops->send_pbuf(in, h->p, h->seg_payload); /* takes the buffer */
        } else {
            inner_send(m, h->p->data, h->p->len, h->seg_payload);
            pp_pbuf_free(h->p);
        }
        free(h);
    }
}

/* One received packet through the dice into the inbound queue; consumes p. */
static void impair_in(struct impair *m, struct pp_pbuf *p)
{
    struct way *way = &m->in;
    struct pp_pbuf *twin;
    struct pp__fate f;

    if (!(p = roll_pbuf(m, way, p, &f, &twin)))
        return;
    if (twin)
        hold(way, twin, f.due, 0);
    if (f.due > m->now)
        way->stats.delayed++;
    hold(way, p, f.due, 0);
}

static struct pp_pbuf *impair_recv_pbuf(struct pp_link *l, uint64_t now_ms)
{
    struct impair *m = l->priv;
    struct pp_pbuf *p = NULL;
    struct held *h;

    pthread_mutex_lock(&m->w.mu);
    if (now_ms > m->now)
        m->now = now_ms;
    flush_out(m);
    for (;;) {
        if ((h = queue_take_due(&m->in.q, m->now))) {
            p = h->p;
            free(h);
            break;
        }
        p = pp__wrap_pull(&m->w, now_ms);
        if (!p || (!m->in.on && !m->in.q.head))
            break; /* nothing more, or nothing to do to it */
        impair_in(m, p);
        p = NULL;
    }
    pthread_mutex_unlock(&m->w.mu);
    return p;
}

static uint64_t impair_next_due(struct pp_link *l)
{
    struct impair *m = l->priv;
    uint64_t due = pp__wrap_inner_due(&m->w);

    pthread_mutex_lock(&m->w.mu);
    if (m->out.q.head && m->out.q.head->due < due)
        due = m->out.q.head->due;
    if (m->in.q.head && m->in.q.head->due < due)
        due = m->in.q.head->due;
    pthread_mutex_unlock(&m->w.mu);
    return due;
}

static void impair_destroy(struct pp__wrap *w)
{
    struct impair *m = (struct impair *)w;

    queue_free(&m->out.q);
    queue_free(&m->in.q);
}

static void way_init(struct way *way, const struct pp_impair *cfg)
{
    memset(way, 0, sizeof *way);
    if (cfg && !pp__impair_none(cfg)) {
        way->on = 1;
        pp__impair_init(&way->im, cfg);
    }
}

struct pp_link *pp_link_impair(struct pp_link *inner, const struct pp_impair *out,
                               const struct pp_impair *in, char *err)
{
    struct impair *m;

    if (!err)
        return NULL;
    if (!inner || !inner->ops || !inner->ops->send) {
        snprintf(err, 256, "no link to impair");
        return NULL;
    }
    if ((out && pp__impair_check(out, err) < 0) || (in && pp__impair_check(in, err) < 0))
        return NULL;
    if (in && !pp__impair_none(in) && !inner->ops->recv && !inner->ops->recv_pbuf) {
        snprintf(err, 256, "the link's packets are pushed into the stack, not pulled: "
                           "nothing received can be impaired");
        return NULL;
    }
    m = calloc(1, sizeof *m);
    if (!m) {
        snprintf(err, 256, "out of memory");
        return NULL;
    }
    pp__wrap_init(&m->w, PP__WRAP_IMPAIR, inner, impair_destroy);
    way_init(&m->out, out);
    way_init(&m->in, in);
    m->w.ops.send = impair_send;
    if (inner->ops->send_tso)
        m->w.ops.send_tso = impair_send_tso;
    if (inner->ops->send_pbuf)
        m->w.ops.send_pbuf = impair_send_pbuf;
    /* Offered even when inner has no receive side: the driver's polls
     * are what send the delayed packets on. */
    m->w.ops.recv_pbuf = impair_recv_pbuf;
    m->w.ops.next_due = impair_next_due;
    return &m->w.link;
}

int pp_link_impair_stats(struct pp_link *l, struct pp_impair_stats *out, struct pp_impair_stats *in)
{
    struct pp__wrap *w = pp__wrap_of(l, PP__WRAP_IMPAIR);
    struct impair *m = (struct impair *)w;

    if (!w)
        return -EINVAL;
    pthread_mutex_lock(&w->mu);
    if (out)
        *out = m->out.stats;
    if (in)
        *in = m->in.stats;
    pthread_mutex_unlock(&w->mu);
    return 0;
}
