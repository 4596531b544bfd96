/* tcp_segment.h - TCP segmentation offload done in software: one IPv4 TCP
 * packet larger than the MTU cut into the segments a NIC's TSO engine
 * would send (Linux's tcp_gso_segment does the same job): the headers
 * copied to each, the IPv4 total length, identification and checksum
 * rewritten, the sequence number advanced, FIN and PSH kept for the last
 * segment and CWR for the first (RFC 3168 6.1.2), the TCP checksum
 * computed for each.  For links that offer send_tso but carry packets
 * one by one. */
#ifndef PP_TCP_SEGMENT_H
#define PP_TCP_SEGMENT_H

#include "portplex/export.h"

#include <stddef.h>
#include <stdint.h>

/* Calls emit(arg, seg, seg_len) for each segment of pkt (a whole IPv4 TCP
 * packet, len bytes) holding at most mss payload bytes, in order, stopping
 * at the first emit that returns non-zero.  scratch must hold the headers
 * plus mss bytes.  Returns the number of segments emitted, or -EINVAL for
 * what is not an unfragmented IPv4 TCP packet with mss > 0, or -ENOBUFS
 * when scratch is too small. */
PP_API int pp_tcp_segment(const uint8_t *pkt, size_t len, uint16_t mss, uint8_t *scratch,
                          size_t scratch_len, int (*emit)(void *arg, const uint8_t *seg, size_t len),
                          void *arg);

#endif
