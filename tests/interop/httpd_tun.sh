#!/bin/bash
# httpd_tun.sh - `portplex httpd` on portplex's own stack (--stack tun:...)
# in a fresh network namespace, asked by the Linux kernel's TCP: the same
# raw-socket suite as the kernel backend (tests/tools/httpd_suite.py), curl
# fetching a 3 MiB file with SHA-256 compared, ab with 2,000 connections,
# ab -k (HTTP/1.0 keep-alive), a precompressed file, HTTPS (TLS through a BIO on our TCP),
# slowloris with more connections than --max-conns while a probe is served,
# and the same server as `portplex stack --serve http:PORT:DIR`.
set -u
PORTPLEX=$1
. "$(dirname "$0")/../lib/interop.bash"
SUITE="$(cd "$(dirname "$0")" && pwd)/../tools/httpd_suite.py"

need_root
need_tools ip curl ab sha256sum openssl
need_python
need_tun

netns_new NS
IN() { ip netns exec "$NS" "$@"; }
T=$PP_TMP
$PY "$SUITE" make-root "$T" || fail "fixture"

ip netns exec "$NS" "$PORTPLEX" httpd --root "$T/root" --stack tun:pph0:192.0.2.2/24 --listen 80 --timeout 5 \
    --max-conns 8 --log "$T/access.log" >"$T/httpd.out" 2>"$T/httpd.err" &
HPID=$!
wait_for "$T/httpd.out" "is up"
grep -q "serving http on tcp port 80" "$T/httpd.out" || fail "no http service: $(cat "$T/httpd.out")"

IN $PY "$SUITE" run 192.0.2.2 80 "$T" || fail "httpd suite failed on the portplex backend"

want=$(sha256sum <"$T/root/big.bin" | cut -d' ' -f1)
got=$(IN curl -s --max-time 30 http://192.0.2.2/big.bin | sha256sum | cut -d' ' -f1)
[ "$got" = "$want" ] || fail "3 MiB over portplex TCP: SHA-256 differs"
echo "ok: curl fetched 3 MiB over portplex's TCP, SHA-256 equal"

IN ab -q -n 2000 -c 16 http://192.0.2.2/ten.txt >"$T/ab.txt" 2>&1 || { cat "$T/ab.txt"; fail "ab"; }
grep -qE '^Failed requests: +0' "$T/ab.txt" && grep -qE '^Complete requests: +2000' "$T/ab.txt" \
    || { cat "$T/ab.txt"; fail "ab over portplex"; }
echo "ok: ab, 2000 connections: $(grep 'Requests per second' "$T/ab.txt")"

IN ab -q -k -n 500 -c 4 http://192.0.2.2/ten.txt >"$T/abk.txt" 2>&1 || { cat "$T/abk.txt"; fail "ab -k"; }
grep -qE '^Keep-Alive requests: +500' "$T/abk.txt" || { cat "$T/abk.txt"; fail "ab -k (HTTP/1.0 keep-alive) over portplex"; }
echo "ok: ab -k, 500 HTTP/1.0 requests on kept-alive connections: $(grep 'Requests per second' "$T/abk.txt")"

for i in $(seq 1 40); do echo "console.log('line $i');"; done >"$T/root/app.js"
gzip -9 -k "$T/root/app.js"
IN curl -s --compressed -H 'Accept-Encoding: gzip' http://192.0.2.2/app.js | cmp -s - "$T/root/app.js" \
    || fail "precompressed app.js.gz over portplex"
IN curl -s -D - -o /dev/null -H 'Accept-Encoding: gzip' http://192.0.2.2/app.js | grep -q '^Content-Encoding: gzip' \
    || fail "no Content-Encoding: gzip over portplex"
echo "ok: app.js.gz served for Accept-Encoding: gzip over portplex"

# Slowloris: 24 connections that never finish their head, against 8 threads.
IN $PY - <<'PY' || fail "slowloris over portplex"
import socket, time, urllib.request
slow = []
for i in range(24):
    s = socket.create_connection(("192.0.2.2", 80), timeout=10)
    s.sendall(b"GET / HTTP/1.1\r\nHost: t\r\n")
    slow.append(s)
time.sleep(0.5)
t0 = time.time()
body = urllib.request.urlopen("http://192.0.2.2/ten.txt", timeout=5).read()
dt = time.time() - t0
assert body == b"0123456789", body
got408 = 0
for s in slow:
    try:
        s.settimeout(8)
        if s.recv(100).startswith(b"HTTP/1.1 408"):
            got408 += 1
    except OSError:
        pass
assert got408 >= 16, "only %d of 24 slow connections got 408" % got408
print("ok: probe served in %.0f ms during slowloris; %d/24 slow connections got 408" % (dt * 1000, got408))
PY

kill -TERM $HPID
wait $HPID || fail "httpd on tun exited $? on SIGTERM"
reqs=$(wc -l <"$T/access.log")
[ "$reqs" -gt 2100 ] || fail "access log has only $reqs lines"

# The same server as a service of `portplex stack`.
stack_start "$NS" pph1 198.51.100.2/24 --serve http:8080:"$T/root"
body=$(IN curl -s --max-time 5 http://198.51.100.2:8080/sub/a.txt)
[ "$body" = "in sub" ] || fail "stack --serve http: got '$body'"
code=$(IN curl -s -o /dev/null -w '%{http_code}' --max-time 5 --path-as-is http://198.51.100.2:8080/../secret.txt)
[ "$code" = 400 ] || fail "stack --serve http: traversal got $code"
kill -TERM $STACK_PID
wait $STACK_PID || fail "stack exited $?"
echo "ok: stack --serve http:8080:DIR serves the same tree"

# HTTPS on portplex's TCP: OpenSSL through a BIO over our sockets.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" \
    -days 2 -subj /CN=pp -addext subjectAltName=IP:203.0.113.2 >/dev/null 2>&1 || fail "openssl req"
printf 'not really brotli' >"$T/root/app.js.br"
ip netns exec "$NS" "$PORTPLEX" httpd --root "$T/root" --stack tun:pph2:203.0.113.2/24 --listen 443 --timeout 5 \
    --tls-cert "$T/cert.pem" --tls-key "$T/key.pem" --header 'X-Test: on portplex' --cache-control 'max-age=5' \
    --index nope.html --index index.html >"$T/tls.out" 2>"$T/tls.err" &
HPID=$!
wait_for "$T/tls.out" "is up"
got=$(IN curl -s --max-time 30 --cacert "$T/cert.pem" https://203.0.113.2/big.bin | sha256sum | cut -d' ' -f1)
[ "$got" = "$want" ] || fail "3 MiB over TLS over portplex TCP: SHA-256 differs"
for v in 1.2 1.3; do
    IN curl -sv --max-time 10 --cacert "$T/cert.pem" --tlsv$v --tls-max $v -o /dev/null https://203.0.113.2/ten.txt 2>&1 \
        | grep -q "SSL connection using TLSv$v" || fail "TLS $v over portplex"
done
alpn=$(echo | IN timeout 10 openssl s_client -connect 203.0.113.2:443 -alpn http/1.1 -CAfile "$T/cert.pem" 2>/dev/null \
    | sed -n 's/^ALPN protocol: //p')
[ "$alpn" = http/1.1 ] || fail "ALPN over portplex chose '$alpn'"
# The options and the encodings over TLS on our stack.
hdrs=$(IN curl -s --max-time 10 --cacert "$T/cert.pem" -D - -o /dev/null -H 'Accept-Encoding: gzip, br' https://203.0.113.2/app.js)
grep -q $'^X-Test: on portplex\r$' <<<"$hdrs" && grep -q $'^Cache-Control: max-age=5\r$' <<<"$hdrs" \
    && grep -q $'^Content-Encoding: br\r$' <<<"$hdrs" || fail "options and br over TLS on portplex: $hdrs"
code=$(IN curl -s --max-time 10 --cacert "$T/cert.pem" -o /dev/null -w '%{http_code} %{content_type}' \
    -H 'Range: bytes=0-9,2000000-2000009' https://203.0.113.2/big.bin)
case $code in "206 multipart/byteranges; boundary="*) ;; *) fail "two ranges over TLS on portplex: $code" ;; esac
IN curl -s --max-time 10 --cacert "$T/cert.pem" https://203.0.113.2/ | grep -q 'portplex test root' \
    || fail "--index nope.html --index index.html over TLS on portplex"
kill -TERM $HPID
wait $HPID || fail "httpd (TLS) on tun exited $? on SIGTERM"
echo "ok: HTTPS over portplex's TCP: 3 MiB with SHA-256 equal, TLS 1.2 and 1.3, ALPN http/1.1, --header, --cache-control, br, multipart ranges"
echo PASS
