/* tun_driver.c - pp_tun_run: the driver of a host on a TUN device.  It
 * sleeps in poll(2) on the device until a packet comes or the stack's next
 * deadline, then lets the stack pull what the device holds and run its
 * timers (pp_stack_poll); the link itself never calls the stack
 * (docs/architecture.md, "Threads").  A socket call on another thread
 * that sets a timer sooner than that sleep's end (a write arming a tail
 * loss probe 4 ms out) wakes it through an eventfd (pp_stack_set_wakeup):
 * otherwise the probe would go when the sleep ends, up to 50 ms late.
 *
 * After a pass that took packets, the driver first watches the device for
 * a while (pp_tun_set_busy_poll, 1 ms by default) before it sleeps.  With
 * a small window the whole flight goes at once and the next thing to come
 * is its ACK, a round trip later: 0.1-0.3 ms to the kernel's TCP here,
 * while a sleep in poll(2) and a wake-up of an idle CPU on a virtual
 * machine cost 0.06-0.4 ms (ping through the device: 0.4 ms on average,
 * 0.05 on a veth pair) - every round trip paid it twice over.  bench/loss.sh
 * 5%/0: 100 MB in 0.6-2.9 s without the watch, 0.5-1.1 s with it.  The
 * kernel's TCP handles an ACK in the softirq that brings it, with no
 * thread to wake; user-space stacks poll (DPDK's) - this one polls only
 * after traffic, so an idle host still sleeps. */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "api/api_internal.h"
#include "link/tun_internal.h"
#include "portplex/link.h"
#include "portplex/stack.h"
#include "portplex/tun.h"
#include "stack/stack_internal.h"

#define MAX_SLEEP_MS 50 /* how often *stop is looked at */

int pp_tun_run(struct pp_tun *t, struct pp_stack *st, volatile sig_atomic_t *stop)
{
    return pp_tun_run_queue(t, 0, st, stop);
}

static void wake_by_eventfd(void *arg)
{
    uint64_t one = 1;
    /* A full counter (EAGAIN) is still readable: the driver wakes anyway. */
    if (write(*(int *)arg, &one, sizeof one) < 0) {
    }
}

/* The watch: 1 when the device or the eventfd became readable within us
 * microseconds, 0 when the time ran out or no watcher's place was free. */
static int watch(struct pollfd *pfd, unsigned us)
{
    uint64_t end;
    int got = 0, i;

    if (!us || !pp__busy_claim())
        return 0;
    end = pp_now_us() + us;
    do {
        if (poll(pfd, 2, 0) > 0) {
            got = 1;
            break;
        }
        for (i = 0; i < 16; i++)
            pp__cpu_relax();
    } while (pp_now_us() < end);
    pp__busy_release();
    return got;
}

int pp_tun_run_queue(struct pp_tun *t, unsigned q, struct pp_stack *st, volatile sig_atomic_t *stop)
{
    struct pp_link *link = pp_tun_queue_link(t, q);
    int rc = 0, efd;
    struct pollfd pfd[2];

    if (!link || !st || !stop)
        return -EINVAL;
    efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (efd < 0)
        return -errno;
    pfd[0] = (struct pollfd){link->ops->wait_fd(link), POLLIN, 0};
    pfd[1] = (struct pollfd){efd, POLLIN, 0};
    pp_stack_set_wakeup(st, wake_by_eventfd, &efd);
    pp_stack_set_clock(st, pp_now_us);

    while (!*stop) {
        uint64_t now, next = pp_stack_poll_us(st, pp_now_us()), drained;
        int wait = MAX_SLEEP_MS;
        pp__stack_run_ready();
        if (pp__tun_error(t, q) < 0) {
            rc = pp__tun_error(t, q);
            break;
        }
        now = pp_now_ms();
        if (next <= now)
            wait = 0;
        else if (next - now < (uint64_t)wait)
            wait = (int)(next - now);
        if (wait && st->polled) { /* not past the next timer */
            unsigned us = pp__tun_busy_us(t);
            if (watch(pfd, us < (unsigned)wait * 1000u ? us : (unsigned)wait * 1000u))
                wait = 0; /* something came: no sleep */
        }
        if (poll(pfd, 2, wait) < 0 && errno != EINTR) {
            rc = -errno;
            break;
        }
        if ((pfd[1].revents & POLLIN) && read(efd, &drained, sizeof drained) < 0) {
        }
    }
    pp_stack_set_wakeup(st, NULL, NULL);
    pp_stack_set_clock(st, NULL);
    close(efd);
    return rc;
}
