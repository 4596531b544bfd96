/* tun_driver.c - pp_tun_run: the driver of a host on a TUN device.  It
 * sleeps in poll(2) on the device until a packet comes or the stack's next
 * deadline, then lets the stack pull what the device holds and run its
 * timers (pp_stack_poll); the link itself never calls the stack
 * (docs/architecture.md, "Threads"). */
#include <errno.h>
#include <poll.h>

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

int pp_tun_run_queue(struct pp_tun *t, unsigned q, struct pp_stack *st, volatile sig_atomic_t *stop)
{
    struct pp_link *link = pp_tun_queue_link(t, q);
    int fd;

    if (!link || !st || !stop)
        return -EINVAL;
    fd = link->ops->wait_fd(link);

    while (!*stop) {
        uint64_t now = pp_now_ms(), next = pp_stack_poll(st, now);
        int wait = MAX_SLEEP_MS;
        struct pollfd pfd = {fd, POLLIN, 0};
        pp__stack_run_ready();
        if (pp__tun_error(t, q) < 0)
            return pp__tun_error(t, q);
        now = pp_now_ms();
        if (next <= now)
            wait = 0;
        else if (next - now < (uint64_t)wait)
            wait = (int)(next - now);
        if (poll(&pfd, 1, wait) < 0 && errno != EINTR)
            return -errno;
    }
    return 0;
}
