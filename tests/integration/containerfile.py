#!/usr/bin/env python3
"""scripts/Containerfile, checked without a container engine (issue 23).

usage: containerfile.py --containerfile FILE --venv DIR

Parses the file with BuildKit's own parser (PyPI's `dockerfile`, which
wraps moby/buildkit's Go parser), installed once into a venv at DIR
(skipped, 77, when the index cannot be reached), then checks what the
parser leaves to the engine's front end:

- every instruction is one BuildKit knows; the image is FROM debian:
  bookworm (through the ARG before the first FROM)
- every COPY --from names an earlier stage; the first stage builds the
  package with scripts/deb, the last installs leakmatrix_*.deb with
  apt-get and runs `leakmatrix --version`
- every Debian package the RUN lines install by name is one apt knows
  here (a bookworm machine; left out when apt-cache knows nothing)
- a canary: a misspelt instruction and a COPY --from an unknown stage
  are both caught

Exit status 0 = pass, 1 = fail (with the reasons), 77 = skipped.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

from lmxtest import FAILURES, expect

PARSER = 'dockerfile==3.4.0'
INSTRUCTIONS = {'ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE',
                'FROM', 'HEALTHCHECK', 'LABEL', 'MAINTAINER', 'ONBUILD',
                'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR'}


def venv_python(venv):
    """The venv's python with the parser installed, or None (why printed)."""
    python = os.path.join(venv, 'bin', 'python')
    probe = [python, '-c', 'import dockerfile']
    if os.path.exists(python) and subprocess.run(
            probe, stderr=subprocess.DEVNULL).returncode == 0:
        return python
    shutil.rmtree(venv, ignore_errors=True)
    steps = [[sys.executable, '-m', 'venv', venv],
             [python, '-m', 'pip', 'install', '-q', PARSER]]
    for step in steps:
        proc = subprocess.run(step, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT,
                              universal_newlines=True)
        if proc.returncode != 0:
            print('cannot install %s (%s): %s' % (PARSER, ' '.join(step[:3]),
                                                   proc.stdout.strip()))
            return None
    return python


def structure(cmds, label):
    """The checks of the engine's front end on parsed commands: the stages,
    each (name, base, [commands]), and what is wrong."""
    args = {}
    stages = []
    wrong = []
    for c in cmds:
        if c.cmd.upper() not in INSTRUCTIONS:
            wrong.append('%s line %d: unknown instruction %s'
                         % (label, c.start_line, c.cmd))
        if c.cmd.upper() == 'ARG' and not stages:
            name, _, default = c.value[0].partition('=')
            args[name] = default
        elif c.cmd.upper() == 'FROM':
            base = re.sub(r'\$\{(\w+)\}', lambda m: args.get(m.group(1), ''),
                          c.value[0])
            name = c.value[2] if len(c.value) == 3 else str(len(stages))
            stages.append((name, base, []))
        elif stages:
            stages[-1][2].append(c)
        for flag in c.flags:
            if flag.startswith('--from='):
                src = flag[len('--from='):]
                if src not in [s[0] for s in stages[:-1]]:
                    wrong.append('%s line %d: COPY --from=%s names no '
                                 'earlier stage' % (label, c.start_line, src))
    return stages, wrong


def installed_by_name(stages):
    """The Debian packages RUN lines install by name."""
    names = set()
    for _, _, cmds in stages:
        for c in cmds:
            if c.cmd.upper() != 'RUN':
                continue
            for part in re.split(r'&&|;', ' '.join(c.value)):
                words = part.split()
                if words[:2] == ['apt-get', 'install']:
                    names.update(w for w in words[2:]
                                 if not w.startswith('-') and '/' not in w)
    return names


def check(path):
    import dockerfile  # the venv's
    stages, wrong = structure(dockerfile.parse_file(path), path)
    for msg in wrong:
        expect(False, msg)
    if not expect(len(stages) >= 2, 'not a build stage and an image: %s'
                  % [s[:2] for s in stages]):
        return
    for name, base, _ in stages:
        expect(base == 'debian:bookworm', 'stage %s is FROM %s, not '
               'debian:bookworm' % (name, base))
    first = ' '.join(' '.join(c.value) for c in stages[0][2])
    last = ' '.join(' '.join(c.value) for c in stages[-1][2])
    expect('scripts/deb' in first, 'the first stage does not run scripts/deb')
    expect(re.search(r'apt-get install[^&]*leakmatrix_\*\.deb', last),
           'the image does not apt-get install leakmatrix_*.deb')
    expect('leakmatrix --version' in last,
           'the image does not run leakmatrix --version')
    names = sorted(installed_by_name(stages))
    known = []
    if shutil.which('apt-cache'):
        show = subprocess.run(['apt-cache', 'show', '--no-all-versions']
                              + names, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL,
                              universal_newlines=True).stdout
        known = re.findall(r'^Package: (\S+)$', show, re.M)
    if not known:
        print('apt-cache knows none of %s: packages not checked' % names)
    else:
        for n in names:
            expect(n in known, 'apt knows no package %s' % n)
    _, caught = structure(dockerfile.parse_string(
        'FROM debian:bookworm AS a\nFORM x\nCOPY --from=b y z\n'), 'canary')
    expect(len(caught) == 2, 'the canary: %d of 2 faults caught: %s'
           % (len(caught), caught))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--containerfile', required=True)
    ap.add_argument('--venv')
    ap.add_argument('--inside', action='store_true')
    opts = ap.parse_args()
    if opts.inside:
        check(opts.containerfile)
        return 1 if FAILURES else 0
    python = venv_python(opts.venv)
    if python is None:
        print('skipped')
        return 77
    here = os.path.dirname(os.path.abspath(__file__))
    proc = subprocess.run([python, os.path.join(here, 'containerfile.py'),
                           '--inside', '--containerfile',
                           os.path.abspath(opts.containerfile)])
    if proc.returncode == 0:
        print('ok: %s parses and holds together' % opts.containerfile)
    return proc.returncode


if __name__ == '__main__':
    sys.exit(main())
