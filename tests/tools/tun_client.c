/* tun_client.c - a TCP client built on libportplex, for interop tests
 * against the kernel's servers: it opens a TUN device (the kernel side gets
 * the first address of the prefix), connects from ADDR to SERVER:PORT, and
 * either sends an HTTP GET and writes the whole response to OUT, or sends
 * the bytes of a file and closes.
 *   tun_client IF ADDR/PREFIX SERVER PORT get PATH OUT
 *   tun_client IF ADDR/PREFIX SERVER PORT send FILE */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portplex/tun.h"
#include "portplex/socket.h"
#include "portplex/stack.h"
#include "portplex/wire/ipv4.h"

static volatile sig_atomic_t stop;
static struct pp_tun *tun;
static struct pp_stack *st;

static void *driver(void *arg)
{
    (void)arg;
    pp_tun_run(tun, st, &stop);
    return NULL;
}

int main(int argc, char **argv)
{
    struct pp_stack_config cfg;
    struct sockaddr_in to;
    uint32_t addr, server;
    char err[256], *slash;
    pthread_t th;
    int fd, rc = 1, prefix;
    static char buf[65536];

    if (argc < 7 || (strcmp(argv[5], "get") == 0 && argc != 8)) {
        fprintf(stderr, "usage: tun_client IF ADDR/PREFIX SERVER PORT get PATH OUT | send FILE\n");
        return 2;
    }
    slash = strchr(argv[2], '/');
    if (!slash || (*slash = 0, pp_ipv4_aton(argv[2], &addr) < 0) ||
        pp_ipv4_aton(argv[3], &server) < 0) {
        fprintf(stderr, "tun_client: bad address\n");
        return 2;
    }
    prefix = atoi(slash + 1);
    memset(&cfg, 0, sizeof cfg);
    cfg.addr = addr;
    cfg.prefix_len = (uint8_t)prefix;
    cfg.name = "client";
    st = pp_stack_new(&cfg);
    tun = pp_tun_open(argv[1], server, (uint8_t)prefix, 1500, err);
    if (!st || !tun) {
        fprintf(stderr, "tun_client: %s\n", tun ? "stack" : err);
        return 1;
    }
    pp_stack_attach(st, pp_tun_link(tun));
    pthread_create(&th, NULL, driver, NULL);
    fd = pp_socket(st, PP_SOCK_STREAM);
    memset(&to, 0, sizeof to);
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(server);
    to.sin_port = htons((uint16_t)atoi(argv[4]));
    if ((rc = pp_connect(st, fd, (struct sockaddr *)&to, sizeof to)) < 0) {
        fprintf(stderr, "tun_client: connect: %s\n", strerror(-rc));
        rc = 1;
        goto out;
    }
    if (strcmp(argv[5], "get") == 0) {
        FILE *out = fopen(argv[7], "wb");
        ssize_t n;
        int len = snprintf(buf, sizeof buf, "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n", argv[6], argv[3]);
        if (!out || pp_send(st, fd, buf, (size_t)len, 0) != len) {
            fprintf(stderr, "tun_client: send failed\n");
            goto out;
        }
        while ((n = pp_recv(st, fd, buf, sizeof buf, 0)) > 0)
            fwrite(buf, 1, (size_t)n, out);
        fclose(out);
        rc = n < 0 ? 1 : 0;
        if (n < 0)
            fprintf(stderr, "tun_client: recv: %s\n", strerror((int)-n));
    } else {
        FILE *in = fopen(argv[6], "rb");
        size_t n;
        rc = in ? 0 : 1;
        while (in && (n = fread(buf, 1, sizeof buf, in)) > 0)
            if (pp_send(st, fd, buf, n, 0) != (ssize_t)n) {
                rc = 1;
                break;
            }
        if (in)
            fclose(in);
        pp_shutdown(st, fd, PP_SHUT_WR);
        while (pp_recv(st, fd, buf, sizeof buf, 0) > 0) /* wait for the server's FIN */
            ;
    }
out:
    pp_close(st, fd);
    stop = 1;
    pthread_join(th, NULL);
    pp_stack_attach(st, NULL);
    pp_tun_close(tun);
    pp_stack_free(st);
    return rc;
}
