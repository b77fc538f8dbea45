#!/usr/bin/env python3
"""Integration checks of library sets, provenance, check and bisect: the
real binary, real pip, real interpreters.

usage: libsets.py CHECK --leakmatrix PATH --scenarios DIR --tag TAG
                  [--tag TAG2 ...]

specs      a bad spec, shell metacharacters, a missing path, --no-index
           without --find-links: one-line usage errors, nothing run, no
           command executed
fixture    a generated library (lmxfixture) in five versions, a leak
           introduced in 3 and fixed in 5, plus 1.5 that fails to build,
           as a local wheelhouse (--find-links, --no-index): three sets in
           one run are three column groups; 1.5 is skipped with pip's
           reason and the log tail, the others carry on; provenance names
           the distribution; a second run reuses the installs; two
           parallel runs of one new set install it once
bisect     `bisect` over the wheelhouse: first bad 3, first fixed 5, 1.5
           skipped, a range with no good version says none; probing again
           reuses the cells
testbisect `bisect` of a test over the wheelhouse: a unittest test
           and a callable that call lmxfixture.work() (first bad 3), a
           module of two tests narrowed by -k, and without -k a usage
           error naming both (exit 2); a test target that does not
           parse, exit 2
gitbisect  a generated git repository of the library: `git bisect run
           leakmatrix check` and `leakmatrix bisect --git` find the commit
           that introduced the leak
resolve    a set with a range (lmxfixture>=2) in a fresh store over a
           wheelhouse that gains a release: resolved once and kept (the
           new release is not seen), then --refresh-libs and an aged
           resolution see it; two specs resolving alike share one entry;
           a pinned set records no resolution; on an interpreter whose pip
           has --dry-run and one whose pip has not
offline    --no-index from a wheelhouse alone, in a fresh store: pip comes
           from the interpreter's bundled ensurepip wheel where it has one
           recent enough, else the cell is skipped with one line naming
           the pip wheel to put in the wheelhouse
provenance a set of two local distributions (tests/fixtures/dists), built
           offline from their sources, on a 3.8+ and a 3.7 (which reads
           distributions with pkg_resources): each imported module is
           credited to its own distribution, PROVIDES to the second's
realindex  lz4tools 1.3.1.2 and lz4 from PyPI on 3.6, the built 3.9.2, 3.11
           and 3.13 (those provisioned): None over-released up to 3.11, the
           immortal note from 3.12, provenance of the decoder in each cell,
           through the default step=auto (which says how it decoded: frame
           decode before 3.10, the context calls where the frame calls
           fail); the scenario's own sets (lz4_frame.libs) when none is
           given, as grid rows with a provenance line;
           lz4tools 1.2.0 does not build (skipped); an unreachable index is
           a skipped cell with pip's reason; bisect over lz4tools' releases
           on 3.9.2 says no release is good

The library store is the build directory's cache (<cache>/libs), so a
second run of the suite reuses the installs; wheelhouses are generated
under /tmp at fixed paths for the same reason.

Exit status 0 = pass, 1 = fail (with the reasons), 77 = skipped.
"""
import argparse
import glob
import hashlib
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile

from lmxtest import FAILURES, expect, fail

WHEELHOUSE = '/tmp/leakmatrix-test-libsets/wheelhouse'
EMPTY = '/tmp/leakmatrix-test-libsets/empty'


def lmx(opts, args, timeout=1200, env=None, cwd=None):
    return subprocess.run([opts.leakmatrix] + args, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True,
                          timeout=timeout, env=env, cwd=cwd)


def results(out_dir):
    docs = []
    for path in sorted(glob.glob(os.path.join(out_dir, '*.json'))):
        with open(path) as f:
            docs.append(json.load(f))
    return docs


def by_libset(docs):
    return dict((d['key']['python'] + ' ' + d['key']['libset'], d)
                for d in docs)


# --- the fixture library ------------------------------------------------

LEAKY = '_KEEP = []\n\n\ndef work():\n    _KEEP.append([])\n'
CLEAN = 'def work():\n    return [0] * 10\n'


def fixture_source(version):
    return LEAKY if version in ('3', '4') else CLEAN


def _record_line(name, data):
    digest = base64.urlsafe_b64encode(
        hashlib.sha256(data).digest()).rstrip(b'=').decode()
    return '%s,sha256=%s,%d' % (name, digest, len(data))


def write_wheel(dest_dir, version, source, name='lmxfixture'):
    """A pure-Python wheel by hand (zipfile, fixed timestamps: the same
    bytes every time)."""
    dist = '%s-%s' % (name, version)
    path = os.path.join(dest_dir, '%s-py3-none-any.whl' % dist)
    files = [
        ('%s/__init__.py' % name, source.encode()),
        ('%s.dist-info/METADATA' % dist,
         ('Metadata-Version: 2.1\nName: %s\nVersion: %s\n' % (name, version))
         .encode()),
        ('%s.dist-info/WHEEL' % dist,
         b'Wheel-Version: 1.0\nGenerator: leakmatrix-test\n'
         b'Root-Is-Purelib: true\nTag: py3-none-any\n'),
    ]
    record = '\n'.join(_record_line(n, d) for n, d in files)
    record += '\n%s.dist-info/RECORD,,\n' % dist
    files.append(('%s.dist-info/RECORD' % dist, record.encode()))
    with zipfile.ZipFile(path, 'w') as z:
        for n, d in files:
            info = zipfile.ZipInfo(n, (2020, 1, 1, 0, 0, 0))
            z.writestr(info, d)
    return path


# An in-tree PEP 517 backend: builds the wheel itself, needs nothing from
# an index (so --no-index works), and fails on purpose where told to.
BACKEND = r'''
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def get_requires_for_build_wheel(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None,
                metadata_directory=None):
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, 'VERSION')) as f:
        version = f.read().strip()
    if os.path.exists(os.path.join(here, 'SLOW')):
        import time
        pidfile = os.environ.get('LMX_TEST_PIDFILE')
        if pidfile:
            with open(pidfile, 'w') as f:
                f.write(str(os.getpid()))
        time.sleep(120)
    if os.path.exists(os.path.join(here, 'BROKEN')):
        raise RuntimeError('lmxfixture %s does not build (on purpose)'
                           % version)
    with open(os.path.join(here, 'lmxfixture', '__init__.py')) as f:
        source = f.read()
    import wheelgen
    return os.path.basename(wheelgen.write_wheel(wheel_directory, version,
                                                 source))
'''

PYPROJECT = '''[build-system]
requires = []
build-backend = "lmx_backend"
backend-path = ["."]
'''


def write_project(root, version, source, broken=False):
    os.makedirs(os.path.join(root, 'lmxfixture'), exist_ok=True)
    with open(os.path.join(root, 'pyproject.toml'), 'w') as f:
        f.write(PYPROJECT)
    with open(os.path.join(root, 'lmx_backend.py'), 'w') as f:
        f.write(BACKEND)
    with open(os.path.join(root, 'wheelgen.py'), 'w') as f:
        f.write('import base64, hashlib, os, zipfile\n\n'
                + _source_of(_record_line) + '\n\n'
                + _source_of(write_wheel) + '\n')
    with open(os.path.join(root, 'VERSION'), 'w') as f:
        f.write(version + '\n')
    with open(os.path.join(root, 'lmxfixture', '__init__.py'), 'w') as f:
        f.write(source)
    broken_path = os.path.join(root, 'BROKEN')
    if broken:
        open(broken_path, 'w').close()
    elif os.path.exists(broken_path):
        os.unlink(broken_path)


def _source_of(fn):
    import inspect
    return inspect.getsource(fn)


def write_sdist(dest_dir, version, broken, slow=False):
    """NAME-VERSION.tar.gz of the project, the way pip expects an sdist."""
    import tarfile
    work = tempfile.mkdtemp()
    top = os.path.join(work, 'lmxfixture-%s' % version)
    write_project(top, version, fixture_source(version), broken)
    if slow:
        open(os.path.join(top, 'SLOW'), 'w').close()
    with open(os.path.join(top, 'PKG-INFO'), 'w') as f:
        f.write('Metadata-Version: 2.1\nName: lmxfixture\nVersion: %s\n'
                % version)
    path = os.path.join(dest_dir, 'lmxfixture-%s.tar.gz' % version)
    with tarfile.open(path, 'w:gz') as t:
        t.add(top, arcname=os.path.basename(top))
    shutil.rmtree(work)
    return path


def make_wheelhouse():
    os.makedirs(WHEELHOUSE, exist_ok=True)
    os.makedirs(EMPTY, exist_ok=True)
    for v in ('1', '2', '3', '4', '5'):
        write_wheel(WHEELHOUSE, v, fixture_source(v))
    if not os.path.exists(os.path.join(WHEELHOUSE,
                                       'lmxfixture-1.5.tar.gz')):
        write_sdist(WHEELHOUSE, '1.5', broken=True)


SCENARIO = '''"""calls lmxfixture.work() (a generated test library)"""
import lmxfixture

PROVIDES = {'work': ['lmxfixture']}
ITERATIONS = 200


def setup(params):
    return None


def iterate(state):
    lmxfixture.work()
'''


def scenario_path():
    path = os.path.join(os.path.dirname(WHEELHOUSE), 'lmxfixture_work.py')
    with open(path, 'w') as f:
        f.write(SCENARIO)
    return path


OFFLINE = ['--find-links', WHEELHOUSE, '--no-index']


def bootstrap_pip(opts, tag, scen):
    """--no-index takes pip from the store: a first online install puts
    it there (a no-op when it is there already)."""
    wheel = os.path.join(WHEELHOUSE, 'lmxfixture-2-py3-none-any.whl')
    out = tempfile.mkdtemp()
    p = lmx(opts, ['run', scen, '--python', tag, '--lib', wheel, '--out',
                   out, '-q'])
    shutil.rmtree(out)
    return expect(p.returncode == 0, 'bootstrap install of pip for %s: %s'
                  % (tag, p.stderr[-2000:]))


# --- checks ---------------------------------------------------------------

def check_specs(opts):
    tag = opts.tag[0]
    scen = os.path.join(opts.scenarios, 'plain.py')
    canary = '/tmp/leakmatrix-libsets-canary'
    if os.path.exists(canary):
        os.unlink(canary)
    cases = [
        (['--lib', 'x; rm -rf ~'], "';' cannot appear"),
        (['--lib', 'x;touch %s' % canary], "';' cannot appear"),
        (['--lib', '$(touch %s)' % canary], "'$' cannot appear"),
        (['--lib', 'lz4 tools'], 'a space cannot appear'),
        (['--lib', 'lz4=>4'], 'operator'),
        (['--lib', '-e'], 'looks like an option'),
        (['--lib', '/nonexistent/x.whl'], 'no such file'),
        (['--lib', 'git+/tmp@'], 'git+PATH_OR_URL@REV'),
        (['--lib', 'lz4', '--no-index'], '--no-index needs --find-links'),
        (['--libs-from', '/nonexistent/sets.txt'], 'cannot read'),
    ]
    for args, want in cases:
        out = tempfile.mkdtemp()
        shutil.rmtree(out)
        p = lmx(opts, ['run', scen, '--python', tag, '--out', out] + args)
        lines = p.stderr.strip().split('\n')
        expect(p.returncode == 2, '%s: exit %d, want 2' % (args, p.returncode))
        expect(len(lines) == 1 and lines[0].startswith('leakmatrix: run: ')
               and want in lines[0],
               '%s: want one line with %r, got %r' % (args, want, p.stderr))
        expect(not os.path.exists(out), '%s: left %s behind' % (args, out))
    expect(not os.path.exists(canary), 'a spec reached a shell: %s exists'
           % canary)
    sets = os.path.join(tempfile.mkdtemp(), 'sets.txt')
    with open(sets, 'w') as f:
        f.write('# comment\n\nlz4\nlz4tools==1.3.1.2 x|y\n')
    p = lmx(opts, ['run', scen, '--python', tag, '--libs-from', sets])
    expect(p.returncode == 2 and ('%s:4: invalid requirement' % sets)
           in p.stderr, '--libs-from names the bad line: %r' % p.stderr)


def check_failed_build_remembered(opts, tag, scen):
    """A set whose build failed is not built again by the next run (it
    says when it failed), until --refresh-libs."""
    def broken_run(extra):
        out = tempfile.mkdtemp()
        p = lmx(opts, ['run', scen, '--python', tag, '--lib',
                       'lmxfixture==1.5', '--out', out] + OFFLINE + extra)
        docs = list(results(out))
        shutil.rmtree(out, ignore_errors=True)
        return p, docs[0]['summary'] if docs else ''

    p, summary = broken_run([])
    expect('installing' not in p.stderr and 'the same build failed'
           in summary and '--refresh-libs tries again' in summary,
           'a failed build is remembered: %s / %s' % (summary, p.stderr))
    p, summary = broken_run(['--refresh-libs'])
    expect('installing' in p.stderr and 'the same build failed'
           not in summary and 'does not build (on purpose)' in summary,
           '--refresh-libs builds it again: %s / %s' % (summary, p.stderr))


def check_fixture(opts):
    tag = opts.tag[0]
    make_wheelhouse()
    scen = scenario_path()
    if not bootstrap_pip(opts, tag, scen):
        return
    sets = os.path.join(os.path.dirname(WHEELHOUSE), 'sets.txt')
    with open(sets, 'w') as f:
        f.write('lmxfixture==2\nlmxfixture==1.5\nlmxfixture==3\n')
    out = tempfile.mkdtemp()
    args = ['run', scen, '--python', tag, '--libs-from', sets, '--out',
            out, '-j2'] + OFFLINE
    p = lmx(opts, args)
    expect(p.returncode == 1, 'fixture run exits 1 (a leak): %d %s'
           % (p.returncode, p.stderr[-3000:]))
    docs = by_libset(results(out))
    expect(len(docs) == 3, 'three cells, one per set: %s' % sorted(docs))
    clean = docs.get(tag + ' lmxfixture==2')
    leaky = docs.get(tag + ' lmxfixture==3')
    broken = docs.get(tag + ' lmxfixture==1.5')
    if clean and leaky and broken:
        expect(clean['status'] == 'clean', 'v2 clean: %s' % clean['summary'])
        expect(leaky['status'] == 'leak', 'v3 leaks: %s' % leaky['summary'])
        expect(leaky['outcome']['lead']['per_iteration'] > 0.5,
               'v3 leaks about one object per iteration: %s'
               % leaky['outcome']['lead'])
        prov = leaky['outcome']['provided']
        expect(prov and prov[0]['dist'] == 'lmxfixture'
               and prov[0]['version'] == '3'
               and prov[0]['module'] == 'lmxfixture',
               'provenance of v3: %s' % prov)
        expect('work came from lmxfixture 3 (module lmxfixture)'
               in leaky['summary'], 'the summary says where work came '
               'from: %s' % leaky['summary'])
        expect(leaky['libs']['installed'] == [{'name': 'lmxfixture',
                                               'version': '3'}]
               and leaky['libs']['requested'] == ['lmxfixture==3'],
               'libs records requested and installed: %s' % leaky['libs'])
        mods = [m for m in leaky['imports'] if m['name'] == 'lmxfixture']
        expect(mods and mods[0]['origin'] == 'libset'
               and mods[0]['file'].startswith(leaky['libs']['dir']),
               'the module came from the set directory: %s' % mods)
        expect(broken['status'] == 'skipped'
               and 'does not build (on purpose)' in broken['libs']['log_tail']
               and 'cannot install' in broken['summary'],
               'v1.5 skipped with the reason and the log tail: %s / %s'
               % (broken['summary'], broken['libs']))
        expect('(RuntimeError: lmxfixture 1.5 does not build (on purpose))'
               in broken['summary'], 'the skip says why the build failed: '
               '%s' % broken['summary'])
    check_failed_build_remembered(opts, tag, scen)
    grid = p.stdout
    expect(all(('%s lmxfixture==%s' % (tag, v)) in grid
               for v in ('2', '3', '1.5')),
           'the grid has a column per set: %s' % grid)
    expect('via lmxfixture 3 (lmxfixture)' in grid,
           'the grid cell names the provider: %s' % grid)
    # A second run: every install cached.
    out2 = tempfile.mkdtemp()
    t0 = time.time()
    p = lmx(opts, ['run', scen, '--python', tag, '--lib', 'lmxfixture==2',
                   '--out', out2] + OFFLINE)
    expect(p.returncode == 0 and 'installing' not in p.stderr,
           'cached set reused, not installed again: %s' % p.stderr)
    sys.stderr.write('cached reuse: whole run %.2f s\n' % (time.time() - t0))
    p = lmx(opts, ['report', '--imports', out])
    expect(p.returncode == 0 and 'work came from lmxfixture 3 (module '
           'lmxfixture)' in p.stdout and 'lmxfixture 2 (libset): lmxfixture'
           in p.stdout, 'report --imports: %s' % p.stdout)
    html = open(os.path.join(out, 'report', 'report.html')).read()
    expect('work came from lmxfixture 3 (module lmxfixture)' in html
           and 'install log (tail)' in html, 'html detail shows provenance '
           'and the failed install')
    # Two runs at once wanting one new set: installed once.
    nonce = str(time.time())
    fresh = write_wheel(tempfile.mkdtemp(), '2',
                        CLEAN + '# %s\n' % nonce)
    procs = [subprocess.Popen(
        [opts.leakmatrix, 'run', scen, '--python', tag, '--lib', fresh,
         '--out', tempfile.mkdtemp()] + OFFLINE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, universal_newlines=True) for _ in range(2)]
    errs = [pr.communicate(timeout=600)[1] for pr in procs]
    expect(all(pr.returncode == 0 for pr in procs),
           'parallel runs succeed: %s' % errs)
    installs = sum(e.count("installed '") for e in errs)
    expect(installs == 1, 'one set installed once by two runs (%d): %s'
           % (installs, errs))
    for d in (out, out2):
        shutil.rmtree(d)
    check_interrupted_install(opts, tag, scen)


def processes_mentioning(text):
    found = []
    for d in os.listdir('/proc'):
        try:
            with open('/proc/%s/cmdline' % d, 'rb') as f:
                if text.encode() in f.read():
                    found.append(int(d))
        except (IOError, OSError):
            continue
    return found


def alive(pid):
    """Running (a zombie waiting for init to reap it is not)."""
    try:
        with open('/proc/%d/status' % pid) as f:
            return 'State:\tZ' not in f.read()
    except (IOError, OSError):
        return False


def check_interrupted_install(opts, tag, scen):
    """Ctrl-C during an install stops pip and leaves nothing running."""
    import signal
    house = tempfile.mkdtemp(prefix='lmxfixture-slow.')
    sdist = write_sdist(house, '7', broken=False, slow=True)
    out = tempfile.mkdtemp()
    pidfile = os.path.join(house, 'backend.pid')
    proc = subprocess.Popen(
        [opts.leakmatrix, 'run', scen, '--python', tag, '--lib', sdist,
         '--out', out] + OFFLINE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, universal_newlines=True,
        env=dict(os.environ, LMX_TEST_PIDFILE=pidfile))
    deadline = time.time() + 60
    while time.time() < deadline and not os.path.exists(pidfile):
        time.sleep(0.2)
    time.sleep(0.2)
    if not expect(os.path.exists(pidfile), 'the slow build started'):
        proc.kill()
        proc.communicate()
        return
    with open(pidfile) as f:
        backend = int(f.read())
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    expect(proc.returncode == -signal.SIGINT,
           'an interrupted install dies of SIGINT: %d %s'
           % (proc.returncode, err[-1000:]))
    time.sleep(1)
    left = processes_mentioning(house)
    expect(not left and not alive(backend),
           'pip or its build outlived an interrupted install: %s, %d'
           % (left, backend))
    shutil.rmtree(house)
    shutil.rmtree(out, ignore_errors=True)


def bisect_lines(p):
    return [l for l in p.stdout.strip().split('\n') if l]


def check_bisect(opts):
    tag = opts.tag[0]
    make_wheelhouse()
    scen = scenario_path()
    if not bootstrap_pip(opts, tag, scen):
        return
    out = tempfile.mkdtemp()
    base = ['bisect', scen, '--python', tag, '--lib', 'lmxfixture',
            '--out', out] + OFFLINE
    p = lmx(opts, base + ['--good', '1', '--bad', '4'])
    lines = bisect_lines(p)
    expect(p.returncode == 0 and lines and lines[-1] == 'first bad: 3',
           'first bad: 3: %s %s' % (lines, p.stderr[-2000:]))
    probes = [l for l in lines if not l.startswith('first')]
    # 1, 1.5, 2, 3, 4: both ends, then ceil(log2(3)) = 2 at most.
    expect(len(probes) <= 4, 'at most 4 probes: %s' % probes)
    t0 = time.time()
    p = lmx(opts, base + ['--good', '1', '--bad', '4'])
    expect(bisect_lines(p)[-1:] == ['first bad: 3']
           and 'installing' not in p.stderr,
           'bisecting again reuses the probes: %s' % p.stderr)
    sys.stderr.write('bisect again (all probes cached): %.2f s\n'
                     % (time.time() - t0))
    p = lmx(opts, base + ['--good', '1.5', '--bad', '4'])
    lines = bisect_lines(p)
    expect(lines[-1:] == ['first bad: 3']
           and any(l.startswith('1.5 ') and ' skipped ' in l
                   for l in lines),
           'an unbuildable --good is skipped: %s' % lines)
    p = lmx(opts, base + ['--find', 'fixed', '--bad', '3', '--good', '5'])
    expect(bisect_lines(p)[-1:] == ['first fixed: 5'],
           'first fixed: 5: %s' % p.stdout)
    p = lmx(opts, base + ['--good', '3', '--bad', '4'])
    lines = bisect_lines(p)
    expect(p.returncode == 1 and lines and lines[-1].startswith('none: ')
           and 'already bad' in lines[-1],
           'no good version says none: %s' % lines)
    p = lmx(opts, base + ['--versions', '1,2,3,4', '--good', '2',
                          '--bad', '4'])
    expect(bisect_lines(p)[-1:] == ['first bad: 3'],
           '--versions: %s' % p.stdout)
    p = lmx(opts, base + ['--good', '4', '--bad', '1'])
    expect(p.returncode == 2 and 'must be older' in p.stderr,
           'reversed range is a usage error: %s' % p.stderr)
    shutil.rmtree(out)


TESTS = '''"""lmxfixture's tests, as a project's own would be."""
import unittest

import lmxfixture


class TestWork(unittest.TestCase):
    def test_work(self):
        lmxfixture.work()

    def test_nothing(self):
        self.assertTrue(True)


def work():
    lmxfixture.work()
'''


def check_testbisect(opts):
    """bisect on test targets: the probes collect the test on each
    version's set and read its cell back."""
    tag = opts.tag[0]
    make_wheelhouse()
    if not bootstrap_pip(opts, tag, scenario_path()):
        return
    work = tempfile.mkdtemp(prefix='lmx-testbisect-')
    with open(os.path.join(work, 'test_lmxwork.py'), 'w') as f:
        f.write(TESTS)
    out = os.path.join(work, 'out')
    base = ['--python', tag, '--lib', 'lmxfixture', '--good', '1',
            '--bad', '4', '--test-budget', '1', '--out', out] + OFFLINE
    for target in ('unittest:test_lmxwork.TestWork.test_work',
                   'call:test_lmxwork:work'):
        p = lmx(opts, ['bisect', target] + base, cwd=work)
        lines = bisect_lines(p)
        expect(p.returncode == 0 and lines[-1:] == ['first bad: 3'],
               'bisect %s: first bad: 3: %s %s'
               % (target, lines, p.stderr[-2000:]))
        probes = [l for l in lines if not l.startswith('first')]
        expect(len(probes) <= 4 and all(' leak' in l or ' clean' in l
                                        for l in probes),
               'bisect %s: at most 4 probes, each clean or a leak: %s'
               % (target, probes))
    p = lmx(opts, ['bisect', 'unittest:test_lmxwork', '-k', 'test_work']
            + base, cwd=work)
    expect(bisect_lines(p)[-1:] == ['first bad: 3'],
           'bisect a module narrowed by -k: %s %s'
           % (p.stdout, p.stderr[-2000:]))
    p = lmx(opts, ['bisect', 'unittest:test_lmxwork'] + base, cwd=work)
    expect(p.returncode == 2 and 'selects 2 tests' in p.stderr
           and 'test_lmxwork.TestWork.test_nothing' in p.stderr
           and 'test_lmxwork.TestWork.test_work' in p.stderr,
           'a target selecting two tests is a usage error naming them: '
           '%d %s' % (p.returncode, p.stderr[-2000:]))
    p = lmx(opts, ['bisect', 'call:nocolon'] + base, cwd=work)
    expect(p.returncode == 2 and 'MODULE:FUNCTION' in p.stderr,
           'a malformed test target: %d %s' % (p.returncode, p.stderr))
    shutil.rmtree(work)


def git(repo, *args):
    return subprocess.run(['git', '-C', repo] + list(args), check=True,
                          stdout=subprocess.PIPE, universal_newlines=True,
                          env=dict(os.environ, GIT_AUTHOR_NAME='t',
                                   GIT_AUTHOR_EMAIL='t@example.com',
                                   GIT_COMMITTER_NAME='t',
                                   GIT_COMMITTER_EMAIL='t@example.com')
                          ).stdout.strip()


def check_gitbisect(opts):
    tag = opts.tag[0]
    make_wheelhouse()
    scen = scenario_path()
    if not bootstrap_pip(opts, tag, scen):
        return
    repo = tempfile.mkdtemp(prefix='lmxfixture-git.')
    git(repo, 'init', '-q')
    commits = []
    for v in ('1', '2', '3', '4', '5'):
        write_project(repo, v, fixture_source(v))
        git(repo, 'add', '-A')
        git(repo, 'commit', '-q', '-m', 'version %s' % v)
        commits.append(git(repo, 'rev-parse', 'HEAD'))
    git(repo, 'bisect', 'start', commits[3], commits[0])
    p = subprocess.run(
        ['git', '-C', repo, 'bisect', 'run', opts.leakmatrix, 'check', scen,
         '--python', tag, '--lib', repo, '--find-links', EMPTY,
         '--no-index', '-q'],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        universal_newlines=True, timeout=1800)
    expect(('%s is the first bad commit' % commits[2]) in p.stdout,
           'git bisect run finds the commit of version 3: %s'
           % p.stdout[-3000:])
    git(repo, 'bisect', 'reset')
    out = tempfile.mkdtemp()
    p = lmx(opts, ['bisect', scen, '--python', tag, '--git', repo,
                   '--good', commits[0], '--bad', commits[3],
                   '--find-links', EMPTY, '--no-index', '--out', out])
    expect(bisect_lines(p)[-1:] == ['first bad: %s' % commits[2]],
           'bisect --git: %s %s' % (p.stdout, p.stderr[-2000:]))
    p = lmx(opts, ['bisect', scen, '--python', tag, '--git', repo,
                   '--find', 'fixed', '--bad', commits[2],
                   '--good', commits[4], '--find-links', EMPTY,
                   '--no-index', '--out', out])
    expect(bisect_lines(p)[-1:] == ['first fixed: %s' % commits[4]],
           'bisect --git --find fixed: %s' % p.stdout)
    # check itself: 0 clean, 1 bad, 125 cannot be built.
    write_project(repo, '6', CLEAN, broken=True)
    p = lmx(opts, ['check', scen, '--python', tag, '--lib', repo,
                   '--find-links', EMPTY, '--no-index', '-q'])
    expect(p.returncode == 125 and 'check: skip:' in p.stdout,
           'an unbuildable tree is 125: %d %s' % (p.returncode, p.stdout))
    shutil.rmtree(repo)
    shutil.rmtree(out)


def present(opts, prefix):
    return [t for t in opts.tag if t == prefix or t.startswith(prefix + '.')]


def fresh_store():
    return os.path.join(tempfile.mkdtemp(prefix='lmx-store-'), 'libs')


def with_own_pip(opts):
    """The tags these checks pick from: interpreters that can bootstrap a
    pip offline.  A free-threaded build from Debian's source and a root of
    Debian's binary packages have none bundled (Debian strips ensurepip's
    wheels), so offline sets skip there, by design; the fixture suites and
    the main job cover them online."""
    proc = subprocess.run([opts.leakmatrix, 'pythons', 'list', '--json'],
                          stdout=subprocess.PIPE, universal_newlines=True)
    odd = set(py['tag'] for py in json.loads(proc.stdout or '[]')
              if py.get('free_threaded') or py.get('loader'))
    return [t for t in opts.tag if t not in odd]


def resolve_tags(opts):
    """An interpreter whose pip resolves with --dry-run (3.7+: pip 24)
    and the built 3.9.2, whose bundled pip 20.2 has none (used offline),
    or 3.6 (pip 21.3.1), when provisioned."""
    dry = [t for t in opts.tag if not t.startswith(('3.6.', '3.9.2'))]
    old = [t for t in opts.tag if t == '3.9.2'] or \
        [t for t in opts.tag if t.startswith('3.6.')]
    return dry[:1] + old[:1]


def check_resolve(opts):
    scen = scenario_path()
    for tag in resolve_tags(opts):
        house = tempfile.mkdtemp(prefix='lmx-house-')
        for v in ('1', '2', '3'):
            write_wheel(house, v, fixture_source(v))
        store = fresh_store()
        offline = ['--find-links', house, '--libs-dir', store]
        if tag.startswith('3.6.'):
            # 3.6 bundles pip 18.1, too old: its pip comes from the index.
            pass
        else:
            offline.append('--no-index')

        def run(spec, *extra):
            out = tempfile.mkdtemp()
            t0 = time.time()
            p = lmx(opts, ['run', scen, '--python', tag, '--lib', spec,
                           '--out', out] + offline + list(extra))
            took = time.time() - t0
            docs = results(out)
            shutil.rmtree(out)
            ok = expect(p.returncode in (0, 1) and len(docs) == 1,
                        '%s %s: one cell: %s' % (tag, spec, p.stderr[-2000:]))
            return (docs[0] if ok else None), p.stderr, took

        doc, err, _ = run('lmxfixture>=2')
        if not doc:
            continue
        libs = doc['libs']
        expect('resolving' in err and libs['resolved'] == ['lmxfixture==3']
               and libs['installed'] == [{'name': 'lmxfixture',
                                          'version': '3'}]
               and doc['status'] == 'leak',
               '%s: lmxfixture>=2 resolves to 3: %s' % (tag, libs))
        expect(libs.get('resolved_by', '').startswith('pip install'),
               '%s: resolved_by: %s' % (tag, libs))
        first_dir = libs['dir']
        # A release appears: kept resolution, the same entry, no pip.
        write_wheel(house, '4', fixture_source('4'))
        doc, err, took = run('lmxfixture>=2')
        expect(doc and doc['libs']['dir'] == first_dir
               and doc['libs']['resolved'] == ['lmxfixture==3']
               and 'resolving' not in err and 'installing' not in err,
               '%s: a fresh resolution is reused: %s %s'
               % (tag, doc and doc['libs'], err))
        sys.stderr.write('%s: cached ranged set, whole run %.2f s\n'
                         % (tag, took))
        # --refresh-libs sees the new release: another entry.
        doc, err, _ = run('lmxfixture>=2', '--refresh-libs')
        expect(doc and doc['libs']['resolved'] == ['lmxfixture==4']
               and doc['libs']['dir'] != first_dir and 'resolving' in err,
               '%s: --refresh-libs resolves again: %s' % (tag, doc and
                                                          doc['libs']))
        refreshed = doc and doc['libs']['dir']
        # Another spec resolving to the same release shares the entry.
        doc, err, _ = run('lmxfixture>=3')
        expect(doc and doc['libs']['dir'] == refreshed
               and doc['libs']['requested'] == ['lmxfixture>=3']
               and doc['libs']['set'] == 'lmxfixture>=3'
               and 'installing' not in err,
               '%s: lmxfixture>=3 shares the entry of 4: %s'
               % (tag, doc and doc['libs']))
        # An aged resolution is redone: release 5 appears, the file is
        # made two days old.
        write_wheel(house, '5', fixture_source('5'))
        files = glob.glob(os.path.join(store, 'resolved', '*.json'))
        expect(len(files) == 2, '%s: one resolution per request: %s'
               % (tag, files))
        for f in files:
            with open(f) as fh:
                res = json.load(fh)
            res['resolved_epoch'] -= 2 * 24 * 3600
            with open(f, 'w') as fh:
                json.dump(res, fh)
        doc, err, _ = run('lmxfixture>=2')
        expect(doc and doc['libs']['resolved'] == ['lmxfixture==5']
               and doc['status'] == 'clean' and 'resolving' in err,
               '%s: a day-old resolution is redone: %s %s'
               % (tag, doc and doc['libs'], err[-1000:]))
        # A pinned set asks nothing of pip's resolver.
        doc, err, _ = run('lmxfixture==2')
        expect(doc and 'resolved' not in doc['libs']
               and 'resolving' not in err and doc['status'] == 'clean',
               '%s: a pinned set is keyed by itself: %s'
               % (tag, doc and doc['libs']))
        shutil.rmtree(os.path.dirname(store))
        shutil.rmtree(house)


def check_offline(opts):
    make_wheelhouse()
    scen = scenario_path()
    for tag in opts.tag:
        if not (tag.startswith('3.6.') or tag == '3.9.2'
                or tag.startswith('3.11.')):
            continue
        store = fresh_store()
        out = tempfile.mkdtemp()
        p = lmx(opts, ['run', scen, '--python', tag, '--lib',
                       'lmxfixture==2', '--libs-dir', store, '--out', out]
                + OFFLINE)
        docs = results(out)
        if not expect(len(docs) == 1, '%s offline: one cell: %s'
                      % (tag, p.stderr[-2000:])):
            continue
        doc = docs[0]
        bundled = glob.glob(os.path.join(store, 'pip-*-bundled'))
        if tag.startswith('3.6.'):
            # pip 18.1 is bundled: too old for the strategy.
            warn = [l for l in p.stderr.splitlines() if 'no pip for' in l]
            expect(doc['status'] == 'skipped' and len(warn) == 1
                   and 'put pip-21.3.1-py3-none-any.whl' in warn[0]
                   and WHEELHOUSE in warn[0] and not bundled,
                   '%s offline without a usable pip: one line naming the '
                   'wheel: %s' % (tag, p.stderr))
        else:
            expect(doc['status'] == 'clean' and len(bundled) == 1
                   and doc['libs']['pip'] in bundled[0]
                   and doc['libs']['installed'] == [{'name': 'lmxfixture',
                                                     'version': '2'}],
                   "%s offline: installed with the interpreter's own pip "
                   "(%s): %s %s" % (tag, bundled, doc['summary'],
                                    p.stderr[-2000:]))
        shutil.rmtree(out)
        shutil.rmtree(os.path.dirname(store))


def check_realindex(opts):
    scen = os.path.join(opts.lz4_scenarios, 'lz4_frame.py')
    tags = []
    for want in ('3.6', '3.9.2', '3.11', '3.13'):
        found = [t for t in opts.tag if t == want or
                 (t.startswith(want + '.') and '-debug' not in t)]
        if found:
            tags.append(found[0])
    if len(tags) < 2:
        sys.exit(77)
    sets = os.path.join(tempfile.mkdtemp(), 'sets.txt')
    with open(sets, 'w') as f:
        f.write('lz4tools==1.3.1.2\nlz4\nlz4tools==1.2.0\n')
    out = tempfile.mkdtemp()
    args = ['run', scen, '--libs-from', sets, '--out', out, '-j2']
    for t in tags:
        args += ['--python', t]
    p = lmx(opts, args, timeout=3600)
    expect(p.returncode == 1, 'lz4 run exits 1: %d %s'
           % (p.returncode, p.stderr[-3000:]))
    docs = by_libset(results(out))
    for t in tags:
        hexv = None
        tools = docs.get(t + ' lz4tools==1.3.1.2')
        lz4 = docs.get(t + ' lz4')
        old = docs.get(t + ' lz4tools==1.2.0')
        if not expect(tools and lz4 and old, '%s: three cells' % t):
            continue
        hexv = tools['python']['hexversion']
        prov = tools['outcome']['provided'][0]
        expect(prov['module'] == 'lz4f' and prov['dist'] == 'lz4tools'
               and prov['version'] == '1.3.1.2',
               '%s: the decoder came from lz4tools (lz4f): %s' % (t, prov))
        expect(lz4['outcome']['provided'][0]['module'] == 'lz4.frame'
               and lz4['outcome']['provided'][0]['dist'] == 'lz4',
               '%s: the decoder came from lz4: %s' % (t, lz4['outcome']))
        used = prov.get('used') or ''
        if hexv < 0x030a0000:
            expect(used == 'frame decode', '%s: lz4tools decodes frames: %r'
                   % (t, used))
        elif hexv < 0x030d0000:
            expect(used.startswith('context calls only') and
                   'SystemError' in used and 'PY_SSIZE_T_CLEAN' in used,
                   '%s: lz4tools cannot decode frames, says why: %r'
                   % (t, used))
        else:
            expect(used.startswith('context calls only') and
                   'not tried' in used, '%s: not tried on 3.13: %r'
                   % (t, used))
        expect(lz4['outcome']['provided'][0].get('used') == 'frame decode',
               '%s: lz4 decodes frames: %s' % (t, lz4['outcome']))
        if hexv < 0x030c0000:
            lead = tools['outcome']['lead'] or {}
            expect(tools['status'] in ('over-release', 'crash')
                   and lead.get('metric') == 'refs_none'
                   and lead.get('per_iteration', 0) < -0.5,
                   '%s: lz4tools over-releases None: %s'
                   % (t, tools['summary']))
        else:
            expect(tools['status'] == 'clean' and 'immortal_singletons'
                   in tools['outcome']['flags'],
                   '%s: None immortal: %s' % (t, tools['summary']))
        expect(lz4['status'] == 'clean', '%s: lz4 clean: %s'
               % (t, lz4['summary']))
        expect(old['status'] == 'skipped' and old['libs']['log_tail'],
               '%s: lz4tools 1.2.0 does not build: %s' % (t, old['summary']))
    # The scenario's own sets (lz4_frame.libs) when none is given, beside a
    # scenario without sets (like the main job): the sets join the rows of
    # the grid, each with a provenance line.
    out5 = tempfile.mkdtemp()
    plain = os.path.join(opts.scenarios, 'plain.py')
    p = lmx(opts, ['run', scen, plain, '--python', tags[0], '--python',
                   tags[-1], '--out', out5], timeout=3600)
    docs = by_libset(d for d in results(out5)
                     if d['key']['scenario'] == 'lz4_frame')
    want = sorted('%s kafka-python %s' % (t, b) for t in (tags[0], tags[-1])
                  for b in ('lz4', 'lz4tools==1.3.1.2'))
    expect(sorted(docs) == want, 'lz4_frame.libs sets: %s' % sorted(docs))
    grid = p.stdout[p.stdout.find('\nscenario '):]
    expect('\nlz4_frame (kafka-python lz4tools==1.3.1.2) ' in grid
           and '\nlz4_frame (kafka-python lz4) ' in grid
           and '\nplain ' in grid and ' via ' not in grid
           and 'lz4_frame (kafka-python lz4tools==1.3.1.2): lz4 frame '
           'decoder from lz4tools 1.3.1.2 (lz4f) on %s to %s' % (
               tags[0], tags[-1]) in grid,
           'grid rows and provenance line: %s' % grid)
    p = lmx(opts, ['run', scen, '--python', tags[0], '--no-scenario-libs',
                   '--out', out5, '--rerun'])
    expect('lz4_frame ' in p.stdout and ' skipped' in p.stdout,
           '--no-scenario-libs runs without a set: %s' % p.stdout[-2000:])
    shutil.rmtree(out5)
    # An unreachable index: a skipped cell that says why, at once.
    out2 = tempfile.mkdtemp()
    env = dict(os.environ, PIP_INDEX_URL='http://127.0.0.1:9/simple',
               PIP_RETRIES='0', PIP_TIMEOUT='5', PIP_FIND_LINKS='')
    p = lmx(opts, ['run', scen, '--python', tags[0], '--lib',
                   'lmx-not-there==1.0', '--out', out2], env=env)
    docs = results(out2)
    expect(p.returncode == 0 and len(docs) == 1
           and docs[0]['status'] == 'skipped'
           and 'cannot install' in docs[0]['summary'],
           'unreachable index: %s %s' % (p.stdout, p.stderr[-2000:]))
    # Over interpreters: lz4tools' over-release stops showing where None
    # became immortal, and every boundary is listed.
    older = [t for t in tags if t.startswith(('3.6', '3.9', '3.11'))]
    newer = [t for t in tags if t.startswith(('3.12', '3.13'))]
    if older and newer:
        out4 = tempfile.mkdtemp()
        p = lmx(opts, ['bisect', scen, '--python', '%s..%s' % (tags[0],
                                                                 tags[-1]),
                       '--lib', 'lz4tools==1.3.1.2', '--set', 'step=context',
                       '--find', 'fixed', '--out', out4], timeout=3600)
        lines = bisect_lines(p)
        changes = [l for l in lines if l.startswith('changed: ')]
        expect(p.returncode == 0 and lines and lines[-1].startswith(
            'first fixed: 3.12') and len(changes) == 1
               and '(bad) -> 3.12' in changes[0],
               'bisect over interpreters: %s %s' % (lines, p.stderr[-2000:]))
        shutil.rmtree(out4)
    # No good lz4tools release on the built 3.9.2.
    if '3.9.2' in opts.tag:
        out3 = tempfile.mkdtemp()
        p = lmx(opts, ['bisect', scen, '--python', '3.9.2', '--lib',
                       'lz4tools', '--good', '1.2.0', '--bad', '1.3.1.2',
                       '--set', 'step=context', '--out', out3],
                timeout=3600)
        lines = bisect_lines(p)
        sys.stderr.write('%s\n' % '\n'.join(lines))
        expect(p.returncode == 1 and lines
               and lines[-1].startswith('none: no good version')
               and any(l.startswith('1.2.0 ') and ' skipped ' in l
                       for l in lines),
               'lz4tools has no good release: %s %s'
               % (lines, p.stderr[-2000:]))
        shutil.rmtree(out3)
    shutil.rmtree(out)
    shutil.rmtree(out2)


# The two local distributions of check_provenance (tests/fixtures/dists):
# module -> (distribution, version).
PAIR = {'lmxpair_first': ('lmxpair-first', '1.0'),
        'lmxpair_second': ('lmxpair-second', '2.0')}


def stage_dists(opts, work):
    """Copies of tests/fixtures/dists' projects, each with the backend
    beside it (pip may build in the tree: the sources stay clean)."""
    src = os.path.join(os.path.dirname(os.path.abspath(opts.scenarios)),
                       'dists')
    dirs = []
    for dist, _ in sorted(PAIR.values()):
        dest = os.path.join(work, dist)
        shutil.copytree(os.path.join(src, dist), dest)
        shutil.copy(os.path.join(src, 'lmx_dist_backend.py'), dest)
        dirs.append(dest)
    return dirs


def check_provenance(opts):
    """A set of two local distributions, offline: every module the cell
    imported is credited to the distribution that provided it, the one
    the scenario names in PROVIDES being the second's.  On the first
    interpreter with importlib.metadata and on a 3.7 (pkg_resources)."""
    modern = [t for t in opts.tag if not t.startswith(('3.6.', '3.7.'))]
    tags = modern[:1] + [t for t in opts.tag if t.startswith('3.7.')][:1]
    if not tags:
        sys.exit(77)
    for tag in tags:
        provenance_on(opts, tag)


def provenance_on(opts, tag):
    work = tempfile.mkdtemp(prefix='lmx-provenance-')
    empty = os.path.join(work, 'empty')
    os.makedirs(empty)
    args = ['run', os.path.join(opts.scenarios, 'two_dists.py'),
            '--python', tag, '--libs-dir', os.path.join(work, 'store'),
            '--out', os.path.join(work, 'out'), '--find-links', empty,
            '--no-index']
    for d in stage_dists(opts, work):
        args += ['--lib', d]
    p = lmx(opts, args)
    docs = results(os.path.join(work, 'out'))
    shutil.rmtree(work, ignore_errors=True)
    if not expect(len(docs) == 1 and docs[0]['status'] == 'clean',
                  'two local distributions on %s: %s %s' % (
                      tag, [d['summary'] for d in docs], p.stderr[-2000:])):
        return
    doc = docs[0]
    installed = sorted((d['name'], d['version'])
                       for d in doc['libs']['installed'])
    expect(installed == sorted(PAIR.values()), '%s: the set holds %s, '
           'expected %s' % (tag, installed, sorted(PAIR.values())))
    credited = dict((m['name'], (m['dist'], m['version']))
                    for m in doc['imports'] if m['name'] in PAIR)
    expect(credited == PAIR, 'provenance names the wrong distribution on '
           '%s: imports credit %s, expected %s' % (tag, credited, PAIR))
    prov = doc['outcome']['provided']
    expect(len(prov) == 1 and (prov[0]['module'], prov[0]['dist'],
                               prov[0]['version'])
           == ('lmxpair_second',) + PAIR['lmxpair_second'],
           'provenance names the wrong distribution for PROVIDES on %s: %s '
           '(expected lmxpair_second from lmxpair-second 2.0)' % (tag, prov))
    sys.stdout.write('%-8s %s\n' % (tag, doc['summary']))


CHECKS = {
    'specs': check_specs,
    'fixture': check_fixture,
    'bisect': check_bisect,
    'testbisect': check_testbisect,
    'gitbisect': check_gitbisect,
    'realindex': check_realindex,
    'resolve': check_resolve,
    'offline': check_offline,
    'provenance': check_provenance,
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('check', choices=sorted(CHECKS))
    ap.add_argument('--leakmatrix', required=True)
    ap.add_argument('--scenarios', required=True)
    ap.add_argument('--lz4-scenarios', required=True)
    ap.add_argument('--tag', action='append', required=True)
    opts = ap.parse_args()
    opts.leakmatrix = os.path.abspath(opts.leakmatrix)
    opts.tag = with_own_pip(opts)
    if shutil.which('git') is None and opts.check == 'gitbisect':
        sys.exit(77)
    CHECKS[opts.check](opts)
    if FAILURES:
        sys.stderr.write('%d failure(s)\n' % len(FAILURES))
        sys.exit(1)


if __name__ == '__main__':
    main()
