/* banner.c - connects to open TCP ports with portplex's own stack and
 * reads what the services say (see banner.h).  The stack's link is the
 * scanner's raw I/O (a raw socket out, a capture in); a driver thread
 * feeds it what the capture sees and runs its timers; workers connect,
 * wait for the service to speak, ask it a question if it does not, and
 * hand the bytes to service.c. */
#include "banner.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "portplex/link.h"
#include "portplex/socket.h"
#include "portplex/stack.h"
#include "portplex/wire/bytes.h"
#include "portplex/wire/checksum.h"
#include "portplex/wire/ipv4.h"

#define GRAB_MAX 2048
#define MORE_MS 250 /* after the first bytes, how long more may follow */

struct pp_scan_banner {
    struct pp_scan_io io;
    struct pp_link link;
    struct pp_link_ops ops;
    struct pp_stack *st;
    pthread_t driver;
    int driving;
    volatile int stop_driver;
    uint32_t src;
    int guard_pipe; /* its closing makes the guard's keeper remove the rule */
    pid_t keeper;
    struct pp_scan_banner_opts o;
    uint8_t rxbuf[65536]; /* one received packet, as big as the capture takes it */

    /* the work list */
    pthread_mutex_t lock;
    struct pp_scan_result *res;
    uint64_t next_host;
    int next_rank;
    volatile int *stop;
};

/* TLS over one of our stack's sockets (banner_tls.c). */
int pp__scan_tls_grab(struct pp_stack *st, int fd, uint16_t port, char *subject, size_t subject_cap,
                      uint8_t *out, size_t cap, int timeout_ms);

static int link_send(struct pp_link *l, const uint8_t *pkt, size_t len)
{
    struct pp_scan_banner *b = l->priv;
    int rc = b->io.send(b->io.ctx, pkt, len);
    return rc < 0 ? rc : 0;
}

/* A capture on the receiving host sees packets that a local sender's
 * checksum offload has not finished (veth, loopback: the field holds only
 * the pseudo-header's sum, the kernel's CHECKSUM_PARTIAL).  The driver
 * finishes the TCP checksum as a NIC driver would before the stack checks
 * it; a segment corrupted on this path is therefore not told apart. */
static void finish_checksum(uint8_t *pkt, size_t len)
{
    size_t hl;
    uint16_t tl;

    if (len < 40 || (pkt[0] >> 4) != 4 || pkt[9] != 6)
        return;
    hl = (size_t)(pkt[0] & 15) * 4;
    tl = pp_get16(pkt + 2);
    if (tl > len || tl < hl + 20)
        return;
    if (pp_csum_finish(pp_csum_add(pp_csum_pseudo(pp_get32(pkt + 12), pp_get32(pkt + 16), 6,
                                                  (uint16_t)(tl - hl)),
                                   pkt + hl, tl - hl)) == 0)
        return; /* already whole */
    pkt[hl + 16] = pkt[hl + 17] = 0;
    pp_put16(pkt + hl + 16, pp_csum_finish(pp_csum_add(pp_csum_pseudo(pp_get32(pkt + 12), pp_get32(pkt + 16), 6,
                                                                      (uint16_t)(tl - hl)),
                                                       pkt + hl, tl - hl)));
}

static void *driver_main(void *arg)
{
    struct pp_scan_banner *b = arg;
    uint8_t *buf = b->rxbuf;

    while (!b->stop_driver) {
        int n = b->io.recv(b->io.ctx, buf, sizeof b->rxbuf, 2);
        if (n > 0) {
            finish_checksum(buf, (size_t)n);
            pp_stack_input(b->st, buf, (size_t)n);
        }
        pp_stack_poll(b->st, pp_now_ms());
    }
    return NULL;
}

/* Runs `nft -f -` with script on its standard input; 0 when it succeeded. */
static int nft(const char *script)
{
    int p[2], status = -1;
    pid_t pid;

    if (pipe(p) < 0)
        return -1;
    pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return -1;
    }
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(p[0], 0);
        if (null >= 0) {
            dup2(null, 1);
            dup2(null, 2);
        }
        close(p[0]);
        close(p[1]);
        execlp("nft", "nft", "-f", "-", (char *)NULL);
        _exit(127);
    }
    close(p[0]);
    if (write(p[1], script, strlen(script)) < 0)
        status = -1;
    close(p[1]);
    if (waitpid(pid, &status, 0) < 0)
        return -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* The kernel guard: the kernel has no socket on our stack's ports and
 * would answer the services' SYN/ACKs with RSTs that end our connections
 * (masscan's users add a firewall rule by hand for the same reason).  A
 * rule drops what comes to those ports before the kernel's TCP sees it
 * (the capture sees it first); a keeper process, forked while we still
 * hold the privilege, removes the rule when our end of its pipe closes -
 * at the end of the scan, or if the scanner dies. */
static int guard(struct pp_scan_banner *b, char *err)
{
    char script[512], a[16];
    int p[2], owner;
    pid_t pid;

    snprintf(script, sizeof script,
             "table ip portplex_banners_%d {\n chain in {\n  type filter hook input priority -300;\n"
             "  ip daddr %s tcp dport %u-%u drop\n }\n}\n",
             (int)getpid(), pp_ipv4_ntoa(b->src, a), b->o.sport_lo, b->o.sport_hi);
    if (nft(script) < 0) {
        snprintf(err, 256, "--banners/-sV need nft (nftables) and CAP_NET_ADMIN to keep the kernel from "
                           "resetting portplex's connections");
        return -1;
    }
    owner = (int)getpid();
    if (pipe(p) < 0 || (pid = fork()) < 0) {
        snprintf(script, sizeof script, "delete table ip portplex_banners_%d\n", (int)getpid());
        nft(script);
        snprintf(err, 256, "cannot start the guard's keeper: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        char c;
        int fd;
        close(p[1]);
        for (fd = 3; fd < 1024; fd++)
            if (fd != p[0])
                close(fd);
        signal(SIGINT, SIG_IGN); /* a Ctrl-C reaches the scanner, which then closes the pipe */
        while (read(p[0], &c, 1) > 0)
            ;
        snprintf(script, sizeof script, "delete table ip portplex_banners_%d\n", owner);
        _exit(nft(script) == 0 ? 0 : 1);
    }
    close(p[0]);
    b->guard_pipe = p[1];
    b->keeper = pid;
    return 0;
}

struct pp_scan_banner *pp_scan_banner_prepare(uint32_t first_target, const struct pp_scan_banner_opts *o,
                                              char *err)
{
    struct pp_scan_banner *b = calloc(1, sizeof *b);
    struct pp_scan_io_opts io;
    struct pp_stack_config sc;
    char filter[96];

    if (!b) {
        snprintf(err, 256, "out of memory");
        return NULL;
    }
    b->guard_pipe = -1;
    pthread_mutex_init(&b->lock, NULL);
    b->o = *o;
    if (!b->o.timeout_ms)
        b->o.timeout_ms = 3000;
    if (!b->o.parallel)
        b->o.parallel = 16;
    if (!b->o.sport_lo) {
        b->o.sport_lo = 61000;
        b->o.sport_hi = 61999;
    }
    memset(&io, 0, sizeof io);
    if (o->io)
        io = *o->io;
    snprintf(filter, sizeof filter, "tcp and dst portrange %u-%u", b->o.sport_lo, b->o.sport_hi);
    io.filter = filter;
    io.immediate = 1; /* the stack's workers send from their own threads */
    if (pp_scan_io_kernel_opts(&b->io, first_target, &io, &b->src, err) < 0) {
        pthread_mutex_destroy(&b->lock);
        free(b);
        return NULL;
    }
    memset(&sc, 0, sizeof sc);
    sc.addr = b->src;
    sc.prefix_len = 32; /* the kernel's routing behind the raw socket decides the way */
    sc.name = "banners";
    sc.ephemeral_min = b->o.sport_lo;
    sc.ephemeral_max = b->o.sport_hi;
    if (!(b->st = pp_stack_new(&sc))) {
        snprintf(err, 256, "cannot make the banner stack");
        pp_scan_banner_close(b);
        return NULL;
    }
    b->ops.send = link_send;
    b->link.ops = &b->ops;
    b->link.mtu = 1500;
    b->link.priv = b;
    pp_stack_attach(b->st, &b->link);
    if (guard(b, err) < 0) {
        pp_scan_banner_close(b);
        return NULL;
    }
    return b;
}

/* Reads into out[*got..cap) until the first bytes arrive (up to wait_ms),
 * then for as long as more keep coming within MORE_MS. */
static void read_some(struct pp_stack *st, int fd, uint8_t *out, size_t cap, size_t *got, int wait_ms)
{
    int tmo = wait_ms;
    while (*got < cap) {
        ssize_t n;
        pp_setsockopt(st, fd, PP_SO_RCVTIMEO, &tmo, sizeof tmo);
        n = pp_recv(st, fd, out + *got, cap - *got, 0);
        if (n <= 0)
            return;
        *got += (size_t)n;
        tmo = MORE_MS;
    }
}

/* One port: connect, listen, ask, read. */
static void grab(struct pp_scan_banner *b, struct pp_scan_host *hs, int rank, uint16_t port,
                 struct pp_scan_svc *svc)
{
    struct sockaddr_in to;
    uint8_t data[GRAB_MAX];
    char subject[160], q[64];
    size_t got = 0, ql;
    int fd = pp_socket(b->st, PP_SOCK_STREAM), tmo = b->o.timeout_ms, tls = 0;

    memset(svc, 0, sizeof *svc);
    svc->rank = rank;
    if (fd < 0)
        return;
    memset(&to, 0, sizeof to);
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(hs->addr);
    to.sin_port = htons(port);
    pp_setsockopt(b->st, fd, PP_SO_RCVTIMEO, &tmo, sizeof tmo);
    if (pp_connect(b->st, fd, (struct sockaddr *)&to, sizeof to) < 0) {
        pp_close(b->st, fd);
        return;
    }
    if (pp_scan_svc_tls_port(port)) {
        int n = pp__scan_tls_grab(b->st, fd, port, subject, sizeof subject, data, sizeof data, b->o.timeout_ms);
        tls = n >= 0;
        got = n > 0 ? (size_t)n : 0;
    } else {
        /* Services that speak first (ssh, smtp, ftp, pop3, imap, mysql)
         * have a second or two; the rest are asked. */
        read_some(b->st, fd, data, sizeof data, &got, b->o.timeout_ms < 2000 ? b->o.timeout_ms : 2000);
        if (got == 0 && (ql = pp_scan_svc_probe(port, q, sizeof q)) > 0 &&
            pp_send(b->st, fd, q, ql, 0) == (ssize_t)ql)
            read_some(b->st, fd, data, sizeof data, &got, b->o.timeout_ms);
    }
    pp_close(b->st, fd);
    if (got || tls)
        pp_scan_svc_match(port, data, got, tls ? subject : NULL, svc);
}

static void *worker(void *arg)
{
    struct pp_scan_banner *b = arg;
    struct pp_scan_result *res = b->res;

    for (;;) {
        struct pp_scan_host *hs;
        struct pp_scan_svc svc, *grown;
        int rank;

        pthread_mutex_lock(&b->lock);
        /* The next open TCP port of any host. */
        for (;;) {
            if (b->next_host >= res->nhosts || (b->stop && *b->stop)) {
                pthread_mutex_unlock(&b->lock);
                return NULL;
            }
            hs = &res->hosts[b->next_host];
            if (hs->state && b->next_rank < res->ntcp) {
                rank = b->next_rank++;
                if (hs->state[rank] == PP_PS_OPEN)
                    break;
                continue;
            }
            b->next_host++;
            b->next_rank = 0;
        }
        pthread_mutex_unlock(&b->lock);
        grab(b, hs, rank, res->port_of[rank], &svc);
        if (!svc.name[0] && !svc.banner[0])
            continue;
        pthread_mutex_lock(&b->lock);
        grown = realloc(hs->svc, (size_t)(hs->nsvc + 1) * sizeof *hs->svc);
        if (grown) {
            hs->svc = grown;
            hs->svc[hs->nsvc++] = svc;
        }
        pthread_mutex_unlock(&b->lock);
    }
}

int pp_scan_banner_run(struct pp_scan_banner *b, struct pp_scan_result *res, volatile int *stop, char *err)
{
    pthread_t *w;
    int i, started = 0;

    b->res = res;
    b->stop = stop;
    b->next_host = 0;
    b->next_rank = 0;
    b->stop_driver = 0;
    if (pthread_create(&b->driver, NULL, driver_main, b) != 0) {
        snprintf(err, 256, "cannot start the banner stack's driver");
        return -1;
    }
    b->driving = 1;
    if (!(w = calloc((size_t)b->o.parallel, sizeof *w))) {
        snprintf(err, 256, "out of memory");
        return -1;
    }
    for (i = 0; i < b->o.parallel; i++)
        if (pthread_create(&w[i], NULL, worker, b) == 0)
            w[started++] = w[i];
    for (i = 0; i < started; i++)
        pthread_join(w[i], NULL);
    free(w);
    /* Let the closes finish (FIN, ACK) before the stack goes. */
    usleep(100000);
    return started ? 0 : -1;
}

const struct pp_scan_svc *pp_scan_svc_of(const struct pp_scan_host *hs, int rank)
{
    int i;
    for (i = 0; i < hs->nsvc; i++)
        if (hs->svc[i].rank == rank)
            return &hs->svc[i];
    return NULL;
}

void pp_scan_banner_close(struct pp_scan_banner *b)
{
    if (!b)
        return;
    if (b->driving) {
        b->stop_driver = 1;
        pthread_join(b->driver, NULL);
    }
    pp_stack_free(b->st);
    b->io.close(b->io.ctx);
    if (b->guard_pipe >= 0) {
        close(b->guard_pipe);
        waitpid(b->keeper, NULL, 0);
    }
    pthread_mutex_destroy(&b->lock);
    free(b);
}
