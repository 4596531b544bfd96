/* soak.c - churn and soak for two stacks on the virtual wire: N TCP
 * connections opened, used and closed (server closes first, so TIME_WAIT
 * piles up on its side and client ports are reused), then M megabytes
 * through an impairment matrix, and at the end the socket tables, TIME_WAIT
 * records and heap back where they started.  ctest runs a short version;
 * `cmake --build build --target soak` runs 1,000,000 connections and 1 GB.
 *
 *   soak_run [--connections N] [--megabytes M] [--threads T] [--time-wait-ms X] */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "portplex/vwire.h"
#include "portplex/socket.h"
#include "portplex/stack.h"
#include "bulk_stream.h"

#define SERVER 0xc0000202u
#define CLIENT 0xc0000201u

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static struct pp_stack *stack_at(uint32_t addr, const char *name, uint32_t tw_ms)
{
    struct pp_stack_config c;
    memset(&c, 0, sizeof c);
    c.addr = addr;
    c.prefix_len = 24;
    c.name = name;
    c.time_wait_ms = tw_ms;
    return pp_stack_new(&c);
}

static struct sockaddr_in sin_of(uint32_t a, uint16_t port)
{
    struct sockaddr_in s;
    memset(&s, 0, sizeof s);
    s.sin_family = AF_INET;
    s.sin_addr.s_addr = htonl(a);
    s.sin_port = htons(port);
    return s;
}

struct counts {
    int sockets, time_wait, established, other;
};

static void count_sock(void *arg, const struct pp_socket_info *si)
{
    struct counts *c = arg;
    c->sockets++;
    if (strcmp(si->state, "TIME-WAIT") == 0)
        c->time_wait++;
    else if (strcmp(si->state, "ESTAB") == 0)
        c->established++;
    else if (strcmp(si->state, "LISTEN") != 0)
        c->other++;
}

static struct counts counts_of(struct pp_stack *st)
{
    struct counts c = {0, 0, 0, 0};
    pp_stack_list_sockets(st, count_sock, &c);
    return c;
}

/* --- churn -------------------------------------------------------------- */
struct churn {
    struct pp_stack *srv, *cli;
    int lis;
    long per_thread;
    long done, failed;
    volatile int stop;
};

static void *churn_server(void *arg)
{
    struct churn *c = arg;
    char b[8];
    while (!c->stop) {
        int s = pp_accept(c->srv, c->lis, NULL, NULL);
        if (s < 0)
            continue; /* -EAGAIN every RCVTIMEO, to see stop */
        if (pp_recv(c->srv, s, b, sizeof b, 0) == 1)
            pp_send(c->srv, s, "r", 1, 0);
        pp_close(c->srv, s); /* the server closes first: TIME_WAIT here */
    }
    return NULL;
}

static void *churn_client(void *arg)
{
    struct churn *c = arg;
    struct sockaddr_in to = sin_of(SERVER, 80);
    long i, ok = 0, bad = 0;
    char b[8];
    for (i = 0; i < c->per_thread; i++) {
        int fd = pp_socket(c->cli, PP_SOCK_STREAM), tmo = 5000;
        if (fd < 0) {
            bad++;
            continue;
        }
        pp_setsockopt(c->cli, fd, PP_SO_RCVTIMEO, &tmo, sizeof tmo);
        if (pp_connect(c->cli, fd, (struct sockaddr *)&to, sizeof to) == 0 &&
            pp_send(c->cli, fd, "q", 1, 0) == 1 && pp_recv(c->cli, fd, b, sizeof b, 0) == 1 &&
            pp_recv(c->cli, fd, b, sizeof b, 0) == 0)
            ok++;
        else
            bad++;
        pp_close(c->cli, fd);
    }
    __atomic_add_fetch(&c->done, ok, __ATOMIC_RELAXED);
    __atomic_add_fetch(&c->failed, bad, __ATOMIC_RELAXED);
    return NULL;
}

/* --- bulk --------------------------------------------------------------- */
/* Sends len bytes through a fresh pair of stacks on a wire with cfg's
 * impairments; 0 if every byte arrived intact.  Seconds in *secs. */
static int bulk_cell(const struct pp_vwire_config *cfg, size_t len, double *secs)
{
    char err[256];
    struct pp_vwire *w = pp_vwire_new(cfg, err);
    struct pp_stack *a = stack_at(CLIENT, "client", 0), *b = stack_at(SERVER, "server", 0);
    struct sockaddr_in any = sin_of(0, 5001), to = sin_of(SERVER, 5001);
    static char buf[65536];
    struct bulk_sender bk;
    pthread_t th;
    size_t got = 0;
    int lis, cli, srv, rc = -1;
    double t0 = now_s();
    ssize_t n;

    if (!w || !a || !b || pp_vwire_attach(w, a) < 0 || pp_vwire_attach(w, b) < 0 || pp_vwire_start(w) < 0)
        goto out;
    lis = pp_socket(b, PP_SOCK_STREAM);
    if (pp_bind(b, lis, (struct sockaddr *)&any, sizeof any) < 0 || pp_listen(b, lis, 4) < 0)
        goto out;
    cli = pp_socket(a, PP_SOCK_STREAM);
    if (pp_connect(a, cli, (struct sockaddr *)&to, sizeof to) < 0 || (srv = pp_accept(b, lis, NULL, NULL)) < 0)
        goto out;
    bk.st = a;
    bk.fd = cli;
    bk.len = len;
    pthread_create(&th, NULL, bulk_send, &bk);
    while ((n = pp_recv(b, srv, buf, sizeof buf, 0)) > 0) {
        size_t i = bulk_check(buf, (size_t)n, got);
        if (i < (size_t)n) {
            fprintf(stderr, "soak: byte %zu differs\n", got + i);
            break;
        }
        got += (size_t)n;
    }
    pthread_join(th, NULL);
    rc = bk.ok && got == len ? 0 : -1;
    if (getenv("SOAK_COUNTERS"))
        pp_stack_print_counters(a, stdout);
    pp_close(a, cli);
    pp_close(b, srv);
    pp_close(b, lis);
out:
    *secs = now_s() - t0;
    pp_vwire_free(w);
    pp_stack_free(a);
    pp_stack_free(b);
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"connections", required_argument, NULL, 'c'}, {"megabytes", required_argument, NULL, 'm'},
        {"threads", required_argument, NULL, 't'},      {"time-wait-ms", required_argument, NULL, 'w'},
        {NULL, 0, NULL, 0},
    };
    long conns = 20000, mb = 16, threads = 8, tw = 2000, i;
    struct pp_vwire_config wc;
    struct pp_vwire *w;
    struct pp_stack *srv, *cli;
    struct churn ch;
    pthread_t st, *ct;
    struct counts c0, c1, s1;
    struct mallinfo2 m0, m1;
    char err[256];
    int c, fail = 0, peak_tw = 0, tmo = 200;
    double t0, secs;
    struct sockaddr_in any = sin_of(0, 80);

    setvbuf(stdout, NULL, _IOLBF, 0); /* each figure as soon as it is known */
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end;
        long v = strtol(optarg, &end, 10);
        if (*end || v < 0) {
            fprintf(stderr, "soak: bad value '%s'\n", optarg);
            return 2;
        }
        if (c == 'c') conns = v;
        else if (c == 'm') mb = v;
        else if (c == 't') threads = v > 0 ? v : 1;
        else if (c == 'w') tw = v > 0 ? v : 1;
        else return 2;
    }
    /* Churn. */
    memset(&wc, 0, sizeof wc);
    w = pp_vwire_new(&wc, err);
    srv = stack_at(SERVER, "server", (uint32_t)tw);
    cli = stack_at(CLIENT, "client", (uint32_t)tw);
    if (!w || !srv || !cli || pp_vwire_attach(w, srv) < 0 || pp_vwire_attach(w, cli) < 0 ||
        pp_vwire_start(w) < 0) {
        fprintf(stderr, "soak: setup failed\n");
        return 1;
    }
    memset(&ch, 0, sizeof ch);
    ch.srv = srv;
    ch.cli = cli;
    ch.lis = pp_socket(srv, PP_SOCK_STREAM);
    pp_setsockopt(srv, ch.lis, PP_SO_RCVTIMEO, &tmo, sizeof tmo);
    if (pp_bind(srv, ch.lis, (struct sockaddr *)&any, sizeof any) < 0 || pp_listen(srv, ch.lis, 1024) < 0) {
        fprintf(stderr, "soak: listen failed\n");
        return 1;
    }
    ch.per_thread = conns / threads;
    c0 = counts_of(srv);
    m0 = mallinfo2();
    pthread_create(&st, NULL, churn_server, &ch);
    ct = calloc((size_t)threads, sizeof *ct);
    t0 = now_s();
    for (i = 0; i < threads; i++)
        pthread_create(&ct[i], NULL, churn_client, &ch);
    for (i = 0; i < threads; i++)
        pthread_join(ct[i], NULL);
    secs = now_s() - t0;
    s1 = counts_of(srv);
    peak_tw = s1.time_wait;
    /* Every TIME_WAIT record must be gone 2*MSL later. */
    usleep((useconds_t)(tw + 500) * 1000);
    pp_stack_poll(srv, pp_now_ms());
    ch.stop = 1;
    pthread_join(st, NULL);
    c1 = counts_of(srv);
    m1 = mallinfo2();
    printf("churn: %ld of %ld connections completed (%ld failed) in %.1f s, %.0f connections/s\n",
           ch.done, ch.per_thread * threads, ch.failed, secs, (double)ch.done / secs);
    printf("churn: TIME_WAIT records at the end of the churn %d, %ld ms later %d; server sockets "
           "%d before, %d after; client sockets %d\n",
           peak_tw, tw + 500, c1.time_wait, c0.sockets, c1.sockets, counts_of(cli).sockets);
    if (m0.uordblks && m1.uordblks)
        printf("churn: heap in use %.1f MB before, %.1f MB after\n", m0.uordblks / 1e6, m1.uordblks / 1e6);
    if (ch.done != ch.per_thread * threads || c1.sockets != c0.sockets || c1.time_wait != 0 ||
        counts_of(cli).sockets != 0)
        fail = 1;
    if (m0.uordblks && m1.uordblks > m0.uordblks + (size_t)(8 << 20)) {
        printf("churn: the heap grew by more than 8 MB\n");
        fail = 1;
    }
    pp_close(srv, ch.lis);
    pp_vwire_free(w);
    pp_stack_free(srv);
    pp_stack_free(cli);
    free(ct);
    /* Bulk through the impairment matrix. */
    {
        static const struct {
            const char *name;
            double loss, reorder, dup, corrupt;
            uint32_t delay;
        } cell[] = {
            {"clean", 0, 0, 0, 0, 0},
            {"1% loss", 0.01, 0, 0, 0, 1},
            {"1% reordering + 1% duplication", 0, 0.01, 0.01, 0, 1},
            {"0.5% corruption", 0, 0, 0, 0.005, 0},
            {"all of them, 2 ms delay", 0.01, 0.01, 0.01, 0.005, 2},
        };
        size_t k, per = (size_t)mb * 1024 * 1024 / (sizeof cell / sizeof cell[0]);
        for (k = 0; k < sizeof cell / sizeof cell[0] && per > 0; k++) {
            int r;
            memset(&wc, 0, sizeof wc);
            wc.seed = 1000 + k;
            wc.loss = cell[k].loss;
            wc.reorder = cell[k].reorder;
            wc.dup = cell[k].dup;
            wc.corrupt = cell[k].corrupt;
            wc.delay_ms = cell[k].delay;
            r = bulk_cell(&wc, per, &secs);
            printf("bulk: %-32s %6.1f MB %s in %.1f s (%.1f MB/s)\n", cell[k].name, per / 1048576.0,
                   r == 0 ? "intact" : "FAILED", secs, per / 1048576.0 / secs);
            fail |= r != 0;
        }
    }
    printf("soak: %s\n", fail ? "FAILED" : "passed");
    return fail;
}
