/* io_kernel.c - scanner I/O on the kernel: a raw socket (IP_HDRINCL) to
 * send our own packets and libpcap (TPACKET ring on the "any" device, with
 * a BPF filter) to receive answers. */
#include "io.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "portplex/wire/bytes.h"

#define BATCH 64        /* probes handed to the kernel in one sendmmsg */
#define BATCH_PKT 1600  /* the largest probe (--data-length included) */

struct kio {
    int raw;
    pcap_t *pc;
    int dlt, pfd;
    /* Probes queued for one sendmmsg(2): the engine sends a window's
     * worth, then reads; the queue goes out before every read, when full,
     * and at the end, so no probe waits longer than the engine's next
     * read (one system call per burst instead of per probe). */
    int nb;
    int immediate;  /* pp_scan_io_opts.immediate: no batch, no second sender */
    int connected;  /* the raw socket is connected to peer: the kernel keeps its route */
    uint32_t peer;
    /* A second sender on another core: a veth or loopback peer's work for
     * each probe (its RST or SYN/ACK) runs in the sender's softirq, so two
     * senders use both cores where one leaves the second idle. */
    int raw2;
    pthread_t helper;
    int helper_on;
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    int job_from, job_to, job_busy, job_rc, stop;
    struct mmsghdr msg[BATCH];
    struct iovec iov[BATCH];
    struct sockaddr_in to[BATCH];
    uint8_t pkt[BATCH][BATCH_PKT];
};

/* Sends what is queued.  A full socket buffer (ENOBUFS) is waited out
 * briefly; probes the kernel still refuses are dropped, and the engine's
 * timeouts resend them as they would a probe lost on the wire. */
static int send_range(int fd, struct mmsghdr *msg, int from, int to)
{
    int done = from, tries = 0;

    while (done < to) {
        int n = sendmmsg(fd, msg + done, (unsigned)(to - done), 0);
        if (n > 0) {
            done += n;
            continue;
        }
        if (n < 0 && (errno == ENOBUFS || errno == EAGAIN) && ++tries < 20) {
            struct pollfd p = {fd, POLLOUT, 0};
            poll(&p, 1, 1);
            continue;
        }
        if (n < 0 && errno != ENOBUFS && errno != EAGAIN)
            return -errno;
        break;
    }
    return 0;
}

static void *helper_main(void *arg)
{
    struct kio *k = arg;

    pthread_mutex_lock(&k->mu);
    for (;;) {
        while (!k->job_busy && !k->stop)
            pthread_cond_wait(&k->go, &k->mu);
        if (k->stop)
            break;
        pthread_mutex_unlock(&k->mu);
        k->job_rc = send_range(k->raw2, k->msg, k->job_from, k->job_to);
        pthread_mutex_lock(&k->mu);
        k->job_busy = 0;
        pthread_cond_signal(&k->done);
    }
    pthread_mutex_unlock(&k->mu);
    return NULL;
}

#define SPLIT_MIN 16 /* smaller bursts go out on one core */

static int k_flush(struct kio *k)
{
    int rc, rc2 = 0, half;

    if (k->raw2 >= 0 && !k->helper_on && k->nb >= SPLIT_MIN) {
        pthread_mutex_init(&k->mu, NULL);
        pthread_cond_init(&k->go, NULL);
        pthread_cond_init(&k->done, NULL);
        if (pthread_create(&k->helper, NULL, helper_main, k) == 0)
            k->helper_on = 1;
        else
            k->helper_on = -1;
    }
    if (k->helper_on == 1 && k->nb >= SPLIT_MIN) {
        half = k->nb / 2;
        pthread_mutex_lock(&k->mu);
        k->job_from = half;
        k->job_to = k->nb;
        k->job_busy = 1;
        pthread_cond_signal(&k->go);
        pthread_mutex_unlock(&k->mu);
        rc = send_range(k->raw, k->msg, 0, half);
        pthread_mutex_lock(&k->mu);
        while (k->job_busy)
            pthread_cond_wait(&k->done, &k->mu);
        rc2 = k->job_rc;
        pthread_mutex_unlock(&k->mu);
    } else {
        rc = send_range(k->raw, k->msg, 0, k->nb);
    }
    k->nb = 0;
    return rc < 0 ? rc : rc2;
}

static int k_send(void *ctx, const uint8_t *pkt, size_t len)
{
    struct kio *k = ctx;
    int i = k->nb;

    if (len > BATCH_PKT || len < 20)
        return -EINVAL;
    if (k->immediate) { /* no shared queue: safe from any thread */
        struct sockaddr_in to;
        memset(&to, 0, sizeof to);
        to.sin_family = AF_INET;
        memcpy(&to.sin_addr, pkt + 16, 4);
        if (sendto(k->raw, pkt, len, 0, (struct sockaddr *)&to, sizeof to) < 0)
            return errno == ENOBUFS || errno == EAGAIN ? -ENOBUFS : -errno;
        return 0;
    }
    memcpy(k->pkt[i], pkt, len);
    memset(&k->to[i], 0, sizeof k->to[i]);
    k->to[i].sin_family = AF_INET;
    memcpy(&k->to[i].sin_addr, pkt + 16, 4);
    k->iov[i].iov_base = k->pkt[i];
    k->iov[i].iov_len = len;
    memset(&k->msg[i], 0, sizeof k->msg[i]);
    if (!k->connected || k->to[i].sin_addr.s_addr != htonl(k->peer)) {
        k->msg[i].msg_hdr.msg_name = &k->to[i];
        k->msg[i].msg_hdr.msg_namelen = sizeof k->to[i];
    }
    k->msg[i].msg_hdr.msg_iov = &k->iov[i];
    k->msg[i].msg_hdr.msg_iovlen = 1;
    k->nb++;
    return k->nb == BATCH ? k_flush(k) : 0;
}

/* The IPv4 packet inside a cooked-capture frame, or NULL (outgoing copies,
 * other protocols). */
static const uint8_t *ip_of(const struct kio *k, const uint8_t *f, uint32_t caplen, size_t *len)
{
    size_t hl;
    uint16_t proto;
    int outgoing;

    if (k->dlt == DLT_LINUX_SLL) {
        if (caplen < 16)
            return NULL;
        outgoing = pp_get16(f) == 4; /* PACKET_OUTGOING */
        proto = pp_get16(f + 14);
        hl = 16;
    } else if (k->dlt == DLT_LINUX_SLL2) {
        if (caplen < 20)
            return NULL;
        proto = pp_get16(f);
        outgoing = f[10] == 4;
        hl = 20;
    } else if (k->dlt == DLT_EN10MB) { /* -e on an Ethernet-like device; direction set to in */
        if (caplen < 14)
            return NULL;
        proto = pp_get16(f + 12);
        hl = 14;
        if (proto == 0x8100 && caplen >= 18) { /* one VLAN tag */
            proto = pp_get16(f + 16);
            hl = 18;
        }
        outgoing = 0;
    } else if (k->dlt == DLT_RAW || k->dlt == DLT_IPV4) { /* -e on a TUN device */
        if (caplen < 1 || (f[0] >> 4) != 4)
            return NULL;
        proto = 0x0800;
        hl = 0;
        outgoing = 0;
    } else {
        return NULL;
    }
    if (outgoing || proto != 0x0800)
        return NULL;
    *len = caplen - hl;
    return f + hl;
}

static int k_recv(void *ctx, uint8_t *buf, size_t cap, int timeout_ms)
{
    struct kio *k = ctx;
    int waited = 0;

    if (k->nb && k_flush(k) < 0)
        return -EIO;

    for (;;) {
        struct pcap_pkthdr *hdr;
        const u_char *data;
        int rc = pcap_next_ex(k->pc, &hdr, &data);
        if (rc == 1) {
            size_t n;
            const uint8_t *ip = ip_of(k, data, hdr->caplen, &n);
            if (!ip)
                continue;
            if (n > cap)
                n = cap;
            memcpy(buf, ip, n);
            return (int)n;
        }
        if (rc < 0)
            return -EIO;
        if (waited || timeout_ms <= 0)
            return 0;
        {
            struct pollfd p = {k->pfd, POLLIN, 0};
            if (poll(&p, 1, timeout_ms) <= 0)
                return 0;
        }
        waited = 1;
    }
}

static void k_close(void *ctx)
{
    struct kio *k = ctx;
    if (!k)
        return;
    if (k->nb && k->raw >= 0)
        k_flush(k);
    if (k->helper_on == 1) {
        pthread_mutex_lock(&k->mu);
        k->stop = 1;
        pthread_cond_signal(&k->go);
        pthread_mutex_unlock(&k->mu);
        pthread_join(k->helper, NULL);
    }
    if (k->pc)
        pcap_close(k->pc);
    if (k->raw >= 0)
        close(k->raw);
    if (k->raw2 >= 0)
        close(k->raw2);
    free(k);
}

int pp_scan_io_kernel(struct pp_scan_io *io, uint32_t first_target, uint32_t *src, char *err)
{
    struct pp_scan_io_opts o = {NULL, 0, NULL, 0};
    return pp_scan_io_kernel_opts(io, first_target, &o, src, err);
}

int pp_scan_io_kernel_opts(struct pp_scan_io *io, uint32_t first_target, const struct pp_scan_io_opts *o,
                           uint32_t *src, char *err)
{
    struct kio *k = calloc(1, sizeof *k);
    char ebuf[PCAP_ERRBUF_SIZE], filter[160], a[INET_ADDRSTRLEN];
    struct bpf_program prog;
    struct sockaddr_in sin;
    socklen_t sl = sizeof sin;
    int u, e;

    if (!k) {
        snprintf(err, 256, "out of memory");
        return -ENOMEM;
    }
    k->raw = k->raw2 = -1;
    k->immediate = o->immediate;
    if (o->iface && (strlen(o->iface) >= IFNAMSIZ || if_nametoindex(o->iface) == 0)) {
        snprintf(err, 256, "-e: no interface '%.40s' on this host", o->iface);
        k_close(k);
        return -ENODEV;
    }
    /* Our source address: the one the kernel's routing picks for the target
     * (through -e's interface if given), unless -S names one. */
    u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (u >= 0 && o->iface)
        setsockopt(u, SOL_SOCKET, SO_BINDTODEVICE, o->iface, (socklen_t)strlen(o->iface));
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons(9);
    sin.sin_addr.s_addr = htonl(first_target);
    if (u < 0 || connect(u, (struct sockaddr *)&sin, sizeof sin) < 0 ||
        getsockname(u, (struct sockaddr *)&sin, &sl) < 0) {
        e = errno;
        snprintf(err, 256, "no route to the target: %s", strerror(e));
        if (u >= 0)
            close(u);
        k_close(k);
        return -e;
    }
    close(u);
    if (o->spoof)
        sin.sin_addr.s_addr = htonl(o->spoof);
    *src = ntohl(sin.sin_addr.s_addr);
    k->raw = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
    if (k->raw < 0) {
        e = errno;
        snprintf(err, 256, "raw socket: %s", strerror(e));
        k_close(k);
        return -e;
    }
    /* Connected to the first target, the raw socket keeps the route it
     * found (no lookup per probe); other targets are still named per send. */
    {
        struct sockaddr_in t;
        memset(&t, 0, sizeof t);
        t.sin_family = AF_INET;
        t.sin_addr.s_addr = htonl(first_target);
        if (connect(k->raw, (struct sockaddr *)&t, sizeof t) == 0) {
            k->connected = 1;
            k->peer = first_target;
        }
        /* The second sender's socket, the same way (opened while we may). */
        k->raw2 = o->immediate ? -1 : socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
        if (k->raw2 >= 0 && ((k->connected && connect(k->raw2, (struct sockaddr *)&t, sizeof t) < 0) ||
                             (o->iface && setsockopt(k->raw2, SOL_SOCKET, SO_BINDTODEVICE, o->iface,
                                                     (socklen_t)strlen(o->iface)) < 0) ||
                             sysconf(_SC_NPROCESSORS_ONLN) < 2)) {
            close(k->raw2);
            k->raw2 = -1;
        }
    }
    if (o->iface && setsockopt(k->raw, SOL_SOCKET, SO_BINDTODEVICE, o->iface, (socklen_t)strlen(o->iface)) < 0) {
        e = errno;
        snprintf(err, 256, "-e %.40s: %s", o->iface, strerror(e));
        k_close(k);
        return -e;
    }
    k->pc = pcap_create(o->iface ? o->iface : "any", ebuf);
    /* Probes' answers fit in 256 bytes; a stack reading whole segments
     * (the banners' filter) needs them whole. */
    if (!k->pc || pcap_set_snaplen(k->pc, o->filter ? 65535 : 256) || pcap_set_immediate_mode(k->pc, 1) ||
        pcap_set_buffer_size(k->pc, 16 << 20) || pcap_activate(k->pc) < 0) {
        snprintf(err, 256, "libpcap on %s: %.200s", o->iface ? o->iface : "any",
                 k->pc ? pcap_geterr(k->pc) : ebuf);
        k_close(k);
        return -EPERM;
    }
    k->dlt = pcap_datalink(k->pc);
    /* Only what arrives: the kernel then leaves out the copies of what we
     * send (PACKET_IGNORE_OUTGOING, where libpcap and Linux have it). */
    if (!o->iface)
        pcap_setdirection(k->pc, PCAP_D_IN);
    /* On one interface the frames are its own (Ethernet, or bare IP on a
     * TUN device). */
    if (o->iface && (pcap_setdirection(k->pc, PCAP_D_IN) < 0 ||
                     (k->dlt != DLT_EN10MB && k->dlt != DLT_RAW && k->dlt != DLT_IPV4 &&
                      k->dlt != DLT_LINUX_SLL && k->dlt != DLT_LINUX_SLL2))) {
        snprintf(err, 256, "libpcap on %.40s: cannot read its frames (link type %d)", o->iface, k->dlt);
        k_close(k);
        return -EINVAL;
    }
    snprintf(filter, sizeof filter, "ip dst host %s and (%.100s)", inet_ntop(AF_INET, &sin.sin_addr, a, sizeof a),
             o->filter ? o->filter : "tcp or udp or icmp");
    if (pcap_compile(k->pc, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0 ||
        pcap_setfilter(k->pc, &prog) < 0) {
        snprintf(err, 256, "libpcap filter: %.200s", pcap_geterr(k->pc));
        k_close(k);
        return -EINVAL;
    }
    pcap_freecode(&prog);
    if (pcap_setnonblock(k->pc, 1, ebuf) < 0 || (k->pfd = pcap_get_selectable_fd(k->pc)) < 0) {
        snprintf(err, 256, "libpcap: cannot poll the capture");
        k_close(k);
        return -EINVAL;
    }
    io->ctx = k;
    io->send = k_send;
    io->recv = k_recv;
    io->close = k_close;
    return 0;
}

int pp_scan_drop_privileges(void)
{
    cap_t none = cap_init(); /* an empty set */
    int rc;

    if (!none)
        return -1;
    rc = cap_set_proc(none);
    cap_free(none);
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    return rc;
}
