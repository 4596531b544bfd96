#!/bin/bash
# scan_versions.sh - -sV and --banners against real servers from Debian in a
# namespace: OpenSSH's sshd, nginx (HTTP, and HTTPS with a certificate of
# ours), Python's smtpd, redis-server and memcached.  portplex connects to
# each open port with its own TCP/IP stack; its service, product and version
# must be nmap -sV's for every port, the TLS port must show the
# certificate's subject, the kernel guard must be gone after the scan, and
# the VERSION column, -oX <service> and -oJ service lines must carry them.
set -u
PORTPLEX=$1
. "$(dirname "$0")/../lib/interop.bash"
need_root
need_tools ip nmap nft openssl nginx redis-server memcached
[ -x /usr/sbin/sshd ] || skip "needs sshd (openssh-server)"
need_python
T=$PP_TMP
A=10.209.0.2

netns_new S
netns_new D
veth_link "$S" "$D" 10.209.0.1/24 $A/24

# The servers.
mkdir -p /run/sshd "$T/www" "$T/nginx"
ssh-keygen -q -t ed25519 -N '' -f "$T/hostkey" || fail "ssh-keygen"
ip netns exec "$D" /usr/sbin/sshd -D -e -f /dev/null -h "$T/hostkey" -o ListenAddress=$A \
    -o PidFile=none >"$T/sshd.log" 2>&1 &
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 2 \
    -subj "/CN=lab.test/O=portplex tests" >/dev/null 2>&1 || fail "openssl req"
echo hello >"$T/www/index.html"
cat >"$T/nginx.conf" <<NGX
daemon off;
pid $T/nginx/nginx.pid;
error_log stderr;
events {}
http {
    access_log off;
    client_body_temp_path $T/nginx;
    proxy_temp_path $T/nginx;
    fastcgi_temp_path $T/nginx;
    uwsgi_temp_path $T/nginx;
    scgi_temp_path $T/nginx;
    server {
        listen $A:80;
        listen $A:443 ssl;
        ssl_certificate $T/cert.pem;
        ssl_certificate_key $T/key.pem;
        root $T/www;
    }
}
NGX
ip netns exec "$D" nginx -c "$T/nginx.conf" -p "$T/nginx" >"$T/nginx.log" 2>&1 &
ip netns exec "$D" redis-server --bind $A --port 6379 --save '' --appendonly no --protected-mode no \
    --daemonize no >"$T/redis.log" 2>&1 &
ip netns exec "$D" memcached -u root -l $A -p 11211 -U 0 >"$T/memcached.log" 2>&1 &
ip netns exec "$D" "$PY" -W ignore -m smtpd -n -c DebuggingServer $A:25 >"$T/smtpd.log" 2>&1 &
PORTS=22,25,80,443,6379,11211
for i in $(seq 50); do
    [ "$(ip netns exec "$D" ss -Htln | wc -l)" -ge 6 ] && break
    sleep 0.2
done
[ "$(ip netns exec "$D" ss -Htln | wc -l)" -ge 6 ] || fail "the servers did not start: $(ip netns exec "$D" ss -tln)"

ip netns exec "$S" nmap -sV -n -Pn -p $PORTS -oX "$T/nmap.xml" $A >"$T/nmap.txt" 2>&1 || fail "nmap -sV"
ip netns exec "$S" "$PORTPLEX" scan -sS -sV -n -Pn -p $PORTS -oX "$T/ours.xml" -oJ "$T/ours.json" \
    -oG "$T/ours.gnmap" $A >"$T/ours.txt" 2>"$T/ours.err" || fail "portplex -sV: $(cat "$T/ours.err")"
cat "$T/ours.txt"

"$PY" - "$T/nmap.xml" "$T/ours.xml" <<'PY' || { cat "$T/nmap.txt"; fail "-sV differs from nmap's"; }
import sys, xml.etree.ElementTree as ET
def services(path):
    out = {}
    for p in ET.parse(path).iter("port"):
        s = p.find("service")
        name = s.get("name")
        if s.get("tunnel") == "ssl":
            name = "ssl/" + name
        out[int(p.get("portid"))] = (name, s.get("product", ""), s.get("version", ""), s.get("extrainfo", ""))
    return out
nm, us = services(sys.argv[1]), services(sys.argv[2])
bad = 0
for port in sorted(nm):
    n, u = nm[port], us.get(port)
    same = u is not None and n[:3] == u[:3]
    print("%-6d nmap: %-50s ours: %s %s" % (port, " | ".join(n[:3]), " | ".join(u[:3]) if u else None, "" if same else "<- differs"))
    bad += not same
if bad:
    sys.exit(1)
PY
grep -q 'extrainfo="protocol 2.0"' "$T/ours.xml" || fail "no ssh protocol in extrainfo"
grep -q 'TLS subject /CN=lab.test/O=portplex tests' "$T/ours.xml" || fail "no certificate subject for 443"
grep -qE '^PORT +STATE +SERVICE +VERSION$' "$T/ours.txt" || fail "no VERSION column"
grep -qE '^22/tcp +open +ssh +OpenSSH ' "$T/ours.txt" || fail "no ssh line with its version"
grep -q '"type":"service","ip":"'$A'","proto":"tcp","port":6379,"name":"redis"' "$T/ours.json" || fail "no -oJ service line"
grep -qE '22/open/tcp//ssh//OpenSSH [^/]*/' "$T/ours.gnmap" || fail "no version in -oG"
# The guard is gone and never touched the target's side.
! nft list tables 2>/dev/null | grep -q portplex_banners || fail "the kernel guard was left behind"
# --banners is the same job under masscan's name.
ip netns exec "$S" "$PORTPLEX" scan -sS --banners -n -Pn -p 22,6379 $A >"$T/b.txt" 2>&1 || fail "--banners"
grep -qE '^6379/tcp +open +redis +Redis key-value store [0-9.]+' "$T/b.txt" || fail "--banners: $(cat "$T/b.txt")"
echo PASS
