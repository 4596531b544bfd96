/* pcap_file.h - write and read capture files of raw IPv4 packets
 * (LINKTYPE_RAW) through libpcap, so Wireshark and tshark open them. */
#ifndef PP_PCAP_FILE_H
#define PP_PCAP_FILE_H

#include "portplex/export.h"

#include <stddef.h>
#include <stdint.h>

struct pp_pcap_writer;
struct pp_pcap_reader;

/* Creates (truncates) path as a LINKTYPE_RAW capture.  Returns NULL and puts a
 * message in err (>= 256 bytes) on failure. */
PP_API struct pp_pcap_writer *pp_pcap_writer_open(const char *path, char *err);
/* Appends one IPv4 packet stamped ts_usec microseconds since the epoch. */
PP_API void pp_pcap_write(struct pp_pcap_writer *w, const uint8_t *pkt, size_t len, uint64_t ts_usec);
/* Flushes and closes; accepts NULL. */
PP_API void pp_pcap_writer_close(struct pp_pcap_writer *w);

/* Opens a pcap or pcapng file whose link type is raw IP, Ethernet, Linux
 * cooked (SLL) or BSD loopback.  NULL and a message in err on failure. */
PP_API struct pp_pcap_reader *pp_pcap_reader_open(const char *path, char *err);
/* Next IPv4 packet with its link header stripped; non-IPv4 frames are
 * skipped.  Returns 1 with *pkt, *len and *ts_usec set (valid until the next
 * call), 0 at the end, -1 on a read error. */
PP_API int pp_pcap_read(struct pp_pcap_reader *r, const uint8_t **pkt, size_t *len, uint64_t *ts_usec);
/* Closes; accepts NULL. */
PP_API void pp_pcap_reader_close(struct pp_pcap_reader *r);

#endif
