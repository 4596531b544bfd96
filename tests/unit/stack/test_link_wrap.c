/* test_link_wrap.c - the link wrappers (include/portplex/link_wrap.h):
 * impairments on either direction of any link, with a delay that holds
 * packets until the driver's time reaches them; a capture whose file
 * libpcap reads back with valid checksums both ways; netem's words; and
 * every bad argument refused. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bulk_stream.h"
#include "portplex/link_wrap.h"
#include "portplex/vwire.h"
#include "portplex/wire/pcap_file.h"
#include "stack_test_util.h"
#include "test.h"

static int udp_on(struct pp_stack *st, uint16_t port)
{
    int fd = pp_socket(st, PP_SOCK_DGRAM | PP_SOCK_NONBLOCK);
    struct sockaddr_in sin = sin_of(0, port);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(pp_bind(st, fd, SA(sin)), 0);
    return fd;
}

/* Wraps st's link and attaches the wrapper in its place. */
static struct pp_link *wrap_impair(struct pp_stack *st, const char *out, const char *in)
{
    struct pp_impair o, i;
    struct pp_link *l;
    char err[256];
    ASSERT_EQ(pp_impair_parse(out ? out : "", &o, err), 0);
    ASSERT_EQ(pp_impair_parse(in ? in : "", &i, err), 0);
    l = pp_link_impair(pp_stack_link(st), &o, &i, err);
    if (!l)
        fprintf(stderr, "pp_link_impair: %s\n", err);
    ASSERT(l != NULL);
    pp_stack_attach(st, l);
    return l;
}

static void unwrap(struct pp_stack *st, struct pp_link *l)
{
    struct pp_link *inner;
    pp_stack_attach(st, NULL);
    inner = pp_link_wrap_free(l);
    ASSERT(inner != NULL);
    pp_stack_attach(st, inner);
}

TEST(impair_delay_holds_packets_until_the_driver_time_reaches_them)
{
    struct pair p;
    struct sockaddr_in to = sin_of(HOST_B, 9000);
    struct pp_impair_stats so, si;
    struct pp_link *la, *lb;
    uint64_t t = pp_now_ms() + 1000;
    char buf[16];
    int cli, srv;

    pair_new(&p, NULL, 0); /* stepped: time is what the test says */
    la = wrap_impair(p.a, "delay 50ms", NULL);
    lb = wrap_impair(p.b, NULL, "delay 30ms");
    srv = udp_on(p.b, 9000);
    cli = udp_on(p.a, 0);
    pp_vwire_step(p.w, t);
    ASSERT_EQ(pp_sendto(p.a, cli, "x", 1, 0, SA(to)), 1);
    pp_vwire_step(p.w, t);
    /* Held by A's wrapper: the stack says when to come back. */
    ASSERT_EQ(pp_stack_poll(p.a, t), t + 50);
    pp_vwire_step(p.w, t + 49);
    ASSERT_EQ(pp_vwire_pending(p.w), 0u);
    pp_vwire_step(p.w, t + 50); /* leaves A; B's wrapper takes it and holds it */
    ASSERT_EQ(pp_recv(p.b, srv, buf, sizeof buf, 0), -EAGAIN);
    ASSERT_EQ(pp_stack_poll(p.b, t + 50), t + 80);
    pp_vwire_step(p.w, t + 79);
    ASSERT_EQ(pp_recv(p.b, srv, buf, sizeof buf, 0), -EAGAIN);
    pp_vwire_step(p.w, t + 80);
    ASSERT_EQ(pp_recv(p.b, srv, buf, sizeof buf, 0), 1);
    ASSERT_EQ(pp_link_impair_stats(la, &so, &si), 0);
    ASSERT_EQ(so.packets, 1u);
    ASSERT_EQ(so.delayed, 1u);
    ASSERT_EQ(si.packets, 0u);
    ASSERT_EQ(pp_link_impair_stats(lb, &so, &si), 0);
    ASSERT_EQ(so.packets, 0u);
    ASSERT_EQ(si.packets, 1u);
    ASSERT_EQ(si.delayed, 1u);
    pp_close(p.a, cli);
    pp_close(p.b, srv);
    unwrap(p.a, la);
    unwrap(p.b, lb);
    pair_free(&p);
}

/* n datagrams A -> B through a wrapper on A (out) and one on B (in); how
 * many arrived, in which order, and the wrappers' counts. */
static int run_datagrams(const char *out, const char *in, int n, int *order,
                         struct pp_impair_stats *so, struct pp_impair_stats *si)
{
    struct pair p;
    struct sockaddr_in to = sin_of(HOST_B, 9000);
    struct pp_link *la, *lb;
    uint64_t t = pp_now_ms() + 1000;
    int cli, srv, i, got = 0;
    char buf[16];
    ssize_t r;

    pair_new(&p, NULL, 0);
    la = wrap_impair(p.a, out, NULL);
    lb = wrap_impair(p.b, NULL, in);
    srv = udp_on(p.b, 9000);
    cli = udp_on(p.a, 0);
    for (i = 0; i < n; i++) {
        snprintf(buf, sizeof buf, "%d", i);
        ASSERT_EQ(pp_sendto(p.a, cli, buf, strlen(buf), 0, SA(to)), (ssize_t)strlen(buf));
        pp_vwire_step(p.w, t += 1);
        while ((r = pp_recv(p.b, srv, buf, sizeof buf - 1, 0)) > 0) {
            buf[r] = 0;
            order[got++] = atoi(buf);
        }
    }
    for (i = 0; i < 100; i++) {
        pp_vwire_step(p.w, t += 10);
        while ((r = pp_recv(p.b, srv, buf, sizeof buf - 1, 0)) > 0) {
            buf[r] = 0;
            order[got++] = atoi(buf);
        }
    }
    pp_link_impair_stats(la, so, NULL);
    pp_link_impair_stats(lb, NULL, si);
    pp_close(p.a, cli);
    pp_close(p.b, srv);
    unwrap(p.a, la);
    unwrap(p.b, lb);
    pair_free(&p);
    return got;
}

TEST(impair_loss_duplication_reordering_and_corruption_both_ways)
{
    static int order[4000], again[4000];
    struct pp_impair_stats so, si, so2, si2;
    int n = 1000, got, got2, i, late = 0, seen_dup = 0;
    static char seen[1000];

    got = run_datagrams("loss 10% duplicate 5% reorder 5% 20ms seed 3", "loss 10% corrupt 5% seed 4",
                        n, order, &so, &si);
    /* Each count within a generous band of its probability over 1000. */
    ASSERT(so.packets == (uint64_t)n);
    ASSERT(so.lost > 60 && so.lost < 140);
    ASSERT(so.duplicated > 25 && so.duplicated < 80);
    ASSERT(so.reordered > 25 && so.reordered < 80);
    ASSERT(si.packets == so.packets - so.lost + so.duplicated);
    ASSERT(si.lost > 50 && si.lost < 140);
    ASSERT(si.corrupted > 20 && si.corrupted < 80);
    /* What B's UDP accepted: what reached it, less what its checksum caught
     * (a flipped bit in the IP header may also be caught by IP, or land in
     * a byte that is no checked field: at most the corrupted ones differ). */
    ASSERT_LE((uint64_t)got, si.packets - si.lost);
    ASSERT_GE((uint64_t)got, si.packets - si.lost - si.corrupted);
    for (i = 0; i < got; i++) {
        ASSERT(order[i] >= 0 && order[i] < n);
        if (seen[order[i]]++)
            seen_dup++;
        if (i > 0 && order[i] < order[i - 1])
            late++;
    }
    ASSERT_GT(seen_dup, 0); /* duplicates arrived twice */
    ASSERT_GT(late, 0);     /* some overtaken */
    /* Same seeds, same fates. */
    got2 = run_datagrams("loss 10% duplicate 5% reorder 5% 20ms seed 3", "loss 10% corrupt 5% seed 4",
                         n, again, &so2, &si2);
    ASSERT_EQ(got2, got);
    ASSERT_MEMEQ(again, order, sizeof(int) * (size_t)got);
    ASSERT_EQ(so2.lost, so.lost);
    ASSERT_EQ(si2.corrupted, si.corrupted);
}

TEST(impair_wrappers_on_a_running_wire_keep_a_tcp_transfer_intact)
{
    struct pair p;
    struct sockaddr_in to = sin_of(HOST_B, 5001);
    struct pp_impair_stats so, si;
    struct pp_vwire_stats ws;
    struct pp_link *la, *lb;
    static char buf[65536];
    int lis, srv, cli, one = 1;

    pair_new(&p, NULL, 1); /* the wire's own driver thread, real time */
    la = wrap_impair(p.a, "loss 2% reorder 1% duplicate 1% corrupt 0.5% delay 1ms seed 5", NULL);
    lb = wrap_impair(p.b, NULL, "loss 1% seed 6");
    lis = pp_socket(p.b, PP_SOCK_STREAM);
    ASSERT_EQ(pp_setsockopt(p.b, lis, PP_SO_REUSEADDR, &one, sizeof one), 0);
    {
        struct sockaddr_in sin = sin_of(0, 5001);
        ASSERT_EQ(pp_bind(p.b, lis, SA(sin)), 0);
    }
    ASSERT_EQ(pp_listen(p.b, lis, 4), 0);
    cli = pp_socket(p.a, PP_SOCK_STREAM);
    ASSERT_EQ(pp_connect(p.a, cli, SA(to)), 0);
    srv = pp_accept(p.b, lis, NULL, NULL);
    ASSERT_GE(srv, 0);
    ASSERT_EQ(bulk_run(p.a, cli, p.b, srv, 2u << 20, buf, sizeof buf), 0);
    ASSERT_EQ(pp_link_impair_stats(la, &so, NULL), 0);
    ASSERT_EQ(pp_link_impair_stats(lb, NULL, &si), 0);
    ASSERT_GT(so.lost, 0u);
    ASSERT_GT(so.corrupted, 0u);
    ASSERT_GT(si.lost, 0u);
    ASSERT_GT(pp_stack_counter(p.a, "tcp.retransmits"), 0);
    pp_vwire_stats(p.w, &ws);
    ASSERT_EQ(ws.lost, 0u); /* the wire itself lost nothing: the wrappers did */
    pp_close(p.a, cli);
    pp_close(p.b, srv);
    pp_close(p.b, lis);
    pp_vwire_stop(p.w);
    unwrap(p.a, la);
    unwrap(p.b, lb);
    pair_free(&p);
}

static long long captured_total;

TEST(capture_wrapper_records_both_ways_with_valid_checksums)
{
    struct pair p;
    struct sockaddr_in to = sin_of(HOST_B, 9000);
    struct pp_link *lb;
    struct pp_pcap_reader *r;
    char path[] = "/tmp/pp-capture-XXXXXX", err[256], buf[16];
    uint64_t t = pp_now_ms() + 1000, ts, ts0 = 0;
    const uint8_t *pkt;
    size_t len;
    int cli, srv, fdp, n = 0, i;
    struct sockaddr_in from;
    socklen_t fl = sizeof from;

    fdp = mkstemp(path);
    ASSERT_GE(fdp, 0);
    close(fdp);
    pair_new(&p, NULL, 0);
    lb = pp_link_capture(pp_stack_link(p.b), path, err);
    ASSERT(lb != NULL);
    pp_stack_attach(p.b, lb);
    srv = udp_on(p.b, 9000);
    cli = udp_on(p.a, 0);
    pp_vwire_step(p.w, t);
    for (i = 0; i < 3; i++) {
        ASSERT_EQ(pp_sendto(p.a, cli, "ping", 4, 0, SA(to)), 4);
        pp_vwire_step(p.w, t += 250);
        ASSERT_EQ(pp_recvfrom(p.b, srv, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl), 4);
        ASSERT_EQ(pp_sendto(p.b, srv, "pong", 4, 0, (struct sockaddr *)&from, fl), 4);
        pp_vwire_step(p.w, t);
        ASSERT_EQ(pp_recv(p.a, cli, buf, sizeof buf, 0), 4);
    }
    ASSERT_EQ(pp_link_capture_count(lb), 6);
    pp_close(p.a, cli);
    pp_close(p.b, srv);
    /* TCP on the wire leaves its checksums to the link (offload): the
     * capture must show them filled in. */
    {
        struct sockaddr_in tto = sin_of(HOST_B, 80), any = sin_of(0, 80);
        int lis = pp_socket(p.b, PP_SOCK_STREAM | PP_SOCK_NONBLOCK), c, s;
        ASSERT_EQ(pp_bind(p.b, lis, SA(any)), 0);
        ASSERT_EQ(pp_listen(p.b, lis, 4), 0);
        c = pp_socket(p.a, PP_SOCK_STREAM | PP_SOCK_NONBLOCK);
        ASSERT_EQ(pp_connect(p.a, c, SA(tto)), -EINPROGRESS);
        pp_vwire_step(p.w, t += 1);
        s = pp_accept(p.b, lis, NULL, NULL);
        ASSERT_GE(s, 0);
        ASSERT_EQ(pp_send(p.b, s, "hello", 5, 0), 5);
        pp_vwire_step(p.w, t += 1);
        ASSERT_EQ(pp_recv(p.a, c, buf, sizeof buf, 0), 5);
        pp_close(p.a, c);
        pp_close(p.b, s);
        pp_close(p.b, lis);
        pp_vwire_step(p.w, t += 1);
    }
    ASSERT_GE(pp_link_capture_count(lb), 6 + 4); /* SYN, SYN-ACK, ACK, data at least */
    captured_total = pp_link_capture_count(lb);
    unwrap(p.b, lb); /* closes the file */
    r = pp_pcap_reader_open(path, err);
    ASSERT(r != NULL);
    while (pp_pcap_read(r, &pkt, &len, &ts) == 1) {
        struct pp_ipv4_hdr ip;
        struct pp_udp_hdr u;
        struct pp_tcp_hdr th;
        ASSERT_EQ(pp_ipv4_parse(pkt, len, &ip, 0), 20);
        if (n < 6) {
            ASSERT_EQ(ip.src, n % 2 ? HOST_B : HOST_A); /* in, out, in, out... */
            ASSERT_EQ(pp_udp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &u, 0), 8);
            if (n == 0)
                ts0 = ts;
            if (n == 5) /* the driver's time, not the wall's: 500 ms from first to last */
                ASSERT_EQ(ts - ts0, 500000u);
        } else {
            ASSERT_EQ(ip.proto, PP_IP_PROTO_TCP);
            ASSERT_GE(pp_tcp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &th, 0), 20);
        }
        n++;
    }
    ASSERT_EQ(n, (int)captured_total);
    pp_pcap_reader_close(r);
    unlink(path);
    pair_free(&p);
}

TEST(impair_parse_takes_netem_words_and_refuses_the_rest)
{
    static const char *const bad[] = {
        "loss 2", "loss 200%", "loss -1%", "loss", "loss nan%", "delay 10", "delay 1.5ms",
        "delay 500us", "rate 10mbps", "rate 0mbit", "rate", "seed -1", "seed x", "jitter 5ms",
        "reorder 5% 2", "duplicate 1%%",
    };
    struct pp_impair im;
    char err[256];
    size_t i;

    ASSERT_EQ(pp_impair_parse("loss 2% delay 10ms reorder 5% 20ms duplicate 1%, corrupt 0.1% "
                              "rate 10Mbit seed 7", &im, err), 0);
    ASSERT(fabs(im.loss - 0.02) < 1e-12);
    ASSERT(fabs(im.reorder - 0.05) < 1e-12);
    ASSERT(fabs(im.dup - 0.01) < 1e-12);
    ASSERT(fabs(im.corrupt - 0.001) < 1e-12);
    ASSERT_EQ(im.delay_ms, 10u);
    ASSERT_EQ(im.reorder_ms, 20u);
    ASSERT_EQ(im.rate_bps, 10000000u);
    ASSERT_EQ(im.seed, 7u);
    ASSERT_EQ(pp_impair_parse("delay 1s reorder 1%", &im, err), 0);
    ASSERT_EQ(im.delay_ms, 1000u);
    ASSERT_EQ(im.reorder_ms, 0u);
    ASSERT_EQ(pp_impair_parse("delay 2000us", &im, err), 0);
    ASSERT_EQ(im.delay_ms, 2u);
    ASSERT_EQ(pp_impair_parse("", &im, err), 0);
    ASSERT_EQ(im.loss, 0.0);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = 0;
        if (pp_impair_parse(bad[i], &im, err) != -1)
            fprintf(stderr, "accepted: '%s'\n", bad[i]);
        ASSERT_EQ(pp_impair_parse(bad[i], &im, err), -1);
        ASSERT(err[0] != 0);
    }
    ASSERT_EQ(pp_impair_parse(NULL, &im, err), -1);
    ASSERT_EQ(pp_impair_parse("loss 1%", NULL, err), -1);
    ASSERT_EQ(pp_impair_parse("loss 1%", &im, NULL), -1);
}

TEST(wrappers_refuse_bad_arguments_and_non_wrappers)
{
    struct capture cap;
    struct pp_impair im, bad;
    struct pp_impair_stats s;
    char err[256];
    struct pp_link *l;

    capture_init(&cap, 1500); /* a push link: send only */
    memset(&im, 0, sizeof im);
    im.loss = 0.5;
    bad = im;
    bad.dup = 1.5;
    ASSERT(pp_link_impair(NULL, &im, NULL, err) == NULL);
    ASSERT(pp_link_impair(&cap.link, &im, NULL, NULL) == NULL);
    err[0] = 0;
    ASSERT(pp_link_impair(&cap.link, &bad, NULL, err) == NULL);
    ASSERT(strstr(err, "between 0 and 1") != NULL);
    bad.dup = NAN;
    ASSERT(pp_link_impair(&cap.link, NULL, &bad, err) == NULL);
    /* Nothing comes in through a push link: no receive impairment. */
    ASSERT(pp_link_impair(&cap.link, NULL, &im, err) == NULL);
    ASSERT(strstr(err, "pushed") != NULL);
    ASSERT(pp_link_capture(&cap.link, NULL, err) == NULL);
    ASSERT(pp_link_capture(&cap.link, "/nonexistent-dir/x.pcap", err) == NULL);
    ASSERT(pp_link_capture(NULL, "/tmp/x.pcap", err) == NULL);
    ASSERT(pp_link_wrap_free(NULL) == NULL);
    ASSERT(pp_link_wrap_free(&cap.link) == NULL);
    ASSERT_EQ(pp_link_impair_stats(&cap.link, &s, &s), -EINVAL);
    ASSERT_EQ(pp_link_capture_count(&cap.link), -EINVAL);
    ASSERT_EQ(pp_link_impair_stats(NULL, &s, &s), -EINVAL);
    /* A wrapper of one kind is not the other. */
    l = pp_link_impair(&cap.link, &im, NULL, err);
    ASSERT(l != NULL);
    ASSERT_EQ(pp_link_capture_count(l), -EINVAL);
    ASSERT_EQ(pp_link_impair_stats(l, NULL, NULL), 0);
    ASSERT(pp_link_wrap_free(l) == &cap.link);
    ASSERT(cap.link.ready == NULL); /* given back as it was */
}
