#!/bin/bash
# systemd_units.sh - the units in contrib/systemd pass `systemd-analyze
# verify` (syntax, the binary, the man pages they cite) for an instance,
# and their sandboxing keeps what each needs and no more: the web server
# may bind low ports only, the TUN host may administer the network only.
# Usage: systemd_units.sh PORTPLEX
set -u
P=$(readlink -f "$1")
SRC=$(cd "$(dirname "$0")/../.." && pwd)
if ! command -v systemd-analyze >/dev/null; then
    echo "systemd-analyze not installed"
    [ "${PP_REQUIRE_INTEROP:-0}" = 1 ] && exit 1
    exit 77
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/man/man1"
cp "$SRC"/man/*.1 "$T/man/man1/"
fail=0
for u in portplex-httpd portplex-stack; do
    sed "s|@PP_BINDIR@|$(dirname "$P")|" "$SRC/contrib/systemd/$u@.service.in" > "$T/$u@.service"
    out=$(cd "$T" && MANPATH=$T/man systemd-analyze verify "$T/$u@ci.service" 2>&1) ||
        { echo "FAIL: systemd-analyze verify $u@ci.service: $out"; fail=1; }
    [ -z "$out" ] || { echo "FAIL: $u@ci.service: $out"; fail=1; }
done
grep -qx 'CapabilityBoundingSet=CAP_NET_BIND_SERVICE' "$T/portplex-httpd@.service" ||
    { echo "FAIL: the web server's capabilities are not limited to CAP_NET_BIND_SERVICE"; fail=1; }
grep -qx 'CapabilityBoundingSet=CAP_NET_ADMIN' "$T/portplex-stack@.service" ||
    { echo "FAIL: the TUN host's capabilities are not limited to CAP_NET_ADMIN"; fail=1; }
for u in portplex-httpd portplex-stack; do
    for d in DynamicUser=yes NoNewPrivileges=yes ProtectSystem=strict PrivateTmp=yes; do
        grep -qx "$d" "$T/$u@.service" || { echo "FAIL: $u@.service lacks $d"; fail=1; }
    done
done
[ $fail = 0 ] && echo "systemd units: verify passes, sandboxing as intended"
exit $fail
