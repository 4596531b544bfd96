/* stack_ready.c - the process-wide list of stacks whose links hold packets
 * that can be received now, and the drain that polls them in the calling
 * thread (run to completion: docs/architecture.md, "Threads").  Lock order:
 * a stack's lock, then a link's, then this list's; the drain holds none of
 * them while it polls a stack. */
#include <pthread.h>
#include <stdatomic.h>

#include "stack_internal.h"

static pthread_mutex_t ready_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready_cv = PTHREAD_COND_INITIALIZER; /* a poll from the list ended */
static struct pp_stack *ready_head, *ready_tail;
static atomic_int ready_any; /* a lock-free "is the list empty?" for every socket call */

void pp__stack_link_ready(void *arg)
{
    struct pp_stack *st = arg;

    pthread_mutex_lock(&ready_mu);
    if (!st->on_ready) {
        st->on_ready = 1;
        st->next_ready = NULL;
        if (ready_tail)
            ready_tail->next_ready = st;
        else
            ready_head = st;
        ready_tail = st;
        atomic_store_explicit(&ready_any, 1, memory_order_release);
    }
    pthread_mutex_unlock(&ready_mu);
}

/* Takes the first listed stack off the list (ready_mu held). */
static struct pp_stack *pop(void)
{
    struct pp_stack *st = ready_head;

    if (!st)
        return NULL;
    ready_head = st->next_ready;
    if (!ready_head) {
        ready_tail = NULL;
        atomic_store_explicit(&ready_any, 0, memory_order_release);
    }
    st->on_ready = 0;
    st->next_ready = NULL;
    return st;
}

/* One thread drains at a time: two threads polling each other's stacks
 * would hand the locks back and forth per packet.  One that finds another
 * draining returns at once - that one takes what is listed, and looks at
 * the list again after it stops, so nothing listed is left behind. */
static atomic_int draining;

int pp__stack_run_ready(void)
{
    int n = 0;

    while (atomic_load_explicit(&ready_any, memory_order_acquire)) {
        if (atomic_exchange_explicit(&draining, 1, memory_order_acq_rel))
            return n;
        for (;;) {
            struct pp_stack *st;
            pthread_mutex_lock(&ready_mu);
            st = pop();
            if (st)
                st->polling++;
            pthread_mutex_unlock(&ready_mu);
            if (!st)
                break;
            pp_stack_poll(st, pp_now_ms());
            n++;
            pthread_mutex_lock(&ready_mu);
            if (--st->polling == 0)
                pthread_cond_broadcast(&ready_cv);
            pthread_mutex_unlock(&ready_mu);
        }
        atomic_store_explicit(&draining, 0, memory_order_release);
    }
    return n;
}

int pp__stack_ready_pending(void)
{
    return atomic_load_explicit(&ready_any, memory_order_acquire) &&
           !atomic_load_explicit(&draining, memory_order_acquire);
}

void pp__stack_unready(struct pp_stack *st)
{
    pthread_mutex_lock(&ready_mu);
    if (st->on_ready) {
        struct pp_stack **pp = &ready_head, *prev = NULL;
        while (*pp && *pp != st) {
            prev = *pp;
            pp = &(*pp)->next_ready;
        }
        if (*pp) {
            *pp = st->next_ready;
            if (ready_tail == st)
                ready_tail = prev;
        }
        if (!ready_head)
            atomic_store_explicit(&ready_any, 0, memory_order_release);
        st->on_ready = 0;
        st->next_ready = NULL;
    }
    while (st->polling)
        pthread_cond_wait(&ready_cv, &ready_mu);
    pthread_mutex_unlock(&ready_mu);
}
