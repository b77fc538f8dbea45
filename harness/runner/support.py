"""Python side of the leakmatrix runner, embedded as _leakmatrix_support.

Loads the scenario (REQUIRES, PARAMS and --set, ITERATIONS, WARMUP), renders the
records that are not measurements (hello, scenario, skip, error, imports) as
JSON lines, and finds which file and distribution each imported module came
from.  The round loop and every reading stay in C (runner_round.c, probe.c).
This file must parse on Python 3.4: no f-strings, annotations or walrus.
"""

import _ast
import collections
import json
import os
import sys
import sysconfig
import types

SCENARIO_MODULE = '__leakmatrix_scenario__'

# Status codes of load(); runner_main.c has the same numbers.
LOAD_OK = 0
LOAD_ERROR = 1
LOAD_USAGE = 2
LOAD_SKIP = 3

_SELF = (lambda: None).__code__.co_filename
# Our frames, left out of a scenario's tracebacks: this file's and the
# tests' module's (testing.py, embedded beside it).
_HARNESS = (_SELF, '<leakmatrix-testing>')

_modules_before = None
_path_at_first = None
_modules_seen = collections.OrderedDict()
_modules_new = set()
_modules_frozen = False
_scenario_dir = None
_stdlib_dirs = None
_lib_dir = None
_provides = None


class _Usage(Exception):
    """A scenario or --set value that cannot be used; no traceback wanted."""


def _dumps(obj):
    return json.dumps(obj, separators=(',', ':'), allow_nan=False,
                      default=repr)


def _record(kind, pairs):
    rec = collections.OrderedDict([('t', kind)])
    for key, value in pairs:
        rec[key] = value
    return _dumps(rec)


def _safe_str(obj):
    try:
        return str(obj)
    except Exception:
        return '<unprintable %s>' % type(obj).__name__


def _type_name(cls):
    module = getattr(cls, '__module__', None)
    name = getattr(cls, '__qualname__', None) or cls.__name__
    if module in (None, 'builtins', '__builtin__'):
        return name
    return '%s.%s' % (module, name)


def init():
    """Called once after start-up: fatal signals print a Python traceback,
    and SIGUSR1 prints every thread's stack (the front end sends it to a
    runner that timed out, before killing it, to show where it hung)."""
    import faulthandler
    import signal
    try:
        faulthandler.enable()
        faulthandler.register(signal.SIGUSR1, all_threads=True)
    except Exception as e:
        sys.stderr.write('leakmatrix-run: cannot enable faulthandler: %s\n'
                         % _safe_str(e))


def flush_std():
    """Flush sys.stdout and sys.stderr (records share fd 1 or 2 with them)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except Exception:
            pass


def hello_record(proto, tag, pymalloc, refdebug):
    get = sysconfig.get_config_var
    return _record('hello', [
        ('proto', proto),
        ('tag', tag),
        ('version', sys.version.split()[0]),
        ('hexversion', sys.hexversion),
        ('executable', sys.executable),
        ('prefix', sys.prefix),
        ('pid', os.getpid()),
        ('debug', bool(refdebug) or hasattr(sys, 'gettotalrefcount')),
        ('pymalloc', bool(pymalloc)),
        ('with_valgrind', bool(get('WITH_VALGRIND'))),
        ('config_args', get('CONFIG_ARGS')),
    ])


def error_record(where, exc):
    """The error record for exception exc raised in phase where.

    Takes the last note of the scenario's modules first: formatting a
    traceback imports modules of its own (linecache may import tokenize).
    """
    global _modules_frozen
    note_modules()
    _modules_frozen = True
    test = getattr(exc, 'lmx_error', None)
    if test is not None:
        # A test that failed: the framework's report, not our frames.
        where_, type_, message, text = test
        return _record('error', [('where', where_), ('kind', 'test'),
                                 ('type', type_), ('message', message),
                                 ('traceback', text)])
    tb = getattr(exc, '__traceback__', None)
    while tb is not None and tb.tb_frame.f_code.co_filename in _HARNESS:
        tb = tb.tb_next
    try:
        import traceback
        text = ''.join(traceback.format_exception(type(exc), exc, tb))
    except Exception:
        text = None
    return _record('error', [
        ('where', where),
        ('kind', 'exception'),
        ('type', _type_name(type(exc))),
        ('message', _safe_str(exc)),
        ('traceback', text),
    ])


def usage_record(where, message):
    return _record('error', [
        ('where', where),
        ('kind', 'usage'),
        ('type', None),
        ('message', message),
        ('traceback', None),
    ])


# --- loading -------------------------------------------------------------

def _static_literal(tree, name):
    """The literal assigned to name at module level, or None if none.
    The tree's node types are _ast's: ast itself is imported only when
    there is a literal to read (its import and traceback's were a third
    of a runner's start-up on 3.13 and 3.14, scripts/bench)."""
    for node in tree.body:
        if not isinstance(node, _ast.Assign):
            continue
        for target in node.targets:
            if isinstance(target, _ast.Name) and target.id == name:
                try:
                    return harness_import('ast').literal_eval(node.value)
                except ValueError:
                    return None
    return None


def _harness_call(fn, *args):
    """fn(*args), whose imports are the harness's: what it brings into
    sys.modules is left out of the scenario's imports record."""
    before = set(sys.modules)
    try:
        return fn(*args)
    finally:
        if _modules_before is not None:
            _modules_before.update(set(sys.modules) - before)


def harness_import(name):
    """Module name, imported now as the harness's (_harness_call())."""
    _harness_call(__import__, name)
    return sys.modules[name]


def _static_requires(tree):
    """REQUIRES as a literal at module level, or None if not found."""
    return _static_literal(tree, 'REQUIRES')


def _check_provides(provides):
    """PROVIDES checked: {capability: [candidate module, ...]}, as a list
    of (capability, candidates) pairs in a stable order."""
    if not isinstance(provides, dict):
        raise _Usage('PROVIDES must be a dict {capability: [module, ...]}')
    pairs = []
    for cap in sorted(provides):
        mods = provides[cap]
        if not isinstance(cap, str) or not cap or \
                isinstance(mods, str) or not isinstance(mods, (list, tuple)) \
                or not mods or \
                not all(isinstance(m, str) and m for m in mods):
            raise _Usage('PROVIDES must map a capability name to a list of '
                         'module names, not %r: %r' % (cap, mods))
        pairs.append((cap, list(mods)))
    return pairs


def _provides_skip(pairs):
    """None when every capability has a candidate that imports, else the
    skip reason, with why the first candidate that is there did not
    import (a library built for another interpreter: an undefined
    symbol)."""
    import importlib
    for cap, mods in pairs:
        broken = None
        for name in mods:
            try:
                importlib.import_module(name)
                break
            except ImportError as e:
                missing = getattr(e, 'name', None)
                absent = missing and (missing == name or
                                      name.startswith(missing + '.'))
                if broken is None and not absent:
                    broken = '%s did not import: %s' % (name, _safe_str(e))
        else:
            return 'no module provides %s (tried %s; PROVIDES)%s' % (
                cap, ', '.join(mods), '; ' + broken if broken else '')
    return None


def _add_lib_dir():
    """The cell's library set (LEAKMATRIX_LIBPATH, set by the front end)
    first on sys.path, its .pth files processed; the interpreter's own
    site-packages stays as it is, behind it."""
    global _lib_dir
    lib = os.environ.get('LEAKMATRIX_LIBPATH')
    if not lib:
        return
    import site
    _lib_dir = os.path.abspath(lib)
    sys.path.insert(0, _lib_dir)
    site.addsitedir(_lib_dir)
    # addsitedir leaves a directory already on the path where it is, but
    # a .pth file may have put one in front of it.
    sys.path.remove(_lib_dir)
    sys.path.insert(0, _lib_dir)


def _check_requires(requires):
    """None when every module in requires imports, else the skip reason."""
    import importlib
    if isinstance(requires, str) or not isinstance(requires, (list, tuple)):
        raise _Usage('REQUIRES must be a list of module names')
    for name in requires:
        if not isinstance(name, str) or not name:
            raise _Usage('REQUIRES must be a list of module names, not %r'
                         % (name,))
        try:
            importlib.import_module(name)
        except ImportError as e:
            missing = getattr(e, 'name', None)
            if missing and (missing == name or
                            name.startswith(missing + '.')):
                return 'missing module %s (REQUIRES)' % missing
            return 'cannot import %s (REQUIRES): %s' % (name, _safe_str(e))
    return None


_TRUE = ('true', '1', 'yes')
_FALSE = ('false', '0', 'no')


def _convert(name, default, text):
    if isinstance(default, bool):
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise _Usage('--set %s=%s: expected a bool (true/false/1/0/yes/no)'
                     % (name, text))
    if isinstance(default, int):
        try:
            return int(text)
        except ValueError:
            raise _Usage('--set %s=%s: expected an int' % (name, text))
    if isinstance(default, float):
        try:
            value = float(text)
        except ValueError:
            value = None
        if value is None or value != value or value in (float('inf'),
                                                        float('-inf')):
            raise _Usage('--set %s=%s: expected a finite float'
                         % (name, text))
        return value
    if default is None or isinstance(default, str):
        return text
    raise _Usage('--set %s: the default is a %s; only int, float, bool and '
                 'str parameters can be set' % (name, type(default).__name__))


def _params(defaults, sets):
    params = collections.OrderedDict()
    for name in sorted(defaults):
        params[name] = defaults[name]
    for item in sets:
        name, sep, text = item.partition('=')
        if not sep or not name:
            raise _Usage('--set %s: expected NAME=VALUE' % item)
        if name not in defaults:
            known = ', '.join(sorted(defaults)) or 'none'
            raise _Usage('--set %s: unknown parameter %s (known: %s)'
                         % (item, name, known))
        params[name] = _convert(name, defaults[name], text)
    return params


def _title(module):
    doc = module.__doc__
    if not isinstance(doc, str) or not doc.strip():
        return None
    return doc.strip().splitlines()[0].strip()


def _callable(module, name, required):
    fn = getattr(module, name, None)
    if fn is None and not required:
        return None
    if not callable(fn):
        raise _Usage('the scenario must define a function %s()' % name)
    return fn


def _int_setting(module, name, default, minimum):
    """The scenario's module-level int `name` (ITERATIONS, WARMUP)."""
    value = getattr(module, name, default)
    if (isinstance(value, bool) or not isinstance(value, int) or
            value < minimum):
        raise _Usage('%s must be an int >= %d, not %r'
                     % (name, minimum, value))
    return value


def load(path, sets, iterations, warmup, rounds, max_rounds,
         default_iterations, default_warmup):
    """Load the scenario at path, or the test a test target names
    ("pytest:...", "unittest:...", "call:...": testing.load()).

    Returns (status, record, payload): record is the JSON line to write
    (scenario, skip or error) and payload, for LOAD_OK only, is the tuple
    (setup, iterate, teardown, inspect, params, iterations, warmup),
    teardown and inspect possibly None.  iterations or warmup < 0
    (LMX_NOT_GIVEN) means "not given": the scenario's ITERATIONS or WARMUP,
    else default_iterations or default_warmup, which the runner passes
    (LMX_DEFAULT_* in base/proto.h; this file keeps no defaults).
    """
    global _modules_before, _scenario_dir, _provides, _path_at_first
    global _modules_frozen
    # Each test a runner serves (--serve) has its own imports record and
    # PROVIDES: what the tests before it imported, or an error's freeze,
    # is theirs.
    _modules_before = set(sys.modules)
    _modules_new.clear()
    _modules_frozen = False
    _provides = None
    # A runner that serves many tests (--serve) starts each from the
    # sys.path the first began with: pytest and load() put directories in
    # front, again at every test, and a longer path slows every import.
    if _path_at_first is None:
        _path_at_first = list(sys.path)
    sys.path[:] = _path_at_first
    testing = sys.modules.get('_leakmatrix_testing')
    if testing is not None and testing.is_test(path):
        if sets:
            return (LOAD_USAGE, usage_record(
                'params', '--set %s: a test has no PARAMS' % sets[0]), None)
        _scenario_dir = os.getcwd()
        if warmup < 0:
            warmup = default_warmup
        return testing.load(path, iterations, warmup, rounds, max_rounds)
    path = os.path.abspath(path)
    try:
        with open(path, 'rb') as f:
            source = f.read()
    except (IOError, OSError) as e:
        return (LOAD_USAGE, usage_record('load', 'cannot read scenario %s: %s'
                                         % (path, e.strerror or e)), None)
    _scenario_dir = os.path.dirname(path)
    sys.path.insert(0, _scenario_dir)
    sys.argv = [path]
    _add_lib_dir()

    try:
        tree = compile(source, path, 'exec', _ast.PyCF_ONLY_AST, True)
    except Exception as e:
        return LOAD_ERROR, error_record('load', e), None
    try:
        requires = _static_requires(tree)
        if requires is not None:
            reason = _check_requires(requires)
            if reason is not None:
                return LOAD_SKIP, _record('skip', [('reason', reason)]), None
        provides = _static_literal(tree, 'PROVIDES')
        if provides is not None:
            _provides = _check_provides(provides)
            reason = _provides_skip(_provides)
            if reason is not None:
                return LOAD_SKIP, _record('skip', [('reason', reason)]), None
    except _Usage as e:
        return LOAD_ERROR, usage_record('load', _safe_str(e)), None
    except BaseException as e:
        return LOAD_ERROR, error_record('load', e), None

    module = types.ModuleType(SCENARIO_MODULE)
    module.__file__ = path
    sys.modules[SCENARIO_MODULE] = module
    try:
        code = compile(tree, path, 'exec', 0, True)
        exec(code, module.__dict__)
        if requires is None and hasattr(module, 'REQUIRES'):
            reason = _check_requires(module.REQUIRES)
            if reason is not None:
                return LOAD_SKIP, _record('skip', [('reason', reason)]), None
    except _Usage as e:
        return LOAD_ERROR, usage_record('load', _safe_str(e)), None
    except BaseException as e:
        return LOAD_ERROR, error_record('load', e), None
    note_modules()

    try:
        setup = _callable(module, 'setup', True)
        iterate = _callable(module, 'iterate', True)
        teardown = _callable(module, 'teardown', False)
        inspect = _callable(module, 'inspect', False)
        defaults = getattr(module, 'PARAMS', {})
        if not isinstance(defaults, dict):
            raise _Usage('PARAMS must be a dict')
        if iterations < 0:
            iterations = _int_setting(module, 'ITERATIONS',
                                      default_iterations, 0)
        if warmup < 0:
            warmup = _int_setting(module, 'WARMUP', default_warmup, 1)
    except _Usage as e:
        return LOAD_ERROR, usage_record('load', _safe_str(e)), None
    try:
        params = _params(defaults, sets)
    except _Usage as e:
        return LOAD_USAGE, usage_record('params', _safe_str(e)), None

    record = _record('scenario', [
        ('path', path),
        ('title', _title(module)),
        ('params', params),
        ('iterations', iterations),
        ('warmup', warmup),
        ('rounds', rounds),
        ('max_rounds', max_rounds),
        ('provides', provides_list(_entries(_candidates()))),
    ])
    return (LOAD_OK, record,
            (setup, iterate, teardown, inspect, dict(params), iterations,
             warmup))


# --- provenance ----------------------------------------------------------

def _norm(path):
    return os.path.normcase(os.path.normpath(os.path.abspath(path)))


def _under(path, directory):
    return path == directory or path.startswith(directory.rstrip(os.sep)
                                                + os.sep)


def _get_stdlib_dirs():
    global _stdlib_dirs
    if _stdlib_dirs is None:
        dirs = set()
        try:
            paths = sysconfig.get_paths()
            for key in ('stdlib', 'platstdlib'):
                if paths.get(key):
                    dirs.add(_norm(os.path.realpath(paths[key])))
        except Exception:
            pass
        dirs.add(_norm(os.path.realpath(os.path.dirname(os.__file__))))
        _stdlib_dirs = sorted(dirs)
    return _stdlib_dirs


def _module_path(module):
    """(__file__ or None, the path to classify the module by or None)."""
    f = getattr(module, '__file__', None)
    if isinstance(f, str) and f:
        f = _norm(f)
        return f, f
    for p in getattr(module, '__path__', None) or ():
        if isinstance(p, str) and p:
            return None, _norm(p)
    return None, None


def _origin(name, module, where):
    if name == SCENARIO_MODULE:
        return 'scenario'
    spec = getattr(module, '__spec__', None)
    spec_origin = getattr(spec, 'origin', None)
    loader = getattr(module, '__loader__', None)
    loader_name = getattr(loader, '__name__', None) or \
        type(loader).__name__
    if (name in sys.builtin_module_names or spec_origin == 'built-in' or
            loader_name == 'BuiltinImporter'):
        return 'builtin'
    if spec_origin == 'frozen' or loader_name == 'FrozenImporter':
        return 'frozen'
    if where is None:
        return None
    return path_origin(where)


def path_origin(where):
    """Where a file or directory comes from: 'libset', 'site', 'scenario'
    or 'stdlib' (where.py classifies a traceback's files by it)."""
    real = _norm(os.path.realpath(where))
    parts = real.split(os.sep)
    if _lib_dir is not None and \
            _under(real, _norm(os.path.realpath(_lib_dir))):
        return 'libset'
    if 'site-packages' in parts or 'dist-packages' in parts:
        return 'site'
    if _scenario_dir is not None and \
            _under(real, _norm(os.path.realpath(_scenario_dir))):
        return 'scenario'
    for d in _get_stdlib_dirs():
        if _under(real, d):
            return 'stdlib'
    return 'site'


def note_modules():
    """Remember modules new in sys.modules since load() began, with their
    file and origin as they are now (a module may be removed later): in
    _modules_new, this load()'s, and _modules_seen, all the runner saw
    (the file and origin a PROVIDES module had when first seen)."""
    if _modules_before is None or _modules_frozen:
        return
    for name, module in list(sys.modules.items()):
        if module is None or name in _modules_before or \
                name in _modules_new:
            continue
        _modules_new.add(name)
        if name in _modules_seen:
            continue
        try:
            f, where = _module_path(module)
            _modules_seen[name] = (f, _origin(name, module, where))
        except Exception:
            _modules_seen[name] = (None, None)


def _index_dist(dist, files, tops):
    """One importlib.metadata distribution's files and top-level names into
    files and tops, where no distribution before it put them."""
    try:
        entry = (dist.metadata['Name'], dist.version)
    except Exception:
        return
    if not entry[0]:
        return
    try:
        listed = dist.files or ()
    except Exception:
        listed = ()
    for f in listed:
        try:
            files.setdefault(_norm(str(dist.locate_file(f))), entry)
        except Exception:
            pass
    try:
        text = dist.read_text('top_level.txt') or ''
    except Exception:
        text = ''
    for top in text.split():
        tops.setdefault(top, entry)


def _index_pkg_resources(files, tops):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        import pkg_resources
    for dist in list(pkg_resources.working_set):
        try:
            entry = (dist.project_name, dist.version)
            if dist.has_metadata('RECORD'):
                for line in dist.get_metadata_lines('RECORD'):
                    rel = line.split(',')[0]
                    files.setdefault(_norm(os.path.join(dist.location, rel)),
                                     entry)
            egg_info = getattr(dist, 'egg_info', None)
            if egg_info and dist.has_metadata('installed-files.txt'):
                for rel in dist.get_metadata_lines('installed-files.txt'):
                    files.setdefault(_norm(os.path.join(egg_info, rel)),
                                     entry)
            if dist.has_metadata('top_level.txt'):
                for top in dist.get_metadata_lines('top_level.txt'):
                    tops.setdefault(top.strip(), entry)
        except Exception:
            continue


# The distribution index ({file: (dist, version)}, {top-level name: (dist,
# version)}) is built as far as a lookup needs (_dist_of), and kept while
# sys.path stays the same: the distributions in importlib.metadata's order
# (sys.path's), one at a time, until one lists the file asked for.  The
# first to list a file keeps it, so a file found cannot change hands later
# and the answers are those of the whole index; a file that none lists
# still indexes them all.  The whole index costs 0.6 s on a pyenv 3.11.7
# (100 distributions, 39,000 files) and 40 s under valgrind, and was built
# twice a cell (scenario and imports records): 80 s of a 90 s --valgrind
# lz4 cell, whose library set's modules are found in the set's own two
# distributions, first on sys.path.
_index = None


def _dist_source():
    """importlib.metadata's distributions on sys.path, an iterator, or
    None when there is no importlib.metadata (3.6, 3.7)."""
    try:
        from importlib import metadata
    except ImportError:
        try:
            import importlib_metadata as metadata
        except ImportError:
            return None
    return iter(metadata.distributions())


def _index_more(index):
    """Indexes the next distribution (pkg_resources': all of them) into
    index; False when none is left, or listing them failed (what was
    indexed stays)."""
    if index['done']:
        return False
    before = set(sys.modules)
    try:
        if index['dists'] is None:
            index['dists'] = _dist_source()
            if index['dists'] is None:
                index['done'] = True
                _index_pkg_resources(index['files'], index['tops'])
                return False
        _index_dist(next(index['dists']), index['files'], index['tops'])
        return True
    except Exception:            # StopIteration too: all indexed
        index['done'] = True
        return False
    finally:
        # What the lookup itself imported (pkg_resources on 3.6 and 3.7)
        # is the harness's, not the scenario's.
        if _modules_before is not None:
            _modules_before.update(set(sys.modules) - before)


def _dist_of(f, name):
    """(dist, version) of the distribution that installed module name,
    whose file is f (None: it has none), or None when none did."""
    global _index
    if _index is None or _index['path'] != tuple(sys.path):
        _index = {'path': tuple(sys.path), 'files': {}, 'tops': {},
                  'dists': None, 'done': False}
    files, tops = _index['files'], _index['tops']
    while (f is None or f not in files) and _index_more(_index):
        pass
    found = None
    if f is not None:
        found = files.get(f) or files.get(_norm(os.path.realpath(f)))
    if found is None:
        found = tops.get(name.split('.')[0])
    return found


_dist_dirs = {}


def _has_dist_metadata(directory):
    if directory not in _dist_dirs:
        try:
            names = os.listdir(directory)
        except OSError:
            names = []
        _dist_dirs[directory] = any(
            n.endswith(('.dist-info', '.egg-info')) for n in names)
    return _dist_dirs[directory]


def _may_have_dist(f):
    """Whether a directory a few levels above f holds distribution metadata:
    only then can the index name f's distribution.  Indexing every file of
    every installed distribution costs 0.2 s on a pyenv 3.11.7 (39,000
    files) and 20 s under valgrind, for an extension loaded from a build
    directory (the fixture module) that no distribution installed."""
    d = os.path.dirname(f)
    for _ in range(6):
        if _has_dist_metadata(d):
            return True
        parent = os.path.dirname(d)
        if parent == d:
            break
        d = parent
    return False


def _entries(names=None):
    """Entries of the imports record for the modules seen (only those in
    names, when given): name, file, origin, distribution and version."""
    modules = []
    for name, (f, origin) in _modules_seen.items():
        if names is not None and name not in names:
            continue
        dist = version = None
        # A library set's module is always looked up; a site module only
        # where distribution metadata can be near (_may_have_dist).
        if origin == 'libset' or (origin == 'site' and
                                  (f is None or _may_have_dist(f))):
            found = _dist_of(f, name)
            if found is not None:
                dist, version = found
        modules.append(collections.OrderedDict([
            ('name', name), ('file', f), ('origin', origin),
            ('dist', dist), ('version', version)]))
    return modules


def set_provides(pairs):
    """PROVIDES given by the runner itself ([(capability, [module, ...])],
    as _check_provides() returns): a test's runner says which pytest ran
    through it."""
    global _provides
    _provides = pairs


def _candidates():
    names = set()
    for _, mods in _provides or ():
        names.update(mods)
    return names


def imports_record():
    """The imports record: every module that appeared since load() began,
    and which of them provided each PROVIDES capability.  In a runner that
    serves many tests, a test's own: the modules new since its load(), not
    those an earlier test in the runner imported; what the test imported
    that was loaded already is not knowable (the import system keeps no
    record of who asked), so a module every test uses is in the record of
    the first test that imported it only.  Its provides still name the
    module that provided each capability, wherever the runner saw it
    first."""
    note_modules()
    modules = _entries(_modules_new | _candidates())
    return _record('imports', [
        ('modules', [m for m in modules if m['name'] in _modules_new]),
        ('provides', provides_list(modules))])


def provides_list(modules):
    """For each PROVIDES capability, the first candidate the cell really
    imported, with the file and distribution it came from (from modules,
    the imports record's list, when given), or None when none was."""
    if _provides is None:
        return None
    by_name = {}
    for m in modules or ():
        by_name[m['name']] = m
    out = []
    for cap, mods in _provides:
        found = None
        for name in mods:
            if sys.modules.get(name) is not None or name in by_name:
                found = name
                break
        entry = by_name.get(found, {})
        out.append(collections.OrderedDict([
            ('capability', cap), ('candidates', mods), ('module', found),
            ('origin', entry.get('origin')), ('dist', entry.get('dist')),
            ('version', entry.get('version')), ('used', _used(cap))]))
    return out


def _used(cap):
    """What the scenario's PROVIDES_USED (a dict its setup() may fill)
    says of how it used cap in this cell, as a one-line string, or None."""
    module = sys.modules.get(SCENARIO_MODULE)
    used = getattr(module, 'PROVIDES_USED', None)
    if not isinstance(used, dict) or used.get(cap) is None:
        return None
    return ' '.join(_safe_str(used[cap]).split())[:300]
