/* test_tcp_sack.c - SACK-based loss recovery (RFC 6675 with RFC 6937 PRR)
 * segment by segment: one stack against hand-made ACKs with SACK blocks,
 * on a fake clock. */
#include <errno.h>

#include "tcp_fixture.h"

/* An ACK from the peer, with up to two SACK blocks (0 for none). */
static void ack(uint32_t a, uint32_t l1, uint32_t r1, uint32_t l2, uint32_t r2)
{
    ack_from_peer(a, l1, r1, l2, r2);
}

/* A connection to 192.0.2.1:80 whose peer offered SACK (no timestamps,
 * MSS 1000, window 65535 unscaled). */
static void established_sack(void)
{
    fixture_start();
    connect_to_peer();
    syn_ack_from_peer(1, -1);
}

/* The highest sequence number sent so far. */
static uint32_t sent_max(void)
{
    uint32_t m = iss + 1;
    int i;
    for (i = 0; i < cap.n; i++) {
        struct pp_tcp_hdr t = captured(i);
        if ((int32_t)(t.seq + (uint32_t)t.payload_len - m) > 0)
            m = t.seq + (uint32_t)t.payload_len;
    }
    return m;
}

/* Acknowledges in order until at least ten segments are in flight; returns
 * the new SND.UNA. */
static uint32_t grow_to_ten(uint32_t una)
{
    while (sent_max() - una < 10000) {
        una += 1000;
        ack(una, 0, 0, 0, 0);
    }
    return una;
}

/* A SACK connection with 60,000 bytes (of fill) queued and ten segments in
 * flight; returns SND.UNA. */
static uint32_t ten_in_flight(char fill)
{
    static char data[60000];
    established_sack();
    memset(data, fill, sizeof data);
    ASSERT_EQ(pp_send(st, fd, data, sizeof data, 0), (ssize_t)sizeof data);
    return grow_to_ten(iss + 1);
}

TEST(sack_recovery_resends_the_hole_then_paces_new_data)
{
    int first, i, new_data = 0, k;
    uint32_t base = ten_in_flight('d');
    /* Segment 1 is lost; 2.. arrive and are SACKed one by one. */
    uint32_t high = sent_max();
    first = cap.n;
    ack(base, base + 1000, base + 2000, 0, 0);
    ack(base, base + 1000, base + 3000, 0, 0);
    /* Two duplicates: limited transmit (RFC 3042), one new segment each
     * as far as the peer's window allows, nothing resent yet. */
    ASSERT_GE(cap.n, first + 1);
    ASSERT_EQ(cap.n - first, (int)pp_stack_counter(st, "tcp.limited_transmits"));
    for (i = first; i < cap.n; i++)
        ASSERT((int32_t)(captured(i).seq - high) >= 0);
    high = sent_max();
    first = cap.n;
    ack(base, base + 1000, base + 4000, 0, 0);
    ASSERT_EQ(pp_stack_counter(st, "tcp.fast_retransmits"), 1);
    {
        struct pp_tcp_hdr t = captured(first);
        ASSERT_EQ(t.seq, base); /* the hole, first */
        ASSERT_EQ(t.payload_len, 1000);
    }
    /* More SACKs: PRR releases new data bit by bit, never a SACKed byte again. */
    for (k = 5; k <= 10; k++)
        ack(base, base + 1000, base + (uint32_t)k * 1000, 0, 0);
    for (i = first + 1; i < cap.n; i++) {
        struct pp_tcp_hdr t = captured(i);
        if (t.payload_len == 0)
            continue;
        ASSERT_LE(t.payload_len, 1000);
        if ((int32_t)(t.seq - high) >= 0)
            new_data++;
        else
            PP_TEST_FAIL("resent %u..%zu, which the peer holds", t.seq - base,
                         (size_t)(t.seq - base) + t.payload_len);
    }
    ASSERT_GT(new_data, 0);
    ASSERT_LT(new_data, 7); /* proportional, not a burst of the whole window */
    /* The hole arrives: everything acknowledged, recovery over, no timeout. */
    ack(sent_max(), 0, 0, 0, 0);
    ASSERT_EQ(pp_stack_counter(st, "tcp.retransmits"), 0);
    ASSERT_EQ(pp_stack_counter(st, "tcp.fast_retransmits"), 1);
    pp_stack_free(st);
}

TEST(sack_scoreboard_deems_a_hole_lost_without_three_duplicates)
{
    /* RFC 6675 5: three SACKed segments above SND.UNA mean it is lost,
     * even when the ACKs carrying them are not duplicates (here one ACK
     * SACKs three segments at once). */
    int first;
    uint32_t base = ten_in_flight('e');
    first = cap.n;
    ack(base, base + 1000, base + 4000, 0, 0);
    ASSERT_EQ(pp_stack_counter(st, "tcp.fast_retransmits"), 1);
    ASSERT_GT(cap.n, first);
    ASSERT_EQ(captured(first).seq, base);
    pp_stack_free(st);
}

TEST(two_holes_are_both_resent)
{
    int i, first, saw1 = 0, saw5 = 0;
    uint32_t base = ten_in_flight('f');
    first = cap.n;
    /* Segments 1 and 5 lost: SACKs for 2-4 and 6-10. */
    ack(base, base + 1000, base + 4000, base + 5000, base + 6000);
    ack(base, base + 1000, base + 4000, base + 5000, base + 8000);
    ack(base, base + 1000, base + 4000, base + 5000, base + 10000);
    for (i = first; i < cap.n; i++) {
        struct pp_tcp_hdr t = captured(i);
        saw1 |= t.seq == base && t.payload_len == 1000;
        saw5 |= t.seq == base + 4000 && t.payload_len == 1000;
    }
    ASSERT(saw1);
    ASSERT(saw5);
    ack(sent_max(), 0, 0, 0, 0);
    ASSERT_EQ(pp_stack_counter(st, "tcp.retransmits"), 0);
    pp_stack_free(st);
}

/* F-RTO (RFC 5682 3.1, SACK variant) sends two new segments after a
 * timeout; when those take the FIN along and a SACK then shows the
 * timeout was real, sending goes back to where the resend stopped.  The
 * FIN must then be sent again after the data, and the data resent as it
 * was: a FIN left marked as sent made the output count its sequence
 * number as a byte, resending every byte one place early and one byte
 * past the end of the stream. */
TEST(frto_going_back_after_the_fin_resends_the_data_as_it_was)
{
    static char data[12000];
    uint32_t base, end;
    int i, from, found = 0;
    for (i = 0; i < (int)sizeof data; i++)
        data[i] = (char)(i * 7 + 3);
    established_sack();
    pp_stack_set_tcp_tlp(st, 0); /* the timeout itself, not a probe before it */
    base = iss + 1;
    end = base + (uint32_t)sizeof data;
    ASSERT_EQ(pp_send(st, fd, data, sizeof data, 0), (ssize_t)sizeof data);
    ASSERT_EQ(pp_shutdown(st, fd, PP_SHUT_WR), 0);
    ASSERT_EQ(sent_max(), base + 10000); /* the initial window: 10 segments */
    for (i = 1; i <= 30 && last().seq != base; i++)
        pp_stack_poll(st, now + 100 * (uint64_t)i); /* the RTO: the first segment again */
    ASSERT_EQ(last().seq, base);
    ack(base + 1000, 0, 0, 0, 0); /* F-RTO step 2: two new segments, the FIN with them */
    ASSERT_EQ(sent_max(), end);
    ASSERT(last().flags & PP_TCP_FIN);
    from = cap.n;
    ack(base + 1000, end - 1000, end, 0, 0); /* the new data SACKed: the timeout was real */
    for (i = from; i < cap.n; i++) {
        struct pp_tcp_hdr t = captured(i);
        if (!t.payload_len)
            continue;
        ASSERT_LE(t.seq + (uint32_t)t.payload_len, end);
        ASSERT_MEMEQ(t.payload, data + (t.seq - base), t.payload_len < 1000 ? t.payload_len : 1000);
        found += t.seq == base + 1000;
    }
    ASSERT_EQ(found, 1);
    pp_stack_free(st);
}

/* RFC 2018 8: a receiver may drop data it has SACKed (reneging).  Here the
 * peer's ACK moves into a range it SACKed and then no further: the timeout
 * must resend from SND.UNA, not skip the range as still held (which sent
 * nothing, timeout after timeout). */
TEST(timeout_after_reneging_resends_from_snd_una)
{
    static char data[5000];
    uint32_t base;
    int i;
    memset(data, 'r', sizeof data);
    established_sack();
    pp_stack_set_tcp_tlp(st, 0);
    base = iss + 1;
    ASSERT_EQ(pp_send(st, fd, data, sizeof data, 0), (ssize_t)sizeof data);
    ASSERT_EQ(sent_max(), base + 5000);
    ack(base, base + 2000, base + 5000, 0, 0); /* holds 2000-5000 */
    ack(base + 2500, base + 2000, base + 5000, 0, 0); /* then ACKs into it and stops */
    cap.n = 0;
    for (i = 1; i <= 30 && cap.n == 0; i++)
        pp_stack_poll(st, now + 100 * (uint64_t)i);
    ASSERT_GT(cap.n, 0);
    ASSERT_EQ(captured(0).seq, base + 2500);
    ASSERT_GT(captured(0).payload_len, 0);
    ASSERT_EQ(pp_stack_counter(st, "tcp.sack_reneging"), 1);
    pp_stack_free(st);
}
