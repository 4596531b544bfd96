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

need_root() { [ "$(id -u)" = 0 ] || skip "needs root for network namespaces"; }
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
