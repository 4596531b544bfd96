#!/bin/bash
# completion_zsh.sh - the zsh completion in contrib/completion/_portplex
# offers what a user expects: the commands, each command's options as its
# --help names them, scan types, files after -oN, directories after --root.
# zsh's completion builtins are replaced by recorders, and _portplex is
# asked as zsh would ask it (words, CURRENT, PREFIX).
# Usage: completion_zsh.sh PORTPLEX
set -u
P=$(readlink -f "$1")
F=$(cd "$(dirname "$0")/../../contrib/completion" && pwd)/_portplex
if ! command -v zsh >/dev/null; then
    echo "zsh not installed"
    [ "${PP_REQUIRE_INTEROP:-0}" = 1 ] && exit 1
    exit 77
fi
head -1 "$F" | grep -qx '#compdef portplex' || { echo "FAIL: $F lacks '#compdef portplex'"; exit 1; }
zsh -n "$F" || { echo "FAIL: zsh -n $F"; exit 1; }
ask() { # ask WORD... : what _portplex offers for the last word, one per line
    zsh -f -c '
        compadd() { local a; local -a arr; while [[ $1 == -* ]]; do
                if [[ $1 == -a ]]; then shift; arr=(${(P)1}); print -l -- $arr; shift; continue; fi
                [[ $1 == -- ]] && { shift; break; }; shift; done; print -l -- "$@"; }
        _describe() { local -a c; c=(${(P)4}); print -l -- ${c%%:*}; }
        _files() { print -- "<files $*>"; }
        _default() { print -- "<default>"; }
        words=("$@"); CURRENT=$#; PREFIX=${words[CURRENT]}
        source '"$F"'
    ' zsh "$P" "$@" 2>&1
}
fail=0
source "$(cd "$(dirname "$0")/../tools" && pwd)/completion_expect.sh"
expect " " lab stack scan httpd decode demux help
expect "-" --version --help
expect "lab -" --seed --loss --connections --pcap --quiet --json --html
expect "scan -" -sS -sU -T4 -p --top-ports --reason -oX --packet-trace -PE
expect "httpd -" --root --listen --tls-cert --stack
expect "scan -oN " "<files >"
expect "httpd --root " "<files -/>"
expect "help " lab scan
expect "decode " "<files >"
[ $fail = 0 ] && echo "zsh completion: all cases offered"
exit $fail
