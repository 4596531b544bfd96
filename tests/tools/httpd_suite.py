#!/usr/bin/python3
"""httpd_suite.py - what `portplex httpd` must do, asked over raw sockets so
every byte of each request is ours: run against the kernel backend
(tests/cli/httpd.sh) and the portplex backend over TUN (tests/interop/httpd_tun.sh).

  httpd_suite.py make-root DIR      create the fixture tree (root in DIR/root,
                                    a secret outside it in DIR/secret.txt)
  httpd_suite.py run HOST PORT DIR  run the checks; exit 1 listing failures
"""
import hashlib
import os
import re
import socket
import ssl
import sys
import time

FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("  FAIL:", what, flush=True)
    return cond


def make_root(d):
    root = os.path.join(d, "root")
    os.makedirs(os.path.join(root, "sub", "deeper"), exist_ok=True)
    os.makedirs(os.path.join(root, "noindex"), exist_ok=True)
    with open(os.path.join(d, "secret.txt"), "w") as f:
        f.write("SECRET-OUTSIDE-ROOT\n")
    with open(os.path.join(root, "index.html"), "w") as f:
        f.write("<h1>portplex test root</h1>\n")
    with open(os.path.join(root, "ten.txt"), "wb") as f:
        f.write(b"0123456789")
    open(os.path.join(root, "empty.txt"), "wb").close()
    with open(os.path.join(root, "style.css"), "w") as f:
        f.write("body{}\n")
    with open(os.path.join(root, "big.bin"), "wb") as f:
        f.write(bytes((i * 7 + 3) & 255 for i in range(3 * 1024 * 1024 + 17)))
    with open(os.path.join(root, "sub", "a.txt"), "w") as f:
        f.write("in sub\n")
    for name in ['<b>&"x\'.txt', "sp ace%.txt", "caf\u00e9.txt"]:
        with open(os.path.join(root, "noindex", name), "w") as f:
            f.write("listed\n")
    os.makedirs(os.path.join(root, "noindex", "<dir>"), exist_ok=True)
    # > 4 GiB, sparse: a marker right after the 4 GiB boundary.
    with open(os.path.join(root, "huge.bin"), "wb") as f:
        f.truncate(5 * 1024 ** 3)
        f.seek(4 * 1024 ** 3)
        f.write(b"MARK")
    os.symlink(os.path.join(d, "secret.txt"), os.path.join(root, "escape.txt"))
    os.symlink("../secret.txt", os.path.join(root, "escape_rel.txt"))
    os.symlink("ten.txt", os.path.join(root, "inside.txt"))
    os.mkfifo(os.path.join(root, "fifo"))


class Resp:
    def __init__(self, status, headers, body, raw_head):
        self.status, self.headers, self.body, self.raw_head = status, headers, body, raw_head

    def h(self, name):
        return self.headers.get(name.lower())


def read_response(f, head_request=False):
    """One response from the buffered socket file f."""
    line = f.readline()
    if not line:
        return None
    raw = line
    m = re.match(rb"HTTP/1\.1 (\d{3}) ", line)
    if not m:
        raise ValueError("bad status line %r" % line)
    headers = {}
    while True:
        line = f.readline()
        raw += line
        if line in (b"\r\n", b""):
            break
        k, _, v = line.decode("latin-1").partition(":")
        headers[k.strip().lower()] = v.strip()
    status = int(m.group(1))
    n = int(headers.get("content-length", "0"))
    body = b""
    if not head_request and status != 304 and n:
        body = f.read(n)
    return Resp(status, headers, body, raw)


def connect(host, port, timeout=10):
    """A connection; through TLS when PP_SUITE_TLS_CA names the server's certificate."""
    s = socket.create_connection((host, port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    ca = os.environ.get("PP_SUITE_TLS_CA")
    if ca:
        ctx = ssl.create_default_context(cafile=ca)
        s = ctx.wrap_socket(s, server_hostname=host)
    return s


def raw(host, port, data, n=1, head=False):
    """Sends data in one write; reads n responses (fewer if the server closes)."""
    s = connect(host, port)
    s.sendall(data)
    f = s.makefile("rb")
    out = []
    for i in range(n):
        r = read_response(f, head[i] if isinstance(head, list) else head)
        if r is None:
            break
        out.append(r)
    s.close()
    return out


def get(host, port, target, extra="", method="GET"):
    req = "%s %s HTTP/1.1\r\nHost: t\r\n%sConnection: close\r\n\r\n" % (method, target, extra)
    r = raw(host, port, req.encode("latin-1"), head=(method == "HEAD"))
    return r[0] if r else None


def closed_after(host, port, data):
    """Status of the response to data, and whether the server then closed."""
    s = connect(host, port)
    s.sendall(data)
    f = s.makefile("rb")
    r = read_response(f)
    s.settimeout(3)
    try:
        rest = f.read()
    except socket.timeout:
        rest = None
    s.close()
    return (r.status if r else None), rest == b""


def run(host, port, d):
    port = int(port)
    root = os.path.join(d, "root")
    print("basics", flush=True)
    r = get(host, port, "/")
    check(r.status == 200 and b"portplex test root" in r.body, "GET / serves index.html")
    check(r.h("content-type") == "text/html", "index.html is text/html, got %s" % r.h("content-type"))
    for h in ["date", "etag", "last-modified", "server", "accept-ranges"]:
        check(r.h(h), "GET / has %s" % h)
    r = get(host, port, "/style.css")
    check(r.status == 200 and r.h("content-type") == "text/css", "style.css is text/css")
    r = get(host, port, "/ten.txt", method="HEAD")
    check(r.status == 200 and r.h("content-length") == "10" and r.body == b"", "HEAD: length, no body")
    r = get(host, port, "/big.bin")
    want = open(os.path.join(root, "big.bin"), "rb").read()
    check(r.status == 200 and hashlib.sha256(r.body).digest() == hashlib.sha256(want).digest(),
          "3 MiB file arrives intact")
    r = get(host, port, "/sub")
    check(r.status == 301 and r.h("location") == "/sub/", "/sub -> 301 /sub/")
    r = get(host, port, "//evil.example/..//sub")
    check(r.status == 301 and r.h("location") == "/sub/", "no open redirect: Location %s" % r.h("location"))
    r = get(host, port, "/sub/")
    check(r.status == 200 and b'href="a.txt"' in r.body, "listing of /sub/")
    r = get(host, port, "/nope.txt")
    check(r.status == 404, "missing file -> 404")
    r = get(host, port, "/ten.txt/")
    check(r.status == 404, "file with a trailing slash -> 404")
    r = get(host, port, "/fifo")
    check(r.status == 403, "a FIFO is refused (403), got %s" % (r and r.status))

    print("listing escapes names", flush=True)
    r = get(host, port, "/noindex/")
    b = r.body.decode()
    check(r.status == 200, "listing without index.html")
    check("&lt;b&gt;&amp;&quot;x&#39;.txt" in b, "names HTML-escaped in text")
    check('href="%3Cb%3E%26%22x%27.txt"' in b, "names percent-encoded in href")
    check('href="sp%20ace%25.txt"' in b and 'href="%3Cdir%3E/"' in b, "spaces, percent, dirs encoded")
    check("<b>" not in b, "no raw markup from names")
    r = get(host, port, "/noindex/sp%20ace%25.txt")
    check(r.status == 200 and r.body == b"listed\n", "a listed href works")
    r = get(host, port, "/noindex/caf%C3%A9.txt")
    check(r.status == 200, "UTF-8 name via percent-encoding")

    print("traversal suite", flush=True)
    for t in ["/../secret.txt", "/..%2fsecret.txt", "/%2e%2e/secret.txt", "/%2E%2E%2Fsecret.txt",
              "/sub/../../secret.txt", "/.%2e/secret.txt", "/%252e%252e/secret.txt",
              "/..\\secret.txt", "/..%5csecret.txt", "/%00/../secret.txt", "/ten.txt%00.html",
              "http://x/../secret.txt", "/sub/%2e%2e/%2e%2e/secret.txt", "/escape.txt",
              "/escape_rel.txt", "/" + "../" * 20 + "etc/passwd", "/%2e%2e/%2e%2e/etc/passwd"]:
        r = get(host, port, t)
        check(r is not None and r.status in (400, 403, 404) and b"SECRET" not in r.body
              and b"root:" not in r.body, "traversal %r -> %s" % (t, r and r.status))
    r = get(host, port, "/escape.txt")
    check(r.status == 403, "symlink leaving the root -> 403, got %s" % r.status)
    r = get(host, port, "/inside.txt")
    check(r.status == 200 and r.body == b"0123456789", "symlink inside the root is served")

    print("framing and methods", flush=True)
    cases = [
        (b"GET / HTTP/1.1\nHost: t\n\n", 400, "bare LF"),
        (b"GET / HTTP/1.1\r\nHost: t\rX: y\r\n\r\n", 400, "bare CR"),
        (b"GET / HTTP/1.1\r\nHost: t\r\nX: a\r\n  folded\r\n\r\n", 400, "obs-fold"),
        (b"GET / HTTP/1.1\r\nHost : t\r\n\r\n", 400, "space before colon"),
        (b"GET / HTTP/1.1\r\nHost: t\r\nX: a\x00b\r\n\r\n", 400, "NUL in a value"),
        (b"GET / HTTP/1.1\r\n\r\n", 400, "no Host"),
        (b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "two Hosts"),
        (b"GET / HTTP/2.0\r\nHost: t\r\n\r\n", 505, "HTTP/2.0"),
        (b"GET / HTTX/1.1\r\nHost: t\r\n\r\n", 400, "not HTTP"),
        (b"BREW / HTTP/1.1\r\nHost: t\r\n\r\n", 501, "unknown method"),
        (b"get / HTTP/1.1\r\nHost: t\r\n\r\n", 501, "methods are case-sensitive"),
        (b"GET / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello", 413, "a body"),
        (b"GET / HTTP/1.1\r\nHost: t\r\nContent-Length: x\r\n\r\n", 400, "bad Content-Length"),
        (b"GET / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, "Transfer-Encoding"),
        (b"GET /%0d%0aSet-Cookie:%20x HTTP/1.1\r\nHost: t\r\n\r\n", 400, "CRLF in the path"),
        (b"GET * HTTP/1.1\r\nHost: t\r\n\r\n", 400, "asterisk-form for GET"),
    ]
    for data, status, what in cases:
        st, closed = closed_after(host, port, data)
        check(st == status and closed, "%s -> %s and close (got %s, closed %s)" % (what, status, st, closed))
    r = raw(host, port, b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n")[0]
    check(r.status == 405 and r.h("allow") == "GET, HEAD", "POST -> 405 with Allow")
    r = raw(host, port, b"GET / HTTP/1.0\r\n\r\n")[0]
    check(r.status == 200 and r.h("connection") == "close", "HTTP/1.0 without Host is fine, closes")
    r = raw(host, port, b"GET /ten.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n")[0]
    check(r.status == 200, "Content-Length: 0 is no body")
    r = raw(host, port, b"GET http://example.test/ten.txt HTTP/1.1\r\nHost: other\r\n\r\n")[0]
    check(r.status == 200 and r.body == b"0123456789", "absolute-form target")

    print("limits", flush=True)
    r = get(host, port, "/ten.txt", extra="Cookie: " + "c" * 8192 + "\r\n")
    check(r.status == 200, "an 8 KiB cookie is accepted")
    st, closed = closed_after(host, port, b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: t\r\n\r\n")
    check(st == 414 and closed, "9000-byte request line -> 414 (got %s)" % st)
    big = b"".join(b"X-%d: %s\r\n" % (i, b"v" * 1000) for i in range(60))
    st, closed = closed_after(host, port, b"GET / HTTP/1.1\r\nHost: t\r\n" + big + b"X-last: " + b"w" * 8000 + b"\r\n\r\n")
    check(st == 431 and closed, "68 KiB header block -> 431 (got %s)" % st)
    many = b"".join(b"X-%d: v\r\n" % i for i in range(80))
    st, closed = closed_after(host, port, b"GET / HTTP/1.1\r\nHost: t\r\n" + many + b"\r\n")
    check(st == 431, "80 header fields -> 431 (got %s)" % st)

    print("pipelining", flush=True)
    reqs = (b"GET /ten.txt HTTP/1.1\r\nHost: t\r\n\r\n"
            b"HEAD /style.css HTTP/1.1\r\nHost: t\r\n\r\n"
            b"GET /ten.txt HTTP/1.1\r\nHost: t\r\nRange: bytes=2-4\r\n\r\n"
            b"GET /sub/a.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    rs = raw(host, port, reqs, n=5, head=[False, True, False, False, False])
    check(len(rs) == 4, "four pipelined responses, got %d" % len(rs))
    if len(rs) == 4:
        check(rs[0].status == 200 and rs[0].body == b"0123456789", "pipelined 1: GET")
        check(rs[1].status == 200 and rs[1].h("content-type") == "text/css" and rs[1].body == b"", "pipelined 2: HEAD")
        check(rs[2].status == 206 and rs[2].body == b"234", "pipelined 3: Range")
        check(rs[3].status == 200 and rs[3].body == b"in sub\n", "pipelined 4: in order")
    s = connect(host, port)
    req = b"GET /ten.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
    for i in range(len(req)):
        s.send(req[i:i + 1])
        time.sleep(0.002)
    r = read_response(s.makefile("rb"))
    s.close()
    check(r and r.status == 200 and r.body == b"0123456789", "request sent one byte per segment")

    print("ranges", flush=True)
    for rng, status, body, cr in [
        ("bytes=0-0", 206, b"0", "bytes 0-0/10"), ("bytes=-1", 206, b"9", "bytes 9-9/10"),
        ("bytes=5-", 206, b"56789", "bytes 5-9/10"), ("bytes=8-100", 206, b"89", "bytes 8-9/10"),
        ("bytes=10-", 416, None, "bytes */10"), ("bytes=-0", 416, None, "bytes */10"),
        ("bytes=0-99999999999999999999999", 206, b"0123456789", "bytes 0-9/10"),
        ("bytes=99999999999999999999-", 416, None, "bytes */10"),
        # Two ranges a few bytes apart are merged into one part (RFC 9110 14.6).
        ("bytes=0-1,4-5", 206, b"012345", "bytes 0-5/10"), ("bytes=5-2", 200, b"0123456789", None),
        # Overlapping ranges asking for more than the file: the file once (CVE-2011-3192).
        ("bytes=0-,0-", 200, b"0123456789", None),
        ("chars=0-1", 200, b"0123456789", None)]:
        r = get(host, port, "/ten.txt", extra="Range: %s\r\n" % rng)
        check(r.status == status and (body is None or r.body == body) and r.h("content-range") == cr,
              "Range %s -> %s %s %r (got %s %s %r)" % (rng, status, cr, body, r.status, r.h("content-range"), r.body))
    r = get(host, port, "/empty.txt", extra="Range: bytes=0-0\r\n")
    check(r.status == 416 and r.h("content-range") == "bytes */0", "empty file range -> 416")
    r = get(host, port, "/empty.txt")
    check(r.status == 200 and r.h("content-length") == "0", "empty file -> 200, length 0")
    r = get(host, port, "/huge.bin", extra="Range: bytes=4294967296-4294967299\r\n")
    check(r.status == 206 and r.body == b"MARK" and r.h("content-range") == "bytes 4294967296-4294967299/5368709120",
          "range beyond 4 GiB in a sparse 5 GiB file")
    r = get(host, port, "/huge.bin", method="HEAD")
    check(r.h("content-length") == "5368709120", "5 GiB Content-Length")
    r = get(host, port, "/ten.txt", extra="Range: bytes=0-1\r\n", method="HEAD")
    check(r.status == 200, "HEAD ignores Range (RFC 9110 14.2)")
    # Two ranges far apart: multipart/byteranges (RFC 9110 14.6), on a 5 GiB file too.
    big = open(os.path.join(root, "big.bin"), "rb").read()
    for target, size, want in [("/big.bin", len(big), [(0, 9, big[0:10]), (1000000, 1000009, big[1000000:1000010])]),
                               ("/huge.bin", 5368709120, [(0, 3, None), (4294967296, 4294967299, b"MARK")])]:
        rng = ",".join("%d-%d" % (a, b) for a, b, _ in want)
        r = get(host, port, target, extra="Range: bytes=%s\r\n" % rng)
        ct = r.h("content-type") or ""
        m = re.match(r"multipart/byteranges; boundary=(\S+)$", ct)
        ok = r.status == 206 and m is not None
        if ok:
            parts = r.body.split(b"--" + m.group(1).encode())
            # preamble (empty), the parts, then "--" and the epilogue
            ok = len(parts) == len(want) + 2 and parts[-1].startswith(b"--")
            for part, (a, b, data) in zip(parts[1:-1], want):
                head, _, payload = part.partition(b"\r\n\r\n")
                payload = payload[:-2]  # the CRLF before the next boundary
                ok = ok and ("Content-Range: bytes %d-%d/%d" % (a, b, size)).encode() in head
                ok = ok and len(payload) == b - a + 1 and (data is None or payload == data)
        check(ok, "two ranges of %s -> 206 multipart/byteranges with both parts (got %s %s)" % (target, r.status, ct))
    many = "bytes=0-0" + "".join(",%d-%d" % (i * 1000, i * 1000) for i in range(1, 40))
    r = get(host, port, "/big.bin", extra="Range: %s\r\n" % many)
    check(r.status == 200 and len(r.body) == len(big), "40 ranges -> the whole file once (200)")

    print("conditionals", flush=True)
    r = get(host, port, "/ten.txt")
    etag, lm = r.h("etag"), r.h("last-modified")
    check(etag and etag.startswith('"'), "strong ETag")
    for extra, status in [
        ("If-None-Match: %s\r\n" % etag, 304), ('If-None-Match: "zz", %s\r\n' % etag, 304),
        ("If-None-Match: *\r\n", 304), ('If-None-Match: "zz"\r\n', 200),
        ("If-None-Match: W/%s\r\n" % etag, 304),
        ("If-Modified-Since: %s\r\n" % lm, 304),
        ("If-Modified-Since: Thu, 01 Jan 1970 00:00:00 GMT\r\n", 200),
        ('If-None-Match: "zz"\r\nIf-Modified-Since: %s\r\n' % lm, 200),
        ("If-Match: %s\r\n" % etag, 200), ('If-Match: "zz"\r\n', 412),
        ("If-Unmodified-Since: Thu, 01 Jan 1970 00:00:00 GMT\r\n", 412),
        ("Range: bytes=0-1\r\nIf-Range: %s\r\n" % etag, 206),
        ('Range: bytes=0-1\r\nIf-Range: "zz"\r\n', 200),
        ("Range: bytes=0-1\r\nIf-Range: %s\r\n" % lm, 206)]:
        r = get(host, port, "/ten.txt", extra=extra)
        check(r.status == status, "%s -> %s (got %s)" % (extra.strip(), status, r.status))
        if status == 304:
            check(r.body == b"" and "content-length" not in r.headers and r.h("etag") == etag,
                  "304 has no body and carries the ETag")

    print("keep-alive", flush=True)
    s = connect(host, port)
    f = s.makefile("rb")
    ok = True
    for i in range(20):
        s.sendall(b"GET /ten.txt HTTP/1.1\r\nHost: t\r\n\r\n")
        r = read_response(f)
        ok = ok and r is not None and r.status == 200 and r.h("connection") is None
    s.close()
    check(ok, "20 requests on one keep-alive connection")

    print("hostile User-Agent stays on one log line", flush=True)
    r = get(host, port, "/ten.txt", extra='User-Agent: evil" 200 "x\\ \xff\r\nReferer: a"b\r\n')
    check(r.status == 200, "request with a hostile User-Agent served")
    r = get(host, port, "/ten.txt", extra='User-Agent: esc\x1b[31m\r\n')
    check(r.status == 400, "a control character in a field value -> 400")

    if FAILS:
        print("%d check(s) failed" % len(FAILS))
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "make-root":
        make_root(sys.argv[2])
    elif len(sys.argv) == 5 and sys.argv[1] == "run":
        run(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(__doc__)
