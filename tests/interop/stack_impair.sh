#!/bin/bash
# stack_impair.sh - `portplex stack --impair/--impair-in` (the link wrappers
# of include/portplex/link_wrap.h) against the Linux kernel over TUN in a
# fresh network namespace: the kernel's curl downloads a file from our web
# server while portplex loses, delays, duplicates and corrupts packets both
# ways; the file arrives intact, the command's report and counters show the
# impairments happened, tshark finds the retransmissions in our capture
# (taken inside the impairments, with valid checksums) and the kernel saw
# the duplicates.  Then a delay alone is measured by ping; then bad words.
set -u
PORTPLEX=$1
. "$(dirname "$0")/../lib/interop.bash"

need_root
need_tools ip curl tshark ping cmp nstat
need_tun
tshark_compare_setup "$PORTPLEX"

netns_new NS
IN() { ip netns exec "$NS" "$@"; }
counter() { grep -E "\($1\)\$" "$PP_TMP/stack.out" | awk '{print $1}'; }
stop() {
    kill -TERM "$STACK_PID"
    wait "$STACK_PID" || fail "portplex stack exited $? on SIGTERM: $(cat "$PP_TMP/stack.err")"
}

mkdir -p "$PP_TMP/www"
head -c $((8 << 20)) /dev/urandom >"$PP_TMP/www/file.bin"

# --- 1. a download under impairments both ways --------------------------------
# A seed fixes each direction's fates by packet number (queue 0's inbound
# dice take seed + 1000, see cmd_stack.c).  The kernel sends only ~120-240
# ACKs for 8 MiB, so the inbound seed is one whose first loss, reordering
# and corruption all fall within its first 8 packets (40: 8th, 5th, 7th);
# seed 12's first loss was its 132nd packet, after the download in some runs.
stack_start "$NS" pp0 192.0.2.2/24 --serve http:80:"$PP_TMP/www" --pcap "$PP_TMP/imp.pcap" \
    --impair 'loss 2% duplicate 3% corrupt 0.2% delay 2ms seed 11' \
    --impair-in 'loss 1% reorder 4% 5ms corrupt 3% seed 40'
IN curl -s --max-time 120 -o "$PP_TMP/got.bin" http://192.0.2.2/file.bin || fail "curl exited $?"
cmp "$PP_TMP/www/file.bin" "$PP_TMP/got.bin" || fail "the download differs"
echo "ok: 8 MiB downloaded intact through loss, duplication and corruption out, loss, reordering and corruption in"
stop
out=$(grep "impairments on packets sent" "$PP_TMP/stack.out") || fail "no report of what was sent: $(cat "$PP_TMP/stack.out")"
in=$(grep "impairments on packets received" "$PP_TMP/stack.out") || fail "no report of what was received"
echo "$out"; echo "$in"
num() { sed -E "s/.* ([0-9]+) $1.*/\\1/" <<<"$2"; }
[ "$(num lost "$out")" -gt 0 ] || fail "nothing sent was lost"
[ "$(num duplicated "$out")" -gt 0 ] || fail "nothing sent was duplicated"
[ "$(num delayed "$out")" -gt 0 ] || fail "nothing sent was delayed"
[ "$(num lost "$in")" -gt 0 ] || fail "nothing received was lost"
[ "$(num reordered "$in")" -gt 0 ] || fail "nothing received was reordered"
[ "$(num corrupted "$in")" -gt 0 ] || fail "nothing received was corrupted"
# Every corrupted packet the kernel sent is caught by a checksum - also
# those whose TCP checksum the kernel left partial, which the stack trusts
# unless the wrapper fills it in before flipping the bit.
caught=$(( $(counter tcp.in_errs) + $(counter ip.in_hdr_errors) ))
[ "$caught" -eq "$(num corrupted "$in")" ] || fail "$(num corrupted "$in") corrupted, $caught caught"
resent=0
for c in tcp.retransmits tcp.fast_retransmits tcp.sack_retransmits tcp.loss_probes; do
    resent=$((resent + $(counter $c)))
done
[ "$resent" -gt 0 ] || fail "no retransmission counted"
echo "ok: the report and the counters show the impairments ($resent retransmissions and probes)"
# tshark, the peer that reads our capture: our retransmissions are in it;
# every checksum of ours is good (the capture fills in those left to the
# kernel), and the packets with a bad one are exactly those corrupted on
# their way in (the capture sits outside the impairments).
tshark -r "$PP_TMP/imp.pcap" -Y ip -w "$PP_TMP/imp4.pcap" -F pcap 2>/dev/null || fail "tshark -r"
# (A resend within tshark's RTT guess reads "out-of-order": at the sender's
# side of the path, both are a resend.)
rtx=$(tshark -r "$PP_TMP/imp4.pcap" -Y "(tcp.analysis.retransmission || tcp.analysis.out_of_order) && ip.src==192.0.2.2" 2>/dev/null | wc -l)
[ "$rtx" -gt 0 ] || fail "tshark found no resend of ours in the capture"
tshark -r "$PP_TMP/imp4.pcap" "${CHECKS[@]}" -T fields -e ip.src -e ip.checksum.status \
    -e tcp.checksum.status -e udp.checksum.status -e icmp.checksum.status >"$PP_TMP/status.txt" 2>/dev/null
read -r bad bad_ours good < <(awk -F'\t' '{ b = 0; g = 0
    for (i = 2; i <= NF; i++) { n = split($i, v, ","); for (j = 1; j <= n; j++) { b += v[j] == "0"; g += v[j] == "1" } }
    if (b) { bad++; if ($1 == "192.0.2.2") ours++ } else if (g) good++ }
    END { print bad + 0, ours + 0, good + 0 }' "$PP_TMP/status.txt")
[ "$bad_ours" = 0 ] || fail "tshark found $bad_ours packets of ours with a bad checksum"
[ "$bad" = "$(num corrupted "$in")" ] || fail "tshark found $bad bad packets, $(num corrupted "$in") were corrupted"
[ "$good" -gt 100 ] || fail "tshark verified only $good packets"
echo "ok: tshark finds $rtx resends of ours in the capture, $good packets with good checksums, and a bad one in the $bad corrupted on the way in"
# The kernel, the receiver, saw our duplicates: it reported them with
# D-SACKs (RFC 2883), which our TCP counted.
dsack=$(IN nstat -az TcpExtTCPDSACKOldSent 2>/dev/null | awk '/TcpExtTCPDSACKOldSent/{print $2}')
[ "${dsack:-0}" -gt 0 ] || fail "the kernel sent no D-SACK for our duplicates"
[ "$(counter tcp.dsacks_received)" -gt 0 ] || fail "our TCP counted no D-SACK"
echo "ok: the kernel sent $dsack D-SACKs for our duplicates; we counted $(counter tcp.dsacks_received)"

# --- 2. a delay, seen by ping --------------------------------------------------
stack_start "$NS" pp0 192.0.2.2/24 --impair 'delay 40ms' --impair-in 'delay 20ms'
IN ping -c 5 -i 0.2 -W 2 192.0.2.2 >"$PP_TMP/ping.txt" || { cat "$PP_TMP/ping.txt"; fail "ping"; }
avg=$(sed -nE 's|.*= [0-9.]+/([0-9.]+)/.*|\1|p' "$PP_TMP/ping.txt")
awk -v a="$avg" 'BEGIN { exit !(a >= 59 && a < 200) }' || fail "ping's average $avg ms is not 60 ms and a little"
echo "ok: ping's round trip through 40 ms out and 20 ms in: $avg ms"
stop

# --- 3. bad words: a usage error, exit 2, nothing made --------------------------
for w in "loss 2" "delay 5" "rate 1mbps" "loss 150%" "jitter 1ms"; do
    msg=$(IN "$PORTPLEX" stack --tun pp9 --addr 192.0.2.2/24 --impair "$w" 2>&1)
    rc=$?
    [ $rc = 2 ] || fail "--impair '$w' exited $rc"
    grep -q "impair" <<<"$msg" || fail "--impair '$w': $msg"
done
IN ip link show pp9 >/dev/null 2>&1 && fail "a device was made for a usage error"
echo "ok: bad impairments are usage errors (exit 2), no device made"
