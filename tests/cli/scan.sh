#!/bin/bash
# scan.sh - `portplex scan` without privilege (as user nobody when run as
# root): -sS falls back to a connect scan with a notice, raw-only scan types
# refuse with exit 1, the socket UDP scan works, outputs are written, and
# bad flags exit 2 with a message.  Only 127.0.0.1 is scanned.
set -u
P=$1
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; kill $LPID 2>/dev/null' EXIT
chmod 1777 "$tmp" # the unprivileged scan writes its -oX here
cp "$P" "$tmp/portplex" && chmod 755 "$tmp/portplex"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
    AS=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all)
else
    AS=()
fi
/usr/bin/python3 -c '
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 39917)); s.listen(8); print("up", flush=True); time.sleep(60)' >"$tmp/l.log" &
LPID=$!
for i in $(seq 50); do grep -q up "$tmp/l.log" && break; sleep 0.1; done

out=$("${AS[@]}" "$tmp/portplex" scan -sS -p 39910-39920 --reason -oX "$tmp/o.xml" 127.0.0.1 2>&1) \
    || fail "unprivileged -sS exited $?: $out"
if [ ${#AS[@]} -gt 0 ]; then
    grep -q 'doing a connect scan (-sT) instead' <<<"$out" || fail "no fallback notice: $out"
    grep -qE '^39917/tcp +open +[a-z-]+ +syn-ack$' <<<"$out" || fail "connect scan result: $out"
    [ "$(grep -cE '^399[12][0-9]/tcp +closed +[a-z-]+ +conn-refused$' <<<"$out")" = 10 ] || fail "closed ports: $out"
    out=$("${AS[@]}" "$tmp/portplex" scan -sA -p 22 127.0.0.1 2>&1)
    [ $? = 1 ] || fail "unprivileged -sA should exit 1: $out"
    grep -q 'the ack scan needs raw sockets' <<<"$out" || fail "-sA message: $out"
    out=$("${AS[@]}" "$tmp/portplex" scan -sU -p 39917 127.0.0.1 2>&1) || fail "socket -sU: $out"
    grep -qE '^39917/udp +closed' <<<"$out" || fail "socket -sU result: $out"
fi
grep -q '<port protocol="tcp" portid="39917"><state state="open"' "$tmp/o.xml" || fail "-oX content"
# As nmap: UDP ports without -sU are a warning, the TCP ports are scanned.
out=$("$P" scan -sT -p T:39917,U:53 -oN "$tmp/o.nmap" 127.0.0.1 2>"$tmp/warn") || fail "-sT with U: ports exited $?: $out"
grep -q 'WARNING: Your ports include "U:" but you haven'"'"'t specified UDP scan with -sU.' "$tmp/warn" \
    || fail "no nmap-style warning: $(cat "$tmp/warn")"
grep -qE '^39917/tcp +open' <<<"$out" || fail "-sT with U: ports did not scan TCP: $out"
! grep -q '/udp' <<<"$out" || fail "UDP scanned without -sU: $out"
# -oN framed as nmap frames it: a comment line first and last, no summary line.
head -1 "$tmp/o.nmap" | grep -qE '^# portplex [0-9.]+ scan initiated .* as: .*scan -sT -p T:39917,U:53' \
    || fail "-oN header: $(head -1 "$tmp/o.nmap")"
tail -1 "$tmp/o.nmap" | grep -qE '^# portplex done at .* -- 1 IP address \(1 host up\) scanned in [0-9.]+ seconds$' \
    || fail "-oN footer: $(tail -1 "$tmp/o.nmap")"
! grep -q '^portplex done:' "$tmp/o.nmap" || fail "-oN carries the screen summary line"
# Service names in -p (from /etc/services), --exclude-ports, -r.
out=$("$P" scan -sT -r -p ssh,http,39917 --exclude-ports 80 127.0.0.1 2>&1) || fail "-p ssh,http: $out"
grep -qE '^22/tcp ' <<<"$out" && grep -qE '^39917/tcp +open' <<<"$out" || fail "-p ssh,39917: $out"
! grep -qE '^80/tcp ' <<<"$out" || fail "--exclude-ports 80 scanned 80: $out"
[ "$(grep -cE '^[0-9]+/tcp ' <<<"$out")" = 2 ] || fail "-p ssh,http,39917 --exclude-ports 80: $out"
if command -v xmllint >/dev/null && [ -r /usr/share/nmap/nmap.dtd ]; then
    xmllint --noout --dtdvalid /usr/share/nmap/nmap.dtd "$tmp/o.xml" || fail "-oX not valid against nmap.dtd"
fi
bad() { # bad PATTERN ARGS...: exit 2 and the message
    local pat=$1 o
    shift
    o=$("$P" scan "$@" 2>&1)
    [ $? = 2 ] || fail "scan $* should exit 2: $o"
    grep -q -- "$pat" <<<"$o" || fail "scan $*: message lacks '$pat': $o"
}
bad "unknown scan type -sZ" -sZ 127.0.0.1
bad "no target given" -p 80
bad "port" -p 0-99999 127.0.0.1
bad "-T wants 0-5" -T9 127.0.0.1
bad "--shard wants I/N" --shard 0/3 127.0.0.1
bad "--max-rate wants" --max-rate abc 127.0.0.1
bad "--scanflags wants" --scanflags XYZ 127.0.0.1
bad "--host-timeout wants a time" --host-timeout 5x 127.0.0.1
bad "-p and -F" -F -p 80 127.0.0.1
bad "--merge needs" --merge
bad "unknown output -oQ" -oQ f 127.0.0.1
bad "unknown TCP service 'nosuchservice'" -p nosuchservice 127.0.0.1
bad "--exclude-ports: bad port range" --exclude-ports 9-3 127.0.0.1
bad "failed to resolve" no-such-host.invalid
bad "every target is excluded" --exclude 127.0.0.1 127.0.0.1
out=$("$P" scan --merge /nonexistent.json 2>&1); [ $? = 1 ] || fail "--merge of a missing file should exit 1: $out"
echo PASS
