/* link_capture.c - a link that records every packet passing through
 * another in a pcap file (pp_link_capture, include/portplex/link_wrap.h):
 * tcpdump on an interface, for any link.  Packets the stack sent are
 * recorded as the stack handed them over (a large TCP packet for a device
 * to segment is one record, as tcpdump shows it on Linux); received ones
 * as the inner link gave them, with a checksum the kernel left partial
 * filled in first, so Wireshark reads no false checksum errors.
 * Timestamps: the wall clock when the wrapper was made, plus the time the
 * driver passed since (a link reads no clock while it runs). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "link/link_wrap_internal.h"
#include "portplex/link_wrap.h"
#include "portplex/wire/pcap_file.h"

struct capture {
    struct pp__wrap w; /* first: the wrapper is freed through it */
    struct pp_pcap_writer *pcap;
    uint64_t wall0_us;   /* the wall clock at creation */
    uint64_t now, now0;  /* the driver's time: the latest, and the first seen */
    int started;
    long long count;
};

/* The wrapper's lock held. */
static void record(struct capture *c, const uint8_t *pkt, size_t len)
{
    pp_pcap_write(c->pcap, pkt, len, c->wall0_us + (c->now - c->now0) * 1000);
    c->count++;
}

static void tick(struct capture *c, uint64_t now_ms)
{
    if (!c->started) {
        c->started = 1;
        c->now0 = now_ms;
    }
    if (now_ms > c->now)
        c->now = now_ms;
}

static int capture_send(struct pp_link *l, const uint8_t *pkt, size_t len)
{
    struct capture *c = l->priv;

    pthread_mutex_lock(&c->w.mu);
    record(c, pkt, len);
    pthread_mutex_unlock(&c->w.mu);
    return c->w.inner->ops->send(c->w.inner, pkt, len);
}

static int capture_send_tso(struct pp_link *l, const uint8_t *pkt, size_t len, uint16_t seg_payload)
{
    struct capture *c = l->priv;

    pthread_mutex_lock(&c->w.mu);
    record(c, pkt, len);
    pthread_mutex_unlock(&c->w.mu);
    return c->w.inner->ops->send_tso(c->w.inner, pkt, len, seg_payload);
}

/* The stack's buffer (offered when the inner link takes buffers): the
 * checksum is filled in for the record - the device is then told it is
 * complete - and the buffer goes on. */
static int capture_send_pbuf(struct pp_link *l, struct pp_pbuf *p, uint16_t seg_payload)
{
    struct capture *c = l->priv;

    pthread_mutex_lock(&c->w.mu);
    pp_pbuf_csum_fill(p);
    record(c, p->data, p->len);
    pthread_mutex_unlock(&c->w.mu);
    return c->w.inner->ops->send_pbuf(c->w.inner, p, seg_payload);
}

static struct pp_pbuf *capture_recv_pbuf(struct pp_link *l, uint64_t now_ms)
{
    struct capture *c = l->priv;
    struct pp_pbuf *p;

    pthread_mutex_lock(&c->w.mu);
    tick(c, now_ms);
    p = pp__wrap_pull(&c->w, now_ms);
    if (p) {
        pp_pbuf_csum_fill(p); /* what is shown carries its real checksum */
        record(c, p->data, p->len);
    }
    pthread_mutex_unlock(&c->w.mu);
    return p;
}

static uint64_t capture_next_due(struct pp_link *l)
{
    return pp__wrap_inner_due(l->priv);
}

static void capture_destroy(struct pp__wrap *w)
{
    pp_pcap_writer_close(((struct capture *)w)->pcap);
}

struct pp_link *pp_link_capture(struct pp_link *inner, const char *path, char *err)
{
    struct capture *c;
    struct timespec ts;

    if (!err)
        return NULL;
    if (!inner || !inner->ops || !inner->ops->send || !path) {
        snprintf(err, 256, "no link or no file to capture to");
        return NULL;
    }
    c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, 256, "out of memory");
        return NULL;
    }
    if (!(c->pcap = pp_pcap_writer_open(path, err))) {
        free(c);
        return NULL;
    }
    clock_gettime(CLOCK_REALTIME, &ts);
    c->wall0_us = (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
    pp__wrap_init(&c->w, PP__WRAP_CAPTURE, inner, capture_destroy);
    c->w.ops.send = capture_send;
    if (inner->ops->send_tso)
        c->w.ops.send_tso = capture_send_tso;
    if (inner->ops->send_pbuf)
        c->w.ops.send_pbuf = capture_send_pbuf;
    /* Offered even when inner has no receive side: the driver's polls
     * bring the time the records are stamped with. */
    c->w.ops.recv_pbuf = capture_recv_pbuf;
    if (inner->ops->next_due)
        c->w.ops.next_due = capture_next_due;
    return &c->w.link;
}

long long pp_link_capture_count(struct pp_link *l)
{
    struct pp__wrap *w = pp__wrap_of(l, PP__WRAP_CAPTURE);
    long long n;

    if (!w)
        return -EINVAL;
    pthread_mutex_lock(&w->mu);
    n = ((struct capture *)w)->count;
    pthread_mutex_unlock(&w->mu);
    return n;
}
