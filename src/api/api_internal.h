/* api_internal.h - helpers the socket API files share. */
#ifndef PP_API_INTERNAL_H
#define PP_API_INTERNAL_H

#include <time.h>

#include "portplex/socket.h"
#include "stack/stack_internal.h"
#include "tcp/tcp_sockopts.h"

/* A socket as the API makes it (socket.c's sock_new, the one constructor):
 * the part the protocols share, then what only the API keeps - the TCP
 * options the user set, which TCP copies into a connection when one
 * begins (tcp/tcp_sockopts.h).  Every struct pp_sock is the head of one. */
struct pp_api_sock {
    struct pp_sock s;
    struct pp_tcp_sockopts tcp;
};

static inline struct pp_api_sock *pp__api_sock(struct pp_sock *s)
{
    return (struct pp_api_sock *)s;
}

struct pp_sock *pp__sock_get(struct pp_stack *st, int fd);
/* Wakes the socket's waiters and pollers (deferred while batching). */
void pp__sock_wake(struct pp_stack *st, struct pp_sock *s);
/* Drops a reference to s, freeing it at zero. */
void pp__sock_put(struct pp_sock *s);
/* The table pp_stack_new gives every stack (socket.c). */
extern const struct pp_sock_upcalls pp__sock_upcalls;
int pp__get_addr(const struct sockaddr *sa, socklen_t len, uint32_t *addr, uint16_t *port);
void pp__put_addr(struct sockaddr *sa, socklen_t *len, uint32_t addr, uint16_t port);
struct timespec pp__deadline_after(int ms);
int pp__deadline_passed(const struct timespec *dl);
/* Gives s a descriptor; -EMFILE / -ENOMEM.  Lock held. */
int pp__fd_alloc(struct pp_stack *st, struct pp_sock *s);

/* Stream halves of the calls (socket_tcp.c), lock held, s referenced. */
int pp__tcp_usr_connect(struct pp_stack *st, struct pp_sock *s, uint32_t addr, uint16_t port);
ssize_t pp__tcp_usr_send(struct pp_stack *st, struct pp_sock *s, const void *buf, size_t len,
                         int flags);
ssize_t pp__tcp_usr_recv(struct pp_stack *st, struct pp_sock *s, void *buf, size_t len, int flags,
                         struct sockaddr *from, socklen_t *fromlen);
short pp__tcp_revents(struct pp_sock *s);

/* Every socket call starts here: the stack's lock, and the thread's ready
 * group becomes the stack's (stack_ready.c: a shard's thread lists and
 * drains its own shard's packets). */
static inline void pp__api_lock(struct pp_stack *st)
{
    pthread_mutex_lock(&st->lock);
    pp__stack_enter(st);
    pp__stack_clock_read(st);
}

/* Every socket call ends here: the stack's lock is dropped, then the
 * packets the call sent to stacks on an in-process link are carried on in
 * this thread, answers included (run to completion). */
static inline void pp__api_unlock(struct pp_stack *st)
{
    pthread_mutex_unlock(&st->lock);
    pp__stack_run_ready();
}

/* Every blocking call's sleep (lock held): first the packets listed for
 * other stacks are carried on (the lock is let go only when something is
 * listed), then a watch of *watch (a wake-up count) as b says
 * (busy_poll.c), then cv until woken or the deadline (NULL: none).  0 -
 * look at the condition again, as a wake-up may have come and gone - or
 * -ETIMEDOUT. */
int pp__api_wait(struct pp_stack *st, pthread_cond_t *cv, const struct timespec *deadline,
                 const unsigned *watch, struct pp_busy *b);
/* The watch before a sleep (busy_poll.c), lock held and held again on
 * return: 1 if *watch changed or packets were listed for this thread, 0
 * if the time ran out (or b->us is 0, or b says to skip this one, or
 * enough threads watch already). */
int pp__busy_poll(struct pp_stack *st, const unsigned *watch, struct pp_busy *b);
/* Blocking calls watch this long before they sleep (PP_SO_BUSY_POLL)... */
#define PP_BUSY_POLL_US 50
/* ... unless the environment's PORTPLEX_BUSY_POLL says otherwise: the
 * PP_SO_BUSY_POLL of a stack's new sockets, read as the stack is made. */
unsigned pp__busy_poll_default(void);
/* A place among the watchers (one per CPU the process may run on, none on
 * one), for a watch that is not a socket's - the TUN driver's before it
 * sleeps: 1 if taken, then pp__busy_release when the watch ends. */
int pp__busy_claim(void);
void pp__busy_release(void);
/* The pause between two looks of a spin (x86 PAUSE, Arm YIELD). */
void pp__cpu_relax(void);

#endif
