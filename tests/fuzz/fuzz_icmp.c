/* fuzz_icmp.c - libFuzzer target: ICMP parse and the quoted-datagram parser
 * a scanner relies on. */
#include <stddef.h>
#include <stdint.h>

#include "portplex/wire/icmp.h"
#include "portplex/wire/wire_err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pp_icmp_hdr h;
    struct pp_icmp_quote q;

    if (pp_icmp_parse(data, size, &h, PP_WIRE_NO_CSUM) < 0)
        return 0;
    if (h.data + h.data_len != data + size)
        __builtin_trap();
    if (pp_icmp_quote_parse(&h, &q) == 0 && q.ip.payload + q.ip.payload_len > data + size)
        __builtin_trap();
    return 0;
}
