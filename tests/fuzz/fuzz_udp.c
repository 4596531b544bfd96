/* fuzz_udp.c - libFuzzer target: UDP parse with and without checksums, and
 * emit of what was parsed. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "portplex/wire/udp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pp_udp_hdr u, v;
    uint8_t out[65536 + 8];

    pp_udp_parse(data, size, 0x7f000001u, 0x7f000002u, &u, 0);
    if (pp_udp_parse(data, size, 0x7f000001u, 0x7f000002u, &u, 1) < 0)
        return 0;
    if (u.payload + u.payload_len > data + size)
        __builtin_trap();
    memcpy(out + 8, u.payload, u.payload_len);
    if (pp_udp_emit(out, sizeof out, u.sport, u.dport, u.payload_len, 1, 2) != 8)
        __builtin_trap();
    if (pp_udp_parse(out, 8u + u.payload_len, 1, 2, &v, 0) != 8 || v.len != u.len)
        __builtin_trap();
    return 0;
}
