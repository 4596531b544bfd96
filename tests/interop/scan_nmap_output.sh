#!/bin/bash
# scan_nmap_output.sh - the report as nmap users read it (issue "The scanner
# as its users type it", item 1): the same command lines run with nmap and
# with portplex scan against one target namespace, and the lines users read
# compared as text: the port table (nmap's column widths, service names
# from nmap-services, reasons with TTLs), the "Not shown:" groups, the
# "Host is up (N s latency)." line (two significant digits, as nmap's),
# -oG's host lines with --open, and the warning for U: ports without -sU.
# Also: with the target's ping known, a scan of filtered ports takes no
# longer than nmap's (its timeouts start from the measured round trip).
set -u
PORTPLEX=$1
. "$(dirname "$0")/../lib/interop.bash"
need_root
need_tools ip nmap nft
need_python
[ -r /usr/share/nmap/nmap-services ] || skip "needs nmap's nmap-services (service names)"
T=$PP_TMP

netns_new S
netns_new D
veth_link "$S" "$D" 10.204.0.1/24 10.204.0.2/24
ip netns exec "$D" sysctl -qw net.ipv4.icmp_ratelimit=0
ip netns exec "$D" nft -f - <<'NFT' || fail "nft rules"
table inet filter {
    chain input {
        type filter hook input priority 0; policy accept;
        tcp dport 1000-1010 drop
        tcp dport 1011 reject with icmp type port-unreachable
        tcp dport 1012 reject with icmp type admin-prohibited
    }
}
NFT
tcp_listeners "$D" 0.0.0.0 22 80 443 3306

# The lines compared: the table, "Not shown", warnings.
table() { grep -E '^(PORT |[0-9]+/(tcp|udp) |Not shown: |WARNING: |All [0-9]+ scanned ports )' "$1"; }
hostline() { grep -E '^Host is up' "$1"; }

n=0
check() { # ARGS...: one command line, both scanners
    n=$((n + 1))
    ip netns exec "$S" nmap "$@" -n 10.204.0.2 >"$T/nm$n" 2>&1 || fail "nmap $*: $(cat "$T/nm$n")"
    ip netns exec "$S" "$PORTPLEX" scan "$@" -n 10.204.0.2 >"$T/pp$n" 2>&1 ||
        fail "portplex scan $*: $(cat "$T/pp$n")"
    [ -n "$(table "$T/nm$n")" ] || fail "nmap $*: no table? $(cat "$T/nm$n")"
    if [ "$(table "$T/pp$n")" != "$(table "$T/nm$n")" ]; then
        diff <(table "$T/nm$n") <(table "$T/pp$n") >&2
        fail "'$*': the report differs from nmap's (< nmap, > ours)"
    fi
    # Both name the latency the nmap way (the figures differ, the form not).
    hostline "$T/pp$n" | grep -Eq '^Host is up(, received [a-z-]+)? \(0\.0*[1-9][0-9]?s latency\)\.$' ||
        fail "'$*': host line '$(hostline "$T/pp$n")' is not nmap's form ('$(hostline "$T/nm$n")')"
    echo "ok: $* ($(table "$T/pp$n" | wc -l) lines equal)"
}

check -sS -p 20-25,1000-1012
check -sS -p 20-25,1000-1012 --reason
check -sS -p 1-1100
check -sS -p 1-1100 --open
check -sS -p 30-79
check -sT -p 1-1100
check -sT -p T:20-30,U:53

# -oG with --open: the host lines as nmap's, Ignored State included.
ip netns exec "$S" nmap -sS -p 1000-1010,22,80 --open -n -oG "$T/nm.gnmap" 10.204.0.2 >/dev/null 2>&1
ip netns exec "$S" "$PORTPLEX" scan -sS -p 1000-1010,22,80 --open -n -oG "$T/pp.gnmap" 10.204.0.2 >/dev/null 2>&1
[ "$(grep '^Host:' "$T/pp.gnmap")" = "$(grep '^Host:' "$T/nm.gnmap")" ] ||
    fail "-oG --open host lines differ: $(grep '^Host:' "$T/nm.gnmap") vs $(grep '^Host:' "$T/pp.gnmap")"
echo "ok: -oG --open"

# Timeouts from the measured ping: 12 filtered ports take no longer than
# nmap's 1.3 s (they took 5 s when the timeouts started from 1 s).
t0=$(date +%s.%N)
ip netns exec "$S" "$PORTPLEX" scan -sS -p 1000-1011 -n 10.204.0.2 >/dev/null 2>&1
t1=$(date +%s.%N)
ip netns exec "$S" nmap -sS -p 1000-1011 -n 10.204.0.2 >/dev/null 2>&1
t2=$(date +%s.%N)
ours=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
theirs=$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.2f", b - a }')
awk -v o="$ours" -v t="$theirs" 'BEGIN { exit !(o <= t + 0.5) }' ||
    fail "12 filtered ports took us ${ours}s, nmap ${theirs}s"
echo "ok: filtered ports in ${ours}s (nmap ${theirs}s)"
