#!/usr/bin/env python3
"""Real CPython leaks (tests/fixtures/realleaks/): every cell's verdict
against the interpreters known to have each bug.

Usage: realleaks.py --leakmatrix BIN --scenarios DIR --tag TAG...

Each scenario runs once on every given interpreter; a cell must end
`leak` where the bug is, `clean` where it is not, and `skipped` where the
scenario's REQUIRES rule it out.  An interpreter the table does not know
is not judged (it is named on stderr), since which release fixed a bug
is only known here for the interpreters measured.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lmxtest import FAILURES, expect, run_docs  # noqa: E402

ALL = ['3.6.15', '3.7.16', '3.8.18', '3.9.2', '3.9.18', '3.10.13', '3.11.2',
       '3.11.2-debug', '3.11.7', '3.12.1', '3.13.0', '3.13.5t', '3.14.10',
       '3.14.10-debug', '3.15.2', '3.15.2-debug']

# One row a scenario: a letter for each interpreter of ALL, in its order
# (L leak, C clean, S skipped), grouped as ALL reads: 3.6 to 3.10 (six),
# the 3.11s (three), 3.12.1 and 3.13.0, 3.13.5t, the 3.14s, the 3.15s.
# An indented line under a row says why.
GRID = """
context_run_exit.py          SLLLLL LLL LC C CC CC
    gh-120811: fixed for 3.13 and later 3.12 releases
zip_untracked_tuple.py       LLCCCC CCC CC C CC CC
    bpo-42536: backported to 3.8 and 3.9 in December 2020
pairwise_reenter.py          SSSSSL LLC CC C CC CC
    gh-109786: pairwise is new in 3.10
textio_reconfigure_errors.py SCCCCC CCL CC C CC CC
    python/cpython#126542: the 3.11 mis-merge, after 3.11.2
xmlparser_reinit.py          LLLLLL LLL LL L LL LL
    gh-114795: every interpreter here
hash_nonint_result.py        LLLLLL LLL LL L CC CC
    gh-140406: fixed in October 2025, after 3.13.5 and before 3.14.10
task_reinit_context.py       SSSSSS LLL LL C CC SS
    gh-126083: Task takes a context from 3.11; fixed after 3.13.0;
    3.15 refuses a second __init__()
"""
VERDICT = {'L': 'leak', 'C': 'clean', 'S': 'skipped'}


def parse_grid(text):
    """{scenario: {tag: verdict}} from GRID; a row with a letter too many
    or too few is an error here, not a cell left unjudged."""
    truth = {}
    for line in text.splitlines():
        if not line[:1].strip():
            continue
        name, rest = line.split(None, 1)
        letters = ''.join(rest.split())
        if len(letters) != len(ALL) or set(letters) - set(VERDICT):
            raise ValueError('%s: %r is not %d of L, C, S'
                             % (name, letters, len(ALL)))
        truth[name] = dict(zip(ALL, (VERDICT[c] for c in letters)))
    return truth


TRUTH = parse_grid(GRID)


def run_scenario(opts, path):
    proc, docs = run_docs(opts.leakmatrix, path, opts.tag, 900)
    return proc, dict((doc['python']['tag'], doc) for doc in docs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--leakmatrix', required=True)
    ap.add_argument('--scenarios', required=True)
    ap.add_argument('--tag', action='append', default=[])
    opts = ap.parse_args()
    if not opts.tag:
        print('no interpreter')
        return 77
    judged = 0
    for name, truth in sorted(TRUTH.items()):
        proc, cells = run_scenario(opts, os.path.join(opts.scenarios, name))
        expect(proc.returncode in (0, 1, 3), '%s: run exited %d: %s' % (
            name, proc.returncode, proc.stderr[-300:]))
        for tag in opts.tag:
            want = truth.get(tag)
            if want is None:
                sys.stderr.write('%s: %s not in the table, not judged\n'
                                 % (name, tag))
                continue
            doc = cells.get(tag)
            if not expect(doc is not None, '%s on %s: no result' % (name, tag)):
                continue
            judged += 1
            expect(doc['status'] == want, '%s on %s: %s, expected %s (%s)' % (
                name, tag, doc['status'], want, doc.get('summary')))
            print('%-30s %-13s %-8s %s' % (name, tag, doc['status'],
                                           (doc.get('summary') or '')[:70]))
    if judged == 0:
        print('no interpreter of the table here')
        return 77
    return 1 if FAILURES else 0


if __name__ == '__main__':
    sys.exit(main())
