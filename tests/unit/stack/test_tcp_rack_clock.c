/* test_tcp_rack_clock.c - RACK (RFC 8985) on a path faster than a
 * millisecond: with a driver that gives the stack microseconds
 * (pp_stack_poll_us), the reordering window is a quarter of a minimum RTT
 * of a few hundred microseconds, so a loss is found within the round trip;
 * with one that gives milliseconds (pp_stack_poll) the window stays one
 * tick, as before.  One stack against hand-made SACKs on a fake clock. */
#include <errno.h>

#include "tcp_fixture.h"

static uint64_t t0; /* microseconds: the first segment's transmission */

static void at_us(uint64_t us)
{
    pp_stack_poll_us(st, t0 + us);
}

/* An ACK of a (no data), SACKing [l, r). */
static void sack(uint32_t a, uint32_t l, uint32_t r)
{
    ack_from_peer(a, l, r, 0, 0);
}

/* How many segments the stack sent that start at seq with data. */
static int sent_at(uint32_t seq)
{
    int i, n = 0;
    for (i = 0; i < cap.n; i++) {
        struct pp_tcp_hdr t = captured(i);
        n += t.seq == seq && t.payload_len > 0;
    }
    return n;
}

/* A SACK connection (MSS 1000, no timestamps) with segment A sent at t0
 * and segment B 10 us later (fine: the clock in microseconds), or in the
 * same millisecond (a driver in milliseconds). */
static void two_segments(int fine)
{
    static char data[1000];
    fixture_start();
    connect_to_peer();
    syn_ack_from_peer(1, -1);
    t0 = (now + 1) * 1000u;
    if (fine)
        at_us(0);
    else
        pp_stack_poll(st, now + 1);
    memset(data, 'r', sizeof data);
    ASSERT_EQ(pp_send(st, fd, data, sizeof data, 0), (ssize_t)sizeof data);
    if (fine)
        at_us(10);
    ASSERT_EQ(pp_send(st, fd, data, sizeof data, 0), (ssize_t)sizeof data);
    ASSERT_EQ(sent_at(iss + 1), 1);
    ASSERT_EQ(sent_at(iss + 1001), 1);
}

TEST(rack_finds_a_loss_within_the_round_trip_on_a_sub_millisecond_path)
{
    two_segments(1);
    /* B is SACKed 200 us after it left: RACK's RTT and minimum RTT are
     * 200 us, its window 50.  A, sent 10 us before B, is due by 250 us
     * after t0: at 210 it may still be on its way. */
    at_us(210);
    sack(iss + 1, iss + 1001, iss + 2001);
    ASSERT_EQ(sent_at(iss + 1), 1);
    ASSERT_EQ(pp_stack_counter(st, "tcp.rack_lost"), 0);
    /* At 260 us, a quarter of the round trip past its time: lost, and
     * resent at once - not a millisecond or a timer later. */
    at_us(260);
    sack(iss + 1, iss + 1001, iss + 2001);
    ASSERT_EQ(pp_stack_counter(st, "tcp.rack_lost"), 1);
    ASSERT_EQ(sent_at(iss + 1), 2);
    ASSERT_EQ(pp_stack_counter(st, "tcp.retransmits"), 0); /* no RTO */
    pp_stack_free(st);
}

TEST(rack_keeps_a_one_tick_window_when_the_driver_gives_milliseconds)
{
    two_segments(0);
    /* The same SACKs, from a driver whose clock reads in milliseconds: both
     * segments left within one tick, so RACK's RTT is 0 and its window the
     * tick; A waits for it (a retransmission now could be a needless one
     * on a path that reorders within the tick). */
    sack(iss + 1, iss + 1001, iss + 2001);
    sack(iss + 1, iss + 1001, iss + 2001);
    ASSERT_EQ(sent_at(iss + 1), 1);
    ASSERT_EQ(pp_stack_counter(st, "tcp.rack_lost"), 0);
    /* A tick later it is lost. */
    pp_stack_poll(st, now + 2);
    sack(iss + 1, iss + 1001, iss + 2001);
    ASSERT_EQ(pp_stack_counter(st, "tcp.rack_lost"), 1);
    ASSERT_EQ(sent_at(iss + 1), 2);
    pp_stack_free(st);
}

TEST(the_stack_clock_never_runs_back_between_the_two_drivers)
{
    /* A millisecond driver's reading within the millisecond the stack is
     * in keeps its microseconds; an older reading of either changes
     * nothing.  Seen through RACK: after both, the second SACK must find A
     * lost, as at 260 us (at 5 us it would not be). */
    two_segments(1);
    at_us(210);
    sack(iss + 1, iss + 1001, iss + 2001);
    at_us(260);
    pp_stack_poll(st, (t0 + 260) / 1000u); /* the same millisecond */
    pp_stack_poll_us(st, t0 + 5);          /* older */
    sack(iss + 1, iss + 1001, iss + 2001);
    ASSERT_EQ(pp_stack_counter(st, "tcp.rack_lost"), 1);
    ASSERT_EQ(sent_at(iss + 1), 2);
    pp_stack_free(st);
}

static uint64_t fake_us;
static uint64_t fake_clock(void)
{
    return fake_us;
}

TEST(a_socket_call_reads_the_drivers_clock_so_what_it_sends_is_timed_when_it_goes)
{
    /* The driver polled at `now` and went to sleep; 50 ms later the
     * application writes.  With the driver's clock given to the stack
     * (pp_stack_set_clock), the segment's timestamp says 50 ms later, as
     * its RACK and loss-probe times do; an older reading changes nothing. */
    struct pp_tcp_hdr t, syn;
    static char data[100];
    fixture_start();
    connect_to_peer();
    syn = last();
    ASSERT(syn.opts.has_ts);
    t = syn_ack_of_peer(0, -1);
    t.opts.has_ts = 1;
    t.opts.tsval = 7;
    t.opts.tsecr = syn.opts.tsval;
    send_from_peer(&t, NULL);
    fake_us = (now + 50) * 1000u;
    pp_stack_set_clock(st, fake_clock);
    ASSERT_EQ(pp_send(st, fd, data, sizeof data, 0), (ssize_t)sizeof data);
    t = last();
    ASSERT_EQ(t.payload_len, (int)sizeof data);
    ASSERT_GE(t.opts.tsval - syn.opts.tsval, 50u);
    ASSERT_LE(t.opts.tsval - syn.opts.tsval, 51u);
    fake_us = now * 1000u; /* older: the clock stays */
    ASSERT_EQ(pp_send(st, fd, data, sizeof data, 0), (ssize_t)sizeof data);
    ASSERT_GE(last().opts.tsval - syn.opts.tsval, 50u);
    pp_stack_set_clock(st, NULL);
    pp_stack_set_clock(NULL, fake_clock); /* accepted, nothing done */
    pp_stack_free(st);
}
