#!/bin/bash
# tcp_attacks.sh - hostile TCP against `portplex stack` on a TUN device, in a
# fresh namespace, bounded in time: blind RSTs, SYNs and data spoofed into a
# live kernel connection (RFC 5961: challenge ACKs, the connection lives),
# then a SYN flood of 20,000 spoofed SYN/s while a real client keeps
# connecting (SYN cookies: every real connection completes).
set -u
PORTPLEX=$1
. "$(dirname "$0")/../lib/interop.bash"

need_root
need_tools ip
need_python
need_tun

netns_new NS
stack_start "$NS" pp0 192.0.2.2/24 --serve tcp-echo:7

ip netns exec "$NS" $PY - <<'PY' || fail "attack run"
import os, random, socket, struct, sys, threading, time

def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def tcp_packet(src, sport, dport, seq, ack, flags, payload=b""):
    th = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload
    ph = socket.inet_aton(src) + socket.inet_aton("192.0.2.2") + struct.pack("!BBH", 0, 6, len(th))
    th = th[:16] + struct.pack("!H", csum(ph + th)) + th[18:]
    ih = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(th), random.getrandbits(16), 0, 64, 6, 0,
                     socket.inet_aton(src), socket.inet_aton("192.0.2.2"))
    ih = ih[:10] + struct.pack("!H", csum(ih)) + ih[12:]
    return ih + th

raw = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM)
send = lambda p: raw.sendto(p, ("pp0", 0x0800))
FIN, SYN, RST, PSH, ACK = 1, 2, 4, 8, 16

# --- 1. blind attacks on a live connection -----------------------------------
c = socket.create_connection(("192.0.2.2", 7), timeout=5)
c.sendall(b"before"); assert c.recv(100) == b"before"
sport = c.getsockname()[1]
# The attacker knows the 4-tuple but not the sequence numbers: it guesses.
for i in range(200):
    seq = random.getrandbits(32)
    send(tcp_packet("192.0.2.1", sport, 7, seq, 0, RST))                        # blind RST
    send(tcp_packet("192.0.2.1", sport, 7, seq, random.getrandbits(32), SYN))   # blind SYN
    send(tcp_packet("192.0.2.1", sport, 7, seq, random.getrandbits(32), ACK | PSH, b"EVIL"))
# A better-informed attacker that sniffs one segment: RST and SYN inside the
# window (but not at RCV.NXT) must earn challenge ACKs, not a reset.
sniff = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x0003))
sniff.bind(("pp0", 0x0003))
sniff.settimeout(2)
c.sendall(b"probe")
nxt = None
while nxt is None:
    pkt, addr = sniff.recvfrom(2048)
    ihl = (pkt[0] & 15) * 4
    if pkt[0] >> 4 == 4 and pkt[9] == 6 and pkt[12:16] == socket.inet_aton("192.0.2.1"):
        sp, dp, seq = struct.unpack("!HHI", pkt[ihl:ihl + 8])
        plen = len(pkt) - ihl - (pkt[ihl + 12] >> 4) * 4
        if sp == sport and plen > 0:
            nxt = seq + plen
assert c.recv(100) == b"probe"
send(tcp_packet("192.0.2.1", sport, 7, (nxt + 1000) & 0xffffffff, 0, RST))
send(tcp_packet("192.0.2.1", sport, 7, (nxt + 10) & 0xffffffff, 0, SYN))
time.sleep(0.3)
c.sendall(b"after"); data = c.recv(100)
if data != b"after":
    print("connection damaged: got %r" % data); sys.exit(1)
c.close()
print("ok: 600 blind RST/SYN/data segments and an in-window RST and SYN: "
      "the connection lives and carries no injected byte")

# --- 2. SYN flood with real clients in the middle -------------------------------
stop = False
sent = [0]
RATE = 20000  # SYN/s: a flood the stack reads in full even under ASan, so
              # what is measured is SYN cookies, not the TUN device's queue
def flood():
    t0 = time.time()
    while not stop:
        for _ in range(200):
            src = "192.0.2.%d" % random.randint(100, 250)
            send(tcp_packet(src, random.randint(1024, 65535), 7, random.getrandbits(32), 0, SYN))
        sent[0] += 200
        ahead = sent[0] / RATE - (time.time() - t0)
        if ahead > 0:
            time.sleep(ahead)
t = threading.Thread(target=flood); t.start()
time.sleep(0.5)
ok = 0
t0 = time.time()
for i in range(50):
    try:
        s = socket.create_connection(("192.0.2.2", 7), timeout=10)
        s.sendall(b"legit %d" % i)
        if s.recv(100) == b"legit %d" % i:
            ok += 1
        s.close()
    except OSError as e:
        print("client %d: %s" % (i, e))
dt = time.time() - t0
stop = True; t.join()
rate = sent[0] / (dt + 0.5)
print("ok: %d/50 real connections completed during a flood of %d spoofed SYNs (%.0f SYN/s)"
      % (ok, sent[0], rate))
if ok != 50:
    sys.exit(1)
PY
kill -TERM "$STACK_PID"
wait "$STACK_PID" || fail "portplex stack exited $?"
grep -E "tcp\.(challenge_acks|syncookies_sent|syncookies_ok|in_rsts|listen_drops)\)" "$PP_TMP/stack.out"
ch=$(grep -E '\(tcp.challenge_acks\)$' "$PP_TMP/stack.out" | awk '{print $1}')
ck=$(grep -E '\(tcp.syncookies_sent\)$' "$PP_TMP/stack.out" | awk '{print $1}')
[ "${ch:-0}" -ge 1 ] || fail "no challenge ACK was sent"
[ "${ck:-0}" -ge 1 ] || fail "no SYN cookie was sent: the flood never filled the queue"
echo PASS
