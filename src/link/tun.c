/* tun.c - the TUN link: /dev/net/tun for packets, rtnetlink (libmnl) for the
 * kernel side's address, MTU and link state.
 *
 * Receive offload: the device is opened with a virtio-net header
 * (IFF_VNET_HDR) and told we take TSO and partial checksums
 * (TUNSETOFFLOAD), so the kernel's TCP hands over up to 64 KiB of a stream
 * in one read instead of one read per MTU-sized segment.  We complete the
 * checksum it left partial and give the stack the large segment as it is
 * (a receiver may accept segments larger than the MSS it announced; the
 * window still bounds them).
 *
 * Transmit offload: our TCP may build one packet of up to 64 KiB from
 * several MSS of a stream (pp_link_ops.send_tso), which the kernel cuts
 * into segments; everything else goes with an empty header.
 * PP_TUN_OFFLOAD=0 in the environment turns both off, PP_TUN_TSO=0 only
 * the transmit side (for comparisons). */
#include "portplex/tun.h"

#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "portplex/link.h"
#include "link/tun_internal.h"
#include "portplex/wire/bytes.h"
#include "portplex/wire/checksum.h"
#include "wire/pbuf.h"

/* One queue of the device: a descriptor of its own, driven by one thread
 * (IFF_MULTI_QUEUE gives a device several). */
struct tun_queue {
    struct pp_link link; /* link.priv points to the queue */
    struct pp_tun *t;
    int fd;
    int err;       /* a read failed: -errno, for the driver */
    struct pp_tun_stats stats;
};

struct pp_tun {
    struct tun_queue *q;
    unsigned nq;
    int vnet; /* reads and writes carry a struct virtio_net_hdr */
    int tso;  /* we hand the kernel large TCP packets to segment */
    int offload;
    unsigned ifindex;
    unsigned busy_us; /* the driver's watch before it sleeps (pp_tun_set_busy_poll) */
    char name[IFNAMSIZ];
};

static int tun_send(struct pp_link *l, const uint8_t *pkt, size_t len)
{
    struct tun_queue *q = l->priv;
    struct pp_tun *t = q->t;
    struct virtio_net_hdr vh;
    struct iovec iov[2];
    ssize_t n;

    if (!t->vnet) {
        n = write(q->fd, pkt, len);
        return n == (ssize_t)len ? 0 : -(n < 0 ? errno : EIO);
    }
    memset(&vh, 0, sizeof vh); /* complete checksums, no segmentation asked */
    iov[0].iov_base = &vh;
    iov[0].iov_len = sizeof vh;
    iov[1].iov_base = (void *)pkt;
    iov[1].iov_len = len;
    n = writev(q->fd, iov, 2);
    return n == (ssize_t)(sizeof vh + len) ? 0 : -(n < 0 ? errno : EIO);
}

/* Whether an offload switch (PP_TUN_OFFLOAD, PP_TUN_TSO) is left on:
 * only "0" in the environment turns one off. */
static int env_on(const char *name)
{
    const char *e = getenv(name);
    return !(e && !strcmp(e, "0"));
}

/* PORTPLEX_TUN_BUSY_POLL=0..PP_TUN_BUSY_POLL_MAX microseconds, else the
 * default (tun_driver.c says why a watch at all). */
static unsigned busy_default(void)
{
    const char *v = getenv("PORTPLEX_TUN_BUSY_POLL");
    char *end;
    long x = v && *v ? strtol(v, &end, 10) : -1;

    return x >= 0 && x <= PP_TUN_BUSY_POLL_MAX && !*end ? (unsigned)x : PP_TUN_BUSY_POLL_US;
}

/* The virtio-net header of one read: counts a segment the kernel left
 * unsegmented and deals with a checksum it left partial (the field holds
 * the pseudo-header sum).  A TCP one stays partial and the buffer says so
 * (csum_partial): the packet never left this host, and the stack trusts it
 * as Linux trusts loopback's - two passes over the data fewer (finishing
 * the sum here, verifying it in TCP).  Anything else is finished here (RFC
 * 1071 over the rest of the packet). */
static void take_vnet(struct tun_queue *t, const struct virtio_net_hdr *vh, struct pp_pbuf *p)
{
    size_t cs = vh->csum_start, co = vh->csum_offset, len = p->len;
    uint8_t *pkt = p->data;

    if (vh->gso_type != VIRTIO_NET_HDR_GSO_NONE)
        t->stats.offloaded++;
    if (!(vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) || cs + co + 2 > len)
        return; /* complete, or malformed: the stack's own checks drop it */
    if (len >= 20 && pkt[9] == 6 && cs == (size_t)(pkt[0] & 15) * 4 && co == 16) {
        p->csum_partial = 1;
        t->stats.recv_csum_partial++;
        return;
    }
    pp_put16(pkt + cs + co, pp_csum_finish(pp_csum_add(0, pkt + cs, len - cs)));
}

/* Asks the kernel to finish a TCP or UDP checksum (NEEDS_CSUM, as a NIC's
 * CHECKSUM_PARTIAL): the field must then hold the pseudo-header sum (RFC
 * 1071 partial sum, not complemented), which goes to *partial, and *field
 * says where it belongs.  -EINVAL for anything else or a packet too short. */
static int need_csum(struct virtio_net_hdr *vh, const uint8_t *pkt, size_t len, uint8_t partial[2],
                     size_t *field)
{
    size_t ihl, off;

    if (len < 20 || (ihl = (size_t)(pkt[0] & 15) * 4) < 20)
        return -EINVAL;
    off = pkt[9] == 6 ? 16 : pkt[9] == 17 ? 6 : 0;
    if (!off || len < ihl + off + 2)
        return -EINVAL;
    vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
    vh->csum_start = (uint16_t)ihl;
    vh->csum_offset = (uint16_t)off;
    pp_put16(partial, (uint16_t)~pp_csum_finish(pp_csum_pseudo(
                          pp_get32(pkt + 12), pp_get32(pkt + 16), pkt[9], (uint16_t)(len - ihl))));
    *field = ihl + off;
    return 0;
}

/* A large TCP packet for the kernel to cut into seg_payload-byte segments
 * (the device took TUN_F_TSO4): the header asks for segmentation and for
 * the checksum to be finished per segment. */
static int tun_send_tso(struct pp_link *l, const uint8_t *pkt, size_t len, uint16_t seg_payload)
{
    struct tun_queue *t = l->priv;
    struct virtio_net_hdr vh;
    struct iovec iov[4];
    size_t ihl, thl, field;
    uint8_t partial[2];
    ssize_t n;

    memset(&vh, 0, sizeof vh);
    if (need_csum(&vh, pkt, len, partial, &field) < 0 || pkt[9] != 6)
        return -EINVAL;
    ihl = vh.csum_start;
    thl = (size_t)(pkt[ihl + 12] >> 4) * 4;
    if (thl < 20 || len < ihl + thl)
        return -EINVAL;
    vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
    vh.hdr_len = (uint16_t)(ihl + thl);
    vh.gso_size = seg_payload;
    iov[0].iov_base = &vh;
    iov[0].iov_len = sizeof vh;
    iov[1].iov_base = (void *)pkt;
    iov[1].iov_len = field;
    iov[2].iov_base = partial;
    iov[2].iov_len = 2;
    iov[3].iov_base = (void *)(pkt + field + 2);
    iov[3].iov_len = len - field - 2;
    n = writev(t->fd, iov, 4);
    t->stats.sent_tso += n > 0;
    return n == (ssize_t)(sizeof vh + len) ? 0 : -(n < 0 ? errno : EIO);
}

/* The stack's packet buffer, handed over (pp_link_ops.send_pbuf): a TCP or
 * UDP checksum the stack left out (csum_partial) is not computed here but
 * left to the kernel, which trusts it on local delivery as it trusts
 * loopback's (docs/architecture.md, "Checksum offload"); one pass over
 * the data fewer per packet. */
static int tun_send_pbuf(struct pp_link *l, struct pp_pbuf *p, uint16_t seg_payload)
{
    struct tun_queue *q = l->priv;
    struct virtio_net_hdr vh;
    struct iovec iov[2];
    uint8_t partial[2];
    size_t field;
    ssize_t n;
    int rc;

    if (seg_payload) { /* the header for segmentation fills the field itself */
        rc = tun_send_tso(l, p->data, p->len, seg_payload);
        q->stats.sent_csum_partial += rc == 0;
        pp_pbuf_free(p);
        return rc;
    }
    memset(&vh, 0, sizeof vh);
    if (p->csum_partial) {
        if (need_csum(&vh, p->data, p->len, partial, &field) == 0)
            memcpy(p->data + field, partial, 2);
        else /* need_csum left vh as it was: a complete checksum */
            pp_pbuf_csum_fill(p);
        q->stats.sent_csum_partial += vh.flags != 0;
    }
    iov[0].iov_base = &vh;
    iov[0].iov_len = sizeof vh;
    iov[1].iov_base = p->data;
    iov[1].iov_len = p->len;
    n = writev(q->fd, iov, 2);
    rc = n == (ssize_t)(sizeof vh + p->len) ? 0 : -(n < 0 ? errno : EIO);
    pp_pbuf_free(p);
    return rc;
}

/* recv_pbuf: one non-blocking read straight into a packet buffer (the
 * stack takes it as it is); with receive offload it may bring a 64 KiB
 * segment.  NULL when the device has nothing, when no buffer is to be had
 * (the packet waits in the device), or on an error, kept for
 * pp__tun_error. */
static struct pp_pbuf *tun_recv_pbuf(struct pp_link *l, uint64_t now_ms)
{
    struct tun_queue *t = l->priv;
    /* A 64 KiB segment after the header, or one MTU-sized packet and room
     * to see that a longer one was cut. */
    size_t cap = t->t->vnet ? 65536 : (size_t)t->link.mtu + 64;

    (void)now_ms;
    for (;;) {
        struct pp_pbuf *p = pp_pbuf_alloc(cap);
        struct virtio_net_hdr vh;
        struct iovec iov[2];
        int nio = 0;
        ssize_t k;
        size_t hdr = t->t->vnet ? sizeof vh : 0;
        if (!p)
            return NULL;
        if (hdr) {
            iov[nio].iov_base = &vh;
            iov[nio++].iov_len = sizeof vh;
        }
        iov[nio].iov_base = p->data;
        iov[nio++].iov_len = cap;
        k = readv(t->fd, iov, nio);
        if (k < 0 && errno == EINTR) {
            pp_pbuf_free(p);
            continue;
        }
        if (k <= 0) {
            if (k < 0 && errno != EAGAIN)
                t->err = -errno;
            pp_pbuf_free(p);
            return NULL;
        }
        if ((size_t)k < hdr) { /* too short for its header: dropped */
            pp_pbuf_free(p);
            continue;
        }
        p->len = (size_t)k - hdr;
        t->stats.reads++;
        if (p->len > t->stats.largest)
            t->stats.largest = p->len;
        if (hdr)
            take_vnet(t, &vh, p);
        return p;
    }
}

static int tun_wait_fd(struct pp_link *l)
{
    return ((struct tun_queue *)l->priv)->fd;
}

int pp_tun_set_busy_poll(struct pp_tun *t, unsigned us)
{
    if (!t || us > PP_TUN_BUSY_POLL_MAX)
        return -EINVAL;
    t->busy_us = us;
    return 0;
}

unsigned pp__tun_busy_us(const struct pp_tun *t)
{
    return t->busy_us;
}

int pp__tun_error(const struct pp_tun *t, unsigned q)
{
    return q < t->nq ? t->q[q].err : -EINVAL;
}

static const struct pp_link_ops tun_ops = {
    .send = tun_send, .recv_pbuf = tun_recv_pbuf, .wait_fd = tun_wait_fd};
/* With the virtio-net header: checksums left to the kernel both ways. */
static const struct pp_link_ops tun_vnet_ops = {.send = tun_send,
                                                .send_pbuf = tun_send_pbuf,
                                                .recv_pbuf = tun_recv_pbuf,
                                                .wait_fd = tun_wait_fd};
/* With transmit offload on as well. */
static const struct pp_link_ops tun_tso_ops = {.send = tun_send,
                                               .send_tso = tun_send_tso,
                                               .send_pbuf = tun_send_pbuf,
                                               .recv_pbuf = tun_recv_pbuf,
                                               .wait_fd = tun_wait_fd};

/* Sends one rtnetlink request and waits for its acknowledgement. */
static int nl_request(struct mnl_socket *nl, struct nlmsghdr *nlh)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    unsigned seq = (unsigned)time(NULL), portid = mnl_socket_get_portid(nl);
    ssize_t n;

    nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
    nlh->nlmsg_seq = seq;
    if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
        return -errno;
    n = mnl_socket_recvfrom(nl, buf, sizeof buf);
    if (n < 0)
        return -errno;
    if (mnl_cb_run(buf, (size_t)n, seq, portid, NULL, NULL) < 0)
        return -errno;
    return 0;
}

static int configure(struct pp_tun *t, uint32_t peer, uint8_t prefix_len, uint16_t mtu, char *err)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
    struct nlmsghdr *nlh;
    struct ifaddrmsg *ifa;
    struct ifinfomsg *ifi;
    uint32_t a = htonl(peer);
    int rc;

    if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
        snprintf(err, 256, "netlink: %s", strerror(errno));
        if (nl)
            mnl_socket_close(nl);
        return -1;
    }
    /* RTM_NEWADDR: the kernel side's address and prefix. */
    nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_NEWADDR;
    nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
    ifa = mnl_nlmsg_put_extra_header(nlh, sizeof *ifa);
    ifa->ifa_family = AF_INET;
    ifa->ifa_prefixlen = prefix_len;
    ifa->ifa_scope = RT_SCOPE_UNIVERSE;
    ifa->ifa_index = t->ifindex;
    mnl_attr_put_u32(nlh, IFA_LOCAL, a);
    mnl_attr_put_u32(nlh, IFA_ADDRESS, a);
    if ((rc = nl_request(nl, nlh)) < 0) {
        snprintf(err, 256, "netlink: adding the address to %s: %s", t->name, strerror(-rc));
        mnl_socket_close(nl);
        return -1;
    }
    /* RTM_NEWLINK on the existing index: MTU and up. */
    nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_NEWLINK;
    ifi = mnl_nlmsg_put_extra_header(nlh, sizeof *ifi);
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = (int)t->ifindex;
    ifi->ifi_flags = IFF_UP;
    ifi->ifi_change = IFF_UP;
    mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
    if ((rc = nl_request(nl, nlh)) < 0) {
        snprintf(err, 256, "netlink: bringing %s up with MTU %u: %s", t->name, mtu, strerror(-rc));
        mnl_socket_close(nl);
        return -1;
    }
    mnl_socket_close(nl);
    return 0;
}

/* Opens one more queue of the device (the first creates it).  0, or -1
 * with a message in err. */
static int open_queue(struct pp_tun *t, const char *ifname, unsigned i, char *err)
{
    struct tun_queue *q = &t->q[i];
    struct ifreq ifr;

    q->t = t;
    q->fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
    if (q->fd < 0) {
        snprintf(err, 256, "/dev/net/tun: %s%s", strerror(errno),
                 errno == EACCES || errno == EPERM ? " (run as root or with CAP_NET_ADMIN)" : "");
        return -1;
    }
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = (short)(IFF_TUN | IFF_NO_PI | (t->vnet ? IFF_VNET_HDR : 0) |
                            (t->nq > 1 ? IFF_MULTI_QUEUE : 0));
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
    if (ioctl(q->fd, TUNSETIFF, &ifr) < 0) {
        int e = errno;
        snprintf(err, 256, "creating TUN device %s%s: %s%s", ifname, i ? " (another queue)" : "",
                 strerror(e),
                 e == EPERM ? " (run as root or with CAP_NET_ADMIN)"
                 : e == EBUSY || e == EINVAL ? " (is the name already in use?)" : "");
        close(q->fd);
        q->fd = -1;
        return -1;
    }
    if (i == 0)
        snprintf(t->name, sizeof t->name, "%s", ifr.ifr_name);
    return 0;
}

static void free_tun(struct pp_tun *t)
{
    unsigned i;
    for (i = 0; i < t->nq; i++) {
        if (t->q[i].fd >= 0)
            close(t->q[i].fd);
    }
    free(t->q);
    free(t);
}

struct pp_tun *pp_tun_open_queues(const char *ifname, uint32_t peer, uint8_t prefix_len,
                                  uint16_t mtu, unsigned nqueues, char *err)
{
    struct pp_tun *t;
    unsigned i;

    if (!err)
        return NULL;
    if (!ifname || !*ifname || strlen(ifname) >= IFNAMSIZ || strchr(ifname, '/') ||
        strchr(ifname, ' ')) {
        snprintf(err, 256, "'%s' is not a valid interface name (1-%d characters, no '/' or space)",
                 ifname ? ifname : "", IFNAMSIZ - 1);
        return NULL;
    }
    if (nqueues < 1 || nqueues > PP_TUN_QUEUES_MAX) {
        snprintf(err, 256, "%u queues: a TUN device here has 1 to %d", nqueues, PP_TUN_QUEUES_MAX);
        return NULL;
    }
    t = calloc(1, sizeof *t);
    if (!t || !(t->q = calloc(nqueues, sizeof *t->q))) {
        free(t);
        snprintf(err, 256, "out of memory");
        return NULL;
    }
    t->nq = nqueues;
    t->busy_us = busy_default();
    for (i = 0; i < nqueues; i++)
        t->q[i].fd = -1;
    t->vnet = env_on("PP_TUN_OFFLOAD"); /* the header: sizeof(struct virtio_net_hdr) */
    for (i = 0; i < nqueues; i++)
        if (open_queue(t, i ? t->name : ifname, i, err) < 0)
            goto err;
    /* Without TSO the header still comes, with nothing to do: fine.  The
     * offloads are the device's, set once through any queue. */
    t->offload = t->vnet &&
        ioctl(t->q[0].fd, TUNSETOFFLOAD, (unsigned long)(TUN_F_CSUM | TUN_F_TSO4)) == 0;
    /* The kernel accepts segmentation requests from us whenever the
     * header is on (virtio_net_hdr_to_skb); PP_TUN_TSO=0 keeps our TCP
     * to MTU-sized segments. */
    t->tso = t->vnet && env_on("PP_TUN_TSO");
    t->ifindex = if_nametoindex(t->name);
    if (!t->ifindex) {
        snprintf(err, 256, "%s: no such interface after creation", t->name);
        goto err;
    }
    if (configure(t, peer, prefix_len, mtu, err) < 0)
        goto err;
    for (i = 0; i < nqueues; i++) {
        t->q[i].link.ops = t->tso ? &tun_tso_ops : t->vnet ? &tun_vnet_ops : &tun_ops;
        t->q[i].link.mtu = mtu;
        t->q[i].link.priv = &t->q[i];
        t->q[i].stats.offload = t->offload;
    }
    return t;
err:
    free_tun(t);
    return NULL;
}

struct pp_tun *pp_tun_open(const char *ifname, uint32_t peer, uint8_t prefix_len, uint16_t mtu,
                           char *err)
{
    return pp_tun_open_queues(ifname, peer, prefix_len, mtu, 1, err);
}

struct pp_link *pp_tun_link(struct pp_tun *t)
{
    return &t->q[0].link;
}

unsigned pp_tun_queues(const struct pp_tun *t)
{
    return t ? t->nq : 0;
}

struct pp_link *pp_tun_queue_link(struct pp_tun *t, unsigned q)
{
    return t && q < t->nq ? &t->q[q].link : NULL;
}

void pp_tun_get_stats(const struct pp_tun *t, struct pp_tun_stats *out)
{
    unsigned i;

    memset(out, 0, sizeof *out);
    out->offload = t->offload;
    for (i = 0; i < t->nq; i++) {
        const struct pp_tun_stats *s = &t->q[i].stats;
        out->reads += s->reads;
        out->offloaded += s->offloaded;
        out->sent_tso += s->sent_tso;
        out->sent_csum_partial += s->sent_csum_partial;
        out->recv_csum_partial += s->recv_csum_partial;
        if (s->largest > out->largest)
            out->largest = s->largest;
    }
}

void pp_tun_close(struct pp_tun *t)
{
    if (!t)
        return;
    free_tun(t);
}
