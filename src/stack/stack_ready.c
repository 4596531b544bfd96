/* stack_ready.c - the lists of stacks whose links hold packets that can be
 * received now, and the drain that polls them in the calling thread (run to
 * completion: docs/architecture.md, "Threads").
 *
 * There is one list per ready group.  A stack's group is its shard index
 * (pp_stack_set_shard; 0 for a stack that is not a shard), and a thread
 * lists what it sends on the group of the stack it last entered a socket
 * call on (pp__stack_enter).  So the thread of shard i lists and drains
 * shard i's packets alone, and shards on different cores share no list,
 * no lock and no cache line (issue "The core as an engine", per-core
 * shards).  Lock order: a stack's lock, then a link's, then a group's; the
 * drain holds none of them while it polls a stack. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "stack_internal.h"

struct ready_group {
    pthread_mutex_t mu;
    struct pp_stack *head, *tail;
    atomic_int any;      /* a lock-free "is the list empty?" for every socket call */
    atomic_int draining; /* one thread drains a group at a time */
} __attribute__((aligned(64)));

static struct ready_group groups[PP_READY_GROUPS];
static pthread_once_t groups_once = PTHREAD_ONCE_INIT;
static _Thread_local unsigned my_group;

static void groups_init(void)
{
    int i;
    for (i = 0; i < PP_READY_GROUPS; i++)
        pthread_mutex_init(&groups[i].mu, NULL);
}

void pp__stack_ready_init(void)
{
    pthread_once(&groups_once, groups_init);
}

void pp__stack_enter(const struct pp_stack *st)
{
    my_group = st->ready_group;
}

void pp__stack_link_ready(void *arg)
{
    struct pp_stack *st = arg;
    struct ready_group *g = &groups[my_group];

    int unlisted = 0;

    pthread_mutex_lock(&g->mu);
    /* A stack is on one list at a time: listed elsewhere, it is polled
     * from there, and that poll takes what was just queued for it.  Two
     * threads of different groups may list it at once (each holds only its
     * own group's lock): the claim is one compare-and-swap, so one wins. */
    if (atomic_compare_exchange_strong(&st->on_ready, &unlisted, (int)my_group + 1)) {
        st->next_ready = NULL;
        if (g->tail)
            g->tail->next_ready = st;
        else
            g->head = st;
        g->tail = st;
        atomic_store_explicit(&g->any, 1, memory_order_release);
    }
    pthread_mutex_unlock(&g->mu);
}

/* Takes the first listed stack off g's list (g->mu held). */
static struct pp_stack *pop(struct ready_group *g)
{
    struct pp_stack *st = g->head;

    if (!st)
        return NULL;
    g->head = st->next_ready;
    if (!g->head) {
        g->tail = NULL;
        atomic_store_explicit(&g->any, 0, memory_order_release);
    }
    st->next_ready = NULL;
    atomic_fetch_add(&st->polling, 1);
    atomic_store_explicit(&st->on_ready, 0, memory_order_relaxed);
    return st;
}

/* One thread drains a group at a time: two threads polling each other's
 * stacks would hand the locks back and forth per packet.  One that finds
 * another draining returns at once - that one takes what is listed, and
 * looks at the list again after it stops, so nothing listed is left
 * behind. */
int pp__stack_run_ready(void)
{
    struct ready_group *g = &groups[my_group];
    int n = 0;

    while (atomic_load_explicit(&g->any, memory_order_acquire)) {
        if (atomic_exchange_explicit(&g->draining, 1, memory_order_acq_rel))
            return n;
        for (;;) {
            struct pp_stack *st;
            pthread_mutex_lock(&g->mu);
            st = pop(g);
            pthread_mutex_unlock(&g->mu);
            if (!st)
                break;
            pp_stack_poll(st, pp_now_ms());
            n++;
            atomic_fetch_sub_explicit(&st->polling, 1, memory_order_release);
        }
        atomic_store_explicit(&g->draining, 0, memory_order_release);
    }
    return n;
}

int pp__stack_ready_pending(void)
{
    struct ready_group *g = &groups[my_group];
    return atomic_load_explicit(&g->any, memory_order_acquire) &&
           !atomic_load_explicit(&g->draining, memory_order_acquire);
}

void pp__stack_unready(struct pp_stack *st)
{
    int on;

    while ((on = atomic_load(&st->on_ready))) {
        struct ready_group *g = &groups[on - 1];
        pthread_mutex_lock(&g->mu);
        if (atomic_load(&st->on_ready) == on) {
            struct pp_stack **pp = &g->head, *prev = NULL;
            while (*pp && *pp != st) {
                prev = *pp;
                pp = &(*pp)->next_ready;
            }
            if (*pp) {
                *pp = st->next_ready;
                if (g->tail == st)
                    g->tail = prev;
            }
            if (!g->head)
                atomic_store_explicit(&g->any, 0, memory_order_release);
            st->next_ready = NULL;
            atomic_store(&st->on_ready, 0);
        }
        pthread_mutex_unlock(&g->mu);
    }
    /* Teardown only: wait for a drain that took st off a list to finish. */
    while (atomic_load_explicit(&st->polling, memory_order_acquire))
        sched_yield();
}
