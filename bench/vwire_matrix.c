/* bench/vwire_matrix.c - TCP bulk transfers between two portplex stacks on
 * the virtual wire under each impairment of a matrix (loss, reordering,
 * duplication, and all three), driven in real time by the wire's thread;
 * every byte is checked on arrival.  Prints per cell the median time of
 * RUNS transfers, its slowdown against the clean wire, and the sender's
 * RTOs, fast recoveries, undos and D-SACKs - the figures issue "TCP loss
 * recovery at Linux's pace" asks before and after a change to recovery
 * (run it at both commits).  No kernel peer here: reordering and
 * duplication need sch_netem, which this machine's kernel lacks; loss
 * against Linux is bench/loss.sh.
 * Usage: bench_vwire_matrix [MB] [RUNS] [CELL...]   (the clean cell always runs;
 *        PP_BENCH_PCAP=FILE keeps the last transfer's packets)
 * Last line: ratio=<worst slowdown> <cell>=<seconds>... unit=s */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_net.h"
#include "bench_util.h"
#include "portplex/socket.h"
#include "portplex/stack.h"
#include "portplex/vwire.h"

struct cell {
    const char *name;
    double loss, reorder, dup;
};

static const struct cell cells[] = {
    {"clean", 0, 0, 0},         {"loss1", 0.01, 0, 0},      {"loss5", 0.05, 0, 0},
    {"reorder1", 0, 0.01, 0},   {"reorder5", 0, 0.05, 0},   {"dup1", 0, 0, 0.01},
    {"mixed1", 0.01, 0.01, 0.01},
};

struct sender {
    struct pp_stack *st;
    int fd;
    size_t len;
    int ok;
};

/* Byte i of the stream: a pattern that shows a byte out of place. */
static unsigned char pattern(size_t i)
{
    return (unsigned char)(i * 131u + (i >> 13));
}

static void *send_all(void *arg)
{
    struct sender *s = arg;
    static unsigned char buf[1 << 16];
    size_t off = 0;
    while (off < s->len) {
        size_t n = s->len - off < sizeof buf ? s->len - off : sizeof buf, i;
        ssize_t w;
        for (i = 0; i < n; i++)
            buf[i] = pattern(off + i);
        w = pp_send(s->st, s->fd, buf, n, 0);
        if (w <= 0)
            return NULL;
        off += (size_t)w;
        /* a short write: the rest of this chunk goes next time round */
    }
    pp_shutdown(s->st, s->fd, PP_SHUT_WR);
    s->ok = 1;
    return NULL;
}

/* One transfer of len bytes A -> B on a wire with c's impairments: seconds,
 * or -1 if a byte differed or the stream fell short.  The sender's
 * counters are added to cnt. */
static double transfer(const struct cell *c, unsigned seed, size_t len, long long cnt[4])
{
    static const char *names[4] = {"tcp.retransmits", "tcp.fast_retransmits", "tcp.undos",
                                   "tcp.dsacks_received"};
    struct pp_vwire_config wc;
    struct pp_stack *a = mkstack(BENCH_A), *b = mkstack(BENCH_B);
    struct pp_vwire *w;
    struct sockaddr_in to = sin_of(BENCH_B, 5001);
    struct sender s;
    static unsigned char buf[1 << 16];
    pthread_t th;
    char err[256];
    size_t got = 0;
    int lis, srv, bad = 0, i;
    double t0, t;

    memset(&wc, 0, sizeof wc);
    wc.seed = seed;
    wc.loss = c->loss;
    wc.reorder = c->reorder;
    wc.dup = c->dup;
    wc.delay_ms = 1;
    wc.pcap = getenv("PP_BENCH_PCAP"); /* the last transfer stays in it */
    w = pp_vwire_new(&wc, err);
    if (!a || !b || !w) {
        fprintf(stderr, "bench_vwire_matrix: %s\n", w ? "no memory" : err);
        exit(1);
    }
    pp_vwire_attach(w, a);
    pp_vwire_attach(w, b);
    pp_vwire_start(w);
    lis = pp_socket(b, PP_SOCK_STREAM);
    struct sockaddr_in any = sin_of(0, 5001);
    if (pp_bind(b, lis, (struct sockaddr *)&any, sizeof any) < 0 || pp_listen(b, lis, 4) < 0) {
        fprintf(stderr, "bench_vwire_matrix: listen failed\n");
        exit(1);
    }
    s.st = a;
    s.fd = pp_socket(a, PP_SOCK_STREAM);
    s.len = len;
    s.ok = 0;
    t0 = pp_mono_s();
    if (pp_connect(a, s.fd, (struct sockaddr *)&to, sizeof to) < 0 ||
        (srv = pp_accept(b, lis, NULL, NULL)) < 0) {
        fprintf(stderr, "bench_vwire_matrix: connect failed\n");
        exit(1);
    }
    pthread_create(&th, NULL, send_all, &s);
    for (;;) {
        ssize_t n = pp_recv(b, srv, buf, sizeof buf, 0);
        if (n <= 0)
            break;
        for (i = 0; i < n && !bad; i++)
            bad = buf[i] != pattern(got + (size_t)i);
        got += (size_t)n;
    }
    t = pp_mono_s() - t0;
    pthread_join(th, NULL);
    for (i = 0; i < 4; i++)
        cnt[i] += pp_stack_counter(a, names[i]);
    pp_close(a, s.fd);
    pp_close(b, srv);
    pp_close(b, lis);
    pp_vwire_free(w);
    pp_stack_free(a);
    pp_stack_free(b);
    return bad || got != len || !s.ok ? -1 : t;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

int main(int argc, char **argv)
{
    size_t mb = argc > 1 ? (size_t)atol(argv[1]) : 16;
    int runs = argc > 2 ? atoi(argv[2]) : 3, r, failed = 0;
    size_t k, ncells = sizeof cells / sizeof cells[0];
    double clean = 0, worst = 0, med[sizeof cells / sizeof cells[0]];

    if (mb == 0 || mb > 4096 || runs < 1 || runs > 99) {
        fprintf(stderr, "usage: bench_vwire_matrix [MB 1-4096] [RUNS 1-99]\n");
        return 2;
    }
    printf("%-9s %-26s %8s %9s  %s\n", "cell", "seconds (runs)", "median", "slowdown",
           "sender: RTOs recoveries undos dsacks");
    for (k = 0; k < ncells; k++) {
        double t[99], sorted[99];
        int chosen = argc <= 3 || k == 0, a;
        for (a = 3; a < argc; a++)
            chosen |= strcmp(argv[a], cells[k].name) == 0;
        med[k] = 0;
        if (!chosen)
            continue;
        long long cnt[4] = {0, 0, 0, 0};
        char list[256] = "";
        for (r = 0; r < runs; r++) {
            t[r] = transfer(&cells[k], 1000u + (unsigned)r, mb << 20, cnt);
            if (t[r] < 0)
                failed = 1;
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%.3f", r ? " " : "",
                     t[r]);
        }
        memcpy(sorted, t, sizeof(double) * (size_t)runs);
        qsort(sorted, (size_t)runs, sizeof(double), cmp_double);
        med[k] = sorted[runs / 2];
        if (k == 0)
            clean = med[0];
        if (clean > 0 && med[k] / clean > worst)
            worst = med[k] / clean;
        printf("%-9s %-26s %8.3f %9.2f  %lld %lld %lld %lld\n", cells[k].name, list, med[k],
               clean > 0 ? med[k] / clean : 0, cnt[0], cnt[1], cnt[2], cnt[3]);
    }
    if (failed)
        printf("a transfer lost or changed bytes (time -1 above)\n");
    printf("ratio=%.2f", worst);
    for (k = 0; k < ncells; k++)
        if (med[k] != 0)
            printf(" %s=%.3f", cells[k].name, med[k]);
    printf(" unit=s\n");
    return failed;
}
