#!/usr/bin/env python3
"""An installed leakmatrix away from its source tree (issue 23).

usage: install.py --build DIR --source DIR --scenarios DIR --tag TAG...

Installs the build directory into a scratch DESTDIR (`meson install
--destdir`), then moves the installed tree to another directory, so the
binary must find its files beside itself rather than at its prefix, and
checks:

layout    bin/leakmatrix; the runner kit (libexec/leakmatrix: runner.build
          and the sources it names); share/leakmatrix: leakcheck.supp and
          the example scenarios; bash and zsh completion
no tree   no path into the source or build directory in the binary (its
          strings without debug information, its dynamic section, ldd)
          nor in the kit
runs      every command in a mount namespace where the source and build
          directories are empty (unshare(1); without it, with a cwd and
          PATH that do not reach them), with a scratch cache:
          - the first run builds each runner on demand and says so with
            its time; pyleak leaks, plain and cycle_garbage are clean on
            every tag; results go to ./results/ by default
          - the next run builds nothing; threading_server (an installed
            example) is clean on 3.11.7
          - --valgrind (when installed) reads the installed suppressions:
            plain is clean
          - two runs that need a new runner at once build it once
          - `pythons sync` builds every embeddable interpreter's runner,
            `pythons list` shows them built
          - the installed bash completion completes commands and tags
          - the man pages: `MANPATH=<root>/share/man man leakmatrix-CMD`
            renders each command's page with its options

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

from lmxtest import FAILURES, expect, fail

SHORT = ['--warmup', '2', '--rounds', '3', '--iterations', '20']


class Installed:
    """The installed tree, moved to `root`, and how to run it hidden
    from the source and build directories."""

    def __init__(self, opts, root, scratch):
        self.opts = opts
        self.root = root
        self.bin = os.path.join(root, 'bin', 'leakmatrix')
        self.kit = os.path.join(root, 'libexec', 'leakmatrix')
        self.share = os.path.join(root, 'share', 'leakmatrix')
        self.empty = os.path.join(scratch, 'empty')
        os.mkdir(self.empty)
        self.hidden = [os.path.realpath(opts.build),
                       os.path.realpath(opts.source)]
        self.unshare = can_hide(self.empty, self.hidden)

    def env(self, cache, **extra):
        """The environment of a user who never saw the source tree."""
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(('LEAKMATRIX', 'MESON', 'PYTHON'))}
        env['PATH'] = os.pathsep.join(
            [os.path.dirname(self.bin), '/usr/local/bin', '/usr/bin',
             '/bin'])
        env['LEAKMATRIX_CACHE'] = cache
        env.update(extra)
        return env

    def argv(self, args):
        """args run in a mount namespace where the trees are empty."""
        if not self.unshare:
            return args
        mounts = ' && '.join('mount --bind "$0" "%s"' % d
                             for d in self.hidden if os.path.isdir(d))
        return ['unshare', '--mount', 'sh', '-c', mounts + ' && exec "$@"',
                self.empty] + args

    def popen(self, args, cwd, env):
        return subprocess.Popen(self.argv([self.bin] + args), cwd=cwd,
                                env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE,
                                universal_newlines=True)

    def run(self, args, cwd, env, timeout=300):
        proc = self.popen(args, cwd, env)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.terminate()
            out, err = proc.communicate()
            fail('leakmatrix %s: still running after %d s'
                 % (' '.join(args), timeout))
        return subprocess.CompletedProcess(args, proc.returncode, out, err)


def can_hide(empty, dirs):
    """Whether this process may bind-mount over the trees in a mount
    namespace of its own (root, or user namespaces allowed)."""
    if shutil.which('unshare') is None:
        return False
    probe = subprocess.run(
        ['unshare', '--mount', 'sh', '-c',
         'mount --bind "$0" "$1" && test -z "$(ls -A "$1")"', empty,
         dirs[-1]],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return probe.returncode == 0


def install(opts, scratch):
    """meson install into a DESTDIR, the prefix moved elsewhere: the
    installed root, or None."""
    dest = os.path.join(scratch, 'dest')
    proc = subprocess.run(['meson', 'install', '-C', opts.build,
                           '--no-rebuild', '--quiet', '--destdir', dest],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True)
    if not expect(proc.returncode == 0,
                  'meson install failed: %s' % proc.stdout):
        return None
    found = glob.glob(os.path.join(dest, '**', 'bin', 'leakmatrix'),
                      recursive=True)
    if not expect(len(found) == 1, 'no single bin/leakmatrix in %s: %s'
                  % (dest, found)):
        return None
    moved = os.path.join(scratch, 'elsewhere', 'lmx')
    os.makedirs(os.path.dirname(moved))
    shutil.move(os.path.dirname(os.path.dirname(found[0])), moved)
    return moved


def check_layout(inst):
    for rel in ('bin/leakmatrix', 'share/leakmatrix/leakcheck.supp',
                'share/leakmatrix/scenarios/threading_server.py',
                'share/leakmatrix/scenarios/README.md',
                'share/bash-completion/completions/leakmatrix',
                'share/zsh/site-functions/_leakmatrix',
                'libexec/leakmatrix/runner.build'):
        expect(os.path.isfile(os.path.join(inst.root, rel)),
               'not installed: %s' % rel)
    desc = os.path.join(inst.kit, 'runner.build')
    if not os.path.isfile(desc):
        return
    for line in open(desc):
        fields = line.rstrip('\n').split('\t')
        if fields[0] in ('source', 'file'):
            expect(os.path.isfile(os.path.join(inst.kit, fields[1])),
                   'runner.build names %s, which is not installed'
                   % fields[1])


def check_no_tree(inst, scratch):
    """Nothing the installed files use names the source or build tree."""
    plain = os.path.join(scratch, 'leakmatrix.nodebug')
    subprocess.run(['objcopy', '--strip-debug', inst.bin, plain],
                   check=True)
    texts = {
        'strings': subprocess.run(['strings', plain], check=True,
                                  stdout=subprocess.PIPE,
                                  universal_newlines=True).stdout,
        'readelf -d': subprocess.run(['readelf', '-d', inst.bin],
                                     check=True, stdout=subprocess.PIPE,
                                     universal_newlines=True).stdout,
        'ldd': subprocess.run(['ldd', inst.bin], stdout=subprocess.PIPE,
                              universal_newlines=True).stdout,
    }
    for path in glob.glob(os.path.join(inst.root, '**', '*'),
                          recursive=True):
        if os.path.isfile(path) and path != inst.bin:
            with open(path, 'rb') as f:
                texts[path] = f.read().decode('utf-8', 'replace')
    for name, text in texts.items():
        for tree in inst.hidden:
            expect(tree not in text, '%s names %s' % (name, tree))


def statuses(out_dir):
    """{(scenario, tag): status} of the results in out_dir."""
    got = {}
    for path in glob.glob(os.path.join(out_dir, '*.json')):
        with open(path) as f:
            doc = json.load(f)
        got[(doc['key']['scenario'], doc['key']['python'])] = doc['status']
    return got


def expect_statuses(label, out_dir, want):
    got = statuses(out_dir)
    for key, status in sorted(want.items()):
        expect(got.get(key) == status, '%s: %s on %s is %s, not %s'
               % (label, key[0], key[1], got.get(key), status))


def first_run(inst, opts, work, cache):
    """Builds every runner on demand; results in ./results/."""
    names = ['pyleak', 'plain', 'cycle_garbage']
    args = ['run', '-j', '2'] + [n + '.py' for n in names]
    for tag in opts.tag:
        args += ['--python', tag]
    proc = inst.run(args, work, inst.env(cache))
    expect(proc.returncode == 1, 'first run: exit %d, not 1 (a leak): %s'
           % (proc.returncode, proc.stderr))
    for tag in opts.tag:
        said = [l for l in proc.stderr.splitlines()
                if l.startswith('leakmatrix: building the runner for %s ...'
                                % tag)]
        expect(len(said) == 1 and said[0].endswith(' s'),
               'first run: no "building the runner for %s ... N s" line: '
               '%s' % (tag, proc.stderr))
    outs = glob.glob(os.path.join(work, 'results', '*'))
    if not expect(len(outs) == 1, 'first run: results not in ./results/: '
                  '%s' % outs):
        return
    want = {}
    for tag in opts.tag:
        want.update({('pyleak', tag): 'leak', ('plain', tag): 'clean',
                     ('cycle_garbage', tag): 'clean'})
    expect_statuses('first run', outs[0], want)


def next_runs(inst, opts, work, cache):
    """Runners built: nothing is built again.  The installed example, and
    the installed suppressions under valgrind."""
    tag = opts.tag[0]
    server = os.path.join(inst.share, 'scenarios', 'threading_server.py')
    out = os.path.join(work, 'server')
    proc = inst.run(['run', '-q', '--out', out, server, '--python', tag],
                    work, inst.env(cache))
    expect('building the runner' not in proc.stderr,
           'a built runner was built again: %s' % proc.stderr)
    if tag == '3.11.7':
        expect(proc.returncode == 0, 'threading_server on 3.11.7: exit %d: '
               '%s' % (proc.returncode, proc.stderr))
        expect_statuses('threading_server', out,
                        {('threading_server', tag): 'clean'})
    if shutil.which('valgrind') is None:
        print('valgrind is not installed: its check skipped')
        return
    out = os.path.join(work, 'valgrind')
    proc = inst.run(['run', '-q', '--valgrind', '--out', out, 'plain.py',
                     '--python', tag] + SHORT, work, inst.env(cache))
    expect(proc.returncode == 0, 'plain under --valgrind: exit %d: %s'
           % (proc.returncode, proc.stderr))
    expect_statuses('valgrind', out, {('plain', tag): 'clean'})


def only_pyenv(scratch, tag):
    """A PYENV_ROOT holding tag alone, so that a sync has few runners to
    build."""
    root = os.path.join(scratch, 'pyenv')
    src = os.path.join(os.environ.get('PYENV_ROOT')
                       or os.path.expanduser('~/.pyenv'), 'versions', tag)
    os.makedirs(os.path.join(root, 'versions'))
    if os.path.isdir(src):
        os.symlink(src, os.path.join(root, 'versions', tag))
    return root


def concurrent_and_sync(inst, opts, work, scratch):
    """Two runs needing one new runner build it once; sync builds the
    rest; list shows them."""
    tag = opts.tag[-1]
    cache = os.path.join(scratch, 'cache2')
    env = inst.env(cache, PYENV_ROOT=only_pyenv(scratch, tag))
    procs = [inst.popen(['run', '--out', os.path.join(work, 'twin%d' % i),
                         'plain.py', '--python', tag] + SHORT, work, env)
             for i in range(2)]
    for i, proc in enumerate(procs):
        out, err = proc.communicate(timeout=300)
        expect(proc.returncode == 0, 'concurrent run %d: exit %d: %s'
               % (i, proc.returncode, err))
    logs = glob.glob(os.path.join(cache, 'runners', 'logs', tag + '-*'))
    expect(len(logs) == 1, 'two runs at once built the runner of %s %d '
           'times: %s' % (tag, len(logs), logs))
    proc = inst.run(['pythons', 'sync'], work, env, timeout=600)
    expect(proc.returncode == 0, 'pythons sync: exit %d: %s'
           % (proc.returncode, proc.stderr))
    proc = inst.run(['pythons', 'list', '--json'], work, env)
    if not expect(proc.returncode == 0, 'pythons list: %s' % proc.stderr):
        return
    for py in json.loads(proc.stdout):
        if py['embeddable']:
            expect(py['runner'] is not None
                   and py['runner'].startswith(cache + '/runners/'),
                   'after sync %s has no runner in the cache: %s'
                   % (py['tag'], py['runner']))


def check_completion(inst, opts, work, cache):
    script = os.path.join(inst.root, 'share', 'bash-completion',
                          'completions', 'leakmatrix')
    test = ('source "$1"; COMP_WORDS=(leakmatrix r); COMP_CWORD=1; '
            '_leakmatrix; echo "${COMPREPLY[*]}"; '
            'COMP_WORDS=(leakmatrix run --python "$2"); COMP_CWORD=3; '
            '_leakmatrix; echo "${COMPREPLY[*]}"')
    proc = subprocess.run(inst.argv(['bash', '-c', test, 'bash', script,
                                     '3.1']),
                          cwd=work, env=inst.env(cache),
                          stdout=subprocess.PIPE, universal_newlines=True)
    lines = proc.stdout.splitlines() + ['', '']
    expect(lines[0].split() == ['run', 'report'],
           'bash completion of "r": %r' % lines[0])
    for tag in opts.tag:
        expect(not tag.startswith('3.1') or tag in lines[1].split(),
               'bash completion of --python 3.1 lacks %s: %r'
               % (tag, lines[1]))
    if shutil.which('zsh'):
        zsh = os.path.join(inst.root, 'share', 'zsh', 'site-functions',
                           '_leakmatrix')
        expect(subprocess.run(['zsh', '-n', zsh]).returncode == 0,
               'zsh completion does not parse')


def check_man(inst):
    """Each man page installed, found by man(1) and holding an option
    of its command's --help (skipped without man)."""
    pages = {'leakmatrix': 'leakmatrix COMMAND',
             'leakmatrix-run': '--python', 'leakmatrix-report': '--format',
             'leakmatrix-compare': 'BASE', 'leakmatrix-check': '125',
             'leakmatrix-bisect': '--good',
             'leakmatrix-pythons': '--debian-binary'}
    man_dir = os.path.join(inst.root, 'share', 'man')
    for name in pages:
        expect(os.path.isfile(os.path.join(man_dir, 'man1', name + '.1')),
               'not installed: share/man/man1/%s.1' % name)
    if shutil.which('man') is None:
        print('man is not installed: man pages not rendered')
        return
    for name, option in pages.items():
        env = dict(os.environ, MANPATH=man_dir, LC_ALL='C', MANWIDTH='100')
        proc = subprocess.run(['man', name], env=env, universal_newlines=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        expect(proc.returncode == 0 and option in proc.stdout,
               'man %s: exit %d, %r not in %d characters: %s'
               % (name, proc.returncode, option, len(proc.stdout),
                  proc.stderr.strip()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--build', required=True)
    ap.add_argument('--source', required=True)
    ap.add_argument('--scenarios', required=True)
    ap.add_argument('--tag', action='append', default=[])
    opts = ap.parse_args()
    for tool in ('meson', 'cc', 'objcopy', 'strings', 'readelf'):
        if shutil.which(tool) is None:
            print('%s is not installed: skipped' % tool)
            return 77
    if not opts.tag:
        print('no interpreter to run on: skipped')
        return 77
    scratch = tempfile.mkdtemp(prefix='lmx-install-')
    try:
        root = install(opts, scratch)
        if root is None:
            return 1
        inst = Installed(opts, root, scratch)
        if not inst.unshare:
            print('cannot hide the trees in a mount namespace: running '
                  'with a cwd and PATH away from them')
        work = os.path.join(scratch, 'work')
        os.mkdir(work)
        for name in ('pyleak.py', 'plain.py', 'cycle_garbage.py'):
            shutil.copy(os.path.join(opts.scenarios, name), work)
        cache = os.path.join(scratch, 'cache')
        check_layout(inst)
        check_no_tree(inst, scratch)
        proc = inst.run(['--version'], work, inst.env(cache))
        expect(proc.stdout.startswith('leakmatrix '),
               '--version: %r %r' % (proc.stdout, proc.stderr))
        first_run(inst, opts, work, cache)
        next_runs(inst, opts, work, cache)
        concurrent_and_sync(inst, opts, work, scratch)
        check_completion(inst, opts, work, cache)
        check_man(inst)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if FAILURES:
        print('%d failure(s)' % len(FAILURES))
        return 1
    print('ok: installed leakmatrix on %s' % ', '.join(opts.tag))
    return 0


if __name__ == '__main__':
    sys.exit(main())
