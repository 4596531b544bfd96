#!/bin/bash
# httpd.sh - `portplex httpd` on the kernel's sockets, on 127.0.0.1 (and ::1
# where the kernel has it), against real clients: the raw-socket suite
# (tests/tools/httpd_suite.py), curl over IPv6, ab for 10,000 connections
# with the descriptor count back where it started, slowhttptest (slowloris)
# with more connections than --max-conns while a curl probe is still served,
# goaccess reading the access log, and SIGTERM under wrk load that lets an
# in-flight download finish.  Option errors exit 2.
set -u
P=$1
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/interop.bash"
need_tools curl ab wrk slowhttptest goaccess
PY=/usr/bin/python3
[ -x $PY ] || skip "needs /usr/bin/python3"
SUITE="$HERE/../tools/httpd_suite.py"
T=$PP_TMP
PIDS=()
cleanup_servers() { local p; for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; }
trap 'cleanup_servers; netns_cleanup' EXIT

# start_server OUTFILE ARGS...: starts httpd, sets PORT and SPID.
start_server() {
    local out=$1
    shift
    "$P" httpd "$@" >"$out" 2>"$out.err" &
    SPID=$!
    PIDS+=("$SPID")
    wait_for "$out" "serving .* on port"
    PORT=$(sed -n 's/.* on port \([0-9]*\) .*/\1/p' "$out")
    [ -n "$PORT" ] || fail "no port in $(cat "$out")"
}
usage() { # usage WANT_EXIT PATTERN ARGS...
    local want=$1 pat=$2 out rc
    shift 2
    out=$("$P" httpd "$@" 2>&1)
    rc=$?
    [ $rc = "$want" ] || fail "httpd $* exited $rc, wanted $want: $out"
    grep -q -- "$pat" <<<"$out" || fail "httpd $*: message lacks '$pat': $out"
}

echo "== option errors"
usage 2 "--root DIR is required"
usage 2 "max-conns must be 1-65536" --root / --max-conns 0
usage 2 "timeout must be" --root / --timeout x
usage 2 "unknown option" --root / --frobnicate
usage 2 "--stack wants" --root / --stack foo
usage 1 "cannot serve" --root /nonexistent/dir
usage 2 "not an IPv4 or IPv6 address" --root / --listen bogus:80
usage 2 "port '99999' is not 0-65535" --root / --listen 127.0.0.1:99999
usage 2 "port '99999' is not 0-65535" --root / --listen 99999
usage 2 "is not a directory" --root /etc/hostname
usage 2 "wants 'NAME: VALUE'" --root / --header NoColon
usage 2 "names a header the server sets itself" --root / --header 'Content-Length: 1'
usage 2 "is not an HTTP token" --root / --header 'Bad Name: x'
usage 2 "--index wants a file name" --root / --index ../x
usage 2 "needs a value" --root / --cache-control
usage 2 "go together" --root / --tls-cert /etc/hostname
usage 1 "cannot load the certificate" --root / --tls-cert /etc/hostname --tls-key /etc/hostname --listen 127.0.0.1:0

echo "== --index (in order), --header, --cache-control"
mkdir -p "$T/opts/d" "$T/opts/e"
echo start >"$T/opts/d/start.htm"
echo index >"$T/opts/d/index.html"
echo only-index >"$T/opts/e/index.html"
start_server "$T/opts.out" --root "$T/opts" --listen 127.0.0.1:0 --index start.htm --index index.html \
    --header 'X-Frame-Options: DENY' --header 'X-Test:  two words' --cache-control 'max-age=60'
[ "$(curl -s "http://127.0.0.1:$PORT/d/")" = start ] || fail "--index: the first name is not served first"
[ "$(curl -s "http://127.0.0.1:$PORT/e/")" = only-index ] || fail "--index: the second name is not tried"
hdrs=$(curl -s -D - -o /dev/null "http://127.0.0.1:$PORT/d/start.htm")
grep -q $'^X-Frame-Options: DENY\r$' <<<"$hdrs" || fail "--header missing: $hdrs"
grep -q $'^X-Test: two words\r$' <<<"$hdrs" || fail "--header value not as given: $hdrs"
grep -q $'^Cache-Control: max-age=60\r$' <<<"$hdrs" || fail "--cache-control missing on 200: $hdrs"
etag=$(sed -n 's/^ETag: \(.*\)\r$/\1/p' <<<"$hdrs")
hdrs=$(curl -s -D - -o /dev/null -H "If-None-Match: $etag" "http://127.0.0.1:$PORT/d/start.htm")
grep -q '^HTTP/1.1 304' <<<"$hdrs" && grep -q '^Cache-Control: max-age=60' <<<"$hdrs" \
    || fail "--cache-control missing on 304: $hdrs"
hdrs=$(curl -s -D - -o /dev/null "http://127.0.0.1:$PORT/missing")
grep -q '^HTTP/1.1 404' <<<"$hdrs" && ! grep -q '^Cache-Control' <<<"$hdrs" \
    || fail "a 404 carries Cache-Control: $hdrs"
kill -TERM $SPID
wait $SPID
echo "ok: index files tried in order; added headers and Cache-Control where they belong"

echo "== precompressed files (app.js.gz, app.js.br) and several ranges"
mkdir -p "$T/pre"
for i in $(seq 1 40); do echo "console.log('line $i of a script worth compressing');"; done >"$T/pre/app.js"
gzip -9 -k "$T/pre/app.js"
printf 'not really brotli, but the server only sends the bytes' >"$T/pre/app.js.br"
seq 1 3000 >"$T/pre/nums.txt"
start_server "$T/pre.out" --root "$T/pre" --listen 127.0.0.1:0
U="http://127.0.0.1:$PORT"
curl -s --compressed -H 'Accept-Encoding: gzip' "$U/app.js" | cmp -s - "$T/pre/app.js" \
    || fail "curl --compressed did not get app.js back from app.js.gz"
hdrs=$(curl -s -D - -o "$T/got.gz" -H 'Accept-Encoding: gzip' "$U/app.js")
cmp -s "$T/got.gz" "$T/pre/app.js.gz" || fail "the .gz bytes were not sent as they are"
grep -q $'^Content-Encoding: gzip\r$' <<<"$hdrs" && grep -q $'^Vary: Accept-Encoding\r$' <<<"$hdrs" &&
    grep -q $'^Content-Type: text/javascript' <<<"$hdrs" || fail "gzip response headers: $hdrs"
gz_etag=$(sed -n 's/^ETag: \(.*\)\r$/\1/p' <<<"$hdrs")
plain=$(curl -s -D - -o /dev/null "$U/app.js")
plain_etag=$(sed -n 's/^ETag: \(.*\)\r$/\1/p' <<<"$plain")
! grep -qi '^Content-Encoding' <<<"$plain" || fail "no Accept-Encoding, yet encoded: $plain"
[ -n "$gz_etag" ] && [ "$gz_etag" != "$plain_etag" ] || fail "the .gz shares the plain ETag ($gz_etag)"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Accept-Encoding: gzip' -H "If-None-Match: $gz_etag" "$U/app.js")
[ "$code" = 304 ] || fail "If-None-Match with the .gz ETag gave $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $gz_etag" "$U/app.js")
[ "$code" = 200 ] || fail "the .gz ETag matched the plain representation ($code)"
curl -s -o "$T/part" -H 'Accept-Encoding: gzip' -H 'Range: bytes=10-19' "$U/app.js"
cmp -s "$T/part" <(dd if="$T/pre/app.js.gz" bs=1 skip=10 count=10 2>/dev/null) \
    || fail "a range of the gzip representation is not bytes 10-19 of app.js.gz"
enc=$(curl -s -D - -o /dev/null -H 'Accept-Encoding: gzip, br' "$U/app.js" | sed -n 's/^Content-Encoding: \(.*\)\r$/\1/p')
[ "$enc" = br ] || fail "gzip and br weigh the same: br wanted, got '$enc'"
enc=$(curl -s -D - -o /dev/null -H 'Accept-Encoding: gzip;q=1, br;q=0.5' "$U/app.js" | sed -n 's/^Content-Encoding: \(.*\)\r$/\1/p')
[ "$enc" = gzip ] || fail "gzip weighs more: gzip wanted, got '$enc'"
enc=$(curl -s -D - -o /dev/null -H 'Accept-Encoding: gzip;q=0, br;q=0' "$U/app.js" | sed -n 's/^Content-Encoding: \(.*\)\r$/\1/p')
[ -z "$enc" ] || fail "q=0 refuses both codings, got '$enc'"
# Several ranges: multipart/byteranges, read back by Python's MIME parser.
curl -s -D "$T/mr.h" -o "$T/mr.body" -H 'Range: bytes=0-9,5000-5099,-5' "$U/nums.txt"
$PY - "$T/mr.h" "$T/mr.body" "$T/pre/nums.txt" <<'PYEOF' || fail "multipart/byteranges"
import email.parser, re, sys
head = open(sys.argv[1], "rb").read().decode()
body = open(sys.argv[2], "rb").read()
data = open(sys.argv[3], "rb").read()
assert head.startswith("HTTP/1.1 206"), head
ctype = re.search(r"(?im)^Content-Type: (.*)\r$", head).group(1)
assert ctype.startswith("multipart/byteranges; boundary="), ctype
assert int(re.search(r"(?im)^Content-Length: (\d+)", head).group(1)) == len(body)
msg = email.parser.BytesParser().parsebytes(b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + body)
parts = msg.get_payload()
want = [(0, 9), (5000, 5099), (len(data) - 5, len(data) - 1)]
assert len(parts) == 3, len(parts)
for p, (a, b) in zip(parts, want):
    assert p["Content-Range"] == "bytes %d-%d/%d" % (a, b, len(data)), p["Content-Range"]
    assert p["Content-Type"] == "text/plain", p["Content-Type"]
    assert p.get_payload(decode=True) == data[a:b + 1]
print("ok: 3 parts, each with its Content-Range and the right bytes")
PYEOF
# Range amplification (CVE-2011-3192): overlapping ranges or too many of them get the file once.
many="bytes=0-"; for i in $(seq 1 50); do many="$many,$i-$((i + 1000))"; done
out=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' -H "Range: $many" "$U/nums.txt")
[ "$out" = "200 $(stat -c %s "$T/pre/nums.txt")" ] || fail "overlapping ranges: got '$out', wanted the file once"
many="bytes=0-0"; for i in $(seq 1 40); do many="$many,$((i * 300))-$((i * 300))"; done
out=$(curl -s -o /dev/null -w '%{http_code}' -H "Range: $many" "$U/nums.txt")
[ "$out" = 200 ] || fail "41 ranges: got '$out', wanted 200"
kill -TERM $SPID
wait $SPID
echo "ok: .gz/.br served by weight with their own ETag, ranges and 304; multipart ranges; amplification refused"

echo "== HTTPS: TLS 1.2 and 1.3, ALPN http/1.1, stalled handshakes bounded by --timeout"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" \
    -days 2 -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1 || fail "openssl req"
start_server "$T/tls.out" --root "$T/pre" --listen 127.0.0.1:0 --tls-cert "$T/cert.pem" --tls-key "$T/key.pem" \
    --timeout 2 --max-conns 4
U="https://127.0.0.1:$PORT"
curl -s --cacert "$T/cert.pem" "$U/nums.txt" | cmp -s - "$T/pre/nums.txt" || fail "HTTPS GET"
curl -sv --cacert "$T/cert.pem" --tlsv1.3 -o /dev/null "$U/nums.txt" 2>&1 | grep -q 'SSL connection using TLSv1.3' \
    || fail "no TLS 1.3"
curl -sv --cacert "$T/cert.pem" --tlsv1.2 --tls-max 1.2 -o /dev/null "$U/nums.txt" 2>&1 \
    | grep -q 'SSL connection using TLSv1.2' || fail "no TLS 1.2"
! curl -s --cacert "$T/cert.pem" --tlsv1 --tls-max 1.1 -o /dev/null "$U/nums.txt" || fail "TLS 1.1 was accepted"
alpn=$(echo | openssl s_client -connect "127.0.0.1:$PORT" -alpn h2,http/1.1 -CAfile "$T/cert.pem" 2>/dev/null \
    | sed -n 's/^ALPN protocol: //p')
[ "$alpn" = http/1.1 ] || fail "ALPN chose '$alpn'"
[ "$(curl -s --cacert "$T/cert.pem" --http2 -o /dev/null -w '%{http_version}' "$U/nums.txt")" = 1.1 ] \
    || fail "curl --http2 did not fall back to HTTP/1.1"
# Keep-alive, ranges and the encodings work the same inside TLS.
out=$(curl -s --cacert "$T/cert.pem" -w '%{num_connects}' -o /dev/null -o /dev/null "$U/nums.txt" "$U/nums.txt")
[ "$out" = 01 ] || [ "$out" = 10 ] || [ "$out" = 1 ] || fail "two requests over one TLS connection: connects '$out'"
curl -s --cacert "$T/cert.pem" -H 'Range: bytes=10-19' "$U/nums.txt" | cmp -s - <(head -c 20 "$T/pre/nums.txt" | tail -c 10) \
    || fail "a range over TLS"
curl -s --cacert "$T/cert.pem" --compressed -H "Accept-Encoding: gzip" "$U/app.js" | cmp -s - "$T/pre/app.js" || fail "app.js.gz over TLS"
# Plain HTTP to the TLS port gets no answer in clear and the server goes on.
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$PORT/nums.txt")
[ "$code" = 000 ] || fail "plain HTTP on the TLS port got '$code'"
# Stalled handshakes: 12 connections that send nothing or half a ClientHello,
# against 4 threads; each is closed within --timeout (2 s) and a real client is served meanwhile.
$PY - "$PORT" "$T/cert.pem" <<'PYEOF' || fail "stalled TLS handshakes"
import socket, ssl, sys, time
port, cafile = int(sys.argv[1]), sys.argv[2]
stalled = []
for i in range(12):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    if i % 2:
        s.sendall(b"\x16\x03\x01\x02\x00\x01")  # a record header and one byte of a ClientHello
    stalled.append(s)
time.sleep(0.3)
t0 = time.time()
ctx = ssl.create_default_context(cafile=cafile)
with socket.create_connection(("127.0.0.1", port), timeout=15) as raw:
    with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
        tls.sendall(b"GET /nums.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while True:
            b = tls.recv(65536)
            if not b:
                break
            data += b
probe = time.time() - t0
assert data.startswith(b"HTTP/1.1 200"), data[:40]
closed = 0
for s in stalled:
    s.settimeout(6)
    try:
        if s.recv(100) == b"":
            closed += 1
    except ConnectionResetError:
        closed += 1
    except socket.timeout:
        pass
held = time.time() - t0
assert closed == 12, closed
assert probe < 8, probe
print("ok: a TLS client served in %.1f s while 12 stalled handshakes held 4 threads; all 12 closed within %.1f s" % (probe, held))
PYEOF
kill -TERM $SPID
wait $SPID
echo "ok: HTTPS with TLS 1.2/1.3 and ALPN http/1.1; ranges, keep-alive and .gz inside TLS"

echo "== the suite"
$PY "$SUITE" make-root "$T" || fail "fixture"
start_server "$T/main.out" --root "$T/root" --listen 127.0.0.1:0 --log "$T/access.log" --timeout 5
$PY "$SUITE" run 127.0.0.1 "$PORT" "$T" || fail "httpd suite failed on the kernel backend"
MAIN_PORT=$PORT MAIN_SPID=$SPID
echo "== the same suite over TLS"
start_server "$T/suite-tls.out" --root "$T/root" --listen 127.0.0.1:0 --timeout 5 \
    --tls-cert "$T/cert.pem" --tls-key "$T/key.pem"
PP_SUITE_TLS_CA="$T/cert.pem" $PY "$SUITE" run 127.0.0.1 "$PORT" "$T" || fail "httpd suite failed over TLS"
kill -TERM $SPID
wait $SPID
PORT=$MAIN_PORT SPID=$MAIN_SPID

echo "== traversal with curl --path-as-is"
for t in /../secret.txt /..%2fsecret.txt /%2e%2e/secret.txt /%2e%2e%2fsecret.txt /sub/../../secret.txt \
    /%252e%252e/secret.txt '/..\secret.txt' /..%5csecret.txt /%00/../secret.txt /escape.txt \
    /escape_rel.txt /../../../../../../etc/passwd /.%2e/.%2e/etc/passwd; do
    out=$(curl -s --path-as-is -w '\n%{http_code}' "http://127.0.0.1:$PORT$t")
    code=${out##*$'\n'}
    case $code in 400 | 403 | 404) ;; *) fail "curl --path-as-is $t got $code" ;; esac
    grep -q -e SECRET -e 'root:' <<<"$out" && fail "curl --path-as-is $t leaked a file outside the root"
done
echo "ok: 13 traversal spellings refused (400/403/404), nothing outside the root served"

echo "== small-file cache: a change shows within a second; --no-cache shows it at once"
echo one >"$T/root/changing.txt"
[ "$(curl -s "http://127.0.0.1:$PORT/changing.txt")" = one ] || fail "changing.txt"
echo two >"$T/root/changing.txt"
sleep 1.1
[ "$(curl -s "http://127.0.0.1:$PORT/changing.txt")" = two ] || fail "a changed file was still served old after 1.1 s"
rm "$T/root/changing.txt"
sleep 1.1
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/changing.txt")" = 404 ] \
    || fail "a removed file was still served after 1.1 s"

echo "== 10,000 connections with ab; descriptors back to their start"
sleep 0.5 # curl's last connection: the server closes its end when it sees the FIN
fds0=$(ls /proc/$SPID/fd | wc -l)
ab -q -n 10000 -c 32 "http://127.0.0.1:$PORT/ten.txt" >"$T/ab.txt" 2>&1 || { cat "$T/ab.txt"; fail "ab"; }
grep -qE '^Complete requests: +10000' "$T/ab.txt" || { cat "$T/ab.txt"; fail "ab did not complete 10000"; }
grep -qE '^Failed requests: +0' "$T/ab.txt" || { cat "$T/ab.txt"; fail "ab saw failures"; }
sleep 0.5
fds1=$(ls /proc/$SPID/fd | wc -l)
[ "$fds1" = "$fds0" ] || fail "descriptors: $fds0 before, $fds1 after 10,000 connections"
echo "ok: $(grep 'Requests per second' "$T/ab.txt"); $fds0 descriptors before and after"

echo "== HTTP/1.0 keep-alive (RFC 9112 C.2.2): ab -k reuses its connections, curl sees the header"
start=$(date +%s%N)
ab -q -k -n 1000 -c 4 "http://127.0.0.1:$PORT/ten.txt" >"$T/abk.txt" 2>&1 || { cat "$T/abk.txt"; fail "ab -k"; }
ms=$(( ($(date +%s%N) - start) / 1000000 ))
grep -qE '^Keep-Alive requests: +1000' "$T/abk.txt" || { cat "$T/abk.txt"; fail "ab -k: not every request kept alive"; }
[ "$ms" -lt 1000 ] || fail "ab -k -n 1000 (HTTP/1.0) took $ms ms"
hdrs=$(curl -s --http1.0 -H 'Connection: keep-alive' -D - -o /dev/null "http://127.0.0.1:$PORT/ten.txt")
grep -qi '^Connection: keep-alive' <<<"$hdrs" || fail "HTTP/1.0 keep-alive not granted: $hdrs"
grep -qi '^Keep-Alive: timeout=' <<<"$hdrs" || fail "no Keep-Alive: timeout= for HTTP/1.0: $hdrs"
hdrs=$(curl -s --http1.0 -D - -o /dev/null "http://127.0.0.1:$PORT/ten.txt")
grep -qi '^Connection: close' <<<"$hdrs" || fail "HTTP/1.0 without keep-alive not closed: $hdrs"
hdrs=$(curl -s -D - -o /dev/null "http://127.0.0.1:$PORT/ten.txt")
! grep -qi '^Connection:' <<<"$hdrs" || fail "HTTP/1.1 got a Connection header: $hdrs"
echo "ok: ab -k -n 1000 over HTTP/1.0 in $ms ms, 1000 kept alive"

echo "== access log: one Combined line per request, goaccess reads it all"
kill -TERM $SPID
wait $SPID || fail "httpd exited $? on SIGTERM"
reqs=$(sed -n 's/.*connections, \([0-9]*\) requests.*/\1/p' "$T/main.out.err")
lines=$(wc -l <"$T/access.log")
[ -n "$reqs" ] && [ "$lines" = "$reqs" ] || fail "$lines log lines for $reqs requests"
grep -q '"evil\\x22 200 \\x22x\\x5c \\xff"' "$T/access.log" || fail "hostile User-Agent not escaped"
goaccess "$T/access.log" --log-format=COMBINED -o "$T/ga.json" >/dev/null 2>&1 || fail "goaccess failed"
$PY - "$T/ga.json" "$lines" <<'PYEOF' || fail "goaccess disagrees with the log"
import json, sys
g = json.load(open(sys.argv[1]))["general"]
n = int(sys.argv[2])
assert g["total_requests"] == n and g["failed_requests"] == 0, g
print("ok: goaccess parsed %d of %d lines, 0 failed" % (g["valid_requests"], n))
PYEOF

echo "== IPv6 and IPv4 on the default (dual-stack) listener"
start_server "$T/v6.out" --root "$T/root" --listen 0
body=$(curl -s "http://127.0.0.1:$PORT/ten.txt") || fail "IPv4 on the dual-stack listener"
[ "$body" = 0123456789 ] || fail "IPv4 body '$body'"
if ip -6 addr show dev lo 2>/dev/null | grep -q '::1'; then
    body=$(curl -s -g "http://[::1]:$PORT/ten.txt") || fail "IPv6 request failed"
    [ "$body" = 0123456789 ] || fail "IPv6 body '$body'"
    echo "ok: served over IPv6 and IPv4 on port $PORT"
else
    echo "note: no ::1 on lo here; IPv6 not exercised"
fi
kill -TERM $SPID
wait $SPID

echo "== slowloris (slowhttptest) with 40 connections against --max-conns 4"
start_server "$T/slow.out" --root "$T/root" --listen 127.0.0.1:0 --max-conns 4 --timeout 5
slowhttptest -H -c 40 -i 1 -r 40 -l 6 -p 3 -u "http://127.0.0.1:$PORT/ten.txt" -g -o "$T/slow" \
    >"$T/slow.txt" 2>&1 &
SLOW=$!
PIDS+=("$SLOW")
sleep 2.5
start=$(date +%s%N)
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 4 "http://127.0.0.1:$PORT/ten.txt")
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$code" = 200 ] || fail "probe during slowloris got '$code' after $ms ms"
wait $SLOW
grep -q 'service available:.*YES' "$T/slow.txt" || fail "slowhttptest found the service unavailable"
kill -TERM $SPID
wait $SPID
grep -qE '[1-9][0-9]* timeouts' "$T/slow.out.err" || fail "no slow connection was timed out: $(cat "$T/slow.out.err")"
echo "ok: probe served in $ms ms while 40 slow connections held 4 threads; $(grep -oE '[0-9]+ timeouts' "$T/slow.out.err")"

echo "== SIGTERM under wrk load: in-flight download completes, exit 0"
start_server "$T/term.out" --root "$T/root" --listen 127.0.0.1:0 --grace 10
wrk -t2 -c32 -d4s "http://127.0.0.1:$PORT/ten.txt" >"$T/wrk.txt" 2>&1 &
WRK=$!
PIDS+=("$WRK")
curl -s --limit-rate 1500K -o "$T/big.dl" "http://127.0.0.1:$PORT/big.bin" &
CURL=$!
sleep 1
kill -TERM $SPID
t0=$(date +%s%N)
wait $SPID
rc=$?
took=$(( ($(date +%s%N) - t0) / 1000000 ))
wait $CURL || fail "the in-flight download failed"
wait $WRK
cmp -s "$T/big.dl" "$T/root/big.bin" || fail "the in-flight download is incomplete ($(stat -c %s "$T/big.dl") bytes)"
[ $rc = 0 ] || fail "httpd exited $rc after SIGTERM"
grep -q 'Requests/sec' "$T/wrk.txt" || fail "wrk did not run: $(cat "$T/wrk.txt")"
echo "ok: stopped $took ms after SIGTERM, the 3 MiB download finished; $(grep Requests/sec "$T/wrk.txt")"
echo "PASS"
