#!/usr/bin/env python3
"""funclen.py - no function in harness/ longer than the limit (80 lines
from its name to its closing brace), the size past which STYLE.md asks
for small static functions.  Functions are found the way the code is
written (PEP 7): the name at column 0 followed by '(' on the line after
the return type, the body's braces at column 0.

usage: funclen.py [--max N] DIR...   exit 1 listing every function over N
"""
import os
import re
import sys

NAME = re.compile(r'^([A-Za-z_][A-Za-z0-9_]*)\(')


def functions(path):
    """Yields (name, first line, length) for each function of a C file."""
    with open(path, encoding='utf-8', errors='replace') as f:
        lines = f.read().split('\n')
    name, start = None, 0
    for i, line in enumerate(lines):
        m = NAME.match(line)
        if m and name is None:
            name, start = m.group(1), i
        elif name is not None and line.startswith(';'):
            name = None
        elif name is not None and line.rstrip().endswith(';') and \
                not line.startswith(' ') and '{' not in line:
            name = None     # a prototype over several lines
        elif name is not None and line == '}':
            yield name, start + 1, i - start + 1
            name = None


def main(argv):
    limit = 80
    if len(argv) > 2 and argv[1] == '--max':
        limit = int(argv[2])
        argv = argv[2:]
    bad = []
    for top in argv[1:]:
        for root, _, files in os.walk(top):
            for fn in sorted(files):
                if not fn.endswith('.c'):
                    continue
                path = os.path.join(root, fn)
                for name, first, n in functions(path):
                    if n > limit:
                        bad.append('%s:%d: %s() is %d lines (over %d)'
                                   % (path, first, name, n, limit))
    for line in bad:
        print(line)
    print('%d function(s) over %d lines' % (len(bad), limit))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
