/* test_offload.c - the bulk path without copies: on an ideal virtual wire
 * TCP leaves its checksum to the link and the receiver queues the sender's
 * buffers as they are; every place a packet is shown (the wire's tap, a
 * stack's capture) still carries real checksums, the data arrives intact,
 * and the receive queue (stack/bufq.c) keeps order, its limit and its
 * memory bound whatever sizes of buffers it is given. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "portplex/link_wrap.h"
#include "test.h"
#include "bulk_stream.h"
#include "portplex/wire/pcap_file.h"
#include "stack/bufq.h"
#include "stack_test_util.h"

/* 2 MiB from A to B over a started wire; the stream is checked as it lands. */
static void transfer(struct pair *p)
{
    struct sockaddr_in to = sin_of(HOST_B, 5001);
    static char buf[65536];
    int lis, srv, cli;

    lis = pp_socket(p->b, PP_SOCK_STREAM);
    {
        struct sockaddr_in any = sin_of(0, 5001);
        ASSERT_EQ(pp_bind(p->b, lis, SA(any)), 0);
    }
    ASSERT_EQ(pp_listen(p->b, lis, 4), 0);
    cli = pp_socket(p->a, PP_SOCK_STREAM);
    ASSERT_EQ(pp_connect(p->a, cli, SA(to)), 0);
    srv = pp_accept(p->b, lis, NULL, NULL);
    ASSERT_GE(srv, 0);
    ASSERT_EQ(bulk_run(p->a, cli, p->b, srv, 2u << 20, buf, sizeof buf), 0);
    pp_close(p->a, cli);
    pp_close(p->b, srv);
    pp_close(p->b, lis);
}

/* Every TCP packet in the capture has a checksum that verifies; how many. */
static int tcp_packets_all_valid(const char *path)
{
    char err[256];
    struct pp_pcap_reader *r = pp_pcap_reader_open(path, err);
    const uint8_t *pkt;
    size_t len;
    uint64_t ts;
    int n = 0;

    ASSERT(r != NULL);
    while (pp_pcap_read(r, &pkt, &len, &ts) > 0) {
        struct pp_ipv4_hdr ip;
        struct pp_tcp_hdr t;
        ASSERT_GE(pp_ipv4_parse(pkt, len, &ip, 0), 0);
        if (ip.proto != PP_IP_PROTO_TCP)
            continue;
        if (pp_tcp_parse(pkt + ip.hdr_len, ip.total_len - ip.hdr_len, ip.src, ip.dst, &t, 0) < 0)
            PP_TEST_FAIL("packet %d of %s: TCP checksum wrong", n + 1, path);
        n++;
    }
    pp_pcap_reader_close(r);
    return n;
}

TEST(offloaded_checksums_are_filled_in_where_a_capture_shows_them)
{
    struct pair p;
    struct pp_link *cap;
    char path[64], err[256];
    snprintf(path, sizeof path, "/tmp/pp_offload_%d.pcap", (int)getpid());
    pair_new(&p, NULL, 1);
    /* B's link is captured: A's segments come without checksums (A has no
     * capture of its own) and the capture fills them in for the file, as
     * it does for what B sends. */
    cap = pp_link_capture(pp_stack_link(p.b), path, err);
    ASSERT(cap != NULL);
    pp_stack_attach(p.b, cap);
    transfer(&p);
    ASSERT_GT(pp_stack_counter(p.a, "tcp.out_csum_offloaded"), 10);
    ASSERT_GT(pp_stack_counter(p.b, "tcp.out_csum_offloaded"), 10);
    ASSERT_EQ(pp_stack_counter(p.b, "tcp.in_errs"), 0);
    ASSERT_EQ(pp_stack_counter(p.a, "tcp.in_errs"), 0);
    pp_vwire_stop(p.w);
    pp_stack_attach(p.b, NULL);
    ASSERT(pp_link_wrap_free(cap) != NULL); /* closes the capture */
    pair_free(&p);
    ASSERT_GT(tcp_packets_all_valid(path), 20);
    unlink(path);
}

TEST(a_tapped_wire_carries_real_checksums)
{
    struct pair p;
    struct pp_vwire_config cfg;
    char path[64];
    snprintf(path, sizeof path, "/tmp/pp_offload_tap_%d.pcap", (int)getpid());
    memset(&cfg, 0, sizeof cfg);
    cfg.pcap = path;
    pair_new(&p, &cfg, 1);
    transfer(&p);
    ASSERT_EQ(pp_stack_counter(p.b, "tcp.in_errs"), 0);
    pair_free(&p);
    ASSERT_GT(tcp_packets_all_valid(path), 20);
    unlink(path);
}

TEST(a_corrupting_wire_still_gets_caught_with_offload)
{
    struct pair p;
    struct pp_vwire_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.seed = 3;
    cfg.corrupt = 0.02;
    pair_new(&p, &cfg, 1);
    transfer(&p); /* intact: every flipped bit was caught by a checksum */
    ASSERT_GT(pp_stack_counter(p.a, "tcp.out_csum_offloaded"), 10);
    ASSERT_GT(pp_stack_counter(p.b, "tcp.in_errs") + pp_stack_counter(p.a, "tcp.in_errs") +
                  pp_stack_counter(p.b, "ip.in_hdr_errors"),
              0);
    pair_free(&p);
}

/* A buffer of class room holding n bytes of the pattern from offset. */
static struct pp_pbuf *filled(size_t room_len, size_t n, size_t offset)
{
    struct pp_pbuf *b = pp_pbuf_alloc(room_len);
    size_t i;
    ASSERT(b != NULL);
    b->len = n;
    for (i = 0; i < n; i++)
        b->data[i] = (uint8_t)bulk_byte(offset + i);
    return b;
}

static size_t held_memory(const struct pp_bufq *q)
{
    const struct pp_pbuf *b;
    size_t m = 0;
    for (b = q->head; b; b = b->next)
        m += b->room;
    return m;
}

TEST(receive_queue_keeps_order_limit_and_memory_bound)
{
    struct pp_bufq q;
    static char out[1 << 20];
    size_t in = 0, rd = 0, round;
    pp_bufq_init(&q, 300000);
    for (round = 0; in < sizeof out; round++) {
        /* Buffers of every kind: full large ones, 1-byte payloads in large
         * buffers, MTU-sized ones in small buffers, and plain copies. */
        size_t kind = round % 4, n;
        if (kind == 0)
            n = pp_bufq_take(&q, filled(65536, 65536 - (round % 7), in));
        else if (kind == 1)
            n = pp_bufq_take(&q, filled(65536, 1, in));
        else if (kind == 2)
            n = pp_bufq_take(&q, filled(1448, 1448, in));
        else {
            char tmp[3000];
            size_t i;
            for (i = 0; i < sizeof tmp; i++)
                tmp[i] = bulk_byte(in + i);
            n = pp_bufq_write(&q, tmp, sizeof tmp);
        }
        in += n;
        ASSERT_LE(q.len, q.cap);
        /* The bound that keeps tiny segments from costing whole buffers. */
        ASSERT_LE(held_memory(&q), 2 * q.len + 2 * (65536 + PP_HEADROOM));
        if (round % 3 == 2 || q.len == q.cap) {
            size_t k = q.len < 50000 ? q.len : 50000;
            if (rd + k > sizeof out)
                k = sizeof out - rd;
            pp_bufq_peek(&q, out + rd, k);
            pp_bufq_consume(&q, k);
            rd += k;
        }
        if (rd == sizeof out)
            break;
    }
    while (q.len && rd < sizeof out) {
        size_t k = q.len < sizeof out - rd ? q.len : sizeof out - rd;
        pp_bufq_peek(&q, out + rd, k);
        pp_bufq_consume(&q, k);
        rd += k;
    }
    ASSERT_EQ(bulk_check(out, rd, 0), rd);
    /* Beyond the limit: only what fits, and the rest of the buffer goes. */
    pp_bufq_fini(&q);
    pp_bufq_init(&q, 1000);
    ASSERT_EQ(pp_bufq_take(&q, filled(65536, 65536, 0)), 1000);
    ASSERT_EQ(pp_bufq_take(&q, filled(10, 10, 0)), 0);
    ASSERT_EQ(q.len, 1000);
    pp_bufq_fini(&q);
    ASSERT(q.head == NULL && q.len == 0);
}
