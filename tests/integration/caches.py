#!/usr/bin/env python3
"""Two caches and the build directories configured for them (issue 10).

usage: caches.py --source DIR [--keep]

Replays what once lost an interpreter: a build directory set up for cache
A, then a command run with LEAKMATRIX_CACHE naming cache B.  That command
used to discover B's interpreters, write A's manifest from them and move
the build directory to B, so a later fresh setup had no runner for what
only A knew.  Here, in scratch caches and scratch build directories under
/tmp (the user's cache and ./build are never touched):

  1. BA (for A) adds an interpreter only A knows (`pythons add`) and
     builds its runners;
  2. every command run from BA with LEAKMATRIX_CACHE=B is refused with
     exit 2 and one line naming both caches, and changes nothing: A's
     manifest, BA's configuration, B (not even created);
  3. BB (for B) syncs B's own registry, which leaves A's alone; a
     reconfigure of BA under LEAKMATRIX_CACHE=B keeps it on A;
  4. a fresh BA has a runner for every embeddable interpreter of A; a
     missing runner is shown by `pythons list`, refused by `run` (exit
     3), both saying to run `leakmatrix pythons sync`, which converges in
     one run;
  5. a sync whose discovery could not look everywhere writes nothing; an
     interpreter that disappears is named by the sync that drops it.

The interpreters are pyenv's (~/.pyenv/versions, shared libpython) and the
system's.  Exit status 0 = pass, 1 = fail, 77 = skipped.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

from lmxtest import FAILURES, expect, fail


def base_env(tmp, pyenv_root):
    env = dict(os.environ)
    env.pop('LEAKMATRIX_CACHE', None)
    # Should anything fall back to the default cache rule, it lands here,
    # not in the user's ~/.cache/leakmatrix (checked at the end).
    env['XDG_CACHE_HOME'] = os.path.join(tmp, 'xdg-cache')
    env['PYENV_ROOT'] = pyenv_root
    return env


def run(cmd, env, timeout=900):
    sys.stderr.write('$ %s\n' % ' '.join(cmd))
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, env=env, timeout=timeout)


def must(cmd, env, what, timeout=900):
    proc = run(cmd, env, timeout)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
        raise SystemExit('FAIL: %s: exit %d' % (what, proc.returncode))
    return proc


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except FileNotFoundError:
        return None


def manifest_tags(cache):
    text = read(os.path.join(cache, 'registry', 'pythons.txt')) or ''
    return [line.split('\t')[0] for line in text.splitlines()
            if line and not line.startswith('#')]


def shared_pyenv_prefixes():
    """pyenv's 3.x installs with a shared libpython and headers."""
    root = os.path.expanduser('~/.pyenv/versions')
    found = []
    for name in sorted(os.listdir(root)) if os.path.isdir(root) else []:
        prefix = os.path.join(root, name)
        lib = os.path.join(prefix, 'lib')
        if not name.startswith('3.') or not os.path.isdir(lib):
            continue
        if (any(f.startswith('libpython3') and '.so' in f
                for f in os.listdir(lib))
                and os.path.exists(os.path.join(prefix, 'bin', 'python3'))):
            found.append(prefix)
    return found


def setup_build(source, build, cache, env):
    """A build directory for cache, set up the way a user would."""
    env = dict(env, LEAKMATRIX_CACHE=cache)
    must(['meson', 'setup', build, source, '-Dtests=disabled',
          '-Dbuildtype=debug'], env, 'meson setup ' + build)
    must(['ninja', '-C', build], env, 'ninja -C ' + build)
    expect(read(os.path.join(build, 'leakmatrix-cache')) == cache + '\n',
           '%s does not remember its cache %s' % (build, cache))


def listing(lmx, env):
    proc = must([lmx, 'pythons', 'list', '--json'], env, 'pythons list')
    return {e['tag']: e for e in json.loads(proc.stdout)}


def check_refusals(lmx, build, a, b, env, added, scenario):
    """Step 2: LEAKMATRIX_CACHE=B from a build directory for A."""
    other = dict(env, LEAKMATRIX_CACHE=b)
    manifest = os.path.join(a, 'registry', 'pythons.txt')
    before = read(manifest)
    ninja_mtime = os.stat(os.path.join(build, 'build.ninja')).st_mtime
    commands = [
        ['pythons', 'sync'],
        ['pythons', 'build', '--debian', 'trixie/python3.13',
         '--configure-arg', '--disable-gil', '--tag', '3.13.5t'],
        ['pythons', 'build', '--tarball', '/nonexistent/Python-3.13.5.tgz'],
        ['pythons', 'add', added],
        ['pythons', 'list'],
        ['run', scenario],
    ]
    for args in commands:
        proc = run([lmx] + args, other, timeout=120)
        what = 'LEAKMATRIX_CACHE=B leakmatrix ' + ' '.join(args)
        expect(proc.returncode == 2,
               '%s: exit %d, expected 2' % (what, proc.returncode))
        lines = proc.stderr.splitlines()
        expect(len(lines) == 1, '%s: not one line: %r' % (what, lines))
        msg = lines[0] if lines else ''
        for part in ('LEAKMATRIX_CACHE is %s' % b,
                     'uses the cache %s;' % a, 'unset LEAKMATRIX_CACHE',
                     'LEAKMATRIX_CACHE=%s meson setup' % b):
            expect(part in msg, '%s: %r lacks %r' % (what, msg, part))
        expect(proc.stdout == '', '%s printed %r' % (what, proc.stdout))
    expect(read(manifest) == before,
           "a command with another cache changed A's manifest")
    expect(os.stat(os.path.join(build, 'build.ninja')).st_mtime
           == ninja_mtime, 'a command with another cache reconfigured %s'
           % build)
    expect(read(os.path.join(build, 'leakmatrix-cache')) == a + '\n',
           '%s no longer remembers %s' % (build, a))
    expect(not os.path.exists(b), 'a refused command created %s' % b)
    # The same cache, spelt differently, is the same cache.
    proc = run([lmx, 'pythons', 'list'], dict(env, LEAKMATRIX_CACHE=a + '/'))
    expect(proc.returncode == 0, 'LEAKMATRIX_CACHE=%s/ was refused: %s'
           % (a, proc.stderr.strip()))


def check_all_runners(lmx, env, cache, must_have):
    entries = listing(lmx, env)
    for tag in must_have:
        expect(tag in entries, '%s not listed for %s' % (tag, cache))
    for tag, e in sorted(entries.items()):
        if e['embeddable']:
            expect(e['runner'] is not None,
                   '%s is embeddable but has no runner (cache %s)'
                   % (tag, cache))
            expect(tag in manifest_tags(cache),
                   '%s missing from the manifest of %s' % (tag, cache))
    return entries


def tag_of(entries, prefix):
    for tag, e in entries.items():
        if os.path.realpath(e['prefix'] or '') == os.path.realpath(prefix):
            return tag
    return None


class World(object):
    """The scratch caches, build directories and interpreters."""

    def __init__(self, source, tmp, added, vanishing):
        self.source, self.tmp = source, tmp
        self.added, self.vanishing = added, vanishing
        self.a = os.path.join(tmp, 'cache-a')
        self.b = os.path.join(tmp, 'cache-b')
        self.ba = os.path.join(tmp, 'build-a')
        self.bb = os.path.join(tmp, 'build-b')
        self.lmx_a = os.path.join(self.ba, 'harness', 'leakmatrix')
        self.lmx_b = os.path.join(self.bb, 'harness', 'leakmatrix')
        pyenv_root = os.path.join(tmp, 'pyenv')
        os.makedirs(os.path.join(pyenv_root, 'versions'))
        self.link = os.path.join(pyenv_root, 'versions',
                                 os.path.basename(vanishing))
        os.symlink(vanishing, self.link)
        self.env = base_env(tmp, pyenv_root)
        self.scenario = os.path.join(source, 'tests', 'fixtures',
                                     'scenarios', 'plain.py')
        self.manifest_a = os.path.join(self.a, 'registry', 'pythons.txt')
        self.added_tag = self.vanishing_tag = None


def step_first_cache(w):
    """1. Cache A, its build directory, an interpreter only A knows."""
    setup_build(w.source, w.ba, w.a, w.env)
    must([w.lmx_a, 'pythons', 'add', w.added], w.env, 'pythons add (A)')
    entries = check_all_runners(w.lmx_a, w.env, w.a, [])
    w.added_tag = tag_of(entries, w.added)
    w.vanishing_tag = tag_of(entries, w.vanishing)
    return (expect(w.added_tag, 'added %s not listed' % w.added)
            and expect(w.vanishing_tag,
                       'pyenv %s not listed' % w.vanishing))


def step_second_cache(w):
    """3. B through a build directory of its own; A stays as it was."""
    a_tags = manifest_tags(w.a)
    setup_build(w.source, w.bb, w.b, w.env)
    must([w.lmx_b, 'pythons', 'sync'], w.env, 'pythons sync (B)')
    check_all_runners(w.lmx_b, w.env, w.b, [w.vanishing_tag])
    expect(w.added_tag not in manifest_tags(w.b),
           "B's registry has %s, which only A knows" % w.added_tag)
    expect(manifest_tags(w.a) == a_tags, "syncing B changed A's manifest")
    with_b = dict(w.env, LEAKMATRIX_CACHE=w.b)
    must(['meson', 'setup', '--reconfigure', w.ba, w.source], with_b,
         'reconfigure A under B')
    must(['ninja', '-C', w.ba], with_b, 'ninja (A)')
    expect(read(os.path.join(w.ba, 'leakmatrix-cache')) == w.a + '\n',
           'a reconfigure under LEAKMATRIX_CACHE=B moved %s to B' % w.ba)
    check_all_runners(w.lmx_a, w.env, w.a, [w.added_tag, w.vanishing_tag])


def step_fresh_setup(w):
    """4. A fresh build directory for A: every runner, from A's manifest;
    a missing one is explained, and one sync brings it back."""
    shutil.rmtree(w.ba)
    setup_build(w.source, w.ba, w.a, w.env)
    check_all_runners(w.lmx_a, w.env, w.a, [w.added_tag, w.vanishing_tag])
    os.unlink(os.path.join(w.ba, 'harness', 'runner',
                           'leakmatrix-run-' + w.added_tag))
    proc = must([w.lmx_a, 'pythons', 'list'], w.env, 'pythons list (A)')
    hint = 'run `leakmatrix pythons sync`'
    block = proc.stdout.split('\n' + w.added_tag + ' ', 1)[-1]
    expect('no runner: ' + hint in block.split('\n')[1],
           'pythons list does not say how to get the missing runner:\n'
           + proc.stdout)
    proc = run([w.lmx_a, 'run', '--python', w.added_tag, w.scenario], w.env)
    expect(proc.returncode == 3 and hint in proc.stderr,
           'run on a missing runner: exit %d, %r' % (proc.returncode,
                                                     proc.stderr))
    before = read(w.manifest_a)
    proc = must([w.lmx_a, 'pythons', 'sync'], w.env, 'pythons sync (A)')
    check_all_runners(w.lmx_a, w.env, w.a, [w.added_tag, w.vanishing_tag])
    expect(read(w.manifest_a) == before,
           'a sync with nothing new changed the manifest')
    embeddable = sum(1 for e in listing(w.lmx_a, w.env).values()
                     if e['embeddable'])
    expect('%d embeddable, %d runners built' % (embeddable, embeddable)
           in proc.stderr, 'sync did not converge: ' + proc.stderr[-500:])


def step_incomplete_and_dropped(w):
    """5. A discovery that cannot look everywhere writes nothing (a
    symlink loop: unreadable even for root); an interpreter that
    disappears is named by the sync that drops it."""
    pythons = os.path.join(w.a, 'pythons')
    shutil.rmtree(pythons, ignore_errors=True)
    os.symlink(pythons, pythons)
    before = read(w.manifest_a)
    proc = run([w.lmx_a, 'pythons', 'sync'], w.env)
    expect(proc.returncode == 3 and 'discovery is incomplete, so the '
           'registry was left as it was: cannot read %s' % pythons
           in proc.stderr, 'sync on an incomplete discovery: exit %d, %r'
           % (proc.returncode, proc.stderr))
    expect(read(w.manifest_a) == before,
           'an incomplete discovery rewrote the manifest')
    os.unlink(pythons)
    os.unlink(w.link)
    proc = must([w.lmx_a, 'pythons', 'sync'], w.env, 'pythons sync (gone)')
    expect('warning: %s (' % w.vanishing_tag in proc.stderr
           and 'no longer found: dropped from the registry of %s' % w.a
           in proc.stderr,
           'the sync that dropped %s did not say so: %s'
           % (w.vanishing_tag, proc.stderr[-1500:]))
    expect(w.vanishing_tag not in manifest_tags(w.a),
           '%s is still in the manifest' % w.vanishing_tag)
    expect(w.added_tag in manifest_tags(w.a), '%s lost from A' % w.added_tag)
    expect(w.vanishing_tag in manifest_tags(w.b),
           "A's sync changed B's registry")


def scenario_sequence(opts, tmp):
    pyenvs = shared_pyenv_prefixes()
    if len(pyenvs) < 2:
        print('skipped: needs two pyenv interpreters with a shared '
              'libpython in ~/.pyenv/versions')
        return 77
    # One only cache A knows (added there), one both see through pyenv
    # and that later disappears.
    w = World(opts.source, tmp, pyenvs[0], pyenvs[-1])
    if not step_first_cache(w):
        return 1
    # 2. The second command, and every other one, with B.
    check_refusals(w.lmx_a, w.ba, w.a, w.b, w.env, w.added, w.scenario)
    step_second_cache(w)
    step_fresh_setup(w)
    step_incomplete_and_dropped(w)
    expect(not os.path.exists(os.path.join(tmp, 'xdg-cache')),
           'something used the default cache instead of its build '
           "directory's")
    return 1 if FAILURES else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--source', required=True)
    ap.add_argument('--keep', action='store_true',
                    help='keep the scratch directory')
    opts = ap.parse_args()
    if shutil.which('meson') is None or shutil.which('ninja') is None:
        print('skipped: meson and ninja must be in PATH')
        return 77
    tmp = tempfile.mkdtemp(prefix='lmx-caches-', dir='/tmp')
    try:
        rc = scenario_sequence(opts, tmp)
    finally:
        if opts.keep:
            sys.stderr.write('scratch directory kept: %s\n' % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    if rc == 0 and FAILURES:
        rc = 1
    print('%s: %d failure(s)' % ('FAIL' if rc == 1 else 'ok', len(FAILURES))
          if rc != 77 else 'skipped')
    return rc


if __name__ == '__main__':
    sys.exit(main())
