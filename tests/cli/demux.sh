#!/bin/bash
# demux.sh - `portplex demux` shows each rule of docs/architecture.md deciding.
set -u
P=$1
fail() { echo "FAIL: $*" >&2; exit 1; }
out=$("$P" demux) || fail "exit $?"
want() { grep -qE -- "$1" <<<"$out" || { echo "$out"; fail "missing /$1/"; }; }
want 'udp 10\.0\.0\.2:40001 +-> 10\.0\.0\.1:7 +udp-wildcard +udp-echo \*:7'
want 'udp 10\.0\.0\.3:40002 +-> 10\.0\.0\.1:7 +udp-wildcard +udp-echo \*:7'
want 'udp 10\.0\.0\.2:40003 +-> 10\.0\.0\.1:53 +udp-exact +dns 10\.0\.0\.1:53'
want 'udp 10\.0\.0\.3:5353 +-> 10\.0\.0\.1:53 +udp-connected +dns-connected'
want 'udp 10\.0\.0\.2:40004 +-> 10\.0\.0\.1:9 +miss +\(no socket: ICMP port unreachable\)'
want 'tcp 10\.0\.0\.3:50003 +-> 10\.0\.0\.1:80 +established +http connection #8'
want 'tcp 10\.0\.0\.2:60000 +-> 10\.0\.0\.1:80 +listener-wildcard'
want 'time-wait +TIME-WAIT record'
want 'tcp 10\.0\.0\.3:60001 +-> 10\.0\.0\.1:443 +miss +\(no socket: answer RST\)'
want '^  tcp +LISTEN +\*:80 '
[ "$(grep -cE '^  tcp +ESTAB +10\.0\.0\.1:80 ' <<<"$out")" = 8 ] || fail "expected 8 ESTAB rows on :80"
want 'lookups: 5 udp, 11 tcp; by rule: miss=2 established=8 time-wait=1 listener-wildcard=1 udp-connected=1 udp-exact=1 udp-wildcard=2'
out=$("$P" demux --connections 20000 --quiet) || fail "exit $?"
want 'established=20000'
"$P" demux --connections 0 >/dev/null 2>&1; [ $? = 2 ] || fail "--connections 0 must exit 2"
"$P" demux --connections >/dev/null 2>&1; [ $? = 2 ] || fail "missing value must exit 2"
"$P" demux --connections 12abc >/dev/null 2>&1; [ $? = 2 ] || fail "12abc must exit 2"
echo PASS
