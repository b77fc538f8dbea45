"""What every integration driver here shares: the failures of this run.

A driver calls fail() or expect() as it checks, keeps going, and exits 1
when FAILURES is not empty (77 when it skipped), so that one run reports
every failure rather than the first.  Imported by check.py, matrix.py,
native.py, libsets.py, caches.py, realleaks.py, reallibs.py, install.py,
deb.py, installed.py and tests.py, which sit beside it.
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

FAILURES = []


def fail(msg):
    FAILURES.append(msg)
    sys.stderr.write('FAIL: %s\n' % msg)


def expect(cond, msg):
    if not cond:
        fail(msg)
    return cond


def finish(ok_msg):
    """A driver's last words: the count of failures and 1, or ok_msg and
    0."""
    if FAILURES:
        print('%d failure(s)' % len(FAILURES))
        return 1
    print(ok_msg)
    return 0


def run_docs(leakmatrix, path, tags, timeout):
    """Runs one scenario (with its own library sets) on tags at -j 2 into a
    scratch directory; returns (the CompletedProcess, its result
    documents)."""
    out = tempfile.mkdtemp(prefix='lmx-run-')
    cmd = [leakmatrix, 'run', '-q', '-j', '2', '--out', out, path]
    for tag in tags:
        cmd += ['--python', tag]
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE,
                              universal_newlines=True, timeout=timeout)
        docs = []
        for f in sorted(glob.glob(os.path.join(out, '*.json'))):
            with open(f) as fh:
                docs.append(json.load(fh))
        return proc, docs
    finally:
        shutil.rmtree(out, ignore_errors=True)
