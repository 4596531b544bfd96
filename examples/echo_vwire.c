/* echo_vwire.c - two portplex stacks joined by a virtual wire in one
 * process: a TCP echo server on 10.0.0.1:7 and a client on 10.0.0.2 that
 * sends a line and reads it back.  The wire's thread moves the packets;
 * both ends use the blocking socket calls.  Uses only <portplex/...>.
 *
 *   cc echo_vwire.c $(pkg-config --cflags --libs portplex) -o echo_vwire
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <portplex/socket.h>
#include <portplex/stack.h>
#include <portplex/vwire.h>

#define SERVER_ADDR 0x0a000001u /* 10.0.0.1 */
#define CLIENT_ADDR 0x0a000002u /* 10.0.0.2 */

static struct sockaddr_in endpoint(uint32_t addr, uint16_t port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(addr);
    a.sin_port = htons(port);
    return a;
}

static void *serve_one(void *arg)
{
    struct pp_stack *st = arg;
    struct sockaddr_in any = endpoint(0, 7);
    char buf[512];
    ssize_t n;
    int lfd = pp_socket(st, PP_SOCK_STREAM), cfd;

    if (lfd < 0 || pp_bind(st, lfd, (struct sockaddr *)&any, sizeof any) < 0 || pp_listen(st, lfd, 4) < 0)
        return NULL;
    cfd = pp_accept(st, lfd, NULL, NULL);
    while (cfd >= 0 && (n = pp_recv(st, cfd, buf, sizeof buf, 0)) > 0)
        pp_send(st, cfd, buf, (size_t)n, 0);
    pp_close(st, cfd);
    pp_close(st, lfd);
    return NULL;
}

int main(void)
{
    struct pp_stack_config sc = {.addr = SERVER_ADDR, .prefix_len = 24, .name = "server"};
    struct pp_stack_config cc = {.addr = CLIENT_ADDR, .prefix_len = 24, .name = "client"};
    struct pp_vwire_config wc = {.seed = 1, .delay_ms = 1};
    struct sockaddr_in to = endpoint(SERVER_ADDR, 7);
    struct pp_stack *server = pp_stack_new(&sc), *client = pp_stack_new(&cc);
    char err[256], back[64] = "";
    const char *line = "hello through two user-space stacks\n";
    struct pp_vwire *w = pp_vwire_new(&wc, err);
    pthread_t t;
    size_t got = 0;
    int fd, rc;

    if (!server || !client || !w) {
        fprintf(stderr, "echo_vwire: %s\n", w ? "no memory" : err);
        return 1;
    }
    if (pp_vwire_attach(w, server) < 0 || pp_vwire_attach(w, client) < 0 || pp_vwire_start(w) < 0)
        return 1;
    pthread_create(&t, NULL, serve_one, server);
    fd = pp_socket(client, PP_SOCK_STREAM);
    /* The server may not be listening yet: retry while refused. */
    while ((rc = pp_connect(client, fd, (struct sockaddr *)&to, sizeof to)) == -ECONNREFUSED) {
        pp_close(client, fd);
        fd = pp_socket(client, PP_SOCK_STREAM);
    }
    if (rc < 0) {
        fprintf(stderr, "echo_vwire: connect: %s\n", strerror(-rc));
        return 1;
    }
    pp_send(client, fd, line, strlen(line), 0);
    while (got < strlen(line)) {
        ssize_t n = pp_recv(client, fd, back + got, sizeof back - 1 - got, 0);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    pp_close(client, fd);
    pthread_join(t, NULL);
    pp_vwire_free(w);
    pp_stack_free(client);
    pp_stack_free(server);
    printf("echoed: %s", back);
    return strcmp(back, line) != 0;
}
