/* bench/checksum.c - our Internet checksum against the plain byte-wise
 * reference, in the same run, on packet-sized and large buffers.
 * Last line: ratio=<ours/reference> ours=<GB/s> peer=<GB/s> unit=GB/s. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench_util.h"
#include "portplex/wire/checksum.h"

typedef uint16_t (*csum_fn)(const void *, size_t);

/* GB/s of fn over len-byte buffers, best of 5 runs of ~0.2 s each. */
static double measure(csum_fn fn, const uint8_t *buf, size_t len)
{
    double best = 0;
    int run;
    for (run = 0; run < 5; run++) {
        size_t iters = (size_t)(50e6 / (double)len) + 1, i;
        double t0 = pp_mono_s(), dt;
        for (i = 0; i < iters; i++)
            bench_sink += fn(buf + (i & 7), len); /* vary alignment */
        dt = pp_mono_s() - t0;
        if ((double)(iters * len) / dt / 1e9 > best)
            best = (double)(iters * len) / dt / 1e9;
    }
    return best;
}

int main(void)
{
    static const size_t sizes[] = {40, 576, 1500, 9000, 65536};
    uint8_t *buf = malloc(65536 + 8);
    double ours_total = 0, ref_total = 0;
    size_t i;

    if (!buf)
        return 1;
    for (i = 0; i < 65536 + 8; i++)
        buf[i] = (uint8_t)(i * 7 + 3);
    printf("%8s %12s %12s %8s\n", "bytes", "ours GB/s", "bytewise", "ratio");
    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        double o = measure(pp_csum, buf, sizes[i]);
        double r = measure(pp_csum_reference, buf, sizes[i]);
        printf("%8zu %12.2f %12.2f %8.2f\n", sizes[i], o, r, o / r);
        if (sizes[i] == 1500) {
            ours_total = o;
            ref_total = r;
        }
    }
    free(buf);
    printf("# headline: 1500-byte packets (an Ethernet MTU)\n");
    printf("ratio=%.2f ours=%.2f peer=%.2f unit=GB/s\n", ours_total / ref_total, ours_total,
           ref_total);
    return 0;
}
