#!/bin/bash
# completion.sh - the bash completion in contrib/completion answers as a
# user expects: commands, each command's options as its --help names them,
# scan types, files after -oN, directories after --root.
# Usage: completion.sh PORTPLEX
set -u
P=$1
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../../contrib/completion/portplex.bash"
fail=0
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
complete -p portplex >/dev/null || { echo "FAIL: complete -p portplex: not registered"; fail=1; }
ask() { # ask WORD... : COMPREPLY for the last word, one per line
    COMP_WORDS=("$P" "$@")
    COMP_CWORD=$#
    _portplex
    printf '%s\n' "${COMPREPLY[@]}"
}
source "$(cd "$(dirname "$0")/../tools" && pwd)/completion_expect.sh"
expect "s" scan stack
refuse "s" lab httpd
expect "help h" httpd
expect "scan -s" -sS -sT -sU -sA -sn
expect "scan -T" -T0 -T4 -T5
expect "scan --top" --top-ports
expect "scan --stats" --stats-every
expect "httpd --ro" --root
expect "lab --" --seed --loss --pcap --html --quiet
refuse "lab --" --top-ports
touch "$T/report.txt"
mkdir "$T/site"
expect "scan -oN $T/rep" "$T/report.txt"
expect "httpd --root $T/s" "$T/site"
refuse "httpd --root $T/r" "$T/report.txt"
# Every option a command's completion offers is in that command's --help.
for cmd in lab stack scan httpd decode demux; do
    for o in $(_portplex_options "$cmd"); do
        "$P" "$cmd" --help 2>&1 | grep -qF -- "$o" || { echo "FAIL: $cmd offers $o, not in its --help"; fail=1; }
    done
done
[ "$fail" = 0 ] && echo "completion: all cases pass"
exit $fail
