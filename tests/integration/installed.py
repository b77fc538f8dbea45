"""An installed leakmatrix, run as a user would: what the suites 'install'
(a meson install moved away from its clone, install.py) and 'deb' (the
Debian package in /usr, deb.py) share.

Installed runs the binary with an environment that never saw the source
tree (no LEAKMATRIX*, MESON*, PYTHON* variables, a PATH of the system's
and the binary's directory, a scratch LEAKMATRIX_CACHE) and, where it may,
in a mount namespace where the source and build directories are empty.
The checks below report through lmxtest's expect() and keep going.
"""
import glob
import json
import os
import shutil
import subprocess

from lmxtest import expect, fail


class Installed:
    """The installed tree at `root` (bin/leakmatrix, share/leakmatrix),
    its runner kit at `kit`, and how to run it hidden from the
    directories in `hidden`."""

    def __init__(self, root, kit, hidden, scratch):
        self.root = root
        self.bin = os.path.join(root, 'bin', 'leakmatrix')
        self.kit = kit
        self.share = os.path.join(root, 'share', 'leakmatrix')
        self.empty = os.path.join(scratch, 'empty')
        os.mkdir(self.empty)
        self.hidden = [os.path.realpath(d) for d in hidden]
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


def check_layout(inst):
    """The binary, leakcheck.supp, the example scenarios, completion, and
    the runner kit with every file its runner.build names."""
    for path in (inst.bin, os.path.join(inst.share, 'leakcheck.supp'),
                 os.path.join(inst.share, 'scenarios', 'threading_server.py'),
                 os.path.join(inst.share, 'scenarios', 'README.md'),
                 os.path.join(inst.root, 'share', 'bash-completion',
                              'completions', 'leakmatrix'),
                 os.path.join(inst.root, 'share', 'zsh', 'site-functions',
                              '_leakmatrix'),
                 os.path.join(inst.kit, 'runner.build')):
        expect(os.path.isfile(path), 'not installed: %s' % path)
    desc = os.path.join(inst.kit, 'runner.build')
    if not os.path.isfile(desc):
        return
    for line in open(desc):
        fields = line.rstrip('\n').split('\t')
        if fields[0] in ('source', 'file'):
            expect(os.path.isfile(os.path.join(inst.kit, fields[1])),
                   'runner.build names %s, which is not installed'
                   % fields[1])


def check_no_tree(inst, scratch, files):
    """Nothing the installed files (the binary and `files`) use names the
    source or build tree."""
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
    for path in files:
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


def first_run(inst, tags, work, cache):
    """In work, which holds pyleak.py, plain.py and cycle_garbage.py, with
    an empty cache: builds every runner on demand and says so; pyleak
    leaks, the others are clean; results in ./results/."""
    names = ['pyleak', 'plain', 'cycle_garbage']
    args = ['run', '-j', '2'] + [n + '.py' for n in names]
    for tag in tags:
        args += ['--python', tag]
    proc = inst.run(args, work, inst.env(cache))
    expect(proc.returncode == 1, 'first run: exit %d, not 1 (a leak): %s'
           % (proc.returncode, proc.stderr))
    for tag in tags:
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
    for tag in tags:
        want.update({('pyleak', tag): 'leak', ('plain', tag): 'clean',
                     ('cycle_garbage', tag): 'clean'})
    expect_statuses('first run', outs[0], want)


def check_completion(inst, tags, work, cache):
    """The installed bash completion completes commands and tags; the zsh
    one parses."""
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
    for tag in tags:
        expect(not tag.startswith('3.1') or tag in lines[1].split(),
               'bash completion of --python 3.1 lacks %s: %r'
               % (tag, lines[1]))
    if shutil.which('zsh'):
        zsh = os.path.join(inst.root, 'share', 'zsh', 'site-functions',
                           '_leakmatrix')
        expect(subprocess.run(['zsh', '-n', zsh]).returncode == 0,
               'zsh completion does not parse')


def first_checks(inst, tags, fixtures, scratch, files, version=''):
    """What both suites check first: the layout, no path into the trees
    (in the binary and files), --version (leakmatrix VERSION), then the
    first run on tags in a scratch work directory holding three scenarios
    copied from fixtures, with a scratch cache.  Returns (work, cache)."""
    if not inst.unshare:
        print('cannot hide the trees in a mount namespace: running '
              'with a cwd and PATH away from them')
    work = os.path.join(scratch, 'work')
    os.mkdir(work)
    for name in ('pyleak.py', 'plain.py', 'cycle_garbage.py'):
        shutil.copy(os.path.join(fixtures, name), work)
    cache = os.path.join(scratch, 'cache')
    check_layout(inst)
    check_no_tree(inst, scratch, files)
    proc = inst.run(['--version'], work, inst.env(cache))
    expect(proc.stdout.startswith('leakmatrix ' + version),
           '--version: %r %r' % (proc.stdout, proc.stderr))
    first_run(inst, tags, work, cache)
    return work, cache


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
        page = os.path.join(man_dir, 'man1', name + '.1')
        expect(os.path.isfile(page) or os.path.isfile(page + '.gz'),
               'not installed: share/man/man1/%s.1 (or .1.gz, as Debian '
               'installs it)' % name)
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
