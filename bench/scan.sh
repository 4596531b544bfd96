#!/bin/bash
# scan.sh - portplex scan against nmap and masscan, same run, same target:
# all 65,535 TCP ports of a host in a fresh network namespace (a few open),
# `portplex scan -sS -p-` vs `nmap -sS -p- -T4 -n -Pn` vs `masscan -p0-65535
# --rate R` (R = the rate we reached); wall time and the open ports each
# found.  Then UDP: N ports (default 100) of a target with Linux's default
# ICMP rate limit, ours vs `nmap -sU`, time and how many closed ports each
# found closed.  Root only (namespaces, raw sockets).
# Usage: bench/scan.sh build/portplex [UDP_PORTS]
# Last line: ratio=<nmap_seconds/ours_seconds> ours=<s> peer=<s> unit=s
set -u
P=$(realpath "$1")
UDPN=${2:-100}
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 1; }
for t in nmap ip; do command -v $t >/dev/null || { echo "needs $t"; exit 1; }; done
S=ppbs$$
D=ppbd$$
T=$(mktemp -d /tmp/pp_bench_scan.XXXXXX)
cleanup() {
    local ns p
    for ns in $S $D; do
        for p in $(ip netns pids $ns 2>/dev/null); do kill $p 2>/dev/null; done
    done
    sleep 0.3
    ip netns del $S 2>/dev/null
    ip netns del $D 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
ip netns add $S
ip netns add $D
ip link add vbs$$ netns $S type veth peer name vbd$$ netns $D
ip -n $S addr add 10.203.0.1/24 dev vbs$$
ip -n $D addr add 10.203.0.2/24 dev vbd$$
ip -n $S link set vbs$$ up
ip -n $D link set vbd$$ up
ip -n $S link set lo up
ip -n $D link set lo up
ip netns exec $D /usr/bin/python3 -c '
import socket, time
ls = []
for p in (22, 80, 443, 8080, 31337, 65000):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", p)); s.listen(64); ls.append(s)
time.sleep(100000)' &
sleep 0.5
want="22 80 443 8080 31337 65000"
opens() { grep -oE '^[0-9]+/tcp +open ' "$1" | cut -d/ -f1 | sort -n | tr '\n' ' ' | sed 's/ $//'; }
now() { date +%s.%N; }

t0=$(now)
ip netns exec $S "$P" scan -sS -p- -n -Pn -T4 10.203.0.2 >"$T/ours.txt" 2>&1
ours_s=$(echo "$(now) - $t0" | bc)
t0=$(now)
ip netns exec $S nmap -sS -p- -T4 -n -Pn 10.203.0.2 >"$T/nmap.txt" 2>&1
nmap_s=$(echo "$(now) - $t0" | bc)
ours_open=$(opens "$T/ours.txt")
nmap_open=$(opens "$T/nmap.txt")
rate=$(awk -v s="$ours_s" 'BEGIN {printf "%d", 65535 / s}')
printf '%-34s %10s  %s\n' "TCP, 65535 ports" "seconds" "open ports found"
printf '%-34s %10.2f  %s\n' "portplex scan -sS -p- -T4" "$ours_s" "$ours_open"
printf '%-34s %10.2f  %s\n' "nmap -sS -p- -T4 -n -Pn" "$nmap_s" "$nmap_open"
if command -v masscan >/dev/null; then
    t0=$(now)
    # masscan sends Ethernet frames itself: it needs the interface and the
    # next hop's MAC address (here the target's own veth end).
    mac=$(ip -n $D -o link show vbd$$ | grep -oE 'link/ether [0-9a-f:]+' | cut -d' ' -f2)
    ip netns exec $S masscan -p0-65535 --rate "$rate" --wait 2 --interface vbs$$ --router-mac "$mac" \
        --adapter-ip 10.203.0.1 10.203.0.2 >"$T/masscan.txt" 2>"$T/masscan.err"
    mass_s=$(echo "$(now) - $t0" | bc)
    mass_open=$(grep -oE 'port [0-9]+/tcp' "$T/masscan.txt" | grep -oE '[0-9]+' | sort -n | tr '\n' ' ' | sed 's/ $//')
    printf '%-34s %10.2f  %s\n' "masscan --rate $rate (--wait 2)" "$mass_s" "$mass_open"
fi
[ "$ours_open" = "$want" ] || echo "WARNING: portplex found '$ours_open', the target has '$want'"
[ "$nmap_open" = "$want" ] || echo "WARNING: nmap found '$nmap_open'"

if [ "$UDPN" -gt 0 ]; then
    # UDP against Linux's default ICMP rate limit (about 1 port unreachable per second).
    hi=$((40000 + UDPN - 1))
    t0=$(now)
    ip netns exec $S "$P" scan -sU -p 40000-$hi -n -Pn -T4 10.203.0.2 >"$T/ours-u.txt" 2>&1
    ou=$(echo "$(now) - $t0" | bc)
    t0=$(now)
    ip netns exec $S nmap -sU -p 40000-$hi -T4 -n -Pn 10.203.0.2 >"$T/nmap-u.txt" 2>&1
    nu=$(echo "$(now) - $t0" | bc)
    closed() { # closed ports: the "Not shown" count plus listed ones
        local a b
        a=$(grep -oE 'Not shown: [0-9]+ closed udp' "$1" | grep -oE '[0-9]+' | head -1)
        b=$(grep -cE '^[0-9]+/udp +closed' "$1")
        echo $(( ${a:-0} + b ))
    }
    printf '\n%-34s %10s  %s\n' "UDP, $UDPN closed ports, Linux's limit" "seconds" "found closed"
    printf '%-34s %10.2f  %s of %s\n' "portplex scan -sU -T4" "$ou" "$(closed "$T/ours-u.txt")" "$UDPN"
    printf '%-34s %10.2f  %s of %s\n' "nmap -sU -T4" "$nu" "$(closed "$T/nmap-u.txt")" "$UDPN"
    echo "  (the limit: a burst of 6 port unreachables, then 1/s: $((UDPN - 6)) s at least)"

    # 40 ports behind exactly one port unreachable per second (no burst:
    # nftables drops the rest, the kernel's own limit off): the physical
    # limit is 40 s; the issue asks for 1.1 x that, with every port right.
    ip netns exec $D sysctl -qw net.ipv4.icmp_ratelimit=0
    ip netns exec $D nft -f - <<'NFT'
table inet onepersec {
    chain out {
        type filter hook output priority 0; policy accept;
        icmp type destination-unreachable limit rate over 1/second burst 1 packets drop
    }
}
NFT
    t0=$(now)
    ip netns exec $S "$P" scan -sU -p 41000-41039 -n -Pn -T4 10.203.0.2 >"$T/ours-u40.txt" 2>&1
    ou=$(echo "$(now) - $t0" | bc)
    t0=$(now)
    ip netns exec $S nmap -sU -p 41000-41039 -T4 -n -Pn 10.203.0.2 >"$T/nmap-u40.txt" 2>&1
    nu=$(echo "$(now) - $t0" | bc)
    ip netns exec $D nft delete table inet onepersec
    printf '\n%-34s %10s  %s\n' "UDP, 40 closed ports, 1 ICMP/s" "seconds" "found closed"
    printf '%-34s %10.2f  %s of 40\n' "portplex scan -sU -T4" "$ou" "$(closed "$T/ours-u40.txt")"
    printf '%-34s %10.2f  %s of 40\n' "nmap -sU -T4" "$nu" "$(closed "$T/nmap-u40.txt")"
    echo "  (the limit: 40 s; the target 1.1 x 40 = 44 s)"
fi
echo "ratio=$(awk -v a="$nmap_s" -v b="$ours_s" 'BEGIN {printf "%.2f", a / b}') ours=$ours_s peer=$nmap_s unit=s"
