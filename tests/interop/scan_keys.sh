#!/bin/bash
# scan_keys.sh - nmap's run-time keys (issue "The scanner as its users type
# it", item 3): nmap and portplex scan each run on a pseudo-terminal, a
# paced SYN scan of one host, and get the same keys at the same moments:
# space (a status line), v, d, p (packet tracing on), P, V, D, ?.  Every
# answer line nmap gives, ours gives word for word (Verbosity/Debugging
# Increased and Decreased, Packet Tracing enabled and disabled, the key
# list); both print a "Stats:" and a "Timing: About N% done" line and SENT
# lines while tracing is on, none after it is off; the keys are not echoed.
set -u
PORTPLEX=$1
. "$(dirname "$0")/../lib/interop.bash"
need_root
need_tools ip nmap
need_python
T=$PP_TMP

netns_new N
tcp_listeners "$N" 127.0.0.1 22 80

cat >"$T/keys_on_pty.py" <<'PY'
import os, pty, select, sys, time
# At these moments (s after start), these keys.
plan = [(1.0, b" "), (1.3, b"v"), (1.6, b"d"), (1.9, b"p"), (2.4, b"P"),
        (2.7, b"V"), (3.0, b"D"), (3.3, b"?")]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
out, t0, i = b"", time.time(), 0
while True:
    now = time.time() - t0
    while i < len(plan) and now >= plan[i][0]:
        os.write(fd, plan[i][1])
        i += 1
    r, _, _ = select.select([fd], [], [], 0.02)
    if r:
        try:
            d = os.read(fd, 65536)
        except OSError:
            break
        if not d:
            break
        out += d
os.waitpid(pid, 0)
# What the terminal shows: each line from its last carriage return on,
# erase-line codes dropped.
lines = out.decode(errors="replace").replace("\r\n", "\n").split("\n")
sys.stdout.write("\n".join(l.split("\r")[-1].replace("\x1b[K", "") for l in lines))
PY

scan_args="-sS --max-rate 250 -p 1-1500 -n -Pn 127.0.0.1"
ip netns exec "$N" $PY "$T/keys_on_pty.py" nmap $scan_args >"$T/nmap.txt" 2>&1
ip netns exec "$N" $PY "$T/keys_on_pty.py" "$PORTPLEX" scan $scan_args >"$T/ours.txt" 2>&1
grep -q '^22/tcp' "$T/ours.txt" || fail "our scan did not finish: $(tail -5 "$T/ours.txt")"

answers='^(Verbosity|Debugging) (In|De)creased to [0-9]+\.$|^Packet Tracing (en|dis)abled\.$|^Interactive keyboard commands:$|^[?] +Display this information$'
grep -E "$answers" "$T/nmap.txt" >"$T/nmap.ans"
grep -E "$answers" "$T/ours.txt" >"$T/ours.ans"
[ -s "$T/nmap.ans" ] || fail "nmap answered no key? $(head -20 "$T/nmap.txt")"
missing=$(grep -vxFf "$T/ours.ans" "$T/nmap.ans")
[ -z "$missing" ] || fail "nmap answered keys with lines we did not print: $missing"
for f in nmap ours; do
    grep -q '^Stats: [0-9:]* elapsed' "$T/$f.txt" || fail "$f: no status line for the space key"
    grep -qE 'Timing: About [0-9.]+% done' "$T/$f.txt" || fail "$f: no Timing line"
    awk '/^Packet Tracing enabled/{on=1} /^Packet Tracing disabled/{on=0; off=1}
         /^SENT/{ if (on) seen=1; if (off) late=1 }
         END { exit !(seen && !late) }' "$T/$f.txt" || fail "$f: SENT lines not exactly while tracing was on"
done
! grep -qE '^[vdpPVD? ]$' "$T/ours.txt" || fail "the keys were echoed"
echo "ok: $(wc -l <"$T/ours.ans") key answers as nmap's, status and trace lines"
