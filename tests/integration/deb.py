#!/usr/bin/env python3
"""The Debian package, installed (issue 23): /usr/bin/leakmatrix run from a
scratch directory, as a CI job on an image with the package would.

usage: deb.py --build DIR --source DIR --scenarios DIR --version V
              --tag TAG...

Nothing of the source or build tree is used but three fixture scenarios
copied into the scratch directory; every command runs in a mount
namespace where both trees are empty (where it may) with a scratch cache
(LEAKMATRIX_CACHE), so runners are built on demand from the package's
kit:

package   dpkg knows leakmatrix V installed, and its files: bin, the kit
          (/usr/lib/leakmatrix with what runner.build names), the
          suppressions, the example scenarios, completion; no path into
          the trees in any of them
fixtures  the first run builds each runner and says so; pyleak leaks,
          plain (its clean twin) and cycle_garbage are clean on every tag
main      the installed examples, lz4_frame (its two library sets from
          PyPI; skipped cells without the index) and threading_server, on
          the first tag: on 3.11.7 the lz4 set clean, lz4tools crash,
          threading_server clean; nothing built again

With LEAKMATRIX_DEB=1 (.ci/run sets it after installing the package)
a missing package is a failure; without it, a skip.
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

from installed import Installed, check_completion, check_man, first_checks
from lmxtest import expect, finish

PREFIX = '/usr'
KIT = '/usr/lib/leakmatrix'


def installed_version():
    """The version dpkg has installed of leakmatrix, or None."""
    proc = subprocess.run(['dpkg-query', '-W', '-f',
                           '${Status}\t${Version}', 'leakmatrix'],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                          universal_newlines=True)
    fields = proc.stdout.split('\t')
    if proc.returncode != 0 or fields[0] != 'install ok installed':
        return None
    return fields[1]


def absent(opts):
    """Why the package cannot be tested here, or None when it can."""
    binary = os.path.join(PREFIX, 'bin', 'leakmatrix')
    version = installed_version() if shutil.which('dpkg-query') else None
    if version is None:
        return 'the leakmatrix package is not installed'
    if not os.path.isfile(binary):
        return 'leakmatrix %s is installed but %s is missing' % (version,
                                                                 binary)
    if os.environ.get('LEAKMATRIX_DEB') == '1' and version != opts.version:
        return 'leakmatrix %s is installed, not this tree\'s %s' % (
            version, opts.version)
    return None


def package_files():
    proc = subprocess.run(['dpkg', '-L', 'leakmatrix'],
                          stdout=subprocess.PIPE, universal_newlines=True)
    return [p for p in proc.stdout.splitlines() if os.path.isfile(p)]


def docs_by_key(out_dir):
    """{(scenario, libset, tag): status} of the results in out_dir."""
    got = {}
    for path in glob.glob(os.path.join(out_dir, '*.json')):
        with open(path) as f:
            doc = json.load(f)
        key = doc['key']
        got[(key['scenario'], key['libset'], key['python'])] = doc['status']
    return got


def main_job(inst, tag, work, cache):
    """The installed examples on tag; on 3.11.7 their known verdicts."""
    scenarios = os.path.join(inst.share, 'scenarios')
    out = os.path.join(work, 'main')
    proc = inst.run(['run', '-q', '-j', '2', '--out', out,
                     os.path.join(scenarios, 'lz4_frame.py'),
                     os.path.join(scenarios, 'threading_server.py'),
                     '--python', tag], work, inst.env(cache), timeout=600)
    expect(proc.returncode in (0, 1), 'main job: exit %d: %s'
           % (proc.returncode, proc.stderr))
    expect('building the runner' not in proc.stderr,
           'main job: a built runner was built again: %s' % proc.stderr)
    got = docs_by_key(out)
    lz4 = ('lz4_frame', 'kafka-python lz4', tag)
    lz4tools = ('lz4_frame', 'kafka-python lz4tools==1.3.1.2', tag)
    server = ('threading_server', '', tag)
    expect(len(got) == 3, 'main job: %d results, not 3: %s'
           % (len(got), sorted(got)))
    if tag != '3.11.7':
        return
    want = {lz4: ('clean', 'skipped'), lz4tools: ('crash', 'skipped'),
            server: ('clean',)}
    for key, statuses in sorted(want.items()):
        expect(got.get(key) in statuses, 'main job: %s is %s, not %s'
               % (key, got.get(key), ' or '.join(statuses)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--build', required=True)
    ap.add_argument('--source', required=True)
    ap.add_argument('--scenarios', required=True)
    ap.add_argument('--version', required=True)
    ap.add_argument('--tag', action='append', default=[])
    opts = ap.parse_args()
    why = absent(opts)
    if why and os.environ.get('LEAKMATRIX_DEB') == '1':
        print('FAIL: LEAKMATRIX_DEB=1 says the package is installed, but '
              '%s' % why)
        return 1
    if why:
        print('%s (scripts/deb builds it; apt-get install '
              './leakmatrix_*.deb): skipped' % why)
        return 77
    if not opts.tag:
        print('no interpreter to run on: skipped')
        return 77
    scratch = tempfile.mkdtemp(prefix='lmx-deb-')
    try:
        inst = Installed(PREFIX, KIT, [opts.build, opts.source], scratch)
        work, cache = first_checks(inst, opts.tag, opts.scenarios, scratch,
                                   package_files(), opts.version)
        main_job(inst, opts.tag[0], work, cache)
        check_completion(inst, opts.tag, work, cache)
        check_man(inst)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return finish('ok: the installed package on %s' % ', '.join(opts.tag))


if __name__ == '__main__':
    sys.exit(main())
