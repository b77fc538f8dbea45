#!/usr/bin/env python3
"""Tests as scenarios (issue 21): the fixture tests in tests/fixtures/tests/
run through `leakmatrix run` as pytest node ids, unittest ids and
callables, with pytest installed per interpreter from PyPI by a library set
(`--lib pytest`: pip picks the release each interpreter supports).

Usage: tests.py --leakmatrix BIN --fixtures DIR --tag TAG... [--input]

meson runs it once per interpreter (tests-TAG, side by side): 3.6.15,
3.7.16, 3.8.18, 3.11.7, 3.12.1 and 3.14.10, those provisioned; and once
with --input on 3.12.1 (tests-input-3.12.1).  Checks, on each tag given:
- every verdict: a leaking test and its clean twin, a function-scoped
  fixture that leaks per call and a module-scoped one that does not, a
  function fixture over a session fixture (clean: pytest 8.2's finalizer
  per setup, and pytest 7's on the module's and session's nodes, are the
  harness's to drop), a crashing test in the middle of its file (the
  tests after it run), a
  failing test (an error with pytest's or unittest's report), a skipped
  test (skipped, with its reason), an xfail test (run, not an error), a
  setUpClass that runs once, and two callables; which pytest ran;
- runners shared: the pytest tests of an interpreter ran in fewer
  runners than there are tests (runner_pid), each with its own result,
  and the tests after the crashing one in its file ran in another runner;
  a failing and a skipped test (pytest's and unittest's) did not end
  their runner: a test after them ran in it, and they are the same
  error and skipped cells;
- the leaks and their twins LEAKMATRIX_REPEAT times in a row (10 in the
  suite);
and instead, with --input, on the first tag: -k and -m select through
pytest's own collection; a node id or unittest name that matches nothing
is exit 2 in the framework's words, as is a bad -k; a file that does not
import is an error cell with the traceback, the other files going on; a
test that hangs is a timeout cell and the next test runs; a thread and a
child process a test leaves running are named in its result and ended;
resume reruns only the tests whose results are missing.

Needs PyPI for pytest: exit 77 when no pytest could be installed.
"""
import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lmxtest import expect, finish  # noqa: E402

PYTEST = 'pytest:test_pyfix.py'
UNITTEST = 'unittest:test_utfix'
CALLS = ['call:test_utfix:call_leak', 'call:test_utfix:call_twin']

# test id (the end of a pytest node id, or the whole unittest/call id) ->
# (statuses allowed, the metric a leak must be found by, text the result
# must hold)
TRUTH = {
    '::test_leak': (('leak',), 'blocks', None),
    '::test_leak_twin': (('clean',), None, None),
    '::test_fixture_leak': (('leak',), 'blocks', None),
    '::test_fixture_twin': (('clean',), None, None),
    '::test_chain_twin': (('clean',), None, None),
    '::test_crash': (('crash',), None, 'signal 6'),
    '::test_fail': (('error',), None, 'assert (1 + 1) == 3'),
    '::test_skip': (('skipped',), None, 'skipped on purpose'),
    '::test_xfail': (('clean', 'suspect', 'leak'), None, None),
    '::test_marked_slow': (('clean',), None, None),
    'test_utfix.TestFix.test_leak': (('leak',), 'blocks', None),
    'test_utfix.TestFix.test_leak_twin': (('clean',), None, None),
    'test_utfix.TestFix.test_crash': (('crash',), None, 'signal 6'),
    'test_utfix.TestFix.test_fail': (('error',), None, '2 != 3'),
    'test_utfix.TestFix.test_skip': (('skipped',), None,
                                     'skipped on purpose'),
    'test_utfix.TestFix.test_xfail': (('clean', 'suspect', 'leak'), None,
                                      None),
    'test_utfix:call_leak': (('leak',), 'blocks', None),
    'test_utfix:call_twin': (('clean',), None, None),
}
# The leaks and twins, repeated.
REPEATED = ['test_pyfix.py::test_leak', 'test_pyfix.py::test_leak_twin',
            'test_pyfix.py::test_fixture_leak',
            'test_pyfix.py::test_fixture_twin',
            'test_pyfix.py::test_chain_twin',
            'unittest:test_utfix.TestFix.test_leak',
            'unittest:test_utfix.TestFix.test_leak_twin'] + CALLS


def run(opts, targets, tags, extra=(), lib=True, out=None, budget=3):
    """`leakmatrix run` in the fixture directory, each test's rounds
    taking about budget seconds: (exit code, stderr, the result
    documents); in out, kept, when given, else in a directory of its own,
    removed."""
    keep = out is not None
    out = out or tempfile.mkdtemp(prefix='lmx-tests-')
    cmd = [opts.leakmatrix, 'run', '-q', '-j', '2', '--out', out,
           '--test-budget', str(budget)] + list(targets) + list(extra)
    if lib:
        cmd += ['--lib', 'pytest']
    for tag in tags:
        cmd += ['--python', tag]
    try:
        proc = subprocess.run(cmd, cwd=opts.fixtures, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE,
                              universal_newlines=True, timeout=1500)
        docs = []
        for f in sorted(glob.glob(os.path.join(out, '*.json'))):
            with open(f) as fh:
                docs.append(json.load(fh))
        return proc.returncode, proc.stderr, docs
    finally:
        if not keep:
            shutil.rmtree(out, ignore_errors=True)


def truth(test_id):
    for end, want in TRUTH.items():
        if test_id == end or test_id.endswith(end):
            return want
    return None


def no_pytest(doc):
    return doc['status'] == 'skipped' and (
        'cannot install' in doc['summary']
        or 'pytest does not import' in doc['summary'])


def judge(doc, label):
    test_id = doc['key']['scenario']
    want = truth(test_id)
    if not expect(want is not None, '%s: unexpected row %s'
                  % (label, test_id)):
        return
    statuses, metric, text = want
    m = doc.get('metrics', {}).get(metric, {}) if metric else {}
    expect(doc['status'] in statuses
           and (metric is None or m.get('verdict') == 'leak'),
           '%s %s: %s, expected %s%s' % (label, test_id, doc['summary'],
                                         '/'.join(statuses),
                                         ' by ' + metric if metric else ''))
    if text is not None:
        blob = json.dumps(doc)
        expect(text in blob, '%s %s: %r not in its result'
               % (label, test_id, text))
    if doc['status'] in ('clean', 'leak') and '::' in test_id:
        expect('test runner came from pytest' in doc['summary'],
               '%s %s: which pytest ran is not said: %s'
               % (label, test_id, doc['summary']))


def check_shared(docs, tag):
    """The pytest tests of tag ran in fewer runners than there are tests;
    the crashing test's runner ran no test after it (the pool hands a
    runner the pending tests in plan order, and any test may start a
    fresh runner): the rest went on in others."""
    rows = dict((d['key']['scenario'].split('::')[-1], d) for d in docs
                if d['python']['tag'] == tag and '::' in d['key']['scenario'])
    pids = set(d.get('runner_pid') for d in rows.values())
    expect(None not in pids and len(pids) < len(rows),
           '%s: %d runners for %d tests' % (tag, len(pids), len(rows)))
    crash = rows.get('test_crash', {})
    with_it = [t for t, d in rows.items() if t != 'test_crash'
               and d.get('runner_pid') == crash.get('runner_pid')]
    late = [t for t in with_it if rows[t]['timing']['started']
            > crash['timing']['started']]
    expect(crash and not late and len(with_it) + 1 < len(rows),
           '%s: test_crash\'s runner %s also ran %s, %s after it'
           % (tag, crash.get('runner_pid'), with_it, late))


def check_went_on(docs, tag):
    """A failing and a skipped test left their runner serving: a test
    after each ran in the same runner (a runner serves in plan order, so
    its tests sort by their start, then their place in the plan).  Their
    cells are error and skipped as ever (judge()), with the traceback."""
    order = [t.split('::')[-1] for t in TRUTH]
    rows = [d for d in docs if d['python']['tag'] == tag]

    def place(d):
        sid = d['key']['scenario']
        return (d['timing']['started'], order.index(sid.split('::')[-1])
                if '::' in sid else order.index(sid))
    for d in rows:
        sid = d['key']['scenario']
        if not sid.endswith(('test_fail', 'test_skip')):
            continue
        after = [o['key']['scenario'] for o in rows
                 if o['runner_pid'] == d['runner_pid'] and place(o) > place(d)]
        expect(after, '%s %s: its runner %s ran no test after it (%s)'
               % (tag, sid, d['runner_pid'], d['summary']))
        if sid.endswith('test_fail'):
            expect((d.get('error') or {}).get('traceback'),
                   '%s %s: no traceback' % (tag, sid))


def check_verdicts(opts, tags):
    """Every verdict once; returns the tags where pytest installed."""
    rc, err, docs = run(opts, [PYTEST, UNITTEST] + CALLS, tags)
    expect(rc == 1, 'verdicts: exit %d, expected 1 (findings): %s'
           % (rc, err[-2000:]))
    have = set()
    for doc in docs:
        tag = doc['python']['tag']
        if no_pytest(doc):
            sys.stdout.write('%-8s %s: %s\n' % (tag, doc['key']['scenario'],
                                                doc['summary'][:100]))
            continue
        if '::' in doc['key']['scenario']:
            have.add(tag)
        judge(doc, tag)
    for tag in tags:
        rows = set(d['key']['scenario'] for d in docs
                   if d['python']['tag'] == tag and not no_pytest(d))
        if tag in have:
            expect(len(rows) == len(TRUTH), '%s: %d rows, expected %d: %s'
                   % (tag, len(rows), len(TRUTH), sorted(rows)))
            check_shared(docs, tag)
            check_went_on(docs, tag)
    sys.stdout.write('verdicts: %d cells on %s\n' % (len(docs),
                                                     ', '.join(tags)))
    return sorted(have)


def check_repeat(opts, tags, times):
    """The leaks and twins again, each test's rounds in about a second
    (most of them run their 1000 iterations a round even so: they take
    microseconds), so that ten in a row fit in a minute or so."""
    for n in range(times):
        rc, err, docs = run(opts, REPEATED, tags, budget=1)
        expect(len(docs) == len(REPEATED) * len(tags),
               'repeat %d: %d cells, expected %d: %s'
               % (n + 2, len(docs), len(REPEATED) * len(tags), err[-1000:]))
        for doc in docs:
            judge(doc, 'repeat %d %s' % (n + 2, doc['python']['tag']))
    sys.stdout.write('repeat: %d more times on %s\n'
                     % (times, ', '.join(tags)))


def check_selection(opts, tag):
    """-k and -m, and names that select nothing.  False when pytest did
    not install on tag (nothing checked), else True."""
    rc, err, docs = run(opts, [PYTEST], [tag], ['-m', 'slow'])
    if docs and all(no_pytest(d) for d in docs):
        return False
    rows = sorted(d['key']['scenario'] for d in docs)
    expect(rc == 0 and len(rows) == 1 and rows[0].endswith('::test_marked'
                                                           '_slow'),
           '-m slow: exit %d, rows %s' % (rc, rows))
    rc, err, docs = run(opts, [PYTEST], [tag], ['-k', 'twin'])
    rows = sorted(d['key']['scenario'].split('::')[-1] for d in docs)
    expect(rows == ['test_chain_twin', 'test_fixture_twin',
                    'test_leak_twin'],
           '-k twin: exit %d, rows %s' % (rc, rows))
    for target, extra, words in [
            ('test_pyfix.py::test_nope', [], 'not found'),
            ('unittest:test_utfix.TestFix.test_nope', [],
             "has no attribute 'test_nope'"),
            ('call:test_utfix:nope', [], "has no attribute 'nope'"),
            (PYTEST, ['-k', 'a and'], "Wrong expression passed to '-k'")]:
        rc, err, docs = run(opts, [target], [tag], extra)
        expect(rc == 2 and words in err and not docs,
               '%s %s: exit %d, %d results, stderr %r'
               % (target, ' '.join(extra), rc, len(docs), err[-600:]))
    sys.stdout.write('selection and bad names: checked on %s\n' % tag)
    return True


def check_resume(opts, tag):
    """A second run in the same directory runs only the tests whose result
    files were removed, each again in a runner it may share."""
    out = tempfile.mkdtemp(prefix='lmx-tests-')
    try:
        rc, err, first = run(opts, [PYTEST], [tag], out=out)
        files = sorted(glob.glob(os.path.join(out, '*.json')))
        gone = [f for f in files if '__test_leak--' in f
                or '__test_skip--' in f]
        for f in gone:
            os.unlink(f)
        rc, err, second = run(opts, [PYTEST], [tag], out=out)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    before = dict((d['key']['scenario'], d['runner_pid']) for d in first)
    again = [d['key']['scenario'] for d in second
             if d['runner_pid'] != before.get(d['key']['scenario'])]
    expect(len(gone) == 2 and len(second) == len(first)
           and sorted(again) == sorted(d['key']['scenario'] for d in first
                                       if d['key']['scenario'].endswith(
                                           ('::test_leak', '::test_skip'))),
           'resume: removed %d of %d results, ran again %s'
           % (len(gone), len(files), again))
    sys.stdout.write('resume: checked on %s\n' % tag)


def alive(pid):
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    with open('/proc/%d/stat' % pid) as f:
        return f.read().split(') ')[-1][:1] != 'Z'


def check_bad(opts, tag):
    rc, err, docs = run(opts, ['pytest:test_pyfix_broken.py',
                               'pytest:test_pyfix_stuck.py'], [tag],
                        ['--timeout', '20'])
    cells = dict((d['key']['scenario'].split('::')[-1], d) for d in docs)
    broken = cells.get('test_pyfix_broken.py', {})
    expect(broken.get('status') == 'error' and 'leakmatrix_no_such_module'
           in (broken.get('error') or {}).get('traceback', ''),
           'broken file: %s' % broken.get('summary'))
    hang = cells.get('test_hang', {})
    expect(hang.get('status') == 'timeout', 'hang: %s' % hang.get('summary'))
    for name, left in [('test_leaves_thread', 'lmx-left-thread'),
                       ('test_leaves_child', 'sleep 3600')]:
        doc = cells.get(name, {})
        notes = ' '.join(doc.get('notes', []))
        expect(doc.get('status') == 'clean' and left in notes,
               '%s: %s; notes %r' % (name, doc.get('summary'), notes))
        if name == 'test_leaves_child' and ': ' in notes:
            pid = int(notes.split('ended with its runner: ')[-1].split()[0])
            expect(not alive(pid), 'the child %d is still running' % pid)
    sys.stdout.write('broken, hang and leftovers: checked on %s\n' % tag)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--leakmatrix', required=True)
    ap.add_argument('--fixtures', required=True)
    ap.add_argument('--tag', action='append', required=True)
    ap.add_argument('--input', action='store_true',
                    help='selection, bad input and resume instead')
    opts = ap.parse_args()
    tags = opts.tag
    if opts.input:
        if not check_selection(opts, tags[0]):
            sys.stderr.write('pytest did not install on %s (no PyPI?)\n'
                             % tags[0])
            return 77
        check_bad(opts, tags[0])
        check_resume(opts, tags[0])
        return finish('tests: input checked on %s' % tags[0])
    have = check_verdicts(opts, tags)
    if not have:
        sys.stderr.write('pytest installed on none of %s (no PyPI?)\n'
                         % ', '.join(tags))
        return 77
    repeat = int(os.environ.get('LEAKMATRIX_REPEAT', '1'))
    check_repeat(opts, have, repeat - 1)
    return finish('tests: checked on %s' % ', '.join(have))


if __name__ == '__main__':
    sys.exit(main())
