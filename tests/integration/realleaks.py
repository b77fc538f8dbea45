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

L, C, S = 'leak', 'clean', 'skipped'
ALL = ['3.6.15', '3.7.16', '3.8.18', '3.9.2', '3.9.18', '3.10.13', '3.11.2',
       '3.11.2-debug', '3.11.7', '3.12.1', '3.13.0']


def table(*verdicts):
    return dict(zip(ALL, verdicts))


TRUTH = {
    # gh-120811: fixed for 3.13 and later 3.12 releases
    'context_run_exit.py': table(S, L, L, L, L, L, L, L, L, L, C),
    # bpo-42536: backported to 3.8 and 3.9 in December 2020
    'zip_untracked_tuple.py': table(L, L, C, C, C, C, C, C, C, C, C),
    # gh-109786: pairwise is new in 3.10
    'pairwise_reenter.py': table(S, S, S, S, S, L, L, L, C, C, C),
    # python/cpython#126542: the 3.11 mis-merge, after 3.11.2
    'textio_reconfigure_errors.py': table(S, C, C, C, C, C, C, C, L, C, C),
    # gh-114795: every interpreter here
    'xmlparser_reinit.py': table(L, L, L, L, L, L, L, L, L, L, L),
}


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
