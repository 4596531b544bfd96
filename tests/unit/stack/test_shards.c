/* test_shards.c - per-core shards on the virtual wire: flows steered to one
 * shard each by the symmetric RSS hash, listeners on every shard sharing
 * the connections, connect() on a shard getting its replies there, two
 * threads each carrying their own shards' packets, and bad arguments. */
#include <pthread.h>
#include <stdlib.h>

#include "stack_test_util.h"
#include "test.h"
#include "portplex/vwire.h"
#include "portplex/wire/rss.h"

#define NS 2

struct host {
    struct pp_stack *sh[NS];
};

static void host_new(struct host *h, uint32_t addr, const char *name)
{
    int i;
    for (i = 0; i < NS; i++)
        h->sh[i] = stack_at(addr, name);
}

static void host_free(struct host *h)
{
    int i;
    for (i = 0; i < NS; i++)
        pp_stack_free(h->sh[i]);
}

static int listener(struct pp_stack *st, uint16_t port, int flags)
{
    struct sockaddr_in any = sin_of(0, port);
    int fd = pp_socket(st, PP_SOCK_STREAM | flags);
    if (fd < 0 || pp_bind(st, fd, SA(any)) < 0 || pp_listen(st, fd, 64) < 0)
        return -1;
    return fd;
}

/* Opens a connection from cli to dst:80 without blocking, carried to the
 * end of the handshake by this thread (no wire thread runs). */
static int open_conn(struct pp_stack *cli, uint32_t dst)
{
    struct sockaddr_in to = sin_of(dst, 80);
    int c = pp_socket(cli, PP_SOCK_STREAM | PP_SOCK_NONBLOCK);
    struct pp_pollfd pfd = {c, PP_POLLOUT, 0};
    if (c < 0 || pp_connect(cli, c, SA(to)) != -EINPROGRESS || pp_poll(cli, &pfd, 1, 2000) != 1 ||
        (pfd.revents & (PP_POLLERR | PP_POLLHUP)))
        return -1;
    return c;
}

TEST(listeners_on_every_shard_share_the_connections)
{
    char err[256], buf[8];
    struct pp_vwire *w = pp_vwire_new(NULL, err);
    struct pp_stack *a = stack_at(HOST_A, "client");
    struct host b;
    int lis[NS], i, k, per[NS] = {0};

    host_new(&b, HOST_B, "server");
    ASSERT_EQ(pp_vwire_attach(w, a), 0);
    ASSERT_EQ(pp_vwire_attach_shards(w, b.sh, NS), 0);
    ASSERT_EQ(pp_vwire_start(w), 0);
    pp_vwire_stop(w); /* this thread carries every packet */
    for (k = 0; k < NS; k++)
        ASSERT_GE(lis[k] = listener(b.sh[k], 80, PP_SOCK_NONBLOCK), 0);
    for (i = 0; i < 40; i++) {
        int c = open_conn(a, HOST_B), s = -1, got = -1;
        ASSERT_GE(c, 0);
        /* Exactly one shard has the connection. */
        for (k = 0; k < NS; k++) {
            int fd = pp_accept(b.sh[k], lis[k], NULL, NULL);
            if (fd >= 0) {
                ASSERT_EQ(got, -1);
                got = k;
                s = fd;
            } else {
                ASSERT_EQ(fd, -EAGAIN);
            }
        }
        ASSERT_GE(got, 0);
        per[got]++;
        /* Its data and its FIN reach the same shard. */
        ASSERT_EQ(pp_send(a, c, "ping", 4, 0), 4);
        ASSERT_EQ(pp_recv(b.sh[got], s, buf, sizeof buf, PP_MSG_DONTWAIT), 4);
        ASSERT_EQ(pp_close(a, c), 0);
        ASSERT_EQ(pp_recv(b.sh[got], s, buf, sizeof buf, PP_MSG_DONTWAIT), 0);
        ASSERT_EQ(pp_close(b.sh[got], s), 0);
    }
    /* Both shards took a share (all 40 on one: a chance of 2^-39), and no
     * segment reached a shard that did not know its connection. */
    for (k = 0; k < NS; k++) {
        ASSERT_GT(per[k], 0);
        ASSERT_EQ(pp_stack_counter(b.sh[k], "tcp.passive_opens"), per[k]);
        ASSERT_EQ(pp_stack_counter(b.sh[k], "tcp.out_rsts"), 0);
        pp_close(b.sh[k], lis[k]);
    }
    ASSERT_EQ(pp_stack_counter(a, "tcp.in_rsts"), 0);
    pp_vwire_free(w);
    pp_stack_free(a);
    host_free(&b);
}

TEST(connect_on_a_shard_gets_its_replies_there)
{
    char err[256];
    struct pp_vwire_config cfg;
    struct pp_vwire *w;
    struct pp_stack *b = stack_at(HOST_B, "server");
    struct host a;
    int lis, i, k;

    memset(&cfg, 0, sizeof cfg);
    cfg.seed = 42;
    w = pp_vwire_new(&cfg, err);
    host_new(&a, HOST_A, "client");
    ASSERT_EQ(pp_vwire_attach(w, b), 0);
    ASSERT_EQ(pp_vwire_attach_shards(w, a.sh, NS), 0);
    ASSERT_EQ(pp_vwire_start(w), 0);
    pp_vwire_stop(w);
    ASSERT_GE(lis = listener(b, 80, PP_SOCK_NONBLOCK), 0);
    for (k = 0; k < NS; k++) {
        for (i = 0; i < 20; i++) {
            int c = open_conn(a.sh[k], HOST_B), s = pp_accept(b, lis, NULL, NULL);
            ASSERT_GE(c, 0); /* the SYN/ACK came back to this shard */
            ASSERT_GE(s, 0);
            pp_close(a.sh[k], c);
            pp_close(b, s);
        }
        ASSERT_EQ(pp_stack_counter(a.sh[k], "tcp.active_opens"), 20);
        ASSERT_EQ(pp_stack_counter(a.sh[k], "tcp.out_rsts"), 0);
    }
    ASSERT_EQ(pp_stack_counter(b, "tcp.in_rsts"), 0);
    pp_close(b, lis);
    pp_vwire_free(w);
    pp_stack_free(b);
    host_free(&a);
}

struct lane {
    struct pp_stack *cli, *srv;
    int lis, n, fail;
};

/* One thread: connections between client shard i and server shard i,
 * request and response, as bench_tcp's shards2 runs them. */
static void *lane_main(void *arg)
{
    struct lane *l = arg;
    char buf[8];
    int i;

    for (i = 0; i < l->n; i++) {
        int c = open_conn(l->cli, HOST_B), s;
        struct pp_pollfd pfd = {c, PP_POLLIN, 0};
        if (c < 0 || (s = pp_accept(l->srv, l->lis, NULL, NULL)) < 0) {
            l->fail++;
            continue;
        }
        if (pp_send(l->cli, c, "ping", 4, 0) != 4 ||
            pp_recv(l->srv, s, buf, sizeof buf, PP_MSG_DONTWAIT) != 4 ||
            pp_send(l->srv, s, "pong", 4, 0) != 4 || pp_poll(l->cli, &pfd, 1, 2000) != 1 ||
            pp_recv(l->cli, c, buf, sizeof buf, 0) != 4)
            l->fail++;
        pp_close(l->srv, s);
        pp_close(l->cli, c);
    }
    return NULL;
}

TEST(two_threads_each_carry_their_own_shards)
{
    char err[256];
    struct pp_vwire *w = pp_vwire_new(NULL, err);
    struct host a, b;
    struct lane lanes[NS];
    pthread_t th[NS];
    int k;

    host_new(&a, HOST_A, "client");
    host_new(&b, HOST_B, "server");
    ASSERT_EQ(pp_vwire_attach_shards(w, a.sh, NS), 0);
    ASSERT_EQ(pp_vwire_attach_shards(w, b.sh, NS), 0);
    ASSERT_EQ(pp_vwire_start(w), 0);
    pp_vwire_stop(w); /* no thread but the two lanes */
    for (k = 0; k < NS; k++) {
        lanes[k].cli = a.sh[k];
        lanes[k].srv = b.sh[k];
        lanes[k].n = 200;
        lanes[k].fail = 0;
        ASSERT_GE(lanes[k].lis = listener(b.sh[k], 80, PP_SOCK_NONBLOCK), 0);
    }
    for (k = 0; k < NS; k++)
        ASSERT_EQ(pthread_create(&th[k], NULL, lane_main, &lanes[k]), 0);
    for (k = 0; k < NS; k++)
        pthread_join(th[k], NULL);
    for (k = 0; k < NS; k++) {
        ASSERT_EQ(lanes[k].fail, 0);
        /* The symmetric hash keeps client shard k's flows on server shard k. */
        ASSERT_EQ(pp_stack_counter(b.sh[k], "tcp.passive_opens"), 200);
        ASSERT_EQ(pp_stack_counter(b.sh[k], "tcp.out_rsts"), 0);
        pp_close(b.sh[k], lanes[k].lis);
    }
    pp_vwire_free(w);
    host_free(&a);
    host_free(&b);
}

TEST(shard_setup_rejects_bad_arguments)
{
    char err[256];
    uint8_t key[PP_RSS_KEY_LEN] = {0};
    struct pp_vwire *w = pp_vwire_new(NULL, err);
    struct pp_stack *s[3] = {stack_at(HOST_A, "a"), stack_at(HOST_A, "a"), stack_at(HOST_B, "b")};

    ASSERT_EQ(pp_stack_set_shard(NULL, 0, 2, key), -EINVAL);
    ASSERT_EQ(pp_stack_set_shard(s[0], 0, 2, NULL), 0); /* a link that follows flows itself */
    ASSERT_EQ(pp_stack_set_shard(s[0], 0, 0, key), -EINVAL);
    ASSERT_EQ(pp_stack_set_shard(s[0], 2, 2, key), -EINVAL);
    ASSERT_EQ(pp_stack_set_shard(s[0], 0, PP_SHARDS_MAX + 1, key), -EINVAL);
    ASSERT_EQ(pp_stack_set_shard(s[0], 0, 1, key), 0); /* one shard: not sharded */
    ASSERT_EQ(pp_vwire_attach_shards(NULL, s, 2), -EINVAL);
    ASSERT_EQ(pp_vwire_attach_shards(w, NULL, 2), -EINVAL);
    ASSERT_EQ(pp_vwire_attach_shards(w, s, 0), -EINVAL);
    ASSERT_EQ(pp_vwire_attach_shards(w, s, 3), -EINVAL); /* addresses differ */
    ASSERT_EQ(pp_vwire_attach_shards(w, s, 2), 0);
    pp_vwire_free(w);
    pp_stack_free(s[0]);
    pp_stack_free(s[1]);
    pp_stack_free(s[2]);
}
