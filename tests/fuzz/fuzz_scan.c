/* fuzz_scan.c - libFuzzer target: the scanner reading hostile packets (its
 * answers come from machines it does not trust).  Whatever the bytes, the
 * classifier must not crash, and whatever it accepts must name a state
 * and reason that exist. */
#include <stddef.h>
#include <stdint.h>

#include "scan/probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const enum pp_scan_kind kinds[] = {PP_SCAN_SYN, PP_SCAN_ACK, PP_SCAN_WINDOW, PP_SCAN_FIN,
                                              PP_SCAN_NULL, PP_SCAN_XMAS, PP_SCAN_UDP};
    struct pp_scan_probe_cfg c;
    struct pp_scan_answer a;
    size_t k;

    for (k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        c.key.k0 = 1;
        c.key.k1 = 2;
        c.src = 0xc0000201;
        c.sport_base = 40000;
        c.kind = kinds[k];
        c.tcp_flags = pp_scan_kind_flags(kinds[k]);
        c.ttl = 64;
        if (pp_scan_classify(&c, data, size, &a) &&
            (a.state == PP_PS_UNKNOWN || a.state >= PP_PS_COUNT || a.reason >= PP_R_COUNT))
            __builtin_trap();
    }
    return 0;
}
