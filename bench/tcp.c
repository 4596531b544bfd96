/* bench/tcp.c - TCP bulk throughput and connection rate: two portplex
 * stacks on the virtual wire (MTU 65535 and 1500) against Linux TCP on
 * 127.0.0.1 (MTU 65536), in the same run.
 * Connections per second also with two shards a side (pp_vwire_attach_shards),
 * a thread per shard pair, against one shard.
 * Last line: ratio=<smallest of the three> bulk=<MTU 65535 / kernel>
 *   bulk1500=<MTU 1500 / kernel> connrate=<connections per second / kernel>
 *   shards2=<2-shard / 1-shard connections per second> unit=ratio
 * "bench_tcp bulk MTU" runs one bulk transfer of ours alone (for perf). */
#include <arpa/inet.h>
#include <netinet/tcp.h>
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
#define BULK (256u << 20) /* bytes per bulk run */

struct side {
    int kernel;
    struct pp_stack *st;
    int fd;
    size_t bytes;
};

static ssize_t xsend(struct side *s, const void *b, size_t n)
{
    return s->kernel ? send(s->fd, b, n, 0) : pp_send(s->st, s->fd, b, n, 0);
}
static ssize_t xrecv(struct side *s, void *b, size_t n)
{
    return s->kernel ? recv(s->fd, b, n, 0) : pp_recv(s->st, s->fd, b, n, 0);
}

static void *sink(void *arg)
{
    struct side *s = arg;
    static __thread char buf[1 << 17];
    ssize_t n;
    while ((n = xrecv(s, buf, sizeof buf)) > 0)
        s->bytes += (size_t)n;
    return NULL;
}

/* Sends BULK bytes from cli to srv; returns Gbit/s. */
static double bulk(struct side *cli, struct side *srv)
{
    static char buf[1 << 17];
    pthread_t th;
    size_t sent = 0;
    double t0;

    memset(buf, 'b', sizeof buf);
    pthread_create(&th, NULL, sink, srv);
    t0 = pp_mono_s();
    while (sent < BULK) {
        ssize_t n = xsend(cli, buf, sizeof buf);
        if (n <= 0)
            break;
        sent += (size_t)n;
    }
    if (cli->kernel)
        shutdown(cli->fd, SHUT_WR);
    else
        pp_shutdown(cli->st, cli->fd, PP_SHUT_WR);
    pthread_join(th, NULL);
    if (srv->bytes != sent)
        fprintf(stderr, "bulk: sent %zu, received %zu\n", sent, srv->bytes);
    return (double)srv->bytes * 8 / (pp_mono_s() - t0) / 1e9;
}

static double ours_bulk(uint16_t mtu)
{
    struct pp_vwire_config wc;
    char err[256];
    struct pp_stack *a = mkstack(A), *b = mkstack(B);
    struct pp_vwire *w;
    struct sockaddr_in any = sin_of(0, 5001), to = sin_of(B, 5001);
    struct side cli = {0, a, -1, 0}, srv = {0, b, -1, 0};
    int lis;
    double g;

    memset(&wc, 0, sizeof wc);
    wc.mtu = mtu;
    w = pp_vwire_new(&wc, err);
    pp_vwire_attach(w, a);
    pp_vwire_attach(w, b);
    pp_vwire_start(w);
    lis = pp_socket(b, PP_SOCK_STREAM);
    pp_bind(b, lis, (struct sockaddr *)&any, sizeof any);
    pp_listen(b, lis, 4);
    cli.fd = pp_socket(a, PP_SOCK_STREAM);
    if (pp_connect(a, cli.fd, (struct sockaddr *)&to, sizeof to) < 0)
        abort();
    srv.fd = pp_accept(b, lis, NULL, NULL);
    g = bulk(&cli, &srv);
    pp_close(a, cli.fd);
    pp_close(b, srv.fd);
    pp_close(b, lis);
    pp_vwire_free(w);
    pp_stack_free(a);
    pp_stack_free(b);
    return g;
}

static double kernel_bulk(void)
{
    struct sockaddr_in sa = sin_of(0x7f000001u, 0);
    socklen_t sl = sizeof sa;
    struct side cli = {1, NULL, -1, 0}, srv = {1, NULL, -1, 0};
    int lis = socket(AF_INET, SOCK_STREAM, 0);
    double g;

    bind(lis, (struct sockaddr *)&sa, sizeof sa);
    listen(lis, 4);
    getsockname(lis, (struct sockaddr *)&sa, &sl);
    cli.fd = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(cli.fd, (struct sockaddr *)&sa, sizeof sa) < 0)
        abort();
    srv.fd = accept(lis, NULL, NULL);
    g = bulk(&cli, &srv);
    close(cli.fd);
    close(srv.fd);
    close(lis);
    return g;
}

/* Connections per second: connect, 1 request, 1 response, close, by one
 * thread on one client shard and one server shard. */
struct lane {
    struct pp_stack *a, *b;
    int lis, n;
    double t;
};

static void *lane_main(void *arg)
{
    struct lane *l = arg;
    struct sockaddr_in to = sin_of(B, 80);
    char buf[64];
    double t0 = pp_mono_s();

    do {
        int c = pp_socket(l->a, PP_SOCK_STREAM), s;
        if (pp_connect(l->a, c, (struct sockaddr *)&to, sizeof to) < 0)
            abort();
        s = pp_accept(l->b, l->lis, NULL, NULL);
        pp_send(l->a, c, "ping", 4, 0);
        pp_recv(l->b, s, buf, sizeof buf, 0);
        pp_send(l->b, s, "pong", 4, 0);
        pp_recv(l->a, c, buf, sizeof buf, 0);
        pp_close(l->b, s); /* the server closes first and keeps the TIME_WAIT */
        pp_close(l->a, c);
        l->n++;
        l->t = pp_mono_s() - t0;
    } while (l->t < 1.0);
    return NULL;
}

/* n shards on each host (pp_vwire_attach_shards), a thread per shard pair:
 * the symmetric RSS hash keeps client shard i's flows on server shard i. */
static double ours_cps(int n)
{
    char err[256];
    struct pp_stack *a[8], *b[8];
    struct lane lanes[8];
    pthread_t th[8];
    struct pp_vwire *w = pp_vwire_new(NULL, err);
    struct sockaddr_in any = sin_of(0, 80);
    double rate = 0;
    int i;

    for (i = 0; i < n; i++) {
        a[i] = mkstack(A);
        b[i] = mkstack(B);
    }
    if (pp_vwire_attach_shards(w, a, (unsigned)n) < 0 || pp_vwire_attach_shards(w, b, (unsigned)n) < 0)
        abort();
    pp_vwire_start(w);
    for (i = 0; i < n; i++) {
        memset(&lanes[i], 0, sizeof lanes[i]);
        lanes[i].a = a[i];
        lanes[i].b = b[i];
        lanes[i].lis = pp_socket(b[i], PP_SOCK_STREAM);
        pp_bind(b[i], lanes[i].lis, (struct sockaddr *)&any, sizeof any);
        pp_listen(b[i], lanes[i].lis, 128);
    }
    for (i = 0; i < n; i++)
        pthread_create(&th[i], NULL, lane_main, &lanes[i]);
    for (i = 0; i < n; i++) {
        pthread_join(th[i], NULL);
        rate += lanes[i].n / lanes[i].t;
        pp_close(b[i], lanes[i].lis);
    }
    pp_vwire_free(w);
    for (i = 0; i < n; i++) {
        pp_stack_free(a[i]);
        pp_stack_free(b[i]);
    }
    return rate;
}

static double kernel_cps(void)
{
    struct sockaddr_in sa = sin_of(0x7f000001u, 0);
    socklen_t sl = sizeof sa;
    char buf[64];
    int lis = socket(AF_INET, SOCK_STREAM, 0), n = 0, one = 1;
    double t0, t;

    bind(lis, (struct sockaddr *)&sa, sizeof sa);
    listen(lis, 128);
    getsockname(lis, (struct sockaddr *)&sa, &sl);
    t0 = pp_mono_s();
    do {
        int c = socket(AF_INET, SOCK_STREAM, 0), s;
        setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(c, (struct sockaddr *)&sa, sizeof sa) < 0)
            abort();
        s = accept(lis, NULL, NULL);
        setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        send(c, "ping", 4, 0);
        recv(s, buf, sizeof buf, 0);
        send(s, "pong", 4, 0);
        recv(c, buf, sizeof buf, 0);
        close(s);
        close(c);
        n++;
        t = pp_mono_s() - t0;
    } while (t < 1.0);
    close(lis);
    return n / t;
}

/* The machine's CPU time so far and the part of it the hypervisor gave to
 * others (/proc/stat's "steal"), in ticks; 0, 0 where unreadable. */
static void cpu_ticks(unsigned long long *total, unsigned long long *steal)
{
    unsigned long long v[8] = {0};
    FILE *f = fopen("/proc/stat", "r");
    int i;

    *total = *steal = 0;
    if (!f)
        return;
    if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4],
               &v[5], &v[6], &v[7]) == 8) {
        for (i = 0; i < 8; i++)
            *total += v[i];
        *steal = v[7];
    }
    fclose(f);
}

static double best3(double (*fn)(uint16_t), uint16_t mtu)
{
    double b = 0;
    int i;
    for (i = 0; i < 3; i++) {
        double g = fn(mtu);
        if (g > b)
            b = g;
    }
    return b;
}

static double kernel_bulk_any(uint16_t mtu)
{
    (void)mtu;
    return kernel_bulk();
}

int main(int argc, char **argv)
{
    /* "bench_tcp bulk MTU": our bulk alone, for a profiler. */
    if (argc == 3 && !strcmp(argv[1], "bulk")) {
        printf("%.2f Gbit/s\n", ours_bulk((uint16_t)atoi(argv[2])));
        return 0;
    }
    /* "bench_tcp cps SHARDS": our connection rate alone, for a profiler. */
    if (argc == 3 && !strcmp(argv[1], "cps") && atoi(argv[2]) >= 1 && atoi(argv[2]) <= 8) {
        printf("%.0f connections/s\n", ours_cps(atoi(argv[2])));
        return 0;
    }
    /* Bulk figures are the best of three runs each, the kernel's too: the
     * machine's noise should not pick the winner. */
    double o64 = best3(ours_bulk, 65535), o15 = best3(ours_bulk, 1500), k = best3(kernel_bulk_any, 0);
    double oc = 0, kc = 0, o2 = 0;
    unsigned long long t0, s0, t1, s1, tot2 = 0, st2 = 0;
    int i;

    /* Connection rates, the best of five 1 s runs each, taken in turns
     * (one shard, the kernel, two shards), so a slow second of the
     * machine's lands on all three alike (five, not three: one shard's
     * rate alone moved 89-126 k/s between runs a minute apart). */
    for (i = 0; i < 5; i++) {
        double r = ours_cps(1);
        oc = r > oc ? r : oc;
        r = kernel_cps();
        kc = r > kc ? r : kc;
        cpu_ticks(&t0, &s0);
        r = ours_cps(2);
        cpu_ticks(&t1, &s1);
        tot2 += t1 - t0;
        st2 += s1 - s0;
        o2 = r > o2 ? r : o2;
    }
    double r64 = o64 / k, r15 = o15 / k, rc = oc / kc, low = r64, sh = o2 / oc;

    if (r15 < low)
        low = r15;
    if (rc < low)
        low = rc;
    printf("%-44s %10s %10s %7s\n", "TCP, two stacks vs Linux on 127.0.0.1", "portplex", "kernel", "ratio");
    printf("%-44s %10.2f %10.2f %7.2f\n", "bulk, vwire MTU 65535, Gbit/s (best of 3)", o64, k, r64);
    printf("%-44s %10.2f %10.2f %7.2f\n", "bulk, vwire MTU 1500, Gbit/s (best of 3)", o15, k, r15);
    printf("%-44s %10.0f %10.0f %7.2f\n", "connect+request+response+close, per s (best of 5)", oc, kc, rc);
    printf("%-44s %10.0f %10.0f %7.2f\n", "  the same, 2 shards a side, 2 threads (best of 5)", o2, oc,
           sh);
    printf("# portplex runs both ends in one process over the virtual wire; the kernel's\n"
           "# loopback (MTU 65536) pays system calls.  The shards line's peer is one shard.\n");
    /* Two shards need both CPUs; time the hypervisor gives to other
     * machines meanwhile is lost to them alone. */
    if (tot2)
        printf("# CPU time stolen by the hypervisor during the 2-shard runs: %.1f%%\n",
               100.0 * (double)st2 / (double)tot2);
    printf("ratio=%.2f bulk=%.2f bulk1500=%.2f connrate=%.2f shards2=%.2f unit=ratio\n", low, r64,
           r15, rc, sh);
    return 0;
}
