/* test_pcap.c - pcap files written through libpcap read back intact, and the
 * one-line describer on Linux's packets. */
#include <unistd.h>

#include "test.h"
#include "linux_packets.h"
#include "portplex/wire/describe.h"
#include "portplex/wire/pcap_file.h"
#include "portplex/wire/wire_err.h"

TEST(pcap_write_read_back)
{
    char path[] = "/tmp/pp_test_pcap_XXXXXX";
    char err[256];
    int fd = mkstemp(path);
    struct pp_pcap_writer *w;
    struct pp_pcap_reader *r;
    const uint8_t *p;
    size_t len;
    uint64_t ts;
    ASSERT(fd >= 0);
    close(fd);
    w = pp_pcap_writer_open(path, err);
    ASSERT(w != NULL);
    pp_pcap_write(w, linux_syn, sizeof linux_syn, 1700000000123456ull);
    pp_pcap_write(w, linux_echo, sizeof linux_echo, 1700000001000000ull);
    pp_pcap_writer_close(w);
    r = pp_pcap_reader_open(path, err);
    ASSERT(r != NULL);
    ASSERT_EQ(pp_pcap_read(r, &p, &len, &ts), 1);
    ASSERT_EQ(len, sizeof linux_syn);
    ASSERT_MEMEQ(p, linux_syn, len);
    ASSERT_EQ(ts, 1700000000123456ull);
    ASSERT_EQ(pp_pcap_read(r, &p, &len, &ts), 1);
    ASSERT_EQ(len, sizeof linux_echo);
    ASSERT_EQ(pp_pcap_read(r, &p, &len, &ts), 0);
    pp_pcap_reader_close(r);
    unlink(path);
}

TEST(pcap_open_errors)
{
    char err[256];
    ASSERT(pp_pcap_reader_open("/nonexistent/x.pcap", err) == NULL);
    ASSERT(strlen(err) > 0);
    ASSERT(pp_pcap_writer_open("/nonexistent/dir/x.pcap", err) == NULL);
    ASSERT(strstr(err, "/nonexistent/dir/x.pcap") != NULL);
    pp_pcap_reader_close(NULL);
    pp_pcap_writer_close(NULL);
}

TEST(describe_linux_packets)
{
    char line[256];
    ASSERT(pp_describe_packet(linux_syn, sizeof linux_syn, line, sizeof line, 0) >= 0);
    ASSERT_STREQ(line, "192.0.2.1:50136 > 192.0.2.2:8080 TCP [S] seq 1893429006 win 64240 "
                       "<mss 1460,sackOK,TS val 297137488 ecr 0,wscale 10> len 0");
    ASSERT(pp_describe_packet(linux_port_unreach, sizeof linux_port_unreach, line, sizeof line,
                              0) >= 0);
    ASSERT_STREQ(line, "192.0.2.2 > 192.0.2.1 ICMP unreachable code 3 "
                       "[quote 192.0.2.1 > 192.0.2.2 proto 17 57317 > 9]");
    ASSERT(pp_describe_packet(linux_echo, sizeof linux_echo, line, sizeof line, 0) >= 0);
    ASSERT_STREQ(line, "192.0.2.1 > 192.0.2.2 ICMP echo request id 2351 seq 1 len 56");
    ASSERT_EQ(pp_describe_packet(linux_echo, 10, line, sizeof line, 0), -PP_WERR_TRUNCATED);
    ASSERT_STREQ(line, "malformed IPv4: buffer shorter than the header");
    /* A tiny output buffer is truncated, never overrun. */
    ASSERT(pp_describe_packet(linux_syn, sizeof linux_syn, line, 8, 0) >= 0);
    ASSERT_EQ(strlen(line), 7);
}
