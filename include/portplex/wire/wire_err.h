/* wire_err.h - error codes returned by the wire parsers, one per kind of
 * malformation, so that the stack can count drops by reason. */
#ifndef PP_WIRE_ERR_H
#define PP_WIRE_ERR_H

#include "portplex/export.h"

/* X(name, text): parsers return -PP_WERR_<name>; 0 is never an error. */
#define PP_WIRE_ERRORS(X)                                                      \
    X(TRUNCATED, "buffer shorter than the header")                             \
    X(VERSION, "IP version is not 4")                                          \
    X(IHL, "IPv4 header length below 20 or beyond the buffer")                 \
    X(TOTLEN, "IPv4 total length below the header or beyond the buffer")       \
    X(CSUM, "bad checksum")                                                    \
    X(FRAG, "reserved flag set or fragment beyond 65535 bytes")                \
    X(TTL, "TTL is zero")                                                      \
    X(IPOPT, "malformed IPv4 option")                                          \
    X(LENGTH, "length field disagrees with the buffer")                        \
    X(DOFF, "TCP data offset below 5 or beyond the segment")                   \
    X(TCPOPT, "malformed TCP option")                                          \
    X(ICMPTYPE, "ICMP message too short for its type")                         \
    X(NOSPACE, "output buffer too small")                                      \
    X(INVAL, "invalid argument")

enum pp_wire_err {
    PP_WERR_NONE = 0,
#define PP_WERR_ENUM(name, text) PP_WERR_##name,
    PP_WIRE_ERRORS(PP_WERR_ENUM)
#undef PP_WERR_ENUM
    PP_WERR_COUNT
};

/* Text for an error code (positive or negative); "unknown" if out of range. */
PP_API const char *pp_wire_strerror(int err);
/* Short name ("TRUNCATED") for counters and logs. */
PP_API const char *pp_wire_errname(int err);

/* Parser flags. */
#define PP_WIRE_NO_CSUM 0x1u /* skip checksum verification (fuzz builds, offload) */
/* Whether a parser verifies checksums given its flags.  Fuzz builds
 * (-DPP_FUZZING) never do, so a mutated packet reaches the code behind the
 * checksum wherever it enters, the stack included; other builds always
 * honour the flag. */
#ifdef PP_FUZZING
#define PP_WIRE_VERIFY_CSUM(flags) ((void)(flags), 0)
#else
#define PP_WIRE_VERIFY_CSUM(flags) (!((flags) & PP_WIRE_NO_CSUM))
#endif

#endif
