/* fuzz_cli.c - libFuzzer target: the scanner's port-list and target parsers
 * and the netem words of `portplex stack --impair` on arbitrary strings. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "portplex/link_wrap.h"
#include "scan/ports.h"
#include "scan/targets.h"

static struct pp_portset ps;
static struct pp_targets t;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char s[256], err[256];
    size_t n = size < sizeof s - 1 ? size : sizeof s - 1;

    memcpy(s, data, n);
    s[n] = 0;
    if (pp_ports_parse(s, PP_PROTO_TCP_SET, &ps, err) == 0 && ps.count[0] + ps.count[1] == 0)
        __builtin_trap(); /* a valid list names at least one port */
    {
        struct pp_impair im;
        if (pp_impair_parse(s, &im, err) == 0 &&
            !(im.loss >= 0 && im.loss <= 1 && im.dup >= 0 && im.dup <= 1 && im.reorder >= 0 &&
              im.reorder <= 1 && im.corrupt >= 0 && im.corrupt <= 1))
            __builtin_trap(); /* what parses is a valid impairment */
    }
    memset(&t, 0, sizeof t);
    if (pp_targets_add(&t, s, err) == 0 && t.count)
        (void)pp_targets_at(&t, t.count - 1);
    return 0;
}
