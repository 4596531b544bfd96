#!/bin/bash
# scan_resume.sh - Ctrl-C and --resume (issue "The scanner as its users
# type it", item 4), against nmap: a SYN scan and a connect scan of one
# host are interrupted with SIGINT, report the ports finished so far (exit
# 1, the way to go on on stderr, a resume line in -oN/-oG), and
# `--resume FILE` finishes them, appending to the same files.  The two
# parts together list every port exactly once, and the open and filtered
# ports are nmap's (nmap -sS / -sT over the same ports, uninterrupted).
# Also: --resume on a finished scan's file, or with other options, exits 2.
set -u
PORTPLEX=$1
. "$(dirname "$0")/../lib/interop.bash"
need_root
need_tools ip nmap nft
need_python
T=$PP_TMP

netns_new N
ip netns exec "$N" nft -f - <<'NFT' || fail "nft rules"
table inet filter {
    chain input {
        type filter hook input priority 0; policy accept;
        tcp dport 1500 drop
    }
}
NFT
tcp_listeners "$N" 127.0.0.1 22 80 443 2500

# open and filtered ports of a grepable file (every section), one per line
listed() { grep -o '[0-9]*/\(open\|filtered\)/tcp' "$1" | sort -n; }
# ports accounted for: listed ones plus the ignored counts, all sections
accounted() {
    local n i
    n=$(grep -o '[0-9]*/[a-z|]*/tcp' "$1" | wc -l)
    for i in $(grep -o 'Ignored State: [a-z|]* ([0-9]*)' "$1" | grep -o '([0-9]*)' | tr -d '()'); do
        n=$((n + i))
    done
    echo "$n"
}

run_case() { # NAME NMAP-FLAGS OUR-FLAGS PORTS TOTAL DELAY
    local name=$1 nflags=$2 oflags=$3 ports=$4 total=$5 delay=$6 pid rc
    ip netns exec "$N" nmap $nflags -p "$ports" -n -Pn -oG "$T/$name.nm" 127.0.0.1 >/dev/null 2>&1 ||
        fail "$name: nmap failed"
    ip netns exec "$N" "$PORTPLEX" scan $oflags -p "$ports" -n -Pn -oN "$T/$name.nmap" \
        -oG "$T/$name.gnmap" 127.0.0.1 >"$T/$name.out1" 2>"$T/$name.err1" &
    pid=$!
    sleep "$delay"
    kill -INT "$pid"
    wait "$pid"
    rc=$?
    [ "$rc" = 1 ] || fail "$name: interrupted scan exited $rc, want 1 ($(cat "$T/$name.err1"))"
    grep -q "continue with: portplex scan --resume $T/$name.nmap" "$T/$name.err1" ||
        fail "$name: no way to go on on stderr: $(cat "$T/$name.err1")"
    grep -q '^# portplex resume: step=' "$T/$name.nmap" || fail "$name: no resume line in -oN"
    grep -q '^# portplex resume: step=' "$T/$name.gnmap" || fail "$name: no resume line in -oG"
    grep -q '^Host is up' "$T/$name.out1" || fail "$name: no partial report on screen"
    local first
    first=$(accounted "$T/$name.gnmap")
    [ "$first" -gt 0 ] && [ "$first" -lt "$total" ] ||
        fail "$name: the interrupted part accounts for $first of $total ports (not a part)"
    ip netns exec "$N" "$PORTPLEX" scan --resume "$T/$name.nmap" >"$T/$name.out2" 2>"$T/$name.err2" ||
        fail "$name: --resume failed: $(cat "$T/$name.err2")"
    [ "$(grep -c 'scan initiated' "$T/$name.gnmap")" = 2 ] || fail "$name: -oG not appended to"
    [ "$(accounted "$T/$name.gnmap")" = "$total" ] ||
        fail "$name: both parts account for $(accounted "$T/$name.gnmap") ports, want $total"
    [ -z "$(listed "$T/$name.gnmap" | uniq -d)" ] || fail "$name: a port reported twice"
    [ "$(listed "$T/$name.gnmap")" = "$(listed "$T/$name.nm")" ] ||
        fail "$name: open/filtered ports differ from nmap's: ours $(listed "$T/$name.gnmap" | tr '\n' ' ') nmap $(listed "$T/$name.nm" | tr '\n' ' ')"
    echo "ok $name: interrupted after $first of $total ports, resumed to all; open/filtered as nmap: $(listed "$T/$name.nm" | tr '\n' ' ')"
}

# A paced SYN scan in a keyed random order, and a connect scan one
# connection at a time (the filtered port costs it its timeouts).
run_case syn "-sS" "-sS --randomize --max-rate 800" 1-3000 3000 1.5
run_case connect "-sT" "-sT --max-parallelism 1 --max-retries 0" 1-4000 4000 1.0

# Nothing left to resume, and --resume with company: usage errors.
ip netns exec "$N" "$PORTPLEX" scan --resume "$T/syn.nmap" >/dev/null 2>"$T/again.err"
[ $? = 2 ] || fail "--resume of a finished scan should exit 2"
grep -q 'no interrupted portplex scan' "$T/again.err" || fail "unclear message: $(cat "$T/again.err")"
"$PORTPLEX" scan --resume "$T/syn.nmap" -p 80 127.0.0.1 >/dev/null 2>&1
[ $? = 2 ] || fail "--resume with other options should exit 2"
"$PORTPLEX" scan --resume /nonexistent/file >/dev/null 2>&1
[ $? = 2 ] || fail "--resume of a missing file should exit 2"
echo "ok: usage errors"
