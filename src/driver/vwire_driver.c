/* vwire_driver.c - the drivers of stacks on a virtual wire: joining a stack
 * to the wire, stepping every stack in simulated time (tests: the same seed
 * gives the same run), and a thread that runs the stacks' timers and the
 * packets the wire delays.  Packets due at once never wait for that thread:
 * the wire announces them (pp_link.ready) and the thread that sent them
 * carries them on when it leaves its socket call (stack_ready.c). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "link/vwire_internal.h"
#include "portplex/link.h"
#include "portplex/stack.h"
#include "portplex/vwire.h"
#include "stack/stack_internal.h"

#define TICK_MS 10 /* the longest the thread sleeps: timers are looked at this often */

struct vdriver {
    pthread_t thread;
    int running;
    volatile int stop;
};

static struct vdriver *driver_of(struct pp_vwire *w)
{
    void **slot = pp__vwire_driver(w);
    if (!*slot)
        *slot = calloc(1, sizeof(struct vdriver));
    return *slot;
}

int pp_vwire_attach(struct pp_vwire *w, struct pp_stack *st)
{
    struct pp_link *link;

    if (!w || !st)
        return -EINVAL;
    link = pp__vwire_add_port(w, pp_stack_addr(st), pp_stack_name(st), st);
    if (!link)
        return -ENOSPC;
    pp_stack_attach(st, link);
    return 0;
}

int pp_vwire_attach_shards(struct pp_vwire *w, struct pp_stack *const *stacks, unsigned count)
{
    unsigned i;

    if (!w || !stacks || count == 0 || count > PP_SHARDS_MAX)
        return -EINVAL;
    for (i = 0; i < count; i++)
        if (!stacks[i] || pp_stack_addr(stacks[i]) != pp_stack_addr(stacks[0]))
            return -EINVAL;
    if (pp__vwire_nports(w) + (int)count > PP_VWIRE_MAX_PORTS)
        return -ENOSPC;
    for (i = 0; i < count; i++) {
        struct pp_link *link =
            pp__vwire_add_port(w, pp_stack_addr(stacks[i]), pp_stack_name(stacks[i]), stacks[i]);
        if (!link)
            return -ENOSPC;
        /* Steered before the stack can send, so no reply goes astray. */
        pp__vwire_set_shard(link, i, count);
        pp_stack_set_shard(stacks[i], i, count, pp__vwire_rss_key(w));
        pp_stack_attach(stacks[i], link);
    }
    return 0;
}

/* Polls every stack once at now; the earliest deadline they return. */
static uint64_t poll_all(struct pp_vwire *w, uint64_t now)
{
    int i, n = pp__vwire_nports(w);
    uint64_t next = UINT64_MAX;

    for (i = 0; i < n; i++) {
        struct pp_stack *st = pp__vwire_port_owner(w, i);
        uint64_t d = st ? pp_stack_poll(st, now) : UINT64_MAX;
        if (d < next)
            next = d;
    }
    return next;
}

size_t pp_vwire_step(struct pp_vwire *w, uint64_t now_ms)
{
    struct pp_vwire_stats before, after;

    pp_vwire_stats(w, &before);
    pp__vwire_set_clock(w, NULL, now_ms);
    /* Until no inbox holds a packet due by now: the answers to what was
     * delivered are delivered too, in the same step. */
    do
        poll_all(w, now_ms);
    while (pp__vwire_due(w, now_ms));
    pp_vwire_stats(w, &after);
    return (size_t)(after.delivered - before.delivered);
}

static void *thread_main(void *arg)
{
    struct pp_vwire *w = arg;
    struct vdriver *d = driver_of(w);

    while (!d->stop) {
        uint64_t now = pp_now_ms(), next = poll_all(w, now);
        pp__stack_run_ready(); /* what the timers sent, and the answers */
        now = pp_now_ms();
        if (next > now)
            pp__vwire_sleep(w, next - now < TICK_MS ? next - now : TICK_MS);
    }
    return NULL;
}

int pp_vwire_start(struct pp_vwire *w)
{
    struct vdriver *d = driver_of(w);
    int rc;

    if (!d)
        return -ENOMEM;
    if (d->running)
        return -EALREADY;
    d->stop = 0;
    pp__vwire_set_clock(w, pp_now_ms, 0);
    rc = pthread_create(&d->thread, NULL, thread_main, w);
    if (rc == 0)
        d->running = 1;
    return -rc;
}

void pp_vwire_stop(struct pp_vwire *w)
{
    struct vdriver *d = *pp__vwire_driver(w);

    if (!d || !d->running)
        return;
    d->stop = 1;
    pp__vwire_wake(w);
    pthread_join(d->thread, NULL);
    d->running = 0;
}

void pp_vwire_free(struct pp_vwire *w)
{
    int i, n;

    if (!w)
        return;
    pp_vwire_stop(w);
    n = pp__vwire_nports(w);
    for (i = 0; i < n; i++) {
        struct pp_stack *st = pp__vwire_port_owner(w, i);
        if (st)
            pp_stack_attach(st, NULL);
    }
    free(*pp__vwire_driver(w));
    pp__vwire_destroy(w);
}
