"""Tests as scenarios, embedded in the runner as _leakmatrix_testing.

A test target ("pytest:PATH[::ID]", "unittest:NAME", "call:MODULE:FUNC")
is collected here into test ids (collect(), the runner's --collect), and
one test is loaded here into the setup/iterate/teardown of a scenario
(load(), called by support.load()), so the rounds, readings and records
stay the runner's.  One iteration runs the test as its framework runs it
once: pytest's setup, call and teardown of the item (function-scoped
fixtures made and torn down each time, module and session ones kept: the
warm-up pays for them), unittest's setUp/test/tearDown on a fresh case
(setUpModule and setUpClass once), or the callable.  This file must parse
on Python 3.4: no f-strings, annotations or walrus.
"""

import collections
import functools
import os
import sys
import threading
import time

PREFIXES = ('pytest:', 'unittest:', 'call:')

# Set by configure() from the runner's options; LMX_* numbers come from
# base/proto.h through the runner, never from here.
_options = {'rootdir': None, 'budget': None, 'keyword': None,
            'marks': None, 'max_iterations': None}
_threads_before = None
# Whether the last test that skipped or failed in load() was torn down
# cleanly (ended_cleanly()).
_ended_cleanly = False


def _support():
    return sys.modules['_leakmatrix_support']


def configure(rootdir, budget, keyword, marks, max_iterations):
    """The runner's --rootdir, --test-budget, --keyword, --markexpr (None
    when not given) and LMX_TEST_MAX_ITERATIONS."""
    _options.update(rootdir=rootdir, budget=budget, keyword=keyword,
                    marks=marks, max_iterations=max_iterations)


def is_test(target):
    return target.startswith(PREFIXES)


class TestFailure(Exception):
    """A test that failed or errored: support.error_record() renders its
    lmx_error (where, type, message, the framework's own report) instead
    of this exception's traceback."""

    def __init__(self, where, type_name, message, text):
        Exception.__init__(self, message)
        self.lmx_error = (where, type_name, message, text)


class _Skip(Exception):
    """The test skipped itself (its reason is the message)."""


def _last_line(text):
    lines = [ln for ln in (text or '').strip().splitlines() if ln.strip()]
    return lines[-1].strip() if lines else ''


def _type_and_message(line):
    """("AssertionError", "assert 1 == 2") from "AssertionError: assert 1
    == 2" (a traceback's last line); (None, line) when it is not one."""
    head, sep, rest = line.partition(':')
    if sep and head and ' ' not in head.strip():
        return head.strip(), rest.strip()
    return None, line


def _failure(where, text, short=None):
    """The TestFailure of a report: its text, and the short line when the
    framework gave one (pytest's "assert 1 == 2", whose type is at the end
    of the text: "tests/test_x.py:19: AssertionError")."""
    type_name, message = _type_and_message(short or _last_line(text))
    if type_name is None:
        tail = _last_line(text).rpartition(': ')[2]
        type_name = tail if tail.replace('.', '').isalnum() else None
    return TestFailure(where, type_name, message or '(no message)', text)


def _import_path(target):
    """As `python -m pytest` and `python -m unittest` do: the current
    directory on sys.path, behind the cell's library set; and an argv
    (pytest 7.0 reads sys.argv, which an embedded interpreter lacks)."""
    sys.argv = [target]
    cwd = os.getcwd()
    if cwd not in sys.path:
        lib = os.environ.get('LEAKMATRIX_LIBPATH')
        at = 1 if lib and sys.path and sys.path[0] == os.path.abspath(lib) \
            else 0
        sys.path.insert(at, cwd)


# --- names ---------------------------------------------------------------

def _resolve(name):
    """Imports the longest module prefix of a dotted name and walks the
    rest as attributes.  Returns (module, parent, obj, error): error is
    None, ('nothing', message) when the name names nothing (Python's own
    words), or ('broken', module name, exception) when a module raised
    while importing."""
    import importlib
    parts = name.split('.')
    missing = None
    for n in range(len(parts), 0, -1):
        modname = '.'.join(parts[:n])
        try:
            module = importlib.import_module(modname)
        except ImportError as e:
            gone = getattr(e, 'name', None)
            if gone is not None and (modname == gone or
                                     modname.startswith(gone + '.')):
                missing = missing or e
                continue
            return None, None, None, ('broken', modname, e)
        except BaseException as e:
            return None, None, None, ('broken', modname, e)
        parent, obj = None, module
        try:
            for part in parts[n:]:
                parent, obj = obj, getattr(obj, part)
        except AttributeError as e:
            return module, None, None, ('nothing', 'AttributeError: %s' % e)
        return module, parent, obj, None
    return None, None, None, ('nothing', '%s: %s' % (
        type(missing).__name__, missing))


def _format_exception(exc):
    import traceback
    return ''.join(traceback.format_exception(type(exc), exc,
                                              exc.__traceback__))


# --- collection ------------------------------------------------------------

def _rec(kind, pairs):
    return _support()._record(kind, pairs)


def _test_rec(test_id, run, path, rootdir=None):
    return _rec('test', [('id', test_id), ('run', run), ('file', path),
                         ('rootdir', rootdir)])


def _collect_error(test_id, path, message, text):
    return _rec('collect_error', [('id', test_id), ('file', path),
                                  ('message', message),
                                  ('traceback', text)])


def _nothing(message):
    return _rec('nothing', [('message', message)])


def collect(target):
    """The records of collecting target: one "test" per selected test, a
    "collect_error" per file or module that did not collect, a
    "collect_skip" per file that skipped itself, a "skip" when the
    framework is missing, a "nothing" with the framework's own words when
    nothing was selected, an "error" (kind usage) for a bad selection.
    Returns a list of JSON lines."""
    if not is_test(target):
        return [_support().usage_record(
            'load', '%s is no test target (pytest:PATH[::ID], '
            'unittest:NAME, call:MODULE:FUNCTION)' % target)]
    _support()._add_lib_dir()
    _import_path(target)
    kind, _, rest = target.partition(':')
    if kind == 'pytest':
        return _pytest_collect(rest)
    if _options['marks'] is not None:
        return [_support().usage_record(
            'load', '-m selects pytest marks; %s targets take -k only'
            % kind)]
    if kind == 'unittest':
        return _unittest_collect(rest)
    return _call_collect(rest)


# --- pytest ----------------------------------------------------------------

def _pytest_missing(e):
    return ('pytest does not import on this interpreter (%s): give the '
            'cell a library set with pytest in it, e.g. --lib pytest' % e)


def _pytest_args(arg, rootdir=None):
    """pytest's command line for arg: no cache written into the project,
    the runner's faulthandler kept, output captured at sys level (a crash
    and the stacks of a hung test still reach the cell's stderr)."""
    args = [arg, '-q', '-p', 'no:cacheprovider', '-p', 'no:faulthandler',
            '--capture=sys']
    if rootdir:
        args += ['--rootdir', rootdir]
    if _options['keyword'] is not None:
        args += ['-k', _options['keyword']]
    if _options['marks'] is not None:
        args += ['-m', _options['marks']]
    return args


class _Collected(object):
    """A pytest plugin that keeps what collection found."""

    def __init__(self):
        self.items = []
        self.failed = []     # (nodeid, path, text)
        self.skipped = []    # (nodeid, path, reason)

    def pytest_collectreport(self, report):
        path = getattr(report, 'fspath', None)
        if report.failed:
            self.failed.append((report.nodeid, path,
                                _report_text(report)))
        elif report.skipped:
            self.skipped.append((report.nodeid, path,
                                 _skip_reason(report)))

    def pytest_collection_finish(self, session):
        self.items = list(session.items)


def _report_text(report):
    text = getattr(report, 'longreprtext', None)
    if text is None:
        text = str(report.longrepr)
    for title, content in getattr(report, 'sections', ()):
        text += '\n----- %s -----\n%s' % (title, content)
    return text


def _skip_reason(report):
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        reason = str(longrepr[2])
    else:
        reason = str(longrepr)
    if reason.startswith('Skipped: '):
        reason = reason[len('Skipped: '):]
    return reason


def _rootdir(config):
    root = getattr(config, 'rootpath', None) or config.rootdir
    return str(root)


def _item_path(item):
    path = getattr(item, 'path', None) or getattr(item, 'fspath', None)
    return str(path) if path is not None else None


def _quiet_call(fn, *args, **kwargs):
    """fn(...) with sys.stdout and sys.stderr into one buffer: (result,
    what it wrote)."""
    import io
    buf = io.StringIO()
    saved = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = buf
    try:
        return fn(*args, **kwargs), buf.getvalue()
    finally:
        sys.stdout, sys.stderr = saved


def _pytest_words(text, status):
    """pytest's own words for a collection that selected nothing."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for prefix in ('ERROR: ', 'ERROR'):
        for n, line in enumerate(lines):
            if line.startswith(prefix):
                return ' '.join(lines[n:])
    return '%s (pytest exit status %d)' % (
        lines[-1] if lines else 'no tests collected', int(status))


def _pytest_collect(arg):
    try:
        import pytest
    except ImportError as e:
        return [_rec('skip', [('reason', _pytest_missing(e))])]
    plugin = _Collected()
    status, text = _quiet_call(pytest.main, _pytest_args(arg) +
                               ['--collect-only'], plugins=[plugin])
    records = []
    for nodeid, path, error in plugin.failed:
        # pytest marks an exception's lines "E   ..."
        line = _last_line(error)
        if line.startswith('E ') and line[2:].strip():
            line = line[2:].strip()
        records.append(_collect_error(nodeid, path, line, error))
    for nodeid, path, reason in plugin.skipped:
        records.append(_rec('collect_skip', [('id', nodeid), ('file', path),
                                             ('reason', reason)]))
    for item in plugin.items:
        root = _rootdir(item.config)
        records.append(_test_rec(item.nodeid, 'pytest:' + os.path.join(
            root, item.nodeid), _item_path(item), root))
    if int(status) == 4:
        return [_support().usage_record('load', _pytest_words(text,
                                                              status))]
    if not records:
        records.append(_nothing(_pytest_words(text, status)))
    return records


class _Sibling(object):
    """Stands for "the next test" when pytest tears an item down: its own
    chain of collectors without the item, so that the function's
    fixtures are finalized and the class's, module's and session's are
    kept, as between two tests of one module."""

    def __init__(self, item):
        self._chain = item.listchain()[:-1]

    def listchain(self):
        return list(self._chain)


class _PytestTest(object):
    """One collected pytest item and the session around it."""

    def __init__(self, config, session, item):
        from _pytest.runner import runtestprotocol
        self.config = config
        self.session = session
        self.item = item
        self.sibling = _Sibling(item)
        self.protocol = runtestprotocol
        self.terminal = config.pluginmanager.get_plugin('terminalreporter')

    def _forget(self):
        """What pytest keeps of every run of an item and a session that
        runs it once would not grow: captured output sections, user
        properties, historic warning hook calls, terminal stats."""
        item = self.item
        if isinstance(getattr(item, '_report_sections', None), list):
            del item._report_sections[:]
        if isinstance(getattr(item, 'user_properties', None), list):
            del item.user_properties[:]
        for name in ('pytest_warning_recorded', 'pytest_warning_captured'):
            hook = getattr(self.config.hook, name, None)
            history = getattr(hook, '_call_history', None)
            if isinstance(history, list):
                del history[:]
        stats = getattr(self.terminal, 'stats', None)
        if isinstance(stats, dict):
            stats.clear()
        _drop_finished_finalizers(item)
        _drop_repeated_finalizers(self.session)

    def run(self):
        self._forget()
        reports = self.protocol(self.item, log=False, nextitem=self.sibling)
        for rep in reports:
            if rep.failed:
                short = getattr(getattr(rep.longrepr, 'reprcrash', None),
                                'message', None)
                raise _failure('call' if rep.when == 'call' else rep.when,
                               _report_text(rep), short)
        for rep in reports:
            if rep.skipped and not (hasattr(rep, 'wasxfail') and
                                    rep.when == 'call'):
                reason = _skip_reason(rep)
                if hasattr(rep, 'wasxfail'):
                    reason = 'xfail, not run: %s' % rep.wasxfail
                raise _Skip(reason)

    def finish(self):
        """What pytest tears down after a session's last test (the class,
        module and session fixtures), then the session."""
        state = self.session._setupstate
        if state.teardown_exact.__code__.co_argcount == 2:
            state.teardown_exact(None)              # pytest 7 and later
        else:
            state.teardown_exact(self.item, None)
        self.config.hook.pytest_sessionfinish(session=self.session,
                                              exitstatus=0)
        self.config._ensure_unconfigure()


def _finished_fixture_finish(fin):
    """Whether fin is the finish of a function fixture, bound with
    functools.partial, whose fixture is already torn down."""
    owner = getattr(getattr(fin, 'func', None), '__self__', None)
    return (isinstance(fin, functools.partial)
            and getattr(owner, 'scope', None) == 'function'
            and getattr(owner, 'cached_result', 0) is None)


def _drop_finished_finalizers(item):
    """pytest 8.2 and later (pytest-dev/pytest#12135) add to each fixture
    a function fixture requests a finalizer that finishes the function
    fixture, at each setup of it: a session fixture's list grows by one
    a run (+10 blocks, +6 gc objects), where a session that runs a test
    once never sees it.  Drops those of finished function fixtures."""
    info = getattr(item, '_fixtureinfo', None)
    for defs in getattr(info, 'name2fixturedefs', {}).values():
        for fd in defs:
            fins = getattr(fd, '_finalizers', None)
            if getattr(fd, 'scope', None) != 'function' and \
                    isinstance(fins, list):
                fins[:] = [f for f in fins
                           if not _finished_fixture_finish(f)]


def _finished_fixture(fin):
    """The fixture whose finish fin calls, as pytest before 8.2 schedules
    it on a node (FixtureRequest._schedule_finalizers(): a lambda over
    fixturedef and subrequest, or functools.partial(fixturedef.finish,
    request=...)); else None."""
    if isinstance(fin, functools.partial):
        return getattr(fin.func, '__self__', None) \
            if getattr(fin.func, '__name__', None) == 'finish' else None
    code = getattr(fin, '__code__', None)
    if code is None or 'fixturedef' not in code.co_freevars or \
            '_schedule_finalizers' not in getattr(fin, '__qualname__', ''):
        return None
    return fin.__closure__[code.co_freevars.index('fixturedef')] \
        .cell_contents


def _drop_repeated_finalizers(session):
    """pytest before 8.2 (7.0.1 on 3.6, 7.4.4 on 3.7) adds, at each setup
    of a test, a finalizer that finishes each module or session fixture
    it requests to that fixture's node (the module, the session): the
    node's list grows by one a run (+16 blocks, +10 gc objects, a
    FixtureRequest and a SubRequest), where a session that runs the test
    once adds one.  Keeps the first of each fixture on every node."""
    stack = getattr(getattr(session, '_setupstate', None), 'stack', None)
    if not isinstance(stack, dict):
        return
    for entry in stack.values():
        fins = entry[0] if isinstance(entry, tuple) and entry else None
        if not isinstance(fins, list):
            continue
        seen = set()
        keep = []
        for fin in fins:
            fixture = _finished_fixture(fin)
            if fixture is not None and id(fixture) in seen:
                continue
            if fixture is not None:
                seen.add(id(fixture))
            keep.append(fin)
        fins[:] = keep


def _pytest_session(arg):
    """Config, session and the collected item of one node id, as pytest's
    wrap_session() makes them, stopped before its test loop."""
    from _pytest.config import _prepareconfig
    from _pytest.main import Session
    plugin = _Collected()
    config = _prepareconfig(_pytest_args(arg, _options['rootdir']),
                            plugins=[plugin])
    if hasattr(Session, 'from_config'):
        session = Session.from_config(config)
    else:
        session = Session(config)
    session.exitstatus = 0
    config._do_configure()
    config.hook.pytest_sessionstart(session=session)
    config.hook.pytest_collection(session=session)
    if plugin.failed:
        nodeid, _, text = plugin.failed[0]
        raise _failure('load', text)
    if plugin.skipped:
        raise _Skip(plugin.skipped[0][2])
    items = list(session.items)
    if len(items) != 1:
        raise TestFailure('load', None, '%s selects %d tests, not one'
                          % (arg, len(items)), None)
    return _PytestTest(config, session, items[0])


def _pytest_load(arg):
    try:
        import pytest
    except ImportError as e:
        raise _Skip(_pytest_missing(e))
    _support().set_provides([('test runner', ['pytest'])])
    return _pytest_session(arg)


# --- unittest --------------------------------------------------------------

def _flatten(suite, out):
    for test in suite:
        if hasattr(test, '__iter__'):
            _flatten(test, out)
        else:
            out.append(test)
    return out


def _unittest_suite(loader, module, obj):
    import inspect
    import unittest
    if obj is module and getattr(module, '__path__', None):
        top = os.path.dirname(os.path.abspath(module.__file__))
        for _ in module.__name__.split('.'):
            top = os.path.dirname(top)
        return loader.discover(os.path.dirname(module.__file__),
                               top_level_dir=top)
    if inspect.ismodule(obj):
        return loader.loadTestsFromModule(obj)
    if isinstance(obj, type) and issubclass(obj, unittest.TestCase):
        return loader.loadTestsFromTestCase(obj)
    return None


def _keyword_match(test_id):
    pattern = _options['keyword']
    if pattern is None:
        return True
    import fnmatch
    if '*' not in pattern:
        pattern = '*%s*' % pattern
    return fnmatch.fnmatchcase(test_id, pattern)


def _failed_import(test, loader):
    """A loader's stand-in for a module that did not import: its name and
    the traceback, or None for a real test."""
    if type(test).__module__ != 'unittest.loader':
        return None
    name = getattr(test, '_testMethodName', '?')
    for text in getattr(loader, 'errors', ()):
        if name in text:
            return name, text
    exc = getattr(test, '_exception', None)
    return name, _format_exception(exc) if exc is not None else name


def _unittest_collect(name):
    import unittest
    module, parent, obj, error = _resolve(name)
    if error is not None and error[0] == 'nothing':
        return [_nothing(error[1])]
    if error is not None:
        text = _format_exception(error[2])
        return [_collect_error(error[1], None, _last_line(text), text)]
    loader = unittest.TestLoader()
    if isinstance(parent, type) and issubclass(parent, unittest.TestCase) \
            and callable(obj):
        tests = [parent(obj.__name__)]
    else:
        suite = _unittest_suite(loader, module, obj)
        if suite is None:
            return [_nothing('%s is not a module, package, TestCase class '
                             'or test method' % name)]
        tests = _flatten(suite, [])
    records = []
    for test in tests:
        broken = _failed_import(test, loader)
        if broken is not None:
            records.append(_collect_error(broken[0], None,
                                          _last_line(broken[1]), broken[1]))
        elif _keyword_match(test.id()):
            mod = sys.modules.get(type(test).__module__)
            records.append(_test_rec(test.id(), 'unittest:' + test.id(),
                                     getattr(mod, '__file__', None)))
    if not records:
        records.append(_nothing('no test in %s matches -k %s'
                                % (name, _options['keyword'])
                                if _options['keyword'] is not None else
                                'no test found in %s' % name))
    return records


class _UnittestTest(object):
    """One TestCase method: a fresh case run per iteration."""

    def __init__(self, cls, method):
        self.cls = cls
        self.method = method
        self.module = sys.modules.get(cls.__module__)

    def start(self):
        """setUpModule and setUpClass, once, as a suite runs them."""
        import unittest
        try:
            fn = getattr(self.module, 'setUpModule', None)
            if fn is not None:
                fn()
            self.cls.setUpClass()
        except unittest.SkipTest as e:
            raise _Skip(str(e))
        except Exception as e:
            raise _failure('setup', _format_exception(e))

    def run(self):
        import unittest
        result = unittest.TestResult()
        self.cls(self.method).run(result)
        for kind in ('errors', 'failures'):
            for _, text in getattr(result, kind):
                raise _failure('call', text)
        if result.unexpectedSuccesses:
            raise TestFailure('call', None, 'unexpected success (the test '
                              'is marked expectedFailure)', None)
        for _, reason in result.skipped:
            raise _Skip(reason)

    def finish(self):
        import unittest
        self.cls.tearDownClass()
        if hasattr(self.cls, 'doClassCleanups'):
            self.cls.doClassCleanups()
        fn = getattr(self.module, 'tearDownModule', None)
        if fn is not None:
            fn()
        if hasattr(unittest.case, 'doModuleCleanups'):
            unittest.case.doModuleCleanups()


def _unittest_load(name):
    import unittest
    module, parent, obj, error = _resolve(name)
    if error is not None and error[0] == 'nothing':
        raise TestFailure('load', None, error[1], None)
    if error is not None:
        raise _failure('load', _format_exception(error[2]))
    if not (isinstance(parent, type) and
            issubclass(parent, unittest.TestCase) and callable(obj)):
        raise TestFailure('load', None, '%s is not a test method of a '
                          'TestCase class' % name, None)
    test = _UnittestTest(parent, obj.__name__)
    test.start()
    return test


# --- callables -------------------------------------------------------------

def _call_resolve(spec):
    modname, sep, attr = spec.partition(':')
    if not sep or not modname or not attr:
        return None, ('nothing', 'call:%s: expected call:MODULE:FUNCTION'
                      % spec)
    module, parent, obj, error = _resolve(modname + '.' + attr)
    if error is None and (obj is None or not callable(obj)):
        error = ('nothing', '%s is not callable' % spec)
    if error is None and module.__name__ != modname:
        error = ('nothing', 'no module named %r' % modname)
    return obj, error


def _call_collect(spec):
    obj, error = _call_resolve(spec)
    if error is not None and error[0] == 'nothing':
        return [_nothing(error[1])]
    if error is not None:
        text = _format_exception(error[2])
        return [_collect_error(error[1], None, _last_line(text), text)]
    mod = sys.modules.get(spec.partition(':')[0])
    return [_test_rec(spec, 'call:' + spec, getattr(mod, '__file__', None))]


class _CallTest(object):
    def __init__(self, fn):
        self.fn = fn

    def run(self):
        self.fn()

    def finish(self):
        pass


def _call_load(spec):
    obj, error = _call_resolve(spec)
    if error is not None and error[0] == 'nothing':
        raise TestFailure('load', None, error[1], None)
    if error is not None:
        raise _failure('load', _format_exception(error[2]))
    return _CallTest(obj)


# --- one test as a scenario --------------------------------------------------

def _iterate(test):
    test.run()


def _teardown(test):
    test.finish()


def _time_per_run(test):
    """Runs the test once, cold, then (when that was quick) again until
    0.2 s or 200 runs have passed: the median of the later half of the
    warm runs, or the cold one's time for a slow test.  The mean of the
    first 50 was three times a run's steady time for a 20 us test under
    pytest on 3.12.1 (first runs fill caches; a burst of load lands in
    the mean), so its rounds took a third of the budget."""
    t0 = time.time()
    test.run()
    took = time.time() - t0
    if took >= 0.05:
        return took
    times = []
    start = time.time()
    while len(times) < 200 and time.time() - start < 0.2:
        t0 = time.time()
        test.run()
        times.append(time.time() - t0)
    later = sorted(times[len(times) // 2:])
    return later[len(later) // 2]


def _iterations(test, rounds):
    """The iterations per round that make the rounds take about the
    budget: a 2 s test gets 1, a 20 us one the most there are.  Returns
    (iterations, seconds per run)."""
    took = _time_per_run(test)
    budget = _options['budget']
    most = _options['max_iterations']
    n = int(budget / (max(took, 1e-7) * rounds))
    return max(1, min(most, n)), took


_LOADERS = {'pytest': _pytest_load, 'unittest': _unittest_load,
            'call': _call_load}


def _measured(test, kind, rest, iterations, warmup, rounds):
    """(record pairs, iterations) of a loaded test, timed; or raises."""
    if iterations < 0:
        iterations, took = _iterations(test, warmup + rounds)
    else:
        took = _time_per_run(test)
    info = collections.OrderedDict([
        ('framework', kind), ('id', rest), ('seconds_per_run', took),
        ('budget_s', _options['budget'])])
    return info, iterations


def load(target, iterations, warmup, rounds, max_rounds):
    """support.load() for a test target: (status, record, payload) as it
    returns them.  The test runs here first (_time_per_run()), so that a
    skip, a failure or a broken import is known before any round, and its
    time per run chooses the iterations unless they were given."""
    global _threads_before, _ended_cleanly
    sup = _support()
    _threads_before = set(threading.enumerate())
    _ended_cleanly = False
    sup._add_lib_dir()
    _import_path(target)
    kind, _, rest = target.partition(':')
    test = None
    try:
        test = _LOADERS[kind](rest)
        info, iterations = _measured(test, kind, rest, iterations, warmup,
                                     rounds)
    except _Skip as e:
        _end_cleanly(test)
        return sup.LOAD_SKIP, _rec('skip', [('reason', str(e))]), None
    except BaseException as e:
        record = sup.error_record('load', e)
        _end_cleanly(test if isinstance(e, Exception) else None)
        return sup.LOAD_ERROR, record, None
    sup.note_modules()
    record = _rec('scenario', [
        ('path', target), ('title', None), ('params', {}),
        ('iterations', iterations), ('warmup', warmup), ('rounds', rounds),
        ('max_rounds', max_rounds), ('test', info),
        ('provides', sup.provides_list(sup._entries(sup._candidates())))])
    return (sup.LOAD_OK, record,
            (lambda params: test, _iterate, _teardown, None, {}, iterations,
             warmup))


def _end_cleanly(test):
    """After a test that skipped or failed in load(): its teardown, as its
    framework goes on after such a test (pytest's finalizers, unittest's
    tearDownClass and tearDownModule), so that a runner that serves many
    tests may serve the next one.  test is None when it never loaded (a
    collection or setUpClass that failed: what it left is unknown)."""
    global _ended_cleanly
    if test is None:
        return
    try:
        test.finish()
    except BaseException as e:
        sys.stderr.write('leakmatrix: the test\'s teardown failed after it '
                         'ended: %s: %s\n' % (type(e).__name__, e))
        return
    _ended_cleanly = _left_behind() is None


def ended_cleanly():
    """Whether the test load() last reported as skipped or failed was torn
    down without an error and left no thread or process running: the
    runner may then serve another test (the served record)."""
    return _ended_cleanly


# --- what a test leaves behind ---------------------------------------------

def _children():
    """This process's children, as "pid name: command line"."""
    me = str(os.getpid())
    out = []
    try:
        pids = [p for p in os.listdir('/proc') if p.isdigit()]
    except OSError:
        return out
    for pid in pids:
        try:
            with open('/proc/%s/stat' % pid) as f:
                stat = f.read()
            with open('/proc/%s/cmdline' % pid, 'rb') as f:
                cmd = f.read().replace(b'\0', b' ').strip()
        except (IOError, OSError):
            continue
        name, _, after = stat.rpartition(')')
        if after.split()[1:2] == [me]:
            out.append('%s %s: %s' % (pid, name.partition('(')[2],
                                      cmd.decode('utf-8', 'replace')[:200]))
    return out


def _left_behind():
    """(threads, children) the test left running, or None when none."""
    if _threads_before is None:
        return None
    threads = [t for t in threading.enumerate()
               if t not in _threads_before and t.is_alive()]
    children = _children()
    if not threads and not children:
        return None
    return threads, children


def leftovers_record():
    """The leftovers record when the test left threads or child processes
    running, else None; and whether a thread that is not a daemon is among
    them (the interpreter would wait for it at exit: the runner then exits
    without finalizing)."""
    left = _left_behind()
    if left is None:
        return None, False
    threads, children = left
    names = ['%s%s' % (t.name, ' (daemon)' if t.daemon else '')
             for t in threads]
    return (_rec('leftovers', [('threads', names),
                               ('processes', children)]),
            any(not t.daemon for t in threads))
