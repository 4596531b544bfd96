#!/bin/bash
# bench/loss.sh - TCP loss recovery against Linux's, same run, same file:
# `portplex stack --serve http:80:DIR` behind a TUN device, and nginx
# (sendfile) on the kernel's TCP across a veth pair, each in fresh network
# namespaces, each fetched by the kernel's curl.  Loss is made by nftables
# in the client's namespace, the same rules for both servers: data packets
# coming in (tcp sport 80) and ACKs going out (tcp dport 80) are dropped at
# random ("numgen random", as iptables' statistic match), and the burst cell
# drops runs of 4 data packets in every 200 ("numgen inc").  SYNs are
# spared: a lost SYN costs both sides the same 1 s timeout and would hide
# the recovery being measured.  Both links use
# segmentation offload, so a dropped packet may be a whole burst.
#
# Each cell runs RUNS times (default 3) on each side and takes the median;
# the ratio is the kernel's time over ours (above 1: we are faster).  Every
# download is compared with the file.  Ours also reports its counters per
# cell: RTOs, SACK/fast retransmissions, RACK losses, loss probes and undos;
# and the kernel's server its RTOs and loss probes (nstat), for comparison.
# Last line: ratio=<smallest> <cell>=<ratio>... unit=ratio
# Usage: bench/loss.sh build/portplex [MB] [RUNS]        (root)
set -u
source "$(dirname "$0")/nginx_conf.sh"
P=$(readlink -f "${1:-build/portplex}")
MB=${2:-100}
RUNS=${3:-3}
[ "$(id -u)" = 0 ] || { echo "needs root (network namespaces, nftables)"; exit 1; }
for t in nginx nft curl; do
    command -v $t >/dev/null || { echo "needs $t (apt-get install -y nginx-light nftables curl)"; exit 1; }
done
TNS=pplT$$ ANS=pplA$$ BNS=pplB$$
D=$(mktemp -d /tmp/pp-loss.XXXXXX)
cleanup() {
    local ns p
    for ns in $TNS $ANS $BNS; do
        for p in $(ip netns pids $ns 2>/dev/null); do kill $p 2>/dev/null; done
    done
    sleep 0.5
    for ns in $TNS $ANS $BNS; do
        for p in $(ip netns pids $ns 2>/dev/null); do kill -9 $p 2>/dev/null; done
        ip netns del $ns 2>/dev/null
    done
    rm -rf "$D"
}
trap cleanup EXIT
mkdir -p "$D/root" "$D/nginx"
head -c $((MB << 20)) /dev/urandom >"$D/root/file.bin"
chmod 755 "$D" "$D/root" && chmod 644 "$D/root/file.bin" # nginx workers run as www-data

# The kernel's server: nginx on a veth pair, A (client) 192.0.2.1 - B 192.0.2.2.
ip netns add $ANS; ip netns add $BNS
ip link add va netns $ANS type veth peer name vb netns $BNS
ip -n $ANS addr add 192.0.2.1/24 dev va; ip -n $BNS addr add 192.0.2.2/24 dev vb
for ns in $ANS $BNS; do ip -n $ns link set lo up; done
ip -n $ANS link set va up; ip -n $BNS link set vb up
cat >"$D/nginx.conf" <<CONF
worker_processes 1;
$(nginx_private_lines "$D/nginx")
events { worker_connections 64; }
http {
    $(nginx_http_lines "$D/nginx")
    types { application/octet-stream bin; }
    server { listen 192.0.2.2:80; root $D/root; }
}
CONF
# The kernel's server runs the congestion control ours runs, CUBIC (Debian's
# default), unless LOSS_KERNEL_CC names another: a machine whose default is
# BBR would otherwise set a model that ignores random loss against loss
# recovery with CUBIC's backoff (LOSS_KERNEL_CC=bbr shows that comparison).
# A namespace may only pick an algorithm on the global allowed list, so the
# list is widened for the one sysctl and put back at once.
KCC=${LOSS_KERNEL_CC:-cubic}
if [ "$(ip netns exec $BNS sysctl -n net.ipv4.tcp_congestion_control)" != "$KCC" ]; then
    allowed=$(sysctl -n net.ipv4.tcp_allowed_congestion_control)
    sysctl -qw net.ipv4.tcp_allowed_congestion_control="$allowed $KCC" 2>/dev/null
    ip netns exec $BNS sysctl -qw net.ipv4.tcp_congestion_control="$KCC"
    sysctl -qw net.ipv4.tcp_allowed_congestion_control="$allowed"
fi
[ "$(ip netns exec $BNS sysctl -n net.ipv4.tcp_congestion_control)" = "$KCC" ] ||
    { echo "the kernel cannot run $KCC here (net.ipv4.tcp_available_congestion_control)"; exit 1; }
ip netns exec $BNS nginx -c "$D/nginx.conf" -g 'daemon off;' 2>"$D/nginx.err" &

# Ours: the stack on TUN pp0 in T, the kernel's side of pp0 is 192.0.2.1.
ip netns add $TNS; ip -n $TNS link set lo up
start_ours() {
    ip netns exec $TNS "$P" stack --tun pp0 --addr 192.0.2.2/24 --serve "http:80:$D/root" >"$D/ours.out" 2>&1 &
    OURPID=$!
    for _ in $(seq 100); do # until it takes connections
        ip netns exec $TNS timeout 1 bash -c 'exec 3<>/dev/tcp/192.0.2.2/80' 2>/dev/null && break
        sleep 0.1
    done
}
stop_ours() { # leaves the stack's loss counters in $D/counters: rto sack fast rack tlp undo
    kill -INT $OURPID 2>/dev/null
    wait $OURPID 2>/dev/null # (not in a subshell: there it would not wait)
    awk '{n = $NF} n == "(tcp.retransmits)" {r = $1} n == "(tcp.sack_retransmits)" {s = $1}
         n == "(tcp.fast_retransmits)" {f = $1} n == "(tcp.rack_lost)" {k = $1}
         n == "(tcp.loss_probes)" {t = $1} n == "(tcp.undos)" {u = $1}
         END {printf "%d %d %d %d %d %d\n", r, s, f, k, t, u}' "$D/ours.out" >"$D/counters"
}

rules() { # rules NS IF DATA ACKS BURST: loss in per ten thousand, BURST 1 = runs of 4
    ip netns exec "$1" nft delete table inet pploss 2>/dev/null
    ip netns exec "$1" nft -f - <<NFT
table inet pploss {
    chain in { type filter hook input priority 0; policy accept;
        $( [ "$3" -gt 0 ] && echo "iifname $2 tcp sport 80 tcp flags & syn == 0 numgen random mod 10000 < $3 drop" )
        $( [ "$5" = 1 ] && echo "iifname $2 tcp sport 80 tcp flags & syn == 0 numgen inc mod 200 < 4 drop" )
    }
    chain out { type filter hook output priority 0; policy accept;
        $( [ "$4" -gt 0 ] && echo "oifname $2 tcp dport 80 tcp flags & syn == 0 numgen random mod 10000 < $4 drop" )
    }
}
NFT
}

fetch() { # fetch NS: seconds of one download (or "fail")
    local out
    local rc
    out=$(ip netns exec "$1" curl -s --max-time 300 -o "$D/got" -w '%{time_total}' http://192.0.2.2/file.bin)
    rc=$?
    if [ $rc -ne 0 ] || ! cmp -s "$D/got" "$D/root/file.bin"; then
        echo "$1: curl exit $rc after ${out}s, $(stat -c %s "$D/got" 2>/dev/null || echo 0) bytes," \
            "$(cmp "$D/got" "$D/root/file.bin" 2>&1 | head -1)" >>"$D/failures"
        echo fail
    else
        echo "$out"
    fi
    rm -f "$D/got"
}
# The kernel's server's own counters for the cell (nstat's deltas in its
# namespace, with a history file of our own): RTOs and loss probes.
kstat_reset() { ip netns exec $BNS env NSTAT_HISTORY="$D/nstat.hist" nstat -n >/dev/null 2>&1; }
kstat() {
    ip netns exec $BNS env NSTAT_HISTORY="$D/nstat.hist" nstat -z TcpExtTCPTimeouts TcpExtTCPLossProbes 2>/dev/null |
        awk '$1 == "TcpExtTCPTimeouts" {r = $2} $1 == "TcpExtTCPLossProbes" {t = $2} END {printf "%d %d\n", r, t}'
}
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR] = $1} END {print (NR ? a[int((NR + 1) / 2)] : "fail")}'; }

start_ours
ip netns exec $ANS curl -sf -o /dev/null http://192.0.2.2/file.bin || { cat "$D/nginx.err"; echo "nginx did not start"; exit 1; }
ip netns exec $TNS curl -sf -o /dev/null http://192.0.2.2/file.bin || { cat "$D/ours.out"; echo "portplex stack did not serve"; exit 1; }
stop_ours

# cell name, data loss and ACK loss in per ten thousand, burst
ALL_CELLS="none:0:0:0 0.5/0:50:0:0 1/1:100:100:0 2/0:200:0:0 2/2:200:200:0 5/0:500:0:0 burst4:0:0:1"
# LOSS_CELLS="2/2 burst4" runs only those cells (names as in the table).
CELLS=""
for c in $ALL_CELLS; do
    case " ${LOSS_CELLS:-${c%%:*}} " in *" ${c%%:*} "*) CELLS="$CELLS $c" ;; esac
done
echo "# ours: CUBIC; the kernel's server: $KCC"
printf '%-8s %-22s %-22s %7s  %s\n' "loss" "portplex s (runs)" "Linux s (runs)" "ratio" "ours: RTOs sack-rtx fast-rtx rack-lost tlp undo | Linux: RTOs tlp"
summary="" smallest="" bad=0
for cell in $CELLS; do
    IFS=: read -r name dl al burst <<<"$cell"
    start_ours
    rules $TNS pp0 "$dl" "$al" "$burst"
    rules $ANS va "$dl" "$al" "$burst"
    ours="" peer=""
    kstat_reset
    for _ in $(seq "$RUNS"); do
        ours="$ours $(fetch $TNS)"
        peer="$peer $(fetch $ANS)"
    done
    stop_ours
    counters="$(cat "$D/counters") | $(kstat)"
    mo=$(echo $ours | median) mp=$(echo $peer | median)
    case "$ours $peer" in *fail*) bad=1 ;; esac
    r=$(awk -v o="$mo" -v p="$mp" 'BEGIN { if (o + 0 > 0 && p + 0 > 0) printf "%.2f", p / o; else print "fail" }')
    printf '%-8s %-22s %-22s %7s  %s\n' "$name" "$(echo $ours)" "$(echo $peer)" "$r" "$counters"
    summary="$summary $name=$r"
    if [ "$r" = fail ]; then bad=1; elif [ -z "$smallest" ] || awk -v a="$r" -v b="$smallest" 'BEGIN {exit !(a < b)}'; then smallest=$r; fi
done
[ "$bad" = 0 ] || { echo "a download failed or differed from the file:"; cat "$D/failures" 2>/dev/null; }
echo "ratio=${smallest:-0}$summary unit=ratio"
