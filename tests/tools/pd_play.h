/* pd_play.h - what the parts of pd_play share: the .so's function table,
 * the script's connection (addresses, ports, ISNs, TS values seen), error
 * exits, and the small parsing helpers.  See pd_play.c for what pd_play
 * is and how its verdicts are meant to equal packetdrill's. */
#ifndef PD_PLAY_H
#define PD_PLAY_H

#include <stdint.h>

#include "packetdrill/pd_interface.h"

#define PD_LOCAL 0xc0a80001u  /* 192.168.0.1: local_ip, as packetdrill-run passes it */
#define PD_REMOTE 0xc0000201u /* 192.0.2.1: remote_ip */
#define PD_REMOTE_ISN 1000000u
#define PD_MAX_FD 64

extern struct packetdrill_interface pd_ifc;
extern const char *pd_script;
extern int pd_line;

/* The script's one connection, as packetdrill tracks it. */
struct pd_conn {
    uint16_t local_port, remote_port;
    uint32_t local_isn;
    int have_local_isn;
    int fd_map[PD_MAX_FD]; /* script fd -> live fd, -1 none */
    int saw_peer;   /* a packet of the connection went in */
};
extern struct pd_conn pd_conn;

/* The script failed: "script:line: message", exit 1 (a verdict). */
_Noreturn void pd_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The script uses something pd_play does not play: exit 2 (no verdict). */
_Noreturn void pd_unsupported(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

char *pd_skip_ws(char *p);
/* Splits "a, b, [c, d], {e}" at top-level commas; returns the count. */
int pd_split_args(char *s, char **out, int max);
/* An integer, a symbol, or symbols joined with '|'; unknown -> unsupported. */
long long pd_value(const char *s);
/* Whether s names a known symbol or is a number. */
int pd_is_value(const char *s);

/* Live time on the .so's clock, microseconds. */
long long pd_now_us(void);

/* Packets (pd_packets.c).  A script line after '<' or '>'. */
void pd_inbound(char *spec);
/* Verifies what the stack sends against spec; script_us and end_us (-1:
 * none) are the event's time window, last_us the previous event's time
 * (script clock), any_time for '*'.  Returns the live time of the packet. */
long long pd_outbound(char *spec, long long script_us, long long end_us, long long last_us,
                      int any_time);
/* TS values: our outbound TS val for a script TS val, for inbound echoes. */
void pd_ts_reset(void);

/* Time checks as packetdrill's verify_time (run.c). */
void pd_verify_time(const char *what, long long script_us, long long end_us, long long live_us,
                    long long last_us);
extern long long pd_start_us;     /* live time of script time 0 */
extern long long pd_tolerance_us; /* --tolerance_usecs (4000) */
extern double pd_tolerance_pct;   /* --tolerance_percent (12.5) */
extern long pd_ts_tick_us;        /* --tcp_ts_tick_usecs: 0, TS values not checked */

/* System calls (pd_calls.c): runs "name(args)" and checks "= result". */
long long pd_run_call(char *call, int *err);
void pd_check_result(const char *call, long long rc, int err, const char *want);
int pd_call_blocks_fd(const char *call);

#endif
