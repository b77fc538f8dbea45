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
- a leakmatrix build in the cache whose root's loader cannot start (a copy
  of the 3.14.10 build's executable pointed at a copy of its loader
  without the execute bit, in a scratch cache; with --pythons, when that
  build and patchelf are there): `pythons list` names it, a run on it is
  one line and exit 3 with nothing written (issue 20)
"""
import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

from installed import (Installed, check_completion, check_man,
                       expect_statuses, first_checks)
from lmxtest import expect, finish

SHORT = ['--warmup', '2', '--rounds', '3', '--iterations', '20']


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


def broken_cache(pythons, scratch):
    """A scratch cache whose 3.14.10 build's executable starts through a
    loader without its execute bit; the shared cache is only read."""
    real = os.path.join(pythons, '3.14.10')
    cache = os.path.join(scratch, 'broken-cache')
    prefix = os.path.join(cache, 'pythons', '3.14.10')
    os.makedirs(os.path.join(prefix, 'bin'))
    shutil.copy(os.path.join(real, 'leakmatrix-build.json'), prefix)
    exe = os.path.join(prefix, 'bin', 'python3')
    shutil.copy(os.path.join(real, 'root', 'usr', 'bin', 'python3.14'), exe)
    loader = os.path.join(scratch, 'ld-linux-x86-64.so.2')
    shutil.copy(glob.glob(os.path.join(real, 'root', 'usr', 'lib', '*',
                                       'ld-linux-*.so.*'))[0], loader)
    os.chmod(loader, 0o644)
    subprocess.run(['patchelf', '--set-interpreter', loader, exe],
                   check=True)
    return cache


def check_broken_build(inst, opts, work, scratch):
    if not (opts.pythons and shutil.which('patchelf')
            and os.path.isdir(os.path.join(opts.pythons, '3.14.10'))):
        print('no 3.14.10 build or no patchelf: a broken root not tried')
        return
    env = inst.env(broken_cache(opts.pythons, scratch))
    proc = inst.run(['pythons', 'list'], work, env)
    expect(proc.returncode == 0 and any(
        '3.14.10' in l and 'cannot run' in l
        for l in proc.stderr.splitlines()),
        'pythons list does not name the build that cannot run: exit %d\n%s'
        % (proc.returncode, proc.stderr))
    out = os.path.join(scratch, 'broken-out')
    proc = inst.run(['run', 'plain.py', '--python', '3.14.10', '--out', out],
                    work, env)
    lines = [l for l in proc.stderr.splitlines() if l.strip()]
    expect(proc.returncode == 3 and len(lines) == 1
           and 'cannot run' in lines[0] and '--force' in lines[0],
           'a run on a root whose loader cannot start: exit %d, not one '
           'line and 3:\n%s' % (proc.returncode, proc.stderr))
    expect(not glob.glob(os.path.join(out, '*.json')),
           'a run on a broken build wrote results')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--build', required=True)
    ap.add_argument('--source', required=True)
    ap.add_argument('--scenarios', required=True)
    ap.add_argument('--tag', action='append', default=[])
    ap.add_argument('--pythons', help="the build's cache's pythons/")
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
        inst = Installed(root, os.path.join(root, 'libexec', 'leakmatrix'),
                         [opts.build, opts.source], scratch)
        work, cache = first_checks(
            inst, opts.tag, opts.scenarios, scratch,
            glob.glob(os.path.join(root, '**', '*'), recursive=True))
        next_runs(inst, opts, work, cache)
        concurrent_and_sync(inst, opts, work, scratch)
        check_completion(inst, opts.tag, work, cache)
        check_man(inst)
        check_broken_build(inst, opts, work, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return finish('ok: installed leakmatrix on %s' % ', '.join(opts.tag))


if __name__ == '__main__':
    sys.exit(main())
