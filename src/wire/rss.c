/* rss.c - the Toeplitz hash of receive-side scaling over IPv4 headers
 * (include/portplex/wire/rss.h).  A function of bytes: no state. */
#include "portplex/wire/rss.h"

#include <string.h>

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

void pp_rss_prepare(struct pp_rss *r, const uint8_t key[PP_RSS_KEY_LEN])
{
    int i, bit, v;

    memcpy(r->key, key, PP_RSS_KEY_LEN);
    for (i = 0; i < 12; i++) {
        uint8_t in[12] = {0};
        uint32_t one[8];
        for (bit = 0; bit < 8; bit++) {
            in[i] = (uint8_t)(1u << bit);
            one[bit] = pp_toeplitz(key, PP_RSS_KEY_LEN, in, sizeof in);
        }
        /* Linear: a byte's hash is the XOR of its bits' hashes. */
        for (v = 0; v < 256; v++) {
            uint32_t h = 0;
            for (bit = 0; bit < 8; bit++)
                if (v >> bit & 1)
                    h ^= one[bit];
            r->tab[i][v] = h;
        }
    }
}

uint32_t pp_rss_hash_tuple(const struct pp_rss *r, uint32_t saddr, uint32_t daddr, uint16_t sport,
                           uint16_t dport)
{
    const uint32_t (*t)[256] = r->tab;
    return t[0][saddr >> 24] ^ t[1][saddr >> 16 & 255] ^ t[2][saddr >> 8 & 255] ^ t[3][saddr & 255] ^
           t[4][daddr >> 24] ^ t[5][daddr >> 16 & 255] ^ t[6][daddr >> 8 & 255] ^ t[7][daddr & 255] ^
           t[8][sport >> 8] ^ t[9][sport & 255] ^ t[10][dport >> 8] ^ t[11][dport & 255];
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

uint32_t pp_rss_hash_ipv4(const struct pp_rss *key, const uint8_t *pkt, size_t len)
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
