#!/bin/bash
# examples.sh BUILD_DIR SOURCE_DIR CC [FLAGS...] - the library as a user gets it: installs
# the build into a scratch prefix, builds every program in examples/ from
# there with pkg-config alone (shared, and static for one), and runs them:
# the vwire echo, the socketpair link between two processes and, as root,
# the TUN host inside a network namespace of its own, talked to by the
# kernel's nc.
# CC and FLAGS are the build's compiler and its sanitizer flags, if any (an
# instrumented library needs an instrumented program).
set -euo pipefail
build=$1 src=$2 cc=$3
shift 3
flags=("$@")
tmp=$(mktemp -d)
ns=ppex$$
cleanup() {
  if ip netns list 2>/dev/null | grep -w "$ns" >/dev/null; then # (grep -q under pipefail: SIGPIPE)
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null || true; done
    sleep 0.2
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
export PKG_CONFIG_PATH=$tmp/prefix/lib/pkgconfig:$tmp/prefix/lib/x86_64-linux-gnu/pkgconfig
cflags=$(pkg-config --cflags portplex)
libs=$(pkg-config --libs portplex)
libdir=$(pkg-config --variable=libdir portplex)
case $cflags in *dbus*) echo "pkg-config --cflags portplex pulls in dbus: $cflags"; exit 1;; esac
for ex in echo_vwire socketpair_link tun_host; do
  "$cc" -std=c11 -Wall -Wextra -Werror "${flags[@]}" $cflags "$src/examples/$ex.c" -o "$tmp/$ex" $libs -lpthread \
     -Wl,-rpath,"$libdir"
done
"$cc" -std=c11 -Wall -Wextra -Werror "${flags[@]}" $cflags "$src/examples/echo_vwire.c" -o "$tmp/echo_vwire_static" \
   -static-libgcc "$libdir/libportplex.a" $(pkg-config --static --libs-only-l portplex | sed 's/-lportplex//') -lpthread

timeout 20 "$tmp/echo_vwire" | tee "$tmp/out1"
grep -q "echoed: hello through two user-space stacks" "$tmp/out1"
out=$(timeout 20 "$tmp/echo_vwire_static") # (no "| grep -q" under pipefail: SIGPIPE)
grep -q "echoed: hello" <<<"$out"
timeout 20 "$tmp/socketpair_link" | tee "$tmp/out2"
grep -q "echoed: hello over a link of our own" "$tmp/out2"
# The library a program loaded is the installed one, not the build tree's.
out=$(ldd "$tmp/echo_vwire")
grep -q "$tmp/prefix" <<<"$out" || { echo "echo_vwire did not load the installed library: $out"; exit 1; }

if [[ $EUID -eq 0 ]] && ip netns add "$ns" 2>/dev/null; then
  ip -n "$ns" link set lo up
  ip netns exec "$ns" "$tmp/tun_host" ppex0 10.2.0.1 10.2.0.2 > "$tmp/tun.log" 2>&1 &
  for _ in $(seq 50); do grep -q "echo on" "$tmp/tun.log" && break; sleep 0.1; done
  reply=$(ip netns exec "$ns" sh -c 'echo "hi from the kernel" | timeout 5 nc -q1 10.2.0.2 7')
  [[ $reply == "hi from the kernel" ]] || { echo "tun_host echoed '$reply'"; cat "$tmp/tun.log"; exit 1; }
  echo "tun_host: the kernel's nc got its line back"
else
  echo "tun_host: built; not run (needs root and ip netns)"
fi
echo "examples: built from the installed library with pkg-config, and ran"
