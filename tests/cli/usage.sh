#!/bin/bash
# usage.sh - the portplex command's dispatch: help, version, per-command help,
# and clear messages with exit 2 for unknown commands and options.
set -u
P=$1
fail() { echo "FAIL: $*" >&2; exit 1; }
expect() { # expect CODE PATTERN CMD...: exit code and a pattern in stdout+stderr
    local code=$1 pat=$2 out rc
    shift 2
    out=$("$@" 2>&1); rc=$?
    [ "$rc" = "$code" ] || fail "'$*' exited $rc, expected $code; output: $out"
    grep -qE -- "$pat" <<<"$out" || fail "'$*' output lacks /$pat/: $out"
}
expect 0 '^portplex [0-9]+\.[0-9]+\.[0-9]+$' "$P" --version
expect 0 'usage: portplex' "$P" --help
expect 0 'commands:' "$P" help
expect 0 'usage: portplex decode' "$P" help decode
expect 0 'usage: portplex decode' "$P" decode --help
expect 0 'usage: portplex lab' "$P" lab --help
expect 0 'usage: portplex demux' "$P" demux --help
expect 2 'usage: portplex' "$P"
expect 2 "'frobnicate' is not a portplex command" "$P" frobnicate
expect 2 "no command 'frobnicate'" "$P" help frobnicate
expect 2 "unknown option '--bogus'" "$P" --bogus
expect 2 "unknown option '--bogus'" "$P" decode --bogus x.pcap
expect 2 "expected exactly one pcap FILE" "$P" decode
expect 2 "unknown option '--bogus'" "$P" lab --bogus
expect 2 "unexpected argument 'extra'" "$P" lab extra
expect 2 "--queues must be 1-16, not '0'" "$P" stack --tun x0 --addr 10.9.9.2/24 --queues 0
expect 2 "--queues must be 1-16, not '17'" "$P" stack --tun x0 --addr 10.9.9.2/24 --queues 17
expect 2 "--busy-poll must be 0-100000 microseconds, not '-1'" "$P" stack --tun x0 --addr 10.9.9.2/24 --busy-poll -1
expect 2 "--busy-poll must be 0-100000 microseconds, not '100001'" "$P" stack --tun x0 --addr 10.9.9.2/24 --busy-poll 100001
expect 2 "--busy-poll must be 0-100000 microseconds, not '5us'" "$P" stack --tun x0 --addr 10.9.9.2/24 --busy-poll 5us
expect 2 "--pcap records one stack" "$P" stack --tun x0 --addr 10.9.9.2/24 --queues 2 --pcap /tmp/x.pcap
expect 1 "No such file|nonexistent" "$P" decode /nonexistent.pcap
# A file that is not a capture at all.
tmp=$(mktemp)
echo "not a pcap" >"$tmp"
expect 1 "portplex decode:" "$P" decode "$tmp"
rm -f "$tmp"
echo PASS
