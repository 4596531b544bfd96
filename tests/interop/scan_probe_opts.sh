#!/bin/bash
# scan_probe_opts.sh - the probe-shaping options users type from nmap:
# --data-length N (random bytes after every probe's header, and no
# protocol payloads for UDP), -e IFACE (send and capture on one interface)
# and -S ADDR (a spoofed source whose answers come back to this host).
# Each is run with nmap and with portplex over the same veth pair between
# two namespaces: the port states must be nmap's, and tshark on the target's
# side must see the probes as nmap sends them (lengths, source address).
# Bad values exit 2 with a message.
set -u
PORTPLEX=$1
. "$(dirname "$0")/../lib/interop.bash"
need_root
need_tools ip nmap tshark nft
need_python
T=$PP_TMP

netns_new S
netns_new D
veth_link "$S" "$D" 10.207.0.1/24 10.207.0.2/24
IF_S=$(ip -n "$S" -o link show type veth | awk -F': ' '{print $2}' | cut -d@ -f1)
IF_D=$(ip -n "$D" -o link show type veth | awk -F': ' '{print $2}' | cut -d@ -f1)
ip netns exec "$D" ethtool -K "$IF_D" tx off >/dev/null 2>&1
ip netns exec "$S" ethtool -K "$IF_S" tx off >/dev/null 2>&1
tcp_listeners "$D" 10.207.0.2 22 80
ip netns exec "$D" nft -f - <<'NFT' || fail "nft rules"
table inet filter {
    chain input {
        type filter hook input priority 0; policy accept;
        tcp dport 25 drop
    }
}
NFT

# states PORTS-FILE: "port/proto state" lines of a grepable file
states() { grep -oE '[0-9]+/(open|closed|filtered|unfiltered|open\|filtered)/(tcp|udp)' "$1" |
    awk -F/ '{print $1"/"$3" "$2}' | sort; }

# A capture on the target while CMD runs; tshark's fields to $1.
capture() { # OUT FILTER FIELDS... -- CMD...
    local out=$1 filter=$2 fields=() pid
    shift 2
    while [ "$1" != -- ]; do fields+=(-e "$1"); shift; done
    shift
    ip netns exec "$D" tshark -i "$IF_D" -f "$filter" -w "$T/cap.pcap" -F pcap >/dev/null 2>&1 &
    pid=$!
    sleep 1.5
    "$@" >/dev/null 2>&1
    sleep 0.5
    kill "$pid"; wait "$pid" 2>/dev/null
    tshark -r "$T/cap.pcap" -T fields "${fields[@]}" >"$out" 2>/dev/null
}

echo "== --data-length 25: SYN probes carry 25 bytes; states as nmap's"
P=21-25,80,443
capture "$T/ours.len" "tcp[tcpflags] & tcp-syn != 0 and src host 10.207.0.1" tcp.len -- \
    ip netns exec "$S" "$PORTPLEX" scan -sS -n -Pn --data-length 25 -p "$P" -oG "$T/ours.g" 10.207.0.2
[ "$(states "$T/ours.g" | wc -l)" = 7 ] || fail "expected 7 ports in our report: $(cat "$T/ours.g")"
capture "$T/nmap.len" "tcp[tcpflags] & tcp-syn != 0 and src host 10.207.0.1" tcp.len -- \
    ip netns exec "$S" nmap -sS -n -Pn --data-length 25 -p "$P" -oG "$T/nmap.g" 10.207.0.2
[ -s "$T/ours.len" ] || fail "no probe captured"
[ "$(sort -u "$T/ours.len")" = 25 ] || fail "our SYNs carry $(sort -u "$T/ours.len" | tr '\n' ' ')bytes, want 25"
[ "$(sort -u "$T/nmap.len")" = 25 ] || fail "nmap's SYNs carry $(sort -u "$T/nmap.len" | tr '\n' ' ') (the test's premise)"
diff <(states "$T/nmap.g") <(states "$T/ours.g") || fail "--data-length: states differ from nmap's"
echo "ok: $(wc -l <"$T/ours.len") SYNs of 25 bytes each, as nmap's; states equal: $(states "$T/ours.g" | tr '\n' ',')"

echo "== --data-length 0 with -sU: no protocol payload, as nmap"
capture "$T/ours.udp" "udp and src host 10.207.0.1" udp.dstport udp.length -- \
    ip netns exec "$S" "$PORTPLEX" scan -sU -n -Pn --data-length 0 -p 53,161,7 -oG "$T/ours.ug" 10.207.0.2
capture "$T/nmap.udp" "udp and src host 10.207.0.1" udp.dstport udp.length -- \
    ip netns exec "$S" nmap -sU -n -Pn --data-length 0 -p 53,161,7 -oG "$T/nmap.ug" 10.207.0.2
[ "$(awk '{print $2}' "$T/ours.udp" | sort -u)" = 8 ] || fail "our UDP probes are not empty: $(cat "$T/ours.udp")"
[ "$(awk '{print $2}' "$T/nmap.udp" | sort -u)" = 8 ] || fail "nmap's UDP probes are not empty (premise)"
diff <(states "$T/nmap.ug") <(states "$T/ours.ug") || fail "-sU --data-length 0: states differ from nmap's"
echo "ok: empty UDP probes to 53, 161 and 7, as nmap's; states equal"

echo "== -e $IF_S: the same states as nmap -e"
ip netns exec "$S" "$PORTPLEX" scan -sS -n -Pn -e "$IF_S" -p "$P" -oG "$T/ours.e" 10.207.0.2 >/dev/null 2>&1 \
    || fail "-e $IF_S failed"
ip netns exec "$S" nmap -sS -n -Pn -e "$IF_S" -p "$P" -oG "$T/nmap.e" 10.207.0.2 >/dev/null 2>&1
diff <(states "$T/nmap.e") <(states "$T/ours.e") || fail "-e: states differ from nmap's"
echo "ok: -e: $(states "$T/ours.e" | tr '\n' ',')"

echo "== -S 10.207.0.9 -e $IF_S: probes from the spoofed address; answers to it are read"
ip -n "$S" addr add 10.207.0.9/24 dev "$IF_S"
capture "$T/ours.src" "tcp[tcpflags] & tcp-syn != 0 and tcp[tcpflags] & tcp-ack == 0" ip.src -- \
    ip netns exec "$S" "$PORTPLEX" scan -sS -n -Pn -S 10.207.0.9 -e "$IF_S" -p "$P" -oG "$T/ours.s" 10.207.0.2
ip netns exec "$S" nmap -sS -n -Pn -S 10.207.0.9 -e "$IF_S" -p "$P" -oG "$T/nmap.s" 10.207.0.2 >/dev/null 2>&1
[ "$(sort -u "$T/ours.src")" = 10.207.0.9 ] || fail "probes came from $(sort -u "$T/ours.src" | tr '\n' ' ')"
diff <(states "$T/nmap.s") <(states "$T/ours.s") || fail "-S: states differ from nmap's"
echo "ok: every probe from 10.207.0.9; states equal: $(states "$T/ours.s" | tr '\n' ',')"

echo "== bad values: exit 2 with a message"
bad() { # WANT-IN-MESSAGE ARGS...
    local want=$1
    shift
    ip netns exec "$S" "$PORTPLEX" scan "$@" 10.207.0.2 >/dev/null 2>"$T/bad.err"
    local rc=$?
    [ "$rc" = 2 ] || fail "'$*' exited $rc, want 2"
    grep -q -- "$want" "$T/bad.err" || fail "'$*': message lacks '$want': $(cat "$T/bad.err")"
}
bad "no interface 'nosuch0'" -sS -Pn -e nosuch0 -p 80
bad "-S wants an IPv4 source address" -sS -Pn -S 300.1.2.3 -p 80
bad "--data-length wants 0-1400" -sS -Pn --data-length 2000 -p 80
bad "--data-length wants 0-1400" -sS -Pn --data-length -1 -p 80
echo "ok: bad -e, -S and --data-length refused"
echo PASS
