"""What every integration driver here shares: the failures of this run.

A driver calls fail() or expect() as it checks, keeps going, and exits 1
when FAILURES is not empty (77 when it skipped), so that one run reports
every failure rather than the first.  Imported by check.py, matrix.py,
native.py, libsets.py and caches.py, which sit beside it.
"""
import sys

FAILURES = []


def fail(msg):
    FAILURES.append(msg)
    sys.stderr.write('FAIL: %s\n' % msg)


def expect(cond, msg):
    if not cond:
        fail(msg)
    return cond
