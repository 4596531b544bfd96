#!/bin/bash
# lab_serve.sh - `portplex lab --serve`: the live lab's API on loopback
# (scenarios, the event stream, the sandbox, refusals of cross-site and
# malformed calls), then the page itself in headless Chromium
# (tests/browser/lab_live.py).  Listens on 127.0.0.1 with a kernel-chosen
# port; the server is ended by its PID.
set -u
P=$1
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

# Bad flags: exit 2 with a message.
"$P" lab --serve 99999 >/dev/null 2>"$tmp/err"; [ $? = 2 ] || fail "--serve 99999 should exit 2"
grep -q "port" "$tmp/err" || fail "no message for a bad port: $(cat "$tmp/err")"
"$P" lab --serve 0 --json >/dev/null 2>&1; [ $? = 2 ] || fail "--serve with --json should exit 2"

"$P" lab --serve 127.0.0.1:0 --seed 3 >"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in $(seq 50); do grep -q http "$tmp/out" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://127\.0\.0\.1:[0-9]*/' "$tmp/out") || fail "no address printed: $(cat "$tmp/out" "$tmp/err")"
grep -q "seed 3" "$tmp/out" || fail "the seed is not shown"
c() { curl -s --max-time 10 "$@"; }
post() { c -X POST -H 'X-Portplex-Lab: 1' "$url$1"; }
code() { c -o /dev/null -w '%{http_code}' "$@"; }

# The page and its parts, with no outside asset.
[ "$(code "$url")" = 200 ] || fail "GET / was not 200"
c "$url" | grep -q '<script src="/lab.js"' || fail "the page does not load lab.js"
! c "$url" | grep -qE '(src|href)="https?://' || fail "the page loads something from outside"
[ "$(code "${url}lab.js")" = 200 ] && [ "$(code "${url}lab.css")" = 200 ] || fail "assets missing"
[ "$(code "${url}nothing")" = 404 ] || fail "an unknown path was not 404"
c "${url}api/scenarios" | /usr/bin/python3 -c '
import json, sys
ids = [s["id"] for s in json.load(sys.stdin)]
want = {"tour", "udp", "tcp", "mux", "scan", "loss", "timewait", "ephemeral", "synflood", "firewall", "slammer", "sandbox"}
assert want <= set(ids), ids' || fail "the scenario list"

# Refusals: POST without the lab header (another origin could send it), a
# foreign Host (DNS rebinding), a bad scenario, loss out of range, GET on a POST call.
[ "$(code -X POST "${url}api/run?scenario=udp")" = 403 ] || fail "POST without X-Portplex-Lab was not 403"
[ "$(code -H 'Host: evil.example' "$url")" = 421 ] || fail "a foreign Host was not refused"
[ "$(code -X POST -H 'X-Portplex-Lab: 1' "${url}api/run?scenario=nope")" = 400 ] || fail "unknown scenario"
[ "$(code -X POST -H 'X-Portplex-Lab: 1' "${url}api/run?scenario=udp&loss=0.9")" = 400 ] || fail "loss 0.9"
[ "$(code -X POST -H 'X-Portplex-Lab: 1' "${url}api/run?scenario=udp&seed=-1")" = 400 ] || fail "seed -1"
[ "$(code -X PUT "${url}api/run")" = 405 ] || fail "PUT was not 405"

# Reads the event stream into $tmp/ev until the run's end event, or for at
# most $1 seconds; with a second argument, for exactly $1 seconds.
events() {
    /usr/bin/python3 - "${url}api/events" "$1" "${2:-}" >"$tmp/ev" <<'PY'
import sys, time, urllib.request
url, limit, whole = sys.argv[1], float(sys.argv[2]), sys.argv[3]
end = time.time() + limit
try:
    with urllib.request.urlopen(url, timeout=limit) as r:
        while time.time() < end:
            line = r.readline().decode()
            if not line:
                break
            print(line, end="", flush=True)
            if not whole and '"k":"end"' in line:
                break
except Exception:
    pass
PY
}

# Each scenario runs to its end and says what it must.
check() { # scenario seconds pattern...
    local sc=$1 s=$2; shift 2
    post "api/run?scenario=$sc&seed=1&loss=0" | grep -q '"run":' || fail "run $sc"
    events "$s"
    grep -q '"k":"end"' "$tmp/ev" || fail "$sc did not end within $s s"
    for pat in "$@"; do grep -qE "$pat" "$tmp/ev" || fail "$sc: no /$pat/"; done
}
check udp 30 '"k":"dmx","pkt":[1-9][0-9]*,"host":"server","proto":"udp".*"rule":"udp-wildcard"' \
    '"k":"tbl","host":"server","rows":\[.*"p":"udp","st":"UNCONN","l":"0.0.0.0:7"'
check tcp 30 '"rule":"listener-wildcard"' '"rule":"established"' '8/8 requests answered' '"st":"TIME-WAIT"'
check loss 30 '"fate":"filtered"' 'One segment was lost and resent' '"flags":"A","seq":[0-9]+,"ack":[0-9]+'
check timewait 30 'EADDRINUSE' 'Connected from port 40000 again' '"st":"TIME-WAIT","l":"10.0.0.2:40000"'
check ephemeral 30 'Connection 5 to server:7: EADDRNOTAVAIL' 'To server:80 it still connects'
check synflood 30 '"from":"forged"' 'rebuilt the connection from it' 'read client1.s bytes' '"st":"SYN-RECEIVED"'
check firewall 30 'open 1 \(7/tcp\); closed 10; filtered 29 \(1-6/tcp, 8-30/tcp\)'
check slammer 30 'Scan result: open 1 \(1434/udp\); closed 10'

# Another run while a slow one (the tour at 50% loss) still waits in its
# socket calls: it starts at once, and nothing of the old run reaches it.
post "api/run?scenario=tour&seed=1&loss=0.5" | grep -q '"run":' || fail "run the lossy tour"
sleep 2
t0=$(date +%s%N)
r=$(post "api/run?scenario=udp&seed=1&loss=0") || fail "switch runs"
t1=$(date +%s%N)
[ $(( (t1 - t0) / 1000000 )) -lt 3000 ] || fail "starting a run behind a slow one took $(( (t1 - t0) / 1000000 )) ms"
newrun=$(grep -o '"run":[0-9]*' <<<"$r" | cut -d: -f2)
events 30
grep -q '"k":"end"' "$tmp/ev" || fail "the run after the lossy tour did not end"
! grep -v "\"run\":$newrun," "$tmp/ev" | grep -q '^data: {' || fail "events of the cut-off run leaked into the new one"

# The sandbox: a listener on the server, a connection from client1.
post "api/run?scenario=sandbox&seed=1" >/dev/null
sleep 1
s=$(post "api/sandbox?op=socket&host=server&proto=tcp") ; sfd=$(grep -o '"rc":[0-9]*' <<<"$s" | cut -d: -f2)
[ -n "$sfd" ] || fail "sandbox socket: $s"
post "api/sandbox?op=bind&host=server&fd=$sfd&port=5000" | grep -q '"ok":true' || fail "sandbox bind"
post "api/sandbox?op=listen&host=server&fd=$sfd" | grep -q '"ok":true' || fail "sandbox listen"
post "api/sandbox?op=bind&host=server&fd=$sfd&port=99999" | grep -q 'port= wants' || fail "a bad port accepted"
post "api/sandbox?op=close&host=server&fd=0" | grep -q 'socket the sandbox opened' || fail "the sandbox closed a service's socket"
c=$(post "api/sandbox?op=socket&host=client1&proto=tcp"); cfd=$(grep -o '"rc":[0-9]*' <<<"$c" | cut -d: -f2)
post "api/sandbox?op=connect&host=client1&fd=$cfd&addr=10.0.0.1&port=5000" | grep -q '"ok":true' || fail "sandbox connect"
sleep 0.5
post "api/sandbox?op=accept&host=server&fd=$sfd" | grep -q '"ok":true' || fail "sandbox accept"
events 2 whole
grep -qE '"host":"server","rows":\[.*"st":"ESTAB","l":"10.0.0.1:5000","r":"10.0.0.2:[0-9]+"' "$tmp/ev" \
    || fail "no ESTAB row for the sandbox's connection"
grep -q '"rule":"listener-wildcard","fd":'"$sfd" "$tmp/ev" || fail "the SYN did not reach the sandbox's listener"
echo "ok: the live lab's API: 8 scenarios to their end, the sandbox, refusals"

# The page in a real browser.
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] && /usr/bin/python3 -c 'import selenium' 2>/dev/null; then
    art=${PP_ARTIFACT_DIR:-$PWD}
    /usr/bin/python3 "$(dirname "$0")/../browser/lab_live.py" "$url" "$art/lab-live.png" || fail "the browser test"
elif [ "${PP_REQUIRE_INTEROP:-0}" = 1 ]; then
    fail "chromium, chromium-driver and python3-selenium are required under CI"
else
    echo "skip: no chromium/chromedriver/selenium for the browser part"
fi
kill "$pid"; wait "$pid"; rc=$?; pid=
[ "$rc" = 0 ] || fail "lab --serve exited $rc on SIGTERM"
echo "ok: lab --serve"
