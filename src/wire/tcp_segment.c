/* tcp_segment.c - software TCP segmentation offload
 * (include/portplex/wire/tcp_segment.h).  A function of bytes. */
#include "portplex/wire/tcp_segment.h"

#include <errno.h>
#include <string.h>

#include "portplex/wire/bytes.h"
#include "portplex/wire/checksum.h"

#define F_FIN 0x01
#define F_PSH 0x08
#define F_CWR 0x80

int pp_tcp_segment(const uint8_t *pkt, size_t len, uint16_t mss, uint8_t *scratch,
                   size_t scratch_len, int (*emit)(void *arg, const uint8_t *seg, size_t len),
                   void *arg)
{
    size_t ihl, doff, hdrs, payload, off;
    uint32_t seq, src, dst;
    uint16_t id;
    int n = 0;

    if (!pkt || !emit || !scratch || mss == 0 || len < 40 || pkt[0] >> 4 != 4 || pkt[9] != 6)
        return -EINVAL;
    ihl = (size_t)(pkt[0] & 15) * 4;
    if (ihl < 20 || pp_get16(pkt + 2) != len || (pp_get16(pkt + 6) & 0x3fff) || ihl + 20 > len)
        return -EINVAL;
    doff = (size_t)(pkt[ihl + 12] >> 4) * 4;
    if (doff < 20 || ihl + doff > len)
        return -EINVAL;
    hdrs = ihl + doff;
    if (scratch_len < hdrs + mss)
        return -ENOBUFS;
    payload = len - hdrs;
    seq = pp_get32(pkt + ihl + 4);
    id = pp_get16(pkt + 4);
    src = pp_get32(pkt + 12);
    dst = pp_get32(pkt + 16);
    off = 0;
    do {
        size_t chunk = payload - off < mss ? payload - off : mss;
        size_t seg_len = hdrs + chunk;
        uint8_t *ip = scratch, *tcp = scratch + ihl;
        uint8_t flags = pkt[ihl + 13];
        uint32_t sum;

        memcpy(scratch, pkt, hdrs);
        memcpy(scratch + hdrs, pkt + hdrs + off, chunk);
        /* IPv4: its own length, the next identification, its checksum. */
        pp_put16(ip + 2, (uint16_t)seg_len);
        pp_put16(ip + 4, (uint16_t)(id + n));
        pp_put16(ip + 10, 0);
        pp_put16(ip + 10, pp_csum(ip, ihl));
        /* TCP: where this segment starts; FIN and PSH end the packet, CWR
         * starts it. */
        pp_put32(tcp + 4, seq + (uint32_t)off);
        if (off + chunk < payload)
            flags &= (uint8_t)~(F_FIN | F_PSH);
        if (off > 0)
            flags &= (uint8_t)~F_CWR;
        tcp[13] = flags;
        pp_put16(tcp + 16, 0);
        sum = pp_csum_pseudo(src, dst, 6, (uint16_t)(doff + chunk));
        pp_put16(tcp + 16, pp_csum_finish(pp_csum_add(sum, tcp, doff + chunk)));
        n++;
        if (emit(arg, scratch, seg_len))
            break;
        off += chunk;
    } while (off < payload);
    return n;
}
