/* tun_host.c - a portplex host on a TUN device: the kernel gets interface
 * IFNAME with address PEER/24, portplex is HOST on the other end and serves
 * TCP echo on port 7 until SIGINT or SIGTERM.  Needs CAP_NET_ADMIN (run it
 * inside a network namespace of its own):
 *
 *   cc tun_host.c $(pkg-config --cflags --libs portplex) -lpthread -o tun_host
 *   ip netns add demo && ip netns exec demo ./tun_host ppdemo0 10.2.0.1 10.2.0.2 &
 *   ip netns exec demo sh -c 'echo hi | nc -q1 10.2.0.2 7'
 *
 * Uses only <portplex/...>: pp_tun_run reads the device into the stack and
 * runs its timers; a thread serves the connections with blocking calls. */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <portplex/socket.h>
#include <portplex/stack.h>
#include <portplex/tun.h>

static volatile sig_atomic_t stop;
static struct pp_stack *st;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static void *echo_server(void *arg)
{
    struct sockaddr_in any;
    char buf[1024];
    int lfd = pp_socket(st, PP_SOCK_STREAM);
    (void)arg;
    memset(&any, 0, sizeof any);
    any.sin_family = AF_INET;
    any.sin_port = htons(7);
    if (lfd < 0 || pp_bind(st, lfd, (struct sockaddr *)&any, sizeof any) < 0 || pp_listen(st, lfd, 16) < 0) {
        fprintf(stderr, "tun_host: cannot listen on port 7\n");
        stop = 1;
        return NULL;
    }
    printf("tun_host: echo on %s port 7\n", "the portplex host");
    fflush(stdout);
    while (!stop) {
        int cfd = pp_accept(st, lfd, NULL, NULL);
        ssize_t n;
        if (cfd < 0)
            continue;
        while ((n = pp_recv(st, cfd, buf, sizeof buf, 0)) > 0)
            pp_send(st, cfd, buf, (size_t)n, 0);
        pp_close(st, cfd);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    struct in_addr peer, host;
    struct pp_stack_config cfg;
    struct sigaction sa;
    char err[256];
    struct pp_tun *tun;
    pthread_t t;
    int rc;

    if (argc != 4 || inet_pton(AF_INET, argv[2], &peer) != 1 || inet_pton(AF_INET, argv[3], &host) != 1) {
        fprintf(stderr, "usage: tun_host IFNAME PEER_ADDR HOST_ADDR (a /24 between them)\n");
        return 2;
    }
    tun = pp_tun_open(argv[1], ntohl(peer.s_addr), 24, 1500, err);
    if (!tun) {
        fprintf(stderr, "tun_host: %s\n", err);
        return 1;
    }
    memset(&cfg, 0, sizeof cfg);
    cfg.addr = ntohl(host.s_addr);
    cfg.prefix_len = 24;
    cfg.name = "tun_host";
    st = pp_stack_new(&cfg);
    if (!st)
        return 1;
    pp_stack_attach(st, pp_tun_link(tun));
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    pthread_create(&t, NULL, echo_server, NULL);
    rc = pp_tun_run(tun, st, &stop);
    /* The server thread may still sit in accept(): the process ends with
     * it rather than free the stack under it. */
    pp_tun_close(tun);
    return rc < 0;
}
