/* checksum.h - the Internet checksum (RFC 1071): bulk sums, the IPv4
 * pseudo-header, and incremental update (RFC 1624). */
#ifndef PP_CHECKSUM_H
#define PP_CHECKSUM_H

#include "portplex/export.h"

#include <stddef.h>
#include <stdint.h>

/* Adds the bytes of buf to a running sum and returns the new sum.  The sum is
 * kept in "logical" big-endian 16-bit units, unfolded, in 32 bits, so partial
 * sums and pseudo-header words can be added freely.  Every chunk but the last
 * must have an even length (RFC 1071, section 2 (A)). */
PP_API uint32_t pp_csum_add(uint32_t sum, const void *buf, size_t len);

/* Adds one 16-bit or 32-bit host-order value to a running sum. */
static inline uint32_t pp_csum_add16(uint32_t sum, uint16_t v) { return sum + v; }
static inline uint32_t pp_csum_add32(uint32_t sum, uint32_t v)
{
    return sum + (v >> 16) + (v & 0xffff);
}

/* Sum of the IPv4 pseudo-header (RFC 793 3.1 / RFC 768): addresses in host
 * order, protocol, and the transport length. */
static inline uint32_t pp_csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto,
                                      uint16_t len)
{
    return pp_csum_add32(pp_csum_add32(0, src), dst) + proto + len;
}

/* Folds a running sum to 16 bits and complements it: the value to store in the
 * header field (host order; write it big-endian). */
static inline uint16_t pp_csum_finish(uint32_t sum)
{
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* Checksum of one buffer: pp_csum_finish(pp_csum_add(0, buf, len)).  A buffer
 * that holds a correct checksum field yields 0. */
PP_API uint16_t pp_csum(const void *buf, size_t len);

/* RFC 1624 eqn. 3: the new checksum after a 16-bit field changes from old to
 * new, HC' = ~(~HC + ~m + m'); unlike eqn. 2 it never yields 0xffff-vs-0000
 * ambiguity for a non-zero sum. */
PP_API uint16_t pp_csum_update16(uint16_t csum, uint16_t old, uint16_t new_);
/* The same for a 32-bit field (an address, a sequence number). */
PP_API uint16_t pp_csum_update32(uint16_t csum, uint32_t old, uint32_t new_);

/* Plain byte-at-a-time reference, for tests and the benchmark only. */
PP_API uint16_t pp_csum_reference(const void *buf, size_t len);

#endif
