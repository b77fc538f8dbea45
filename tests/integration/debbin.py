#!/usr/bin/env python3
"""`pythons build --debian-binary` with bad input, against Debian's real
archive (issue 20): every failure is one line on stderr and exit 3, and
leaves nothing that looks usable in the pythons root.

usage: debbin.py --leakmatrix PATH --pythons DIR

- a suite the archive does not have
- a version the suite has no binaries of
- a download cut half-way (SIGTERM once "downloading" shows): the command
  dies of the signal, no <tag>/ and no work directory left
- a build that exists is found without the network (an unreachable
  --mirror)

Skipped (77) when the Debian archive cannot be reached.
"""
import argparse
import os
import signal
import subprocess
import sys
import time

from lmxtest import FAILURES, expect

TIMEOUT = 600


def build(opts, args, **kw):
    cmd = [opts.leakmatrix, 'pythons', 'build'] + args
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=TIMEOUT, **kw)


def work_dirs(opts):
    tmp = os.path.join(opts.pythons, '.tmp')
    return set(n for n in os.listdir(tmp) if n.startswith('build.')) \
        if os.path.isdir(tmp) else set()


def errors(stderr):
    return [l for l in stderr.splitlines() if l.startswith('leakmatrix:')]


def check_one_line(opts, what, args, words):
    before = work_dirs(opts)
    proc = build(opts, args)
    lines = errors(proc.stderr)
    expect(proc.returncode == 3, '%s: exit %d, not 3\n%s'
           % (what, proc.returncode, proc.stderr))
    expect(len(lines) == 1 and all(w in lines[0] for w in words),
           '%s: not one line naming %r:\n%s' % (what, words, proc.stderr))
    expect(work_dirs(opts) <= before, '%s: left a work directory' % what)


def check_interrupted(opts):
    tag = 'lmx-test-interrupted-%d' % os.getpid()
    before = work_dirs(opts)
    proc = subprocess.Popen(
        [opts.leakmatrix, 'pythons', 'build', '--debian-binary',
         'sid/python3.15', '--debug', '--tag', tag, '--force'],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        universal_newlines=True)
    seen = ''
    deadline = time.time() + TIMEOUT
    while time.time() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        seen += line
        if line.startswith('downloading'):
            time.sleep(0.3)
            proc.send_signal(signal.SIGTERM)
            break
    out, err = proc.communicate(timeout=TIMEOUT)
    seen += err
    expect('downloading' in seen, 'interrupt: never saw the download:\n%s'
           % seen)
    expect(proc.returncode == -signal.SIGTERM,
           'interrupt: ended with %d, not by SIGTERM\n%s'
           % (proc.returncode, seen))
    expect(not os.path.exists(os.path.join(opts.pythons, tag)),
           'interrupt: %s/%s exists after a download cut half-way'
           % (opts.pythons, tag))
    expect(work_dirs(opts) <= before,
           'interrupt: left a work directory: %s' % (work_dirs(opts) - before))


def check_exists_offline(opts):
    """A build that exists needs no archive: an unreachable mirror."""
    proc = build(opts, ['--debian-binary', 'sid/python3.14',
                        '--mirror', 'http://127.0.0.1:9/debian'])
    expect(proc.returncode == 0 and '3.14.10' in proc.stdout,
           'existing 3.14 build: exit %d, stdout %r\n%s'
           % (proc.returncode, proc.stdout, proc.stderr))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--leakmatrix', required=True)
    ap.add_argument('--pythons', required=True)
    opts = ap.parse_args()
    probe = build(opts, ['--debian-binary', 'nosuchsuite/python3.14'])
    if 'Could not resolve' in probe.stderr or 'Temporary failure' in \
            probe.stderr:
        print('the Debian archive cannot be reached: skipped')
        return 77
    check_one_line(opts, 'a suite that does not exist',
                   ['--debian-binary', 'nosuchsuite/python3.14'],
                   ['apt-get update'])
    check_one_line(opts, 'a version without binaries',
                   ['--debian-binary', 'sid/python3.99'],
                   ['sid has no binary package python3.99-minimal'])
    check_interrupted(opts)
    if os.path.isdir(os.path.join(opts.pythons, '3.14.10')):
        check_exists_offline(opts)
    if FAILURES:
        sys.stderr.write('%d failure(s)\n' % len(FAILURES))
        return 1
    print('ok')
    return 0


if __name__ == '__main__':
    sys.exit(main())
