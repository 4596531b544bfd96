#!/bin/bash
# pd_agree.sh - how often pd_play's verdict equals packetdrill's.
# Takes the output of ../shared/tools/packetdrill-run (run with PD_STRIP_CODE=1,
# the same .so) and plays every script it ran (PASS or FAIL there) with
# pd_play; a script pd_play does not play is counted apart, not as agreement.
#
# Usage: pd_agree.sh PACKETDRILL_RUN_OUTPUT SCRIPT_DIR PD_PLAY LIB.so
#   SCRIPT_DIR: the directory packetdrill-run was given (its names are relative
#   to its parent, e.g. tcp/eor/x.pkt under gtests/net/tcp).
# Prints AGREE / DISAGREE / NOT-PLAYED per script, then
#   "pd_play agrees with packetdrill on N of M scripts it plays (K not played)"
# and exits 1 when any verdict differs.
set -u
(($# == 4)) || { sed -n '2,/^# and exits/p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
results=$1 dir=$(realpath "$2") play=$(realpath "$3") so=$(realpath "$4")
base=$(dirname "$dir")
agree=0 differ=0 skipped=0
while read -r verdict name _; do
  [[ $verdict == PASS || $verdict == FAIL ]] || continue
  script=$base/$name
  [[ -f $script ]] || { echo "missing $script" >&2; continue; }
  out=$(cd "$(dirname "$script")" && timeout -k 5 120 "$play" "$so" "$script" 2>&1)
  ours=$(grep -Eo '^(PASS|FAIL|UNSUPPORTED) ' <<<"$out" | tail -1 | tr -d ' ')
  [[ -n $ours ]] || ours=FAIL
  if [[ $ours == UNSUPPORTED ]]; then
    skipped=$((skipped + 1))
    printf 'NOT-PLAYED  %s  %s\n' "$name" "$(grep -m1 'not played' <<<"$out" | sed 's/.*not played by pd_play: //')"
  elif [[ $ours == "$verdict" ]]; then
    agree=$((agree + 1)); printf 'AGREE       %s  %s\n' "$name" "$verdict"
  else
    differ=$((differ + 1))
    printf 'DISAGREE    %s  packetdrill %s, pd_play %s  %s\n' "$name" "$verdict" "$ours" \
      "$(grep -m1 -E '\.pkt:[0-9]+' <<<"$out")"
  fi
done <"$results"
echo "pd_play agrees with packetdrill on $agree of $((agree + differ)) scripts it plays ($skipped not played)"
((differ == 0))
