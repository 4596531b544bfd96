/* pd_interface.h - the function table packetdrill's in-process ("so") mode
 * hands to a network stack, declared here from its documented ABI (member
 * order and signatures as in google/packetdrill gtests/net/packetdrill/
 * packetdrill.h, 2015 interface).  Every entry takes the table's userdata
 * first; results are returned the way the system calls return them. */
#ifndef PP_PD_INTERFACE_H
#define PP_PD_INTERFACE_H

#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

struct packetdrill_interface {
    void *userdata;
    void (*free)(void *ud);
    int (*socket)(void *ud, int domain, int type, int protocol);
    int (*bind)(void *ud, int fd, const struct sockaddr *addr, socklen_t len);
    int (*listen)(void *ud, int fd, int backlog);
    int (*accept)(void *ud, int fd, struct sockaddr *addr, socklen_t *len);
    int (*connect)(void *ud, int fd, const struct sockaddr *addr, socklen_t len);
    ssize_t (*read)(void *ud, int fd, void *buf, size_t n);
    ssize_t (*readv)(void *ud, int fd, const struct iovec *iov, int iovcnt);
    ssize_t (*recv)(void *ud, int fd, void *buf, size_t n, int flags);
    ssize_t (*recvfrom)(void *ud, int fd, void *buf, size_t n, int flags, struct sockaddr *from,
                        socklen_t *fromlen);
    ssize_t (*recvmsg)(void *ud, int fd, struct msghdr *msg, int flags);
    ssize_t (*write)(void *ud, int fd, const void *buf, size_t n);
    ssize_t (*writev)(void *ud, int fd, const struct iovec *iov, int iovcnt);
    ssize_t (*send)(void *ud, int fd, const void *buf, size_t n, int flags);
    ssize_t (*sendto)(void *ud, int fd, const void *buf, size_t n, int flags,
                      const struct sockaddr *to, socklen_t tolen);
    ssize_t (*sendmsg)(void *ud, int fd, const struct msghdr *msg, int flags);
    int (*fcntl)(void *ud, int fd, int cmd, ...);
    int (*ioctl)(void *ud, int fd, unsigned long request, ...);
    int (*close)(void *ud, int fd);
    int (*shutdown)(void *ud, int fd, int how);
    int (*getsockopt)(void *ud, int fd, int level, int name, void *val, socklen_t *len);
    int (*setsockopt)(void *ud, int fd, int level, int name, const void *val, socklen_t len);
    int (*poll)(void *ud, struct pollfd *fds, nfds_t n, int timeout_ms);
    /* One inbound IPv4 packet for the stack: 0, or -1. */
    int (*netdev_send)(void *ud, const void *buf, size_t n);
    /* The next outbound packet: *n in = buffer size, out = bytes (0: none);
     * *time_usecs = when it was sent.  0, or -1 to be called again. */
    int (*netdev_receive)(void *ud, void *buf, size_t *n, long long *time_usecs);
    int (*usleep)(void *ud, useconds_t usec);
    int (*gettimeofday)(void *ud, struct timeval *tv, struct timezone *tz);
    int (*epoll_create)(void *ud, int size);
    int (*epoll_ctl)(void *ud, int epfd, int op, int fd, struct epoll_event *ev);
    int (*epoll_wait)(void *ud, int epfd, struct epoll_event *evs, int max, int timeout_ms);
    int (*pipe)(void *ud, int fds[2]);
    int (*splice)(void *ud, int in, loff_t *off_in, int out, loff_t *off_out, size_t n,
                  unsigned int flags);
};

#endif
