#!/usr/bin/env python3
"""The docs' examples, run as they are written (issue 23).

usage: docs.py --source DIR --build DIR --leakmatrix PATH [--tag TAG]...
               [PAGE...]

Reads README.md and docs/*.md (or the PAGEs given, relative to the
source), and for each page:

links     every link into the repository (`[text](path)`, not http), and
          every path into the tree in code quotes (`harness/...`,
          `tests/...`, ...), names a file or directory that exists
blocks    every `console` block's commands (lines starting `$ `) run, the
          page's blocks in order, in one bash session, from a scratch
          directory that looks like the top of the clone: copies of
          scenarios/, tests/fixtures/ and tests/golden/, build/ linked to the build
          directory, and `leakmatrix` on PATH as the build tree's front
          end.  Each command must exit 0, or N when its line ends with
          `# exit N`; the lines under it are its output (stdout and stderr
          together), compared line by line: `...` in a line stands for
          any text, a line of only `...` for any number of lines.
skips     a block after `<!-- doctest: skip (REASON) -->` is not run and
          must give a reason; after `<!-- doctest: output not checked -->`
          it is run and its statuses checked.  An `sh`, `shell` or `bash`
          block must be skipped with a reason (or written as `console`).

The convention is told to readers in docs/README.md.  The pages run on
the development machine's interpreters: when a `--python TAG` they name
is not among the --tags this build has, the suite is skipped, naming it.
Exit status 0 = pass, 1 = fail (with the reasons), 77 = skipped.
"""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from lmxtest import FAILURES, expect, fail

FENCE = re.compile(r'^```(\S*)\s*$')
DIRECTIVE = re.compile(r'^<!--\s*doctest:\s*(.*?)\s*-->\s*$')
EXIT = re.compile(r'\s#\s*exit\s+(\d+)\s*$')
LINK = re.compile(r'\]\(([^)\s]+)\)')
# A path into the tree named in code quotes: `harness/judge/verdict.c`.
TREE_PATH = re.compile(r'`((?:harness|scripts|tests|scenarios|pythons|docs)'
                       r'/[A-Za-z0-9_./-]*)`')
SHELLS = ('sh', 'shell', 'bash')
MARK = '@@lmxdoc-status'
PAGE_TIMEOUT = 600


class Command:
    def __init__(self, page, line, text, expected, check_output):
        self.page = page
        self.line = line
        self.text = text
        self.expected = expected
        self.check_output = check_output
        m = EXIT.search(text)
        self.status = int(m.group(1)) if m else 0


def blocks(page, text):
    """(line, language, directive, body lines) of each fenced block."""
    lines = text.split('\n')
    found = []
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        start = i
        j = start - 1
        while j >= 0 and not lines[j].strip():
            j -= 1
        d = DIRECTIVE.match(lines[j]) if j >= 0 else None
        i += 1
        body = []
        while i < len(lines) and not lines[i].startswith('```'):
            body.append(lines[i])
            i += 1
        found.append((start + 1, m.group(1), d.group(1) if d else None,
                      body))
        i += 1
    return found


def commands(page, text):
    """The commands to run on a page; checks the skips' reasons."""
    out = []
    for line, lang, directive, body in blocks(page, text):
        where = '%s:%d' % (page, line)
        if directive is not None and directive.startswith('skip'):
            expect(re.match(r'skip \(.+\)$', directive),
                   '%s: a skipped block needs a reason: skip (REASON)'
                   % where)
            continue
        if lang in SHELLS:
            fail('%s: an %s block is neither run nor skipped: write it as '
                 'console with `$ ` commands, or skip it with a reason'
                 % (where, lang))
            continue
        if lang == '' and body and body[0].startswith('$ '):
            fail('%s: a block of `$ ` commands is neither run nor skipped: '
                 'mark it console, or skip it with a reason' % where)
            continue
        if lang != 'console':
            continue
        check = directive != 'output not checked'
        expect(directive in (None, 'output not checked'),
               '%s: unknown directive %r' % (where, directive))
        expect(body and body[0].startswith('$ '),
               '%s: a console block starts with a `$ ` command' % where)
        for n, raw in enumerate(body):
            if raw.startswith('$ '):
                out.append(Command(page, line + 1 + n, raw[2:], [], check))
            elif out and out[-1].page == page:
                out[-1].expected.append(raw)
    return out


def check_links(source, page, text):
    base = os.path.dirname(os.path.join(source, page))
    in_code = False
    for n, line in enumerate(text.split('\n'), 1):
        if line.startswith('```'):
            in_code = not in_code
        if in_code:
            continue
        for target in LINK.findall(line):
            if re.match(r'^[a-z]+:', target) or target.startswith('#'):
                continue
            path = os.path.normpath(os.path.join(base, target.split('#')[0]))
            expect(os.path.exists(path),
                   '%s:%d: link to %s, which does not exist'
                   % (page, n, target))
        for named in TREE_PATH.findall(line):
            expect(os.path.exists(os.path.join(source, named)),
                   '%s:%d: names %s, which does not exist'
                   % (page, n, named))


def line_matches(want, got):
    if '...' not in want:
        return want == got
    parts = [re.escape(p) for p in want.split('...')]
    return re.fullmatch('.*'.join(parts), got, re.S) is not None


def output_matches(want, got):
    """doctest's ELLIPSIS by lines: want against got, whole."""
    memo = {}

    def match(i, j):
        if (i, j) in memo:
            return memo[(i, j)]
        if i == len(want):
            ok = j == len(got)
        elif want[i] == '...':
            ok = any(match(i + 1, k) for k in range(j, len(got) + 1))
        else:
            ok = (j < len(got) and line_matches(want[i], got[j])
                  and match(i + 1, j + 1))
        memo[(i, j)] = ok
        return ok
    return match(0, 0)


def scratch_clone(opts, scratch):
    """A directory that looks like the top of the clone."""
    shutil.copytree(os.path.join(opts.source, 'scenarios'),
                    os.path.join(scratch, 'scenarios'))
    for sub in ('fixtures', 'golden'):
        shutil.copytree(os.path.join(opts.source, 'tests', sub),
                        os.path.join(scratch, 'tests', sub),
                        ignore=shutil.ignore_patterns('__pycache__'))
    os.symlink(os.path.realpath(opts.build), os.path.join(scratch, 'build'))
    bindir = os.path.join(scratch, '.bin')
    os.mkdir(bindir)
    os.symlink(os.path.realpath(opts.leakmatrix),
               os.path.join(bindir, 'leakmatrix'))
    return bindir


def trim(lines):
    while lines and not lines[-1].strip():
        lines.pop()
    return [line.rstrip() for line in lines]


def run_page(opts, page, cmds):
    """Runs a page's commands in one bash session; checks each."""
    scratch = tempfile.mkdtemp(prefix='lmx-docs-')
    try:
        bindir = scratch_clone(opts, scratch)
        script = []
        for c in cmds:
            script.append(c.text)
            script.append('__lmx_s=$?; printf "\\n%s %%d\\n" "$__lmx_s"; '
                          '(exit "$__lmx_s")' % MARK)
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(('LEAKMATRIX_REPEAT', 'MESON'))}
        env['PATH'] = bindir + os.pathsep + env.get('PATH', '/usr/bin:/bin')
        env['MANWIDTH'] = '80'
        start = time.monotonic()
        try:
            proc = subprocess.run(['bash', '--noprofile', '--norc'],
                                  input='\n'.join(script) + '\n',
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, cwd=scratch,
                                  env=env, universal_newlines=True,
                                  timeout=PAGE_TIMEOUT)
        except subprocess.TimeoutExpired:
            fail('%s: its commands took over %d s' % (page, PAGE_TIMEOUT))
            return
        print('%s: %d command(s), %.1f s'
              % (page, len(cmds), time.monotonic() - start))
        check_outputs(cmds, proc.stdout)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def check_outputs(cmds, text):
    chunks = re.split(r'\n?%s (\d+)\n' % MARK, text)
    for n, c in enumerate(cmds):
        where = '%s:%d: $ %s' % (c.page, c.line, c.text)
        if 2 * n + 1 >= len(chunks):
            fail('%s: did not run (the session ended before it)' % where)
            return
        got = trim(chunks[2 * n].split('\n'))
        status = int(chunks[2 * n + 1])
        expect(status == c.status, '%s: exit status %d, the page says %d'
               '\n  output:\n    %s' % (where, status, c.status,
                                         '\n    '.join(got[-20:])))
        want = trim(list(c.expected))
        if c.check_output and not output_matches(want, got):
            fail('%s: output differs\n  the page:\n    %s\n  the run:\n'
                 '    %s' % (where, '\n    '.join(want),
                             '\n    '.join(got)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--source', required=True)
    ap.add_argument('--build', required=True)
    ap.add_argument('--leakmatrix', required=True)
    ap.add_argument('--tag', action='append', default=[])
    ap.add_argument('pages', nargs='*')
    opts = ap.parse_args()
    pages = opts.pages or (['README.md'] + sorted(
        os.path.relpath(p, opts.source)
        for p in glob.glob(os.path.join(opts.source, 'docs', '*.md'))))
    todo = []
    for page in pages:
        with open(os.path.join(opts.source, page)) as f:
            text = f.read()
        check_links(opts.source, page, text)
        todo.append((page, commands(page, text)))
    named = set()
    for _, cmds in todo:
        for c in cmds:
            named.update(re.findall(r'--python[ =]([0-9][^ .]*\.[0-9]+'
                                    r'\.[0-9]+[a-z-]*)(?=[ ]|$)', c.text))
    missing = sorted(named - set(opts.tag))
    if missing and not FAILURES:
        print('the pages run on %s, which this build lacks: skipped'
              % ', '.join(missing))
        return 77
    total = 0
    for page, cmds in todo:
        if cmds:
            run_page(opts, page, cmds)
            total += len(cmds)
    if FAILURES:
        print('%d failure(s)' % len(FAILURES))
        return 1
    print('ok: %d command(s) on %d page(s)' % (total, len(pages)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
