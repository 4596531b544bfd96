#!/bin/bash
# manpages.sh - the man pages in man/ render without a warning (groff -ww),
# `man -l` formats each, and every option a command's --help names is in its
# page, and every option the page lists (.TP items) is one --help names.
# Usage: manpages.sh PORTPLEX
set -u
P=$1
MAN=$(cd "$(dirname "$0")/../../man" && pwd)
fail=0
for page in "$MAN"/*.[13]; do
    out=$(groff -ww -z -man "$page" 2>&1)
    [ -z "$out" ] || { echo "FAIL: groff warns on $(basename "$page"): $out"; fail=1; }
    if command -v man >/dev/null; then
        man -l "$page" 2>/dev/null | grep -q "NAME" || { echo "FAIL: man -l $(basename "$page") shows no NAME"; fail=1; }
    fi
done
check() { # check PAGE HELP-COMMAND...
    local page=$MAN/$1
    shift
    [ -f "$page" ] || { echo "FAIL: no page $page"; fail=1; return; }
    "$@" >/tmp/pp_help.$$ 2>&1
    python3 - "$page" /tmp/pp_help.$$ <<'PY' || fail=1
import re, sys
page, help_ = open(sys.argv[1]).read(), open(sys.argv[2]).read()
# The page as text: roff's \- is a hyphen, font escapes go.
text = re.sub(r'\\f[BIRP]', '', page).replace('\\-', '-').replace('\\e', '\\')
opt = re.compile(r'(?<![\w.:/-])(--[a-z][a-z0-9-]*|-[A-Za-z][A-Za-z0-9]?)(?![\w])')
bad = 0
# Every option --help names is in the page.
for o in sorted(set(opt.findall(help_))):
    if not re.search(r'(?<![\w-])' + re.escape(o) + r'(?![\w-])', text):
        print(f'FAIL: {sys.argv[1].split("/")[-1]}: {o} is in --help but not in the page')
        bad = 1
# Every option the page lists (first word of a .TP/.TQ tag) is in --help.
lines = text.split('\n')
for i, l in enumerate(lines[:-1]):
    if l.strip() in ('.TP', '.TQ'):
        tag = re.sub(r'^\.(B|BI|BR|I|IR|RB)\s+', '', lines[i + 1]).strip().strip('"')
        m = re.match(r'(--?[A-Za-z][A-Za-z0-9-]*)', tag)
        # --help: every command takes it; the pages say so, the usage lines do not.
        if m and m.group(1) != '--help' and not re.search(r'(?<![\w-])' + re.escape(m.group(1)) + r'(?![\w-])', help_):
            print(f'FAIL: {sys.argv[1].split("/")[-1]}: {m.group(1)} is in the page but not in --help')
            bad = 1
sys.exit(bad)
PY
    rm -f /tmp/pp_help.$$
}
check portplex.1 "$P" --help
for c in lab stack httpd scan decode demux; do
    check "portplex-$c.1" "$P" "$c" --help
done
[ $fail = 0 ] && echo "man pages: all render, options agree with --help"
exit $fail
