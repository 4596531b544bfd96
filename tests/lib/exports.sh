#!/bin/bash
# exports.sh LIB.so INCLUDE_DIR - the library boundary (docs/architecture.md):
# libportplex.so exports exactly the functions the public headers declare
# PP_API - no pp__ internal, nothing undeclared, nothing declared but missing.
set -euo pipefail
lib=$1 inc=$2
exported=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBR]$/ {print $3}' | sort -u)
declared=$(grep -rhoE 'PP_API[^(;]*\bpp_[a-z0-9_]+[[:space:]]*\(' "$inc" |
           grep -oE 'pp_[a-z0-9_]+[[:space:]]*\($' | tr -d '( ' | sort -u)
fail=0
if grep -q '^pp__' <<<"$exported"; then
  echo "internal pp__ symbols exported:"; grep '^pp__' <<<"$exported"; fail=1
fi
extra=$(comm -23 <(echo "$exported") <(echo "$declared"))
missing=$(comm -13 <(echo "$exported") <(echo "$declared"))
[[ -z $extra ]] || { echo "exported but not declared PP_API in $inc:"; echo "$extra"; fail=1; }
[[ -z $missing ]] || { echo "declared PP_API but not exported:"; echo "$missing"; fail=1; }
n=$(wc -l <<<"$exported")
((fail)) || echo "libportplex.so exports $n functions, all declared in the public headers"
exit $fail
