# interop.bash - shared helpers for the interop scripts: skip rules, unique network
# namespaces that are torn down (processes first) on exit, and assertions.

PP_NETNS=()

skip() {
    if [ "${PP_REQUIRE_INTEROP:-0}" = 1 ]; then
        echo "FAIL (skip not allowed, PP_REQUIRE_INTEROP=1): $*" >&2
        exit 1
    fi
    echo "SKIP: $*"
    exit 77
}

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

PY=/usr/bin/python3 # Debian's, which sees python3-scapy and friends

need_root() { [ "$(id -u)" = 0 ] || skip "needs root for network namespaces"; }
need_python() { [ -x "$PY" ] || skip "needs $PY"; }
need_tun() { [ -c /dev/net/tun ] || skip "needs /dev/net/tun"; }
need_tools() {
    local t
    for t in "$@"; do command -v "$t" >/dev/null 2>&1 || skip "needs $t"; done
}

# netns_new VAR: creates a namespace with a unique name, loopback up.
netns_new() {
    local name="pp$$_${#PP_NETNS[@]}_$RANDOM"
    ip netns add "$name" || fail "ip netns add $name"
    PP_NETNS+=("$name")
    ip -n "$name" link set lo up
    printf -v "$1" '%s' "$name"
}

netns_cleanup() {
    local ns pid
    for ns in "${PP_NETNS[@]}"; do
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null; done
    done
    sleep 0.2
    for ns in "${PP_NETNS[@]}"; do
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
        ip netns del "$ns" 2>/dev/null
    done
    [ -n "${PP_TMP:-}" ] && rm -rf "$PP_TMP"
}
trap netns_cleanup EXIT

PP_TMP=$(mktemp -d /tmp/pp_interop.XXXXXX)

# wait_for FILE PATTERN: waits up to 10 s for PATTERN to appear in FILE.
wait_for() {
    local i
    for i in $(seq 100); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    fail "timed out waiting for '$2' in $1"
}

# veth_link NS1 NS2 ADDR1/PREFIX ADDR2/PREFIX: a veth pair between two
# namespaces, addressed and up (its names unique to this test's PID).
veth_link() {
    local a="va$$_${#PP_NETNS[@]}" b="vb$$_${#PP_NETNS[@]}"
    ip link add "$a" netns "$1" type veth peer name "$b" netns "$2" || fail "veth pair"
    ip -n "$1" addr add "$3" dev "$a"
    ip -n "$2" addr add "$4" dev "$b"
    ip -n "$1" link set "$a" up
    ip -n "$2" link set "$b" up
}

# tcp_listeners NS ADDR PORT...: TCP listeners in namespace NS (accepting
# and closing), up when this returns; they end with the namespace.
tcp_listeners() {
    local ns=$1 addr=$2 log="$PP_TMP/listeners.$RANDOM"
    shift 2
    ip netns exec "$ns" "$PY" - "$addr" "$@" >"$log" 2>&1 <<'PY' &
import select, socket, sys, time
ls = []
for p in sys.argv[2:]:
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((sys.argv[1], int(p))); s.listen(64); ls.append(s)
print("ready", flush=True)
while True:
    for s in select.select(ls, [], [])[0]:
        c, _ = s.accept(); c.close()
PY
    wait_for "$log" ready
}

# stack_start NS TUN ADDR/PREFIX [ARG...]: runs `$PORTPLEX stack` on a new
# TUN device in namespace NS with the extra arguments, output in
# $PP_TMP/stack.out and stack.err; returns once it is up, its PID in
# STACK_PID.
stack_start() {
    local ns=$1 tun=$2 addr=$3
    shift 3
    ip netns exec "$ns" "$PORTPLEX" stack --tun "$tun" --addr "$addr" "$@" \
        >"$PP_TMP/stack.out" 2>"$PP_TMP/stack.err" &
    STACK_PID=$!
    wait_for "$PP_TMP/stack.out" "is up"
}

# tshark_compare_setup PORTPLEX: the field list `portplex decode` and tshark share.
tshark_compare_setup() {
    local f
    FIELDS=$("$1" decode --help | sed -n '/^Fields, in order:/,$p' | tail -n +2 | tr -s ' \n' ' ')
    [ -n "$FIELDS" ] || fail "could not read the field list"
    TSHARK_E=()
    for f in $FIELDS; do TSHARK_E+=(-e "$f"); done
    CHECKS=(-o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE)
}

compare() { # compare PCAP: tshark's fields vs ours, line by line
    tshark -r "$1" -o ip.defragment:FALSE -T fields "${TSHARK_E[@]}" >"$PP_TMP/tshark.txt" 2>/dev/null \
        || fail "tshark could not read $1"
    "$PORTPLEX" decode --fields --strict "$1" >"$PP_TMP/ours.txt" 2>"$PP_TMP/ours.err" \
        || { cat "$PP_TMP/ours.err"; fail "portplex decode found malformed packets in $1"; }
    if ! diff -u "$PP_TMP/tshark.txt" "$PP_TMP/ours.txt"; then
        echo "fields: $FIELDS"
        fail "portplex decode disagrees with tshark on $1"
    fi
    echo "ok: $(wc -l <"$PP_TMP/ours.txt") packets of $1, $(echo $FIELDS | wc -w) fields each, identical to tshark"
}

checksums_good() { # every checksum tshark can verify in PCAP is good (status 1)
    tshark -r "$1" "${CHECKS[@]}" -T fields -e frame.number -e ip.checksum.status \
        -e tcp.checksum.status -e udp.checksum.status -e icmp.checksum.status \
        >"$PP_TMP/status.txt" 2>/dev/null
    if grep -P '\t(0|[^\t]*,0)(\t|,|$)|(^|\t)0,' "$PP_TMP/status.txt" >/dev/null; then
        cat "$PP_TMP/status.txt"
        fail "tshark found a bad checksum in $1"
    fi
    grep -qP '\t1' "$PP_TMP/status.txt" || fail "tshark verified no checksum in $1"
    echo "ok: tshark finds every checksum in $1 good"
}
