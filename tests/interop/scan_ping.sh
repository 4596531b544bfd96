#!/bin/bash
# scan_ping.sh - portplex scan -sn (host discovery, no port scan) against
# nmap -sn --send-ip on the same targets: a subnet with one host that
# answers pings, one that answers nothing (all ICMP and TCP dropped) but is
# there, and addresses nobody holds.  The hosts reported up must be the
# same; -oX validates against nmap's DTD with no <ports>; -oG says
# "Status: Up" per host and nmap's "(N hosts up)" summary; without raw
# sockets the ping is a connect() to 80 and 443 (nmap's unprivileged way);
# -Pn -sn reports every target up; -PE, -PS, -PA and -PU alone find what
# nmap finds with them; --ttl and -g shape every probe as nmap's do; -sn
# with a port scan type is a usage error.
set -u
PORTPLEX=$1
. "$(dirname "$0")/../lib/interop.bash"
need_root
need_tools ip nmap nft xmllint tshark
need_python
[ -r /usr/share/nmap/nmap.dtd ] || skip "needs nmap's DTD"
T=$PP_TMP

netns_new S
netns_new D
netns_new Q
ip link add "ps$$" netns "$S" type veth peer name "pd$$" netns "$D"
ip link add "pq$$" netns "$Q" type veth peer name "pr$$" netns "$S"
ip -n "$S" link add "br$$" type bridge
ip -n "$S" link set "pr$$" master "br$$"
ip -n "$S" link set "ps$$" master "br$$"
ip -n "$S" addr add 10.203.0.1/24 dev "br$$"
ip -n "$D" addr add 10.203.0.2/24 dev "pd$$"
ip -n "$Q" addr add 10.203.0.3/24 dev "pq$$"
for l in "br$$" "ps$$" "pr$$"; do ip -n "$S" link set "$l" up; done
ip -n "$D" link set "pd$$" up
ip -n "$Q" link set "pq$$" up
# 10.203.0.3 is there but silent: it drops every packet to it.
ip netns exec "$Q" nft -f - <<'NFT' || fail "nft rules"
table inet filter {
    chain input {
        type filter hook input priority 0; policy drop;
    }
}
NFT
TARGETS=10.203.0.2-5

up_hosts() { # the addresses an XML report says are up, one per line
    $PY - "$1" <<'PY'
import sys, xml.etree.ElementTree as ET
for h in ET.parse(sys.argv[1]).iter("host"):
    if h.find("status").get("state") == "up":
        print(h.find("address").get("addr"))
PY
}

ip netns exec "$S" nmap -sn -n --send-ip $TARGETS -oX "$T/nmap.xml" >/dev/null 2>&1 || fail "nmap -sn"
ip netns exec "$S" "$PORTPLEX" scan -sn -n --reason $TARGETS -oX "$T/ours.xml" -oG "$T/ours.gnmap" \
    >"$T/ours.txt" 2>&1 || fail "portplex scan -sn: $(cat "$T/ours.txt")"
up_hosts "$T/nmap.xml" >"$T/nmap.up"
up_hosts "$T/ours.xml" >"$T/ours.up"
[ "$(cat "$T/nmap.up")" = "10.203.0.2" ] || fail "nmap saw other hosts up: $(cat "$T/nmap.up")"
diff -u "$T/nmap.up" "$T/ours.up" || fail "-sn: hosts up differ from nmap's"
xmllint --noout --dtdvalid /usr/share/nmap/nmap.dtd "$T/ours.xml" 2>"$T/xmllint.txt" ||
    fail "-sn -oX is not valid against nmap's DTD: $(cat "$T/xmllint.txt")"
grep -q '<ports>' "$T/ours.xml" && fail "-sn -oX lists ports"
grep -q '<scaninfo' "$T/ours.xml" && fail "-sn -oX has a scaninfo (nmap writes none)"
grep -q 'reason="echo-reply"' "$T/ours.xml" || fail "-sn -oX: no echo-reply reason"
grep -q '<hosts up="1" down="3" total="4"/>' "$T/ours.xml" || fail "-sn -oX: host counts"
grep -qx 'Host: 10.203.0.2 ()	Status: Up' "$T/ours.gnmap" || fail "-sn -oG: no Status: Up line"
grep -q -- '-- 4 IP addresses (1 host up) scanned in' "$T/ours.gnmap" || fail "-sn -oG: summary"
grep -q 'Host is up, received echo-reply.' "$T/ours.txt" || fail "-sn: no 'Host is up' with --reason"
grep -q 'PORT' "$T/ours.txt" && fail "-sn printed a port table"
grep -q '4 IP addresses (1 host up)' "$T/ours.txt" || fail "-sn: summary line: $(cat "$T/ours.txt")"

# Without raw sockets: connect() to 80 and 443; a refusal means up.
ip netns exec "$S" "$PORTPLEX" scan -sn -n --unprivileged --reason $TARGETS -oX "$T/unpriv.xml" \
    >"$T/unpriv.txt" 2>&1 || fail "-sn --unprivileged: $(cat "$T/unpriv.txt")"
up_hosts "$T/unpriv.xml" >"$T/unpriv.up"
diff -u "$T/nmap.up" "$T/unpriv.up" || fail "-sn --unprivileged: hosts up differ"
grep -q 'reason="conn-refused"' "$T/unpriv.xml" || fail "-sn --unprivileged: no conn-refused reason"

# -Pn: no discovery, every target up ("user-set").
ip netns exec "$S" "$PORTPLEX" scan -sn -Pn -n 10.203.0.4-5 -oX "$T/pn.xml" >/dev/null 2>&1 ||
    fail "-sn -Pn"
[ "$(up_hosts "$T/pn.xml" | wc -l)" = 2 ] || fail "-sn -Pn: every target should be up"
grep -q 'reason="user-set"' "$T/pn.xml" || fail "-sn -Pn: reason should be user-set"

# The probes chosen as nmap's -PE -PS -PA -PU: the host now ignores pings;
# a UDP echo service on 7.  Each option alone must find the same hosts up
# as nmap with it (and the same reason).
ip netns exec "$D" sysctl -qw net.ipv4.icmp_echo_ignore_all=1
ip netns exec "$D" $PY - >"$T/echo.log" 2>&1 <<'PY' &
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", 7))
print("ready", flush=True)
while True:
    d, a = s.recvfrom(2048); s.sendto(d, a)
PY
wait_for "$T/echo.log" ready
for opt in -PE -PS22 -PS22,80 -PA80 -PU -PU7 "-PE -PS443"; do
    ip netns exec "$S" nmap -sn -n --send-ip $opt $TARGETS -oX "$T/n.xml" >/dev/null 2>&1 || fail "nmap $opt"
    ip netns exec "$S" "$PORTPLEX" scan -sn -n $opt $TARGETS -oX "$T/o.xml" >/dev/null 2>&1 ||
        fail "portplex scan -sn $opt"
    diff <(up_hosts "$T/n.xml") <(up_hosts "$T/o.xml") >/dev/null ||
        fail "-sn $opt: nmap found [$(up_hosts "$T/n.xml" | tr '\n' ' ')], portplex [$(up_hosts "$T/o.xml" | tr '\n' ' ')]"
    for r in $(grep -o 'status state="up" reason="[a-z-]*"' "$T/n.xml" | sed 's/.*reason="//; s/"//'); do
        grep -q "reason=\"$r\"" "$T/o.xml" || fail "-sn $opt: nmap's reason $r missing from ours"
    done
done
[ "$(up_hosts "$T/o.xml")" = "" ] && fail "-PE -PS443 found nobody: the test proves nothing"
"$PORTPLEX" scan -PX 10.203.0.2 >/dev/null 2>&1
[ $? = 2 ] || fail "-PX should exit 2"

# Probe shaping, as nmap's --ttl and -g: every SYN the target sees carries
# TTL 33 and source port 53 (tshark on the target's side), and the port
# states are nmap's with the same options.
ip netns exec "$D" $PY - >"$T/tcp.log" 2>&1 <<'PY' &
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 22)); s.listen(16)
print("ready", flush=True)
while True:
    c, _ = s.accept(); c.close()
PY
wait_for "$T/tcp.log" ready
ip netns exec "$D" timeout 20 tshark -i "pd$$" -f 'tcp[13] == 2' -T fields -e ip.ttl -e tcp.srcport \
    -c 3 >"$T/syn.txt" 2>/dev/null &
TSHARK=$!
sleep 2
ip netns exec "$S" "$PORTPLEX" scan -Pn -n --ttl 33 -g 53 -p 21-23 10.203.0.2 -oX "$T/g.xml" >/dev/null 2>&1 ||
    fail "scan --ttl -g"
wait $TSHARK
[ "$(sort -u "$T/syn.txt")" = "33	53" ] || fail "--ttl 33 -g 53: the target saw: $(tr '\n' ' ' <"$T/syn.txt")"
ip netns exec "$S" nmap -Pn -n --ttl 33 -g 53 -p 21-23 10.203.0.2 -oX "$T/gn.xml" >/dev/null 2>&1 || fail "nmap -g"
states() { grep -o 'portid="[0-9]*"><state state="[a-z|]*"' "$1"; }
[ "$(states "$T/g.xml")" = "$(states "$T/gn.xml")" ] || fail "--ttl -g: states differ from nmap's"
"$PORTPLEX" scan --ttl 0 10.203.0.2 >/dev/null 2>&1
[ $? = 2 ] || fail "--ttl 0 should exit 2"

# --stats-every: nmap's status lines while a slow scan runs (stdout is a
# file here, no terminal), raw and connect scans alike.
ip netns exec "$S" "$PORTPLEX" scan -Pn -n -p 1-25 --max-retries 0 --scan-delay 100ms --stats-every 1s 10.203.0.3 \
    >"$T/stats.txt" 2>&1 || fail "--stats-every"
grep -q '^Stats: 0:00:0[1-9] elapsed; 0 hosts completed (0 up), 1 undergoing SYN Stealth Scan$' "$T/stats.txt" ||
    fail "--stats-every: no Stats line: $(head -3 "$T/stats.txt")"
grep -q '^SYN Stealth Scan Timing: About [0-9.]*% done; ETC: [0-9][0-9]:[0-9][0-9] (0:0[0-9]:[0-9][0-9] remaining)$' \
    "$T/stats.txt" || fail "--stats-every: no Timing line"
ip netns exec "$S" "$PORTPLEX" scan --unprivileged -Pn -n -p 1-6 --max-retries 0 --max-parallelism 2 --stats-every 1s \
    10.203.0.3 >"$T/cstats.txt" 2>&1 || fail "--stats-every -sT"
grep -q 'undergoing Connect Scan$' "$T/cstats.txt" || fail "--stats-every: connect scan"
"$PORTPLEX" scan --stats-every soon 10.203.0.2 >/dev/null 2>&1
[ $? = 2 ] || fail "--stats-every soon should exit 2"

# -F and --top-ports rank by the measured frequencies nmap installs: the
# same ports nmap would probe (its XML scaninfo lists them).
if [ -r /usr/share/nmap/nmap-services ]; then
    for spec in -F "--top-ports 1000" "--top-ports 3"; do
        ip netns exec "$S" nmap -sT -Pn -n --max-retries 0 $spec 10.203.0.2 -oX "$T/tn.xml" >/dev/null 2>&1 ||
            fail "nmap $spec"
        ip netns exec "$S" "$PORTPLEX" scan --unprivileged -Pn -n --max-retries 0 $spec 10.203.0.2 \
            -oX "$T/to.xml" >/dev/null 2>&1 || fail "portplex scan $spec"
        [ "$(grep -o 'services="[^"]*"' "$T/tn.xml")" = "$(grep -o 'services="[^"]*"' "$T/to.xml")" ] ||
            fail "$spec: not the ports nmap probes"
    done
fi

# masscan's habits: -oL lists each open port as "open tcp PORT IP TIME"
# between "#masscan" and "# end"; --rate N sends at N probes a second.
ip netns exec "$S" "$PORTPLEX" scan -Pn -n -p 20-23 --rate 200 -oL "$T/list.txt" 10.203.0.2 >/dev/null 2>&1 ||
    fail "-oL --rate"
head -1 "$T/list.txt" | grep -qx '#masscan' || fail "-oL: header"
tail -1 "$T/list.txt" | grep -qx '# end' || fail "-oL: end line"
[ "$(grep -c '^open ' "$T/list.txt")" = 1 ] || fail "-oL: one open port expected: $(cat "$T/list.txt")"
grep -Eq '^open tcp 22 10\.203\.0\.2 [0-9]{10}$' "$T/list.txt" || fail "-oL: line format: $(cat "$T/list.txt")"
"$PORTPLEX" scan --rate 0 10.203.0.2 >/dev/null 2>&1
[ $? = 2 ] || fail "--rate 0 should exit 2"

# --packet-trace: nmap's SENT/RCVD lines, the SYN to 22 and its SYN/ACK.
ip netns exec "$S" "$PORTPLEX" scan -Pn -n -p 22 --packet-trace 10.203.0.2 >"$T/trace.txt" 2>&1 ||
    fail "--packet-trace"
grep -Eq '^SENT \([0-9.]+s\) 10\.203\.0\.1:[0-9]+ > 10\.203\.0\.2:22 TCP \[S\]' "$T/trace.txt" ||
    fail "--packet-trace: no SENT line: $(head -3 "$T/trace.txt")"
grep -Eq '^RCVD \([0-9.]+s\) 10\.203\.0\.2:22 > 10\.203\.0\.1:[0-9]+ TCP \[S' "$T/trace.txt" ||
    fail "--packet-trace: no RCVD SYN/ACK: $(cat "$T/trace.txt")"

# nmap's "Not shown" line: one group per state and reason, largest first.
ip netns exec "$D" sysctl -qw net.ipv4.icmp_ratelimit=0
ip netns exec "$D" nft -f - <<'NFT' || fail "nft rules on D"
table inet filter {
    chain input {
        type filter hook input priority 0; policy accept;
        tcp dport 1000-1039 drop
        tcp dport 1040-1043 reject with icmp type admin-prohibited
        tcp dport 1044-1045 reject with icmp type host-unreachable
    }
}
NFT
ip netns exec "$S" nmap -sS -Pn -n --send-ip -p 1000-1060 --max-retries 1 10.203.0.2 >"$T/ns_n.txt" 2>&1 ||
    fail "nmap Not shown"
ip netns exec "$S" "$PORTPLEX" scan -sS -Pn -n -p 1000-1060 --max-retries 1 10.203.0.2 >"$T/ns_o.txt" 2>&1 ||
    fail "portplex Not shown"
[ "$(grep '^Not shown' "$T/ns_n.txt")" = "$(grep '^Not shown' "$T/ns_o.txt")" ] ||
    fail "Not shown: nmap '$(grep '^Not shown' "$T/ns_n.txt")', ours '$(grep '^Not shown' "$T/ns_o.txt")'"

# -sn with a port scan type: a usage error, exit 2.
"$PORTPLEX" scan -sn -sS 10.203.0.2 >/dev/null 2>"$T/err.txt"
[ $? = 2 ] || fail "-sn -sS should exit 2"
grep -q 'does not mix' "$T/err.txt" || fail "-sn -sS: message: $(cat "$T/err.txt")"
echo "scan -sn: same hosts up as nmap -sn (1 of 4), DTD-valid XML, grepable, unprivileged, -Pn; -PE -PS -PA -PU as nmap; --ttl and -g on the wire; --stats-every; -F/--top-ports as nmap's; -oL and --rate as masscan's; --packet-trace; nmap's Not shown groups; usage errors"
