/* test_tcp_cc.c - the congestion control modules on their own: slow start,
 * Reno's halving, CUBIC's beta of 0.7 and its cubic climb back to W_max. */
#include "test.h"
#include "tcp/tcp_internal.h"

static void init(struct pp_tcb *t, int algo)
{
    memset(t, 0, sizeof *t);
    t->mss = 1000;
    t->cwnd = 10000;
    t->ssthresh = 0x7fffffff;
    t->srtt = 10;
    t->cc = pp_tcp_cc(algo);
}

TEST(reno_slow_start_halving_and_linear_growth)
{
    struct pp_tcb t;
    uint32_t before;
    init(&t, PP_CC_NEWRENO);
    ASSERT_STREQ(t.cc->name, "newreno");
    t.cc->on_ack(&t, 1000, 1);
    ASSERT_EQ(t.cwnd, 11000); /* slow start: one MSS per ACKed MSS */
    t.snd_una = 0;
    t.snd_nxt = 40000;
    ASSERT_EQ(t.cc->ssthresh(&t, 2), 20000); /* half the flight */
    t.snd_nxt = 1000;
    ASSERT_EQ(t.cc->ssthresh(&t, 2), 2000); /* at least two segments */
    t.ssthresh = 5000;
    before = t.cwnd;
    t.cc->on_ack(&t, 1000, 3);
    ASSERT_LT(t.cwnd - before, 200); /* about MSS*MSS/cwnd */
}

TEST(cubic_reduces_by_beta_and_climbs_back)
{
    struct pp_tcb t;
    uint64_t now = 1000;
    int i;
    init(&t, PP_CC_CUBIC);
    ASSERT_STREQ(t.cc->name, "cubic");
    t.cwnd = 100000; /* 100 segments */
    t.ssthresh = t.cc->ssthresh(&t, now);
    ASSERT_EQ(t.ssthresh, 70000); /* beta_cubic = 0.7 (RFC 9438 4.6) */
    t.cwnd = t.ssthresh;
    /* K = cbrt(100 * 0.3 / 0.4) = 4.2 s: by then cwnd is back near W_max,
     * concave before, convex after. */
    for (i = 0; i < 420; i++)
        t.cc->on_ack(&t, 10000, now += 10);
    ASSERT_GT(t.cwnd, 95000);
    ASSERT_LT(t.cwnd, 106000);
    for (i = 0; i < 300; i++)
        t.cc->on_ack(&t, 10000, now += 10);
    ASSERT_GT(t.cwnd, 105000); /* probing beyond W_max */
}
