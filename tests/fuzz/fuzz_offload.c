/* fuzz_offload.c - the functions that read whole IPv4 packets for the links'
 * offloads: the RSS hash (any bytes: a hash or 0, never a read past len) and
 * software TCP segmentation (any bytes: refused, or segments that each
 * parse back as IPv4 + TCP with valid checksums and together carry the
 * payload exactly once). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "portplex/wire/ipv4.h"
#include "portplex/wire/rss.h"
#include "portplex/wire/tcp.h"
#include "portplex/wire/tcp_segment.h"
#include "portplex/wire/wire_err.h"

struct seen {
    int strict;     /* the input was a valid IPv4 TCP packet: so must each segment be */
    size_t payload; /* what the segments carried */
};

static int check(void *arg, const uint8_t *seg, size_t len)
{
    struct seen *s = arg;
    struct pp_ipv4_hdr ip;
    struct pp_tcp_hdr t;
    int ihl = pp_ipv4_parse(seg, len, &ip, 0);

    if (ihl < 0 || pp_tcp_parse(seg + ihl, ip.payload_len, ip.src, ip.dst, &t, 0) < 0) {
        if (s->strict)
            abort(); /* a segment of a valid packet that does not parse, checksums included */
        return 0;
    }
    s->payload += t.payload_len;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct pp_rss rss;
    static int ready;
    static uint8_t scratch[65535 + 120];
    uint8_t key[PP_RSS_KEY_LEN];
    struct seen s = {0};
    uint16_t mss;
    int n;

    if (!ready) {
        pp_rss_sym_key(0x6d5a, key);
        pp_rss_prepare(&rss, key);
        ready = 1;
    }
    if (size < 2)
        return 0;
    mss = (uint16_t)(data[0] << 8 | data[1]);
    data += 2;
    size -= 2;
    (void)pp_rss_hash_ipv4(&rss, data, size);
    {
        struct pp_ipv4_hdr ip;
        struct pp_tcp_hdr t;
        int ihl = pp_ipv4_parse(data, size, &ip, PP_WIRE_NO_CSUM);
        s.strict = ihl >= 0 && ip.proto == 6 && !ip.mf && !ip.frag_off && ip.total_len == size &&
                   pp_tcp_parse(data + ihl, ip.payload_len, ip.src, ip.dst, &t, PP_WIRE_NO_CSUM) >= 0;
        n = pp_tcp_segment(data, size, mss, scratch, sizeof scratch, check, &s);
        /* A valid packet is cut whole: every payload byte once. */
        if (s.strict && mss > 0 && n > 0 && s.payload != t.payload_len)
            abort();
    }
    return 0;
}
