#!/bin/bash
# bench/tcp_tun.sh - a kernel TCP client streaming into portplex's discard
# server through a TUN device, against the same client streaming into a
# kernel `nc -l` across a veth pair, both in fresh network namespaces, in
# the same run (root).  Last line:
#   ratio=<ours/kernel> ours=<MB/s> peer=<MB/s> unit=MB/s
# Usage: bench/tcp_tun.sh build/portplex [MB] [MTU]   (the same MTU on both links)
set -u
PORTPLEX=$1
MB=${2:-512}
MTU=${3:-1500}
[ "$(id -u)" = 0 ] || { echo "needs root (network namespaces)"; exit 1; }
A=ppbA$$; B=ppbB$$; T=ppbT$$
cleanup() {
    for ns in $A $B $T; do
        for p in $(ip netns pids $ns 2>/dev/null); do kill $p 2>/dev/null; done
    done
    sleep 0.3
    for ns in $A $B $T; do ip netns del $ns 2>/dev/null; done
}
trap cleanup EXIT
send() { # send NS ADDR PORT: MB MiB of zeros, prints MB/s
    ip netns exec "$1" /usr/bin/python3 - "$2" "$3" "$MB" <<'PY'
import socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=60)
blk = bytes(1 << 20); n = int(sys.argv[3]); t0 = time.time()
for _ in range(n):
    s.sendall(blk)
s.shutdown(socket.SHUT_WR); s.recv(1)
print("%.1f" % (n / (time.time() - t0)))
PY
}
# portplex behind TUN
ip netns add $T; ip -n $T link set lo up
ip netns exec $T "$PORTPLEX" stack --tun pp0 --addr 192.0.2.2/24 --serve discard:9 --mtu $MTU >/dev/null 2>&1 &
for i in $(seq 50); do ip netns exec $T ip link show pp0 >/dev/null 2>&1 && break; sleep 0.1; done
sleep 0.3
ours=$(send $T 192.0.2.2 9)
# kernel to kernel over veth
ip netns add $A; ip netns add $B
ip link add va netns $A type veth peer name vb netns $B
ip -n $A addr add 192.0.2.1/24 dev va; ip -n $B addr add 192.0.2.2/24 dev vb
ip -n $A link set va mtu $MTU; ip -n $B link set vb mtu $MTU
ip -n $A link set va up; ip -n $B link set vb up; ip -n $A link set lo up; ip -n $B link set lo up
ip netns exec $B sh -c 'nc -l 192.0.2.2 9 >/dev/null' &
sleep 0.3
peer=$(send $A 192.0.2.2 9)
printf '%-44s %10s %10s\n' "kernel client, $MB MiB, MTU $MTU" "portplex" "kernel"
printf '%-44s %10s %10s\n' "into a discard server, MB/s" "$ours" "$peer"
awk -v o="$ours" -v p="$peer" 'BEGIN { printf "ratio=%.2f ours=%s peer=%s unit=MB/s\n", o / p, o, p }'
