#!/usr/bin/env python3
"""arrows.py SRC_DIR - the include graph against docs/architecture.md.

Each file's #include "..." lines become arrows between the parts of the
code; an arrow the architecture does not allow fails, unless it is one of
the KNOWN arrows still to be removed (issue "The core as an engine", part 1
and 2), each named with the file that makes it.  A KNOWN arrow that no longer
exists also fails, so the list only shrinks.  Folders must form no cycle
once the known arrows are set aside."""
import os
import re
import sys

# Public headers belong to the part that implements them.
PUBLIC = {
    'portplex/export.h': 'iface', 'portplex/link.h': 'iface',
    'portplex/demux.h': 'demux', 'portplex/htable.h': 'demux', 'portplex/siphash.h': 'demux',
    'portplex/vwire.h': 'link', 'portplex/tun.h': 'link', 'portplex/link_wrap.h': 'link',
    # stack.h is the stack's public face: the instance, its link, poll and
    # input, counters, taps (src/stack/); pp_stack_new and pp_stack_free,
    # which also give it its protocols, live above it in api/.
    'portplex/stack.h': 'stack', 'portplex/socket.h': 'api', 'portplex/portplex.h': 'api',
}
# Who may include whom (docs/architecture.md, "Parts and arrows").
ALLOWED = {
    'wire': {'iface'},
    'demux': {'iface'},
    'link': {'iface', 'wire'},
    'stack': {'iface', 'wire', 'demux'},
    'tcp': {'iface', 'wire', 'demux', 'stack'},
    'udp': {'iface', 'wire', 'demux', 'stack'},
    'api': {'iface', 'wire', 'demux', 'stack', 'tcp', 'udp'},
    # Drivers join links to stacks: they call both, neither calls them.
    'driver': {'iface', 'wire', 'link', 'stack', 'api'},
    # Above the library boundary: public headers only (no src/ on their path).
    'packetdrill': {'iface', 'wire', 'stack', 'api', 'link'},
    'apps': {'iface', 'wire', 'demux', 'link', 'stack', 'api'},
    'top': {'iface', 'api'},
}
# Arrows that break the rules today: (from-file, included header).
KNOWN = set()


# Calls below the include level: the API's socket functions, which the parts
# under it reach only through the upcall table (struct pp_sock_upcalls).
API_CALLS = re.compile(r'\b(pp__sock_(?:wake|put|get|flush_wakes)|pp__fd_alloc|pp__api_\w+|pp__tcp_usr_\w+)\s*\(')
BELOW_API = {'wire', 'demux', 'link', 'stack', 'tcp', 'udp'}


def part_of(path):
    parts = path.split('/')
    if parts[0] == 'apps':
        return 'apps'
    return parts[0] if len(parts) > 1 else 'top'


def target_of(inc, here):
    if inc.startswith('portplex/wire/'):
        return 'wire'
    if inc in PUBLIC:
        return PUBLIC[inc]
    if '/' not in inc:
        return here
    top = inc.split('/')[0]
    if here == 'apps' and top in ('scan', 'http', 'cli'):
        return 'apps'
    return top


def main():
    src = sys.argv[1]
    seen, bad, edges = set(), [], {}
    for root, _, files in os.walk(src):
        for f in sorted(files):
            if not f.endswith(('.c', '.h')):
                continue
            rel = os.path.relpath(os.path.join(root, f), src)
            here = part_of(rel)
            with open(os.path.join(root, f), encoding='utf-8') as fh:
                text = fh.read()
                if here in BELOW_API:
                    for m in API_CALLS.finditer(text):
                        bad.append(f'{rel}: calls {m.group(1)} ({here} -> api: use the upcall table)')
                for inc in re.findall(r'^\s*#\s*include\s+"([^"]+)"', text, re.M):
                    to = target_of(inc, here)
                    if to == here:
                        continue
                    if (rel, inc) in KNOWN:
                        seen.add((rel, inc))
                        continue
                    if to not in ALLOWED.get(here, set()):
                        bad.append(f'{rel}: includes "{inc}" ({here} -> {to} is not an allowed arrow)')
                    edges.setdefault(here, set()).add(to)
    for k in sorted(KNOWN - seen):
        bad.append(f'known arrow {k[0]} -> "{k[1]}" is gone: remove it from KNOWN')

    # No cycle between parts (depth-first search).
    state = {}

    def visit(n, trail):
        state[n] = 1
        for m in sorted(edges.get(n, ())):
            if state.get(m) == 1:
                bad.append('cycle: ' + ' -> '.join(trail + [n, m]))
            elif not state.get(m):
                visit(m, trail + [n])
        state[n] = 2

    for n in sorted(edges):
        if not state.get(n):
            visit(n, [])
    for b in bad:
        print(b)
    if not bad:
        print(f'include graph: {sum(len(v) for v in edges.values())} arrows between parts, all allowed, '
              f'no cycle; {len(KNOWN)} known arrows still to remove')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
