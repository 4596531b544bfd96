#!/bin/bash
# decode.sh - `portplex decode` on a capture written by our emitters:
# descriptions, malformed packets counted, --strict exit status.
set -u
P=$1
TOOLS=$2
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$TOOLS/emit_sample" "$tmp/s.pcap" || fail "emit_sample"
"$P" decode "$tmp/s.pcap" >"$tmp/out" 2>"$tmp/err" || fail "decode failed"
grep -q '192.0.2.1:40000 > 192.0.2.2:80 TCP \[S\] seq 1000 win 29200 <mss 1460,sackOK,TS val 3735928559 ecr 0,wscale 7> len 0' "$tmp/out" \
    || { cat "$tmp/out"; fail "SYN line"; }
grep -q 'ICMP unreachable code 3 \[quote 192.0.2.1 > 192.0.2.2 proto 17 5353 > 53\]' "$tmp/out" || fail "unreach line"
grep -q 'IPv4 fragment proto 17 id 6 offset 0 len 24 +' "$tmp/out" || fail "fragment line"
grep -q '^9 packets, 0 malformed$' "$tmp/err" || fail "summary: $(cat "$tmp/err")"
# Corrupt one byte of the SYN's TCP checksum region: counted as malformed.
/usr/bin/python3 - "$tmp/s.pcap" "$tmp/bad.pcap" <<'PY' || fail "python"
import sys
d = bytearray(open(sys.argv[1], 'rb').read())
d[24 + 16 + 20 + 16] ^= 0xff   # global header, record header, IP header, TCP csum
open(sys.argv[2], 'wb').write(d)
PY
"$P" decode "$tmp/bad.pcap" >"$tmp/out" 2>"$tmp/err" || fail "decode without --strict must exit 0"
grep -q 'TCP malformed: bad checksum' "$tmp/out" || fail "bad checksum not reported"
grep -q '^9 packets, 1 malformed$' "$tmp/err" || fail "summary: $(cat "$tmp/err")"
"$P" decode --strict "$tmp/bad.pcap" >/dev/null 2>&1 && fail "--strict must exit 1"
"$P" decode --no-checksum --strict "$tmp/bad.pcap" >/dev/null 2>&1 || fail "--no-checksum"
echo PASS
