#!/usr/bin/env python3
"""Real leaks in C extensions from PyPI (tests/fixtures/reallibs/): every
cell's verdict, with its scenario's own library sets, on the interpreters
this machine has of 3.8, 3.11, 3.12 and a debug 3.11.

Usage: reallibs.py --leakmatrix BIN --scenarios DIR --tag TAG...

Each cell guards a verdict that was once wrong:
- multidict 6.8.0 on a debug interpreter: its release-built extension
  made refs_total drift +43/it (a false leak); refs_total is not judged
  there now, and the cell is clean;
- multidict 6.4.3: a leak of type references only (refs_types), clean on
  every release interpreter before that probe;
- lz4 4.0.1 with one corrupt frame in 200: a heap leak in 64 KiB lumps,
  suspect before heap totals were read as lumps.
Needs PyPI (exit 77 without it, or with fewer than two interpreters).
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lmxtest import FAILURES, expect, run_docs  # noqa: E402

# scenario -> set -> (status, the metric that must say so)
TRUTH = {
    'multidict_istr_keys.py': {
        'multidict==6.3.2': ('leak', 'blocks'),
        'multidict==6.4.3': ('leak', 'refs_types'),
        'multidict==6.8.0': ('clean', None),
    },
    'lz4_corrupt_sometimes.py': {
        'lz4==4.0.1': ('leak', 'heap_bytes'),
        'lz4==4.0.2': ('clean', None),
    },
}
# The interpreters each scenario's releases have wheels or build for.
WANT = {
    'multidict_istr_keys.py': ('3.11', '3.12', '3.11-debug'),
    'lz4_corrupt_sometimes.py': ('3.8', '3.11'),
}


def pick(tags, want):
    """The first tag of each wanted series ("3.11", "3.11-debug")."""
    found = []
    for w in want:
        debug = w.endswith('-debug')
        series = w[:-len('-debug')] if debug else w
        for t in tags:
            if t.startswith(series + '.') and ('-debug' in t) == debug:
                found.append(t)
                break
    return found


def run_scenario(opts, path, tags):
    proc, docs = run_docs(opts.leakmatrix, path, tags, 1800)
    return proc, dict(((doc['python']['tag'], doc['key']['libset']), doc)
                      for doc in docs)


def judge(tag, libset, doc, want):
    status, metric = want
    label = '%s %s' % (tag, libset)
    if doc is None:
        expect(False, '%s: no result' % label)
        return
    if doc['status'] == 'skipped' and 'cannot install' in doc['summary'] \
            and ('No matching distribution' in doc['summary']
                 or 'Could not fetch' in doc['summary']):
        sys.stdout.write('%-32s skipped: %s\n' % (label, doc['summary']))
        return
    m = doc.get('metrics', {}).get(metric, {}) if metric else {}
    expect(doc['status'] == status and (metric is None
                                        or m.get('verdict') == status),
           '%s: %s, expected %s%s' % (label, doc.get('summary'), status,
                                      ' by ' + metric if metric else ''))
    refs = doc.get('metrics', {}).get('refs_total')
    if doc['python'].get('debug') and refs is not None:
        expect(refs.get('verdict') == 'n/a'
               and 'without Py_REF_DEBUG' in (refs.get('why') or ''),
               '%s: refs_total %s, expected n/a (a release-built '
               'extension)' % (label, refs.get('verdict')))
    sys.stdout.write('%-32s %s\n' % (label, doc.get('summary')[:110]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--leakmatrix', required=True)
    ap.add_argument('--scenarios', required=True)
    ap.add_argument('--tag', action='append', default=[])
    opts = ap.parse_args()
    ran = 0
    for scenario, sets in sorted(TRUTH.items()):
        tags = pick(opts.tag, WANT[scenario])
        if len(tags) < 2:
            sys.stderr.write('%s: fewer than two of %s here; not run\n'
                             % (scenario, ', '.join(WANT[scenario])))
            continue
        proc, cells = run_scenario(opts, os.path.join(opts.scenarios,
                                                      scenario), tags)
        if proc.returncode not in (0, 1):
            expect(False, '%s: exit %d: %s' % (scenario, proc.returncode,
                                               proc.stderr[-2000:]))
            continue
        ran += 1
        for tag in tags:
            for libset, want in sorted(sets.items()):
                judge(tag, libset, cells.get((tag, libset)), want)
    if ran == 0:
        return 77
    if FAILURES:
        sys.stderr.write('%d failure(s)\n' % len(FAILURES))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
