/* busy_poll.c - a blocking call's short watch before it sleeps.  On a
 * request/response exchange the answer often comes within microseconds,
 * while a sleep and a wake-up through the scheduler (a futex, an idle CPU
 * woken by an interrupt, on a virtual machine an exit to the hypervisor)
 * cost tens.  So a call about to sleep first watches its socket's wake-up
 * count for a while (PP_SO_BUSY_POLL microseconds, as Linux's SO_BUSY_POLL
 * and net.core.busy_read; 50 by default), yielding the CPU at each look so
 * a thread with work on the same CPU runs first.  At most one thread per
 * CPU watches at a time (none on one CPU, where the answer needs the CPU
 * the watcher holds); the others sleep at once, so a server with many
 * waiting threads does not turn its cores into spinners.  Two threads in a
 * ping-pong on two CPUs must both watch: with one, every exchange still
 * pays a wake-up (bench_udp's two threads: 0.9-1.9 times the kernel's
 * rate with one watcher, about 40 times with two). */
#include <sched.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "api_internal.h"

static atomic_int watchers;

/* How many may watch at once: one per CPU the process may run on (taskset
 * counts), 0 on one. */
static int watchers_max(void)
{
    static atomic_int max = -1;
    int m = atomic_load_explicit(&max, memory_order_relaxed);

    if (m < 0) {
        cpu_set_t set;
        long n = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set)
                                                             : sysconf(_SC_NPROCESSORS_ONLN);
        m = n > 1 ? (int)n : 0;
        atomic_store_explicit(&max, m, memory_order_relaxed);
    }
    return m;
}

static uint64_t mono_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

int pp__busy_poll(struct pp_stack *st, const unsigned *watch, unsigned us)
{
    unsigned seen;
    uint64_t end;
    int n, changed = 0;

    if (!us || !watch)
        return 0;
    n = atomic_load_explicit(&watchers, memory_order_relaxed);
    do {
        if (n >= watchers_max())
            return 0;
    } while (!atomic_compare_exchange_weak(&watchers, &n, n + 1));
    seen = __atomic_load_n(watch, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&st->lock);
    end = mono_ns() + (uint64_t)us * 1000u;
    for (;;) {
        if (__atomic_load_n(watch, __ATOMIC_ACQUIRE) != seen || pp__stack_ready_pending()) {
            changed = 1;
            break;
        }
        if (mono_ns() >= end)
            break;
        sched_yield();
    }
    atomic_fetch_sub(&watchers, 1);
    pp__api_lock(st);
    /* Under the lock again: a wake-up between the last look and now counts,
     * or the sleep that follows would miss it. */
    return changed || *watch != seen;
}
