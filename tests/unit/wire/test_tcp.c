/* test_tcp.c - TCP header and options: Linux's SYN and SYN/ACK, every option
 * malformation, and emit round trips over the option combinations. */
#include "test.h"
#include "linux_packets.h"
#include "portplex/wire/bytes.h"
#include "portplex/wire/checksum.h"
#include "portplex/wire/ipv4.h"
#include "portplex/wire/tcp.h"
#include "portplex/wire/wire_err.h"

TEST(tcp_parse_linux_syn)
{
    struct pp_tcp_hdr t;
    ASSERT_EQ(pp_tcp_parse(linux_syn + 20, 40, ADDR_A, ADDR_B, &t, 0), 40);
    ASSERT_EQ(t.sport, 50136);
    ASSERT_EQ(t.dport, 8080);
    ASSERT_EQ(t.seq, 0x70db6f0eu);
    ASSERT_EQ(t.ack, 0);
    ASSERT_EQ(t.flags, PP_TCP_SYN);
    ASSERT_EQ(t.window, 64240);
    ASSERT_EQ(t.opts.has_mss, 1);
    ASSERT_EQ(t.opts.mss, 1460);
    ASSERT_EQ(t.opts.sack_perm, 1);
    ASSERT_EQ(t.opts.has_ts, 1);
    ASSERT_EQ(t.opts.tsval, 297137488u);
    ASSERT_EQ(t.opts.tsecr, 0);
    ASSERT_EQ(t.opts.has_wscale, 1);
    ASSERT_EQ(t.opts.wscale, 10);
    ASSERT_EQ(t.opts.sack_count, 0);
    ASSERT_EQ(t.payload_len, 0);
}

TEST(tcp_parse_linux_synack)
{
    struct pp_tcp_hdr t;
    char f[10];
    ASSERT_EQ(pp_tcp_parse(linux_synack + 20, 40, ADDR_B, ADDR_A, &t, 0), 40);
    ASSERT_EQ(t.flags, PP_TCP_SYN | PP_TCP_ACK);
    ASSERT_STREQ(pp_tcp_flags_str(t.flags, f), "SA");
    ASSERT_EQ(t.ack, 0x70db6f0fu);
    ASSERT_EQ(t.opts.tsecr, 297137488u);
}

TEST(tcp_header_malformed)
{
    uint8_t s[40];
    struct pp_tcp_hdr t;
    memcpy(s, linux_syn + 20, 40);
    ASSERT_EQ(pp_tcp_parse(s, 19, ADDR_A, ADDR_B, &t, 0), -PP_WERR_TRUNCATED);
    s[12] = 0x40; /* data offset 4 */
    ASSERT_EQ(pp_tcp_parse(s, 40, ADDR_A, ADDR_B, &t, PP_WIRE_NO_CSUM), -PP_WERR_DOFF);
    s[12] = 0xb0; /* 44 bytes of header in 40 */
    ASSERT_EQ(pp_tcp_parse(s, 40, ADDR_A, ADDR_B, &t, PP_WIRE_NO_CSUM), -PP_WERR_DOFF);
    memcpy(s, linux_syn + 20, 40);
    s[5] ^= 1;
    ASSERT_EQ(pp_tcp_parse(s, 40, ADDR_A, ADDR_B, &t, 0), -PP_WERR_CSUM);
    ASSERT_EQ(pp_tcp_parse(s, 40, ADDR_A, ADDR_B, &t, PP_WIRE_NO_CSUM), 40);
}

/* Parses a 20-byte header followed by the given options (len a multiple of 4). */
static int parse_with_opts(const uint8_t *opt, size_t olen, struct pp_tcp_hdr *t)
{
    uint8_t s[60];
    memcpy(s, linux_syn + 20, 20);
    memcpy(s + 20, opt, olen);
    s[12] = (uint8_t)(((20 + olen) / 4) << 4);
    return pp_tcp_parse(s, 20 + olen, ADDR_A, ADDR_B, t, PP_WIRE_NO_CSUM);
}

TEST(tcp_options_malformed_lengths)
{
    static const struct {
        uint8_t b[12];
        size_t n;
    } bad[] = {
        {{2, 0, 0, 0}, 4},               /* length 0 */
        {{2, 1, 0, 0}, 4},               /* length 1 */
        {{2, 3, 5, 0}, 4},               /* MSS with length 3 */
        {{2, 5, 5, 180, 0, 0, 0, 0}, 8}, /* MSS with length 5 */
        {{3, 4, 7, 0}, 4},               /* window scale length 4 */
        {{4, 3, 0, 0}, 4},               /* SACK-permitted length 3 */
        {{8, 8, 0, 0, 0, 0, 0, 0}, 8},   /* timestamps length 8 */
        {{5, 6, 0, 0, 0, 0, 0, 0}, 8},   /* SACK block of 4 bytes */
        {{5, 2, 0, 0}, 4},               /* SACK with no block */
        {{1, 1, 1, 2}, 4},               /* kind in the last byte, no length */
        {{1, 30, 0, 0}, 4},              /* unknown kind running past the end */
        {{8, 10, 0, 0, 0, 0, 0, 0}, 8},  /* timestamps cut by the header end */
    };
    struct pp_tcp_hdr t;
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = parse_with_opts(bad[i].b, bad[i].n, &t);
        if (rc != -PP_WERR_TCPOPT)
            PP_TEST_FAIL("case %zu: rc %d", i, rc);
    }
}

TEST(tcp_options_unknown_skipped_and_eol)
{
    /* kind 30 (MPTCP) len 4, then MSS, then EOL with garbage after it. */
    static const uint8_t opt[] = {30, 4, 0, 0, 2, 4, 0x05, 0xb4, 0, 0xff, 0xff, 0xff};
    struct pp_tcp_hdr t;
    ASSERT_EQ(parse_with_opts(opt, sizeof opt, &t), 32);
    ASSERT_EQ(t.opts.unknown_count, 1);
    ASSERT_EQ(t.opts.has_mss, 1);
    ASSERT_EQ(t.opts.mss, 1460);
}

TEST(tcp_options_sack_blocks)
{
    static const uint8_t opt[] = {1, 1, 5, 26, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3,
                                  0, 0, 0, 4, 0, 0, 0, 5, 0, 0, 0, 6, 0, 0, 0, 0};
    struct pp_tcp_hdr t;
    ASSERT_EQ(parse_with_opts(opt, sizeof opt, &t), 52);
    ASSERT_EQ(t.opts.sack_count, 3);
    ASSERT_EQ(t.opts.sack[0].left, 1);
    ASSERT_EQ(t.opts.sack[2].right, 6);
}

static void roundtrip(const struct pp_tcp_opts *o, size_t payload)
{
    uint8_t buf[200];
    struct pp_tcp_hdr in, out;
    size_t hl;
    memset(&in, 0, sizeof in);
    in.sport = 40000;
    in.dport = 80;
    in.seq = 0xfffffff0u;
    in.ack = 12345;
    in.flags = PP_TCP_ACK | PP_TCP_PSH | PP_TCP_AE;
    in.window = 512;
    in.urg = 0;
    in.opts = *o;
    hl = pp_tcp_repr_len(&in);
    memset(buf + hl, 'd', payload);
    ASSERT_EQ(pp_tcp_emit(buf, sizeof buf, &in, payload, ADDR_A, ADDR_B), (int)hl);
    ASSERT_EQ(hl % 4, 0);
    ASSERT_EQ(pp_tcp_parse(buf, hl + payload, ADDR_A, ADDR_B, &out, 0), (int)hl);
    ASSERT_EQ(out.seq, in.seq);
    ASSERT_EQ(out.flags, in.flags);
    ASSERT_EQ(out.payload_len, payload);
    ASSERT_EQ(out.opts.has_mss, o->has_mss);
    ASSERT_EQ(out.opts.mss, o->mss);
    ASSERT_EQ(out.opts.has_wscale, o->has_wscale);
    ASSERT_EQ(out.opts.wscale, o->wscale);
    ASSERT_EQ(out.opts.sack_perm, o->sack_perm);
    ASSERT_EQ(out.opts.has_ts, o->has_ts);
    ASSERT_EQ(out.opts.tsval, o->tsval);
    ASSERT_EQ(out.opts.tsecr, o->tsecr);
    ASSERT_EQ(out.opts.sack_count, o->sack_count);
    ASSERT_MEMEQ(out.opts.sack, o->sack, sizeof o->sack);
}

TEST(tcp_emit_every_option_combination)
{
    unsigned mask;
    for (mask = 0; mask < 16; mask++) {
        struct pp_tcp_opts o;
        unsigned sacks;
        for (sacks = 0; sacks <= 3; sacks++) {
            unsigned k;
            memset(&o, 0, sizeof o);
            if (mask & 1) { o.has_mss = 1; o.mss = 1460; }
            if (mask & 2) { o.has_wscale = 1; o.wscale = 7; }
            if (mask & 4) o.sack_perm = 1;
            if (mask & 8) { o.has_ts = 1; o.tsval = 0xdeadbeef; o.tsecr = 42; }
            if (pp_tcp_opts_len(&o) + 4 + 8 * sacks > 40)
                continue;
            o.sack_count = (uint8_t)sacks;
            for (k = 0; k < sacks; k++) {
                o.sack[k].left = 1000 * k;
                o.sack[k].right = 1000 * k + 500;
            }
            roundtrip(&o, 0);
            roundtrip(&o, 33);
        }
    }
}

TEST(tcp_emit_linux_syn_bytes)
{
    /* Our emitter lays out a SYN's options exactly as Linux does. */
    uint8_t buf[60];
    struct pp_tcp_hdr t;
    ASSERT_EQ(pp_tcp_parse(linux_syn + 20, 40, ADDR_A, ADDR_B, &t, 0), 40);
    ASSERT_EQ(pp_tcp_emit(buf, sizeof buf, &t, 0, ADDR_A, ADDR_B), 40);
    ASSERT_MEMEQ(buf, linux_syn + 20, 40);
}

TEST(tcp_emit_errors)
{
    uint8_t buf[80];
    struct pp_tcp_hdr t;
    memset(&t, 0, sizeof t);
    t.opts.has_mss = t.opts.has_ts = t.opts.has_wscale = 1;
    t.opts.sack_count = 3; /* 4 + 12 + 4 + 28 = 48 > 40 */
    ASSERT_EQ(pp_tcp_emit(buf, sizeof buf, &t, 0, ADDR_A, ADDR_B), -PP_WERR_INVAL);
    t.opts.sack_count = 5;
    ASSERT_EQ(pp_tcp_emit(buf, sizeof buf, &t, 0, ADDR_A, ADDR_B), -PP_WERR_INVAL);
    memset(&t, 0, sizeof t);
    ASSERT_EQ(pp_tcp_emit(buf, 19, &t, 0, ADDR_A, ADDR_B), -PP_WERR_NOSPACE);
    ASSERT_EQ(pp_tcp_emit(buf, 30, &t, 20, ADDR_A, ADDR_B), -PP_WERR_NOSPACE);
}
