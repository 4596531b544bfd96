/* test_faults.c - faults while traffic flows, on two stacks over the
 * virtual wire: allocation failures injected on every path (transfers
 * still complete, calls fail with -ENOMEM or -ENOBUFS, never crash, and
 * the sanitizer build's leak check finds nothing), the wire going down and
 * up mid-transfer (TCP resumes, no byte lost), and a peer that vanishes
 * (keepalive gives up with ETIMEDOUT). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "test.h"
#include "bulk_stream.h"
#include "stack_test_util.h"

/* Opens a listener; while failures are injected any of the three calls may
 * say -ENOMEM (and only that), so it tries again. */
static int listener(struct pp_stack *st, uint16_t port)
{
    struct sockaddr_in sin = sin_of(0, port);
    int fd = -1, tries, rc = 0;
    for (tries = 0; tries < 50; tries++) {
        fd = pp_socket(st, PP_SOCK_STREAM);
        if (fd < 0) {
            ASSERT_EQ(fd, -ENOMEM);
            continue;
        }
        rc = pp_bind(st, fd, SA(sin));
        if (rc == 0)
            rc = pp_listen(st, fd, 64);
        if (rc == 0)
            return fd;
        ASSERT_EQ(rc, -ENOMEM);
        pp_close(st, fd);
    }
    PP_TEST_FAIL("no listener on port %u after %d tries", port, tries);
    return -1;
}

/* Sends len bytes from a to b over a fresh connection; checks every byte. */
static void transfer(struct pair *p, uint16_t port, size_t len)
{
    struct sockaddr_in to = sin_of(HOST_B, port);
    static char buf[32768];
    int lis = listener(p->b, port), cli, srv = -1, tries;

    for (tries = 0; tries < 50; tries++) { /* a socket call may meet an injected failure */
        cli = pp_socket(p->a, PP_SOCK_STREAM);
        if (cli >= 0 && pp_connect(p->a, cli, SA(to)) == 0)
            break;
        if (cli >= 0)
            pp_close(p->a, cli);
        cli = -1;
    }
    ASSERT_GE(cli, 0);
    srv = pp_accept(p->b, lis, NULL, NULL);
    ASSERT_GE(srv, 0);
    ASSERT_EQ(bulk_run(p->a, cli, p->b, srv, len, buf, sizeof buf), 0);
    pp_close(p->a, cli);
    pp_close(p->b, srv);
    pp_close(p->b, lis);
}

TEST(allocation_failures_are_handled)
{
    struct pp_vwire_config wc;
    struct pair p;
    unsigned long before = pp_debug_failed_allocations();
    int k, u, refused = 0;
    memset(&wc, 0, sizeof wc);
    pair_new(&p, &wc, 1);
    pp_debug_fail_allocations(10);
    /* UDP: some sockets or datagrams fail; the calls say so. */
    for (k = 0; k < 200; k++) {
        struct sockaddr_in to = sin_of(HOST_B, 9);
        u = pp_socket(p.a, PP_SOCK_DGRAM);
        if (u == -ENOMEM) {
            refused++;
            continue;
        }
        ASSERT_GE(u, 0);
        pp_sendto(p.a, u, "x", 1, 0, SA(to));
        pp_close(p.a, u);
    }
    ASSERT_GT(refused, 0);
    /* TCP: one megabyte through failures on both sides. */
    transfer(&p, 5001, 1 << 20);
    pp_debug_fail_allocations(0);
    ASSERT_GT(pp_debug_failed_allocations() - before, 50);
    transfer(&p, 5002, 1 << 16); /* and all is well afterwards */
    pair_free(&p);
}

/* Two stacks on an ideal wire and a connection a -> b on port: fd[0] the
 * listener, fd[1] the client, fd[2] the server end, whose reads time out
 * after 5 s (a FIN that never comes must fail the test, not hang it). */
static void connected_pair(struct pair *p, uint16_t port, int fd[3])
{
    struct pp_vwire_config wc;
    struct sockaddr_in to = sin_of(HOST_B, port);
    int tmo = 5000;
    memset(&wc, 0, sizeof wc);
    pair_new(p, &wc, 1);
    fd[0] = listener(p->b, port);
    fd[1] = pp_socket(p->a, PP_SOCK_STREAM);
    ASSERT_GE(fd[1], 0);
    ASSERT_EQ(pp_connect(p->a, fd[1], SA(to)), 0);
    fd[2] = pp_accept(p->b, fd[0], NULL, NULL);
    ASSERT_GE(fd[2], 0);
    ASSERT_EQ(pp_setsockopt(p->b, fd[2], PP_SO_RCVTIMEO, &tmo, sizeof tmo), 0);
}

static void connected_pair_free(struct pair *p, const int fd[3])
{
    pp_close(p->a, fd[1]);
    pp_close(p->b, fd[2]);
    pp_close(p->b, fd[0]);
    pair_free(p);
}

/* A FIN whose first transmission finds no memory is not lost for good:
 * it waits for a resource probe, as unsent data does (the CI hang of
 * allocation_failures_are_handled, made deterministic). */
TEST(fin_without_memory_is_sent_later)
{
    struct pair p;
    int fd[3];
    char c;
    connected_pair(&p, 5005, fd);
    pp_debug_fail_allocations(1); /* every allocation fails */
    ASSERT_EQ(pp_shutdown(p.a, fd[1], PP_SHUT_WR), 0);
    pp_debug_fail_allocations(0);
    ASSERT_EQ(pp_recv(p.b, fd[2], &c, 1, 0), 0); /* the FIN arrives */
    connected_pair_free(&p, fd);
}

/* A timeout whose resend finds no memory keeps the timer running: the FIN
 * (lost on a dead wire) is resent by a later timeout once memory is back. */
TEST(retransmission_without_memory_is_retried)
{
    struct pair p;
    int fd[3];
    char c;
    connected_pair(&p, 5006, fd);
    pp_vwire_set_down(p.w, 1);
    ASSERT_EQ(pp_shutdown(p.a, fd[1], PP_SHUT_WR), 0); /* the FIN is lost */
    pp_debug_fail_allocations(1);
    /* The loss probe (about 200 ms: one segment in flight waits out a
     * delayed ACK, RFC 8985 7.2) and the first timeout (about 200 ms
     * later) both meet no memory; the backed-off timeout comes after. */
    usleep(700000);
    pp_debug_fail_allocations(0);
    pp_vwire_set_down(p.w, 0);
    ASSERT_EQ(pp_recv(p.b, fd[2], &c, 1, 0), 0);
    ASSERT_GT(pp_stack_counter(p.a, "tcp.retransmits"), 0);
    connected_pair_free(&p, fd);
}

struct flapper {
    struct pp_vwire *w;
};

static void *flap(void *arg)
{
    struct flapper *f = arg;
    usleep(100000);
    pp_vwire_set_down(f->w, 1); /* the cable is pulled for a second */
    usleep(1000000);
    pp_vwire_set_down(f->w, 0);
    return NULL;
}

TEST(link_down_and_up_mid_transfer)
{
    struct pp_vwire_config wc;
    struct pair p;
    struct pp_vwire_stats vs;
    struct flapper f;
    pthread_t th;
    memset(&wc, 0, sizeof wc);
    wc.rate_bps = 20000000; /* 20 Mbit/s: the transfer is under way when the cable is pulled */
    pair_new(&p, &wc, 1);
    f.w = p.w;
    ASSERT_EQ(pthread_create(&th, NULL, flap, &f), 0);
    transfer(&p, 5003, 1 << 20);
    pthread_join(th, NULL);
    pp_vwire_stats(p.w, &vs);
    ASSERT_GT(vs.lost, 0); /* the outage really cut packets */
    ASSERT_GT(pp_stack_counter(p.a, "tcp.retransmits"), 0);
    pair_free(&p);
}

TEST(vanished_peer_is_given_up_by_keepalive)
{
    struct pp_vwire_config wc;
    struct pair p;
    struct sockaddr_in to = sin_of(HOST_B, 5004);
    int lis, cli, srv, one = 1, idle = 1, intvl = 1, cnt = 2, tmo = 10000;
    char c;
    memset(&wc, 0, sizeof wc);
    pair_new(&p, &wc, 1);
    lis = listener(p.b, 5004);
    cli = pp_socket(p.a, PP_SOCK_STREAM);
    ASSERT_EQ(pp_connect(p.a, cli, SA(to)), 0);
    srv = pp_accept(p.b, lis, NULL, NULL);
    ASSERT_GE(srv, 0);
    pp_setsockopt(p.a, cli, PP_SO_KEEPALIVE, &one, sizeof one);
    pp_setsockopt(p.a, cli, PP_TCP_KEEPIDLE, &idle, sizeof idle);
    pp_setsockopt(p.a, cli, PP_TCP_KEEPINTVL, &intvl, sizeof intvl);
    pp_setsockopt(p.a, cli, PP_TCP_KEEPCNT, &cnt, sizeof cnt);
    pp_setsockopt(p.a, cli, PP_SO_RCVTIMEO, &tmo, sizeof tmo);
    pp_vwire_set_down(p.w, 1); /* the peer is gone: nothing comes back */
    ASSERT_EQ(pp_recv(p.a, cli, &c, 1, 0), -ETIMEDOUT);
    pp_vwire_set_down(p.w, 0);
    pp_close(p.a, cli);
    pp_close(p.b, srv);
    pp_close(p.b, lis);
    pair_free(&p);
}
