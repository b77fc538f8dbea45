#!/usr/bin/env python3
"""Integration checks of the real leakmatrix binary on one interpreter.

usage: check.py {embed,fixtures,broken,odd} --tag TAG --leakmatrix PATH
                --scenarios DIR [--repeat N]

embed     the runner embeds the interpreter the registry says it does, and
          a clean scenario runs end to end into a schema-1 result
fixtures  every lmfixture defect is flagged with the right metric and sign
          and every clean twin is clean (--repeat N times, default
          $LEAKMATRIX_REPEAT or 1)
broken    a crashing, a hanging, a raising, an unparsable and an
          os._exit()ing scenario all become results in one run, which goes
          on past each of them
odd       a crash at interpreter shutdown, a child process that outlives
          the runner, output that is not UTF-8, a gauge named like a probe
          and a scenario exiting 3

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
import time

FAILURES = []


def fail(msg):
    FAILURES.append(msg)
    sys.stderr.write('FAIL: %s\n' % msg)


def expect(cond, msg):
    if not cond:
        fail(msg)
    return cond


def leakmatrix(args, opts, timeout=600):
    cmd = [opts.leakmatrix] + args
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=timeout)
    return proc


def registry_entry(opts):
    proc = leakmatrix(['pythons', 'list', '--json'], opts)
    if proc.returncode != 0:
        fail('pythons list --json exited %d: %s' % (proc.returncode,
                                                   proc.stderr))
        return None
    for entry in json.loads(proc.stdout):
        if entry['tag'] == opts.tag:
            return entry
    fail('tag %s not in the registry' % opts.tag)
    return None


def run_cell(opts, scenario, extra=(), expect_rc=None):
    """Runs one scenario on our interpreter; returns (rc, result docs)."""
    out = tempfile.mkdtemp(prefix='lmx-check-')
    try:
        args = ['run', '-q', '--python', opts.tag, '--out', out]
        args += list(extra)
        args += [os.path.join(opts.scenarios, s) for s in
                 ([scenario] if isinstance(scenario, str) else scenario)]
        proc = leakmatrix(args, opts)
        docs = {}
        for path in sorted(glob.glob(os.path.join(out, '*.json'))):
            with open(path) as f:
                doc = json.load(f)
            docs[os.path.basename(path).split('--')[0]] = doc
        if expect_rc is not None and proc.returncode != expect_rc:
            fail('%s %s: exit %d, expected %d; stderr: %s' % (
                scenario, ' '.join(extra), proc.returncode, expect_rc,
                proc.stderr.strip()[-2000:]))
        return proc, docs
    finally:
        shutil.rmtree(out, ignore_errors=True)


def version_tuple(version):
    parts = []
    for p in version.split('.')[:2]:
        parts.append(int(''.join(c for c in p if c.isdigit()) or 0))
    return tuple(parts)


def check_embed(opts):
    entry = registry_entry(opts)
    if entry is None:
        return
    expect(entry['embeddable'], '%s is not embeddable' % opts.tag)
    runner = entry.get('runner')
    if not expect(runner and os.access(runner, os.X_OK),
                  'no runner for %s in the registry' % opts.tag):
        return
    proc = subprocess.run([runner, '--info'], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True,
                          timeout=60)
    expect(proc.returncode == 0, 'runner --info exited %d: %s' % (
        proc.returncode, proc.stderr))
    hello = None
    for line in proc.stdout.splitlines():
        rec = json.loads(line)
        if rec.get('t') == 'hello':
            hello = rec
    if expect(hello is not None, 'runner --info printed no hello record'):
        expect(hello['version'] == entry['version'],
               'runner embeds %s, registry says %s' % (hello['version'],
                                                       entry['version']))
        expect(hello['debug'] == entry['debug'],
               'runner debug=%s, registry says %s' % (hello['debug'],
                                                      entry['debug']))
    proc, docs = run_cell(opts, 'plain.py', expect_rc=0)
    doc = docs.get('plain')
    if expect(doc is not None, 'plain.py wrote no result'):
        expect(doc['schema'] == 2, 'schema is %r' % doc['schema'])
        expect(doc['status'] == 'clean', 'plain.py is %s: %s' % (
            doc['status'], doc.get('summary')))
        expect(doc['python']['tag'] == opts.tag, 'result names %s' %
               doc['python']['tag'])
        counted = [r for r in doc['rounds'] if r['phase'] == 'counted']
        expect(len(counted) >= 5, 'only %d counted rounds' % len(counted))
        expect(all(r['m'].get('rss_bytes', 0) > 0 for r in counted),
               'rss_bytes missing from rounds')


def metric(doc, name):
    return doc.get('metrics', {}).get(name, {})


def immortal_none(opts):
    return version_tuple(registry_entry(opts)['version']) >= (3, 12)


# (call, extra args, check(doc, opts) -> error message or None)
def expect_clean(doc, opts):
    if doc['status'] != 'clean':
        return 'status %s, expected clean: %s' % (doc['status'],
                                                  doc.get('summary'))
    return None


def expect_leak(names, min_rate):
    def check(doc, opts):
        if doc['status'] != 'leak':
            return 'status %s, expected leak: %s' % (doc['status'],
                                                     doc.get('summary'))
        for name in names:
            m = metric(doc, name)
            if m.get('verdict') != 'leak':
                return '%s verdict %s, expected leak (%s)' % (
                    name, m.get('verdict'), doc.get('summary'))
            if not (m.get('per_iteration') or 0) >= min_rate:
                return '%s rate %r, expected >= %r' % (
                    name, m.get('per_iteration'), min_rate)
        return None
    return check


def expect_over_release(doc, opts):
    m = metric(doc, 'refs_none')
    if immortal_none(opts):
        if doc['status'] != 'clean':
            return 'status %s on an immortal-None interpreter: %s' % (
                doc['status'], doc.get('summary'))
        if m.get('verdict') != 'n/a':
            return 'refs_none verdict %s, expected n/a' % m.get('verdict')
        if not any('immortal' in n for n in doc.get('notes', [])):
            return 'no note that None is immortal'
        return None
    # A debug build may also abort at shutdown, when the references stolen
    # so far bring None to zero: a crash, with the over-release before it.
    shutdown_crash = (doc['status'] == 'crash' and
                      (doc.get('crash') or {}).get('phase') == 'finalize')
    if (doc['status'] != 'over-release' and not shutdown_crash) or \
            doc.get('lead') != 'refs_none' or \
            m.get('verdict') != 'over-release':
        return 'status %s lead %s, expected over-release of refs_none: %s' \
            % (doc['status'], doc.get('lead'), doc.get('summary'))
    rate = m.get('per_iteration') or 0
    if not -1.5 < rate < -0.5:
        return 'refs_none rate %r, expected about -1/it' % rate
    if not m.get('zero_at_iteration'):
        return 'no predicted crash iteration'
    return None


def expect_ref_leak(doc, opts):
    err = expect_leak(['blocks', 'gc_objects'], 0.9)(doc, opts)
    if err:
        return err
    if registry_entry(opts)['debug']:
        return expect_leak(['refs_total'], 0.9)(doc, opts)
    return None


FIXTURES = [
    ('none_borrowed', [], expect_over_release),
    ('none_ok', [], expect_clean),
    ('leak_ref', [], expect_ref_leak),
    ('leak_ref_ok', [], expect_clean),
    ('leak_malloc', [], expect_leak(['rss_bytes'], 8000)),
    ('leak_malloc_ok', [], expect_clean),
    ('leak_thread', ['--iterations', '10'], expect_leak(['threads_os'], 0.9)),
    ('leak_thread_ok', ['--iterations', '10'], expect_clean),
    ('leak_fd', ['--iterations', '10'], expect_leak(['fds'], 0.9)),
    ('leak_fd_ok', ['--iterations', '10'], expect_clean),
]


def check_fixtures(opts):
    for attempt in range(opts.repeat):
        for call, extra, judge in FIXTURES:
            proc, docs = run_cell(opts, 'fixture.py',
                                  ['--set', 'call=' + call] + extra)
            doc = docs.get('fixture')
            label = '%s (run %d)' % (call, attempt + 1)
            if doc is None:
                fail('%s: no result; stderr: %s' % (label, proc.stderr))
                continue
            err = judge(doc, opts)
            if err:
                fail('%s: %s' % (label, err))
            want_rc = 0 if judge is expect_clean or (
                call == 'none_borrowed' and immortal_none(opts)) else 1
            if doc['status'] == 'crash':
                sys.stdout.write('%-16s (crashed at shutdown) ' % call)
            expect(proc.returncode == want_rc, '%s: exit %d, expected %d' % (
                label, proc.returncode, want_rc))
            sys.stdout.write('%-16s %s\n' % (call, doc.get('summary')))
    check_late_onset(opts)


# Late onset (issue 9): a native leak of 1 KiB per iteration at default
# settings, flat in RSS for the first counted rounds, must be an RSS leak;
# its twin must be clean.  The rate is over every counted round, the flat
# ones too, so it reads under the true 1 KiB.
LATE_ONSET = [
    ('0', expect_leak(['rss_bytes'], 300)),
    ('1', expect_clean),
]


def check_late_onset(opts):
    for attempt in range(opts.repeat):
        for twin, judge in LATE_ONSET:
            proc, docs = run_cell(opts, 'late_onset.py',
                                  ['--set', 'twin=' + twin])
            doc = docs.get('late_onset')
            label = 'late_onset twin=%s (run %d)' % (twin, attempt + 1)
            if doc is None:
                fail('%s: no result; stderr: %s' % (label, proc.stderr))
                continue
            err = judge(doc, opts)
            if err:
                fail('%s: %s' % (label, err))
            want_rc = 0 if judge is expect_clean else 1
            expect(proc.returncode == want_rc, '%s: exit %d, expected %d' % (
                label, proc.returncode, want_rc))
            sys.stdout.write('%-16s %s\n' % ('late_onset twin=' + twin,
                                              doc.get('summary')))


def check_broken(opts):
    proc, docs = run_cell(opts, ['crash_none.py', 'hang.py',
                                 'raise_in_setup.py', 'syntax_error.py',
                                 'exit_early.py'],
                          ['--timeout', '10'], expect_rc=1)
    expect(len(docs) == 5, 'expected 5 results, got %s' % sorted(docs))
    early = docs.get('exit_early')
    if early is not None:
        info = early.get('crash') or {}
        expect(early['status'] == 'crash' and info.get('exit_code') == 0
               and info.get('phase') == 'counted' and info.get('round') == 2,
               'os._exit(0) in counted round 2 reported as %s: %r' % (
                   early['status'], info))
    crash = docs.get('crash_none')
    if crash is not None:
        if immortal_none(opts):
            expect(crash['status'] == 'clean',
                   'crash_none on immortal None: %s' % crash.get('summary'))
        else:
            expect(crash['status'] == 'crash', 'crash_none is %s: %s' % (
                crash['status'], crash.get('summary')))
            info = crash.get('crash') or {}
            expect('deallocating None' in (info.get('fatal_error') or ''),
                   'no "deallocating None" fatal error: %r' % info)
            expect(info.get('signal') == 6, 'crash signal %r, expected 6'
                   % info.get('signal'))
            expect(info.get('iterations_total', 0) > 0,
                   'crash without the iteration reached')
    hang = docs.get('hang')
    if hang is not None:
        expect(hang['status'] == 'timeout', 'hang is %s' % hang['status'])
        info = hang.get('timeout') or {}
        expect(info.get('phase') == 'counted' and info.get('round') == 3,
               'hang reported in %s round %s, expected counted round 3' % (
                   info.get('phase'), info.get('round')))
        expect('hang.py' in (info.get('stderr_tail') or ''),
               'no Python stack of the hung thread in stderr')
    raised = docs.get('raise_in_setup')
    if raised is not None:
        expect(raised['status'] == 'error', 'raise_in_setup is %s' %
               raised['status'])
        err = raised.get('error') or {}
        expect(err.get('where') == 'setup' and
               'ValueError' in (err.get('traceback') or ''),
               'raise_in_setup error record: %r' % err)
    syntax = docs.get('syntax_error')
    if syntax is not None:
        expect(syntax['status'] == 'error', 'syntax_error is %s' %
               syntax['status'])
        err = syntax.get('error') or {}
        expect(err.get('where') == 'load' and
               'SyntaxError' in (err.get('traceback') or '') +
               (err.get('type') or ''),
               'syntax_error error record: %r' % err)


def check_odd(opts):
    pidfile = tempfile.mktemp(prefix='lmx-child-')
    start = time.time()
    proc, docs = run_cell(opts, 'leftover_child.py',
                          ['--timeout', '60', '--set', 'pidfile=' + pidfile],
                          expect_rc=0)
    elapsed = time.time() - start
    proc, more = run_cell(opts, ['abort_at_exit.py', 'odd_output.py'],
                          expect_rc=1)
    docs.update(more)
    atexit_doc = docs.get('abort_at_exit')
    if expect(atexit_doc is not None, 'abort_at_exit wrote no result'):
        info = atexit_doc.get('crash') or {}
        expect(atexit_doc['status'] == 'crash' and
               info.get('phase') == 'finalize' and info.get('signal') == 6,
               'abort at shutdown reported as %s: %r' % (
                   atexit_doc['status'], info))
    child = docs.get('leftover_child')
    if expect(child is not None, 'leftover_child wrote no result'):
        expect(child['status'] == 'clean', 'leftover_child is %s: %s' % (
            child['status'], child.get('summary')))
    expect(elapsed < 45, 'a child holding stdout kept the run waiting '
           '%.0f s' % elapsed)
    try:
        with open(pidfile) as f:
            pid = int(f.read())
        os.unlink(pidfile)
        alive = False
        try:
            # A zombie is dead: an init that does not reap leaves them.
            with open('/proc/%d/status' % pid) as f:
                alive = 'State:\tZ' not in f.read()
        except IOError:
            pass
        expect(not alive, 'the scenario\'s child %d outlived the cell' % pid)
    except (IOError, ValueError):
        fail('leftover_child wrote no pid file')
    odd = docs.get('odd_output')
    if expect(odd is not None, 'odd_output wrote no result'):
        info = odd.get('crash') or {}
        expect(odd['status'] == 'crash' and info.get('exit_code') == 3,
               'os._exit(3) reported as %s: %r' % (odd['status'], info))
        expect('not utf-8' in (odd.get('stdout_tail') or ''),
               'stdout that is not UTF-8 was dropped')
        expect(odd.get('metrics', {}).get('fds', {}).get('verdict')
               in ('clean', None) and 'fds' in odd.get('gauges', {}),
               'a gauge named fds was mixed into the fd probe: %r' % (
                   odd.get('metrics', {}).get('fds'),))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('check', choices=['embed', 'fixtures', 'broken', 'odd'])
    ap.add_argument('--tag', required=True)
    ap.add_argument('--leakmatrix', required=True)
    ap.add_argument('--scenarios', required=True)
    ap.add_argument('--repeat', type=int,
                    default=int(os.environ.get('LEAKMATRIX_REPEAT', '1')))
    opts = ap.parse_args()
    {'embed': check_embed, 'fixtures': check_fixtures,
     'broken': check_broken, 'odd': check_odd}[opts.check](opts)
    if FAILURES:
        sys.stderr.write('%d failure(s)\n' % len(FAILURES))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
