#!/usr/bin/env python3
"""Integration checks of the matrix: the real binary over several cells.

usage: matrix.py CHECK --leakmatrix PATH --scenarios DIR --golden DIR
                 --tag TAG [--tag TAG2] [--artefacts DIR]

resume    a run killed with SIGKILL mid-way leaves no runner behind, and
          the same command then finishes without rerunning what was done;
          a result truncated afterwards is run again on the next resume
merge     slices run into separate directories and merged by `report`
          give the grid of one run over both; the same cell twice keeps
          the newer
compare   the gate exits 1 on a leak the candidate introduces, 0 on one it
          fixes (checked-in results), and reports cells on one side only
bounds    a runaway leak ends at --max-rss as a leak that says so while
          the other cell carries on; a second run on a locked --out is
          refused; a child that left the process group is ended
pool      two cells at -j 2 run at once, each on a CPU of its own
          (timing.cpu, and the affinity the scenario sees), and each
          result holds its own readings only, round by round
reports   run writes every format (the junit one fails the leak, passes
          the clean cell); report skips corrupt, foreign and newer files
          with a warning, refuses empty and missing dirs
html      the html report renders in headless Chromium: grid and plots in
          the DOM, a screenshot that is not blank (kept as an artefact)

Exit status 0 = pass, 1 = fail (with the reasons), 77 = skipped.
"""
import argparse
import glob
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import zlib

from lmxtest import FAILURES, expect, fail


def lmx(opts, args, timeout=600, env=None):
    return subprocess.run([opts.leakmatrix] + args, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True,
                          timeout=timeout, env=env)


def scen(opts, name):
    return os.path.join(opts.scenarios, name)


def results(out):
    return sorted(glob.glob(os.path.join(out, '*.json')))


def docs_by(out, key):
    """The result documents in out, by key(document)."""
    docs = {}
    for path in results(out):
        with open(path) as f:
            doc = json.load(f)
        docs[key(doc)] = doc
    return docs


def cell_processes(front_end):
    """Pids of the live processes that carry the cell marker of the front
    end with pid front_end (cell.c: LEAKMATRIX_CELL=<pid>-<cell>): this
    run's runners, not another leakmatrix's on the same machine."""
    marker = ('LEAKMATRIX_CELL=%d-' % front_end).encode()
    pids = []
    for d in os.listdir('/proc'):
        if not d.isdigit():
            continue
        try:
            with open('/proc/%s/environ' % d, 'rb') as f:
                env = f.read().split(b'\0')
            with open('/proc/%s/status' % d) as f:
                zombie = 'State:\tZ' in f.read()
        except (IOError, OSError):
            continue
        if not zombie and any(e.startswith(marker) for e in env):
            pids.append(int(d))
    return pids


def check_resume(opts, work):
    out = os.path.join(work, 'resume')
    cmd = [opts.leakmatrix, 'run', '-j', '1', '--python', opts.tag[0],
           '--out', out, '--vary', 'n=1,2,3,4', scen(opts, 'sleepy.py')]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while time.time() < deadline and len(results(out)) < 1:
        time.sleep(0.1)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    done = len(results(out))
    expect(1 <= done < 4, 'expected a run killed mid-way, found %d of 4 '
           'results' % done)
    time.sleep(0.5)
    left = cell_processes(proc.pid)
    expect(not left, 'runners outlived a front end killed with SIGKILL: %s'
           % sorted(left))
    again = lmx(opts, cmd[1:])
    expect(again.returncode == 0, 'resumed run exited %d: %s' % (
        again.returncode, again.stderr[-2000:]))
    expect('already done' in again.stderr,
           'the resumed run did not say what was already done: %s'
           % again.stderr[-2000:])
    reused = again.stdout.count('(done before)')
    expect(reused == done, '%d cells said "done before", %d were done'
           % (reused, done))
    expect(len(results(out)) == 4, 'after resuming: %d of 4 results'
           % len(results(out)))
    expect(not glob.glob(os.path.join(out, '*.tmp.*')),
           'temporary files left in %s' % out)
    for path in results(out):
        with open(path) as f:
            doc = json.load(f)
        expect(doc['status'] == 'clean', '%s is %s' % (path, doc['status']))
    check_resume_truncated(opts, cmd, out)


def check_resume_truncated(opts, cmd, out):
    """A finished matrix with one result cut short (a disk that filled, a
    copy stopped half-way): resuming runs that cell again, and only it."""
    paths = results(out)
    if not expect(len(paths) == 4, 'no finished matrix to truncate'):
        return
    cut = paths[1]
    with open(cut) as f:
        whole = f.read()
    with open(cut, 'w') as f:
        f.write(whole[:len(whole) // 2])
    again = lmx(opts, cmd[1:])
    expect(again.returncode == 0, 'resume over a truncated result exited '
           '%d: %s' % (again.returncode, again.stderr[-2000:]))
    reused = again.stdout.count('(done before)')
    expect(reused == 3 and os.path.basename(cut) in again.stderr
           and 'running the cell again' in again.stderr,
           'resume trusted a truncated result: %s was not run again (%d '
           'cells "done before", want the 3 others; stderr: %s)'
           % (os.path.basename(cut), reused, again.stderr[-2000:]))
    try:
        with open(cut) as f:
            doc = json.load(f)
    except ValueError as e:
        fail('resume trusted a truncated result: %s is still not JSON '
             'after resuming (%s)' % (cut, e))
        return
    expect(doc.get('status') == 'clean' and doc.get('counted_rounds', 0) > 0
           and doc.get('timing', {}).get('wall_s') is not None,
           'resume trusted a truncated result: %s after resuming is %s, '
           '%r counted rounds' % (cut, doc.get('status'),
                                  doc.get('counted_rounds')))


def report_text(opts, dirs):
    proc = lmx(opts, ['report'] + dirs)
    expect(proc.returncode == 0, 'report %s exited %d: %s' % (
        ' '.join(dirs), proc.returncode, proc.stderr))
    return proc


def check_merge(opts, work):
    if len(opts.tag) < 2:
        print('merge needs two interpreters')
        sys.exit(77)
    scenarios = [scen(opts, 'plain.py'), scen(opts, 'pyleak.py')]
    slices = []
    for i, tag in enumerate(opts.tag[:2]):
        out = os.path.join(work, 'slice%d' % i)
        proc = lmx(opts, ['run', '-q', '--python', tag, '--out', out]
                   + scenarios)
        expect(proc.returncode == 1, 'slice on %s exited %d' % (
            tag, proc.returncode))
        slices.append(out)
    whole = os.path.join(work, 'whole')
    proc = lmx(opts, ['run', '-q', '-j', '2', '--python', opts.tag[0],
                      '--python', opts.tag[1], '--out', whole] + scenarios)
    merged = report_text(opts, slices).stdout
    one = report_text(opts, [whole]).stdout
    expect(merged == one, 'merged slices:\n%s\none run:\n%s' % (merged, one))
    expect('pyleak: leaks on every interpreter measured' in merged,
           'no change line in the merged grid:\n%s' % merged)
    # The same cells in two directories: the newer wins, with a warning.
    proc = report_text(opts, [slices[0], whole])
    expect('keeping the newer' in proc.stderr and whole in proc.stderr,
           'no warning about the same cell twice: %s' % proc.stderr)


def golden_dir(opts, work, name, files):
    d = os.path.join(work, name)
    os.makedirs(d)
    for f in files:
        shutil.copy(os.path.join(opts.golden, 'results', f), d)
    return d


def check_compare(opts, work):
    ts = 'threading_server--%s.json'
    d36 = golden_dir(opts, work, 'c36', [ts % '3.6.15', 'hang--3.6.15.json'])
    d37 = golden_dir(opts, work, 'c37', [ts % '3.7.16'])
    d38 = golden_dir(opts, work, 'c38', [ts % '3.8.18'])
    proc = lmx(opts, ['compare', d36, d37])
    expect(proc.returncode == 1, 'compare 3.6.15 -> 3.7.16 exited %d, '
           'expected 1: %s' % (proc.returncode, proc.stdout + proc.stderr))
    expect('introduced   threading_server: 3.6.15: clean -> 3.7.16: leak '
           '+18 blocks/it' in proc.stdout, 'no introduced line:\n%s'
           % proc.stdout)
    expect('missing      hang: only in the base' in proc.stdout,
           'a cell on one side only was not reported:\n%s' % proc.stdout)
    proc = lmx(opts, ['compare', d37, d38])
    expect(proc.returncode == 0, 'compare 3.7.16 -> 3.8.18 exited %d, '
           'expected 0: %s' % (proc.returncode, proc.stdout + proc.stderr))
    expect('fixed        threading_server' in proc.stdout,
           'no fixed line:\n%s' % proc.stdout)
    both = golden_dir(opts, work, 'c3637', [ts % '3.6.15', ts % '3.7.16'])
    proc = lmx(opts, ['compare', both, d38])
    expect(proc.returncode == 2 and 'more than one interpreter'
           in proc.stderr, 'a side with two interpreters per cell: %d %s'
           % (proc.returncode, proc.stderr))
    proc = lmx(opts, ['compare', d36])
    expect(proc.returncode == 2, 'compare with one argument exited %d'
           % proc.returncode)
    # Two interpreters and scenarios: run on the spot, then compared.
    if len(opts.tag) >= 2:
        proc = lmx(opts, ['compare', opts.tag[0], opts.tag[1], '-q',
                          '--out', os.path.join(work, 'spot'),
                          scen(opts, 'pyleak.py'), scen(opts, 'plain.py')])
        expect(proc.returncode == 0, 'compare on the spot exited %d: %s'
               % (proc.returncode, proc.stderr[-2000:]))
        expect('kept         pyleak: %s: leak' % opts.tag[0] in proc.stdout
               and 'clean        plain: ' in proc.stdout,
               'compare on the spot:\n%s' % proc.stdout)
        proc = lmx(opts, ['compare', '3', opts.tag[1], scen(opts,
                                                             'plain.py')])
        expect(proc.returncode == 2 and 'selects' in proc.stderr,
               'a selector naming several interpreters: %d %s'
               % (proc.returncode, proc.stderr))


def check_bounds(opts, work):
    out = os.path.join(work, 'bounds')
    start = time.time()
    proc = lmx(opts, ['run', '-q', '-j', '2', '--python', opts.tag[0],
                      '--max-rss', '300M', '--out', out,
                      scen(opts, 'runaway.py'), scen(opts, 'plain.py')])
    elapsed = time.time() - start
    expect(proc.returncode == 1, 'runaway run exited %d: %s' % (
        proc.returncode, proc.stderr[-2000:]))
    docs = docs_by(out, lambda doc: doc['key']['scenario'])
    runaway = docs.get('runaway', {})
    outcome = runaway.get('outcome', {})
    expect(runaway.get('status') == 'leak' and
           'rss_limit' in outcome.get('flags', []),
           'runaway is %s %r' % (runaway.get('status'), outcome))
    expect('memory bound' in runaway.get('summary', ''),
           'the summary does not say it hit the bound: %s'
           % runaway.get('summary'))
    lead = outcome.get('lead') or {}
    expect(lead.get('metric') == 'rss_bytes' and
           (lead.get('per_iteration') or 0) > 10e6,
           'runaway lead %r, expected rss_bytes at about 20 MiB/it' % lead)
    expect(docs.get('plain', {}).get('status') == 'clean',
           'the other cell did not carry on: %r' % docs.get('plain'))
    expect(elapsed < 60, 'the runaway cell took %.0f s' % elapsed)

    # A second run on a directory in use is refused.
    busy = os.path.join(work, 'busy')
    first = subprocess.Popen([opts.leakmatrix, 'run', '-q', '--python',
                              opts.tag[0], '--out', busy, '--vary',
                              'n=1,2', scen(opts, 'sleepy.py')],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 30
    while time.time() < deadline and not os.path.exists(
            os.path.join(busy, '.leakmatrix.lock')):
        time.sleep(0.05)
    time.sleep(0.3)
    second = lmx(opts, ['run', '-q', '--python', opts.tag[0], '--out', busy,
                        scen(opts, 'plain.py')])
    first.communicate()
    expect(second.returncode == 2 and 'another leakmatrix run is using'
           in second.stderr, 'a second run on a busy --out: exit %d %s'
           % (second.returncode, second.stderr))
    expect(not glob.glob(os.path.join(busy, 'plain*')),
           'the refused run wrote into the busy directory')

    # A child that left the runner's process group.
    pidfile = os.path.join(work, 'setsid.pid')
    proc = lmx(opts, ['run', '-q', '--python', opts.tag[0], '--out',
                      os.path.join(work, 'setsid'), '--set',
                      'pidfile=' + pidfile, scen(opts, 'setsid_child.py')])
    expect(proc.returncode == 0, 'setsid_child exited %d: %s' % (
        proc.returncode, proc.stderr))
    try:
        with open(pidfile) as f:
            pid = int(f.read())
    except (IOError, ValueError):
        fail('setsid_child wrote no pid')
        return
    time.sleep(0.3)
    alive = False
    try:
        with open('/proc/%d/status' % pid) as f:
            alive = 'State:\tZ' not in f.read()
    except IOError:
        pass
    expect(not alive, 'the setsid child %d outlived its cell' % pid)
    for path in results(os.path.join(work, 'setsid')):
        with open(path) as f:
            doc = json.load(f)
        expect('leftovers_killed' in doc['outcome']['flags'] and
               'leftover process' in doc['summary'],
               'the cell does not say it killed a leftover: %s'
               % doc['summary'])


def own_readings_docs(opts, work):
    """Two cells of own_readings.py at -j 2, CPUs claimed in a lock
    directory of this check's own (cpus.h: another leakmatrix on the
    machine would otherwise take some, and the cells run unpinned):
    {side: result}."""
    out = os.path.join(work, 'pool')
    meet = os.path.join(work, 'meet')
    locks = os.path.join(work, 'cpu-locks')
    os.makedirs(meet)
    os.makedirs(locks, 0o700)
    env = dict(os.environ, XDG_RUNTIME_DIR=locks)
    proc = lmx(opts, ['run', '-q', '-j', '2', '--python', opts.tag[0],
                      '--out', out, '--rounds', '20', '--max-rounds', '20',
                      '--vary', 'side=small,big', '--set', 'meet=' + meet,
                      scen(opts, 'own_readings.py')], timeout=300, env=env)
    expect(proc.returncode == 0, 'own_readings at -j 2 exited %d: %s' % (
        proc.returncode, proc.stderr[-2000:]))
    return docs_by(out, lambda doc: doc['params']['side'])


def own_gauges(opts, side):
    """What own_readings.py's gauges() reports for side."""
    scenario = {}
    with open(scen(opts, 'own_readings.py')) as f:
        exec(compile(f.read(), f.name, 'exec'), scenario)
    return scenario['gauges'](side)


def check_pool(opts, work):
    """-j 2: the two cells running at once are each on a CPU of their
    own, and each result holds its own readings only."""
    if len(os.sched_getaffinity(0)) < 2:
        print('pool needs two usable CPUs')
        sys.exit(77)
    docs = own_readings_docs(opts, work)
    if not expect(sorted(docs) == ['big', 'small'], 'own_readings at -j 2 '
                  'wrote %s, expected the small and big cells'
                  % sorted(docs)):
        return
    cpus = {}
    for side, doc in sorted(docs.items()):
        lines = (doc.get('stdout_tail') or '').splitlines()
        expect('met the other cell' in lines, '-j 2 cells did not run at '
               'once: the %s cell says %r' % (side, lines))
        cpu = (doc.get('timing') or {}).get('cpu')
        expect(isinstance(cpu, int) and 'affinity %d' % cpu in lines,
               '-j 2 cell %s: timing.cpu %r, but the runner could run on '
               '%r' % (side, cpu, [l for l in lines if 'affinity' in l]))
        cpus[side] = cpu
    expect(cpus['small'] != cpus['big'], '-j 2 cells share a CPU: both '
           'ran on CPU %r' % cpus['small'])
    for side, doc in sorted(docs.items()):
        want = own_gauges(opts, side)
        rounds = doc.get('rounds') or []
        planned = (doc.get('plan') or {}).get('warmup', 0) + 20
        expect(doc.get('status') == 'clean' and not doc.get('bad_records')
               and len(rounds) == planned,
               '-j 2 cells mixed their records: %s is %s with %r bad '
               'records and %d rounds (want clean, none, %d): %s'
               % (side, doc.get('status'), doc.get('bad_records'),
                  len(rounds), planned, doc.get('summary')))
        mixed = [r.get('round') for r in rounds if r.get('g') != want]
        expect(not mixed, '-j 2 cells mixed their readings: the %s cell\'s '
               'rounds %s hold gauges other than its own (reading %r)'
               % (side, mixed, want['reading']))


def check_junit(path):
    """A CI reads the JUnit report: pyleak's leak is a <failure> (of type
    leak), plain's clean cell a test that passed."""
    import xml.etree.ElementTree as ET
    try:
        cases = ET.parse(path).getroot().iter('testcase')
    except (IOError, ET.ParseError) as e:
        fail('report.junit.xml cannot be read: %s' % e)
        return
    failures = dict((c.get('classname'), [f.get('type') for f in
                                         c.findall('failure')])
                    for c in cases)
    expect(failures.get('pyleak') == ['leak'], 'the junit report marks a '
           'leak as passed: pyleak has failures %r, expected one of type '
           'leak' % (failures.get('pyleak'),))
    expect(failures.get('plain') == [], 'the junit report fails a clean '
           'cell: plain has failures %r' % (failures.get('plain'),))


def check_reports(opts, work):
    out = os.path.join(work, 'reports')
    proc = lmx(opts, ['run', '-q', '--python', opts.tag[0], '--out', out,
                      scen(opts, 'plain.py'), scen(opts, 'pyleak.py')])
    names = sorted(os.listdir(os.path.join(out, 'report')))
    expect(names == ['report.csv', 'report.html', 'report.json',
                     'report.junit.xml', 'report.md', 'report.txt'],
           'report files: %s' % names)
    with open(os.path.join(out, 'report', 'report.txt')) as f:
        expect(f.read() in proc.stdout, 'the printed grid is not report.txt')
    check_junit(os.path.join(out, 'report', 'report.junit.xml'))
    with open(os.path.join(out, 'report', 'report.json')) as f:
        cells = json.load(f)['cells']
    expect(len(cells) == 2, 'report.json has %d cells' % len(cells))
    # Junk beside good results: skipped with a warning naming the file.
    bad = {'truncated.json': open(results(out)[0]).read()[:200],
           'foreign.json': '{"hello": "world"}\n',
           'newer.json': json.dumps({'schema': 99, 'leakmatrix': '9'}),
           'notes.txt': 'not a result\n'}
    for name, text in bad.items():
        with open(os.path.join(out, name), 'w') as f:
            f.write(text)
    proc = lmx(opts, ['report', out, '--format', 'csv'])
    expect(proc.returncode == 0, 'report over junk exited %d: %s' % (
        proc.returncode, proc.stderr))
    for name in ('truncated.json', 'foreign.json', 'newer.json'):
        expect('skipping %s' % os.path.join(out, name) in proc.stderr,
               'no warning for %s: %s' % (name, proc.stderr))
    expect('notes.txt' not in proc.stderr, 'a .txt file was read')
    expect('newer than this leakmatrix' in proc.stderr,
           'the newer schema is not named: %s' % proc.stderr)
    expect(proc.stdout.count('\n') > 2, 'csv lost the good results')
    empty = os.path.join(work, 'empty')
    os.makedirs(empty)
    for d in (empty, os.path.join(work, 'missing')):
        proc = lmx(opts, ['report', d])
        expect(proc.returncode == 2 and proc.stderr.count('\n') == 1,
               'report %s: exit %d, %r' % (d, proc.returncode, proc.stderr))
    # A usage error found by the scenario (an unknown --set) writes
    # nothing, and leaves no directory it made.
    rejected = os.path.join(work, 'rejected')
    proc = lmx(opts, ['run', '-q', '--python', opts.tag[0], '--out',
                      rejected, '--set', 'nope=1', scen(opts, 'plain.py')])
    expect(proc.returncode == 2 and 'unknown parameter nope' in proc.stderr,
           'a rejected --set: exit %d %s' % (proc.returncode, proc.stderr))
    expect(not os.path.exists(rejected), 'a rejected --set left %s'
           % rejected)
    proc = lmx(opts, ['report', out, '--format', 'pdf'])
    expect(proc.returncode == 2, 'an unknown format exited %d'
           % proc.returncode)


def png_nonblank(path):
    """Share of pixels that are not the background, from the PNG itself."""
    with open(path, 'rb') as f:
        data = f.read()
    pos, idat, width, height = 8, b'', 0, 0
    while pos < len(data):
        n, kind = struct.unpack('>I4s', data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + n]
        if kind == b'IHDR':
            width, height, depth, color = struct.unpack('>IIBB', chunk[:10])
        elif kind == b'IDAT':
            idat += chunk
        pos += 12 + n
    raw = zlib.decompress(idat)
    # Filtered scanlines: a filter byte, then the row.  Counting rows that
    # are not all one byte value is enough to tell blank from drawn.
    stride = (len(raw) // height) if height else 0
    drawn = 0
    for y in range(height):
        row = raw[y * stride + 1:(y + 1) * stride]
        if row and row.count(row[:1]) != len(row):
            drawn += 1
    return drawn / float(height or 1)


def find_chromium():
    for name in ('chromium', 'chromium-browser', 'google-chrome'):
        path = shutil.which(name)
        if path:
            return path
    return None


def check_html(opts, work):
    browser = find_chromium()
    if browser is None:
        print('no chromium: install Debian\'s chromium package')
        sys.exit(77)
    html = os.path.join(work, 'report.html')
    proc = lmx(opts, ['report', os.path.join(opts.golden, 'results'),
                      '--format', 'html', '-o', html])
    expect(proc.returncode == 0, 'report --format html exited %d: %s' % (
        proc.returncode, proc.stderr))
    common = [browser, '--headless', '--no-sandbox', '--disable-gpu',
              '--disable-dev-shm-usage', '--no-first-run',
              '--user-data-dir=' + os.path.join(work, 'chromium')]
    dom = subprocess.run(common + ['--dump-dom', 'file://' + html],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         universal_newlines=True, timeout=120)
    expect(dom.returncode == 0, 'chromium --dump-dom exited %d: %s' % (
        dom.returncode, dom.stderr[-2000:]))
    expect('<table class="grid">' in dom.stdout, 'no grid in the DOM')
    expect(dom.stdout.count('<polyline') >= 10, 'fewer than ten plots in '
           'the DOM (%d)' % dom.stdout.count('<polyline'))
    expect('leaks from 3.7.16' in dom.stdout, 'no change line in the DOM')
    shot = os.path.join(opts.artefacts or work, 'report.png')
    proc = subprocess.run(common + ['--screenshot=' + shot,
                                    '--window-size=1280,900',
                                    'file://' + html],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=120)
    if expect(os.path.exists(shot), 'no screenshot: %s' % proc.stderr[-2000:]):
        share = png_nonblank(shot)
        expect(share > 0.2, 'the screenshot is mostly blank (%.0f%% of rows '
               'drawn)' % (100 * share))
        print('screenshot: %s (%.0f%% of rows drawn)' % (shot, 100 * share))


CHECKS = {'resume': check_resume, 'merge': check_merge,
          'compare': check_compare, 'bounds': check_bounds,
          'pool': check_pool, 'reports': check_reports,
          'html': check_html}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('check', choices=sorted(CHECKS))
    ap.add_argument('--leakmatrix', required=True)
    ap.add_argument('--scenarios', required=True)
    ap.add_argument('--golden', required=True)
    ap.add_argument('--tag', action='append', default=[])
    ap.add_argument('--artefacts')
    opts = ap.parse_args()
    if not opts.tag and opts.check not in ('compare', 'html'):
        print('no interpreter with a runner')
        return 77
    work = tempfile.mkdtemp(prefix='lmx-matrix-')
    try:
        CHECKS[opts.check](opts, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if FAILURES:
        sys.stderr.write('%d failure(s)\n' % len(FAILURES))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
