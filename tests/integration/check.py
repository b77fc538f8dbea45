#!/usr/bin/env python3
"""Integration checks of the real leakmatrix binary on one interpreter.

usage: check.py {embed,fixtures,broken,odd,verdicts} --tag TAG
                --leakmatrix PATH --scenarios DIR [--repeat N]

embed     the runner embeds the interpreter the registry says it does, and
          a clean scenario runs end to end into a schema-2 result that
          says what it would have seen (its sensitivity); the run
          options reach the runner, usage errors exit 2, PYTHON* variables
          are stripped unless --keep-python-env
fixtures  every lmfixture defect is flagged with the right metric and sign
          (the malloc leak by heap_bytes, at its size; the object kept
          per iteration by the every-round rule) and every clean twin is
          clean (heap_bytes too), all of them in one `run --vary`
          at -j 2, --repeat N times (default $LEAKMATRIX_REPEAT or 1), and
          once more at -j 1; the late-onset RSS leak and its twin likewise;
          a threaded echo server at default settings is clean --repeat
          times in a row
broken    a crashing, a hanging, a raising, an unparsable and an
          os._exit()ing scenario all become results in one run, which goes
          on past each of them; a hang with a short --timeout ends in about
          that time
odd       a crash at interpreter shutdown, a child process that outlives
          the runner, output that is not UTF-8, a gauge named like a probe
          and a scenario exiting 3
verdicts  cycle garbage, a cache filled in warm-up and one still filling
          after it are clean, a slow leak is found in more rounds than
          planned, --census names the class kept per iteration, a missing
          REQUIRES module skips the cell
          (--repeat N times, like fixtures)

Every result document read is checked against schema 2 (results/README.md):
its keys, its status and structured outcome, and that each rate is the
growth over the counted iterations.

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
import time

from lmxtest import FAILURES, expect, fail


def leakmatrix(args, opts, timeout=600, env=None):
    """Runs leakmatrix; one still running after `timeout` s is a failure."""
    cmd = [opts.leakmatrix] + args
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, universal_newlines=True,
                            env=env)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        # SIGTERM, not SIGKILL: leakmatrix then kills its runner's process
        # group, which would otherwise outlive it.
        proc.terminate()
        try:
            out, err = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
        fail('leakmatrix %s: still running after %d s' % (' '.join(args),
                                                          timeout))
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def registry(opts):
    proc = leakmatrix(['pythons', 'list', '--json'], opts)
    if proc.returncode != 0:
        fail('pythons list --json exited %d: %s' % (proc.returncode,
                                                   proc.stderr))
        return []
    return json.loads(proc.stdout)


def registry_entry(opts, tag=None):
    for entry in registry(opts):
        if entry['tag'] == (tag or opts.tag):
            return entry
    fail('tag %s not in the registry' % (tag or opts.tag))
    return None


# --- the result document (schema in results/README.md) -------------------

STATUSES = ('clean', 'leak', 'over-release', 'suspect', 'crash', 'timeout',
            'error', 'skipped')
# Statuses the verdict engine gives a cell that ran all its rounds.
VERDICT_STATUSES = ('clean', 'leak', 'over-release', 'suspect')
# A final verdict is never "inconclusive": that only asks for more rounds.
FINAL_VERDICTS = ('clean', 'leak', 'over-release', 'suspect', 'n/a')


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def metric_errors(where, m, counted, counted_iters):
    """What is wrong with one entry of `metrics` or `gauges`."""
    if not isinstance(m, dict):
        return ['%s is %r, not an object' % (where, m)]
    errs = []
    for key in ('unit', 'why'):
        if not (isinstance(m.get(key), str) and m.get(key)):
            errs.append('%s has no %s: %r' % (where, key, m.get(key)))
    if m.get('verdict') not in FINAL_VERDICTS:
        errs.append('%s verdict %r is not one of %s' % (
            where, m.get('verdict'), ', '.join(FINAL_VERDICTS)))
    rate, growth = m.get('per_iteration'), m.get('growth')
    for key, v in (('per_iteration', rate), ('growth', growth)):
        if v is not None and not is_number(v):
            errs.append('%s %s is %r, not a number or null' % (where, key, v))
    growing = m.get('rounds_growing')
    if not (is_int(growing) and 0 <= growing <= counted):
        errs.append('%s rounds_growing %r, expected 0..%d (counted rounds)'
                    % (where, growing, counted))
    # The rate is the growth over the counted iterations, measured from the
    # last warm-up round; only a count that settled after its warm-up
    # reports its trailing rate instead (verdict.c, settle()), and a leak
    # that began late its climb's (late_onset_verdict(), settle_bytes()).
    why = m.get('why') or ''
    if is_number(rate) and is_number(growth) and counted_iters > 0 and \
            'after warm-up' not in why and 'late onset' not in why:
        want = rate * counted_iters
        if abs(growth - want) > 1e-6 * max(1.0, abs(growth)):
            errs.append('%s growth %r is not per_iteration %r x %d counted '
                        'iterations = %r' % (where, growth, rate,
                                             counted_iters, want))
    return errs


def zero_at_errors(metrics, rounds):
    """zero_at_iteration counts every iteration since the scenario started,
    warm-up included: all those run, plus the last reading over the rate."""
    errs = []
    total = sum(r.get('iterations') or 0 for r in rounds
                if isinstance(r, dict))
    for name in sorted(metrics):
        m = metrics[name]
        if not isinstance(m, dict) or 'zero_at_iteration' not in m:
            continue
        last = None
        if rounds and isinstance(rounds[-1].get('m'), dict):
            last = rounds[-1]['m'].get(name)
        rate = m.get('per_iteration')
        if m.get('verdict') != 'over-release' or not is_number(last) or \
                not (is_number(rate) and rate < 0):
            errs.append('metrics.%s has zero_at_iteration %r with verdict '
                        '%r, rate %r' % (name, m['zero_at_iteration'],
                                         m.get('verdict'), rate))
            continue
        want = total + max(last, 0) / -rate
        got = m['zero_at_iteration']
        if not (is_number(got) and abs(got - want) <= 1e-6 * want):
            errs.append('metrics.%s zero_at_iteration %r, expected %d '
                        'iterations run + %r / %r = %r' % (
                            name, got, total, last, -rate, want))
    return errs


MODES = ('default', 'census', 'trace', 'census+trace')


def frame_errors(where, fr):
    if not (isinstance(fr, dict) and isinstance(fr.get('file'), str) and
            is_int(fr.get('line'))):
        return ['%s is %r, not a frame with a file and a line' % (where, fr)]
    return []


def where_errors(doc):
    """What is wrong with "grew" and "trace" (results/README.md)."""
    errs = []
    grew = doc.get('grew')
    if not isinstance(grew, list):
        return ['grew is %r, not an array' % (grew,)]
    for g in grew:
        if not (isinstance(g, dict) and
                g.get('kind') in ('fds', 'threads', 'garbage') and
                isinstance(g.get('name'), str) and
                is_number(g.get('growth')) and g['growth'] > 0 and
                isinstance(g.get('every_round'), bool)):
            errs.append('grew entry %r' % (g,))
        elif g.get('opened') is not None:
            errs += frame_errors('grew %s opened' % g['name'], g['opened'])
    trace = doc.get('trace')
    traced = 'trace' in str(doc.get('mode'))
    if 'trace' not in doc or (trace is not None and not traced) or (
            trace is None and traced and doc.get('status') in
            VERDICT_STATUSES):
        errs.append('mode %s, status %s and trace %r' % (
            doc.get('mode'), doc.get('status'), trace))
    for i, site in enumerate((trace or {}).get('sites') or []):
        frames = site.get('frames') or []
        if not (frames and is_int(site.get('at')) and
                0 <= site['at'] < len(frames) and
                is_number(site.get('bytes_per_iteration'))):
            errs.append('trace.sites[%d] is %r' % (i, site))
        for k, fr in enumerate(frames):
            errs += frame_errors('trace.sites[%d].frames[%d]' % (i, k), fr)
    return errs


def document_errors(doc, opts):
    """What is wrong with a result document's keys and values: a list of
    messages, empty when it follows schema 2."""
    if not isinstance(doc, dict):
        return ['not a JSON object: %r' % (doc,)]
    errs = []
    status = doc.get('status')
    if 'status' not in doc:
        errs.append('no status')
    elif status not in STATUSES:
        errs.append('status %r is not one of %s' % (status,
                                                    ', '.join(STATUSES)))
    if doc.get('schema') != 2:
        errs.append('schema is %r, expected 2' % (doc.get('schema'),))
    key = doc.get('key')
    if not (isinstance(key, dict) and key.get('python') == opts.tag and
            all(isinstance(key.get(k), str) for k in
                ('scenario', 'params', 'libset', 'mode')) and
            key.get('scenario') and key.get('mode') == doc.get('mode')):
        errs.append('key is %r' % (key,))
    outcome = doc.get('outcome')
    if not isinstance(outcome, dict) or outcome.get('status') != status:
        errs.append('outcome.status is %r, status %r' % (
            outcome.get('status') if isinstance(outcome, dict) else outcome,
            status))
    elif (outcome.get('lead') or {}).get('metric') != doc.get('lead'):
        errs.append('outcome.lead is %r, lead %r' % (outcome.get('lead'),
                                                     doc.get('lead')))
    summary = doc.get('summary')
    if not isinstance(summary, str) or not summary.startswith(str(status)):
        errs.append('summary %r does not start with the status %r' % (
            summary, status))
    py = doc.get('python')
    if not isinstance(py, dict) or py.get('tag') != opts.tag:
        errs.append('python.tag is %r, expected %s' % (
            py.get('tag') if isinstance(py, dict) else py, opts.tag))
    if doc.get('mode') not in MODES:
        errs.append('mode %r, expected one of %s' % (doc.get('mode'),
                                                     ', '.join(MODES)))
    errs += where_errors(doc)
    plan = doc.get('plan')
    if not isinstance(plan, dict):
        errs.append('no plan: %r' % (plan,))
        plan = {}
    for key in ('warmup', 'rounds', 'max_rounds', 'max_rounds_noisy',
                'iterations'):
        if key not in plan or not (is_int(plan[key]) or (
                plan[key] is None and key in ('warmup', 'iterations'))):
            errs.append('plan.%s is %r' % (key, plan.get(key)))
    rounds = doc.get('rounds')
    if not isinstance(rounds, list):
        errs.append('rounds is %r, not an array' % (rounds,))
        rounds = []
    counted_recs = [r for r in rounds if isinstance(r, dict) and
                    r.get('phase') == 'counted']
    warm_recs = [r for r in rounds if isinstance(r, dict) and
                 r.get('phase') == 'warmup']
    counted = doc.get('counted_rounds')
    if not is_int(counted) or counted != len(counted_recs):
        errs.append('counted_rounds is %r, the rounds hold %d counted' % (
            counted, len(counted_recs)))
        counted = len(counted_recs)
    counted_iters = sum(r.get('iterations') or 0 for r in counted_recs)
    if status in VERDICT_STATUSES and plan:
        # Past max_rounds only while a count is noisy (verdict.h).
        if not (is_int(plan.get('rounds')) and is_int(plan.get('max_rounds'))
                and is_int(plan.get('max_rounds_noisy'))
                and plan['rounds'] <= counted
                <= max(plan['max_rounds'], plan['max_rounds_noisy'])):
            errs.append('%d counted rounds, plan %r' % (counted, plan))
        if len(warm_recs) != plan.get('warmup'):
            errs.append('%d warm-up rounds, plan %r' % (len(warm_recs), plan))
    metrics = doc.get('metrics')
    if status != 'skipped' and counted >= 2:
        # Everything measured is judged, whatever ended the cell.
        if not (isinstance(metrics, dict) and metrics):
            errs.append('%d counted rounds but metrics is %r' % (counted,
                                                                 metrics))
            metrics = {}
        gauges = doc.get('gauges')
        if not isinstance(gauges, dict):
            errs.append('gauges is %r, not an object' % (gauges,))
            gauges = {}
        for group, entries in (('metrics', metrics), ('gauges', gauges)):
            for name in sorted(entries):
                errs += metric_errors('%s.%s' % (group, name), entries[name],
                                      counted, counted_iters)
        errs += zero_at_errors(metrics, rounds)
        lead = doc.get('lead')
        if status in ('leak', 'over-release', 'suspect'):
            group = gauges if doc.get('lead_is_gauge') else metrics
            if (group.get(lead) or {}).get('verdict') != status:
                errs.append('status %s but the lead %r has verdict %r' % (
                    status, lead, (group.get(lead) or {}).get('verdict')))
        elif status == 'clean' and lead is not None:
            errs.append('a clean cell with lead %r' % (lead,))
    if status == 'skipped' and not (isinstance(doc.get('skip_reason'), str)
                                    and doc['skip_reason']):
        errs.append('skipped without a skip_reason')
    for key in ('crash', 'timeout'):
        if status == key and not isinstance(doc.get(key), dict):
            errs.append('status %s without a %s object' % (key, key))
    if 'census' in str(doc.get('mode')) and status in VERDICT_STATUSES:
        census = doc.get('census')
        if not isinstance(census, list):
            errs.append('mode census without a census array: %r' % (census,))
            census = []
        for entry in census:
            if not (isinstance(entry, dict) and
                    isinstance(entry.get('type'), str) and
                    all(is_number(entry.get(k)) for k in
                        ('per_iteration', 'growth', 'live'))):
                errs.append('census entry %r' % (entry,))
    timing = doc.get('timing')
    if not (isinstance(timing, dict) and isinstance(timing.get('started'),
                                                    str)
            and is_number(timing.get('wall_s')) and timing['wall_s'] >= 0):
        errs.append('timing is %r' % (timing,))
    return errs


def run_cell(opts, scenario, extra=(), expect_rc=None, timeout=600,
             env=None, by_params=False):
    """Runs scenarios on our interpreter; returns (proc, result docs), the
    docs by scenario name, or with by_params by their key's parameters
    (the cells of one scenario under --vary)."""
    out = tempfile.mkdtemp(prefix='lmx-check-')
    try:
        args = ['run', '-q', '--python', opts.tag, '--out', out]
        args += list(extra)
        args += [os.path.join(opts.scenarios, s) for s in
                 ([scenario] if isinstance(scenario, str) else scenario)]
        proc = leakmatrix(args, opts, timeout, env)
        docs = {}
        for path in sorted(glob.glob(os.path.join(out, '*.json'))):
            with open(path) as f:
                doc = json.load(f)
            name = os.path.basename(path).split('--')[0]
            if by_params:
                name = (doc.get('key') or {}).get('params', path)
            for err in document_errors(doc, opts):
                fail('%s %s: result document: %s' % (name, ' '.join(extra),
                                                     err))
            if doc.get('status') not in STATUSES:
                # Reported above; the checks that follow then report a
                # wrong status instead of dying on a KeyError.
                doc['status'] = '(no valid status)'
            docs[name] = doc
        if expect_rc is not None and proc.returncode != expect_rc:
            fail('%s %s: exit %d, expected %d; stderr: %s' % (
                scenario, ' '.join(extra), proc.returncode, expect_rc,
                proc.stderr.strip()[-2000:]))
        return proc, docs
    finally:
        shutil.rmtree(out, ignore_errors=True)


def version_tuple(version):
    parts = []
    for p in version.split('.')[:2]:
        parts.append(int(''.join(c for c in p if c.isdigit()) or 0))
    return tuple(parts)


def check_embed(opts):
    entry = registry_entry(opts)
    if entry is None:
        return
    expect(entry['embeddable'], '%s is not embeddable' % opts.tag)
    runner = entry.get('runner')
    if not expect(runner and os.access(runner, os.X_OK),
                  'no runner for %s in the registry' % opts.tag):
        return
    proc = subprocess.run([runner, '--info'], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True,
                          timeout=60)
    expect(proc.returncode == 0, 'runner --info exited %d: %s' % (
        proc.returncode, proc.stderr))
    hello = None
    for line in proc.stdout.splitlines():
        rec = json.loads(line)
        if rec.get('t') == 'hello':
            hello = rec
    if expect(hello is not None, 'runner --info printed no hello record'):
        expect(hello['version'] == entry['version'],
               'runner embeds %s, registry says %s' % (hello['version'],
                                                       entry['version']))
        expect(hello['debug'] == entry['debug'],
               'runner debug=%s, registry says %s' % (hello['debug'],
                                                      entry['debug']))
    proc, docs = run_cell(opts, 'plain.py', expect_rc=0)
    doc = docs.get('plain')
    if expect(doc is not None, 'plain.py wrote no result'):
        expect(doc['schema'] == 2, 'schema is %r' % doc['schema'])
        expect(doc['status'] == 'clean', 'plain.py is %s: %s' % (
            doc['status'], doc.get('summary')))
        expect(doc['python']['tag'] == opts.tag, 'result names %s' %
               doc['python']['tag'])
        counted = [r for r in doc['rounds'] if r['phase'] == 'counted']
        expect(len(counted) >= 5, 'only %d counted rounds' % len(counted))
        expect(all(r['m'].get('rss_bytes', 0) > 0 for r in counted),
               'rss_bytes missing from rounds')
        for err in sensitivity_errors(doc, proc.stdout):
            fail('a clean cell without "would have seen": plain.py %s'
                 % err)
    check_options(opts)


# The most a clean plain.py could have missed per iteration, by unit: a
# rate above these is no measure of what the rounds could see.
SEEN_AT_MOST = {'blocks': 1.0, 'objects': 1.0, 'refs': 1.0,
                'bytes': 64 * 1024.0}


def sensitivity_errors(doc, stdout):
    """What is wrong with a clean cell's sensitivity: each judged count's
    `detectable`, the outcome's would_have_seen (its most specific probe
    and RSS, at their `detectable`), the summary and the line run
    printed."""
    errs = []
    metrics = doc.get('metrics') or {}
    for name in ('blocks', 'gc_objects', 'rss_bytes'):
        m = metrics.get(name) or {}
        seen = m.get('detectable')
        if m.get('verdict') == 'clean' and not (
                is_number(seen) and 0 < seen <= SEEN_AT_MOST[m['unit']]):
            errs.append('metrics.%s.detectable is %r' % (name, seen))
    figures = (doc.get('outcome') or {}).get('would_have_seen') or []
    if not 1 <= len(figures) <= 2 or \
            'rss_bytes' not in [f.get('metric') for f in figures]:
        errs.append('outcome.would_have_seen is %r, expected the RSS and '
                    'one more probe' % (figures,))
    for f in figures:
        m = metrics.get(f.get('metric')) or {}
        if not (is_number(f.get('per_iteration')) and
                is_number(m.get('detectable')) and
                abs(f['per_iteration'] - m['detectable'])
                <= 1e-9 * m['detectable']):
            errs.append('would_have_seen %r is not metrics.%s.detectable '
                        '%r' % (f, f.get('metric'), m.get('detectable')))
    if 'would have seen >= ' not in (doc.get('summary') or ''):
        errs.append('summary %r' % doc.get('summary'))
    lines = [l for l in stdout.splitlines() if ' plain ' in l]
    if not (lines and 'would have seen >= ' in lines[0]):
        errs.append('run printed %r' % lines)
    return errs


def metric(doc, name):
    return doc.get('metrics', {}).get(name, {})


def immortal_none(opts):
    return version_tuple(registry_entry(opts)['version']) >= (3, 12)


# (call, extra args, check(doc, opts) -> error message or None)
def expect_clean(doc, opts):
    if doc['status'] != 'clean':
        return 'status %s, expected clean: %s' % (doc['status'],
                                                  doc.get('summary'))
    return None


def expect_leak(names, min_rate):
    def check(doc, opts):
        if doc['status'] != 'leak':
            return 'status %s, expected leak: %s' % (doc['status'],
                                                     doc.get('summary'))
        for name in names:
            m = metric(doc, name)
            if m.get('verdict') != 'leak':
                return '%s verdict %s, expected leak (%s)' % (
                    name, m.get('verdict'), doc.get('summary'))
            if not (m.get('per_iteration') or 0) >= min_rate:
                return '%s rate %r, expected >= %r' % (
                    name, m.get('per_iteration'), min_rate)
        return None
    return check


def expect_over_release(doc, opts):
    m = metric(doc, 'refs_none')
    if immortal_none(opts):
        if doc['status'] != 'clean':
            return 'status %s on an immortal-None interpreter: %s' % (
                doc['status'], doc.get('summary'))
        if m.get('verdict') != 'n/a':
            return 'refs_none verdict %s, expected n/a' % m.get('verdict')
        if not any('immortal' in n for n in doc.get('notes', [])):
            return 'no note that None is immortal'
        return None
    # A debug build may also abort at shutdown, when the references stolen
    # so far bring None to zero: a crash, with the over-release before it.
    shutdown_crash = (doc['status'] == 'crash' and
                      (doc.get('crash') or {}).get('phase') == 'finalize')
    if (doc['status'] != 'over-release' and not shutdown_crash) or \
            doc.get('lead') != 'refs_none' or \
            m.get('verdict') != 'over-release':
        return 'status %s lead %s, expected over-release of refs_none: %s' \
            % (doc['status'], doc.get('lead'), doc.get('summary'))
    rate = m.get('per_iteration') or 0
    if not -1.5 < rate < -0.5:
        return 'refs_none rate %r, expected about -1/it' % rate
    if not m.get('zero_at_iteration'):
        return 'no predicted crash iteration'
    return None


EVERY_ROUND = 'grew in every counted round'


def expect_ref_leak(doc, opts):
    """One object kept per iteration: blocks and gc_objects grow by one in
    every counted round, so CPython's refleak rule is what decides."""
    for name in ('blocks', 'gc_objects'):
        m = metric(doc, name)
        if not (m.get('why') or '').startswith(EVERY_ROUND):
            return 'the every-round rule did not fire: %s grew in %r of ' \
                   '%r counted rounds, judged %s: %r' % (
                       name, m.get('rounds_growing'),
                       doc.get('counted_rounds'), m.get('verdict'),
                       m.get('why'))
    err = expect_leak(['blocks', 'gc_objects'], 0.9)(doc, opts)
    if err:
        return err
    if registry_entry(opts)['debug']:
        return expect_leak(['refs_total'], 0.9)(doc, opts)
    return None


# leak_malloc's size (fixture.py's default): malloc'ed bytes kept per
# iteration, which no Python allocator sees.
MALLOC_SIZE = 16384


def heap_not_read(doc):
    """Why heap_bytes is n/a in this cell where that is expected (no
    pymalloc, a C library without mallinfo2, --trace), else None."""
    m = metric(doc, 'heap_bytes')
    why = m.get('why') or ''
    if m.get('verdict') == 'n/a' and ('pymalloc' in why or
                                      'mallinfo2' in why or
                                      '--trace' in why):
        return why
    return None


def expect_heap_leak(doc, opts):
    """A malloc leak only: heap_bytes flags it at the bytes kept per
    iteration (plus malloc's header) and leads; RSS sees it too."""
    err = expect_leak(['rss_bytes'], 8000)(doc, opts)
    if err or heap_not_read(doc):
        return err
    m = metric(doc, 'heap_bytes')
    rate = m.get('per_iteration') or 0
    if m.get('verdict') != 'leak' or \
            not MALLOC_SIZE <= rate <= 1.1 * MALLOC_SIZE:
        return 'heap_bytes missed a malloc leak of %d B/it: verdict %s, ' \
               'rate %r (%s)' % (MALLOC_SIZE, m.get('verdict'), rate,
                                 m.get('why'))
    if doc.get('lead') != 'heap_bytes':
        return 'heap_bytes does not lead a malloc leak: the lead is %s' % (
            doc.get('lead'),)
    return None


def expect_heap_clean(doc, opts):
    """malloc and free: clean, heap_bytes as well."""
    err = expect_clean(doc, opts)
    if err or heap_not_read(doc):
        return err
    m = metric(doc, 'heap_bytes')
    if m.get('verdict') != 'clean':
        return 'heap_bytes of malloc+free is %s (%s), expected clean' % (
            m.get('verdict'), m.get('why'))
    return None


FIXTURES = [
    ('none_borrowed', [], expect_over_release),
    ('none_ok', [], expect_clean),
    ('leak_ref', [], expect_ref_leak),
    ('leak_ref_ok', [], expect_clean),
    ('leak_malloc', [], expect_heap_leak),
    ('leak_malloc_ok', [], expect_heap_clean),
    ('leak_thread', ['--iterations', '10'], expect_leak(['threads_os'], 0.9)),
    ('leak_thread_ok', ['--iterations', '10'], expect_clean),
    ('leak_fd', ['--iterations', '10'], expect_leak(['fds'], 0.9)),
    ('leak_fd_ok', ['--iterations', '10'], expect_clean),
    ('type_ref', [], expect_leak(['refs_types'], 0.9)),
    ('type_ref_ok', [], expect_clean),
]


# The judges of clean twins: a run of only those exits 0.
CLEAN_JUDGES = (expect_clean, expect_heap_clean)


def fixture_batches():
    """The fixtures grouped by their extra run options: one run each."""
    batches = []
    for call, extra, judge in FIXTURES:
        for b in batches:
            if b[0] == extra:
                b[1].append((call, judge))
                break
        else:
            batches.append((extra, [(call, judge)]))
    return batches


def judge_fixture(opts, call, judge, doc, label):
    if doc is None:
        fail('%s: no result' % label)
        return
    err = judge(doc, opts)
    if err:
        fail('%s: %s' % (label, err))
    if doc['status'] == 'crash':
        sys.stdout.write('%-16s (crashed at shutdown) ' % call)
    sys.stdout.write('%-16s %s\n' % (call, doc.get('summary')))


def check_fixtures(opts):
    """Every fixture and twin, in one `run --vary call=...` per group of
    options: ten times at -j 2 (verdicts must not depend on a busy
    machine), and once one cell at a time.  A run's exit status is 1 when
    any of its cells has a finding, 0 when all are clean."""
    for attempt, jobs in [(i + 1, 2) for i in range(opts.repeat)] + [
            (opts.repeat + 1, 1)]:
        for extra, calls in fixture_batches():
            vary = 'call=' + ','.join(call for call, _ in calls)
            proc, docs = run_cell(opts, 'fixture.py', ['-j', str(jobs),
                                                       '--vary', vary]
                                  + extra, by_params=True)
            by_call = dict((params.split('=', 1)[-1], d)
                           for params, d in docs.items())
            findings = False
            for call, judge in calls:
                label = '%s (run %d, -j %d)' % (call, attempt, jobs)
                doc = by_call.get(call)
                judge_fixture(opts, call, judge, doc, label + (
                    '' if doc else '; stderr: %s' % proc.stderr[-2000:]))
                findings |= not (judge in CLEAN_JUDGES or (
                    call == 'none_borrowed' and immortal_none(opts)))
            expect(proc.returncode == (1 if findings else 0),
                   '%s (run %d, -j %d): exit %d, expected %d' % (
                       vary, attempt, jobs, proc.returncode,
                       1 if findings else 0))
    check_late_onset(opts)
    check_gil_off(opts)
    check_threaded_echo(opts)


def free_threaded(opts, tag=None):
    return bool((registry_entry(opts, tag) or {}).get('free_threaded'))


def gil_twin(opts):
    """A GIL build of a free-threaded interpreter's minor version, or None."""
    me = registry_entry(opts)
    minor = '.'.join(me['version'].split('.')[:2])
    for py in registry(opts):
        if (py['version'].startswith(minor + '.') and py['embeddable']
                and not py.get('free_threaded') and not py['debug']):
            return py['tag']
    return None


def check_gil_off(opts):
    """gil_off_leak.py leaks on a free-threaded build, is clean elsewhere;
    on a free-threaded one the grid beside its GIL twin shows both."""
    judge = expect_leak(['blocks'], 0.9) if free_threaded(opts) \
        else expect_clean
    for attempt in range(min(opts.repeat, 3)):
        proc, docs = run_cell(opts, 'gil_off_leak.py')
        doc = docs.get('gil_off_leak')
        judge_fixture(opts, 'gil_off_leak', judge, doc,
                      'gil_off_leak (run %d)' % (attempt + 1))
        py = (doc or {}).get('python') or {}
        expect(py.get('free_threaded') == free_threaded(opts)
               and py.get('gil') is (not free_threaded(opts)),
               'gil_off_leak: python.free_threaded %r, python.gil %r'
               % (py.get('free_threaded'), py.get('gil')))
    twin = gil_twin(opts) if free_threaded(opts) else None
    if twin:
        proc = leakmatrix(['run', '-q', '--python', opts.tag, '--python',
                           twin, '--out', tempfile.mkdtemp(prefix='lmx-ft-'),
                           os.path.join(opts.scenarios, 'gil_off_leak.py')],
                          opts, 600, None)
        row = [l for l in proc.stdout.splitlines()
               if l.startswith('gil_off_leak ')]
        expect(row and 'leak' in row[0] and 'clean' in row[0]
               and '*' in row[0],
               'gil_off_leak: the grid of %s beside %s does not show the '
               'difference:\n%s' % (opts.tag, twin, proc.stdout))


# Late onset (issue 9): a native leak of 1 KiB per iteration at default
# settings, flat in RSS for the first counted rounds, must be an RSS leak;
# its twin must be clean.  The rate is over every counted round, the flat
# ones too, so it reads under the true 1 KiB.
LATE_ONSET = [
    ('0', expect_leak(['rss_bytes'], 300)),
    ('1', expect_clean),
]


def check_late_onset(opts):
    """Both twins in one run at -j 2, --repeat times."""
    for attempt in range(opts.repeat):
        vary = 'twin=' + ','.join(twin for twin, _ in LATE_ONSET)
        proc, docs = run_cell(opts, 'late_onset.py', ['-j', '2', '--vary',
                                                      vary], by_params=True)
        for twin, judge in LATE_ONSET:
            doc = docs.get('twin=' + twin)
            label = 'late_onset twin=%s (run %d)' % (twin, attempt + 1)
            judge_fixture(opts, 'late_onset twin=' + twin, judge, doc,
                          label + ('' if doc else '; stderr: %s'
                                   % proc.stderr[-2000:]))
        expect(proc.returncode == 1, 'late_onset (run %d): exit %d, '
               'expected 1 (the leaking twin)' % (attempt + 1,
                                                  proc.returncode))


def check_threaded_echo(opts):
    """A ThreadingMixIn TCP echo server at default settings (issue 18):
    on 3.8-3.10 the interpreter grows once by 50-100 blocks at about the
    thousandth connection and then stays flat, under containers resizing
    back and forth.  Clean in every one of --repeat runs."""
    for attempt in range(opts.repeat):
        proc, docs = run_cell(opts, 'threaded_echo.py')
        doc = docs.get('threaded_echo')
        label = 'threaded_echo (run %d)' % (attempt + 1)
        judge_fixture(opts, 'threaded_echo', expect_clean, doc,
                      label + ('' if doc else '; stderr: %s'
                               % proc.stderr[-2000:]))
        expect(proc.returncode == 0, '%s: exit %d, expected 0'
               % (label, proc.returncode))


def check_broken(opts):
    proc, docs = run_cell(opts, ['crash_none.py', 'hang.py',
                                 'raise_in_setup.py', 'syntax_error.py',
                                 'exit_early.py'],
                          ['--timeout', '10'], expect_rc=1, timeout=120)
    expect(len(docs) == 5, 'expected 5 results, got %s' % sorted(docs))
    early = docs.get('exit_early')
    if early is not None:
        info = early.get('crash') or {}
        expect(early['status'] == 'crash' and info.get('exit_code') == 0
               and info.get('phase') == 'counted' and info.get('round') == 2,
               'os._exit(0) in counted round 2 reported as %s: %r' % (
                   early['status'], info))
    crash = docs.get('crash_none')
    if crash is not None:
        if immortal_none(opts):
            expect(crash['status'] == 'clean',
                   'crash_none on immortal None: %s' % crash.get('summary'))
        else:
            expect(crash['status'] == 'crash', 'crash_none is %s: %s' % (
                crash['status'], crash.get('summary')))
            info = crash.get('crash') or {}
            expect('deallocating None' in (info.get('fatal_error') or ''),
                   'no "deallocating None" fatal error: %r' % info)
            expect(info.get('signal') == 6, 'crash signal %r, expected 6'
                   % info.get('signal'))
            expect(info.get('iterations_total', 0) > 0,
                   'crash without the iteration reached')
    hang = docs.get('hang')
    if hang is not None:
        expect(hang['status'] == 'timeout', 'hang is %s' % hang['status'])
        info = hang.get('timeout') or {}
        expect(info.get('phase') == 'counted' and info.get('round') == 3,
               'hang reported in %s round %s, expected counted round 3' % (
                   info.get('phase'), info.get('round')))
        expect('hang.py' in (info.get('stderr_tail') or ''),
               'no Python stack of the hung thread in stderr')
    raised = docs.get('raise_in_setup')
    if raised is not None:
        expect(raised['status'] == 'error', 'raise_in_setup is %s' %
               raised['status'])
        err = raised.get('error') or {}
        expect(err.get('where') == 'setup' and
               'ValueError' in (err.get('traceback') or ''),
               'raise_in_setup error record: %r' % err)
    syntax = docs.get('syntax_error')
    if syntax is not None:
        expect(syntax['status'] == 'error', 'syntax_error is %s' %
               syntax['status'])
        err = syntax.get('error') or {}
        expect(err.get('where') == 'load' and
               'SyntaxError' in (err.get('traceback') or '') +
               (err.get('type') or ''),
               'syntax_error error record: %r' % err)
    check_timeout_deadline(opts)


def check_odd(opts):
    pidfile = tempfile.mktemp(prefix='lmx-child-')
    start = time.time()
    proc, docs = run_cell(opts, 'leftover_child.py',
                          ['--timeout', '60', '--set', 'pidfile=' + pidfile],
                          expect_rc=0)
    elapsed = time.time() - start
    proc, more = run_cell(opts, ['abort_at_exit.py', 'odd_output.py'],
                          expect_rc=1)
    docs.update(more)
    atexit_doc = docs.get('abort_at_exit')
    if expect(atexit_doc is not None, 'abort_at_exit wrote no result'):
        info = atexit_doc.get('crash') or {}
        expect(atexit_doc['status'] == 'crash' and
               info.get('phase') == 'finalize' and info.get('signal') == 6,
               'abort at shutdown reported as %s: %r' % (
                   atexit_doc['status'], info))
    child = docs.get('leftover_child')
    if expect(child is not None, 'leftover_child wrote no result'):
        expect(child['status'] == 'clean', 'leftover_child is %s: %s' % (
            child['status'], child.get('summary')))
    expect(elapsed < 45, 'a child holding stdout kept the run waiting '
           '%.0f s' % elapsed)
    try:
        with open(pidfile) as f:
            pid = int(f.read())
        os.unlink(pidfile)
        alive = False
        try:
            # A zombie is dead: an init that does not reap leaves them.
            with open('/proc/%d/status' % pid) as f:
                alive = 'State:\tZ' not in f.read()
        except IOError:
            pass
        expect(not alive, 'the scenario\'s child %d outlived the cell' % pid)
    except (IOError, ValueError):
        fail('leftover_child wrote no pid file')
    odd = docs.get('odd_output')
    if expect(odd is not None, 'odd_output wrote no result'):
        info = odd.get('crash') or {}
        expect(odd['status'] == 'crash' and info.get('exit_code') == 3,
               'os._exit(3) reported as %s: %r' % (odd['status'], info))
        expect('not utf-8' in (odd.get('stdout_tail') or ''),
               'stdout that is not UTF-8 was dropped')
        expect(odd.get('metrics', {}).get('fds', {}).get('verdict')
               in ('clean', None) and 'fds' in odd.get('gauges', {}),
               'a gauge named fds was mixed into the fd probe: %r' % (
                   odd.get('metrics', {}).get('fds'),))


# --- run options ---------------------------------------------------------

def check_options(opts):
    """The run options reach the runner: --warmup, --rounds, --max-rounds
    and --iterations shape the rounds; a bad --set, an unknown interpreter
    and a missing scenario are usage errors (exit 2, nothing written);
    PYTHON* variables are stripped unless --keep-python-env."""
    proc, docs = run_cell(opts, 'plain.py', ['--warmup', '1', '--rounds', '3',
                                             '--max-rounds', '3',
                                             '--iterations', '7'],
                          expect_rc=0)
    doc = docs.get('plain')
    if expect(doc is not None, 'plain.py --warmup 1 ... wrote no result'):
        plan = doc.get('plan')
        expect(plan == {'warmup': 1, 'rounds': 3, 'max_rounds': 3,
                        'max_rounds_noisy': 9, 'iterations': 7},
               'plain.py --warmup 1 --rounds 3 --max-rounds 3 --iterations '
               '7 has plan %r' % (plan,))
        got = [(r.get('phase'), r.get('iterations')) for r in doc['rounds']]
        expect(got == [('warmup', 7)] + [('counted', 7)] * 3,
               'plain.py --warmup 1 --rounds 3 --iterations 7 ran %r' % (
                   got,))
    for extra in (['--set', 'lmx_no_such_param=1'], ['--set', 'calls=many']):
        proc, docs = run_cell(opts, 'fixture.py', extra, expect_rc=2)
        expect(not docs, 'fixture.py %s wrote %s' % (' '.join(extra),
                                                     sorted(docs)))
        expect(extra[1].split('=')[0] in proc.stderr,
               'fixture.py %s: the error does not name the parameter: %s'
               % (' '.join(extra), proc.stderr.strip()))
    plain = os.path.join(opts.scenarios, 'plain.py')
    for args in (['run', '-q', '--python', 'lmx-no-such-tag', plain],
                 ['run', '-q', '--python', opts.tag,
                  os.path.join(opts.scenarios, 'lmx_no_such_scenario.py')]):
        proc = leakmatrix(args, opts, 120)
        expect(proc.returncode == 2, 'leakmatrix %s: exit %d, expected 2'
               % (' '.join(args), proc.returncode))
    # Only our variable: --keep-python-env must not hand the runner a
    # PYTHONPATH or PYTHONHOME meant for the interpreter running us.
    env = dict((k, v) for k, v in os.environ.items()
               if not k.startswith('PYTHON'))
    env['PYTHONLMXCHECK'] = '1'
    for extra, seen in (([], False), (['--keep-python-env'], True)):
        proc, docs = run_cell(opts, 'env_report.py', extra, expect_rc=0,
                              env=env)
        doc = docs.get('env_report')
        if expect(doc is not None, 'env_report.py wrote no result'):
            line = [ln for ln in (doc.get('stdout_tail') or '').splitlines()
                    if ln.startswith('PYTHON* seen:')]
            expect(line and ('PYTHONLMXCHECK' in line[0].split()) == seen,
                   'env_report.py %s: PYTHONLMXCHECK %s the runner: %r' % (
                       ' '.join(extra) or '(default)',
                       'did not reach' if seen else 'reached', line))


# --- verdicts that rest on the harness's own rules ------------------------

def expect_all_clean(doc, opts):
    """Clean, and no metric or gauge with any finding either."""
    err = expect_clean(doc, opts)
    if err:
        return err
    for group in ('metrics', 'gauges'):
        for name, m in sorted((doc.get(group) or {}).items()):
            if m.get('verdict') not in ('clean', 'n/a'):
                return '%s.%s is %s (%s)' % (group, name, m.get('verdict'),
                                             m.get('why'))
    return None


def expect_slow_leak(doc, opts):
    """A leak found only in more counted rounds than planned."""
    err = expect_leak(['gc_objects'], 0.003)(doc, opts)
    if err:
        return err
    rate = metric(doc, 'gc_objects').get('per_iteration')
    if rate > 0.007:
        return 'gc_objects rate %r, expected about 1/200' % rate
    planned = (doc.get('plan') or {}).get('rounds')
    if not doc.get('counted_rounds', 0) > planned:
        return 'found in %r counted rounds, not more than the %r planned' % (
            doc.get('counted_rounds'), planned)
    return None


def expect_census(doc, opts):
    """--census names the class kept once per iteration, at +1/it."""
    err = expect_leak(['gc_objects'], 0.9)(doc, opts)
    if err:
        return err
    if doc.get('mode') not in ('census', 'census+trace'):
        return 'mode %r, expected census' % doc.get('mode')
    kept = [c for c in doc.get('census') or []
            if c.get('type', '').split('.')[-1] == 'KeptPerIteration']
    if not kept:
        return 'the census does not name KeptPerIteration: %r' % (
            [c.get('type') for c in doc.get('census') or []],)
    if not 0.9 <= (kept[0].get('per_iteration') or 0) <= 1.1:
        return 'census rate of %s is %r, expected +1/it' % (
            kept[0]['type'], kept[0].get('per_iteration'))
    gauge = (doc.get('gauges') or {}).get('kept') or {}
    if gauge.get('verdict') != 'leak' or gauge.get('per_iteration') != 1:
        return 'gauge kept is %r, expected a leak of exactly 1/it' % (gauge,)
    return None


def expect_skipped_requires(doc, opts):
    if doc['status'] != 'skipped':
        return 'status %s, expected skipped: %s' % (doc['status'],
                                                    doc.get('summary'))
    reason = doc.get('skip_reason') or ''
    if 'REQUIRES' not in reason or 'lmx_no_such_module' not in reason:
        return 'skip reason %r does not name REQUIRES and the module' % (
            reason,)
    if doc.get('rounds'):
        return 'a skipped scenario ran %d rounds' % len(doc['rounds'])
    return None


def expect_skipped_provides(doc, opts):
    if doc['status'] != 'skipped':
        return 'status %s, expected skipped: %s' % (doc['status'],
                                                    doc.get('summary'))
    reason = doc.get('skip_reason') or ''
    want = ('no module provides codec', 'PROVIDES',
            '_lmx_broken_ext did not import',
            'undefined symbol: PyUnicode_FromUnicode')
    if not all(w in reason for w in want):
        return 'skip reason %r does not say why _lmx_broken_ext did not ' \
               'import' % (reason,)
    return None


# (scenario, extra args, check(doc, opts) -> error message or None, exit)
VERDICT_SCENARIOS = [
    ('cycle_garbage.py', [], expect_all_clean, 0),
    ('cycle_garbage.py', ['--set', 'gc_off=true'], expect_all_clean, 0),
    ('warmup_cache.py', [], expect_all_clean, 0),
    ('slow_warmup.py', [], expect_all_clean, 0),
    ('slow_leak.py', [], expect_slow_leak, 1),
    ('census_kept.py', ['--census'], expect_census, 1),
    ('requires_missing.py', [], expect_skipped_requires, 0),
    ('requires_computed.py', [], expect_skipped_requires, 0),
    ('provides_broken.py', [], expect_skipped_provides, 0),
]


def check_verdicts(opts):
    for attempt in range(opts.repeat):
        for scenario, extra, judge, want_rc in VERDICT_SCENARIOS:
            name = scenario[:-3]
            label = '%s %s(run %d)' % (name, ''.join(e + ' ' for e in extra),
                                       attempt + 1)
            proc, docs = run_cell(opts, scenario, extra)
            doc = docs.get(name)
            if doc is None:
                fail('%s: no result; stderr: %s' % (label, proc.stderr))
                continue
            err = judge(doc, opts)
            if err:
                fail('%s: %s' % (label, err))
            expect(proc.returncode == want_rc, '%s: exit %d, expected %d' % (
                label, proc.returncode, want_rc))
            sys.stdout.write('%-40s %s\n' % (label, doc.get('summary')))
    check_release_extension(opts)


def check_release_extension(opts):
    """An extension built for a release interpreter, run on a debug one of
    the same version (multidict's wheels on 3.11.2-debug did this): the
    reference total misses the module's own increfs and decrefs and
    drifts, so refs_total is not judged, naming the module, and blocks
    still are.  Needs the fixture built for such a release interpreter."""
    entry = registry_entry(opts)
    if not entry['debug']:
        return
    fixtures = os.environ.get('LEAKMATRIX_FIXTURE_DIR', '')
    listing = leakmatrix(['pythons', 'list', '--json'], opts)
    twins = [p['tag'] for p in json.loads(listing.stdout or '[]')
             if p['version'] == entry['version'] and not p['debug']
             and os.path.exists(os.path.join(fixtures,
                                             'lmfixture-%s.so' % p['tag']))]
    if not twins:
        sys.stdout.write('release_extension: skipped, no release %s with a '
                         'fixture build\n' % entry['version'])
        return
    tmp = tempfile.mkdtemp(prefix='lmx-check-release-ext-')
    try:
        os.symlink(os.path.join(fixtures, 'lmfixture-%s.so' % twins[0]),
                   os.path.join(tmp, 'lmfixture-%s.so' % opts.tag))
        env = dict(os.environ, LEAKMATRIX_FIXTURE_DIR=tmp)
        proc, docs = run_cell(opts, 'fixture.py',
                              ['-j', '2', '--vary', 'call=churn_ok,leak_ref'],
                              env=env, by_params=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for call, status in (('churn_ok', 'clean'), ('leak_ref', 'leak')):
        doc = docs.get('call=' + call)
        label = 'release_extension %s (fixture of %s)' % (call, twins[0])
        if doc is None:
            fail('%s: no result; stderr: %s' % (label, proc.stderr[-2000:]))
            continue
        refs = metric(doc, 'refs_total') or {}
        expect(doc['status'] == status, '%s: %s, expected %s' % (
            label, doc.get('summary'), status))
        expect(refs.get('verdict') == 'n/a'
               and 'without Py_REF_DEBUG' in (refs.get('why') or '')
               and 'lmfixture' in (refs.get('why') or ''),
               '%s: refs_total %s (%s), expected n/a naming lmfixture' % (
                   label, refs.get('verdict'), refs.get('why')))
        if status == 'leak':
            lead = (doc.get('outcome') or {}).get('lead') or {}
            expect(lead.get('metric') == 'blocks',
                   '%s: led by %s, expected blocks' % (label,
                                                       lead.get('metric')))
        sys.stdout.write('%-40s %s\n' % (label, doc.get('summary')))


def check_timeout_deadline(opts):
    """A hung cell ends in about the --timeout asked, not whenever."""
    limit = 3
    start = time.time()
    proc, docs = run_cell(opts, 'hang.py', ['--timeout', str(limit)],
                          expect_rc=1, timeout=limit + 20)
    elapsed = time.time() - start
    hang = docs.get('hang')
    if expect(hang is not None, 'hang.py --timeout %d wrote no result'
              % limit):
        expect(hang['status'] == 'timeout', 'hang.py --timeout %d is %s'
               % (limit, hang['status']))
    # The stacks are asked for at the deadline and the kill follows 0.5 s
    # later; the rest is start-up and slack for a loaded machine.
    expect(limit <= elapsed < limit + 5,
           'hang.py with --timeout %d ended after %.1f s' % (limit, elapsed))
    sys.stdout.write('hang --timeout %d: %s after %.1f s\n' % (
        limit, hang and hang['status'], elapsed))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('check', choices=['embed', 'fixtures', 'broken', 'odd',
                                      'verdicts'])
    ap.add_argument('--tag', required=True)
    ap.add_argument('--leakmatrix', required=True)
    ap.add_argument('--scenarios', required=True)
    ap.add_argument('--repeat', type=int,
                    default=int(os.environ.get('LEAKMATRIX_REPEAT', '1')))
    opts = ap.parse_args()
    {'embed': check_embed, 'fixtures': check_fixtures,
     'broken': check_broken, 'odd': check_odd,
     'verdicts': check_verdicts}[opts.check](opts)
    if FAILURES:
        sys.stderr.write('%d failure(s)\n' % len(FAILURES))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
