/* test_tcp_vwire.c - TCP between two stacks on the virtual wire: handshake,
 * data both ways, half-close, graceful close into TIME_WAIT, refused and
 * timed-out connections, bulk transfers under loss, reordering and
 * duplication, one thread per connection on a single listening port. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "test.h"
#include "portplex/vwire.h"
#include "bulk_stream.h"
#include "stack_test_util.h"


static int listener(struct pp_stack *st, uint16_t port, int backlog)
{
    int fd = pp_socket(st, PP_SOCK_STREAM);
    struct sockaddr_in sin = sin_of(0, port);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(pp_bind(st, fd, SA(sin)), 0);
    ASSERT_EQ(pp_listen(st, fd, backlog), 0);
    return fd;
}

static ssize_t read_all(struct pp_stack *st, int fd, char *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = pp_recv(st, fd, buf + got, len - got, 0);
        if (n <= 0)
            return n < 0 ? n : (ssize_t)got;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

TEST(tcp_handshake_data_and_graceful_close)
{
    struct pair p;
    struct sockaddr_in to = sin_of(HOST_B, 80), peer;
    socklen_t pl = sizeof peer;
    char buf[64];
    int lis, srv, cli, tmo = 3000;
    pair_new(&p, NULL, 1);
    lis = listener(p.b, 80, 8);
    cli = pp_socket(p.a, PP_SOCK_STREAM);
    pp_setsockopt(p.a, cli, PP_SO_RCVTIMEO, &tmo, sizeof tmo);
    pp_setsockopt(p.b, lis, PP_SO_RCVTIMEO, &tmo, sizeof tmo);
    ASSERT_EQ(pp_connect(p.a, cli, SA(to)), 0);
    srv = pp_accept(p.b, lis, (struct sockaddr *)&peer, &pl);
    ASSERT_GE(srv, 0);
    ASSERT_EQ(ntohl(peer.sin_addr.s_addr), HOST_A);
    pp_setsockopt(p.b, srv, PP_SO_RCVTIMEO, &tmo, sizeof tmo);
    ASSERT_EQ(pp_send(p.a, cli, "GET / HTTP/1.0\r\n\r\n", 18, 0), 18);
    ASSERT_EQ(read_all(p.b, srv, buf, 18), 18);
    ASSERT_MEMEQ(buf, "GET / HTTP/1.0\r\n\r\n", 18);
    ASSERT_EQ(pp_send(p.b, srv, "HTTP/1.0 200 OK\r\n", 17, 0), 17);
    ASSERT_EQ(read_all(p.a, cli, buf, 17), 17);
    /* Half-close: the client stops sending, still reads. */
    ASSERT_EQ(pp_shutdown(p.a, cli, PP_SHUT_WR), 0);
    ASSERT_EQ(pp_recv(p.b, srv, buf, sizeof buf, 0), 0); /* EOF */
    ASSERT_EQ(pp_send(p.b, srv, "bye", 3, 0), 3);
    ASSERT_EQ(read_all(p.a, cli, buf, 3), 3);
    ASSERT_EQ(pp_send(p.a, cli, "x", 1, 0), -EPIPE);
    ASSERT_EQ(pp_close(p.b, srv), 0);
    ASSERT_EQ(pp_recv(p.a, cli, buf, sizeof buf, 0), 0);
    ASSERT_EQ(pp_close(p.a, cli), 0);
    /* Let the final ACK cross, then look at the counters. */
    {
        int i;
        for (i = 0; i < 100 && pp_stack_counter(p.a, "tcp.time_waits") == 0; i++)
            usleep(10000);
    }
    ASSERT_EQ(pp_stack_counter(p.a, "tcp.time_waits"), 1); /* the client closed second... */
    ASSERT_EQ(pp_stack_counter(p.a, "tcp.active_opens"), 1);
    ASSERT_EQ(pp_stack_counter(p.b, "tcp.passive_opens"), 1);
    ASSERT_EQ(pp_stack_counter(p.a, "tcp.out_rsts") + pp_stack_counter(p.b, "tcp.out_rsts"), 0);
    pp_close(p.b, lis);
    pair_free(&p);
}

TEST(tcp_connect_refused_and_timed_out)
{
    struct pair p;
    struct sockaddr_in closed = sin_of(HOST_B, 81), nowhere = sin_of(IP(192, 0, 2, 99), 80);
    int cli, err, i;
    socklen_t el = sizeof err;
    uint64_t t = pp_now_ms() + 100000;
    pair_new(&p, NULL, 0);
    pp_vwire_step(p.w, t);
    cli = pp_socket(p.a, PP_SOCK_STREAM | PP_SOCK_NONBLOCK);
    ASSERT_EQ(pp_connect(p.a, cli, SA(closed)), -EINPROGRESS);
    ASSERT_EQ(pp_connect(p.a, cli, SA(closed)), -EALREADY);
    pp_vwire_step(p.w, ++t);
    ASSERT_EQ(pp_getsockopt(p.a, cli, PP_SO_ERROR, &err, &el), 0);
    ASSERT_EQ(err, ECONNREFUSED);
    pp_close(p.a, cli);
    /* Nobody at 192.0.2.99: SYN, then 5 retries, the first four after a
     * flat second (Linux's tcp_syn_linear_timeouts), then doubling. */
    cli = pp_socket(p.a, PP_SOCK_STREAM | PP_SOCK_NONBLOCK);
    ASSERT_EQ(pp_connect(p.a, cli, SA(nowhere)), -EINPROGRESS);
    /* The drivers poll often; so do we, 100 ms at a time. */
    for (i = 0; i < 65; i++)
        pp_vwire_step(p.w, t += 100);
    ASSERT_EQ(pp_getsockopt(p.a, cli, PP_SO_ERROR, &err, &el), 0);
    ASSERT_EQ(err, 0); /* still trying at 6.5 s: 1+1+1+1+1, then 2 */
    for (i = 0; i < 20; i++)
        pp_vwire_step(p.w, t += 100);
    ASSERT_EQ(pp_getsockopt(p.a, cli, PP_SO_ERROR, &err, &el), 0);
    ASSERT_EQ(err, ETIMEDOUT);
    ASSERT_EQ(pp_stack_counter(p.a, "tcp.retransmits"), 5);
    pp_close(p.a, cli);
    pair_free(&p);
}

/* Sends len bytes of the bulk stream A -> B over a wire with these impairments
 * and checks every byte on arrival. */
static void bulk_transfer(const struct pp_vwire_config *cfg, size_t len)
{
    struct pair p;
    struct sockaddr_in to = sin_of(HOST_B, 5001);
    static char buf[65536];
    int lis, srv, cli;
    pair_new(&p, cfg, 1);
    lis = listener(p.b, 5001, 4);
    cli = pp_socket(p.a, PP_SOCK_STREAM);
    ASSERT_EQ(pp_connect(p.a, cli, SA(to)), 0);
    srv = pp_accept(p.b, lis, NULL, NULL);
    ASSERT_GE(srv, 0);
    ASSERT_EQ(bulk_run(p.a, cli, p.b, srv, len, buf, sizeof buf), 0);
    pp_close(p.a, cli);
    pp_close(p.b, srv);
    pp_close(p.b, lis);
    pair_free(&p);
}

/* Transfer sizes: small enough for CI under sanitizers by default;
 * PP_TCP_BULK_MB=100 runs the full-size transfers. */
static size_t mb(size_t dflt)
{
    const char *e = getenv("PP_TCP_BULK_MB");
    long v = e ? atol(e) : 0;
    return (v > 0 ? (size_t)v : dflt) << 20;
}

TEST(tcp_bulk_clean_wire)
{
    bulk_transfer(NULL, mb(20));
}

TEST(tcp_bulk_under_loss_reordering_duplication)
{
    struct pp_vwire_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.seed = 9;
    cfg.loss = 0.01;
    cfg.reorder = 0.01;
    cfg.dup = 0.01;
    cfg.corrupt = 0.005;
    cfg.delay_ms = 1;
    bulk_transfer(&cfg, mb(4));
}

struct conn_thread {
    struct pp_stack *st;
    int fd;
};

static void *echo_conn(void *arg)
{
    struct conn_thread *c = arg;
    char buf[256];
    ssize_t n;
    while ((n = pp_recv(c->st, c->fd, buf, sizeof buf, 0)) > 0)
        pp_send(c->st, c->fd, buf, (size_t)n, 0);
    pp_close(c->st, c->fd);
    return NULL;
}

TEST(tcp_one_thread_per_connection_on_one_port)
{
    enum { N = 16 };
    struct pair p;
    struct sockaddr_in to = sin_of(HOST_B, 7);
    struct conn_thread ct[N];
    pthread_t th[N];
    int lis, cli[N], i;
    pair_new(&p, NULL, 1);
    lis = listener(p.b, 7, N);
    for (i = 0; i < N; i++) {
        cli[i] = pp_socket(p.a, PP_SOCK_STREAM);
        ASSERT_EQ(pp_connect(p.a, cli[i], SA(to)), 0);
        ct[i].st = p.b;
        ct[i].fd = pp_accept(p.b, lis, NULL, NULL);
        ASSERT_GE(ct[i].fd, 0);
        ASSERT_EQ(pthread_create(&th[i], NULL, echo_conn, &ct[i]), 0);
    }
    for (i = N - 1; i >= 0; i--) {
        char msg[32], buf[32];
        int len = snprintf(msg, sizeof msg, "connection %d", i);
        ASSERT_EQ(pp_send(p.a, cli[i], msg, (size_t)len, 0), len);
        ASSERT_EQ(read_all(p.a, cli[i], buf, (size_t)len), len);
        ASSERT_MEMEQ(buf, msg, (size_t)len);
    }
    for (i = 0; i < N; i++) {
        pp_close(p.a, cli[i]);
        pthread_join(th[i], NULL);
    }
    pp_close(p.b, lis);
    pair_free(&p);
}

TEST(tcp_linger_zero_aborts_with_rst)
{
    struct pair p;
    struct sockaddr_in to = sin_of(HOST_B, 80);
    char buf[8];
    int lis, srv, cli, zero = 0, i;
    pair_new(&p, NULL, 1);
    lis = listener(p.b, 80, 1);
    cli = pp_socket(p.a, PP_SOCK_STREAM);
    ASSERT_EQ(pp_connect(p.a, cli, SA(to)), 0);
    srv = pp_accept(p.b, lis, NULL, NULL);
    ASSERT_EQ(pp_setsockopt(p.a, cli, PP_SO_LINGER, &zero, sizeof zero), 0);
    ASSERT_EQ(pp_close(p.a, cli), 0);
    for (i = 0; i < 100 && pp_stack_counter(p.b, "tcp.in_rsts") == 0; i++)
        usleep(10000);
    ASSERT_EQ(pp_recv(p.b, srv, buf, sizeof buf, 0), -ECONNRESET);
    ASSERT_EQ(pp_stack_counter(p.a, "tcp.time_waits"), 0);
    pair_free(&p);
}

TEST(tcp_bulk_under_five_percent_loss)
{
    struct pp_vwire_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.seed = 5;
    cfg.loss = 0.05;
    cfg.delay_ms = 1;
    bulk_transfer(&cfg, mb(2));
}

TEST(tcp_ten_thousand_connections_no_leak)
{
    /* Open, use and close 10,000 connections; ASan's leak check at exit and
     * the socket table's counts say nothing is left behind. */
    struct pair p;
    struct sockaddr_in to = sin_of(HOST_B, 80);
    char buf[8];
    int lis, i;
    pair_new(&p, NULL, 1);
    lis = listener(p.b, 80, 64);
    for (i = 0; i < 10000; i++) {
        int c = pp_socket(p.a, PP_SOCK_STREAM), s;
        ASSERT_GE(c, 0);
        ASSERT_EQ(pp_connect(p.a, c, SA(to)), 0);
        s = pp_accept(p.b, lis, NULL, NULL);
        ASSERT_GE(s, 0);
        ASSERT_EQ(pp_send(p.a, c, "q", 1, 0), 1);
        ASSERT_EQ(pp_recv(p.b, s, buf, sizeof buf, 0), 1);
        ASSERT_EQ(pp_close(p.b, s), 0); /* server closes first: TIME_WAIT there */
        ASSERT_EQ(pp_recv(p.a, c, buf, sizeof buf, 0), 0);
        ASSERT_EQ(pp_close(p.a, c), 0);
    }
    for (i = 0; i < 200 && pp_stack_counter(p.b, "tcp.time_waits") < 10000; i++)
        usleep(10000);
    ASSERT_EQ(pp_stack_counter(p.b, "tcp.time_waits"), 10000);
    ASSERT_EQ(pp_stack_counter(p.a, "tcp.time_waits"), 0);
    ASSERT_EQ(pp_stack_counter(p.b, "tcp.passive_opens"), 10000);
    pp_close(p.b, lis);
    pair_free(&p);
}

TEST(tcp_simultaneous_open_and_close)
{
    struct pair p;
    struct sockaddr_in a_addr = sin_of(HOST_A, 4000), b_addr = sin_of(HOST_B, 5000);
    int a, b, i, err;
    socklen_t el = sizeof err;
    uint64_t t = pp_now_ms() + 100000;
    char buf[8];
    pair_new(&p, NULL, 0);
    pp_vwire_step(p.w, t);
    a = pp_socket(p.a, PP_SOCK_STREAM | PP_SOCK_NONBLOCK);
    b = pp_socket(p.b, PP_SOCK_STREAM | PP_SOCK_NONBLOCK);
    ASSERT_EQ(pp_bind(p.a, a, SA(a_addr)), 0);
    ASSERT_EQ(pp_bind(p.b, b, SA(b_addr)), 0);
    /* Both SYNs cross on the wire (RFC 9293 figure 8). */
    ASSERT_EQ(pp_connect(p.a, a, SA(b_addr)), -EINPROGRESS);
    ASSERT_EQ(pp_connect(p.b, b, SA(a_addr)), -EINPROGRESS);
    for (i = 0; i < 10; i++)
        pp_vwire_step(p.w, t += 10);
    ASSERT_EQ(pp_getsockopt(p.a, a, PP_SO_ERROR, &err, &el), 0);
    ASSERT_EQ(err, 0);
    ASSERT_EQ(pp_send(p.a, a, "hi", 2, 0), 2);
    for (i = 0; i < 10; i++)
        pp_vwire_step(p.w, t += 10);
    ASSERT_EQ(pp_recv(p.b, b, buf, sizeof buf, 0), 2);
    /* Both close at once: FINs cross, both pass CLOSING into TIME_WAIT. */
    ASSERT_EQ(pp_shutdown(p.a, a, PP_SHUT_WR), 0);
    ASSERT_EQ(pp_shutdown(p.b, b, PP_SHUT_WR), 0);
    for (i = 0; i < 10; i++)
        pp_vwire_step(p.w, t += 10);
    ASSERT_EQ(pp_stack_counter(p.a, "tcp.time_waits"), 1);
    ASSERT_EQ(pp_stack_counter(p.b, "tcp.time_waits"), 1);
    ASSERT_EQ(pp_recv(p.a, a, buf, sizeof buf, 0), 0);
    pp_close(p.a, a);
    pp_close(p.b, b);
    pair_free(&p);
}

/* Buffer autosizing as Linux's: with default buffers a fast transfer grows
 * the sender's send queue (tcp_sndbuf_expand) and the receiver's receive
 * queue (tcp_rcv_space_adjust) past the 256 KiB they start with; SO_SNDBUF
 * and SO_RCVBUF set by the user stop both. */
static void autosize_run(int set, int *sndbuf, int *rcvbuf)
{
    struct pp_vwire_config cfg;
    struct pair p;
    struct sockaddr_in to = sin_of(HOST_B, 5003);
    struct bulk_sender b;
    pthread_t th;
    static char buf[1 << 17];
    int lis, srv, cli, v = 100000;
    socklen_t l = sizeof(int);
    size_t got = 0;

    memset(&cfg, 0, sizeof cfg);
    cfg.mtu = 65535;
    cfg.delay_ms = 2; /* an RTT of 4 ms or more: the growth needs no fast machine */
    pair_new(&p, &cfg, 1);
    lis = listener(p.b, 5003, 4);
    if (set)
        ASSERT_EQ(pp_setsockopt(p.b, lis, PP_SO_RCVBUF, &v, sizeof v), 0);
    cli = pp_socket(p.a, PP_SOCK_STREAM);
    if (set)
        ASSERT_EQ(pp_setsockopt(p.a, cli, PP_SO_SNDBUF, &v, sizeof v), 0);
    ASSERT_EQ(pp_connect(p.a, cli, SA(to)), 0);
    srv = pp_accept(p.b, lis, NULL, NULL);
    ASSERT_GE(srv, 0);
    b.st = p.a;
    b.fd = cli;
    b.len = 32u << 20;
    ASSERT_EQ(pthread_create(&th, NULL, bulk_send, &b), 0);
    for (;;) {
        ssize_t n = pp_recv(p.b, srv, buf, sizeof buf, 0);
        ASSERT_GE(n, 0);
        if (n == 0)
            break;
        ASSERT_EQ(bulk_check(buf, (size_t)n, got), (size_t)n);
        got += (size_t)n;
    }
    pthread_join(th, NULL);
    ASSERT(b.ok);
    ASSERT_EQ(got, b.len);
    ASSERT_EQ(pp_getsockopt(p.a, cli, PP_SO_SNDBUF, sndbuf, &l), 0);
    ASSERT_EQ(pp_getsockopt(p.b, srv, PP_SO_RCVBUF, rcvbuf, &l), 0);
    pp_close(p.a, cli);
    pp_close(p.b, srv);
    pp_close(p.b, lis);
    pair_free(&p);
}

TEST(tcp_buffers_grow_with_the_transfer_unless_set)
{
    int sb, rb;

    autosize_run(0, &sb, &rb);
    ASSERT_GT(sb, 256 * 1024); /* 2 x 10 segments of 65 KB at least */
    ASSERT(sb <= 4 * 1024 * 1024);
    ASSERT_GT(rb, 256 * 1024);
    ASSERT(rb <= 6 * 1024 * 1024);
    autosize_run(1, &sb, &rb);
    ASSERT_EQ(sb, 100000);
    ASSERT_EQ(rb, 100000); /* inherited from the listener */
}
