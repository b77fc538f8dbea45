"""What grew and where, for the leakmatrix runner (_leakmatrix_where).

Every mode: at each round end, once the probes have read (nothing here
runs between readings), the fds by what /proc/self/fd says they point at,
the threads by name and target, and the garbage the collector could not
free (gc.garbage) by type, each as its difference from the baseline (the
last warm-up round): the round record's "grew" (base/proto.h).  With
--trace: tracemalloc, started with the last warm-up round, a snapshot at
each round end grouped by traceback, and the sites whose size and count
grew in every counted round: the trace record.  The verdicts come from the
probes; this only names what they found.  Must parse on Python 3.4.
"""

import gc
import linecache
import os
import re
import sys

# Most names of one kind in a round record, the fastest growing first.
NAMES_MAX = 16
# Most allocation sites in the trace record, the fastest growing first.
SITES_MAX = 8
# Most object types named beside a site (with --census).
TYPES_MAX = 3

_SELF = (lambda: None).__code__.co_filename
_DIGITS = re.compile(r'\d+')
_FD_KIND = re.compile(r'^(socket|pipe|anon_inode):\[\d+\]$')

_support = None
_trace = None
_base = None            # {kind: {name: count}} at the baseline
_base_fds = None        # the fd numbers open at the baseline
_functions = {}         # file -> [(first line, last line, qualname)]


def init(support, trace, frames):
    """Called once before the scenario loads; with trace, imports
    tracemalloc now, so that the scenario's imports do not list it."""
    global _support, _trace
    _support = support
    if trace:
        _trace = _Trace(frames)


# --- names: fds, threads, garbage ------------------------------------------

# What runs at every round end calls no Python function per fd, thread or
# object, only once per round: up to 3.10 a function called 1,024 times
# gets an opcache (two blocks), and a function called per thread got it
# in the fifth counted round of pythreadleak.py, 8 blocks at once.  And
# nothing here makes a text file object: making TextIOWrappers moved
# None's refcount, down by 8 to 15 a round in the first rounds of a cell
# with native threads (3.10.13).

def _fd_targets():
    """{fd: what it points at}; {} where /proc/self/fd cannot be read."""
    out = {}
    try:
        names = os.listdir('/proc/self/fd')
    except OSError:
        return out
    for name in names:
        try:
            out[int(name)] = os.readlink('/proc/self/fd/' + name)
        except (OSError, ValueError):
            pass    # the listing's own descriptor, closed since
    return out


def _fd_names(targets):
    """{name: count} of fd targets: a socket or pipe by its kind (each has
    an inode of its own: 'socket:[123]' -> 'socket:[...]'), a path by
    itself, its bytes that are not UTF-8 as U+FFFD."""
    out = {}
    for target in targets:
        m = _FD_KIND.match(target)
        if m:
            name = m.group(1) + ':[...]'
        else:
            name = target.encode('utf-8', 'surrogateescape').decode(
                'utf-8', 'replace')
        out[name] = out.get(name, 0) + 1
    return out


def _python_threads():
    """{name: count} of the threading module's threads but the main one,
    by name (digits as N) and target, and the set of their native ids
    (3.8+; {None} before)."""
    names = {}
    ids = set()
    threading = sys.modules.get('threading')
    if threading is None:
        return names, ids
    main = threading.main_thread()
    for t in threading.enumerate():
        ids.add(getattr(t, 'native_id', None))
        if t is main:
            continue
        fn = getattr(t, '_target', None)
        if fn is None:
            fn = getattr(type(t), 'run', None)
        fn = getattr(fn, '__func__', fn)
        fn = getattr(fn, 'func', fn)          # functools.partial
        code = getattr(fn, '__code__', None)
        key = "'%s'" % _DIGITS.sub('N', str(t.name))
        if code is not None:
            key += ' running %s (%s:%d)' % (
                getattr(fn, '__qualname__', None) or code.co_name,
                code.co_filename.rsplit(os.sep, 1)[-1], code.co_firstlineno)
        key = key.encode('utf-8', 'surrogateescape').decode('utf-8',
                                                            'replace')
        names[key] = names.get(key, 0) + 1
    return names, ids


def _threads():
    """{name: count} of the process's threads but the main one: Python's
    (_python_threads()), the others by their OS name, read with
    os.read()."""
    names, ids = _python_threads()
    try:
        tids = os.listdir('/proc/self/task')
    except OSError:
        return names
    if None in ids:
        # No native ids before 3.8: the threads Python does not know are
        # only a count.
        extra = len(tids) - 1 - sum(names.values())
        if extra > 0:
            names['not started by Python (no native ids before '
                  '3.8)'] = extra
        return names
    pid = os.getpid()
    for tid in tids:
        if int(tid) == pid or int(tid) in ids:
            continue
        comm = b'?'
        try:
            fd = os.open('/proc/self/task/%s/comm' % tid, os.O_RDONLY)
            try:
                comm = os.read(fd, 64).strip()
            finally:
                os.close(fd)
        except OSError:
            pass
        key = "'%s' (not started by Python)" % comm.decode('utf-8',
                                                           'replace')
        names[key] = names.get(key, 0) + 1
    return names


def _garbage():
    """{type: count} of gc.garbage, the type named as support.py does."""
    out = {}
    for obj in gc.garbage:
        cls = type(obj)
        module = getattr(cls, '__module__', None)
        name = getattr(cls, '__qualname__', None) or cls.__name__
        if module not in (None, 'builtins', '__builtin__'):
            name = '%s.%s' % (module, name)
        out[name] = out.get(name, 0) + 1
    return out


def _counts():
    return {'fds': _fd_names(_fd_targets().values()),
            'threads': _threads(), 'garbage': _garbage()}


def _deltas(now):
    """{kind: {name: now - baseline}} without the names that did not move,
    at most NAMES_MAX a kind; None when nothing moved."""
    out = {}
    for kind in ('fds', 'threads', 'garbage'):
        base, cur = _base.get(kind, {}), now.get(kind, {})
        moved = []
        for name in set(base) | set(cur):
            d = cur.get(name, 0) - base.get(name, 0)
            if d:
                moved.append((-abs(d), name, d))
        moved.sort()
        if moved:
            names = out[kind] = {}
            for _, name, d in moved[:NAMES_MAX]:
                names[name] = d
    return out or None


def prepare():
    """After setup(): the first reading of the names, so that its baseline
    exists before the first reading of the probes that sees it, and a
    first call of every function a round end may call: up to 3.10 a
    function's first call leaves a frame behind for the next, a block
    that would otherwise appear in the round that first named a thread or
    rendered a "grew"."""
    global _base, _base_fds
    _base = _counts()
    _base_fds = set(_fd_targets())
    _support._dumps(_deltas({'fds': {'warm-up': 1}}) or {})


def round_begin(last_warmup):
    """Before a round's iterations: tracing starts with the last warm-up
    round (the baseline), so the probes' baseline carries tracemalloc's
    own memory as every counted round does."""
    if _trace is not None and last_warmup:
        _trace.start()


def round_end(counted):
    """After a round's readings: the round record's "grew" as JSON text,
    or None; a warm-up round makes the baseline.  With --trace, the
    round's snapshot."""
    global _base, _base_fds
    out = None
    if counted:
        out = _deltas(_counts())
    else:
        _base = _counts()
        _base_fds = set(_fd_targets())
    if _trace is not None:
        _trace.step(counted)
    return _support._dumps(out) if out else None


# --- frames ----------------------------------------------------------------

def _text(s):
    """s fit for JSON: a path's bytes that are not UTF-8 (surrogate
    escapes) become U+FFFD instead of breaking the record."""
    try:
        return s.encode('utf-8', 'surrogateescape').decode('utf-8',
                                                           'replace')
    except (UnicodeError, AttributeError):
        return _support._safe_str(s)


def _spans(filename):
    """[(first line, last line, qualname)] of the functions and classes
    defined in filename, parsed once; None when it cannot be parsed."""
    if filename in _functions:
        return _functions[filename]
    ast = _support.harness_import('ast')
    try:
        with open(filename, 'rb') as f:
            tree = ast.parse(f.read(), filename)
    except Exception:
        _functions[filename] = None
        return None
    spans = []
    stack = [('', tree)]
    while stack:
        prefix, node = stack.pop()
        for child in ast.iter_child_nodes(node):
            if type(child).__name__ in ('FunctionDef', 'AsyncFunctionDef',
                                        'ClassDef'):
                name = prefix + child.name
                last = getattr(child, 'end_lineno', None) or max(
                    getattr(n, 'lineno', 0) for n in ast.walk(child))
                spans.append((child.lineno, last, name))
                stack.append((name + '.', child))
            else:
                stack.append((prefix, child))
    _functions[filename] = spans
    return spans


def _function(filename, line):
    """The innermost function or class around line, '<module>' outside
    any, None for a file that cannot be parsed."""
    spans = None if filename.startswith('<') else _spans(filename)
    if spans is None:
        return None
    best = None
    for first, last, name in spans:
        if first <= line <= last and (best is None or first >= best[0]):
            best = (first, name)
    return best[1] if best else '<module>'


def _short(path):
    """path relative to the sys.path entry it is under (the longest), as
    an import would name it: kafka/codec.py; else path itself."""
    best = None
    for entry in sys.path:
        if not isinstance(entry, str) or not entry:
            continue
        entry = os.path.abspath(entry).rstrip(os.sep) + os.sep
        if path.startswith(entry) and (best is None or len(entry) >
                                       len(best)):
            best = entry
    return path[len(best):] if best else path


def _frame(filename, line):
    source = linecache.getline(filename, line).strip() or None
    origin = None
    if filename.startswith('<'):
        origin = 'frozen'
    elif _support is not None:
        try:
            origin = _support.path_origin(filename)
        except Exception:
            origin = None
    return {'file': _text(_short(filename)), 'path': _text(filename),
            'line': line, 'function': _function(filename, line),
            'source': _text(source) if source else None, 'origin': origin}


def _frames(traceback):
    """A raw tracemalloc traceback (_tracemalloc's tuple of (filename,
    lineno), innermost first) as frame objects, and the index of the site:
    the innermost frame in the scenario's, a test's or a library's code
    (not the standard library's), else 0.  The harness's frames (those of
    testing.py, below a test's) are left out."""
    out = [_frame(filename, lineno) for filename, lineno in traceback
           if not filename.startswith('<leakmatrix-')]
    for i, f in enumerate(out):
        if f['origin'] in ('scenario', 'libset', 'site'):
            return out, i
    return out, 0


# --- tracing ---------------------------------------------------------------

class _Trace(object):
    """tracemalloc from the last warm-up round on: each round end's live
    memory by traceback, in how many counted rounds each grew in size and
    count, and its size and count at the baseline.

    What it leaves between rounds is what the probes read with it, so it
    leaves the same every round:
    - one array('q'), two blocks however many tracebacks it holds (a dict
      of them moved blocks by dozens a round, enough to hide a leak of a
      block per 200 iterations).  Each entry is six numbers: the
      traceback's hash, its size and count, the counted rounds it grew in,
      and its size and count at the baseline (0 for one that was not
      there); a first entry of zeros keeps the array from ever being empty
      (an empty one has no buffer: a block fewer);
    - no cache and no new code: the traces come raw from _tracemalloc,
      grouped and filtered here in loops that call no Python function per
      trace.  Up to 3.10 a function's first call leaves its frame behind
      for the next (a block); tracemalloc.Snapshot.statistics() called
      Traceback.__lt__ the first time two sites tied, rounds into a cell,
      and Filter's fnmatch patterns stayed in fnmatch's cache.  start()
      runs a first step before the baseline is read, so every function
      here has been called by then."""

    WIDTH = 6

    def __init__(self, frames):
        import array
        import tracemalloc
        self.tm = tracemalloc
        self.array = array.array
        self.nframes = frames
        self.state = self.array('q', [0] * self.WIDTH)
        self.rounds = 0
        self.harness = None

    def start(self):
        own = self.tm.__file__
        if own.endswith('.pyc'):
            own = own[:-1]
        self.harness = frozenset([_SELF, _support._SELF, own, '<unknown>'])
        self.tm.start(self.nframes)
        self.step(False)

    def _summary(self):
        """{traceback: [size, count]} of the live traced memory but the
        harness's, a traceback being _tracemalloc's raw tuple of
        (filename, lineno), innermost first."""
        harness = self.harness
        out = {}
        for trace in self.tm._get_traces():
            # (size, tb) on 3.4 and 3.5; (domain, size, tb); from 3.9
            # (domain, size, tb, total_nframe)
            n = len(trace)
            size = trace[0] if n == 2 else trace[1]
            tb = trace[1] if n == 2 else trace[2]
            # The harness's own allocations; not what merely passes through
            # its frames (a test's, which testing.py calls)
            if not tb or tb[0][0] in harness or \
                    tb[0][0].startswith('<leakmatrix-'):
                continue
            seen = out.get(tb)
            if seen is None:
                out[tb] = [size, 1]
            else:
                seen[0] += size
                seen[1] += 1
        return out

    def _entries(self):
        """The state as {hash: (size, count, rounds grown, base size, base
        count)}."""
        w, st = self.WIDTH, self.state
        out = {}
        for i in range(w, len(st), w):
            out[st[i]] = (st[i + 1], st[i + 2], st[i + 3], st[i + 4],
                          st[i + 5])
        return out

    def step(self, counted):
        if not self.tm.is_tracing():
            return
        now = self._summary()
        prev = self._entries()
        if not counted:
            prev = {}
        first = self.rounds == 0
        state = self.array('q', [0] * self.WIDTH)
        hashed = {}
        for tb in now:
            hashed[hash(tb)] = now[tb]
        for h in sorted(hashed):
            size, count = hashed[h]
            psize, pcount, grown, bsize, bcount = prev.get(
                h, (0, 0, 0, 0, 0))
            if first:
                bsize, bcount = psize, pcount
            if counted and size > psize and count > pcount:
                grown += 1
            state.extend((h, size, count, grown, bsize, bcount))
        self.state = state
        self.rounds = self.rounds + 1 if counted else 0

    def sites(self, iterations):
        """The sites that grew in every counted round, fastest first; when
        none did, those that grew in size and count since the baseline and
        in at least half the rounds (a slow leak's, or noise: the front
        end says them only for a cell with a finding)."""
        tracebacks = dict((hash(tb), tb) for tb in self._summary())
        every, most = [], []
        for h, (size, count, grown, bsize, bcount) in \
                self._entries().items():
            if h not in tracebacks or size <= bsize or count <= bcount:
                continue
            site = (size - bsize, count - bcount, grown, tracebacks[h])
            if grown == self.rounds:
                every.append(site)
            elif 2 * grown >= self.rounds:
                most.append(site)
        found = sorted(every or most, key=lambda s: (-s[0], -s[1]))
        out = []
        for size, count, grown, tb in found[:SITES_MAX]:
            frames, at = _frames(tb)
            out.append({'bytes': size, 'blocks': count,
                        'bytes_per_iteration': float(size) / iterations,
                        'blocks_per_iteration': float(count) / iterations,
                        'rounds_growing': grown, 'frames': frames,
                        'at': at, '_tb': tb})
        return out

    def stop(self):
        self.state = self.array('q', [0] * self.WIDTH)
        if self.tm.is_tracing():
            self.tm.stop()


def _types_at(sites):
    """With --census: beside each site, the types of the live gc objects
    allocated there (_tracemalloc's raw get_object_traceback()), most
    first."""
    by_tb = dict((s['_tb'], {}) for s in sites)
    get = _trace.tm._get_object_traceback
    for obj in gc.get_objects():
        counts = by_tb.get(get(obj))
        if counts is not None:
            name = _support._type_name(type(obj))
            counts[name] = counts.get(name, 0) + 1
    for s in sites:
        counts = sorted(by_tb[s['_tb']].items(), key=lambda kv: -kv[1])
        s['types'] = [{'type': k, 'live': v} for k, v in counts[:TYPES_MAX]]


def _fd_holders():
    """{fd: traceback} for the fds opened since the baseline that a file
    or socket object holds, from where tracemalloc saw it made."""
    import io
    kinds = [io.IOBase]
    sock = sys.modules.get('_socket')
    if sock is not None:
        kinds.append(sock.socket)
    kinds = tuple(kinds)
    new = set(_fd_targets()) - (_base_fds or set())
    found = {}
    get = _trace.tm._get_object_traceback
    for obj in gc.get_objects():
        if not isinstance(obj, kinds):
            continue
        try:
            fd = obj.fileno()
        except Exception:
            continue
        if fd in new and fd not in found:
            tb = get(obj)
            if tb is not None:
                found[fd] = tb
    return new, found


def _opened():
    """Where the fds opened since the baseline were opened: per name and
    place, how many; and how many no Python object holds (os.open, C)."""
    new, holders = _fd_holders()
    targets = _fd_targets()
    groups = {}
    bare = 0
    for fd in new:
        if fd not in targets:
            continue
        tb = holders.get(fd)
        if tb is None:
            bare += 1
            continue
        key = (list(_fd_names([targets[fd]]))[0], tb)
        groups[key] = groups.get(key, 0) + 1
    out = []
    for (name, tb), count in sorted(groups.items(), key=lambda g: -g[1]):
        frames, at = _frames(tb)
        out.append({'name': name, 'count': count, 'frames': frames,
                    'at': at})
    return out[:NAMES_MAX], bare


def trace_record(iterations, census):
    """The trace record (base/proto.h) after the counted rounds, which
    stops tracing; None without --trace.  iterations: the counted rounds'
    iterations, over which the growth is divided."""
    if _trace is None or not _trace.tm.is_tracing():
        return None
    memory = _trace.tm.get_tracemalloc_memory()
    sites = _trace.sites(max(iterations, 1))
    if census and sites:
        _types_at(sites)
    opened, bare = _opened()
    for s in sites:
        del s['_tb']
    rounds = _trace.rounds
    _trace.stop()
    return _support._record('trace', [
        ('tracer', 'tracemalloc'),
        ('frames', _trace.nframes),
        ('rounds', rounds),
        ('iterations', iterations),
        ('memory', memory),
        ('sites', sites),
        ('opened', opened),
        ('opened_bare', bare),
    ])


def trace_stop():
    """Stops tracing (an error ended the rounds): nothing is reported."""
    if _trace is not None:
        _trace.stop()

