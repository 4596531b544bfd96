/* fuzz_tcp.c - libFuzzer target: TCP header and options parse; whatever
 * parses is emitted again and must parse back to the same options. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "portplex/wire/tcp.h"
#include "portplex/wire/wire_err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pp_tcp_hdr t, u;
    uint8_t out[60 + 65535];
    int hl;

    if (pp_tcp_parse(data, size, 1, 2, &t, PP_WIRE_NO_CSUM) < 0)
        return 0;
    if (t.hdr_len > size || t.payload + t.payload_len != data + size)
        __builtin_trap();
    t.opts.unknown_count = 0;
    hl = pp_tcp_emit(out, sizeof out, &t, 0, 1, 2);
    if (hl == -PP_WERR_INVAL)
        return 0; /* more options than fit once padded our way */
    if (hl < 0 || pp_tcp_parse(out, (size_t)hl, 1, 2, &u, 0) != hl)
        __builtin_trap();
    if (u.opts.has_mss != t.opts.has_mss || u.opts.mss != t.opts.mss ||
        u.opts.has_ts != t.opts.has_ts || u.opts.tsval != t.opts.tsval ||
        u.opts.sack_count != t.opts.sack_count || u.opts.wscale != t.opts.wscale ||
        memcmp(u.opts.sack, t.opts.sack, sizeof t.opts.sack[0] * t.opts.sack_count) != 0)
        __builtin_trap();
    return 0;
}
