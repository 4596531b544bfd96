#!/bin/bash
# stack_tun.sh - `portplex stack` on a TUN device against the Linux kernel,
# inside a fresh network namespace: ping, udp-echo with nc and 50 concurrent
# clients, ECONNREFUSED for a closed port, RST for TCP, fragmented datagrams
# both ways, our pcap read by tshark; then hostile packets written straight
# onto the device (AF_PACKET) are counted and dropped while it keeps serving;
# then the command's failure modes.
set -u
PORTPLEX=$1
. "$(dirname "$0")/../lib/interop.bash"

need_root
need_tools ip tshark nc ping setpriv
need_python
need_tun
tshark_compare_setup "$PORTPLEX"

netns_new NS
IN() { ip netns exec "$NS" "$@"; }

start_stack() { # start_stack PCAP: portplex stack on pp0, waits until it is up
    ip netns exec "$NS" "$PORTPLEX" stack --tun pp0 --addr 192.0.2.2/24 --serve udp-echo:7 --serve discard:9 \
        --serve dns:53:192.0.2.2 \
        --pcap "$1" >"$PP_TMP/stack.out" 2>"$PP_TMP/stack.err" &
    STACK_PID=$!
    wait_for "$PP_TMP/stack.out" "is up"
}
stop_stack() {
    kill -TERM "$STACK_PID"
    wait "$STACK_PID" || fail "portplex stack exited $? on SIGTERM"
    grep -q "pp0 removed" "$PP_TMP/stack.out" || fail "no clean shutdown: $(cat "$PP_TMP/stack.out")"
    IN ip link show pp0 >/dev/null 2>&1 && fail "pp0 still exists after shutdown"
    return 0
}
counter() { grep -E "\($1\)\$" "$PP_TMP/stack.out" | awk '{print $1}'; }

# --- 1. real peers ---------------------------------------------------------
start_stack "$PP_TMP/good.pcap"
IN ip -4 addr show pp0 | grep -q "inet 192.0.2.1/24" || fail "kernel side lacks 192.0.2.1/24"
IN ping -c 5 -i 0.2 -W 2 192.0.2.2 >"$PP_TMP/ping.txt" || { cat "$PP_TMP/ping.txt"; fail "ping"; }
grep -q "5 received" "$PP_TMP/ping.txt" || fail "ping: $(cat "$PP_TMP/ping.txt")"
echo "ok: ping -c 5 got 5 replies"

if command -v dig >/dev/null; then
    a=$(IN dig +short +tries=2 +time=2 @192.0.2.2 www.portplex.lab A)
    [ "$a" = "192.0.2.2" ] || fail "dig got '$a' from the dns service"
    echo "ok: dig gets an answer from the dns service"
elif [ "${PP_REQUIRE_INTEROP:-0}" = 1 ]; then
    fail "dig (bind9-dnsutils) is required under CI"
fi
reply=$(echo "hello portplex" | IN nc -u -w 1 192.0.2.2 7)
[ "$reply" = "hello portplex" ] || fail "nc -u echo returned '$reply'"
echo "ok: nc -u got its echo"

IN $PY - <<'PY' || fail "kernel clients"
import socket, threading, sys
errors = []
def client(i):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    msg = b"client %d from its own port" % i
    for attempt in range(3):
        s.sendto(msg, ("192.0.2.2", 7))
        try:
            data, addr = s.recvfrom(2048)
            if data != msg or addr != ("192.0.2.2", 7):
                errors.append("client %d got %r from %r" % (i, data, addr))
            return
        except socket.timeout:
            continue
    errors.append("client %d: no reply" % i)
threads = [threading.Thread(target=client, args=(i,)) for i in range(50)]
[t.start() for t in threads]
[t.join() for t in threads]
if errors:
    print("\n".join(errors)); sys.exit(1)
print("ok: 50 concurrent clients each got exactly their own reply")

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect(("192.0.2.2", 10)); s.settimeout(2); s.send(b"anyone?")
try:
    s.recv(100); print("closed port answered"); sys.exit(1)
except ConnectionRefusedError:
    print("ok: UDP to a closed port: ECONNREFUSED in the kernel client")

for size in (1473, 5000, 30000, 65507):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
    payload = bytes((i * 7) & 255 for i in range(size))
    s.sendto(payload, ("192.0.2.2", 7))
    data, _ = s.recvfrom(70000)
    if data != payload:
        print("fragmented echo of %d bytes came back as %d bytes" % (size, len(data))); sys.exit(1)
print("ok: fragmented datagrams up to 65507 bytes reassembled by us and echoed back")

t = socket.socket(); t.settimeout(2)
try:
    t.connect(("192.0.2.2", 80)); print("tcp connected?"); sys.exit(1)
except ConnectionRefusedError:
    print("ok: TCP to a port with no socket: RST (connection refused)")
PY
stop_stack
[ "$(counter ip.reasm_oks)" -ge 4 ] || fail "expected >= 4 reassemblies, got $(counter ip.reasm_oks)"
[ "$(counter ip.frag_oks)" -ge 4 ] || fail "expected >= 4 fragmented sends"
[ "$(counter udp.no_ports)" -ge 1 ] || fail "udp.no_ports"
[ "$(counter tcp.out_rsts)" -ge 1 ] || fail "tcp.out_rsts"
[ "$(counter ip.in_hdr_errors)" = 0 ] || fail "the kernel's packets were counted malformed"
# tshark reads our capture (IPv6 from the kernel aside) exactly as we do.
tshark -r "$PP_TMP/good.pcap" -Y ip -w "$PP_TMP/good4.pcap" -F pcap 2>/dev/null || fail "tshark -r"
N=$(tshark -r "$PP_TMP/good4.pcap" 2>/dev/null | wc -l)
[ "$N" -ge 100 ] || fail "expected >= 100 packets in our pcap, got $N"
compare "$PP_TMP/good4.pcap"
checksums_good "$PP_TMP/good4.pcap"

# --- 2. hostile input --------------------------------------------------------
start_stack "$PP_TMP/bad.pcap"
IN $PY - <<'PY' || fail "bad input generator"
import socket, struct
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
def ip(payload, proto=17, ident=1, flags_frag=0, total=None, fix=True, ihl=5):
    tl = total if total is not None else 20 + len(payload)
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, tl, ident, flags_frag, 64, proto, 0,
                    socket.inet_aton("192.0.2.1"), socket.inet_aton("192.0.2.2"))
    if fix: h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload
def udp(sport, dport, data, length=None, check=True):
    l = length if length is not None else 8 + len(data)
    u = struct.pack("!HHHH", sport, dport, l, 0) + data
    if check:
        ph = socket.inet_aton("192.0.2.1") + socket.inet_aton("192.0.2.2") + struct.pack("!BBH", 0, 17, 8 + len(data))
        c = csum(ph + u) or 0xffff
        u = u[:6] + struct.pack("!H", c) + u[8:]
    return u
s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM)
send = lambda pkt: s.sendto(pkt, ("pp0", 0x0800))
good = ip(udp(5555, 9, b"fine"))
for _ in range(5):
    send(good[:15])                                   # truncated header
    send(good[:10] + b"\xde\xad" + good[12:])         # bad IP checksum
    send(ip(udp(5555, 9, b"x" * 10, length=200)))     # UDP length beyond the packet
    send(ip(udp(5555, 9, b"y" * 10)[:6] + b"\x12\x34" + b"y" * 10))  # bad UDP checksum
    send(ip(b"\0" * 8, total=400))                    # IP total length beyond the frame
    send(ip(b"\0" * 8, ihl=4, fix=False))             # IHL below 5
send(ip(udp(5555, 9, b"A" * 64)[:48], ident=77, flags_frag=0x2000))         # fragment 0..48
send(ip((b"B" * 80)[:48], ident=77, flags_frag=0x2000 | (40 // 8)))        # overlaps at 40
send(ip(b"C" * 24, ident=77, flags_frag=(88 // 8)))                        # last
print("sent hostile packets")
PY
sleep 0.3
reply=$(echo "still alive" | IN nc -u -w 1 192.0.2.2 7)
[ "$reply" = "still alive" ] || fail "echo after hostile input returned '$reply'"
kill -0 "$STACK_PID" || fail "portplex stack died"
stop_stack
for c in ip.err.TRUNCATED ip.err.CSUM ip.err.TOTLEN ip.err.IHL udp.err.LENGTH udp.err.CSUM ip.reasm_overlaps; do
    v=$(counter "$c")
    [ -n "$v" ] && [ "$v" -ge 1 ] || { cat "$PP_TMP/stack.out"; fail "counter $c is '${v:-absent}'"; }
done
echo "ok: hostile packets counted by reason and dropped; the stack kept serving"

# --- 3. failure modes ----------------------------------------------------------
expect_fail() { # expect_fail CODE PATTERN ARGS...
    local code=$1 pat=$2 out rc
    shift 2
    out=$("$@" 2>&1); rc=$?
    [ "$rc" = "$code" ] || fail "'$*' exited $rc, expected $code: $out"
    grep -qE -- "$pat" <<<"$out" || fail "'$*': no /$pat/ in: $out"
}
expect_fail 1 "CAP_NET_ADMIN" IN timeout 10 setpriv --reuid=65534 --regid=65534 --clear-groups \
    "$PORTPLEX" stack --tun pp1 --addr 192.0.2.2/24
# A name taken by another kind of device, and a TUN device another stack holds.
IN ip link add busy0 type veth peer name busy1 || fail "ip link add veth"
expect_fail 1 "busy0.*in use" IN timeout 10 "$PORTPLEX" stack --tun busy0 --addr 192.0.2.2/24
IN ip link del busy0
start_stack "$PP_TMP/again.pcap"
expect_fail 1 "pp0.*in use" IN timeout 10 "$PORTPLEX" stack --tun pp0 --addr 192.0.2.2/24
stop_stack
expect_fail 2 "--addr wants" IN "$PORTPLEX" stack --tun pp2 --addr 192.0.2.300/24
expect_fail 2 "--addr wants" IN "$PORTPLEX" stack --tun pp2 --addr 192.0.2.2/33
expect_fail 2 "network or broadcast" IN "$PORTPLEX" stack --tun pp2 --addr 192.0.2.255/24
expect_fail 2 "out of range" IN "$PORTPLEX" stack --tun pp2 --addr 192.0.2.2/24 --serve udp-echo:70000
expect_fail 2 "out of range" IN "$PORTPLEX" stack --tun pp2 --addr 192.0.2.2/24 --serve udp-echo:0
expect_fail 2 "unknown service" IN "$PORTPLEX" stack --tun pp2 --addr 192.0.2.2/24 --serve gopher:70
expect_fail 2 "--mtu must be" IN "$PORTPLEX" stack --tun pp2 --addr 192.0.2.2/24 --mtu 20
expect_fail 2 "not a valid interface name" IN "$PORTPLEX" stack --tun "this-name-is-too-long" --addr 192.0.2.2/24
expect_fail 2 "--tun IF is required" IN "$PORTPLEX" stack --addr 192.0.2.2/24
echo "ok: failure modes give clear messages and exit codes"
echo PASS
