/* tun_shards.c - per-core shards on a multi-queue TUN device, for
 * tests/interop/tun_shards.sh: N stacks sharing ADDR, one per queue of
 * IFNAME, each with a driver thread and a TCP echo listener on port 7
 * (one line per connection).  Prints "ready", then, on SIGTERM, how many
 * connections each shard served: "shard I: N".
 * Usage: tun_shards IFNAME PEER ADDR QUEUES */
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portplex/socket.h"
#include "portplex/stack.h"
#include "portplex/tun.h"

static volatile sig_atomic_t stop;
static void on_term(int sig) { (void)sig; stop = 1; }

struct shard {
    struct pp_tun *tun;
    unsigned q;
    struct pp_stack *st;
    int lis, served;
};

static void *drive(void *arg)
{
    struct shard *s = arg;
    pp_tun_run_queue(s->tun, s->q, s->st, &stop);
    return NULL;
}

static void *serve(void *arg)
{
    struct shard *s = arg;
    char buf[256];
    int tmo = 200;

    pp_setsockopt(s->st, s->lis, PP_SO_RCVTIMEO, &tmo, sizeof tmo);
    while (!stop) {
        int c = pp_accept(s->st, s->lis, NULL, NULL);
        ssize_t n;
        if (c < 0)
            continue; /* the timeout: look at stop again */
        pp_setsockopt(s->st, c, PP_SO_RCVTIMEO, &tmo, sizeof tmo);
        n = pp_recv(s->st, c, buf, sizeof buf, 0);
        if (n > 0 && pp_send(s->st, c, buf, (size_t)n, 0) == n)
            s->served++;
        pp_close(s->st, c);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    struct pp_stack_config cfg;
    struct shard sh[PP_TUN_QUEUES_MAX];
    pthread_t th[2 * PP_TUN_QUEUES_MAX];
    struct sockaddr_in any;
    struct in_addr peer, addr;
    char err[256];
    unsigned n, i;
    struct pp_tun *tun;

    if (argc != 5 || !inet_aton(argv[2], &peer) || !inet_aton(argv[3], &addr) ||
        (n = (unsigned)atoi(argv[4])) < 1 || n > PP_TUN_QUEUES_MAX) {
        fprintf(stderr, "usage: tun_shards IFNAME PEER ADDR QUEUES\n");
        return 2;
    }
    signal(SIGTERM, on_term);
    signal(SIGINT, on_term);
    tun = pp_tun_open_queues(argv[1], ntohl(peer.s_addr), 24, 1500, n, err);
    if (!tun) {
        fprintf(stderr, "tun_shards: %s\n", err);
        return 1;
    }
    memset(&any, 0, sizeof any);
    any.sin_family = AF_INET;
    any.sin_port = htons(7);
    for (i = 0; i < n; i++) {
        memset(&cfg, 0, sizeof cfg);
        cfg.addr = ntohl(addr.s_addr);
        cfg.prefix_len = 24;
        cfg.name = "shard";
        sh[i].tun = tun;
        sh[i].q = i;
        sh[i].served = 0;
        sh[i].st = pp_stack_new(&cfg);
        if (!sh[i].st || pp_stack_set_shard(sh[i].st, i, n, NULL) < 0)
            return 1;
        pp_stack_attach(sh[i].st, pp_tun_queue_link(tun, i));
        sh[i].lis = pp_socket(sh[i].st, PP_SOCK_STREAM);
        if (pp_bind(sh[i].st, sh[i].lis, (struct sockaddr *)&any, sizeof any) < 0 ||
            pp_listen(sh[i].st, sh[i].lis, 64) < 0)
            return 1;
    }
    for (i = 0; i < n; i++) {
        pthread_create(&th[2 * i], NULL, drive, &sh[i]);
        pthread_create(&th[2 * i + 1], NULL, serve, &sh[i]);
    }
    printf("ready\n");
    fflush(stdout);
    for (i = 0; i < 2 * n; i++)
        pthread_join(th[i], NULL);
    for (i = 0; i < n; i++) {
        printf("shard %u: %d\n", i, sh[i].served);
        pp_close(sh[i].st, sh[i].lis);
        pp_stack_free(sh[i].st);
    }
    pp_tun_close(tun);
    return 0;
}
