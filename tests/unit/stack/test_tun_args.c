/* test_tun_args.c - the TUN link's calls refuse what they cannot use
 * (NULL, out-of-range values) with -EINVAL, without a device (no root). */
#include <errno.h>

#include "portplex/tun.h"
#include "test.h"

TEST(tun_busy_poll_refuses_null_and_more_than_its_maximum)
{
    ASSERT_EQ(pp_tun_set_busy_poll(NULL, 0), -EINVAL);
    ASSERT_EQ(pp_tun_set_busy_poll(NULL, PP_TUN_BUSY_POLL_US), -EINVAL);
    ASSERT_LE(PP_TUN_BUSY_POLL_US, PP_TUN_BUSY_POLL_MAX);
}

TEST(tun_open_without_an_error_buffer_or_with_a_bad_name_fails_cleanly)
{
    char err[256];
    ASSERT(pp_tun_open("pp0", 0x0a000001u, 24, 1500, NULL) == NULL);
    ASSERT(pp_tun_open(NULL, 0x0a000001u, 24, 1500, err) == NULL);
    ASSERT(pp_tun_open("a/b", 0x0a000001u, 24, 1500, err) == NULL);
    ASSERT(pp_tun_open_queues("pp0", 0x0a000001u, 24, 1500, 0, err) == NULL);
}
