/* socketpair_link.c - bring your own link: two processes, each with its
 * own portplex stack, joined by a Unix socketpair that carries raw IPv4
 * packets.  The link is a struct pp_link whose send() writes one packet to
 * the socket; each process drives its stack itself, in one thread: it
 * hands what it reads to pp_stack_input and sleeps in poll(2) until the
 * next packet or the deadline pp_stack_poll returns.  The child serves TCP
 * echo on port 7; the parent connects, sends, and checks the echo.  Uses
 * only <portplex/...>.
 *
 *   cc socketpair_link.c $(pkg-config --cflags --libs portplex) -o socketpair_link
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <portplex/link.h>
#include <portplex/socket.h>
#include <portplex/stack.h>

#define SERVER_ADDR 0x0a010001u /* 10.1.0.1 */
#define CLIENT_ADDR 0x0a010002u /* 10.1.0.2 */

/* The link: one packet per datagram on a SOCK_SEQPACKET socket. */
static int pair_send(struct pp_link *l, const uint8_t *pkt, size_t len)
{
    int fd = *(int *)l->priv;
    return send(fd, pkt, len, MSG_DONTWAIT) < 0 ? -errno : 0;
}
static const struct pp_link_ops pair_ops = {.send = pair_send};

/* One turn of the driver: waits at most until the stack's next deadline
 * (or max_ms) for a packet, hands over what arrived, runs the timers. */
static void drive(struct pp_stack *st, int fd, int max_ms)
{
    uint64_t now = pp_now_ms(), next = pp_stack_poll(st, now);
    int wait = next == UINT64_MAX || next - now > (uint64_t)max_ms ? max_ms : (int)(next - now);
    struct pollfd p = {.fd = fd, .events = POLLIN};
    uint8_t pkt[2048];
    ssize_t n;

    if (poll(&p, 1, wait) > 0)
        while ((n = recv(fd, pkt, sizeof pkt, MSG_DONTWAIT)) > 0)
            pp_stack_input(st, pkt, (size_t)n);
    pp_stack_poll(st, pp_now_ms());
}

static struct sockaddr_in endpoint(uint32_t addr, uint16_t port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(addr);
    a.sin_port = htons(port);
    return a;
}

static struct pp_stack *host(uint32_t addr, const char *name, struct pp_link *link, int *fd)
{
    struct pp_stack_config c = {.addr = addr, .prefix_len = 24, .name = name};
    struct pp_stack *st = pp_stack_new(&c);
    link->ops = &pair_ops;
    link->mtu = 1500;
    link->priv = fd;
    if (st)
        pp_stack_attach(st, link);
    return st;
}

static int server(int fd)
{
    struct pp_link link;
    struct pp_stack *st = host(SERVER_ADDR, "server", &link, &fd);
    struct sockaddr_in any = endpoint(0, 7);
    char buf[512];
    int lfd, cfd = -1, done = 0;

    lfd = pp_socket(st, PP_SOCK_STREAM | PP_SOCK_NONBLOCK);
    if (pp_bind(st, lfd, (struct sockaddr *)&any, sizeof any) < 0 || pp_listen(st, lfd, 4) < 0)
        return 1;
    while (!done) {
        ssize_t n;
        drive(st, fd, 100);
        if (cfd < 0)
            cfd = pp_accept(st, lfd, NULL, NULL);
        if (cfd < 0)
            continue;
        /* An accepted socket blocks, as on Linux: ask each call not to. */
        while ((n = pp_recv(st, cfd, buf, sizeof buf, PP_MSG_DONTWAIT)) > 0)
            pp_send(st, cfd, buf, (size_t)n, PP_MSG_DONTWAIT);
        if (n == 0) { /* the client closed: close too, let the FIN go out */
            pp_close(st, cfd);
            done = 1;
        }
    }
    for (int i = 0; i < 5; i++)
        drive(st, fd, 20);
    pp_stack_free(st);
    return 0;
}

static int client(int fd)
{
    struct pp_link link;
    struct pp_stack *st = host(CLIENT_ADDR, "client", &link, &fd);
    struct sockaddr_in to = endpoint(SERVER_ADDR, 7);
    const char *line = "hello over a link of our own\n";
    char back[64] = "";
    size_t got = 0;
    int s = pp_socket(st, PP_SOCK_STREAM | PP_SOCK_NONBLOCK), sent = 0, rc, turns;

    rc = pp_connect(st, s, (struct sockaddr *)&to, sizeof to);
    if (rc < 0 && rc != -EINPROGRESS)
        return 1;
    for (turns = 0; turns < 500 && got < strlen(line); turns++) {
        ssize_t n;
        drive(st, fd, 10);
        if (!sent && pp_send(st, s, line, strlen(line), 0) > 0)
            sent = 1; /* -EAGAIN/-ENOTCONN until the handshake is done */
        n = pp_recv(st, s, back + got, sizeof back - 1 - got, 0);
        if (n > 0)
            got += (size_t)n;
    }
    pp_close(st, s);
    for (int i = 0; i < 5; i++)
        drive(st, fd, 20);
    pp_stack_free(st);
    printf("echoed: %s", back);
    return strcmp(back, line) != 0;
}

int main(void)
{
    int sv[2], status = 1, rc;
    pid_t pid;

    if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0) {
        perror("socketpair");
        return 1;
    }
    pid = fork();
    if (pid < 0) {
        perror("fork");
        return 1;
    }
    if (pid == 0) {
        close(sv[0]);
        _exit(server(sv[1]));
    }
    close(sv[1]);
    rc = client(sv[0]);
    close(sv[0]);
    waitpid(pid, &status, 0);
    return rc || !WIFEXITED(status) || WEXITSTATUS(status);
}
