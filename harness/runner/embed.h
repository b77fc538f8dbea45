/* embed: start and stop the embedded CPython, and every version difference.
 *
 * This is the only module with PY_VERSION_HEX checks: start-up (PyConfig from
 * 3.8, Py_SetProgramName + Py_InitializeEx before), the debug reference total,
 * allocated blocks, a full collection, fetching the raised exception.  The
 * rest of the runner includes this header instead of Python.h and uses only
 * API that is the same on CPython 3.4 .. 3.14.  Readings live in probe.c.
 *
 * Ownership: functions returning PyObject * return a new reference (or NULL
 * with a Python exception set, unless said otherwise); arguments are borrowed.
 */
#ifndef LMX_EMBED_H
#define LMX_EMBED_H

/* Python.h must come first: its pyconfig.h sets _GNU_SOURCE and friends. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stddef.h>

/*
 * Check that the libpython we were loaded with has the major.minor version
 * of the headers we were compiled with (a wrong rpath or LD_LIBRARY_PATH
 * would otherwise crash later, in obscure ways).  Call before embed_start().
 * Returns 0, or -1 with a message in err.
 */
int embed_check_version(char *err, size_t errlen);

/*
 * Start the interpreter as if exe (the absolute path of the python
 * executable the runner was built for) were running: prefix, stdlib,
 * site-packages and sys.executable follow from it, environment variables
 * (PYTHONPATH, PYTHONMALLOC, ...) count as they would for that python, and
 * signal handlers are installed like python's (SIGPIPE and SIGXFSZ ignored,
 * SIGINT raises KeyboardInterrupt).  Returns 0, or -1 with a message in err;
 * before 3.8 a failure inside Py_InitializeEx() aborts the process instead.
 */
int embed_start(const char *exe, char *err, size_t errlen);

/*
 * Drop what embed_start() holds and finalize the interpreter (atexit
 * handlers, joining non-daemon threads, flushing sys.stdout).  Returns 0, or
 * -1 when finalization reported an error (3.6+: e.g. flushing stdout failed).
 */
int embed_finish(void);

/* The runtime version string, "3.11.7 (main, ...) [GCC ...]". */
const char *embed_version(void);

/*
 * The code of an embedded module: its source, and the code object compiled
 * from it at build time as marshal data (code, code_size bytes) by an
 * interpreter whose bytecode magic number was magic.
 */
struct embed_module_code {
    const char *filename;       /* for tracebacks */
    const char *source;
    const unsigned char *code;
    size_t code_size;
    long magic;
};

/*
 * Run m as a new module name (registered in sys.modules): the marshalled
 * code object when this interpreter has m's magic number, else the source,
 * compiled here.  Returns the module, or NULL with an exception set.
 */
PyObject *embed_exec_module(const char *name,
                            const struct embed_module_code *m);

/*
 * Take the exception being raised, normalized, with its traceback attached
 * as __traceback__, and clear the error indicator.  Returns a new reference,
 * or NULL when no exception was set.
 */
PyObject *embed_fetch_exception(void);

/*
 * A full collection of all generations, as gc.collect() does, also while
 * the scenario has disabled gc (PyGC_Collect() alone skips then, 3.8+).
 * Errors raised by finalizers are cleared, like gc.collect() reports them
 * through sys.unraisablehook.  Allocates nothing that outlives the call.
 */
void embed_gc_collect(void);

/*
 * A full collection, then every object the collector tracks moved to the
 * permanent generation (gc.freeze(), 3.7+), which no later collection
 * walks and gc.get_objects() does not list: called once the harness's own
 * modules are loaded and before the scenario is, it takes the harness's
 * objects out of every round's collection and object count (their deltas
 * are the same; the counts themselves are smaller).  A free-threaded
 * build's freeze marks the objects in place, with the same effect (the
 * plain cell on 3.13.5t: 1.064x of its bare loop before, 1.031x after).
 * Nothing on 3.6 (no freeze).  Returns 1 when frozen, 0 when not, -1 on
 * an error (then cleared: the cell measures as it did without).
 */
int embed_gc_freeze(void);

/*
 * gc.unfreeze() after embed_gc_freeze(): the frozen objects back in the
 * oldest generation, so that the collections of finalization reach them as
 * they would have without the freeze (a scenario that over-released None
 * crashes at exit as it did: lz4tools on 3.10 and 3.11).  Nothing where
 * freeze did nothing; errors are cleared.
 */
void embed_gc_unfreeze(void);

/* 1 if this build keeps a total reference count (Py_REF_DEBUG), else 0. */
int embed_has_ref_total(void);

/* 1 on a free-threaded build (Py_GIL_DISABLED), else 0. */
int embed_free_threaded(void);

/* Whether the GIL is on now: 1 on every build with a GIL; on a
 * free-threaded one 0 unless an extension that does not declare
 * Py_mod_gil turned it back on at import (sys._is_gil_enabled(), 3.13).
 * -1 with the Python error cleared when it cannot be asked. */
int embed_gil_enabled(void);

/* 1 when o is immortal (PEP 683, 3.12 on; a free-threaded build's
 * immortal objects too), whose refcount says nothing; else 0. */
int embed_immortal(PyObject *o);

/* The total reference count of all objects; 0 when !embed_has_ref_total().
 * Pure C: allocates nothing. */
long long embed_ref_total(void);

/*
 * The number of memory blocks the object allocator has handed out and not
 * freed (sys.getallocatedblocks()).  Reads 0 whatever happens when the
 * allocator is not pymalloc: probe.c finds that out by behaviour.  Before
 * 3.12 this is a C call; from 3.12 the C function is internal, so it calls
 * sys.getallocatedblocks, whose int result is created after the count is
 * taken and freed before this returns.  Returns -1 on failure (no exception
 * left set).
 */
long long embed_allocated_blocks(void);

#endif
