/* tun_driver.c - pp_tun_run: the driver of a host on a TUN device.  It
 * sleeps in poll(2) on the device until a packet comes or the stack's next
 * deadline, then lets the stack pull what the device holds and run its
 * timers (pp_stack_poll); the link itself never calls the stack
 * (docs/architecture.md, "Threads").  A socket call on another thread
 * that sets a timer sooner than that sleep's end (a write arming a tail
 * loss probe 4 ms out) wakes it through an eventfd (pp_stack_set_wakeup):
 * otherwise the probe would go when the sleep ends, up to 50 ms late. */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

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

    while (!*stop) {
        uint64_t now = pp_now_ms(), next = pp_stack_poll(st, now), drained;
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
        if (poll(pfd, 2, wait) < 0 && errno != EINTR) {
            rc = -errno;
            break;
        }
        if ((pfd[1].revents & POLLIN) && read(efd, &drained, sizeof drained) < 0) {
        }
    }
    pp_stack_set_wakeup(st, NULL, NULL);
    close(efd);
    return rc;
}
