/* counters.h - the stack's counters, per layer, like `netstat -s`: what was
 * received, delivered, dropped (with the reason) and sent. */
#ifndef PP_COUNTERS_H
#define PP_COUNTERS_H

#include <stdint.h>

#include "portplex/wire/wire_err.h"

/* X(layer, name, description) */
#define PP_COUNTERS(X)                                                                   \
    X(ip, in_receives, "packets received")                                               \
    X(ip, in_hdr_errors, "dropped: malformed IPv4 header (by reason below)")             \
    X(ip, in_not_ipv4, "dropped: not IPv4 (e.g. the kernel's IPv6 on a TUN device)")     \
    X(ip, in_addr_errors, "dropped: not addressed to us")                                \
    X(ip, in_unknown_protos, "dropped: unknown protocol (ICMP protocol unreachable)")    \
    X(ip, in_delivers, "delivered to ICMP, UDP or TCP")                                  \
    X(ip, reasm_reqds, "fragments received")                                             \
    X(ip, reasm_oks, "datagrams reassembled")                                            \
    X(ip, reasm_fails, "datagrams dropped during reassembly")                            \
    X(ip, reasm_overlaps, "dropped: overlapping fragments (RFC 5722 caution)")           \
    X(ip, reasm_dups, "duplicate fragments ignored")                                     \
    X(ip, reasm_timeouts, "reassemblies timed out")                                      \
    X(ip, reasm_nomem, "dropped: reassembly memory limit")                               \
    X(ip, out_requests, "packets sent")                                                  \
    X(ip, out_no_routes, "dropped on output: no route")                                  \
    X(ip, frag_oks, "datagrams fragmented")                                              \
    X(ip, frag_creates, "fragments created")                                             \
    X(ip, frag_fails, "dropped on output: too big with DF set")                          \
    X(ip, out_discards, "dropped on output: link refused or no memory")                  \
    X(icmp, in_msgs, "messages received")                                                \
    X(icmp, in_errors, "dropped: malformed (by reason below)")                           \
    X(icmp, in_echos, "echo requests received")                                          \
    X(icmp, in_echo_reps, "echo replies received")                                       \
    X(icmp, in_dest_unreachs, "destination unreachable received")                        \
    X(icmp, in_time_excds, "time exceeded received")                                     \
    X(icmp, errors_to_sockets, "errors reported to a socket")                            \
    X(icmp, out_msgs, "messages sent")                                                   \
    X(icmp, out_echo_reps, "echo replies sent")                                          \
    X(icmp, out_dest_unreachs, "destination unreachable sent")                           \
    X(icmp, out_time_excds, "time exceeded sent")                                        \
    X(icmp, out_rate_limited, "errors not sent: rate limit")                             \
    X(udp, in_datagrams, "datagrams delivered")                                          \
    X(udp, no_ports, "datagrams to a port with no socket")                               \
    X(udp, in_errors, "dropped: malformed (by reason below)")                            \
    X(udp, rcvbuf_errors, "dropped: receive queue full")                                 \
    X(udp, out_datagrams, "datagrams sent")                                              \
    X(tcp, in_segs, "segments received")                                                 \
    X(tcp, in_errs, "dropped: malformed (by reason below)")                              \
    X(tcp, no_ports, "segments to no socket (answered with RST)")                        \
    X(tcp, out_rsts, "resets sent")                                                      \
    X(tcp, out_segs, "segments sent")                                                    \
    X(tcp, out_csum_offloaded, "segments whose checksum was left to the link (offload)")   \
    X(tcp, active_opens, "connections opened by connect()")                              \
    X(tcp, passive_opens, "connections opened by a listener")                            \
    X(tcp, listen_drops, "SYNs dropped: listen queue full")                              \
    X(tcp, in_rsts, "connections reset by the peer")                                     \
    X(tcp, challenge_acks, "challenge ACKs sent (RFC 5961)")                             \
    X(tcp, retransmits, "retransmission timeouts")                                       \
    X(tcp, fast_retransmits, "fast retransmits")                                         \
    X(tcp, timeouts, "connections dropped after too many retransmissions")               \
    X(tcp, window_probes, "zero-window probes sent")                                     \
    X(tcp, resource_probes, "new data retried after the link refused it (queue full)")   \
    X(tcp, link_refused, "segments of new data the link refused: not sent, retried")      \
    X(tcp, user_timeouts, "connections ended by their user timeout (RFC 5482)")           \
    X(tcp, ooo_segs, "segments queued out of order")                                     \
    X(tcp, time_waits, "connections into TIME_WAIT")                                     \
    X(tcp, tw_expired, "TIME_WAIT records expired after 2*MSL")                           \
    X(tcp, sack_reneging, "timeouts that found SACKed data dropped by the peer (RFC 2018 8)") \
    X(tcp, delayed_acks, "ACKs delayed (sent later or with data)")                       \
    X(tcp, keepalive_probes, "keepalive probes sent")                                    \
    X(tcp, keepalive_drops, "connections dropped: keepalive unanswered")                 \
    X(tcp, syncookies_sent, "SYN cookies sent (listen queue full)")                      \
    X(tcp, syncookies_ok, "connections restored from a SYN cookie")                      \
    X(tcp, syncookies_failed, "ACKs with an invalid SYN cookie")                         \
    X(tcp, ecn_ce_received, "segments that arrived marked CE (RFC 3168)")                \
    X(tcp, ecn_reductions, "window reductions for an ECN echo (RFC 3168 6.1.2)")        \
    X(tcp, limited_transmits, "segments sent on a first or second duplicate ACK (RFC 3042)") \
    X(tcp, challenge_acks_limited, "challenge ACKs not sent: one per 500 ms (RFC 5961 7)") \
    X(tcp, rack_lost, "times RACK deemed segments lost (RFC 8985 6)")                   \
    X(tcp, loss_probes, "tail loss probes sent (RFC 8985 7)")                           \
    X(tcp, undos, "window reductions undone: the resends were spurious (RFC 3522, 2883)") \
    X(tcp, dsacks_received, "D-SACKs received: data that arrived twice (RFC 2883)")     \
    X(tcp, data_after_close, "connections reset: data arrived after close (RFC 2525 2.17)") \
    X(tcp, paws_drops, "old duplicates dropped by PAWS (RFC 7323)")                      \
    X(tcp, ack_unsent_drops, "segments dropped for acknowledging data never sent")   \
    X(tcp, icmp_ignored, "ICMP errors ignored: no such connection or sequence not in flight") \
    X(tcp, icmp_soft_errors, "ICMP errors noted as soft errors (RFC 1122 4.2.3.9)")      \
    X(tcp, pmtu_updates, "segment size lowered by fragmentation needed (RFC 1191)")      \
    X(tcp, tw_reopened, "TIME_WAIT records ended by a new SYN (RFC 1122 4.2.2.13)")      \
    X(tcp, rcvq_drops, "segments cut short: receive queue full")                         \
    X(tcp, sack_retransmits, "holes resent from the SACK scoreboard")

enum pp_counter {
#define PP_CNT_ENUM(layer, name, text) PP_CNT_##layer##_##name,
    PP_COUNTERS(PP_CNT_ENUM)
#undef PP_CNT_ENUM
    PP_CNT_COUNT
};

/* Per-layer malformation reasons, indexed by PP_WERR_*. */
enum pp_err_layer { PP_ERRL_IP, PP_ERRL_ICMP, PP_ERRL_UDP, PP_ERRL_TCP, PP_ERRL_COUNT };

struct pp_counters {
    uint64_t c[PP_CNT_COUNT];
    uint64_t err[PP_ERRL_COUNT][PP_WERR_COUNT];
};

#define CNT(st, layer, name) ((st)->cnt.c[PP_CNT_##layer##_##name]++)

#endif
