#!/bin/bash
# tun_shards.sh - per-core shards on a multi-queue TUN device: two stacks
# sharing 10.9.0.2, one per queue, each with its own driver thread and an
# echo listener; the kernel's clients open 60 connections from fresh ports.
# Every connection is echoed, the kernel spreads them over both queues, and
# each is served whole by the shard that got its SYN (a segment reaching the
# other shard would have been answered with a RST: the client would see a
# reset).  Usage: tun_shards.sh PORTPLEX TOOLS_DIR
set -u
source "$(dirname "$0")/../lib/interop.bash"
need_root
need_tun
need_python
T=$2/tun_shards
netns_new NS
ip netns exec "$NS" "$T" ppq0 10.9.0.1 10.9.0.2 2 > "$PP_TMP/out" 2>&1 &
wait_for "$PP_TMP/out" ready || fail "tun_shards did not start: $(cat "$PP_TMP/out")"
ip netns exec "$NS" "$PY" - <<'PYEOF' > "$PP_TMP/clients" 2>&1
import socket
ok = 0
for i in range(60):
    s = socket.create_connection(("10.9.0.2", 7), timeout=3)
    s.sendall(b"line %d\n" % i)
    got = s.recv(100)
    s.close()
    ok += got == b"line %d\n" % i
print("echoed", ok)
PYEOF
grep -q "echoed 60" "$PP_TMP/clients" || fail "clients: $(cat "$PP_TMP/clients")"
for p in $(ip netns pids "$NS"); do kill -TERM "$p"; done
for _ in $(seq 50); do grep -q "shard 1:" "$PP_TMP/out" && break; sleep 0.1; done
s0=$(sed -n 's/^shard 0: //p' "$PP_TMP/out")
s1=$(sed -n 's/^shard 1: //p' "$PP_TMP/out")
[ -n "$s0" ] && [ -n "$s1" ] || fail "no per-shard counts: $(cat "$PP_TMP/out")"
[ $((s0 + s1)) = 60 ] || fail "shards served $s0 + $s1, not 60"
[ "$s0" -gt 0 ] && [ "$s1" -gt 0 ] || fail "the kernel used one queue only: $s0 / $s1"
echo "tun_shards: 60 connections echoed, shard 0 served $s0, shard 1 served $s1"

# The same through the command: `portplex stack --queues 2` with tcp-echo,
# udp-echo and hello on every shard.
P=$1
netns_new NS2
ip netns exec "$NS2" "$P" stack --tun ppq1 --addr 10.9.1.2/24 --queues 2 \
    --serve tcp-echo:7 --serve udp-echo:7 --serve hello:80 > "$PP_TMP/stack" 2>&1 &
wait_for "$PP_TMP/stack" "is up" || fail "portplex stack --queues 2: $(cat "$PP_TMP/stack")"
grep -q "2 queues" "$PP_TMP/stack" || fail "no queue line: $(cat "$PP_TMP/stack")"
ip netns exec "$NS2" "$PY" - <<'PYEOF' > "$PP_TMP/clients2" 2>&1
import socket
ok = 0
for i in range(40):
    s = socket.create_connection(("10.9.1.2", 7), timeout=3)
    s.sendall(b"x%d" % i)
    ok += s.recv(100) == b"x%d" % i
    s.close()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.settimeout(3)
for i in range(10):
    u.sendto(b"d%d" % i, ("10.9.1.2", 7))
    ok += u.recvfrom(100)[0] == b"d%d" % i
print("answered", ok)
PYEOF
grep -q "answered 50" "$PP_TMP/clients2" || fail "clients: $(cat "$PP_TMP/clients2")"
for p in $(ip netns pids "$NS2"); do kill -TERM "$p"; done
for _ in $(seq 50); do grep -q "counters of shard 1" "$PP_TMP/stack" && sed -n '/counters of shard 1/,$p' "$PP_TMP/stack" | grep -q "passive_opens" && break; sleep 0.1; done
opens=$(grep -o '^ *[0-9]* connections opened by a listener' "$PP_TMP/stack" | awk '{print $1}' | tr '\n' ' ')
read -r o0 o1 <<<"$opens"
[ -n "${o1:-}" ] || fail "no per-shard counters: $(tail -5 "$PP_TMP/stack")"
[ $((o0 + o1)) = 40 ] && [ "$o0" -gt 0 ] && [ "$o1" -gt 0 ] ||
    fail "passive opens per shard: $o0 / $o1 (want both > 0, 40 in all)"
grep -q "tcp-echo on port 7: 40 received" "$PP_TMP/stack" || fail "service totals: $(grep 'received' "$PP_TMP/stack")"
echo "portplex stack --queues 2: 40 connections ($o0 + $o1 by shard) and 10 datagrams answered"
