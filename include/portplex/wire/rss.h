/* rss.h - receive-side scaling: the Toeplitz hash a NIC computes over a
 * packet's addresses and ports to pick one of its receive queues
 * (Microsoft's "Receive Side Scaling" specification, whose verification
 * vectors tests/unit/wire/test_rss.c checks), and the symmetric variant
 * whose key repeats every 16 bits, so that a flow and its replies hash
 * alike (Woo and Park, "Scalable TCP Session Monitoring with Symmetric
 * Receive-side Scaling", 2012).  portplex's shards use it to steer flows. */
#ifndef PP_RSS_H
#define PP_RSS_H

#include "portplex/export.h"

#include <stddef.h>
#include <stdint.h>

#define PP_RSS_KEY_LEN 40 /* the specification's key length: IPv6 4-tuples need 36 + 4 */

/* The Toeplitz hash of data (len bytes) under key (keylen >= len + 4). */
PP_API uint32_t pp_toeplitz(const uint8_t *key, size_t keylen, const uint8_t *data, size_t len);

/* A symmetric key: the 16 bits k repeated over PP_RSS_KEY_LEN bytes.  Such
 * keys have 16 bits of freedom only; k = 0x6d5a is the usual choice. */
PP_API void pp_rss_sym_key(uint16_t k, uint8_t key[PP_RSS_KEY_LEN]);

/* A key made ready for IPv4 4-tuples: the hash's contribution of every
 * value of each of the 12 input bytes (the hash is linear in its input),
 * so a tuple costs 12 table lookups instead of 96 key windows. */
struct pp_rss {
    uint8_t key[PP_RSS_KEY_LEN];
    uint32_t tab[12][256];
};
PP_API void pp_rss_prepare(struct pp_rss *r, const uint8_t key[PP_RSS_KEY_LEN]);

/* The hash of an IPv4 4-tuple as RSS orders it (source address,
 * destination address, source port, destination port; host order in). */
PP_API uint32_t pp_rss_hash_tuple(const struct pp_rss *r, uint32_t saddr, uint32_t daddr,
                                  uint16_t sport, uint16_t dport);

/* The hash an RSS NIC computes for an IPv4 packet: the 4-tuple for TCP and
 * UDP that are not fragments, the 2-tuple (ports 0) for fragments and
 * other protocols - and, as a software NIC can, the quoted datagram's
 * 4-tuple for an ICMP error, so the error reaches the flow it is about.
 * A packet too short to read hashes to 0. */
PP_API uint32_t pp_rss_hash_ipv4(const struct pp_rss *r, const uint8_t *pkt, size_t len);

#endif
