#!/bin/bash
# wire_tshark.sh - our wire parsers and emitters against tshark.
# 1. The Linux kernel talks across a veth pair between two fresh network
#    namespaces (ping, UDP to a closed port, a TCP connection with data);
#    tshark captures it; `portplex decode --fields` must print every field
#    exactly as tshark does, and tshark must find every checksum good.
# 2. Packets built by our emitters (tests/tools/emit_sample.c): tshark must
#    decode the fields we meant, with every checksum good.
set -u
PORTPLEX=$1
TOOLS=$2
. "$(dirname "$0")/../lib/interop.bash"

need_root
need_tools ip tshark nc ping ethtool
tshark_compare_setup "$PORTPLEX"

# --- 1. Linux's packets ---------------------------------------------------
netns_new A
netns_new B
ip link add va netns "$A" type veth peer name vb netns "$B" || fail "veth"
ip -n "$A" addr add 192.0.2.1/24 dev va
ip -n "$B" addr add 192.0.2.2/24 dev vb
ip -n "$A" link set va up
ip -n "$B" link set vb up
# Full checksums in the capture, not the partial ones of checksum offload.
ip netns exec "$A" ethtool -K va tx off >/dev/null 2>&1 || fail "ethtool tx off"
ip netns exec "$B" ethtool -K vb tx off >/dev/null 2>&1 || fail "ethtool tx off"

ip netns exec "$B" nc -l 192.0.2.2 8080 >"$PP_TMP/received.txt" &
ip netns exec "$A" tshark -i va -f ip -w "$PP_TMP/linux.pcap" -F pcap >"$PP_TMP/tshark.log" 2>&1 &
TSHARK_PID=$!
wait_for "$PP_TMP/tshark.log" "Capturing on"
ip netns exec "$A" ping -c 2 -i 0.2 -W 2 192.0.2.2 >/dev/null || fail "ping across the veth"
echo probe | ip netns exec "$A" nc -u -w 1 192.0.2.2 9 >/dev/null 2>&1
echo "hello through the kernel" | ip netns exec "$A" nc -N -w 2 192.0.2.2 8080 || fail "nc tcp"
sleep 0.5
kill "$TSHARK_PID"
wait "$TSHARK_PID" 2>/dev/null
grep -q "hello through the kernel" "$PP_TMP/received.txt" || fail "tcp data did not arrive"

N=$(tshark -r "$PP_TMP/linux.pcap" 2>/dev/null | wc -l)
[ "$N" -ge 12 ] || fail "expected at least 12 captured packets, got $N"
for want in "icmp.type==8" "icmp.type==3 && icmp.code==3" "tcp.flags==0x002 && tcp.options.mss_val" \
    "tcp.flags==0x012" "tcp.len>0" "udp.dstport==9"; do
    [ "$(tshark -r "$PP_TMP/linux.pcap" -Y "$want" 2>/dev/null | wc -l)" -ge 1 ] \
        || fail "capture lacks a packet matching '$want'"
done
compare "$PP_TMP/linux.pcap"
checksums_good "$PP_TMP/linux.pcap"

# --- 2. Our packets -------------------------------------------------------
"$TOOLS/emit_sample" "$PP_TMP/ours.pcap" || fail "emit_sample"
compare "$PP_TMP/ours.pcap"
checksums_good "$PP_TMP/ours.pcap"
# Spot checks: tshark reads the values we meant to write.
expect() { # expect FILTER: exactly one packet of ours matches
    local n
    n=$(tshark -r "$PP_TMP/ours.pcap" -o tcp.relative_sequence_numbers:FALSE -Y "$1" 2>/dev/null | wc -l)
    [ "$n" = 1 ] || fail "tshark: '$1' matched $n packets of ours, expected 1"
}
expect "tcp.flags.syn==1 && tcp.flags.ack==0 && tcp.options.mss_val==1460 && tcp.options.wscale.shift==7 && tcp.options.sack_perm && tcp.options.timestamp.tsval==3735928559"
expect "tcp.flags==0x012 && tcp.options.mss_val==1400 && tcp.options.wscale.shift==14 && !tcp.options.timestamp.tsval"
expect "tcp.options.sack.count==2 && tcp.options.sack_le==2000 && tcp.options.sack_re==5000 && tcp.len==18 && tcp.options.timestamp.tsecr==3735928559"
expect "tcp.flags==0x014 && tcp.srcport==81"
expect "udp.srcport==5353 && udp.dstport==53 && udp.length==13 && !icmp"
expect "icmp.type==8 && icmp.ident==4242 && icmp.seq==7"
expect "icmp.type==0 && icmp.ident==4242 && icmp.resp_to"
expect "icmp.type==3 && icmp.code==3 && udp.srcport==5353"
expect "ip.flags.mf==1 && ip.id==6"
echo "ok: tshark reads the fields we emitted"
echo "PASS"
