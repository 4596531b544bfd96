/* busy_poll.c - a blocking call's short watch before it sleeps.  On a
 * request/response exchange the answer often comes within microseconds,
 * while a sleep and a wake-up through the scheduler (a futex, an idle CPU
 * woken by an interrupt, on a virtual machine an exit to the hypervisor)
 * cost tens.  So a call about to sleep first watches its socket's wake-up
 * count for a while (PP_SO_BUSY_POLL microseconds, as Linux's SO_BUSY_POLL
 * and net.core.busy_read; 50 by default), spinning as Linux's busy poll
 * does between looks.  Not sched_yield: under load each yield pushes the
 * thread's deadline a slice back (EEVDF), so a watcher that yielded a few
 * hundred times was picked last for milliseconds - bench_udp beside a CI
 * run fell to 389 exchanges a second.  The watch is short enough that a
 * thread it delays waits at most its length - but on a busy machine the
 * thread that would answer may be queued behind the watcher on its own
 * CPU, and then every watch runs out.  So a socket whose watch ran out
 * sleeps at once the next 1, 2, then 4 times before it watches again,
 * and watches every time after one that paid (as glibc's adaptive mutex
 * learns how long to spin).  Not longer: once one side of a ping-pong
 * sleeps, its wake-up (60-120 us on this VM) outlasts the other's watch,
 * which then runs out too; with up to 64 skips both sides settled into
 * sleeping for whole runs (bench_udp idle: 1.8-61x the kernel over ten
 * runs, 18-67x with up to 4).  At most one thread per
 * CPU watches at a time (none on one CPU, where the answer needs the CPU
 * the watcher holds); the others sleep at once, so a server with many
 * waiting threads does not turn its cores into spinners.  Two threads in a
 * ping-pong on two CPUs must both watch: with one, every exchange still
 * pays a wake-up (bench_udp's two threads: 0.9-1.9 times the kernel's
 * rate with one watcher, about 40 times with two). */
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "api_internal.h"

static atomic_int watchers;

unsigned pp__busy_poll_default(void)
{
    /* As net.core.busy_read is Linux's: PORTPLEX_BUSY_POLL=0..10000
     * microseconds; anything else leaves PP_BUSY_POLL_US.  Read when a
     * stack is made (pp_stack_new), not per socket. */
    const char *v = getenv("PORTPLEX_BUSY_POLL");
    char *end;
    long x = v && *v ? strtol(v, &end, 10) : -1;

    return x >= 0 && x <= 10000 && !*end ? (unsigned)x : PP_BUSY_POLL_US;
}

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

int pp__busy_claim(void)
{
    int n = atomic_load_explicit(&watchers, memory_order_relaxed);

    do {
        if (n >= watchers_max())
            return 0;
    } while (!atomic_compare_exchange_weak(&watchers, &n, n + 1));
    return 1;
}

void pp__busy_release(void)
{
    atomic_fetch_sub(&watchers, 1);
}

/* A hint to the CPU that this is a spin (x86 PAUSE, Arm YIELD): it saves
 * power and the sibling hyper-thread's cycles. */
void pp__cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

static uint64_t mono_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

int pp__busy_poll(struct pp_stack *st, const unsigned *watch, struct pp_busy *b)
{
    unsigned seen;
    uint64_t end;
    int i, changed = 0;

    if (!b || !b->us || !watch)
        return 0;
    if (b->skip) {
        b->skip--;
        return 0;
    }
    if (!pp__busy_claim())
        return 0;
    seen = __atomic_load_n(watch, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&st->lock);
    end = mono_ns() + (uint64_t)b->us * 1000u;
    for (;;) {
        if (__atomic_load_n(watch, __ATOMIC_ACQUIRE) != seen || pp__stack_ready_pending()) {
            changed = 1;
            break;
        }
        if (mono_ns() >= end)
            break;
        for (i = 0; i < 16; i++)
            pp__cpu_relax();
    }
    pp__busy_release();
    pp__api_lock(st);
    /* Under the lock again: a wake-up between the last look and now counts,
     * or the sleep that follows would miss it. */
    changed = changed || *watch != seen;
    if (changed)
        b->backoff = 0;
    else
        b->skip = b->backoff = b->backoff ? (uint8_t)(b->backoff < 4 ? 2 * b->backoff : 4) : 1;
    return changed;
}
