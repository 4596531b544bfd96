/* socket.h - portplex's BSD-like socket API.  Calls look like their POSIX
 * namesakes with the stack as first argument, take struct sockaddr_in
 * addresses, and return >= 0 on success or a negative errno value (never -1
 * with errno set).  Every call is thread-safe: many threads may block on
 * different sockets of one stack at once. */
#ifndef PORTPLEX_SOCKET_H
#define PORTPLEX_SOCKET_H

#include "portplex/export.h"

#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

struct pp_stack;

/* Socket types and flags for pp_socket (values of their own, not the host's). */
#define PP_SOCK_DGRAM 1
#define PP_SOCK_STREAM 2
#define PP_SOCK_NONBLOCK 0x100

/* Flags for send/recv calls. */
#define PP_MSG_DONTWAIT 0x1
#define PP_MSG_PEEK 0x2
#define PP_MSG_EOR 0x4 /* TCP: this write ends a record; never coalesce it with the next */
#define PP_MSG_MORE 0x8 /* TCP: more follows at once - this call sends full bursts only (Linux MSG_MORE) */

/* Options for pp_setsockopt / pp_getsockopt (level is ignored: one space). */
enum pp_sockopt {
    PP_SO_REUSEADDR = 1, /* int, before bind */
    PP_SO_RCVBUF,        /* int bytes, receive queue limit */
    PP_SO_SNDBUF,        /* int bytes */
    PP_SO_ERROR,         /* int, read-only: pending error (errno), cleared when read */
    PP_SO_RCVTIMEO,      /* int milliseconds, 0 = wait forever */
    PP_SO_NONBLOCK,      /* int, 0 or 1 */
    PP_SO_TYPE,          /* int, read-only */
    PP_SO_BROADCAST,     /* int, allow sending to broadcast addresses */
    PP_SO_LINGER,        /* int seconds, -1 off; 0 makes close() abort with RST */
    PP_TCP_NODELAY,      /* int: send small segments at once (no Nagle) */
    PP_SO_KEEPALIVE,     /* int: probe an idle connection */
    PP_TCP_KEEPIDLE,     /* int seconds of silence before the first probe (7200) */
    PP_TCP_KEEPINTVL,    /* int seconds between probes (75) */
    PP_TCP_KEEPCNT,      /* int probes unanswered before ETIMEDOUT (9) */
    PP_TCP_CONGESTION,   /* int: PP_CC_NEWRENO or PP_CC_CUBIC (default) */
    PP_SO_NREAD,         /* int, read-only: bytes ready to read (FIONREAD) */
    PP_TCP_MAXSEG,       /* int: the most we send in a segment; set before connect/listen
                            to lower the MSS we announce (88..32767) */
    PP_IP_TOS,           /* int 0..255: the IPv4 TOS byte of what we send (DSCP + ECN
                            bits; the ECN bits stay TCP's own) */
    PP_TCP_USER_TIMEOUT, /* int ms: drop the connection with ETIMEDOUT when sent data stays
                            unacknowledged this long (RFC 5482); 0 = the retry count rules */
    PP_IP_MTU_DISCOVER,  /* int: 1 (default) sets DF and follows path MTU discovery
                            (RFC 1191); 0 never sets DF, so routers may fragment */
    PP_SO_EVENTS,        /* unsigned, read-only: counts wake-ups of the socket (new data,
                            room, state), for edge-triggered polling */
    PP_SO_BUSY_POLL,     /* int microseconds 0..10000 (default 50) a blocking call watches
                            for its event before it sleeps (Linux's SO_BUSY_POLL); 0
                            sleeps at once */
};
#define PP_CC_NEWRENO_ID 0
#define PP_CC_CUBIC_ID 1

/* Creates a socket; returns its descriptor (>= 0) or -EINVAL, -EMFILE, -ENOMEM. */
PP_API int pp_socket(struct pp_stack *st, int type);
/* Binds to a local address; port 0 picks an ephemeral port.  -EADDRINUSE,
 * -EADDRNOTAVAIL (not one of the stack's addresses), -EINVAL (already bound,
 * bad length), -EAFNOSUPPORT, -EBADF. */
PP_API int pp_bind(struct pp_stack *st, int fd, const struct sockaddr *addr, socklen_t len);
/* UDP: sets the default destination and filters arrivals to it.  TCP: opens
 * the connection (blocking until established, or -EINPROGRESS when
 * non-blocking); -ECONNREFUSED, -ETIMEDOUT, -EISCONN, -EALREADY.  Both:
 * -ENETUNREACH, -EADDRNOTAVAIL (no ephemeral port left). */
PP_API int pp_connect(struct pp_stack *st, int fd, const struct sockaddr *addr, socklen_t len);
/* Sends one datagram (UDP) or appends to the stream (TCP); returns the bytes
 * sent.  -EFAULT for a NULL buf with len > 0.  -EMSGSIZE over 65507 bytes,
 * -EDESTADDRREQ unconnected without to, -EISCONN-free (to overrides),
 * -ECONNREFUSED when an ICMP error was reported for a connected socket,
 * -ENOBUFS when the link refuses it. */
PP_API ssize_t pp_sendto(struct pp_stack *st, int fd, const void *buf, size_t len, int flags,
                  const struct sockaddr *to, socklen_t tolen);
PP_API ssize_t pp_send(struct pp_stack *st, int fd, const void *buf, size_t len, int flags);
/* Receives one datagram (truncated to len) and its source address; TCP:
 * stream bytes, 0 at end of stream or after shutdown(PP_SHUT_RD) once the
 * queue is empty.  -EFAULT for a NULL buf with len > 0.  Blocks
 * unless non-blocking or PP_MSG_DONTWAIT (-EAGAIN); -ETIMEDOUT after
 * SO_RCVTIMEO; -ECONNREFUSED for a pending ICMP error; -EBADF if the socket
 * is closed while waiting. */
PP_API ssize_t pp_recvfrom(struct pp_stack *st, int fd, void *buf, size_t len, int flags,
                    struct sockaddr *from, socklen_t *fromlen);
PP_API ssize_t pp_recv(struct pp_stack *st, int fd, void *buf, size_t len, int flags);
PP_API int pp_getsockname(struct pp_stack *st, int fd, struct sockaddr *addr, socklen_t *len);
PP_API int pp_getpeername(struct pp_stack *st, int fd, struct sockaddr *addr, socklen_t *len);
PP_API int pp_setsockopt(struct pp_stack *st, int fd, int opt, const void *val, socklen_t len);
PP_API int pp_getsockopt(struct pp_stack *st, int fd, int opt, void *val, socklen_t *len);
/* Closes the descriptor; threads blocked on it return -EBADF.  A TCP
 * connection then closes gracefully on its own (FIN, TIME_WAIT), or with RST
 * under SO_LINGER 0 or when received data was left unread. */
PP_API int pp_close(struct pp_stack *st, int fd);

/* TCP: listen with a queue of backlog connections (1..4096). */
PP_API int pp_listen(struct pp_stack *st, int fd, int backlog);
/* TCP: the next established connection's descriptor; blocks unless
 * non-blocking (-EAGAIN).  addr gets the peer. */
PP_API int pp_accept(struct pp_stack *st, int fd, struct sockaddr *addr, socklen_t *len);
#define PP_SHUT_RD 0
#define PP_SHUT_WR 1
#define PP_SHUT_RDWR 2
/* TCP: stop sending (FIN after the queued data) and/or receiving. */
PP_API int pp_shutdown(struct pp_stack *st, int fd, int how);

/* poll(2) for portplex sockets. */
#define PP_POLLIN 0x1
#define PP_POLLOUT 0x4
#define PP_POLLERR 0x8
#define PP_POLLHUP 0x10
#define PP_POLLNVAL 0x20
struct pp_pollfd {
    int fd;
    short events, revents;
};
/* Waits up to timeout_ms (-1 forever, 0 not at all) for an event; returns the
 * number of entries with revents set. */
PP_API int pp_poll(struct pp_stack *st, struct pp_pollfd *fds, size_t n, int timeout_ms);

#endif
