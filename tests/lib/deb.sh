#!/bin/bash
# deb.sh SOURCE_DIR - the Debian packages as a user gets them: configures a
# build with prefix /usr, makes portplex_*.deb and libportplex-dev_*.deb
# with CPack, installs both with apt-get (in a network namespace of its
# own: nothing is fetched), runs `portplex --version`, `portplex lab
# --quiet`, finds the man page, verifies the systemd unit, builds an
# example with pkg-config alone and runs it against the installed library,
# then purges both packages and checks that no file they installed is left.
# Root only (it installs into /usr); refuses when portplex is installed.
set -euo pipefail
src=$(cd "$1" && pwd)
if [[ $EUID -ne 0 ]]; then
    echo "needs root"
    [ "${PP_REQUIRE_INTEROP:-0}" = 1 ] && exit 1
    exit 77
fi
if dpkg -s portplex >/dev/null 2>&1 || dpkg -s libportplex-dev >/dev/null 2>&1 || [ -e /usr/bin/portplex ]; then
    echo "portplex is installed on this machine already: not touching it"
    exit 1
fi
tmp=$(mktemp -d)
installed=0
cleanup() {
    if [ $installed = 1 ]; then
        unshare --net -- apt-get purge -y -qq portplex libportplex-dev >/dev/null 2>&1 || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
export DEBIAN_FRONTEND=noninteractive

cmake -S "$src" -B "$tmp/b" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr -DPP_BENCH=OFF >/dev/null
cmake --build "$tmp/b" -j"$(nproc)" --target portplex portplex_static portplex_shared portplex_packetdrill >/dev/null
(cd "$tmp/b" && cpack -G DEB >/dev/null)
debs=("$tmp"/b/portplex_*.deb "$tmp"/b/libportplex-dev_*.deb)
ls "${debs[@]}" >/dev/null
contents=$(dpkg-deb -c "$tmp"/b/portplex_*.deb)
grep -q 'libportplex\.so\.0 -> libportplex\.so\.0\.' <<<"$contents" ||
    { echo "the runtime package lacks the soname link libportplex.so.0"; exit 1; }

installed=1
unshare --net -- apt-get install -y -qq "${debs[@]}" >/dev/null
[ "$(command -v portplex)" = /usr/bin/portplex ]
portplex --version | grep -qx "portplex $(dpkg-query -W -f='${Version}' portplex)"
portplex lab --quiet >"$tmp/lab.out"
grep -q "HTTP" "$tmp/lab.out" || { echo "lab --quiet printed:"; cat "$tmp/lab.out"; exit 1; }
man -w portplex-lab >/dev/null
man -w 3 libportplex >/dev/null
[ -f /usr/share/bash-completion/completions/portplex ] && [ -f /usr/share/zsh/vendor-completions/_portplex ]
if command -v systemd-analyze >/dev/null; then
    systemd-analyze verify /usr/lib/systemd/system/portplex-httpd@deb.service
fi
# An example, from the packaged source, with pkg-config alone.
cc -std=c11 -Wall -Wextra -Werror /usr/share/doc/portplex/examples/echo_vwire.c \
   $(pkg-config --cflags --libs portplex) -lpthread -o "$tmp/echo_vwire"
# (ldd's output taken whole first: grep -q stops reading at its match, and
# under pipefail the SIGPIPE that ldd then gets failed this line at random.)
libs=$(ldd "$tmp/echo_vwire")
grep -qE '=> (/usr)?/lib/[^ ]*libportplex\.so\.0 ' <<<"$libs" || { echo "$libs"; exit 1; }
echoed=$(timeout 20 "$tmp/echo_vwire")
grep -q "echoed: hello through two user-space stacks" <<<"$echoed" || { echo "$echoed"; exit 1; }

dpkg -L portplex libportplex-dev | sort -u > "$tmp/files"
unshare --net -- apt-get purge -y -qq portplex libportplex-dev >/dev/null
installed=0
left=0
while read -r f; do
    [ -f "$f" ] || [ -L "$f" ] || continue
    echo "left behind: $f"
    left=1
done < "$tmp/files"
[ $left = 0 ]
! dpkg -s portplex >/dev/null 2>&1
echo "deb: $(basename "${debs[0]}") and $(basename "${debs[1]}") built, installed, used, purged; nothing left"
