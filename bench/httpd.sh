#!/bin/bash
# httpd.sh - `portplex httpd` against nginx, same run, same machine: wrk with
# keep-alive, a 1 KiB file, at 64 connections, at 10,000 connections (our
# thread per connection against nginx's event loop; resident memory per
# connection reported for both) and over HTTPS at 64 connections with the
# same certificate (ECDSA P-256); nginx with 2 workers, sendfile on, access
# log off; ours with its access log off too.  Servers pinned to CPU 0 and
# wrk to CPU 1 (taskset).  Each case is measured ROUNDS times, alternating,
# and the best run of each counts.  As root it also compares our server on
# portplex's stack over TUN with the same server on the kernel's stack,
# both in a fresh network namespace.
# Usage: bench/httpd.sh build/portplex [SECONDS] [ROUNDS]
# Last line: ratio=<smallest> c64=<r> c10k=<r> https=<r> tun=<r> ours=<c64 req/s> peer=<nginx c64 req/s> unit=req/s
set -u
source "$(dirname "$0")/nginx_conf.sh"
P=$(realpath "$1")
SECS=${2:-5}
ROUNDS=${3:-3}
for t in wrk nginx taskset; do
    command -v $t >/dev/null || { echo "needs $t (apt-get install -y wrk nginx-light util-linux)"; exit 1; }
done
T=$(mktemp -d /tmp/pp_bench_httpd.XXXXXX)
PIDS=()
NS=
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    if [ -n "$NS" ]; then
        for p in $(ip netns pids "$NS" 2>/dev/null); do kill "$p" 2>/dev/null; done
        sleep 0.3
        ip netns del "$NS" 2>/dev/null
    fi
    rm -rf "$T"
}
trap cleanup EXIT
mkdir -p "$T/root" "$T/nginx"
head -c 1024 /dev/urandom >"$T/root/1k.bin"
chmod 755 "$T" "$T/root" && chmod 644 "$T/root/1k.bin" # nginx workers run as www-data
NGPORT=$((20000 + RANDOM % 10000))
OURPORT=$((NGPORT + 1))
NCPORT=$((NGPORT + 2))
NGTLS=$((NGPORT + 3))
OURTLS=$((NGPORT + 4))
OURBIG=$((NGPORT + 5))
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" \
    -days 2 -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1 || { echo "openssl req failed"; exit 1; }
chmod 644 "$T/key.pem"
cat >"$T/nginx.conf" <<CONF
worker_processes 2;
worker_rlimit_nofile 20000;
$(nginx_private_lines "$T/nginx")
events { worker_connections 12000; }
http {
    $(nginx_http_lines "$T/nginx")
    keepalive_requests 1000000;
    keepalive_timeout 60;
    types { application/octet-stream bin; }
    server { listen 127.0.0.1:$NGPORT; root $T/root; }
    server {
        listen 127.0.0.1:$NGTLS ssl;
        root $T/root;
        ssl_certificate $T/cert.pem;
        ssl_certificate_key $T/key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
    }
}
CONF
taskset -c 0 nginx -c "$T/nginx.conf" -g 'daemon off;' 2>"$T/nginx.err" &
PIDS+=($!)
taskset -c 0 "$P" httpd --root "$T/root" --listen 127.0.0.1:$OURPORT --max-conns 256 >"$T/ours.out" 2>&1 &
PIDS+=($!)
taskset -c 0 "$P" httpd --root "$T/root" --listen 127.0.0.1:$NCPORT --max-conns 256 --no-cache >"$T/nc.out" 2>&1 &
PIDS+=($!)
taskset -c 0 "$P" httpd --root "$T/root" --listen 127.0.0.1:$OURTLS --max-conns 256 \
    --tls-cert "$T/cert.pem" --tls-key "$T/key.pem" >"$T/tls.out" 2>&1 &
PIDS+=($!)
taskset -c 0 "$P" httpd --root "$T/root" --listen 127.0.0.1:$OURBIG --max-conns 10000 >"$T/big.out" 2>&1 &
BIGPID=$!
PIDS+=($!)
sleep 1
curl -sf -o /dev/null http://127.0.0.1:$NGPORT/1k.bin || { cat "$T/nginx.err" "$T/nginx/error.log"; echo "nginx did not start"; exit 1; }
curl -sf -o /dev/null http://127.0.0.1:$OURPORT/1k.bin || { cat "$T/ours.out"; echo "httpd did not start"; exit 1; }

rps() { # rps URL [CONNECTIONS]: requests/s of one wrk run on CPU 1
    taskset -c 1 wrk -t1 -c"${2:-64}" -d"${SECS}s" "$1" 2>&1 | awk '/^Requests\/sec/ {print $2}'
}
best() { awk -v a="$1" -v b="$2" 'BEGIN {print (b > a ? b : a)}'; }
rss_kb() { # rss_kb PID...: resident KiB of these processes together
    local p t=0
    for p in "$@"; do t=$((t + $(awk '/^VmRSS/ {print $2}' /proc/$p/status 2>/dev/null || echo 0))); done
    echo $t
}
best_ours=0
best_ng=0
# The file cache (1 s validity) is on by default in ours and off by default
# in nginx (open_file_cache); the --no-cache column shows ours without it.
printf '%-8s %14s %20s %14s\n' round "portplex r/s" "portplex --no-cache" "nginx r/s"
for r in $(seq "$ROUNDS"); do
    o=$(rps http://127.0.0.1:$OURPORT/1k.bin)
    x=$(rps http://127.0.0.1:$NCPORT/1k.bin)
    n=$(rps http://127.0.0.1:$NGPORT/1k.bin)
    printf '%-8s %14s %20s %14s\n' "$r" "$o" "$x" "$n"
    best_ours=$(awk -v a="$best_ours" -v b="$o" 'BEGIN {print (b > a ? b : a)}')
    best_ng=$(awk -v a="$best_ng" -v b="$n" 'BEGIN {print (b > a ? b : a)}')
done

# 10,000 connections: one thread each on our side.  Resident memory is
# sampled in the middle of the run, minus what the server held idle.
NGPIDS=$(pgrep -f "nginx: worker process" | tr '\n' ' ')
NGMASTER=$(cat "$T/nginx/nginx.pid")
base_ours=$(rss_kb $BIGPID)
base_ng=$(rss_kb $NGMASTER $NGPIDS)
best_big=0 best_ngbig=0 per_ours=0 per_ng=0
printf '%-8s %16s %16s %18s %18s\n' round "portplex c10k" "nginx c10k" "portplex KiB/conn" "nginx KiB/conn"
for r in $(seq "$ROUNDS"); do
    ( sleep $((SECS / 2 + 1)); rss_kb $BIGPID >"$T/rss_o" ) &
    sampler=$!
    o=$(rps http://127.0.0.1:$OURBIG/1k.bin 10000)
    wait $sampler
    ( sleep $((SECS / 2 + 1)); rss_kb $NGMASTER $NGPIDS >"$T/rss_n" ) &
    sampler=$!
    n=$(rps http://127.0.0.1:$NGPORT/1k.bin 10000)
    wait $sampler
    po=$(awk -v a="$(cat "$T/rss_o")" -v b="$base_ours" 'BEGIN {printf "%.1f", (a - b) / 10000}')
    pn=$(awk -v a="$(cat "$T/rss_n")" -v b="$base_ng" 'BEGIN {printf "%.1f", (a - b) / 10000}')
    printf '%-8s %16s %16s %18s %18s\n' "$r" "$o" "$n" "$po" "$pn"
    best_big=$(best "$best_big" "$o")
    best_ngbig=$(best "$best_ngbig" "$n")
    per_ours=$po per_ng=$pn
done

# HTTPS at 64 connections, the same certificate on both.
best_tls=0 best_ngtls=0
printf '%-8s %16s %16s\n' round "portplex https" "nginx https"
for r in $(seq "$ROUNDS"); do
    o=$(rps https://127.0.0.1:$OURTLS/1k.bin)
    n=$(rps https://127.0.0.1:$NGTLS/1k.bin)
    printf '%-8s %16s %16s\n' "$r" "$o" "$n"
    best_tls=$(best "$best_tls" "$o")
    best_ngtls=$(best "$best_ngtls" "$n")
done

ratio_tun=
if [ "$(id -u)" = 0 ] && [ -c /dev/net/tun ]; then
    # portplex's stack over TUN vs the kernel's, both in one namespace: the
    # same server, the same wrk, only the TCP/IP below the server differs.
    NS=ppbh$$
    ip netns add $NS && ip -n $NS link set lo up
    ip netns exec $NS taskset -c 0 "$P" httpd --root "$T/root" --stack tun:ppb0:192.0.2.2/24 --listen 80 \
        >"$T/tun.out" 2>&1 &
    ip netns exec $NS taskset -c 0 "$P" httpd --root "$T/root" --listen 127.0.0.1:8080 >"$T/kern.out" 2>&1 &
    sleep 1.5
    best_tun=0 best_kern=0
    for r in $(seq "$ROUNDS"); do
        tun=$(ip netns exec $NS taskset -c 1 wrk -t1 -c64 -d"${SECS}s" http://192.0.2.2/1k.bin 2>&1 | awk '/^Requests\/sec/ {print $2}')
        kern=$(ip netns exec $NS taskset -c 1 wrk -t1 -c64 -d"${SECS}s" http://127.0.0.1:8080/1k.bin 2>&1 | awk '/^Requests\/sec/ {print $2}')
        best_tun=$(best "$best_tun" "${tun:-0}")
        best_kern=$(best "$best_kern" "${kern:-0}")
    done
    ratio_tun=$(awk -v a="$best_tun" -v b="$best_kern" 'BEGIN {printf "%.2f", a / b}')
    echo "in a netns: httpd on portplex over TUN $best_tun r/s, on the kernel's stack $best_kern r/s, ratio $ratio_tun"
fi
c64=$(awk -v a="$best_ours" -v b="$best_ng" 'BEGIN {printf "%.2f", a / b}')
c10k=$(awk -v a="$best_big" -v b="$best_ngbig" 'BEGIN {printf "%.2f", a / b}')
https=$(awk -v a="$best_tls" -v b="$best_ngtls" 'BEGIN {printf "%.2f", a / b}')
echo "10,000 connections: portplex ${per_ours} KiB resident per connection, nginx ${per_ng}"
smallest=$(printf '%s\n' "$c64" "$c10k" "$https" ${ratio_tun:+"$ratio_tun"} | sort -g | head -1)
echo "ratio=$smallest c64=$c64 c10k=$c10k https=$https tun=${ratio_tun:-n/a} ours=$best_ours peer=$best_ng unit=req/s"
