/* test_tcp_segments.c - one stack's TCP against hand-made segments, with a
 * fake clock: what it sends, segment by segment (zero-window probes, RFC
 * 5961 challenge ACKs, exact RSTs, out-of-window data). */
#include <errno.h>

#include "tcp_fixture.h"

/* A segment from the peer 192.0.2.1:80 to us, with a TS option when tsval
 * is not 0. */
static void seg_opt(uint32_t seq, uint32_t ack, uint16_t flags, uint16_t win, uint32_t tsval,
                    const char *data)
{
    struct pp_tcp_hdr t;
    memset(&t, 0, sizeof t);
    t.sport = 80;
    t.dport = lport;
    t.seq = seq;
    t.ack = ack;
    t.flags = flags;
    t.window = win;
    if (tsval) {
        t.opts.has_ts = 1;
        t.opts.tsval = tsval;
        t.opts.tsecr = 1;
    }
    if (flags & PP_TCP_SYN) {
        t.opts.has_mss = 1;
        t.opts.mss = 1000;
    }
    send_from_peer(&t, data);
}

static void seg(uint32_t seq, uint32_t ack, uint16_t flags, uint16_t win, const char *data)
{
    seg_opt(seq, ack, flags, win, 0, data);
}

/* Connects to 192.0.2.1:80 and completes the handshake with window win;
 * the peer's ISN is peer_isn - 1 (so its data starts at peer_isn). */
static uint32_t peer_isn = 5001;
static void established(uint16_t win)
{
    struct pp_tcp_hdr t;
    fixture_start();
    connect_to_peer();
    seg(peer_isn - 1, iss + 1, PP_TCP_SYN | PP_TCP_ACK, win, NULL); /* no wscale: unscaled */
    t = last();
    ASSERT_EQ(t.flags, PP_TCP_ACK);
    ASSERT_EQ(t.ack, peer_isn);
}

TEST(peer_isn_anywhere_in_sequence_space)
{
    /* Regression: with the peer's ISN half the sequence space away from 0,
     * the window edge we tracked from before the SYN made every later
     * segment look out of window. */
    static const uint32_t isns[] = {0x7fff0001u, 0x80000001u, 0xfffffff0u, 1u};
    size_t i;
    for (i = 0; i < sizeof isns / sizeof isns[0]; i++) {
        char buf[8];
        peer_isn = isns[i];
        established(1000);
        seg(peer_isn, iss + 1, PP_TCP_ACK | PP_TCP_PSH, 1000, "pong");
        ASSERT_EQ(pp_recv(st, fd, buf, sizeof buf, 0), 4);
        pp_stack_free(st);
    }
    peer_isn = 5001;
}

TEST(zero_window_is_probed)
{
    struct pp_tcp_hdr t;
    int n;
    established(0);
    n = cap.n;
    ASSERT_EQ(pp_send(st, fd, "hello", 5, 0), 5);
    ASSERT_EQ(cap.n, n); /* window closed: nothing goes */
    pp_stack_poll(st, now += 1100);
    ASSERT_EQ(cap.n, n + 1);
    t = last();
    /* The probe, as Linux sends it: no data, SEG.SEQ = SND.UNA - 1, so
     * the peer must answer with its window and no byte goes beyond it. */
    ASSERT_EQ(t.payload_len, 0);
    ASSERT_EQ(t.seq, iss);
    ASSERT_EQ(pp_stack_counter(st, "tcp.window_probes"), 1);
    /* The window opens: everything goes. */
    seg(5001, iss + 1, PP_TCP_ACK, 1000, NULL);
    t = last();
    ASSERT_EQ(t.payload_len, 5);
    ASSERT_MEMEQ(t.payload, "hello", 5);
    pp_stack_free(st);
}

TEST(rst_exact_resets_in_window_challenges)
{
    struct pp_tcp_hdr t;
    char buf[8];
    int n;
    established(1000);
    n = cap.n;
    seg(5001 + 100, 0, PP_TCP_RST, 0, NULL); /* in the window, not exact */
    ASSERT_EQ(cap.n, n + 1);
    t = last();
    ASSERT_EQ(t.flags, PP_TCP_ACK); /* challenge ACK (RFC 5961 3.2) */
    ASSERT_EQ(t.ack, 5001);
    ASSERT_EQ(pp_stack_counter(st, "tcp.challenge_acks"), 1);
    seg(5001 + 100, 0, PP_TCP_RST, 0, NULL); /* again at once: limited (RFC 5961 7) */
    ASSERT_EQ(cap.n, n + 1);
    ASSERT_EQ(pp_stack_counter(st, "tcp.challenge_acks_limited"), 1);
    pp_stack_poll(st, now += 600); /* one challenge ACK per 500 ms */
    seg(5001 + 10, iss + 1, PP_TCP_SYN, 1000, NULL); /* SYN in the window */
    ASSERT_EQ(pp_stack_counter(st, "tcp.challenge_acks"), 2);
    ASSERT_EQ(pp_recv(st, fd, buf, sizeof buf, 0), -EAGAIN); /* still alive */
    seg(900000, iss + 1, PP_TCP_ACK, 1000, "out of window");
    t = last();
    ASSERT_EQ(t.ack, 5001); /* an ACK, data dropped */
    ASSERT_EQ(pp_recv(st, fd, buf, sizeof buf, 0), -EAGAIN);
    seg(5001, 0, PP_TCP_RST, 0, NULL); /* exact */
    ASSERT_EQ(pp_recv(st, fd, buf, sizeof buf, 0), -ECONNRESET);
    pp_stack_free(st);
}

TEST(out_of_order_data_is_queued_then_delivered)
{
    struct pp_tcp_hdr t;
    char buf[32];
    established(1000);
    seg(5001 + 5, iss + 1, PP_TCP_ACK, 1000, "world");
    t = last();
    ASSERT_EQ(t.ack, 5001); /* a duplicate ACK asks for the hole */
    ASSERT_EQ(pp_recv(st, fd, buf, sizeof buf, 0), -EAGAIN);
    seg(5001, iss + 1, PP_TCP_ACK, 1000, "hello");
    t = last();
    ASSERT_EQ(t.ack, 5011);
    ASSERT_EQ(pp_recv(st, fd, buf, sizeof buf, 0), 10);
    ASSERT_MEMEQ(buf, "helloworld", 10);
    pp_stack_free(st);
}

TEST(retransmission_backs_off_and_gives_up)
{
    struct pp_tcp_hdr t;
    int i, n;
    established(1000);
    ASSERT_EQ(pp_send(st, fd, "data", 4, 0), 4);
    n = cap.n;
    /* The handshake took no time on the fake clock: SRTT 1 ms, so the RTO
     * is SRTT + the 200 ms floor (Linux's form), doubling each time. */
    pp_stack_poll(st, now += 200);
    ASSERT_EQ(cap.n, n);
    pp_stack_poll(st, now += 1);
    ASSERT_EQ(cap.n, n + 1);
    t = last();
    ASSERT_EQ(t.seq, iss + 1);
    ASSERT_EQ(t.payload_len, 4);
    pp_stack_poll(st, now += 401);
    ASSERT_EQ(cap.n, n + 1);
    pp_stack_poll(st, now += 1);
    ASSERT_EQ(cap.n, n + 2);
    for (i = 0; i < 400 && pp_stack_counter(st, "tcp.timeouts") == 0; i++)
        pp_stack_poll(st, now += 5000);
    ASSERT_EQ(pp_stack_counter(st, "tcp.timeouts"), 1);
    {
        char buf[4];
        ASSERT_EQ(pp_recv(st, fd, buf, sizeof buf, 0), -ETIMEDOUT);
    }
    pp_stack_free(st);
}

TEST(delayed_ack_every_second_segment_or_40ms)
{
    static char full[1001];
    struct pp_tcp_hdr t;
    uint32_t seq = 5001;
    int n, i;
    established(1000); /* the peer's MSS is 1000 */
    memset(full, 'f', 1000);
    /* Quick-ACK mode first, as Linux: the first 16 segments are
     * acknowledged one by one. */
    for (i = 0; i < 16; i++, seq += 1000) {
        n = cap.n;
        seg(seq, iss + 1, PP_TCP_ACK, 1000, full);
        ASSERT_EQ(cap.n, n + 1);
        ASSERT_EQ(last().ack, seq + 1000);
        ASSERT_EQ(pp_recv(st, fd, full, 1000, 0), 1000);
    }
    n = cap.n;
    seg(seq, iss + 1, PP_TCP_ACK, 1000, full);
    ASSERT_EQ(cap.n, n); /* one full segment: the ACK waits */
    ASSERT_EQ(pp_stack_counter(st, "tcp.delayed_acks"), 1);
    seg(seq + 1000, iss + 1, PP_TCP_ACK, 1000, full);
    ASSERT_EQ(cap.n, n + 1); /* the second: ACK at once */
    t = last();
    ASSERT_EQ(t.ack, seq + 2000);
    seg(seq + 2000, iss + 1, PP_TCP_ACK, 1000, full);
    ASSERT_EQ(cap.n, n + 1);
    pp_stack_poll(st, now += 39);
    ASSERT_EQ(cap.n, n + 1);
    pp_stack_poll(st, now += 1);
    ASSERT_EQ(cap.n, n + 2); /* the timer: 40 ms */
    t = last();
    ASSERT_EQ(t.ack, seq + 3000);
    /* Idle for longer than the RTO: quick-ACK mode again. */
    pp_stack_poll(st, now += 5000);
    seg(seq + 3000, iss + 1, PP_TCP_ACK, 1000, full);
    ASSERT_EQ(cap.n, n + 3);
    ASSERT_EQ(last().ack, seq + 4000);
    pp_stack_free(st);
}

/* Regression (bench_tcp's bulk sat out the 40 ms delayed-ACK timer several
 * times a second): an offered window that would shrink is rounded up to the
 * scale unit, so a peer that fills it passes rcv_adv by up to 255 bytes;
 * the read that emptied the buffer then took the window offered for 4 GB
 * and sent no update, and the peer had nothing to send into. */
TEST(reading_after_the_peer_filled_a_rounded_window_opens_it)
{
    static char data[1001], buf[8192];
    struct sockaddr_in to = sin_of(HOST_A, 80);
    struct pp_tcp_hdr t;
    int rcvbuf = 3000, n, i;
    uint32_t seq = peer_isn, start, edge, sent;
    size_t got = 0;
    ssize_t r;

    fixture_start();
    fd = pp_socket(st, PP_SOCK_STREAM | PP_SOCK_NONBLOCK);
    ASSERT_EQ(pp_setsockopt(st, fd, PP_SO_RCVBUF, &rcvbuf, sizeof rcvbuf), 0);
    ASSERT_EQ(pp_connect(st, fd, SA(to)), -EINPROGRESS);
    t = last();
    ASSERT(t.opts.has_wscale);
    lport = t.sport;
    iss = t.seq;
    syn_ack_from_peer(0, 7);
    ASSERT_EQ(last().ack, peer_isn);
    /* Past quick-ACK mode (16 one-byte segments, read at once), so full
     * segments' ACKs are delayed as in a bulk transfer. */
    for (i = 0; i < 16; i++, seq++) {
        seg(seq, iss + 1, PP_TCP_ACK, 512, "q");
        ASSERT_EQ(pp_recv(st, fd, buf, sizeof buf, 0), 1);
    }
    t = last();
    start = seq;
    edge = t.ack + ((uint32_t)t.window << 8); /* we scale by 8 (TCP_WSCALE) */
    /* With no reader, the peer sends full segments into the widest window
     * offered while one fits (sender SWS avoidance). */
    memset(data, 'w', 1000);
    while ((int32_t)(edge - seq) >= 1000) {
        seg(seq, iss + 1, PP_TCP_ACK, 512, data);
        seq += 1000;
        t = last();
        if ((int32_t)(t.ack + ((uint32_t)t.window << 8) - edge) > 0)
            edge = t.ack + ((uint32_t)t.window << 8);
    }
    /* The last window was rounded up to the scale unit and the peer used
     * all of it: more came than the 2,816 bytes of the 3,000 the buffer
     * offered unrounded, and the last segment's ACK is still delayed. */
    sent = seq - start;
    ASSERT_EQ(sent, 3000u);
    ASSERT(last().ack != seq);
    n = cap.n;
    while ((r = pp_recv(st, fd, buf, sizeof buf, 0)) > 0)
        got += (size_t)r;
    ASSERT_EQ(got, (size_t)sent);
    /* The buffer is empty: a window update goes at once, offering it. */
    ASSERT_EQ(cap.n, n + 1);
    t = last();
    ASSERT_EQ(t.ack, seq);
    ASSERT_GE((uint32_t)t.window << 8, 2816u);
    pp_stack_free(st);
}

/* SO_SNDBUF and SO_RCVBUF set once connected (as a server does on the
 * sockets accept() returns) size the connection's queues, as on Linux;
 * they were kept for show and the queues stayed as they were. */
TEST(buffer_sizes_set_once_connected_apply_to_the_connection)
{
    static char data[10001];
    struct pp_tcp_hdr t;
    int v = 4000, big = 20000;
    socklen_t l = sizeof v;

    established(60000);
    ASSERT_EQ(pp_setsockopt(st, fd, PP_SO_SNDBUF, &v, sizeof v), 0);
    /* The send queue holds 4,000 bytes: a non-blocking write takes that
     * much, then nothing until some is acknowledged. */
    ASSERT_EQ(pp_send(st, fd, data, sizeof data, 0), 4000);
    ASSERT_EQ(pp_send(st, fd, data, sizeof data, 0), -EAGAIN);
    seg(peer_isn, iss + 1 + 1000, PP_TCP_ACK, 60000, NULL);
    ASSERT_EQ(pp_send(st, fd, data, sizeof data, 0), 1000);
    v = 0;
    ASSERT_EQ(pp_getsockopt(st, fd, PP_SO_SNDBUF, &v, &l), 0);
    ASSERT_EQ(v, 4000);
    pp_stack_free(st);

    /* A receive buffer of 2,000 bytes when connecting, 20,000 once
     * connected: the next window offers the new one (unscaled here, so to
     * the byte). */
    fixture_start();
    fd = pp_socket(st, PP_SOCK_STREAM | PP_SOCK_NONBLOCK);
    v = 2000;
    ASSERT_EQ(pp_setsockopt(st, fd, PP_SO_RCVBUF, &v, sizeof v), 0);
    {
        struct sockaddr_in to = sin_of(HOST_A, 80);
        ASSERT_EQ(pp_connect(st, fd, SA(to)), -EINPROGRESS);
    }
    lport = last().sport;
    iss = last().seq;
    seg(peer_isn - 1, iss + 1, PP_TCP_SYN | PP_TCP_ACK, 60000, NULL); /* no wscale */
    ASSERT_EQ(last().window, 2000);
    ASSERT_EQ(pp_setsockopt(st, fd, PP_SO_RCVBUF, &big, sizeof big), 0);
    seg(peer_isn, iss + 1, PP_TCP_ACK, 60000, "x");
    t = last();
    ASSERT_EQ(t.ack, peer_isn + 1);
    ASSERT_EQ(t.window, 20000 - 1);
    /* Smaller again, 3,000: what was offered stays offered (the peer may
     * be sending into it); once that is read, the window is the new
     * size's. */
    v = 3000;
    ASSERT_EQ(pp_setsockopt(st, fd, PP_SO_RCVBUF, &v, sizeof v), 0);
    ASSERT_EQ(pp_recv(st, fd, data, sizeof data, 0), 1); /* the "x" */
    memset(data, 'y', 1000);
    data[1000] = 0;
    {
        uint32_t seq = peer_isn + 1;
        int i;
        for (i = 0; i < 19; i++, seq += 1000) {
            seg(seq, iss + 1, PP_TCP_ACK, 60000, data);
            /* The edge offered before never moves back. */
            ASSERT_GE((int32_t)(last().ack + last().window - (peer_isn + 20000u)), 0);
            ASSERT_EQ(pp_recv(st, fd, data, sizeof data, 0), 1000);
            data[1000] = 0;
        }
        seg(seq, iss + 1, PP_TCP_ACK, 60000, "z");
    }
    t = last();
    ASSERT_LE(t.window, 3000);
    ASSERT_GE(t.window, 3000 - 1 - 256);
    pp_stack_free(st);
}

TEST(nagle_holds_small_segments_while_data_is_in_flight)
{
    struct pp_tcp_hdr t;
    int n, one = 1;
    established(1000);
    n = cap.n;
    ASSERT_EQ(pp_send(st, fd, "a", 1, 0), 1);
    ASSERT_EQ(cap.n, n + 1); /* nothing in flight: goes at once */
    ASSERT_EQ(pp_send(st, fd, "b", 1, 0), 1);
    ASSERT_EQ(pp_send(st, fd, "c", 1, 0), 1);
    ASSERT_EQ(cap.n, n + 1); /* held back */
    seg(5001, iss + 2, PP_TCP_ACK, 1000, NULL);
    ASSERT_EQ(cap.n, n + 2);
    t = last();
    ASSERT_EQ(t.payload_len, 2); /* "bc" coalesced */
    ASSERT_EQ(pp_setsockopt(st, fd, PP_TCP_NODELAY, &one, sizeof one), 0);
    ASSERT_EQ(pp_send(st, fd, "d", 1, 0), 1);
    ASSERT_EQ(cap.n, n + 3); /* TCP_NODELAY: at once */
    pp_stack_free(st);
}

TEST(keepalive_probes_then_gives_up)
{
    struct pp_tcp_hdr t;
    char buf[4];
    int one = 1, idle = 10, intvl = 2, cnt = 3, n, i;
    established(1000);
    ASSERT_EQ(pp_setsockopt(st, fd, PP_SO_KEEPALIVE, &one, sizeof one), 0);
    ASSERT_EQ(pp_setsockopt(st, fd, PP_TCP_KEEPIDLE, &idle, sizeof idle), 0);
    ASSERT_EQ(pp_setsockopt(st, fd, PP_TCP_KEEPINTVL, &intvl, sizeof intvl), 0);
    ASSERT_EQ(pp_setsockopt(st, fd, PP_TCP_KEEPCNT, &cnt, sizeof cnt), 0);
    ASSERT_EQ(pp_setsockopt(st, fd, PP_TCP_KEEPCNT, &idle, 0), -EINVAL);
    n = cap.n;
    for (i = 0; i < 99; i++)
        pp_stack_poll(st, now += 100);
    ASSERT_EQ(cap.n, n); /* 9.9 s of silence: nothing yet */
    pp_stack_poll(st, now += 200);
    ASSERT_EQ(cap.n, n + 1);
    t = last();
    ASSERT_EQ(t.seq, iss); /* SND.NXT - 1: the peer must answer */
    ASSERT_EQ(t.payload_len, 0);
    /* An answer resets the count; then silence again. */
    seg(5001, iss + 1, PP_TCP_ACK, 1000, NULL);
    for (i = 0; i < 200 && pp_stack_counter(st, "tcp.keepalive_drops") == 0; i++)
        pp_stack_poll(st, now += 500);
    ASSERT_EQ(pp_stack_counter(st, "tcp.keepalive_probes"), 1 + 3);
    ASSERT_EQ(pp_stack_counter(st, "tcp.keepalive_drops"), 1);
    ASSERT_EQ(pp_recv(st, fd, buf, sizeof buf, 0), -ETIMEDOUT);
    pp_stack_free(st);
}

TEST(congestion_control_choice)
{
    int v = -1;
    socklen_t vl = sizeof v;
    established(1000);
    ASSERT_EQ(pp_getsockopt(st, fd, PP_TCP_CONGESTION, &v, &vl), 0);
    ASSERT_EQ(v, PP_CC_CUBIC_ID); /* the default, as on Linux */
    v = PP_CC_NEWRENO_ID;
    ASSERT_EQ(pp_setsockopt(st, fd, PP_TCP_CONGESTION, &v, sizeof v), 0);
    v = 7;
    ASSERT_EQ(pp_setsockopt(st, fd, PP_TCP_CONGESTION, &v, sizeof v), -ENOENT);
    pp_stack_free(st);
}

/* A fresh stack with a listener on port 80 (backlog given); returns its fd. */
static int listening(int backlog)
{
    struct sockaddr_in any = sin_of(0, 80);
    int lis;
    fixture_start();
    lis = pp_socket(st, PP_SOCK_STREAM | PP_SOCK_NONBLOCK);
    ASSERT_EQ(pp_bind(st, lis, SA(any)), 0);
    ASSERT_EQ(pp_listen(st, lis, backlog), 0);
    return lis;
}

/* A SYN from the peer's port sport to our listener on 80, MSS 1460. */
static struct pp_tcp_hdr peer_syn(uint16_t sport, uint32_t seq, uint16_t window)
{
    struct pp_tcp_hdr s;
    memset(&s, 0, sizeof s);
    s.sport = sport;
    s.dport = 80;
    s.seq = seq;
    s.flags = PP_TCP_SYN;
    s.window = window;
    s.opts.has_mss = 1;
    s.opts.mss = 1460;
    return s;
}


TEST(syn_cookies_when_the_queue_is_full)
{
    struct sockaddr_in peer;
    socklen_t pl = sizeof peer;
    struct pp_tcp_hdr t;
    uint32_t cookie = 0;
    char buf[16];
    int lis = listening(2), c, i;
    /* A flood of SYNs from many ports: two take the queue, the rest get
     * cookies. */
    for (i = 0; i < 10; i++) {
        struct pp_tcp_hdr s = peer_syn((uint16_t)(30000 + i), 1000u * (uint32_t)i, 1000);
        send_from_peer(&s, NULL);
        t = last();
        ASSERT_EQ(t.flags, PP_TCP_SYN | PP_TCP_ACK);
        if (i == 9)
            cookie = t.seq;
    }
    ASSERT_EQ(pp_stack_counter(st, "tcp.syncookies_sent"), 8);
    (void)lis;
    ASSERT_EQ(t.opts.has_wscale, 0); /* a cookie cannot remember it */
    /* The last client completes its handshake with data: rebuilt from the
     * cookie, accepted, data delivered. */
    {
        struct pp_tcp_hdr a;
        memset(&a, 0, sizeof a);
        a.sport = 30009;
        a.dport = 80;
        a.seq = 9001;
        a.ack = cookie + 1;
        a.flags = PP_TCP_ACK | PP_TCP_PSH;
        a.window = 1000;
        send_from_peer(&a, "hi!");
        ASSERT_EQ(pp_stack_counter(st, "tcp.syncookies_ok"), 1);
        c = pp_accept(st, lis, (struct sockaddr *)&peer, &pl);
        ASSERT_GE(c, 0);
        ASSERT_EQ(ntohs(peer.sin_port), 30009);
        ASSERT_EQ(pp_recv(st, c, buf, sizeof buf, PP_MSG_DONTWAIT), 3);
        ASSERT_MEMEQ(buf, "hi!", 3);
        /* A forged cookie: RST, no connection. */
        a.sport = 30008;
        a.seq = 8001;
        a.ack = cookie + 1; /* the cookie of another client */
        send_from_peer(&a, NULL);
        ASSERT_EQ(pp_stack_counter(st, "tcp.syncookies_failed"), 1);
        t = last();
        ASSERT_EQ(t.flags, PP_TCP_RST);
    }
    pp_stack_free(st);
}

TEST(syn_ack_answers_every_option_combination)
{
    unsigned mask;
    listening(64);
    for (mask = 0; mask < 16; mask++) {
        struct pp_tcp_hdr s, r;
        memset(&s, 0, sizeof s);
        s.sport = (uint16_t)(20000 + mask);
        s.dport = 80;
        s.seq = 77;
        s.flags = PP_TCP_SYN;
        s.window = 1000;
        if (mask & 1) { s.opts.has_mss = 1; s.opts.mss = 1200; }
        if (mask & 2) { s.opts.has_wscale = 1; s.opts.wscale = 9; }
        if (mask & 4) s.opts.sack_perm = 1;
        if (mask & 8) { s.opts.has_ts = 1; s.opts.tsval = 4242; }
        send_from_peer(&s, NULL);
        r = last();
        ASSERT_EQ(r.flags, PP_TCP_SYN | PP_TCP_ACK);
        ASSERT_EQ(r.ack, 78);
        ASSERT(r.opts.has_mss); /* always (RFC 9293 3.7.1) */
        /* The rest only if the client offered it (RFC 7323, RFC 2018). */
        ASSERT_EQ(r.opts.has_wscale, !!(mask & 2));
        ASSERT_EQ(r.opts.sack_perm, !!(mask & 4));
        ASSERT_EQ(r.opts.has_ts, !!(mask & 8));
        if (mask & 8)
            ASSERT_EQ(r.opts.tsecr, 4242);
    }
    pp_stack_free(st);
}

/* Peer port sport (ISN 999) connects to listener lis; we accept and close
 * first, the peer ACKs our FIN and sends its own: TIME_WAIT here.  Returns
 * the peer's FIN segment (to send again). */
static struct pp_tcp_hdr closed_by_us_first(int lis, uint16_t sport)
{
    struct pp_tcp_hdr s, t;
    int c;
    memset(&s, 0, sizeof s);
    s.sport = sport;
    s.dport = 80;
    s.seq = 1000;
    s.flags = PP_TCP_SYN;
    s.window = 1000;
    send_from_peer(&s, NULL);
    t = last();
    ASSERT_EQ(t.flags, PP_TCP_SYN | PP_TCP_ACK);
    s.flags = PP_TCP_ACK;
    s.seq = 1001;
    s.ack = t.seq + 1;
    send_from_peer(&s, NULL);
    c = pp_accept(st, lis, NULL, NULL);
    ASSERT_GE(c, 0);
    ASSERT_EQ(pp_close(st, c), 0); /* our FIN */
    t = last();
    ASSERT(t.flags & PP_TCP_FIN);
    s.flags = PP_TCP_ACK | PP_TCP_FIN; /* the peer acknowledges and closes */
    s.ack = t.seq + 1;
    send_from_peer(&s, NULL);
    t = last();
    ASSERT_EQ(t.flags, PP_TCP_ACK);
    ASSERT_EQ(t.ack, 1002);
    return s;
}

/* RFC 1122 4.2.2.13: after a server-side close leaves TIME_WAIT, a SYN
 * from the same client port with a higher sequence number opens a new
 * connection at once; an older one only gets the TIME_WAIT ACK. */
TEST(syn_beyond_time_wait_reopens)
{
    struct pp_tcp_hdr s, t;
    int lis = listening(8);
    closed_by_us_first(lis, 30000);
    /* An old SYN: the TIME_WAIT ACK, no new connection. */
    memset(&s, 0, sizeof s);
    s.sport = 30000;
    s.dport = 80;
    s.seq = 500;
    s.flags = PP_TCP_SYN;
    s.window = 1000;
    send_from_peer(&s, NULL);
    t = last();
    ASSERT_EQ(t.flags, PP_TCP_ACK);
    ASSERT_EQ(t.ack, 1002);
    /* A new SYN beyond the old sequence space: SYN/ACK. */
    s.seq = 900000;
    send_from_peer(&s, NULL);
    t = last();
    ASSERT_EQ(t.flags, PP_TCP_SYN | PP_TCP_ACK);
    ASSERT_EQ(t.ack, 900001);
    ASSERT_EQ(pp_stack_counter(st, "tcp.tw_reopened"), 1);
}

/* RFC 9293 3.10.7.4: TIME_WAIT holds the 4-tuple for 2*MSL (60 s here),
 * answering for the connection, and a retransmitted FIN restarts the wait;
 * afterwards the tuple is free and an old SYN opens a new connection. */
TEST(time_wait_lasts_two_msl_and_a_fin_restarts_it)
{
    struct pp_tcp_hdr s, t;
    int lis = listening(8);
    s = closed_by_us_first(lis, 30001);
    ASSERT_EQ(pp_stack_counter(st, "tcp.time_waits"), 1);
    /* Half-way through, the peer's FIN again: ACKed, and the wait restarts. */
    pp_stack_poll(st, now + 30000);
    send_from_peer(&s, NULL);
    t = last();
    ASSERT_EQ(t.flags, PP_TCP_ACK);
    ASSERT_EQ(t.ack, 1002);
    /* 61 s after the first FIN: still held (restarted at 30 s). */
    pp_stack_poll(st, now + 61000);
    ASSERT_EQ(pp_stack_counter(st, "tcp.tw_expired"), 0);
    memset(&s, 0, sizeof s);
    s.sport = 30001;
    s.dport = 80;
    s.seq = 500; /* older than the connection's: only the TIME_WAIT ACK */
    s.flags = PP_TCP_SYN;
    s.window = 1000;
    send_from_peer(&s, NULL);
    t = last();
    ASSERT_EQ(t.flags, PP_TCP_ACK);
    ASSERT_EQ(t.ack, 1002);
    /* 2*MSL after the restart: gone, and the same SYN opens a connection. */
    ASSERT_LE(pp_stack_poll(st, now + 89000), now + 90000); /* its expiry is the next deadline */
    pp_stack_poll(st, now + 90001);
    ASSERT_EQ(pp_stack_counter(st, "tcp.tw_expired"), 1);
    send_from_peer(&s, NULL);
    t = last();
    ASSERT_EQ(t.flags, PP_TCP_SYN | PP_TCP_ACK);
    ASSERT_EQ(t.ack, 501);
    ASSERT_EQ(pp_stack_counter(st, "tcp.tw_reopened"), 0);
    pp_stack_free(st);
}

/* Sends an ICMP "fragmentation needed" (or another unreachable) from the
 * peer quoting the first 28 bytes of the packet we sent last, with the
 * quoted sequence number replaced by seq. */
static void icmp_about_last(uint8_t code, uint16_t mtu, uint32_t seq)
{
    uint8_t l4[64], pkt[128];
    struct pp_icmp_hdr h;
    memset(&h, 0, sizeof h);
    h.type = PP_ICMP_UNREACH;
    h.code = code;
    h.mtu = mtu;
    memcpy(l4 + 8, cap.pkt[cap.n - 1], 28);
    pp_put32(l4 + 8 + 24, seq);
    pp_icmp_emit(l4, sizeof l4, &h, 28);
    pp_stack_input(st, pkt, build_ip(pkt, HOST_A, HOST_B, 1, l4, 36, 9, 0, 0));
}

/* RFC 5927: an ICMP error counts only if it quotes a sequence number in
 * flight; "fragmentation needed" then lowers the segment size (RFC 1191),
 * but never below a 552-byte MTU. */
TEST(icmp_errors_about_tcp_are_checked_before_believed)
{
    static char data[3000];
    struct pp_tcp_hdr t;
    int n;
    established(65535);
    memset(data, 'x', sizeof data);
    ASSERT_EQ(pp_send(st, fd, data, sizeof data, 0), (ssize_t)sizeof data);
    t = last();
    ASSERT_EQ(t.payload_len, 1000); /* full-sized segments first (the peer's MSS) */
    icmp_about_last(PP_UNREACH_NEEDFRAG, 800, iss + 1 + 100000); /* not in flight */
    ASSERT_EQ(pp_stack_counter(st, "tcp.icmp_ignored"), 1);
    icmp_about_last(PP_UNREACH_NEEDFRAG, 300, iss + 1); /* below the floor */
    ASSERT_EQ(pp_stack_counter(st, "tcp.icmp_ignored"), 2);
    ASSERT_EQ(pp_stack_counter(st, "tcp.pmtu_updates"), 0);
    n = cap.n;
    icmp_about_last(PP_UNREACH_NEEDFRAG, 800, iss + 1); /* believable */
    ASSERT_EQ(pp_stack_counter(st, "tcp.pmtu_updates"), 1);
    ASSERT_GT(cap.n, n);
    t = captured(n);
    ASSERT_EQ(t.seq, iss + 1);
    ASSERT_EQ(t.payload_len, 760); /* resent from SND.UNA at the new size */
    icmp_about_last(PP_UNREACH_HOST, 0, iss + 1); /* a soft error: the connection lives */
    ASSERT_EQ(pp_stack_counter(st, "tcp.icmp_soft_errors"), 1);
    ASSERT_EQ(pp_send(st, fd, "more", 4, 0), 4);
}

/* The answer to a probe that still shows a shut window re-arms the
 * probe timer from that answer, backed off (as Linux); an answer that
 * opens the window lets the queued data go at once. */
TEST(zero_window_probe_answer_rearms_then_opens)
{
    struct pp_tcp_hdr t;
    int n;
    established(0);
    ASSERT_EQ(pp_send(st, fd, "hello", 5, 0), 5);
    pp_stack_poll(st, now += 1100);
    ASSERT_EQ(pp_stack_counter(st, "tcp.window_probes"), 1);
    seg(5001, iss + 1, PP_TCP_ACK, 0, NULL); /* still shut */
    n = cap.n;
    pp_stack_poll(st, now += 300); /* the RTO, doubled by the first probe, is >= 400 ms */
    ASSERT_EQ(cap.n, n);
    pp_stack_poll(st, now += 1000);
    ASSERT_EQ(pp_stack_counter(st, "tcp.window_probes"), 2);
    seg(5001, iss + 1, PP_TCP_ACK, 1000, NULL); /* open */
    t = last();
    ASSERT_EQ(t.seq, iss + 1);
    ASSERT_EQ(t.payload_len, 5);
    pp_stack_free(st);
}

/* Regression (found by the soak): a fast retransmission carried a full
 * segment from SND.UNA although only 40 bytes had been sent (the rest was
 * queued behind a 40-byte window); the peer's ACK of those bytes was then
 * ignored as an ACK of data never sent, and the connection stalled. */
TEST(fast_retransmit_resends_only_what_was_sent)
{
    static char data[200];
    struct pp_tcp_hdr t;
    int i;
    established(40);
    memset(data, 'z', sizeof data);
    ASSERT_EQ(pp_send(st, fd, data, 40, 0), 40);
    t = last();
    ASSERT_EQ(t.payload_len, 40);
    ASSERT_EQ(pp_send(st, fd, data, 100, 0), 100); /* queued: the window is full */
    for (i = 0; i < 3; i++) /* three duplicate ACKs */
        seg(5001, iss + 1, PP_TCP_ACK, 40, NULL);
    t = last();
    ASSERT_EQ(t.seq, iss + 1);
    ASSERT_EQ(t.payload_len, 40); /* not a byte beyond what was sent */
    seg(5001, iss + 41, PP_TCP_ACK, 1000, NULL); /* all of it acknowledged, window open */
    t = last();
    ASSERT_EQ(t.seq, iss + 41); /* and the queued 100 go */
    ASSERT_EQ(t.payload_len, 100);
    pp_stack_free(st);
}

static void seg_ts(uint32_t seq, uint32_t ack, uint16_t flags, uint32_t tsval, const char *data)
{
    seg_opt(seq, ack, flags, 20000, tsval, data);
}

/* Regression (packetdrill ts_recent/invalid_ack): a FIN that acknowledges
 * data never sent, carrying a huge TSval, must neither be answered nor
 * move TS.Recent (RFC 7323 5.3, RFC 9293 3.10.7.4); the peer's next real
 * segment, with its true (lower) timestamp, is then accepted rather than
 * dropped by PAWS. */
TEST(unacceptable_ack_leaves_ts_recent)
{
    struct pp_tcp_hdr t;
    char buf[16];
    int n;
    fixture_start();
    connect_to_peer();
    seg_ts(5000, iss + 1, PP_TCP_SYN | PP_TCP_ACK, 100, NULL);
    t = last();
    ASSERT_EQ(t.flags, PP_TCP_ACK);
    ASSERT_EQ(t.opts.tsecr, 100);
    n = cap.n;
    seg_ts(5001, iss + 9999, PP_TCP_FIN | PP_TCP_ACK, 200000, NULL);
    ASSERT_EQ(cap.n, n); /* dropped silently, as Linux */
    ASSERT_EQ(pp_stack_counter(st, "tcp.ack_unsent_drops"), 1);
    ASSERT_EQ(pp_stack_counter(st, "tcp.paws_drops"), 0);
    seg_ts(5001, iss + 1, PP_TCP_ACK | PP_TCP_PSH, 101, "data");
    ASSERT_EQ(pp_stack_counter(st, "tcp.paws_drops"), 0);
    ASSERT_EQ(pp_recv(st, fd, buf, sizeof buf, 0), 4);
    pp_stack_poll(st, now += 100); /* the delayed ACK, if any */
    t = last();
    ASSERT_EQ(t.ack, 5005);
    ASSERT_EQ(t.opts.tsecr, 101); /* TS.Recent from the real segment */
    pp_stack_free(st);
}

/* Sets the user timeout (RFC 5482) of the connecting socket. */
static void user_timeout(int ms)
{
    ASSERT_EQ(pp_setsockopt(st, fd, PP_TCP_USER_TIMEOUT, &ms, sizeof ms), 0);
}

/* Regression (packetdrill user_timeout/user-timeout-probe, the user timeout
 * was stored and ignored): data that stays unacknowledged ends the
 * connection with ETIMEDOUT exactly when the user timeout runs out -
 * counted from the first retransmission, as Linux counts it - even where
 * the backed-off RTO would fire later. */
TEST(user_timeout_ends_unacknowledged_data)
{
    int err = 0;
    socklen_t len = sizeof err;
    uint64_t first;
    established(1000);
    user_timeout(1500);
    ASSERT_EQ(pp_send(st, fd, "hello", 5, 0), 5);
    while (!pp_stack_counter(st, "tcp.retransmits"))
        pp_stack_poll(st, ++now);
    first = now;
    while (now < first + 1499) {
        pp_stack_poll(st, ++now);
        ASSERT_EQ(pp_stack_counter(st, "tcp.user_timeouts"), 0);
    }
    ASSERT_GT(pp_stack_counter(st, "tcp.retransmits"), 1); /* it did retry meanwhile */
    pp_stack_poll(st, now = first + 1500);
    ASSERT_EQ(pp_stack_counter(st, "tcp.user_timeouts"), 1);
    ASSERT_EQ(pp_getsockopt(st, fd, PP_SO_ERROR, &err, &len), 0);
    ASSERT_EQ(err, ETIMEDOUT);
    pp_stack_free(st);
}

/* Without a user timeout the retry count rules: 1.5 s of silence ends
 * nothing (the control for the test above). */
TEST(no_user_timeout_keeps_retrying)
{
    uint64_t sent;
    established(1000);
    ASSERT_EQ(pp_send(st, fd, "hello", 5, 0), 5);
    sent = now;
    while (now < sent + 5000)
        pp_stack_poll(st, ++now);
    ASSERT_EQ(pp_stack_counter(st, "tcp.user_timeouts"), 0);
    ASSERT_EQ(pp_stack_counter(st, "tcp.timeouts"), 0);
    ASSERT_EQ(pp_send(st, fd, "more", 4, 0), 4);
    pp_stack_free(st);
}

/* New data the link refuses (its queue full) was never sent: it is not
 * counted as in flight or lost, it is retried every 500 ms without backoff
 * (Linux's resource probe), and once the link takes packets again it goes
 * with the sequence number it would have had. */
TEST(link_refusal_is_retried_not_lost)
{
    struct pp_tcp_hdr t;
    int n;
    established(1000);
    cap.refuse = 1;
    ASSERT_EQ(pp_send(st, fd, "hello", 5, 0), 5);
    ASSERT_EQ(pp_stack_counter(st, "tcp.link_refused"), 1);
    ASSERT_EQ(pp_stack_counter(st, "tcp.resource_probes"), 0);
    pp_stack_poll(st, now += 1000); /* the first retry: one RTO later */
    ASSERT_EQ(pp_stack_counter(st, "tcp.resource_probes"), 1);
    pp_stack_poll(st, now += 499);
    ASSERT_EQ(pp_stack_counter(st, "tcp.resource_probes"), 1);
    pp_stack_poll(st, now += 1); /* then every half second, no backoff */
    ASSERT_EQ(pp_stack_counter(st, "tcp.resource_probes"), 2);
    pp_stack_poll(st, now += 500);
    ASSERT_EQ(pp_stack_counter(st, "tcp.resource_probes"), 3);
    ASSERT_EQ(pp_stack_counter(st, "tcp.retransmits"), 0);
    cap.refuse = 0;
    n = cap.n;
    pp_stack_poll(st, now += 500);
    ASSERT_EQ(cap.n, n + 1);
    t = last();
    ASSERT_EQ(t.seq, iss + 1); /* the bytes never left: same sequence number */
    ASSERT_EQ(t.flags & PP_TCP_ACK, PP_TCP_ACK);
    seg(peer_isn, iss + 6, PP_TCP_ACK, 1000, NULL);
    ASSERT_EQ(pp_stack_counter(st, "tcp.retransmits"), 0);
    pp_stack_free(st);
}

/* A run of resource probes ends at the user timeout counted from the first
 * probe, as Linux's tcp_probe_timer judges (user-timeout-probe.pkt: alive
 * 3.25 s after the write, dead 0.1 s later, with 3 s). */
TEST(user_timeout_ends_a_run_of_resource_probes)
{
    uint64_t first;
    established(1000);
    user_timeout(3000);
    cap.refuse = 1;
    ASSERT_EQ(pp_send(st, fd, "hello", 5, 0), 5);
    while (!pp_stack_counter(st, "tcp.resource_probes"))
        pp_stack_poll(st, ++now);
    first = now;
    while (now < first + 2999) {
        pp_stack_poll(st, ++now);
        ASSERT_EQ(pp_stack_counter(st, "tcp.user_timeouts"), 0);
    }
    ASSERT_EQ(pp_send(st, fd, "x", 1, 0), 1); /* still alive */
    pp_stack_poll(st, now = first + 3000);
    ASSERT_EQ(pp_stack_counter(st, "tcp.user_timeouts"), 1);
    ASSERT_EQ(pp_stack_counter(st, "tcp.resource_probes"), 6);
    ASSERT_EQ(pp_send(st, fd, "x", 1, 0), -ETIMEDOUT);
    pp_stack_free(st);
}

/* The IP TOS byte of the i-th packet the stack sent. */
static uint8_t captured_tos(int i)
{
    struct pp_ipv4_hdr ip;
    ASSERT(i >= 0 && i < cap.n);
    ASSERT_EQ(pp_ipv4_parse(cap.pkt[i], cap.len[i], &ip, 0), 20);
    return ip.tos;
}

/* TCP acts on its own copy of the options (tcp/tcp_sockopts.h): what a
 * listener was given reaches the connections it accepts (TCP_MAXSEG in the
 * SYN/ACK, IP_TOS on every segment), a change after connect() reaches the
 * connection (IP_TOS on the next segment, TCP_NODELAY sends what Nagle
 * held), and getsockopt reads back what the user set. */
TEST(socket_options_reach_the_connection)
{
    struct pp_tcp_hdr s, t;
    int lis = listening(4), tos = 0x20, mss = 1000, one = 1, v = 0, c;
    socklen_t vl = sizeof v;

    ASSERT_EQ(pp_setsockopt(st, lis, PP_IP_TOS, &tos, sizeof tos), 0);
    ASSERT_EQ(pp_setsockopt(st, lis, PP_TCP_MAXSEG, &mss, sizeof mss), 0);
    s = peer_syn(40000, 5000, 60000);
    send_from_peer(&s, NULL);
    t = last();
    ASSERT_EQ(t.flags, PP_TCP_SYN | PP_TCP_ACK);
    ASSERT_EQ(t.opts.mss, 1000);
    ASSERT_EQ(captured_tos(cap.n - 1), 0x20);
    s.flags = PP_TCP_ACK;
    s.seq = 5001;
    s.ack = t.seq + 1;
    s.opts.has_mss = 0;
    send_from_peer(&s, NULL);
    c = pp_accept(st, lis, NULL, NULL);
    ASSERT_GE(c, 0);
    ASSERT_EQ(pp_getsockopt(st, c, PP_IP_TOS, &v, &vl), 0);
    ASSERT_EQ(v, 0x20);
    /* Changed on the accepted connection: the next segment carries it. */
    tos = 0x48;
    ASSERT_EQ(pp_setsockopt(st, c, PP_IP_TOS, &tos, sizeof tos), 0);
    ASSERT_EQ(pp_send(st, c, "a", 1, 0), 1);
    ASSERT_EQ(captured_tos(cap.n - 1), 0x48);
    /* Nagle holds the second small write while the first is in flight;
     * TCP_NODELAY lets it go at once. */
    ASSERT_EQ(pp_send(st, c, "b", 1, 0), 1);
    t = last();
    ASSERT_EQ(t.payload_len, 1);
    ASSERT_EQ(t.seq, s.ack); /* still the first: "b" was held */
    ASSERT_EQ(pp_setsockopt(st, c, PP_TCP_NODELAY, &one, sizeof one), 0);
    t = last();
    ASSERT_EQ(t.seq, s.ack + 1);
    ASSERT_EQ(t.payload_len, 1);
    /* The listener's own value did not move. */
    ASSERT_EQ(pp_getsockopt(st, lis, PP_IP_TOS, &v, &vl), 0);
    ASSERT_EQ(v, 0x20);
    pp_stack_free(st);
}
