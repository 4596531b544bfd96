/* bench/udp.c - UDP request/response round trips: two portplex stacks on the
 * virtual wire against two Linux UDP sockets on 127.0.0.1, in the same run.
 * Two shapes, each measured for both sides:
 *   one thread   the same thread sends the request, serves it and reads the
 *                reply (the kernel delivers on loopback at once; we step the
 *                wire), so it measures the per-packet cost of each stack;
 *   two threads  a client thread and a server thread with blocking calls,
 *                both sides with a 50 us busy poll before they sleep
 *                (PP_SO_BUSY_POLL, ours' default; SO_BUSY_POLL on the
 *                kernel's sockets, set as root - on loopback, which has no
 *                NAPI context to poll, it changes nothing), and both with
 *                none (PP_SO_BUSY_POLL 0; the kernel's default).
 * Last line (one-thread figures): ratio=<ours/kernel> ours=<rps> peer=<rps> unit=req/s. */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench_net.h"
#include "bench_util.h"
#include "portplex/vwire.h"
#include "portplex/socket.h"
#include "portplex/stack.h"

#define A BENCH_A
#define B BENCH_B
#define MSG 64
#define SECONDS 1.0

static double ours_one_thread(void)
{
    char err[256], buf[MSG];
    struct pp_stack *a = mkstack(A), *b = mkstack(B);
    struct pp_vwire *w = pp_vwire_new(NULL, err);
    struct sockaddr_in srv_addr = sin_of(0, 7), to = sin_of(B, 7), from;
    socklen_t fl;
    int srv, cli;
    long n = 0;
    double t0, t;
    uint64_t now = pp_now_ms();

    pp_vwire_attach(w, a);
    pp_vwire_attach(w, b);
    srv = pp_socket(b, PP_SOCK_DGRAM | PP_SOCK_NONBLOCK);
    pp_bind(b, srv, (struct sockaddr *)&srv_addr, sizeof srv_addr);
    cli = pp_socket(a, PP_SOCK_DGRAM | PP_SOCK_NONBLOCK);
    memset(buf, 'r', sizeof buf);
    t0 = pp_mono_s();
    do {
        int k;
        for (k = 0; k < 1000; k++, n++) {
            pp_sendto(a, cli, buf, MSG, 0, (struct sockaddr *)&to, sizeof to);
            pp_vwire_step(w, now);
            fl = sizeof from;
            if (pp_recvfrom(b, srv, buf, MSG, 0, (struct sockaddr *)&from, &fl) != MSG)
                abort();
            pp_sendto(b, srv, buf, MSG, 0, (struct sockaddr *)&from, fl);
            pp_vwire_step(w, now);
            if (pp_recv(a, cli, buf, MSG, 0) != MSG)
                abort();
        }
        t = pp_mono_s() - t0;
    } while (t < SECONDS);
    pp_vwire_free(w);
    pp_stack_free(a);
    pp_stack_free(b);
    return (double)n / t;
}

static double kernel_one_thread(void)
{
    int srv = socket(AF_INET, SOCK_DGRAM, 0), cli = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sa = sin_of(0x7f000001u, 0), from;
    socklen_t sl = sizeof sa, fl;
    char buf[MSG];
    long n = 0;
    double t0, t;

    bind(srv, (struct sockaddr *)&sa, sizeof sa);
    getsockname(srv, (struct sockaddr *)&sa, &sl);
    memset(buf, 'r', sizeof buf);
    t0 = pp_mono_s();
    do {
        int k;
        for (k = 0; k < 1000; k++, n++) {
            sendto(cli, buf, MSG, 0, (struct sockaddr *)&sa, sizeof sa);
            fl = sizeof from;
            if (recvfrom(srv, buf, MSG, 0, (struct sockaddr *)&from, &fl) != MSG)
                abort();
            sendto(srv, buf, MSG, 0, (struct sockaddr *)&from, fl);
            if (recv(cli, buf, MSG, 0) != MSG)
                abort();
        }
        t = pp_mono_s() - t0;
    } while (t < SECONDS);
    close(srv);
    close(cli);
    return (double)n / t;
}

/* Two threads: a blocking echo server; the caller is the client. */
struct server {
    int kernel;
    struct pp_stack *st;
    int fd;
    volatile int stop;
};

static void *serve(void *arg)
{
    struct server *s = arg;
    char buf[MSG];
    while (!s->stop) {
        struct sockaddr_in from;
        socklen_t fl = sizeof from;
        ssize_t n = s->kernel ? recvfrom(s->fd, buf, MSG, 0, (struct sockaddr *)&from, &fl)
                              : pp_recvfrom(s->st, s->fd, buf, MSG, 0, (struct sockaddr *)&from, &fl);
        if (n <= 0)
            continue;
        if (s->kernel)
            sendto(s->fd, buf, (size_t)n, 0, (struct sockaddr *)&from, fl);
        else
            pp_sendto(s->st, s->fd, buf, (size_t)n, 0, (struct sockaddr *)&from, fl);
    }
    return NULL;
}

static double two_threads(int kernel, int busy_us)
{
    struct server s;
    pthread_t th;
    char err[256], buf[MSG];
    struct pp_stack *a = NULL, *b = NULL;
    struct pp_vwire *w = NULL;
    struct sockaddr_in sa, to;
    socklen_t sl = sizeof sa;
    int cli, tmo = 100;
    long n = 0;
    double t0, t;

    memset(&s, 0, sizeof s);
    s.kernel = kernel;
    if (kernel) {
        struct timeval tv = {0, 100000};
        s.fd = socket(AF_INET, SOCK_DGRAM, 0);
        sa = sin_of(0x7f000001u, 0);
        bind(s.fd, (struct sockaddr *)&sa, sizeof sa);
        getsockname(s.fd, (struct sockaddr *)&sa, &sl);
        setsockopt(s.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        to = sa;
        cli = socket(AF_INET, SOCK_DGRAM, 0);
        if (busy_us && (setsockopt(s.fd, SOL_SOCKET, SO_BUSY_POLL, &busy_us, sizeof busy_us) < 0 ||
                        setsockopt(cli, SOL_SOCKET, SO_BUSY_POLL, &busy_us, sizeof busy_us) < 0))
            fprintf(stderr, "SO_BUSY_POLL refused (not root?): the kernel's sockets do not poll\n");
    } else {
        a = mkstack(A);
        b = mkstack(B);
        w = pp_vwire_new(NULL, err);
        pp_vwire_attach(w, a);
        pp_vwire_attach(w, b);
        pp_vwire_start(w);
        s.st = b;
        s.fd = pp_socket(b, PP_SOCK_DGRAM);
        sa = sin_of(0, 7);
        pp_bind(b, s.fd, (struct sockaddr *)&sa, sizeof sa);
        pp_setsockopt(b, s.fd, PP_SO_RCVTIMEO, &tmo, sizeof tmo);
        to = sin_of(B, 7);
        cli = pp_socket(a, PP_SOCK_DGRAM);
        pp_setsockopt(b, s.fd, PP_SO_BUSY_POLL, &busy_us, sizeof busy_us);
        pp_setsockopt(a, cli, PP_SO_BUSY_POLL, &busy_us, sizeof busy_us);
    }
    pthread_create(&th, NULL, serve, &s);
    memset(buf, 'r', sizeof buf);
    t0 = pp_mono_s();
    do {
        int k;
        for (k = 0; k < 100; k++, n++) {
            if (kernel) {
                sendto(cli, buf, MSG, 0, (struct sockaddr *)&to, sizeof to);
                if (recv(cli, buf, MSG, 0) != MSG)
                    abort();
            } else {
                pp_sendto(a, cli, buf, MSG, 0, (struct sockaddr *)&to, sizeof to);
                if (pp_recv(a, cli, buf, MSG, 0) != MSG)
                    abort();
            }
        }
        t = pp_mono_s() - t0;
    } while (t < SECONDS);
    s.stop = 1;
    pthread_join(th, NULL);
    if (kernel) {
        close(cli);
        close(s.fd);
    } else {
        pp_vwire_free(w);
        pp_stack_free(a);
        pp_stack_free(b);
    }
    return (double)n / t;
}

int main(void)
{
    double o1 = 0, k1 = 0, o2, k2, o3, k3;
    int i;

    /* Best of three for the one-thread shape (noisy shared machine). */
    for (i = 0; i < 3; i++) {
        double o = ours_one_thread(), k = kernel_one_thread();
        if (o > o1) o1 = o;
        if (k > k1) k1 = k;
    }
    o2 = two_threads(0, 50);
    k2 = two_threads(1, 50);
    o3 = two_threads(0, 0);
    k3 = two_threads(1, 0);
    printf("%-36s %14s %14s %8s\n", "64-byte UDP request/response", "portplex", "kernel", "ratio");
    printf("%-36s %14.0f %14.0f %8.2f\n", "one thread (per-packet cost), req/s", o1, k1, o1 / k1);
    printf("%-36s %14.0f %14.0f %8.2f\n", "two threads, blocking calls, req/s", o2, k2, o2 / k2);
    printf("%-36s %14.0f %14.0f %8.2f\n", "  the same, no busy poll, req/s", o3, k3, o3 / k3);
    printf("ratio=%.2f ours=%.0f peer=%.0f unit=req/s\n", o1 / k1, o1, k1);
    return 0;
}
