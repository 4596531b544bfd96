#!/bin/bash
# tcp_tun.sh - portplex TCP against the Linux kernel's over a TUN device in a
# fresh network namespace, both directions: kernel clients (nc, Python) to
# our tcp-echo and discard, data compared by SHA-256; the same with netem
# loss and reordering on the kernel's side; nmap -sS and -sT from the kernel
# side; and a libportplex client against kernel servers (python3 -m
# http.server, nc -l).
set -u
PORTPLEX=$1
TOOLS=$2
. "$(dirname "$0")/../lib/interop.bash"

need_root
need_tools ip nc nmap tc sha256sum
need_python
need_tun

netns_new NS
IN() { ip netns exec "$NS" "$@"; }

stack_start "$NS" pp0 192.0.2.2/24 --serve tcp-echo:7 --serve discard:9 --serve hello:80

if command -v curl >/dev/null; then
    page=$(IN curl -s --max-time 5 http://192.0.2.2/) || fail "curl exited $?"
    grep -qE 'You are 192\.0\.2\.1:[0-9]+, served on socket [0-9]+\.' <<<"$page" || fail "curl got: $page"
    code=$(printf 'GET / HTTP/2.0\r\n\r\n' | IN nc -N -w 3 192.0.2.2 80 | head -1)
    [[ "$code" == "HTTP/1.0 505 "* ]] || fail "HTTP/2.0 request got '$code'"
    echo "ok: curl gets the hello page; a bad request gets its status"
fi
reply=$(echo "hello over tcp" | IN nc -N -w 3 192.0.2.2 7)
[ "$reply" = "hello over tcp" ] || fail "nc to tcp-echo returned '$reply'"
echo "ok: nc to tcp-echo"

kernel_clients() { # kernel_clients LABEL MB: echo and discard, SHA-256 compared
    IN $PY - "$1" "$2" <<'PY' || fail "kernel client ($1)"
import hashlib, os, socket, sys, threading, time
label, mb = sys.argv[1], int(sys.argv[2])
data = os.urandom(mb << 20)
s = socket.create_connection(("192.0.2.2", 7), timeout=30)
got = bytearray()
def reader():
    while True:
        d = s.recv(1 << 16)
        if not d:
            return
        got.extend(d)
t = threading.Thread(target=reader); t.start()
t0 = time.time(); s.sendall(data); s.shutdown(socket.SHUT_WR); t.join(); dt = time.time() - t0
if hashlib.sha256(got).digest() != hashlib.sha256(data).digest():
    print("echo of %d MB came back different (%d bytes)" % (mb, len(got))); sys.exit(1)
print("ok (%s): %d MB through tcp-echo and back, SHA-256 equal, %.0f MB/s" % (label, mb, 2 * mb / dt))
s = socket.create_connection(("192.0.2.2", 9), timeout=30)
t0 = time.time()
for i in range(4 * mb):
    s.sendall(data[:1 << 20] if i % 2 else data[-(1 << 20):])
s.shutdown(socket.SHUT_WR)
if s.recv(10) != b"":
    print("discard answered"); sys.exit(1)
print("ok (%s): %d MB into discard, %.0f MB/s" % (label, 4 * mb, 4 * mb / (time.time() - t0)))
PY
}
kernel_clients "clean link" 16
DISCARD_MB=64 # kernel_clients sends 4 x MB into discard

# netem on the kernel's side of the TUN device, if this kernel has it.
if IN tc qdisc add dev pp0 root netem loss 1% delay 2ms reorder 5% 50% 2>/dev/null; then
    kernel_clients "netem loss 1%, reorder 5%" 4
    DISCARD_MB=$((DISCARD_MB + 16))
    IN tc qdisc del dev pp0 root
else
    echo "note: no sch_netem in this kernel; the lossy-link run is covered on vwire instead"
fi

IN nmap -sS -n -p 1-20,80,443 192.0.2.2 >"$PP_TMP/nmap-sS.txt" 2>&1 || fail "nmap -sS"
IN nmap -sT -n -p 1-20,80,443 192.0.2.2 >"$PP_TMP/nmap-sT.txt" 2>&1 || fail "nmap -sT"
for scan in sS sT; do
    f="$PP_TMP/nmap-$scan.txt"
    grep -qE '^7/tcp +open' "$f" && grep -qE '^9/tcp +open' "$f" && grep -qE '^80/tcp +open' "$f" \
        || { cat "$f"; fail "nmap -$scan: 7, 9 and 80 not all open"; }
    open=$(grep -cE '^[0-9]+/tcp +open' "$f")
    [ "$open" = 3 ] || { cat "$f"; fail "nmap -$scan: $open open ports, expected 3"; }
    closed=$(grep -cE '^[0-9]+/tcp +closed' "$f")
    shown=$(sed -nE 's/^Not shown: ([0-9]+) closed.*/\1/p' "$f")
    [ $((closed + ${shown:-0})) = 19 ] || { cat "$f"; fail "nmap -$scan: expected 19 closed ports"; }
done
echo "ok: nmap -sS and -sT see 7, 9 and 80 open, the other 19 ports closed"

# 1 GiB into discard: every byte counted on arrival.
IN $PY - <<'PY' || fail "1 GiB to discard"
import socket, time
s = socket.create_connection(("192.0.2.2", 9), timeout=60)
blk = bytes(range(256)) * 4096  # 1 MiB
t0 = time.time()
for _ in range(1024):
    s.sendall(blk)
s.shutdown(socket.SHUT_WR)
assert s.recv(10) == b""
print("ok: 1 GiB into discard at %.0f MB/s" % (1024 / (time.time() - t0)))
PY
kill -TERM "$STACK_PID"
wait "$STACK_PID" || fail "portplex stack exited $?"
want=$(( (DISCARD_MB + 1024) * 1048576 ))
got=$(sed -nE 's/^portplex stack: discard on port 9: [0-9]+ received \(([0-9]+) bytes\)$/\1/p' "$PP_TMP/stack.out")
[ -n "$got" ] || fail "no discard byte count: $(cat "$PP_TMP/stack.out" | head -5)"
[ "$got" = "$want" ] || fail "discard counted $got bytes, the kernel sent $want"
echo "ok: discard counted exactly the $want bytes the kernel sent"
# Receive offload: the kernel handed over unsegmented TCP (up to 64 KiB a read).
line=$(grep -E '^portplex stack: pp0: [0-9]+ packets read' "$PP_TMP/stack.out") || fail "no TUN read count"
echo "$line"
if [[ "$line" == *"receive offload on"* ]]; then
    gso=$(sed -nE 's/.*read, ([0-9]+) of them unsegmented.*/\1/p' <<<"$line")
    big=$(sed -nE 's/.*the largest ([0-9]+) bytes.*/\1/p' <<<"$line")
    tso=$(sed -nE 's/.*; ([0-9]+) large TCP packets sent.*/\1/p' <<<"$line")
    [ "${gso:-0}" -gt 0 ] && [ "${big:-0}" -gt 1500 ] || fail "offload on but no large segment: $line"
    [ "${tso:-0}" -gt 0 ] || fail "offload on but tcp-echo sent no large packet: $line"
    part=$(sed -nE 's/.*segment, ([0-9]+) packets with the checksum left to it.*/\1/p' <<<"$line")
    [ "${part:-0}" -gt 0 ] || fail "offload on but no checksum was left to the kernel: $line"
    rpart=$(sed -nE 's/.*it, ([0-9]+) TCP packets taken with the kernel.s checksum left partial.*/\1/p' <<<"$line")
    [ "${rpart:-0}" -gt 0 ] || fail "offload on but no TCP packet came with its checksum partial: $line"
    echo "ok: receive offload delivered $gso unsegmented TCP segments (largest $big bytes);" \
        "$tso large packets went out for the kernel to segment, $part packets with their" \
        "checksum left to it, $rpart taken with the kernel's left partial, and the echoes came back intact"
else
    echo "note: this kernel refused TUN receive offload; every segment came MTU-sized"
fi
# The kernel finished every checksum we left to it and found none bad.
csumerr=$(IN awk '/^Tcp:/ { if (!h) { for (i = 1; i <= NF; i++) if ($i == "InCsumErrors") c = i; h = 1 } else print $c }' /proc/net/snmp)
[ "${csumerr:-x}" = 0 ] || fail "the kernel counted $csumerr TCP checksum errors"
echo "ok: the kernel counted no TCP checksum errors"
grep -E "tcp\.(passive_opens|out_rsts|retransmits|fast_retransmits|challenge_acks)\)" "$PP_TMP/stack.out"

# --- libportplex as the client, kernel servers -------------------------------
mkdir -p "$PP_TMP/www"
head -c 3000000 /dev/urandom >"$PP_TMP/www/blob.bin"
(cd "$PP_TMP/www" && exec ip netns exec "$NS" $PY -m http.server --bind 0.0.0.0 8000) \
    >"$PP_TMP/http.log" 2>&1 &
IN nc -l 0.0.0.0 9000 >"$PP_TMP/nc-received.bin" &
NC_PID=$!
sleep 0.5
IN "$TOOLS/tun_client" pp1 192.0.2.2/24 192.0.2.1 8000 get /blob.bin "$PP_TMP/response.bin" \
    || fail "tun_client get"
head -1 "$PP_TMP/response.bin" | grep -q "200 OK" || fail "http.server: $(head -1 "$PP_TMP/response.bin")"
# The body follows the blank line that ends the header.
$PY -c "
import sys; d = open(sys.argv[1], 'rb').read(); sys.stdout.buffer.write(d[d.index(b'\r\n\r\n') + 4:])
" "$PP_TMP/response.bin" >"$PP_TMP/body.bin"
cmp -s "$PP_TMP/body.bin" "$PP_TMP/www/blob.bin" || fail "3 MB from http.server differ"
echo "ok: libportplex client fetched 3 MB from python3 -m http.server intact"
IN "$TOOLS/tun_client" pp1 192.0.2.2/24 192.0.2.1 9000 send "$PP_TMP/www/blob.bin" \
    || fail "tun_client send"
wait "$NC_PID"
cmp -s "$PP_TMP/nc-received.bin" "$PP_TMP/www/blob.bin" || fail "nc -l received different bytes"
echo "ok: libportplex client sent 3 MB to nc -l intact"
echo PASS
