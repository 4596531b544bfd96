/* test_stack_vwire.c - two stacks on the virtual wire: UDP both ways with
 * return addresses, the impairment matrix (seeded and reproducible),
 * fragmentation and reassembly of 60 KB datagrams, ICMP errors reaching a
 * connected socket, and the socket API's errors and blocking behaviour. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "test.h"
#include "portplex/vwire.h"
#include "stack_test_util.h"


static int udp_bound(struct pp_stack *st, uint32_t addr, uint16_t port)
{
    int fd = pp_socket(st, PP_SOCK_DGRAM);
    struct sockaddr_in sin = sin_of(addr, port);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(pp_bind(st, fd, SA(sin)), 0);
    return fd;
}

TEST(udp_request_and_reply_with_return_address)
{
    struct pair p;
    struct sockaddr_in to = sin_of(HOST_B, 7), from, name;
    socklen_t fl = sizeof from, nl = sizeof name;
    char buf[64];
    int srv, cli, one = 1000;
    pair_new(&p, NULL, 0);
    ASSERT_EQ(pp_vwire_start(p.w), 0);
    srv = udp_bound(p.b, 0, 7);
    cli = pp_socket(p.a, PP_SOCK_DGRAM);
    pp_setsockopt(p.a, cli, PP_SO_RCVTIMEO, &one, sizeof one);
    pp_setsockopt(p.b, srv, PP_SO_RCVTIMEO, &one, sizeof one);
    ASSERT_EQ(pp_sendto(p.a, cli, "ping", 4, 0, SA(to)), 4);
    ASSERT_EQ(pp_getsockname(p.a, cli, (struct sockaddr *)&name, &nl), 0);
    ASSERT_GE(ntohs(name.sin_port), 49152); /* bound on first send */
    ASSERT_EQ(pp_recvfrom(p.b, srv, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl), 4);
    ASSERT_MEMEQ(buf, "ping", 4);
    ASSERT_EQ(ntohl(from.sin_addr.s_addr), HOST_A);
    ASSERT_EQ(from.sin_port, name.sin_port);
    ASSERT_EQ(pp_sendto(p.b, srv, "pong", 4, 0, (struct sockaddr *)&from, fl), 4);
    ASSERT_EQ(pp_recvfrom(p.a, cli, buf, sizeof buf, 0, NULL, NULL), 4);
    ASSERT_MEMEQ(buf, "pong", 4);
    ASSERT_EQ(pp_stack_counter(p.b, "udp.in_datagrams"), 1);
    ASSERT_EQ(pp_stack_counter(p.a, "udp.out_datagrams"), 1);
    pp_close(p.a, cli);
    pp_close(p.b, srv);
    pair_free(&p);
}

/* Step mode: sends n numbered datagrams A -> B:9000 one ms apart, runs the
 * wire to the end, and reports what B received in order of arrival. */
static int run_matrix(const struct pp_vwire_config *cfg, int n, int *order, struct pp_vwire_stats *ws,
                      long long *b_bad)
{
    struct pair p;
    struct sockaddr_in to = sin_of(HOST_B, 9000);
    int srv, cli, i, got = 0;
    uint64_t t = 1000;
    pair_new(&p, cfg, 0);
    srv = udp_bound(p.b, 0, 9000);
    cli = pp_socket(p.a, PP_SOCK_DGRAM | PP_SOCK_NONBLOCK);
    pp_vwire_step(p.w, t);
    for (i = 0; i < n; i++) {
        char msg[64];
        int len = snprintf(msg, sizeof msg, "datagram %05d of the matrix", i);
        ASSERT_EQ(pp_sendto(p.a, cli, msg, (size_t)len, 0, SA(to)), len);
        pp_vwire_step(p.w, ++t);
    }
    pp_vwire_step(p.w, t + 10000);
    ASSERT_EQ(pp_vwire_pending(p.w), 0);
    for (;;) {
        char buf[64];
        ssize_t r = pp_recv(p.b, srv, buf, sizeof buf - 1, PP_MSG_DONTWAIT);
        int k;
        if (r == -EAGAIN)
            break;
        ASSERT_GT(r, 0);
        buf[r] = 0;
        /* Whatever arrives is intact: corruption is caught by checksums. */
        ASSERT_EQ(sscanf(buf, "datagram %05d of the matrix", &k), 1);
        ASSERT_STREQ(buf + 14, " of the matrix");
        if (got < 4 * n)
            order[got] = k;
        got++;
    }
    pp_vwire_stats(p.w, ws);
    /* Everything that arrived was delivered or dropped for a counted reason. */
    *b_bad = pp_stack_counter(p.b, "ip.in_hdr_errors") + pp_stack_counter(p.b, "udp.in_errors") +
             pp_stack_counter(p.b, "ip.in_addr_errors") + pp_stack_counter(p.b, "udp.no_ports");
    pair_free(&p);
    return got;
}

TEST(impairment_matrix_is_seeded_and_reproducible)
{
    enum { N = 400 };
    static int o1[4 * N], o2[4 * N];
    struct pp_vwire_config cfg;
    struct pp_vwire_stats s1, s2;
    long long bad1, bad2;
    int g1, g2, i, inversions = 0;

    /* Loss only. */
    memset(&cfg, 0, sizeof cfg);
    cfg.seed = 42;
    cfg.loss = 0.2;
    g1 = run_matrix(&cfg, N, o1, &s1, &bad1);
    ASSERT_EQ(g1 + (int)s1.lost, N);
    ASSERT_GT(s1.lost, N / 10);
    ASSERT_LT(s1.lost, N * 3 / 10);
    g2 = run_matrix(&cfg, N, o2, &s2, &bad2);
    ASSERT_EQ(g1, g2); /* same seed, same fate */
    ASSERT_MEMEQ(o1, o2, sizeof(int) * (size_t)g1);
    cfg.seed = 43;
    g2 = run_matrix(&cfg, N, o2, &s2, &bad2);
    ASSERT(g2 != g1 || memcmp(o1, o2, sizeof(int) * (size_t)g1) != 0);

    /* Duplication: more arrive than were sent. */
    memset(&cfg, 0, sizeof cfg);
    cfg.seed = 1;
    cfg.dup = 0.3;
    g1 = run_matrix(&cfg, N, o1, &s1, &bad1);
    ASSERT_EQ(g1, N + (int)s1.duplicated);
    ASSERT_GT(s1.duplicated, 0);

    /* Reordering with delay: everything arrives, some out of order. */
    memset(&cfg, 0, sizeof cfg);
    cfg.seed = 2;
    cfg.reorder = 0.2;
    cfg.delay_ms = 3;
    g1 = run_matrix(&cfg, N, o1, &s1, &bad1);
    ASSERT_EQ(g1, N);
    for (i = 1; i < g1; i++)
        inversions += o1[i] < o1[i - 1];
    ASSERT_GT(inversions, 0);
    ASSERT_GT(s1.reordered, 0);

    /* Corruption: caught by checksums, counted, never delivered. */
    memset(&cfg, 0, sizeof cfg);
    cfg.seed = 3;
    cfg.corrupt = 0.3;
    g1 = run_matrix(&cfg, N, o1, &s1, &bad1);
    ASSERT_GT(s1.corrupted, 0);
    ASSERT_GT(bad1, 0);
    ASSERT_LE(g1, N);
    ASSERT_EQ(g1 + bad1 + (long long)s1.no_dest, N);
}

TEST(rate_limit_and_delay_in_step_mode)
{
    struct pp_vwire_config cfg;
    struct pair p;
    struct sockaddr_in to = sin_of(HOST_B, 9000);
    char big[1000];
    int srv, cli, i;
    memset(&cfg, 0, sizeof cfg);
    cfg.delay_ms = 50;
    cfg.rate_bps = 1000000; /* 1 Mbit/s: a 1028-byte packet takes ~8.2 ms */
    pair_new(&p, &cfg, 0);
    memset(big, 'r', sizeof big);
    srv = udp_bound(p.b, 0, 9000);
    cli = pp_socket(p.a, PP_SOCK_DGRAM);
    pp_vwire_step(p.w, 0);
    for (i = 0; i < 10; i++)
        ASSERT_EQ(pp_sendto(p.a, cli, big, sizeof big, 0, SA(to)), 1000);
    ASSERT_EQ(pp_vwire_step(p.w, 57), 0);  /* first due at 50 + 9 */
    ASSERT_EQ(pp_vwire_step(p.w, 59), 1);
    ASSERT_EQ(pp_vwire_step(p.w, 100), 4); /* 9 ms each on the wire: 68, 77, 86, 95 */
    ASSERT_EQ(pp_vwire_step(p.w, 200), 5);
    (void)srv;
    pair_free(&p);
}

TEST(sixty_kilobyte_datagrams_fragment_and_reassemble)
{
    struct pair p;
    struct sockaddr_in to = sin_of(HOST_B, 5000);
    static char out[60000], in[65536];
    int srv, cli, i;
    ssize_t r;
    pair_new(&p, NULL, 0);
    for (i = 0; i < (int)sizeof out; i++)
        out[i] = (char)(i * 31 + 7);
    srv = udp_bound(p.b, 0, 5000);
    cli = pp_socket(p.a, PP_SOCK_DGRAM);
    pp_vwire_step(p.w, 1);
    ASSERT_EQ(pp_sendto(p.a, cli, out, sizeof out, 0, SA(to)), (ssize_t)sizeof out);
    pp_vwire_step(p.w, 2);
    r = pp_recv(p.b, srv, in, sizeof in, PP_MSG_DONTWAIT);
    ASSERT_EQ(r, (ssize_t)sizeof out);
    ASSERT_MEMEQ(in, out, sizeof out);
    ASSERT_EQ(pp_stack_counter(p.a, "ip.frag_oks"), 1);
    ASSERT_EQ(pp_stack_counter(p.a, "ip.frag_creates"), 41); /* 60008 / 1480 */
    ASSERT_EQ(pp_stack_counter(p.b, "ip.reasm_reqds"), 41);
    ASSERT_EQ(pp_stack_counter(p.b, "ip.reasm_oks"), 1);
    /* The largest UDP payload, and one byte more. */
    ASSERT_EQ(pp_sendto(p.a, cli, in, 65507, 0, SA(to)), 65507);
    ASSERT_EQ(pp_sendto(p.a, cli, in, 65508, 0, SA(to)), -EMSGSIZE);
    pp_vwire_step(p.w, 3);
    ASSERT_EQ(pp_recv(p.b, srv, in, sizeof in, PP_MSG_DONTWAIT), 65507);
    pair_free(&p);
}

TEST(connected_socket_sees_econnrefused)
{
    struct pair p;
    struct sockaddr_in to = sin_of(HOST_B, 9), peer;
    socklen_t pl = sizeof peer;
    char buf[8];
    int cli, err;
    socklen_t el = sizeof err;
    pair_new(&p, NULL, 0);
    cli = pp_socket(p.a, PP_SOCK_DGRAM | PP_SOCK_NONBLOCK);
    ASSERT_EQ(pp_connect(p.a, cli, SA(to)), 0);
    ASSERT_EQ(pp_getpeername(p.a, cli, (struct sockaddr *)&peer, &pl), 0);
    ASSERT_EQ(ntohs(peer.sin_port), 9);
    pp_vwire_step(p.w, 1);
    ASSERT_EQ(pp_send(p.a, cli, "x", 1, 0), 1);
    pp_vwire_step(p.w, 2); /* B answers port unreachable; A hands it to cli */
    ASSERT_EQ(pp_stack_counter(p.a, "icmp.errors_to_sockets"), 1);
    ASSERT_EQ(pp_recv(p.a, cli, buf, sizeof buf, 0), -ECONNREFUSED);
    ASSERT_EQ(pp_recv(p.a, cli, buf, sizeof buf, 0), -EAGAIN); /* reported once */
    ASSERT_EQ(pp_send(p.a, cli, "x", 1, 0), 1);
    pp_vwire_step(p.w, 3);
    ASSERT_EQ(pp_getsockopt(p.a, cli, PP_SO_ERROR, &err, &el), 0);
    ASSERT_EQ(err, ECONNREFUSED);
    /* An unconnected socket is not told (as on Linux without IP_RECVERR). */
    {
        int u = pp_socket(p.a, PP_SOCK_DGRAM | PP_SOCK_NONBLOCK);
        ASSERT_EQ(pp_sendto(p.a, u, "x", 1, 0, SA(to)), 1);
        pp_vwire_step(p.w, 4);
        ASSERT_EQ(pp_recv(p.a, u, buf, sizeof buf, 0), -EAGAIN);
    }
    pair_free(&p);
}

TEST(socket_api_errors)
{
    struct pair p;
    struct sockaddr_in foreign = sin_of(IP(198, 51, 100, 1), 53), mine = sin_of(HOST_A, 53);
    struct sockaddr_in bcast = sin_of(IP(192, 0, 2, 255), 53);
    struct sockaddr_in6 six;
    char buf[4];
    int fd, fd2, v = 1;
    socklen_t vl = sizeof v;
    pair_new(&p, NULL, 0);
    ASSERT_EQ(pp_socket(p.a, 99), -EINVAL);
    ASSERT_EQ(pp_socket(NULL, PP_SOCK_DGRAM), -EINVAL);
    fd = pp_socket(p.a, PP_SOCK_DGRAM);
    ASSERT_EQ(pp_bind(p.a, 12345, SA(mine)), -EBADF);
    ASSERT_EQ(pp_bind(p.a, fd, SA(foreign)), -EADDRNOTAVAIL);
    ASSERT_EQ(pp_bind(p.a, fd, (const struct sockaddr *)&mine, 4), -EINVAL);
    memset(&six, 0, sizeof six);
    six.sin6_family = AF_INET6;
    ASSERT_EQ(pp_bind(p.a, fd, SA(six)), -EAFNOSUPPORT);
    ASSERT_EQ(pp_bind(p.a, fd, SA(mine)), 0);
    ASSERT_EQ(pp_bind(p.a, fd, SA(mine)), -EINVAL);
    fd2 = pp_socket(p.a, PP_SOCK_DGRAM);
    ASSERT_EQ(pp_bind(p.a, fd2, SA(mine)), -EADDRINUSE);
    ASSERT_EQ(pp_send(p.a, fd, "x", 1, 0), -EDESTADDRREQ);
    ASSERT_EQ(pp_sendto(p.a, fd, "x", 1, 0, SA(bcast)), -EACCES);
    ASSERT_EQ(pp_setsockopt(p.a, fd, PP_SO_BROADCAST, &v, sizeof v), 0);
    ASSERT_EQ(pp_sendto(p.a, fd, "x", 1, 0, SA(bcast)), 1);
    ASSERT_EQ(pp_recv(p.a, fd, buf, sizeof buf, PP_MSG_DONTWAIT), -EAGAIN);
    ASSERT_EQ(pp_setsockopt(p.a, fd, 999, &v, sizeof v), -ENOPROTOOPT);
    ASSERT_EQ(pp_setsockopt(p.a, fd, PP_SO_RCVBUF, &v, 2), -EINVAL);
    ASSERT_EQ(pp_getsockopt(p.a, fd, PP_SO_TYPE, &v, &vl), 0);
    ASSERT_EQ(v, PP_SOCK_DGRAM);
    ASSERT_EQ(pp_close(p.a, fd), 0);
    ASSERT_EQ(pp_close(p.a, fd), -EBADF);
    ASSERT_EQ(pp_send(p.a, fd, "x", 1, 0), -EBADF);
    /* The closed socket's port is free again. */
    ASSERT_EQ(pp_bind(p.a, fd2, SA(mine)), 0);
    {
        struct pp_pollfd pf[2] = {{fd2, PP_POLLIN, 0}, {777, PP_POLLIN, 0}};
        ASSERT_EQ(pp_poll(p.a, pf, 2, 0), 1);
        ASSERT_EQ(pf[0].revents, 0);
        ASSERT_EQ(pf[1].revents, PP_POLLNVAL);
    }
    pair_free(&p);
}

struct waiter {
    struct pp_stack *st;
    int fd;
    ssize_t rc;
    char buf[32];
};

static void *wait_recv(void *arg)
{
    struct waiter *w = arg;
    w->rc = pp_recv(w->st, w->fd, w->buf, sizeof w->buf, 0);
    return NULL;
}

TEST(many_threads_block_on_one_stack)
{
    enum { T = 8 };
    struct pair p;
    struct waiter w[T];
    pthread_t th[T];
    int cli, i;
    pair_new(&p, NULL, 0);
    ASSERT_EQ(pp_vwire_start(p.w), 0);
    for (i = 0; i < T; i++) {
        w[i].st = p.b;
        w[i].fd = udp_bound(p.b, 0, (uint16_t)(6000 + i));
        ASSERT_EQ(pthread_create(&th[i], NULL, wait_recv, &w[i]), 0);
    }
    cli = pp_socket(p.a, PP_SOCK_DGRAM);
    for (i = T - 1; i >= 1; i--) {
        struct sockaddr_in to = sin_of(HOST_B, (uint16_t)(6000 + i));
        char msg[16];
        snprintf(msg, sizeof msg, "for %d", i);
        ASSERT_EQ(pp_sendto(p.a, cli, msg, strlen(msg) + 1, 0, SA(to)), (ssize_t)strlen(msg) + 1);
    }
    for (i = 1; i < T; i++) {
        char want[16];
        pthread_join(th[i], NULL);
        snprintf(want, sizeof want, "for %d", i);
        ASSERT_EQ(w[i].rc, (ssize_t)strlen(want) + 1);
        ASSERT_STREQ(w[i].buf, want);
    }
    /* Thread 0 got nothing: closing its socket wakes it with EBADF. */
    ASSERT_EQ(pp_close(p.b, w[0].fd), 0);
    pthread_join(th[0], NULL);
    ASSERT_EQ(w[0].rc, -EBADF);
    pair_free(&p);
}

TEST(receive_queue_is_bounded)
{
    struct pair p;
    struct sockaddr_in to = sin_of(HOST_B, 7000);
    char data[1000];
    int srv, cli, i, small = 4000, got = 0;
    pair_new(&p, NULL, 0);
    srv = udp_bound(p.b, 0, 7000);
    ASSERT_EQ(pp_setsockopt(p.b, srv, PP_SO_RCVBUF, &small, sizeof small), 0);
    cli = pp_socket(p.a, PP_SOCK_DGRAM);
    memset(data, 'q', sizeof data);
    pp_vwire_step(p.w, 1);
    for (i = 0; i < 10; i++)
        pp_sendto(p.a, cli, data, sizeof data, 0, SA(to));
    pp_vwire_step(p.w, 2);
    while (pp_recv(p.b, srv, data, sizeof data, PP_MSG_DONTWAIT) > 0)
        got++;
    ASSERT_EQ(got, 4);
    ASSERT_EQ(pp_stack_counter(p.b, "udp.rcvbuf_errors"), 6);
    pair_free(&p);
}

/* Run to completion: with the wire's driver thread stopped (its clock still
 * the real one), one thread opens TCP connections, exchanges a request and
 * a response and closes them, and sends UDP both ways - every packet and
 * every answer carried on by the calling thread as it leaves its socket
 * calls.  A packet left for a wire thread would time out here (SO_RCVTIMEO,
 * poll's timeout), so the test cannot pass by waiting. */
TEST(one_thread_runs_two_stacks_to_completion)
{
    struct pair p;
    struct sockaddr_in any = sin_of(0, 80), to = sin_of(HOST_B, 80), uto = sin_of(HOST_B, 7);
    int lis, i, tmo = 2000, usrv, ucli;
    char buf[16];

    pair_new(&p, NULL, 0);
    ASSERT_EQ(pp_vwire_start(p.w), 0);
    pp_vwire_stop(p.w); /* no wire thread from here on */
    lis = pp_socket(p.b, PP_SOCK_STREAM);
    ASSERT_EQ(pp_bind(p.b, lis, SA(any)), 0);
    ASSERT_EQ(pp_listen(p.b, lis, 16), 0);
    pp_setsockopt(p.b, lis, PP_SO_RCVTIMEO, &tmo, sizeof tmo);
    for (i = 0; i < 50; i++) {
        int c = pp_socket(p.a, PP_SOCK_STREAM | PP_SOCK_NONBLOCK), s;
        struct pp_pollfd pfd = {c, PP_POLLOUT, 0};
        ASSERT_GE(c, 0);
        ASSERT_EQ(pp_connect(p.a, c, SA(to)), -EINPROGRESS);
        ASSERT_EQ(pp_poll(p.a, &pfd, 1, 2000), 1); /* the handshake, carried by this thread */
        s = pp_accept(p.b, lis, NULL, NULL);
        ASSERT_GE(s, 0);
        pp_setsockopt(p.b, s, PP_SO_RCVTIMEO, &tmo, sizeof tmo);
        ASSERT_EQ(pp_send(p.a, c, "ping", 4, 0), 4);
        ASSERT_EQ(pp_recv(p.b, s, buf, sizeof buf, 0), 4);
        ASSERT_EQ(pp_send(p.b, s, "pong", 4, 0), 4);
        pfd.events = PP_POLLIN;
        ASSERT_EQ(pp_poll(p.a, &pfd, 1, 2000), 1);
        ASSERT_EQ(pp_recv(p.a, c, buf, sizeof buf, 0), 4);
        ASSERT_MEMEQ(buf, "pong", 4);
        ASSERT_EQ(pp_close(p.b, s), 0);
        ASSERT_EQ(pp_poll(p.a, &pfd, 1, 2000), 1); /* the server's FIN: end of stream */
        ASSERT_EQ(pp_recv(p.a, c, buf, sizeof buf, 0), 0);
        ASSERT_EQ(pp_close(p.a, c), 0);
    }
    ASSERT_EQ(pp_stack_counter(p.b, "tcp.passive_opens"), 50);
    usrv = udp_bound(p.b, 0, 7);
    ucli = pp_socket(p.a, PP_SOCK_DGRAM);
    pp_setsockopt(p.b, usrv, PP_SO_RCVTIMEO, &tmo, sizeof tmo);
    ASSERT_EQ(pp_sendto(p.a, ucli, "dgram", 5, 0, SA(uto)), 5);
    ASSERT_EQ(pp_recv(p.b, usrv, buf, sizeof buf, 0), 5);
    pp_close(p.a, ucli);
    pp_close(p.b, usrv);
    pp_close(p.b, lis);
    pair_free(&p);
}

/* A step delivers everything due by its time, the answers included: on an
 * ideal wire, a datagram sent and one pp_vwire_step at the same instant
 * always reach the socket, and the echo sent back reaches the sender in
 * the next step (bench_udp once aborted when a step did nothing). */
TEST(each_step_delivers_what_is_due)
{
    struct pair p;
    struct sockaddr_in to = sin_of(HOST_B, 7), from;
    socklen_t fl;
    char buf[32];
    int srv, cli, i;
    uint64_t now = 5000;

    pair_new(&p, NULL, 0);
    srv = udp_bound(p.b, 0, 7);
    cli = pp_socket(p.a, PP_SOCK_DGRAM | PP_SOCK_NONBLOCK);
    for (i = 0; i < 2000; i++) {
        ASSERT_EQ(pp_sendto(p.a, cli, "step", 4, 0, SA(to)), 4);
        ASSERT_EQ(pp_vwire_step(p.w, now), 1);
        fl = sizeof from;
        ASSERT_EQ(pp_recvfrom(p.b, srv, buf, sizeof buf, PP_MSG_DONTWAIT, (struct sockaddr *)&from, &fl), 4);
        ASSERT_EQ(pp_sendto(p.b, srv, buf, 4, 0, (struct sockaddr *)&from, fl), 4);
        ASSERT_EQ(pp_vwire_step(p.w, now), 1);
        ASSERT_EQ(pp_recv(p.a, cli, buf, sizeof buf, 0), 4);
    }
    ASSERT_EQ(pp_vwire_pending(p.w), 0);
    pp_close(p.a, cli);
    pp_close(p.b, srv);
    pair_free(&p);
}

/* PP_SO_BUSY_POLL: the watch a blocking call keeps before it sleeps
 * (api/busy_poll.c).  Its bounds and default; a listener's value passes to
 * what it accepts; and no wake-up is lost at the watch's edge: a ping-pong
 * of two threads with a 1 us watch (which mostly runs out just as the
 * answer comes), a 50 us one and none, every datagram answered well within
 * the receive timeout. */
struct pinger {
    struct pp_stack *st;
    int fd, n, bad;
};

static void *pong_thread(void *arg)
{
    struct pinger *g = arg;
    int i;
    for (i = 0; i < g->n; i++) {
        struct sockaddr_in from;
        socklen_t fl = sizeof from;
        char buf[16];
        if (pp_recvfrom(g->st, g->fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl) != 4 ||
            pp_sendto(g->st, g->fd, buf, 4, 0, (struct sockaddr *)&from, fl) != 4)
            g->bad++;
    }
    return NULL;
}

TEST(blocking_calls_watch_before_they_sleep_and_miss_no_wake_up)
{
    static const int watch[] = {1, 50, 0};
    struct pair p;
    struct sockaddr_in to = sin_of(HOST_B, 7), any = sin_of(0, 80);
    int v, k, lis, cli, srv, tmo = 2000;
    socklen_t vl = sizeof v;

    pair_new(&p, NULL, 0);
    ASSERT_EQ(pp_vwire_start(p.w), 0);
    cli = pp_socket(p.a, PP_SOCK_DGRAM);
    ASSERT_EQ(pp_getsockopt(p.a, cli, PP_SO_BUSY_POLL, &v, &vl), 0);
    ASSERT_EQ(v, 50);
    v = -1;
    ASSERT_EQ(pp_setsockopt(p.a, cli, PP_SO_BUSY_POLL, &v, sizeof v), -EINVAL);
    v = 10001;
    ASSERT_EQ(pp_setsockopt(p.a, cli, PP_SO_BUSY_POLL, &v, sizeof v), -EINVAL);
    lis = pp_socket(p.b, PP_SOCK_STREAM);
    v = 7;
    ASSERT_EQ(pp_setsockopt(p.b, lis, PP_SO_BUSY_POLL, &v, sizeof v), 0);
    ASSERT_EQ(pp_bind(p.b, lis, SA(any)), 0);
    ASSERT_EQ(pp_listen(p.b, lis, 4), 0);
    {
        int c = pp_socket(p.a, PP_SOCK_STREAM);
        struct sockaddr_in at = sin_of(HOST_B, 80);
        ASSERT_EQ(pp_connect(p.a, c, SA(at)), 0);
        srv = pp_accept(p.b, lis, NULL, NULL);
        ASSERT_GE(srv, 0);
        vl = sizeof v;
        ASSERT_EQ(pp_getsockopt(p.b, srv, PP_SO_BUSY_POLL, &v, &vl), 0);
        ASSERT_EQ(v, 7);
        pp_close(p.a, c);
        pp_close(p.b, srv);
    }
    srv = udp_bound(p.b, 0, 7);
    pp_setsockopt(p.a, cli, PP_SO_RCVTIMEO, &tmo, sizeof tmo);
    pp_setsockopt(p.b, srv, PP_SO_RCVTIMEO, &tmo, sizeof tmo);
    for (k = 0; k < 3; k++) {
        struct pinger g = {p.b, srv, 3000, 0};
        pthread_t th;
        int i, lost = 0;
        ASSERT_EQ(pp_setsockopt(p.a, cli, PP_SO_BUSY_POLL, &watch[k], sizeof watch[k]), 0);
        ASSERT_EQ(pp_setsockopt(p.b, srv, PP_SO_BUSY_POLL, &watch[k], sizeof watch[k]), 0);
        ASSERT_EQ(pthread_create(&th, NULL, pong_thread, &g), 0);
        for (i = 0; i < g.n; i++) {
            char buf[16];
            ASSERT_EQ(pp_sendto(p.a, cli, "ping", 4, 0, SA(to)), 4);
            lost += pp_recv(p.a, cli, buf, sizeof buf, 0) != 4;
        }
        pthread_join(th, NULL);
        ASSERT_EQ(lost, 0);
        ASSERT_EQ(g.bad, 0);
    }
    pp_close(p.a, cli);
    pp_close(p.b, srv);
    pp_close(p.b, lis);
    pair_free(&p);
}

/* PORTPLEX_BUSY_POLL, the default of PP_SO_BUSY_POLL (as Linux's
 * net.core.busy_read), read as a stack is made: a number in 0..10000 is
 * taken, anything else leaves 50. */
static int busy_default_with(const char *env)
{
    struct pp_stack *st;
    int fd, v = -1;
    socklen_t vl = sizeof v;

    setenv("PORTPLEX_BUSY_POLL", env, 1);
    st = stack_at(HOST_A, "a");
    unsetenv("PORTPLEX_BUSY_POLL");
    fd = pp_socket(st, PP_SOCK_DGRAM);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(pp_getsockopt(st, fd, PP_SO_BUSY_POLL, &v, &vl), 0);
    pp_close(st, fd);
    pp_stack_free(st);
    return v;
}

TEST(busy_poll_default_follows_the_environment)
{
    ASSERT_EQ(busy_default_with("7"), 7);
    ASSERT_EQ(busy_default_with("0"), 0);
    ASSERT_EQ(busy_default_with("10000"), 10000);
}

TEST(busy_poll_default_ignores_a_bad_environment)
{
    ASSERT_EQ(busy_default_with("12x"), 50);
    ASSERT_EQ(busy_default_with("10001"), 50);
    ASSERT_EQ(busy_default_with("-1"), 50);
    ASSERT_EQ(busy_default_with(""), 50);
}
