/* rss.c - the Toeplitz hash of receive-side scaling over IPv4 headers
 * (include/portplex/wire/rss.h).  A function of bytes: no state. */
#include "portplex/wire/rss.h"

#include "portplex/wire/bytes.h"

uint32_t pp_toeplitz(const uint8_t *key, size_t keylen, const uint8_t *data, size_t len)
{
    /* For every input bit that is set, XOR in the 32 key bits that start
     * at the same bit position.  win holds the key bits from the current
     * position on, refilled a byte at a time. */
    uint64_t win = 0;
    uint32_t h = 0;
    size_t i, next = 0;
    int b;

    if (!key || !data || keylen < len + 4)
        return 0;
    for (; next < 8 && next < keylen; next++)
        win |= (uint64_t)key[next] << (56 - 8 * next);
    for (i = 0; i < len; i++) {
        for (b = 7; b >= 0; b--) {
            h ^= (uint32_t)(win >> 32) & (0u - ((data[i] >> b) & 1u));
            win <<= 1;
        }
        if (next < keylen)
            win |= key[next++]; /* the byte after the 64 bits held */
    }
    return h;
}

void pp_rss_sym_key(uint16_t k, uint8_t key[PP_RSS_KEY_LEN])
{
    int i;
    for (i = 0; i < PP_RSS_KEY_LEN; i += 2) {
        key[i] = (uint8_t)(k >> 8);
        key[i + 1] = (uint8_t)k;
    }
}

uint32_t pp_rss_hash_tuple(const uint8_t key[PP_RSS_KEY_LEN], uint32_t saddr, uint32_t daddr,
                           uint16_t sport, uint16_t dport)
{
    uint8_t in[12];
    pp_put32(in, saddr);
    pp_put32(in + 4, daddr);
    pp_put16(in + 8, sport);
    pp_put16(in + 10, dport);
    return pp_toeplitz(key, PP_RSS_KEY_LEN, in, sizeof in);
}

/* The IPv4 header at pkt: its length, or 0 when it cannot be read. */
static size_t ihl_of(const uint8_t *pkt, size_t len)
{
    size_t ihl;
    if (len < 20 || pkt[0] >> 4 != 4)
        return 0;
    ihl = (size_t)(pkt[0] & 15) * 4;
    return ihl >= 20 && ihl <= len ? ihl : 0;
}

static int is_fragment(const uint8_t *ip)
{
    return (pp_get16(ip + 6) & 0x3fff) != 0; /* MF or an offset */
}

uint32_t pp_rss_hash_ipv4(const uint8_t key[PP_RSS_KEY_LEN], const uint8_t *pkt, size_t len)
{
    size_t ihl = ihl_of(pkt, len);
    uint32_t s, d;
    uint8_t proto;

    if (!ihl)
        return 0;
    s = pp_get32(pkt + 12);
    d = pp_get32(pkt + 16);
    proto = pkt[9];
    if (is_fragment(pkt))
        return pp_rss_hash_tuple(key, s, d, 0, 0);
    if ((proto == 6 || proto == 17) && len >= ihl + 4)
        return pp_rss_hash_tuple(key, s, d, pp_get16(pkt + ihl), pp_get16(pkt + ihl + 2));
    if (proto == 1 && len >= ihl + 8) {
        /* Destination unreachable, source quench, redirect, time exceeded,
         * parameter problem (RFC 792): the quoted header and 8 bytes.  The
         * quote is a datagram we sent: its tuple reversed is the flow's,
         * which a symmetric key hashes alike. */
        uint8_t type = pkt[ihl];
        const uint8_t *q = pkt + ihl + 8;
        size_t qlen = len - ihl - 8, qihl;
        if ((type == 3 || type == 4 || type == 5 || type == 11 || type == 12) &&
            (qihl = ihl_of(q, qlen)) && !is_fragment(q) && (q[9] == 6 || q[9] == 17) &&
            qlen >= qihl + 4)
            return pp_rss_hash_tuple(key, pp_get32(q + 16), pp_get32(q + 12),
                                     pp_get16(q + qihl + 2), pp_get16(q + qihl));
    }
    return pp_rss_hash_tuple(key, s, d, 0, 0);
}
