/* fuzz_scan.c - libFuzzer target: the scanner reading hostile packets (its
 * answers come from machines it does not trust).  Whatever the bytes, the
 * classifier must not crash, and whatever it accepts must name a state
 * and reason that exist; read as what a service said (-sV), they must
 * give fields that are terminated strings of printable bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "scan/probe.h"
#include "scan/service.h"

static void check_field(const char *f, size_t cap)
{
    size_t n = strnlen(f, cap);
    if (n == cap)
        __builtin_trap();
    while (n--)
        if ((unsigned char)f[n] < 0x20 || (unsigned char)f[n] > 0x7e)
            __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const enum pp_scan_kind kinds[] = {PP_SCAN_SYN, PP_SCAN_ACK, PP_SCAN_WINDOW, PP_SCAN_FIN,
                                              PP_SCAN_NULL, PP_SCAN_XMAS, PP_SCAN_UDP};
    struct pp_scan_probe_cfg c;
    struct pp_scan_answer a;
    struct pp_scan_svc sv;
    static const uint16_t ports[] = {22, 25, 80, 443, 3306, 6379, 11211};
    size_t k;

    memset(&c, 0, sizeof c);
    for (k = 0; k < sizeof ports / sizeof ports[0]; k++) {
        char v[320];
        pp_scan_svc_match(ports[k], data, size, k == 3 ? "/CN=x" : NULL, &sv);
        check_field(sv.name, sizeof sv.name);
        check_field(sv.product, sizeof sv.product);
        check_field(sv.version, sizeof sv.version);
        check_field(sv.extra, sizeof sv.extra);
        check_field(sv.banner, sizeof sv.banner);
        pp_scan_svc_version_text(&sv, v, sizeof v);
        check_field(v, sizeof v);
    }
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
