/* test_ring.c - the TCP queues' ring buffer: memory that starts small and
 * doubles up to the limit, data kept in order across growth and wrap-around. */
#include "test.h"
#include "stack/ring.h"

TEST(ring_grows_keeps_order_and_respects_its_limit)
{
    struct pp_ring r;
    static uint8_t in[300000], out[300000];
    size_t i, w = 0, rd = 0;
    for (i = 0; i < sizeof in; i++)
        in[i] = (uint8_t)(i * 13 + 1);
    pp_ring_init(&r, 100000);
    ASSERT(r.buf == NULL); /* nothing until the first write */
    ASSERT_EQ(pp_ring_space(&r), 100000);
    ASSERT_EQ(pp_ring_write(&r, in, 10), 10);
    ASSERT_EQ(r.alloc, PP_RING_FIRST);
    w = 10;
    /* Interleave writes and reads so the data wraps while the ring grows. */
    while (rd < sizeof in) {
        size_t n = pp_ring_write(&r, in + w, sizeof in - w < 7777 ? sizeof in - w : 7777);
        w += n;
        ASSERT_LE(r.len, 100000);
        ASSERT_LE(r.alloc, 100000);
        n = r.len < 5000 ? r.len : 5000;
        pp_ring_peek(&r, 0, out + rd, n);
        pp_ring_consume(&r, n);
        rd += n;
        if (w == sizeof in && r.len == 0)
            break;
    }
    ASSERT_EQ(rd, sizeof in);
    ASSERT_MEMEQ(out, in, sizeof in);
    ASSERT_EQ(r.alloc, 100000); /* grew to the limit, not past it */
    ASSERT_EQ(pp_ring_write(&r, in, 200000), 100000); /* only as much as the limit */
    pp_ring_fini(&r);
}
