#!/bin/bash
# install.sh - `cmake --install` puts the command, both libraries, the headers
# and a relocatable portplex.pc under a prefix, and a program built with
# pkg-config against that prefix links and runs.
set -u
P=$1
BUILD=$(dirname "$P")
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v pkg-config >/dev/null || { echo "SKIP: no pkg-config"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$BUILD" --prefix "$tmp/prefix" >/dev/null || fail "cmake --install"
for f in bin/portplex include/portplex/portplex.h lib/libportplex.a lib/libportplex.so \
    lib/pkgconfig/portplex.pc; do
    [ -e "$tmp/prefix/$f" ] || fail "missing $f"
done
cat >"$tmp/t.c" <<'C'
#include <portplex/portplex.h>
#include <stdio.h>
#include <string.h>
int main(void) { return strcmp(pp_version(), PORTPLEX_VERSION_STRING) != 0; }
C
export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig"
# A sanitizer build's library needs the sanitizer runtimes in the program too.
SAN=""
grep -q '^PP_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt" && SAN="-fsanitize=address,undefined"
CC=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$BUILD/CMakeCache.txt")
${CC:-cc} $SAN "$tmp/t.c" $(pkg-config --cflags --libs portplex) -Wl,-rpath,"$tmp/prefix/lib" -o "$tmp/t" \
    || fail "compile against the installed library"
"$tmp/t" || fail "version mismatch"
"$tmp/prefix/bin/portplex" --version | grep -q "^portplex " || fail "installed command"
echo PASS
