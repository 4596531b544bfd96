/* test_tso_defer.c - TSO deferral (tcp_output.c, tso_defer): on a link that
 * segments for us, a sliver of the congestion window that an ACK frees
 * waits for the next ACK, so the stream goes on in large packets; a
 * link without segmentation offload sends the sliver at once; and the
 * switch that turns deferral off where losses take whole flights. */
#include <errno.h>

#include "tcp/tcp_internal.h"
#include "tcp_fixture.h"

/* A link with segmentation offload that records each packet's TCP payload
 * length (the whole burst for send_tso). */
struct tso_link {
    struct pp_link link;
    int n;
    size_t payload[256];
};

static size_t payload_of(const uint8_t *pkt, size_t len)
{
    struct pp_ipv4_hdr ip;
    struct pp_tcp_hdr t;
    int hl;
    ASSERT_EQ(pp_ipv4_parse(pkt, len, &ip, 0), 20);
    hl = pp_tcp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &t, 0);
    ASSERT_GT(hl, 0);
    if (t.flags & PP_TCP_SYN) {
        lport = t.sport;
        iss = t.seq;
    }
    return ip.payload_len - (size_t)hl;
}

static int tl_send(struct pp_link *l, const uint8_t *pkt, size_t len)
{
    struct tso_link *k = l->priv;
    if (k->n < 256)
        k->payload[k->n++] = payload_of(pkt, len);
    return 0;
}

static int tl_send_tso(struct pp_link *l, const uint8_t *pkt, size_t len, uint16_t seg)
{
    (void)seg;
    return tl_send(l, pkt, len);
}

static const struct pp_link_ops tso_ops = {.send = tl_send, .send_tso = tl_send_tso};
static const struct pp_link_ops plain_ops = {.send = tl_send};

static struct tso_link tl;

/* From the peer 192.0.2.1:80: an ACK of ack with a 65535-byte window. */
static void peer_ack(uint32_t ack)
{
    ack_from_peer(ack, 0, 0, 0, 0);
}

/* Connects over a link with or without offload, MSS 1000, and queues 60 kB:
 * the initial window (10 segments) goes at once. */
static void start(int offload)
{
    static char data[60000];
    struct sockaddr_in to = sin_of(HOST_A, 80);

    fixture_start();
    memset(&tl, 0, sizeof tl);
    tl.link.ops = offload ? &tso_ops : &plain_ops;
    tl.link.mtu = 1500;
    tl.link.priv = &tl;
    pp_stack_attach(st, &tl.link);
    fd = pp_socket(st, PP_SOCK_STREAM | PP_SOCK_NONBLOCK);
    ASSERT_EQ(pp_connect(st, fd, SA(to)), -EINPROGRESS);
    ASSERT_EQ(tl.n, 1); /* the SYN */
    syn_ack_from_peer(0, -1);
    ASSERT_EQ(pp_send(st, fd, data, sizeof data, 0), (ssize_t)sizeof data);
}

static size_t sent_since(int from)
{
    size_t n = 0;
    int i;
    for (i = from; i < tl.n; i++)
        n += tl.payload[i];
    return n;
}

TEST(tso_deferral_waits_for_more_window_than_a_sliver)
{
    int mark;

    start(1);
    ASSERT_EQ(sent_since(0), 10000u); /* the initial window, in offloaded bursts */
    ASSERT_LE(tl.n, 2 + 3);
    /* One segment acknowledged: slow start frees two (2,000 bytes), under a
     * third of the window - it waits. */
    mark = tl.n;
    peer_ack(iss + 1 + 1000);
    ASSERT_EQ(sent_since(mark), 0u);
    /* Two more: 6,000 bytes free, more than a third: one packet of it all. */
    peer_ack(iss + 1 + 3000);
    ASSERT_EQ(tl.n, mark + 1);
    ASSERT_EQ(tl.payload[mark], 6000u);
    /* Past a millisecond of quiet, a sliver goes: no burst is built up
     * from an idle spell. */
    now += 5;
    pp_stack_poll(st, now);
    mark = tl.n;
    peer_ack(iss + 1 + 4000);
    ASSERT_EQ(sent_since(mark), 2000u);
    pp_stack_free(st);
}

TEST(no_deferral_without_segmentation_offload)
{
    int mark;

    start(0);
    ASSERT_EQ(tl.n, 2 + 10); /* SYN, the handshake's ACK (or data with it), ten segments */
    mark = tl.n;
    peer_ack(iss + 1 + 1000);
    ASSERT_EQ(sent_since(mark), 2000u); /* the sliver at once, as two segments */
    ASSERT_EQ(tl.n, mark + 2);
    pp_stack_free(st);
}

TEST(deferral_turns_off_where_losses_need_probes)
{
    struct pp_tcb tcb;
    int i;

    memset(&tcb, 0, sizeof tcb);
    for (i = 0; i < 3; i++)
        pp__tcp_defer_note(&tcb, 1);
    ASSERT_EQ(tcb.defer_off, 0); /* three probes in a row: not yet */
    pp__tcp_defer_note(&tcb, 1);
    ASSERT_EQ(tcb.defer_off, 1);
    for (i = 0; i < 8; i++)
        pp__tcp_defer_note(&tcb, 0);
    ASSERT_EQ(tcb.defer_off, 1); /* hysteresis: still off */
    for (i = 0; i < 40 && tcb.defer_off; i++)
        pp__tcp_defer_note(&tcb, 0);
    ASSERT_EQ(tcb.defer_off, 0); /* and back on: recoveries found by SACK alone */
    ASSERT_LE(tcb.probe_share64, 4);
    for (i = 0; i < 200; i++)
        pp__tcp_defer_note(&tcb, 1);
    ASSERT_LE(tcb.probe_share64, 64);
    for (i = 0; i < 200; i++)
        pp__tcp_defer_note(&tcb, 0);
    ASSERT_EQ(tcb.probe_share64, 0);
}
