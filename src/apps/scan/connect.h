/* connect.h - the scans that need no privilege: the connect scan (-sT)
 * and the UDP scan over connected kernel sockets (-sU without root), with
 * non-blocking sockets watched by epoll.  Results go into the same
 * pp_scan_result the raw engine fills. */
#ifndef PP_SCAN_CONNECT_H
#define PP_SCAN_CONNECT_H

#include "engine.h"

/* Scans job->targets x job->ports (TCP with connect(), UDP with connected
 * datagram sockets).  Uses job->timing (max_parallel, max_retries,
 * initial_rtt_ms as the per-try wait).  0 or -errno with a message in err. */
int pp_scan_connect_run(const struct pp_scan_job *job, struct pp_scan_result *res, char *err);

#endif
