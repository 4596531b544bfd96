/* fuzz_ipv4.c - libFuzzer target: the IPv4 parser, then the transport parser
 * its protocol names, then the one-line describer, over arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "portplex/wire/describe.h"
#include "portplex/wire/icmp.h"
#include "portplex/wire/ipv4.h"
#include "portplex/wire/tcp.h"
#include "portplex/wire/udp.h"
#include "portplex/wire/wire_err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pp_ipv4_hdr ip;
    char line[300];
    /* Skip checksums so the fuzzer reaches past them. */
    int rc = pp_ipv4_parse(data, size, &ip, PP_WIRE_NO_CSUM);

    pp_describe_packet(data, size, line, sizeof line, PP_WIRE_NO_CSUM);
    pp_describe_packet(data, size, line, 5, 0);
    if (rc < 0)
        return 0;
    if (ip.hdr_len > size || ip.total_len > size || ip.payload + ip.payload_len > data + size)
        __builtin_trap();
    if (ip.proto == PP_IP_PROTO_TCP) {
        struct pp_tcp_hdr t;
        if (pp_tcp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &t, PP_WIRE_NO_CSUM) >= 0 &&
            t.payload + t.payload_len != ip.payload + ip.payload_len)
            __builtin_trap();
    } else if (ip.proto == PP_IP_PROTO_UDP) {
        struct pp_udp_hdr u;
        pp_udp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &u, 0);
    }
    return 0;
}
