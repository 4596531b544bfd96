/* test_scan_parsers.c - the scanner's command-line parsers: nmap-style
 * port lists and target expressions, with the errors bad input gets. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "test.h"
#include "scan/ports.h"
#include "scan/top_ports.h"
#include "scan/targets.h"

static struct pp_portset ps;
static char err[256];

TEST(ports_lists_ranges_and_prefixes)
{
    ASSERT_EQ(pp_ports_parse("22,80,443", PP_PROTO_TCP_SET, &ps, err), 0);
    ASSERT_EQ(ps.count[0], 3);
    ASSERT(pp_ports_has(&ps, 0, 80));
    ASSERT(!pp_ports_has(&ps, 0, 81));
    ASSERT_EQ(pp_ports_parse("1-1024", PP_PROTO_TCP_SET, &ps, err), 0);
    ASSERT_EQ(ps.count[0], 1024);
    ASSERT_EQ(pp_ports_next(&ps, 0, 0), 1);
    ASSERT_EQ(pp_ports_next(&ps, 0, 1025), 65536);
    ASSERT_EQ(pp_ports_parse("T:80,443,U:53,161-162", PP_PROTO_TCP_SET, &ps, err), 0);
    ASSERT_EQ(ps.count[0], 2);
    ASSERT_EQ(ps.count[1], 3);
    ASSERT(pp_ports_has(&ps, 1, 162));
    ASSERT_EQ(pp_ports_parse("-", PP_PROTO_UDP_SET, &ps, err), 0);
    ASSERT_EQ(ps.count[1], 65535); /* 1-65535: port 0 only when named */
    ASSERT_EQ(pp_ports_parse("60000-", PP_PROTO_TCP_SET, &ps, err), 0);
    ASSERT_EQ(ps.count[0], 5536);
    ASSERT_EQ(pp_ports_parse("-10,0", PP_PROTO_TCP_SET, &ps, err), 0);
    ASSERT_EQ(ps.count[0], 11);
    ASSERT_EQ(pp_ports_parse("80,80,79-81", PP_PROTO_TCP_SET, &ps, err), 0);
    ASSERT_EQ(ps.count[0], 3); /* duplicates counted once */
}

TEST(ports_errors)
{
    static const char *bad[] = {"", "70000", "80,", ",80", "10-5", "a", "80-x", "T:", "1-2-3",
                                "80 443", "U:65536"};
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = 0;
        if (pp_ports_parse(bad[i], PP_PROTO_TCP_SET, &ps, err) != -1 || !err[0])
            PP_TEST_FAIL("'%s' was accepted", bad[i]);
    }
}

TEST(targets_addresses_cidr_and_octet_ranges)
{
    struct pp_targets *t = calloc(1, sizeof *t);
    ASSERT_EQ(pp_targets_add(t, "192.0.2.7", err), 0);
    ASSERT_EQ(t->count, 1);
    ASSERT_EQ(pp_targets_add(t, "198.51.100.0/30", err), 0);
    ASSERT_EQ(t->count, 5);
    ASSERT_EQ(pp_targets_at(t, 1), 0xc6336400u);
    ASSERT_EQ(pp_targets_at(t, 4), 0xc6336403u);
    ASSERT_EQ(pp_targets_add(t, "10.0-1.0.1-3,127.0.0.1", err), 0);
    ASSERT_EQ(t->count, 5 + 6 + 1);
    ASSERT_EQ(pp_targets_at(t, 5), 0x0a000001u);
    ASSERT_EQ(pp_targets_at(t, 8), 0x0a010001u);
    ASSERT_EQ(pp_targets_at(t, 11), 0x7f000001u);
    ASSERT_EQ(pp_targets_add(t, "203.0.113.9/32,0.0.0.0/0", err), 0);
    ASSERT_EQ(t->count, 13 + 4294967296ull);
    free(t);
}

TEST(targets_errors)
{
    static const char *bad[] = {"", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1.2.3.4/33", "1.2.3.4/",
                                "1.2.3.9-2", "1.2.3.1-4/24", "example", "1.2.3.4,", ",1.2.3.4",
                                "1.2.3.4 "};
    struct pp_targets *t = calloc(1, sizeof *t);
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = 0;
        if (pp_targets_add(t, bad[i], err) != -1 || !err[0])
            PP_TEST_FAIL("'%s' was accepted", bad[i]);
    }
    free(t);
}

/* The ranking behind -F and --top-ports: no port twice, telnet among the
 * first five (it was missing from -F and --top-ports 5). */
TEST(top_ports_have_no_duplicates_and_telnet)
{
    int udp;
    pp_scan_top_ports_use(NULL); /* the built-in list */
    for (udp = 0; udp < 2; udp++) {
        const uint16_t *list;
        static uint8_t seen[65536];
        size_t n = pp_scan_top_ports(udp, 100000, &list), i;
        memset(seen, 0, sizeof seen);
        ASSERT_GT(n, 50);
        for (i = 0; i < n; i++) {
            if (seen[list[i]])
                PP_TEST_FAIL("%s port %u ranked twice", udp ? "UDP" : "TCP", list[i]);
            seen[list[i]] = 1;
        }
    }
    {
        const uint16_t *list;
        size_t n = pp_scan_top_ports(0, 5, &list), i;
        int telnet = 0;
        ASSERT_EQ(n, 5);
        for (i = 0; i < n; i++)
            telnet |= list[i] == 23;
        ASSERT(telnet);
    }
}

/* A frequency file in nmap-services' format ranks by falling frequency,
 * ties by port, never-seen-open ports (0) and junk lines left out; a file
 * too short to be a ranking leaves the built-in list in charge. */
TEST(top_ports_follow_a_frequency_file)
{
    char path[] = "/tmp/pp_freq_XXXXXX";
    int fd = mkstemp(path), i;
    FILE *f = fdopen(fd, "w");
    const uint16_t *list;
    size_t n;

    ASSERT(f != NULL);
    fprintf(f, "# comment\nbogus line\nzero\t9/tcp\t0.000000\n");
    for (i = 1; i <= 150; i++) /* port 1000+i, frequency rising with i */
        fprintf(f, "svc%d\t%d/tcp\t%f\t# x\nsvc%d\t%d/udp\t%f\n", i, 1000 + i, i / 1000.0, i,
                2000 + i, i / 1000.0);
    fprintf(f, "tie\t7/tcp\t0.150000\nhigh\t5/tcp\t0.900000\n");
    fclose(f);
    pp_scan_top_ports_use(path);
    ASSERT_STREQ(pp_scan_top_ports_source(), path);
    n = pp_scan_top_ports(0, 4, &list);
    ASSERT_EQ(n, 4);
    ASSERT_EQ(list[0], 5);    /* 0.9 */
    ASSERT_EQ(list[1], 7);    /* 0.15, before 1150 (tie: lower port) */
    ASSERT_EQ(list[2], 1150);
    ASSERT_EQ(list[3], 1149);
    ASSERT_EQ(pp_scan_top_ports(0, 100000, &list), 152);  /* port 9 (never open) left out */
    ASSERT_EQ(pp_scan_top_ports(1, 1, &list), 1);
    ASSERT_EQ(list[0], 2150);
    unlink(path);
    f = fopen(path, "w");
    ASSERT(f != NULL);
    fprintf(f, "few\t80/tcp\t0.5\n");
    fclose(f);
    pp_scan_top_ports_use(path);
    ASSERT_STREQ(pp_scan_top_ports_source(), "portplex's own list");
    ASSERT_GT(pp_scan_top_ports(0, 100000, &list), 150);
    unlink(path);
    pp_scan_top_ports_use(NULL);
}
