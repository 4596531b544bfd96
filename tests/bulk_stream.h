/* bulk_stream.h - the byte stream that bulk tests send through portplex TCP
 * and check on arrival.  Byte i depends on i alone (a 64-bit multiplicative
 * hash, so no short period hides a segment delivered at the wrong offset),
 * which lets the receiver check each chunk where it lands.  The sender runs
 * on its own thread, writes len bytes, then half-closes. */
#ifndef PP_BULK_STREAM_H
#define PP_BULK_STREAM_H

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
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
        if (w <= 0) {
            fprintf(stderr, "bulk_send: send returned %zd after %zu bytes\n", w, sent);
            return NULL;
        }
        sent += (size_t)w;
    }
    s->ok = pp_shutdown(s->st, s->fd, PP_SHUT_WR) == 0;
    return NULL;
}

/* Sends len bytes from cli (on stack a) in a thread of its own and reads
 * srv (on stack b) to the end of the stream into buf, checking every byte
 * where it lands.  0 when all arrived right and the sender finished; -1
 * (said on stderr) otherwise. */
static inline int bulk_run(struct pp_stack *a, int cli, struct pp_stack *b, int srv, size_t len,
                           char *buf, size_t buflen)
{
    struct bulk_sender s;
    pthread_t th;
    size_t got = 0, i;
    ssize_t n;
    int rc = 0;

    s.st = a;
    s.fd = cli;
    s.len = len;
    if (pthread_create(&th, NULL, bulk_send, &s) != 0)
        return -1;
    while ((n = pp_recv(b, srv, buf, buflen, 0)) > 0) {
        if (rc == 0 && (i = bulk_check(buf, (size_t)n, got)) < (size_t)n) {
            fprintf(stderr, "byte %zu differs\n", got + i);
            rc = -1;
        }
        got += (size_t)n;
    }
    pthread_join(th, NULL);
    if (n < 0 || !s.ok || got != len) {
        fprintf(stderr, "bulk: %zu of %zu bytes, recv %zd, sender %s\n", got, len, n,
                s.ok ? "done" : "failed");
        rc = -1;
    }
    return rc;
}

#endif
