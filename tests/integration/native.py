#!/usr/bin/env python3
"""Native leak engines (issue 8) on one interpreter, with the real binary.

usage: native.py {valgrind,lsan,missing,stall} --tag TAG --leakmatrix PATH
                 --scenarios DIR [--server SCENARIO] [--repeat N]

valgrind  under memcheck: the lmfixture malloc leak is definitely-lost
          growth with the fixture's function in the top stack, its clean
          twin is clean, the reference leak is reachable growth; with
          --server, the threading server grows reachable memory per
          request; the clean twin stays clean --repeat times (default 5)
lsan      the same for LeakSanitizer: direct-leak growth and its stack,
          the twin clean --repeat times
missing   an engine that cannot be found: one line, exit 3
stall     under LSan at -j 2, a cell whose engine report never comes
          (the front end gives up on it after 10 s) holds no other
          cell: the other one ends in its own time

Where the engine cannot measure the interpreter (free-threaded builds for
both, an interpreter on its own glibc for valgrind) the check is instead
that every cell is skipped with that reason (and the run, with nothing
measured, exits 3).

Runs are short (few iterations); results go to a scratch directory.
Exit status 0 = pass, 1 = fail (with the reasons), 77 = skipped.
"""
import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

import check   # its schema-2 document checker, beside this file

from lmxtest import FAILURES, expect, fail

SHORT = ['--warmup', '2', '--rounds', '3', '--iterations', '20']


def run(opts, args, env=None, timeout=1500):
    cmd = [opts.leakmatrix, 'run', '-q'] + args
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=timeout, env=env)


def cells(opts, engine, scenario, sets, extra=()):
    """Runs one or more cells; returns (process, [result docs])."""
    out = tempfile.mkdtemp(prefix='lmx-native-', dir=opts.scratch)
    args = [scenario, '--python', opts.tag, '--' + engine, '--out', out]
    for s in sets:
        args += ['--set', s]
    proc = run(opts, args + SHORT + list(extra))
    docs = [json.load(open(p)) for p in sorted(glob.glob(out + '/*.json'))]
    for doc in docs:
        # check.py knows the modes of its own checks only
        for err in check.document_errors(doc, opts):
            if not err.startswith('mode '):
                fail('%s %s: %s' % (engine, doc.get('key'), err))
    return proc, docs


def verdict(doc, name):
    return (doc.get('metrics') or {}).get(name, {}).get('verdict')


def top_frames(doc):
    stacks = doc['outcome'].get('stacks') or []
    return stacks[0]['frames'] if stacks else []


def fixture(opts):
    return os.path.join(opts.scenarios, 'fixture.py')


def check_malloc_leak(opts, engine, metric, kind):
    proc, docs = cells(opts, engine, fixture(opts),
                       ['call=leak_malloc', 'size=16384'])
    if not expect(len(docs) == 1, '%s leak_malloc: no result (%s)'
                  % (engine, proc.stderr.strip())):
        return
    doc = docs[0]
    expect(doc['key']['mode'] == engine, 'mode %r' % doc['key']['mode'])
    expect(doc['status'] == 'leak', '%s leak_malloc: status %s: %s'
           % (engine, doc['status'], doc['summary']))
    expect(verdict(doc, metric) == 'leak', '%s leak_malloc: %s is %s'
           % (engine, metric, verdict(doc, metric)))
    rate = doc['metrics'].get(metric, {}).get('per_iteration') or 0
    expect(12000 < rate < 20000, '%s leak_malloc: %s %.0f B/it, not ~16 KiB'
           % (engine, metric, rate))
    stacks = doc['outcome'].get('stacks') or []
    expect(stacks and stacks[0]['kind'] == kind,
           '%s leak_malloc: top stack %r' % (engine, stacks[:1]))
    frames = top_frames(doc)
    expect(any('leak_malloc' in f or 'touched_malloc' in f for f in frames)
           and any('lmfixture.c' in f for f in frames),
           '%s leak_malloc: the fixture is not in the stack %r'
           % (engine, frames))
    expect(not any(f.startswith('malloc ') for f in frames),
           '%s: the allocator frame was not filtered: %r' % (engine, frames))
    expect('top stack' in doc['summary'] and 'lmfixture.c' in doc['summary'],
           '%s leak_malloc: no stack in the summary: %s'
           % (engine, doc['summary']))


def check_clean(opts, engine, repeat):
    """The clean twin, repeat cells in one run (-j 2): --vary over sizes
    that differ by a byte makes them distinct cells."""
    sizes = ','.join(str(16384 + i) for i in range(repeat))
    proc, docs = cells(opts, engine, fixture(opts), ['call=leak_malloc_ok'],
                       ['--vary', 'size=' + sizes, '-j', '2'])
    expect(len(docs) == repeat, '%s clean twin: %d results of %d (%s)'
           % (engine, len(docs), repeat, proc.stderr.strip()))
    for doc in docs:
        expect(doc['status'] == 'clean', '%s leak_malloc_ok: %s'
               % (engine, doc['summary']))
        expect(not doc['outcome'].get('stacks'),
               '%s leak_malloc_ok: stacks %r' % (engine,
                                                 doc['outcome'].get('stacks')))


def check_valgrind(opts):
    check_malloc_leak(opts, 'valgrind', 'vg_definite_bytes',
                      'definitely lost')
    # A leaked list a call: reachable (the gc lists point at the block's
    # start), not lost.  300 calls make 20 KiB a round, past the floor.
    proc, docs = cells(opts, 'valgrind', fixture(opts),
                       ['call=leak_ref', 'calls=300'])
    if expect(len(docs) == 1, 'leak_ref: no result'):
        doc = docs[0]
        expect(doc['status'] == 'leak', 'leak_ref: %s' % doc['summary'])
        expect(verdict(doc, 'vg_reachable_bytes') == 'leak',
               'leak_ref: reachable is %s'
               % verdict(doc, 'vg_reachable_bytes'))
        expect(verdict(doc, 'vg_definite_bytes') == 'clean',
               'leak_ref: definitely lost is %s'
               % verdict(doc, 'vg_definite_bytes'))
    if opts.server:
        proc, docs = cells(opts, 'valgrind', opts.server, [])
        if expect(len(docs) == 1, 'threading_server: no result (%s)'
                  % proc.stderr.strip()):
            doc = docs[0]
            expect(verdict(doc, 'vg_reachable_bytes') == 'leak',
                   'threading_server: reachable is %s: %s'
                   % (verdict(doc, 'vg_reachable_bytes'), doc['summary']))
            expect(verdict(doc, 'vg_definite_bytes') != 'leak',
                   'threading_server: definitely lost grows')
    check_clean(opts, 'valgrind', opts.repeat)


def check_lsan(opts):
    check_malloc_leak(opts, 'lsan', 'lsan_direct_bytes', 'direct')
    check_clean(opts, 'lsan', opts.repeat)
    proc, docs = cells(opts, 'lsan', fixture(opts), ['call=leak_malloc_ok'])
    if docs:
        expect('unreachable_only' in docs[0]['outcome']['flags'],
               'lsan: the cell does not say it sees unreachable memory only')


def refusal(opts):
    """The reason an engine is refused on this interpreter, or None: a
    free-threaded build (mimalloc, no PYTHONMALLOC=malloc) for both, a
    private root (its own glibc) for valgrind."""
    listing = subprocess.run([opts.leakmatrix, 'pythons', 'list', '--json'],
                             stdout=subprocess.PIPE, universal_newlines=True)
    for py in json.loads(listing.stdout):
        if py['tag'] != opts.tag:
            continue
        if py.get('free_threaded'):
            return 'is free-threaded'
        if py.get('loader') and opts.check == 'valgrind':
            return 'runs on its own glibc'
    return None


def check_refused(opts, why):
    """Every cell is a result: skipped, with the reason; a run in which
    no cell could be measured exits 3."""
    proc, docs = cells(opts, opts.check, fixture(opts), ['call=leak_malloc'])
    expect(proc.returncode == 3, '%s on %s alone: exit %d, not 3'
           % (opts.check, opts.tag, proc.returncode))
    expect(docs and all(d['status'] == 'skipped' for d in docs),
           '%s on %s: cells not skipped' % (opts.check, opts.tag))
    expect(docs and all(why in (d['outcome'].get('detail') or '')
                        for d in docs),
           '%s on %s: the skip does not say %r: %r'
           % (opts.check, opts.tag, why,
              [d['outcome'].get('detail') for d in docs]))


def check_missing(opts):
    env = dict(os.environ)
    env['PATH'] = '/nonexistent'
    proc = run(opts, [fixture(opts), '--python', opts.tag, '--valgrind',
                      '--out', tempfile.mkdtemp(dir=opts.scratch)] + SHORT,
               env=env)
    expect(proc.returncode == 3, 'no valgrind: exit %d, not 3'
           % proc.returncode)
    lines = [l for l in proc.stderr.splitlines() if 'valgrind' in l]
    expect(len(lines) == 1 and 'not on PATH' in lines[0],
           'no valgrind: %r' % proc.stderr)


def check_stall(opts):
    """Two cells at -j 2 under --lsan: native_mute.py, whose engine's
    report never comes, and its twin, whose reports do.  The front end
    waits up to 10 s for a round's report; while it waits for the mute
    cell's, the twin's records must still be read and its questions
    answered, so it ends in its own few seconds, not after the wait (a
    wait inside one cell's step stalled every cell of the run)."""
    out = tempfile.mkdtemp(prefix='lmx-native-', dir=opts.scratch)
    proc = run(opts, [os.path.join(opts.scenarios, 'native_mute.py'),
                      '--python', opts.tag, '--lsan', '--out', out,
                      '-j', '2', '--vary', 'mute=true,false',
                      '--rounds', '2', '--max-rounds', '3'])
    docs = {}
    for path in glob.glob(out + '/*.json'):
        with open(path) as f:
            doc = json.load(f)
        docs[doc['key']['params']] = doc
    mute, twin = docs.get('mute=true'), docs.get('mute=false')
    if not expect(mute and twin, 'stall: results %r (%s)'
                  % (sorted(docs), proc.stderr.strip())):
        return

    def lost(doc):
        return any('never came' in n for n in doc.get('notes') or [])

    expect(lost(mute) and mute['timing']['wall_s'] >= 10,
           'stall: the mute cell did not wait for its report (%.1f s, %r)'
           % (mute['timing']['wall_s'], mute.get('notes')))
    expect(not lost(twin), 'stall: the twin lost a report: %r'
           % twin.get('notes'))
    # About 3 s alone (a warm-up and two counted rounds of 1 s); ten
    # more when it waited with the mute cell.
    expect(twin['timing']['wall_s'] < 8,
           'stall: the twin took %.1f s: it waited with the mute cell'
           % twin['timing']['wall_s'])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('check', choices=['valgrind', 'lsan', 'missing',
                                      'stall'])
    ap.add_argument('--tag', required=True)
    ap.add_argument('--leakmatrix', required=True)
    ap.add_argument('--scenarios', required=True)
    ap.add_argument('--server')
    ap.add_argument('--repeat', type=int, default=5)
    opts = ap.parse_args()
    if opts.check == 'valgrind' and shutil.which('valgrind') is None:
        print('valgrind is not installed: skipped')
        return 77
    if opts.check in ('lsan', 'stall') \
            and not glob.glob('/usr/lib/*/liblsan.so.0'):
        print('liblsan.so.0 is not installed: skipped')
        return 77
    opts.scratch = tempfile.mkdtemp(prefix='lmx-native-')
    why = refusal(opts) if opts.check != 'missing' else None
    try:
        if why and opts.check == 'stall':
            print('%s %s, where LSan is refused: skipped' % (opts.tag, why))
            return 77
        if why:
            check_refused(opts, why)
        else:
            {'valgrind': check_valgrind, 'lsan': check_lsan,
             'missing': check_missing, 'stall': check_stall}[opts.check](opts)
    finally:
        shutil.rmtree(opts.scratch, ignore_errors=True)
    if FAILURES:
        sys.stderr.write('%d failure(s)\n' % len(FAILURES))
        return 1
    print('ok')
    return 0


if __name__ == '__main__':
    sys.exit(main())
