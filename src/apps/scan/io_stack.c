/* io_stack.c - scanner I/O on a portplex stack: probes go out through
 * pp_stack_send_raw, answers are copied off the stack's input tap into a
 * bounded queue the engine reads. */
#include "io.h"
#include "mono_clock.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "portplex/stack.h"

#define QLEN 4096
#define SNAP 256 /* answers are headers: 256 bytes hold any we read */

struct sio {
    struct pp_stack *st;
    pthread_mutex_t lock;
    pthread_cond_t cv;
    uint8_t (*pkt)[SNAP];
    uint16_t *len;
    unsigned head, n;
    unsigned long long dropped;
};

static void tap(void *arg, const uint8_t *pkt, size_t len)
{
    struct sio *s = arg;

    pthread_mutex_lock(&s->lock);
    if (s->n == QLEN) {
        s->dropped++; /* full: a lost answer, as on a busy NIC */
    } else {
        unsigned i = (s->head + s->n) % QLEN;
        s->len[i] = (uint16_t)(len < SNAP ? len : SNAP);
        memcpy(s->pkt[i], pkt, s->len[i]);
        s->n++;
        pthread_cond_signal(&s->cv);
    }
    pthread_mutex_unlock(&s->lock);
}

static int s_send(void *ctx, const uint8_t *pkt, size_t len)
{
    struct sio *s = ctx;
    int rc = pp_stack_send_raw(s->st, pkt, len);
    return rc == -ENOBUFS || rc == -EAGAIN ? -ENOBUFS : rc;
}

static int s_recv(void *ctx, uint8_t *buf, size_t cap, int timeout_ms)
{
    struct sio *s = ctx;
    int n = 0;

    pthread_mutex_lock(&s->lock);
    if (s->n == 0 && timeout_ms > 0) {
        struct timespec dl = pp_realtime_after_ms(timeout_ms);
        while (s->n == 0 && pthread_cond_timedwait(&s->cv, &s->lock, &dl) == 0)
            ;
    }
    if (s->n) {
        n = s->len[s->head] < cap ? s->len[s->head] : (int)cap;
        memcpy(buf, s->pkt[s->head], (size_t)n);
        s->head = (s->head + 1) % QLEN;
        s->n--;
    }
    pthread_mutex_unlock(&s->lock);
    return n;
}

static void s_close(void *ctx)
{
    struct sio *s = ctx;
    if (!s)
        return;
    pp_stack_on_input(s->st, NULL, NULL);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->cv);
    free(s->pkt);
    free(s->len);
    free(s);
}

int pp_scan_io_stack(struct pp_scan_io *io, struct pp_stack *st, uint32_t *src)
{
    struct sio *s = calloc(1, sizeof *s);

    if (!s)
        return -ENOMEM;
    s->pkt = malloc(QLEN * sizeof *s->pkt);
    s->len = malloc(QLEN * sizeof *s->len);
    if (!s->pkt || !s->len) {
        free(s->pkt);
        free(s->len);
        free(s);
        return -ENOMEM;
    }
    s->st = st;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cv, NULL);
    pp_stack_on_input(st, tap, s);
    *src = pp_stack_addr(st);
    io->ctx = s;
    io->send = s_send;
    io->recv = s_recv;
    io->close = s_close;
    return 0;
}
