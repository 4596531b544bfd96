#!/bin/bash
# scan_connect.sh - `portplex scan -sT` and `-sU` against the kernel in a
# fresh namespace: the states it reports are exactly the listeners there and
# exactly what nmap -sT / nmap -sU report; a silent host is all filtered; an
# unreachable route is filtered at once; bad flags exit 2.
set -u
PORTPLEX=$1
. "$(dirname "$0")/../lib/interop.bash"

need_root
need_tools ip nmap
need_python

netns_new NS
IN() { ip netns exec "$NS" "$@"; }
IN $PY - >"$PP_TMP/listen.log" 2>&1 <<'PY' &
import socket, time
socks = []
for port in (22, 80, 631, 8080):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port)); s.listen(64); socks.append(s)
echo = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); echo.bind(("127.0.0.1", 7000))
mute = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); mute.bind(("127.0.0.1", 7001))
print("listening", flush=True)
echo.settimeout(1)
end = time.time() + 60
while time.time() < end:
    try:
        data, addr = echo.recvfrom(2048)
        echo.sendto(data or b"x", addr)
    except socket.timeout:
        pass
PY
wait_for "$PP_TMP/listen.log" listening

IN "$PORTPLEX" scan -sT -p 1-1024,8080 --reason 127.0.0.1 >"$PP_TMP/ours.txt" || fail "scan exited $?"
IN nmap -sT -n -p 1-1024,8080 127.0.0.1 >"$PP_TMP/nmap.txt" || fail "nmap exited $?"
ours=$(grep -E '^[0-9]+/tcp +open' "$PP_TMP/ours.txt" | awk '{print $1}' | tr '\n' ' ')
theirs=$(grep -E '^[0-9]+/tcp +open' "$PP_TMP/nmap.txt" | awk '{print $1}' | tr '\n' ' ')
[ "$ours" = "22/tcp 80/tcp 631/tcp 8080/tcp " ] || { cat "$PP_TMP/ours.txt"; fail "open ports: '$ours'"; }
[ "$ours" = "$theirs" ] || { cat "$PP_TMP/nmap.txt"; fail "nmap says '$theirs', we say '$ours'"; }
grep -q '^Not shown: 1021 closed tcp ports (conn-refused)$' "$PP_TMP/ours.txt" || { cat "$PP_TMP/ours.txt"; fail "closed summary"; }
grep -qE '^22/tcp +open +ssh +syn-ack$' "$PP_TMP/ours.txt" || fail "port 22 line"
echo "ok: -sT finds exactly the 4 listeners, as nmap -sT does"

IN "$PORTPLEX" scan -sU -p 7000-7010 --reason --host-timeout 500 127.0.0.1 >"$PP_TMP/ours-u.txt" || fail "scan -sU exited $?"
IN nmap -sU -n -p 7000-7010 127.0.0.1 >"$PP_TMP/nmap-u.txt" || fail "nmap -sU exited $?"
states() { grep -E '^[0-9]+/udp' "$1" | awk '{print $1, $2}' | tr '\n' ';'; }
grep -qE '^7000/udp +open +[a-z0-9-]+ +udp-response( ttl [0-9]+)?$' "$PP_TMP/ours-u.txt" || { cat "$PP_TMP/ours-u.txt"; fail "7000/udp"; }
grep -qE '^7001/udp +open\|filtered +[a-z0-9-]+ +no-response$' "$PP_TMP/ours-u.txt" || { cat "$PP_TMP/ours-u.txt"; fail "7001/udp"; }
[ "$(grep -cE '^70(0[2-9]|10)/udp +closed +.* port-unreach( ttl [0-9]+)?$' "$PP_TMP/ours-u.txt")" = 9 ] || { cat "$PP_TMP/ours-u.txt"; fail "closed udp ports"; }
[ "$(states "$PP_TMP/ours-u.txt")" = "$(states "$PP_TMP/nmap-u.txt")" ] || {
    cat "$PP_TMP/ours-u.txt" "$PP_TMP/nmap-u.txt"; fail "-sU disagrees with nmap -sU"; }
echo "ok: -sU: open, open|filtered and closed exactly as nmap -sU says"

# A host that never answers: a TUN device nobody reads (raw SYN scan as root).
IN ip tuntap add dev silent0 mode tun || fail "ip tuntap"
IN ip addr add 198.51.100.1/24 dev silent0
IN ip link set silent0 up
IN "$PORTPLEX" scan -p 80,443 --max-retries 0 --host-timeout 300 198.51.100.2 >"$PP_TMP/silent.txt" \
    || fail "scan of a silent host exited $?"
grep -qE 'No answer from any of the 2 scanned ports|Note: Host seems down' "$PP_TMP/silent.txt" || { cat "$PP_TMP/silent.txt"; fail "silent host"; }
# An unreachable route answers at once.
IN ip route add unreachable 203.0.113.0/24
start=$(date +%s%N)
IN "$PORTPLEX" scan -sT -p 1-50 203.0.113.5 >"$PP_TMP/unreach.txt" || fail "scan exited $?"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
grep -q 'No answer from any of the 50 scanned ports' "$PP_TMP/unreach.txt" || { cat "$PP_TMP/unreach.txt"; fail "unreachable"; }
[ "$ms" -lt 2000 ] || fail "unreachable took $ms ms"
echo "ok: silent and unreachable hosts are filtered"

expect2() { "$@" >/dev/null 2>&1; [ $? = 2 ] || fail "'$*' should exit 2"; }
expect2 "$PORTPLEX" scan -sZ 127.0.0.1
expect2 "$PORTPLEX" scan -p 70000 127.0.0.1
expect2 "$PORTPLEX" scan -p U:53 127.0.0.1
expect2 "$PORTPLEX" scan -sU -p T:53 127.0.0.1
expect2 "$PORTPLEX" scan
expect2 "$PORTPLEX" scan 300.1.1.1
expect2 "$PORTPLEX" scan --max-parallelism 0 127.0.0.1
echo "ok: bad flags exit 2"
echo PASS
