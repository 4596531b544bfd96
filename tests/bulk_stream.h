/* bulk_stream.h - the byte stream that bulk tests send through portplex TCP
 * and check on arrival.  Byte i depends on i alone (a 64-bit multiplicative
 * hash, so no short period hides a segment delivered at the wrong offset),
 * which lets the receiver check each chunk where it lands.  The sender runs
 * on its own thread, writes len bytes, then half-closes. */
#ifndef PP_BULK_STREAM_H
#define PP_BULK_STREAM_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "portplex/socket.h"
#include "portplex/stack.h"

static inline char bulk_byte(size_t i)
{
    uint64_t z = (uint64_t)i * 0x9E3779B97F4A7C15ull;
    return (char)((z ^ z >> 31) >> 24);
}

/* Index of the first byte of buf[0..n) that is not the stream's byte at
 * offset+index, or n when all are right. */
static inline size_t bulk_check(const char *buf, size_t n, size_t offset)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (buf[i] != bulk_byte(offset + i))
            break;
    return i;
}

struct bulk_sender {
    struct pp_stack *st;
    int fd;
    size_t len;
    int ok; /* set when every byte was accepted and the half-close succeeded */
};

/* Thread body: a failed send ends it with ok == 0, except -ENOBUFS/-EAGAIN
 * (injected allocation failures, non-blocking sockets), which are retried. */
static inline void *bulk_send(void *arg)
{
    struct bulk_sender *s = arg;
    static __thread char buf[65536];
    size_t sent = 0, i;
    s->ok = 0;
    while (sent < s->len) {
        size_t n = s->len - sent < sizeof buf ? s->len - sent : sizeof buf;
        ssize_t w;
        for (i = 0; i < n; i++)
            buf[i] = bulk_byte(sent + i);
        w = pp_send(s->st, s->fd, buf, n, 0);
        if (w == -ENOBUFS || w == -EAGAIN)
            continue;
        if (w <= 0)
            return NULL;
        sent += (size_t)w;
    }
    s->ok = pp_shutdown(s->st, s->fd, PP_SHUT_WR) == 0;
    return NULL;
}

#endif
