/* fuzz_stack.c - libFuzzer target: whole-stack ingress.  Arbitrary bytes are
 * split into packets and fed to a stack with a bound and a connected UDP
 * socket and a pending fragment; whatever happens must not crash or leak. */
#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include "portplex/link.h"
#include "portplex/socket.h"
#include "portplex/stack.h"

static int null_send(struct pp_link *l, const uint8_t *pkt, size_t len)
{
    (void)l;
    (void)pkt;
    (void)len;
    return 0;
}
static const struct pp_link_ops null_ops = {.send = null_send};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pp_stack_config cfg;
    struct pp_link link = {.ops = &null_ops, .mtu = 1500};
    struct pp_stack *st;
    struct sockaddr_in a;
    char buf[2048];
    int fd, cfd;
    /* A first fragment of id 9 that input may complete or overlap. */
    static const uint8_t frag[] = {0x45, 0, 0, 36, 0, 9, 0x20, 0, 64, 17, 0, 0, 192, 0, 2, 1,
                                   192, 0, 2, 2, 0x9c, 0x40, 0, 7, 0, 40, 0, 0, 1, 2, 3, 4,
                                   5, 6, 7, 8};

    memset(&cfg, 0, sizeof cfg);
    cfg.addr = 0xc0000202u;
    cfg.prefix_len = 24;
    st = pp_stack_new(&cfg);
    if (!st)
        return 0;
    pp_stack_attach(st, &link);
    fd = pp_socket(st, PP_SOCK_DGRAM | PP_SOCK_NONBLOCK);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(7);
    pp_bind(st, fd, (struct sockaddr *)&a, sizeof a);
    cfd = pp_socket(st, PP_SOCK_DGRAM | PP_SOCK_NONBLOCK);
    a.sin_addr.s_addr = htonl(0xc0000201u);
    a.sin_port = htons(53);
    pp_connect(st, cfd, (struct sockaddr *)&a, sizeof a);
    pp_stack_input(st, frag, sizeof frag);
    /* Packets are separated by two-byte big-endian lengths. */
    while (size >= 2) {
        size_t n = (size_t)(data[0] << 8 | data[1]);
        data += 2;
        size -= 2;
        if (n > size)
            n = size;
        pp_stack_input(st, data, n);
        data += n;
        size -= n;
    }
    while (pp_recv(st, fd, buf, sizeof buf, 0) >= 0)
        ;
    pp_recv(st, cfd, buf, sizeof buf, 0);
    pp_stack_poll(st, pp_now_ms() + 60000); /* expire reassembly */
    pp_stack_free(st);
    return 0;
}
