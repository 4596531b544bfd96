#!/bin/bash
# httpd.sh - `portplex httpd` against nginx, same run, same machine: wrk with
# keep-alive, a 1 KiB file, 64 connections; nginx with 2 workers, sendfile
# on, access log off; ours with its access log off too.  Server pinned to
# CPU 0 and wrk to CPU 1 (taskset).  Each server is measured ROUNDS times,
# alternating, and the best run of each counts.  As root it also compares
# our server on portplex's stack over TUN with the same server on the
# kernel's stack, both in a fresh network namespace.
# Usage: bench/httpd.sh build/portplex [SECONDS] [ROUNDS]
# Last line: ratio=<ours_rps/nginx_rps> ours=<req/s> peer=<req/s> unit=req/s
set -u
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
cat >"$T/nginx.conf" <<CONF
worker_processes 2;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    keepalive_timeout 60;
    client_body_temp_path $T/nginx;
    proxy_temp_path $T/nginx;
    fastcgi_temp_path $T/nginx;
    uwsgi_temp_path $T/nginx;
    scgi_temp_path $T/nginx;
    types { application/octet-stream bin; }
    server { listen 127.0.0.1:$NGPORT; root $T/root; }
}
CONF
taskset -c 0 nginx -c "$T/nginx.conf" -g 'daemon off;' 2>"$T/nginx.err" &
PIDS+=($!)
taskset -c 0 "$P" httpd --root "$T/root" --listen 127.0.0.1:$OURPORT --max-conns 256 >"$T/ours.out" 2>&1 &
PIDS+=($!)
taskset -c 0 "$P" httpd --root "$T/root" --listen 127.0.0.1:$NCPORT --max-conns 256 --no-cache >"$T/nc.out" 2>&1 &
PIDS+=($!)
sleep 1
curl -sf -o /dev/null http://127.0.0.1:$NGPORT/1k.bin || { cat "$T/nginx.err" "$T/nginx/error.log"; echo "nginx did not start"; exit 1; }
curl -sf -o /dev/null http://127.0.0.1:$OURPORT/1k.bin || { cat "$T/ours.out"; echo "httpd did not start"; exit 1; }

rps() { # rps URL: requests/s of one wrk run on CPU 1
    taskset -c 1 wrk -t1 -c64 -d"${SECS}s" "$1" 2>&1 | awk '/^Requests\/sec/ {print $2}'
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

if [ "$(id -u)" = 0 ] && [ -c /dev/net/tun ]; then
    # portplex's stack over TUN vs the kernel's, both in one namespace: the
    # same server, the same wrk, only the TCP/IP below the server differs.
    NS=ppbh$$
    ip netns add $NS && ip -n $NS link set lo up
    ip netns exec $NS taskset -c 0 "$P" httpd --root "$T/root" --stack tun:ppb0:192.0.2.2/24 --listen 80 \
        >"$T/tun.out" 2>&1 &
    ip netns exec $NS taskset -c 0 "$P" httpd --root "$T/root" --listen 127.0.0.1:8080 >"$T/kern.out" 2>&1 &
    sleep 1.5
    tun=$(ip netns exec $NS taskset -c 1 wrk -t1 -c64 -d"${SECS}s" http://192.0.2.2/1k.bin 2>&1 | awk '/^Requests\/sec/ {print $2}')
    kern=$(ip netns exec $NS taskset -c 1 wrk -t1 -c64 -d"${SECS}s" http://127.0.0.1:8080/1k.bin 2>&1 | awk '/^Requests\/sec/ {print $2}')
    echo "in a netns: httpd on portplex over TUN ${tun:-?} r/s, on the kernel's stack ${kern:-?} r/s," \
        "ratio $(awk -v a="${tun:-0}" -v b="${kern:-1}" 'BEGIN {printf "%.2f", a / b}')"
fi
echo "ratio=$(awk -v a="$best_ours" -v b="$best_ng" 'BEGIN {printf "%.2f", a / b}') ours=$best_ours peer=$best_ng unit=req/s"
