/* checksum.c - the Internet checksum, summed 64 bits at a time.
 *
 * Why native order works: the one's complement sum is byte-order independent
 * (RFC 1071, section 2 (B)).  We add 64-bit native words with end-around
 * carry, fold to 16 bits, and swap once at the end on little-endian hosts. */
#include "portplex/wire/checksum.h"

#include <string.h>

static inline uint64_t load64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v); /* no alignment assumptions */
    return v;
}

static inline uint64_t add_carry(uint64_t a, uint64_t b)
{
    a += b;
    return a + (a < b); /* end-around carry */
}

static uint16_t fold64_native(uint64_t s)
{
    s = (s & 0xffffffffu) + (s >> 32);
    s = (s & 0xffffffffu) + (s >> 32);
    s = (s & 0xffff) + (s >> 16);
    s = (s & 0xffff) + (s >> 16);
    s = (s & 0xffff) + (s >> 16);
    return (uint16_t)s;
}

static uint16_t native_to_logical(uint16_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return (uint16_t)((v >> 8) | (v << 8));
#else
    return v;
#endif
}

uint32_t pp_csum_add(uint32_t sum, const void *buf, size_t len)
{
    const unsigned char *p = buf;
    uint64_t a = 0, b = 0, c = 0, d = 0;

    /* Four independent accumulators keep the adders busy. */
    while (len >= 32) {
        a = add_carry(a, load64(p));
        b = add_carry(b, load64(p + 8));
        c = add_carry(c, load64(p + 16));
        d = add_carry(d, load64(p + 24));
        p += 32;
        len -= 32;
    }
    a = add_carry(a, b);
    c = add_carry(c, d);
    a = add_carry(a, c);
    while (len >= 8) {
        a = add_carry(a, load64(p));
        p += 8;
        len -= 8;
    }
    if (len) {
        /* The tail, zero-padded to a whole word: byte k of the buffer keeps
         * its position k in memory, so native order still holds. */
        unsigned char tail[8] = {0};
        memcpy(tail, p, len);
        a = add_carry(a, load64(tail));
    }
    return sum + native_to_logical(fold64_native(a));
}

uint16_t pp_csum(const void *buf, size_t len)
{
    return pp_csum_finish(pp_csum_add(0, buf, len));
}

uint16_t pp_csum_update16(uint16_t csum, uint16_t old, uint16_t new_)
{
    uint32_t s = (uint16_t)~csum;
    s += (uint16_t)~old;
    s += new_;
    return pp_csum_finish(s);
}

uint16_t pp_csum_update32(uint16_t csum, uint32_t old, uint32_t new_)
{
    csum = pp_csum_update16(csum, (uint16_t)(old >> 16), (uint16_t)(new_ >> 16));
    return pp_csum_update16(csum, (uint16_t)old, (uint16_t)new_);
}

uint16_t pp_csum_reference(const void *buf, size_t len)
{
    const unsigned char *p = buf;
    uint32_t s = 0;
    size_t i;

    for (i = 0; i + 1 < len; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (len & 1)
        s += (uint32_t)p[len - 1] << 8;
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}
