/* pd_harness.c - drives libportplex-packetdrill.so the way packetdrill's
 * in-process mode does (dlopen, packetdrill_interface_init with its flags
 * string, socket calls, netdev_send/netdev_receive, the warp clock), playing
 * a server script step by step.  packetdrill itself is not in Debian, so
 * this is the test of the shim's contract that CI can run.
 *   pd_harness PATH/libportplex-packetdrill.so */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "packetdrill/pd_interface.h"
#include "portplex/wire/ipv4.h"
#include "portplex/wire/tcp.h"

#define CHECK(c)                                                                         \
    do {                                                                                 \
        if (!(c)) {                                                                      \
            fprintf(stderr, "pd_harness: line %d: %s failed (errno %d)\n", __LINE__, #c, errno); \
            exit(1);                                                                     \
        }                                                                                \
    } while (0)

static struct packetdrill_interface ifc;
#define LOCAL 0xc0a80001u  /* 192.168.0.1 */
#define REMOTE 0xc0000201u /* 192.0.2.1 */

/* Sends a TCP segment from REMOTE:50000 to LOCAL:8080 through netdev_send. */
static void inject(uint32_t seq, uint32_t ack, uint16_t flags, const char *data, int syn_opts)
{
    uint8_t pkt[200];
    struct pp_ipv4_hdr ip;
    struct pp_tcp_hdr t;
    size_t n = data ? strlen(data) : 0;
    int hl;

    memset(&t, 0, sizeof t);
    t.sport = 50000;
    t.dport = 8080;
    t.seq = seq;
    t.ack = ack;
    t.flags = flags;
    t.window = 32792;
    if (syn_opts) {
        t.opts.has_mss = 1;
        t.opts.mss = 1000;
        t.opts.sack_perm = 1;
        t.opts.has_wscale = 1;
        t.opts.wscale = 7;
    }
    hl = (int)pp_tcp_repr_len(&t);
    memcpy(pkt + 20 + hl, data ? data : "", n);
    pp_tcp_emit(pkt + 20, sizeof pkt - 20, &t, n, REMOTE, LOCAL);
    memset(&ip, 0, sizeof ip);
    ip.total_len = (uint16_t)(20 + hl + n);
    ip.ttl = 64;
    ip.proto = PP_IP_PROTO_TCP;
    ip.src = REMOTE;
    ip.dst = LOCAL;
    pp_ipv4_emit(pkt, 20, &ip, 0);
    CHECK(ifc.netdev_send(ifc.userdata, pkt, 20 + (size_t)hl + n) == 0);
}

/* The next outbound segment, parsed; its timestamp in *usecs. */
static struct pp_tcp_hdr expect(long long *usecs)
{
    static uint8_t buf[65536];
    size_t n = sizeof buf;
    struct pp_ipv4_hdr ip;
    struct pp_tcp_hdr t;
    int rc;

    do
        rc = ifc.netdev_receive(ifc.userdata, buf, &n, usecs);
    while (rc == -1);
    CHECK(rc == 0 && n > 0);
    CHECK(pp_ipv4_parse(buf, n, &ip, 0) == 20);
    CHECK(ip.src == LOCAL && ip.dst == REMOTE && ip.proto == PP_IP_PROTO_TCP);
    CHECK(pp_tcp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &t, 0) > 0);
    memmove(buf, t.payload, t.payload_len); /* keep the payload readable */
    t.payload = buf;
    return t;
}

int main(int argc, char **argv)
{
    void (*init)(const char *, struct packetdrill_interface *);
    struct sockaddr_in a, peer;
    socklen_t pl = sizeof peer;
    struct timeval tv0, tv1;
    struct pp_tcp_hdr t;
    long long t_data, t_rtx;
    char buf[64];
    int fd, cfd, one = 1;
    void *so;

    if (argc != 2) {
        fprintf(stderr, "usage: pd_harness LIB.so\n");
        return 2;
    }
    so = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    CHECK(so != NULL);
    *(void **)&init = dlsym(so, "packetdrill_interface_init");
    CHECK(init != NULL);
    init("ip_version=ipv4,local_ip=192.168.0.1,remote_ip=192.0.2.1,gateway_ip=192.168.0.1,"
         "netmask_ip=255.255.0.0,mtu=1500",
         &ifc);
    /* Every entry is filled: packetdrill NULL-checks none of them. */
    {
        void **p = (void **)&ifc.free, **end = (void **)(&ifc.splice + 1);
        for (; p < end; p++)
            CHECK(*p != NULL);
    }
    CHECK(ifc.gettimeofday(ifc.userdata, &tv0, NULL) == 0);

    /* 0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3: a real host descriptor. */
    fd = ifc.socket(ifc.userdata, AF_INET, SOCK_STREAM, IPPROTO_TCP);
    CHECK(fd >= 0 && fcntl(fd, F_GETFD) >= 0);
    CHECK(ifc.setsockopt(ifc.userdata, fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(8080);
    a.sin_addr.s_addr = htonl(LOCAL);
    CHECK(ifc.bind(ifc.userdata, fd, (struct sockaddr *)&a, sizeof a) == 0);
    CHECK(ifc.listen(ifc.userdata, fd, 1) == 0);

    /* +0 < S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 7>
     * +0 > S. 0:0(0) ack 1 <...> */
    inject(0, 0, PP_TCP_SYN, NULL, 1);
    t = expect(&t_data);
    CHECK(t.flags == (PP_TCP_SYN | PP_TCP_ACK) && t.ack == 1 && t.opts.has_mss &&
          t.opts.sack_perm && t.opts.has_wscale);
    /* +.1 < . 1:1(0) ack 1 win 257; accept(3, ..., ...) = 4 */
    inject(1, t.seq + 1, PP_TCP_ACK, NULL, 0);
    cfd = ifc.accept(ifc.userdata, fd, (struct sockaddr *)&peer, &pl);
    CHECK(cfd >= 0 && fcntl(cfd, F_GETFD) >= 0);
    CHECK(peer.sin_addr.s_addr == htonl(REMOTE) && peer.sin_port == htons(50000));
    {
        uint32_t iss = t.seq;
        /* +0 < P. 1:6(5) ack 1; read(4, ..., 5) = 5 */
        inject(1, iss + 1, PP_TCP_ACK | PP_TCP_PSH, "hello", 0);
        CHECK(ifc.read(ifc.userdata, cfd, buf, sizeof buf) == 5 && memcmp(buf, "hello", 5) == 0);
        /* +0 write(4, ..., 10) = 10; +0 > P. 1:11(10) ack 6 */
        CHECK(ifc.write(ifc.userdata, cfd, "0123456789", 10) == 10);
        do /* the ACK of "hello" may come first (sub-MSS data is ACKed at once) */
            t = expect(&t_data);
        while (t.payload_len == 0 && t.flags == PP_TCP_ACK);
        CHECK(t.seq == iss + 1 && t.ack == 6 && t.payload_len == 10 &&
              memcmp(t.payload, "0123456789", 10) == 0);
        /* No ACK comes: the shim must run the clock forward itself and
         * hand over the retransmission, stamped about one RTO later. */
        t = expect(&t_rtx);
        CHECK(t.seq == iss + 1 && t.payload_len == 10);
        CHECK(t_rtx - t_data >= 190000);
        /* < . 6:6(0) ack 11, then FIN from the peer: read() = 0. */
        inject(6, iss + 11, PP_TCP_ACK, NULL, 0);
        inject(6, iss + 11, PP_TCP_ACK | PP_TCP_FIN, NULL, 0);
        CHECK(ifc.read(ifc.userdata, cfd, buf, sizeof buf) == 0);
    }
    /* usleep warps the clock without sleeping. */
    CHECK(ifc.usleep(ifc.userdata, 2000000) == 0);
    CHECK(ifc.gettimeofday(ifc.userdata, &tv1, NULL) == 0);
    CHECK(tv1.tv_sec - tv0.tv_sec >= 2);
    /* Errors come back as syscalls do: -1 and errno. */
    errno = 0;
    CHECK(ifc.listen(ifc.userdata, 999, 1) == -1 && errno == EBADF);
    CHECK(ifc.close(ifc.userdata, cfd) == 0);
    CHECK(ifc.close(ifc.userdata, fd) == 0);
    ifc.free(ifc.userdata);
    printf("PASS: handshake, accept, read, write, retransmission on the warp clock, FIN\n");
    return 0;
}
