#!/usr/bin/env python3
"""Integration checks of --trace and of the names of what grew, on one
interpreter (issue 22).

usage: trace.py --tag TAG --leakmatrix PATH --scenarios DIR [--repeat N]

attribute  with --trace, the reference leaks are attributed to the line
           that allocates what leaks: pyleak.py's append, fixture.py's
           call of lmfixture's leak_ref, and _lmx_leakymod.py's line
           inside the module pymodleak.py imports, a unittest test's and a
           callable's line (tests as scenarios, tests/fixtures/tests);
           with --census too, the type kept (census_kept.py) beside its
           site
clean      the clean fixtures and twins attribute nothing under --trace
           (no site, no name that grew every round), --repeat times
           (default 5)
same       every fixture of check.py's fixtures and verdicts suites gets
           the same status with and without --trace, and check.py's
           judges still hold on the traced ones
names      in the default mode, an fd leak names the fd's target
           (/dev/null; pyfdleak.py's scratch file, with --trace also the
           line that opened it), a thread leak its thread (pythreadleak.py
           by name and target, lmfixture's native thread as not started by
           Python), kept garbage its type

Every result document read is checked against the schema as check.py
checks it.  Exit status 0 = pass, 1 = fail (with the reasons).
"""
import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

import check
from lmxtest import FAILURES, expect, fail

# Clean fixtures: (scenario, extra options).
CLEAN = [
    ('plain.py', []),
    ('cycle_garbage.py', []),
    ('warmup_cache.py', []),
    ('fixture.py', ['--vary', 'call=none_ok,leak_ref_ok,leak_malloc_ok,'
                    'type_ref_ok']),
    ('fixture.py', ['--iterations', '10', '--vary',
                    'call=leak_thread_ok,leak_fd_ok']),
]


def line_of(opts, scenario, text):
    """The number of the first line of scenario that holds text."""
    with open(os.path.join(opts.scenarios, scenario)) as f:
        for n, line in enumerate(f, 1):
            if text in line:
                return n
    raise AssertionError('%s has no line with %r' % (scenario, text))


def site_frame(doc):
    """The top site's own frame, or None without a site."""
    sites = (doc.get('outcome') or {}).get('sites') or []
    if not sites:
        return None
    return sites[0]['frames'][sites[0]['at']]


def grew(doc, kind):
    return [g for g in doc.get('grew') or [] if g.get('kind') == kind]


def one_doc(opts, scenario, extra, label):
    proc, docs = check.run_cell(opts, scenario, extra)
    doc = docs.get(scenario[:-3])
    if doc is None:
        fail('%s: no result; stderr: %s' % (label, proc.stderr[-2000:]))
    return doc


def expect_site(doc, label, file, line, function):
    fr = site_frame(doc)
    got = fr and (fr.get('file'), fr.get('line'), fr.get('function'))
    site = ((doc.get('outcome') or {}).get('sites') or [{}])[0]
    expect(site.get('rounds') and
           site.get('rounds_growing') == site.get('rounds') ==
           doc.get('counted_rounds'),
           '%s: the site grew in %r of %r rounds, %r counted' % (
               label, site.get('rounds_growing'), site.get('rounds'),
               doc.get('counted_rounds')))
    if expect(got == (file, line, function),
              '%s: site %r, expected %s:%d in %s (%s)' % (
                  label, got, file, line, function, doc.get('summary'))):
        want = 'grows at %s:%d in %s' % (file, line, function)
        expect(want in doc.get('summary', ''),
               '%s: the summary does not say %r: %s' % (
                   label, want, doc.get('summary')))
    sys.stdout.write('%-28s %s\n' % (label, doc.get('summary')))


def check_attribute(opts):
    doc = one_doc(opts, 'pyleak.py', ['--trace'], 'pyleak --trace')
    if doc:
        expect_site(doc, 'pyleak --trace', 'pyleak.py',
                    line_of(opts, 'pyleak.py', 'state.append(object())'),
                    'iterate')
    proc, docs = check.run_cell(opts, 'fixture.py',
                                ['--trace', '--set', 'call=leak_ref'])
    doc = docs.get('fixture')
    if expect(doc is not None, 'fixture leak_ref --trace: no result'):
        expect_site(doc, 'fixture leak_ref --trace', 'fixture.py',
                    line_of(opts, 'fixture.py', '        fn()'), 'iterate')
    doc = one_doc(opts, 'pymodleak.py', ['--trace'], 'pymodleak --trace')
    if doc:
        expect_site(doc, 'pymodleak --trace', '_lmx_leakymod.py',
                    line_of(opts, '_lmx_leakymod.py', "the leak's line"),
                    'decode')
    check_census_beside(opts)
    check_test_targets(opts)


def target_doc(opts, target, label):
    """One test target's result, run from tests/fixtures/tests (beside the
    scenarios), where its module imports."""
    out = tempfile.mkdtemp(prefix='lmx-trace-')
    try:
        proc = subprocess.run(
            [opts.leakmatrix, 'run', '-q', '--trace', '--python', opts.tag,
             '--out', out, target], cwd=tests_dir(opts),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            universal_newlines=True, timeout=600)
        docs = []
        for path in glob.glob(os.path.join(out, '*.json')):
            with open(path) as f:
                docs.append(json.load(f))
    finally:
        shutil.rmtree(out, ignore_errors=True)
    for doc in docs:
        for err in check.document_errors(doc, opts):
            fail('%s: result document: %s' % (label, err))
    if len(docs) != 1:
        fail('%s: %d results; stderr: %s' % (label, len(docs),
                                             proc.stderr[-2000:]))
        return None
    return docs[0]


def tests_dir(opts):
    return os.path.join(os.path.dirname(os.path.abspath(opts.scenarios)),
                        'tests')


def check_test_targets(opts):
    """Tests as scenarios: the site is the test's line (no PyPI needed:
    unittest and a plain callable)."""
    with open(os.path.join(tests_dir(opts), 'test_utfix.py')) as f:
        lines = f.read().splitlines()
    for target, first, function in (
            ('unittest:test_utfix.TestFix.test_leak',
             '    def test_leak(self):', 'TestFix.test_leak'),
            ('call:test_utfix:call_leak', 'def call_leak():', 'call_leak')):
        label = target + ' --trace'
        doc = target_doc(opts, target, label)
        if doc is None:
            continue
        line = lines.index(first) + 1
        while 'KEPT.append(object())' not in lines[line - 1]:
            line += 1
        expect_site(doc, label, 'test_utfix.py', line, function)


def check_census_beside(opts):
    """--census --trace: the kept type beside its site.  3.11's
    tracemalloc.get_object_traceback() does not find an instance whose
    dict pointers sit before it (a class without __slots__): no types
    there."""
    label = 'census_kept --census --trace'
    doc = one_doc(opts, 'census_kept.py', ['--census', '--trace'], label)
    if doc is None:
        return
    expect_site(doc, label, 'census_kept.py',
                line_of(opts, 'census_kept.py', 'KeptPerIteration())'),
                'iterate')
    version = check.version_tuple(check.registry_entry(opts)['version'])
    sites = (doc.get('outcome') or {}).get('sites') or [{}]
    types = [t.get('type', '') for t in sites[0].get('types') or []]
    if version[:2] != (3, 11):
        expect(any(t.endswith('KeptPerIteration') for t in types),
               '%s: the site names types %r, not KeptPerIteration' % (
                   label, types))
    expect(doc.get('census') and doc.get('mode') == 'census+trace',
           '%s: mode %r, census %r' % (label, doc.get('mode'),
                                       doc.get('census')))


def check_clean(opts):
    for attempt in range(opts.repeat):
        for scenario, extra in CLEAN:
            proc, docs = check.run_cell(opts, scenario, ['--trace', '-j', '2']
                                        + extra, by_params=True)
            expect(docs, '%s %s: no result; stderr: %s' % (
                scenario, ' '.join(extra), proc.stderr[-2000:]))
            for params, doc in sorted(docs.items()):
                label = '%s [%s] --trace (run %d)' % (scenario[:-3], params,
                                                      attempt + 1)
                every = [g['name'] for g in doc.get('grew') or []
                         if g.get('every_round')]
                expect(doc['status'] == 'clean' and site_frame(doc) is None
                       and not every,
                       '%s: %s; sites %r, grew every round %r' % (
                           label, doc.get('summary'),
                           (doc.get('outcome') or {}).get('sites'), every))
        sys.stdout.write('clean fixtures under --trace, run %d: done\n'
                         % (attempt + 1))


def statuses(opts, scenario, extra, trace):
    """{params or scenario: doc} of one run, with or without --trace."""
    proc, docs = check.run_cell(opts, scenario, ['-j', '2'] + extra +
                                (['--trace'] if trace else []),
                                by_params=True)
    return docs


def compare(label, plain, traced):
    expect(sorted(plain) == sorted(traced),
           '%s: cells %r without --trace, %r with' % (label, sorted(plain),
                                                      sorted(traced)))
    for key in sorted(plain):
        a, b = plain[key], traced.get(key) or {}
        expect(a.get('status') == b.get('status'),
               '%s [%s]: %s without --trace, %s with' % (
                   label, key, a.get('summary'), b.get('summary')))
        sys.stdout.write('%-44s %-12s %s\n' % (
            '%s [%s]' % (label, key), a.get('status'), b.get('status')))


def check_same(opts):
    """The fixtures suite's cells and the verdicts suite's scenarios, with
    and without --trace: the same statuses, and check.py's judges."""
    for extra, calls in check.fixture_batches():
        vary = ['--vary', 'call=' + ','.join(c for c, _ in calls)]
        plain = statuses(opts, 'fixture.py', vary + extra, False)
        traced = statuses(opts, 'fixture.py', vary + extra, True)
        compare('fixture', plain, traced)
        for call, judge in calls:
            doc = traced.get('call=' + call)
            if doc is not None:
                err = judge(doc, opts)
                expect(err is None, 'fixture %s --trace: %s' % (call, err))
    for scenario, extra, judge, _ in check.VERDICT_SCENARIOS:
        plain = statuses(opts, scenario, extra, False)
        traced = statuses(opts, scenario, extra, True)
        compare(scenario[:-3] + ''.join(' ' + e for e in extra), plain,
                traced)
        for doc in traced.values():
            err = judge(doc, opts)
            expect(err is None, '%s %s --trace: %s' % (scenario,
                                                       ' '.join(extra), err))


def expect_named(doc, label, kind, match, summary):
    names = grew(doc, kind)
    hit = [g for g in names if match(g['name']) and g['every_round']]
    expect(hit, '%s: no %s that grew every round matches; grew %r (%s)' % (
        label, kind, names, doc.get('summary')))
    expect(summary in doc.get('summary', ''),
           '%s: the summary does not say %r: %s' % (label, summary,
                                                    doc.get('summary')))
    sys.stdout.write('%-28s %s\n' % (label, doc.get('summary')))
    return hit[0] if hit else None


def check_names(opts):
    proc, docs = check.run_cell(opts, 'fixture.py',
                                ['-j', '2', '--iterations', '10', '--vary',
                                 'call=leak_fd,leak_thread'],
                                by_params=True)
    doc = docs.get('call=leak_fd')
    if expect(doc is not None, 'fixture leak_fd: no result'):
        expect_named(doc, 'fixture leak_fd', 'fds',
                     lambda n: n == '/dev/null', 'fds +1.0/it (/dev/null')
    doc = docs.get('call=leak_thread')
    if expect(doc is not None, 'fixture leak_thread: no result'):
        expect_named(doc, 'fixture leak_thread', 'threads',
                     lambda n: 'not started by Python' in n,
                     'threads +1.0/it (')
    doc = one_doc(opts, 'pythreadleak.py', [], 'pythreadleak')
    if doc:
        want = "'lmx-parked-N' running _park (pythreadleak.py:%d)" % (
            line_of(opts, 'pythreadleak.py', 'def _park'))
        expect_named(doc, 'pythreadleak', 'threads', lambda n: n == want,
                     'threads +1.0/it (%s)' % want)
    doc = one_doc(opts, 'garbage_saved.py', [], 'garbage_saved')
    if doc:
        expect_named(doc, 'garbage_saved', 'garbage',
                     lambda n: n.endswith('.Cycle'), 'garbage +1.0/it (')
    check_fd_opened(opts)


def check_fd_opened(opts):
    """pyfdleak.py: the scratch file by path; with --trace, the line that
    opened it."""
    doc = one_doc(opts, 'pyfdleak.py', ['--trace'], 'pyfdleak --trace')
    if doc is None:
        return
    g = expect_named(doc, 'pyfdleak --trace', 'fds',
                     lambda n: 'lmx-pyfdleak-' in n and n.endswith('.log'),
                     'fds +1.0/it (')
    line = line_of(opts, 'pyfdleak.py', "the leak's line")
    opened = (g or {}).get('opened') or {}
    expect((opened.get('file'), opened.get('line')) == ('pyfdleak.py', line),
           'pyfdleak --trace: opened at %r, expected pyfdleak.py:%d' % (
               opened, line))
    expect('opened at pyfdleak.py:%d in iterate' % line in
           doc.get('summary', ''),
           'pyfdleak --trace: the summary does not say where it was '
           'opened: %s' % doc.get('summary'))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--tag', required=True)
    ap.add_argument('--leakmatrix', required=True)
    ap.add_argument('--scenarios', required=True)
    ap.add_argument('--repeat', type=int, default=5)
    opts = ap.parse_args()
    check_attribute(opts)
    check_names(opts)
    check_clean(opts)
    check_same(opts)
    if FAILURES:
        sys.stderr.write('%d failure(s)\n' % len(FAILURES))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
