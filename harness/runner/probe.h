/* probe: the readings the runner takes at the end of each round.
 *
 * Measuring must not disturb what it measures.  CPython's refleak checker
 * learnt this the hard way (bpo-31217): the ints it created to hold one
 * reading were still alive at the next and showed up as a leak.  So readings
 * come in two passes, after a full collection: probe_read_c() takes every
 * pure-C value into a struct the caller preallocated, with no Python
 * allocation and no malloc (stack buffers, raw syscalls); only then does
 * probe_read_py() take the values that allocate (gc_objects, the census).
 * Why collect first: RSS, blocks and refcounts read while cyclic garbage
 * waits for the collector go up and down with the collector's schedule.
 *
 * refs_types sums the refcounts of the heap types that C code made
 * (PyType_FromSpec: an extension's, or the stdlib's since 3.9), Python
 * classes left out.  Each instance holds a reference to its heap type, so
 * the sum moves with their instances like gc_objects; a tp_dealloc that
 * forgets Py_DECREF(Py_TYPE(self)) grows it with no memory growing at all
 * (multidict 6.4-6.7: 13 references an iteration), which no other probe
 * sees.
 *
 * A probe a build cannot provide is n/a with a reason (probe_na_reason()),
 * never 0; the caller writes it as null.  This module owns the census table
 * and the names in it; everything is allocated by probe_init().
 */
#ifndef LMX_PROBE_H
#define LMX_PROBE_H

#include <stddef.h>

enum probe_id {
    PROBE_RSS_BYTES,
    PROBE_THREADS_OS,
    PROBE_THREADS_PY,
    PROBE_FDS,
    PROBE_REFS_TOTAL,
    PROBE_REFS_NONE,
    PROBE_REFS_TRUE,
    PROBE_REFS_FALSE,
    PROBE_REFS_ELLIPSIS,
    PROBE_REFS_NOTIMPLEMENTED,
    PROBE_REFS_EMPTY_TUPLE,
    PROBE_BLOCKS,
    PROBE_GC_OBJECTS,
    PROBE_HEAP_BYTES,
    PROBE_REFS_TYPES,    /* references to C extensions' heap types */
    PROBE_COUNT
};

/* One round's readings; have[i] is 0 when probe i is n/a or failed. */
struct probe_reading {
    long long value[PROBE_COUNT];
    unsigned char have[PROBE_COUNT];
};

/*
 * Find out what this build can measure (immortal singletons by behaviour,
 * pymalloc by behaviour, /proc), fetch the Python objects the readings need
 * and, if census is set, allocate the census table.  Call once, after
 * embed_start().  Returns 0, or -1 with a message in err.
 */
int probe_init(int census, char *err, size_t errlen);

/* Drop the references and memory probe_init() took (before finalizing). */
void probe_release(void);

/* The probe's record name, base/metrics.h's ("rss_bytes", ...). */
const char *probe_name(enum probe_id id);

/* Makes probe id n/a for this run, with why (static storage), unless it
 * is n/a already; after probe_init(), before the probes record. */
void probe_set_na(enum probe_id id, const char *why);
/* Why probe id is n/a on this build, or NULL when it is available. */
const char *probe_na_reason(enum probe_id id);

/* 1 when probe id is n/a because its object is immortal (PEP 683: an
 * INCREF does not move its refcount), else 0: the probes record's
 * "immortal", which the front end reads instead of the reason's words. */
int probe_na_immortal(enum probe_id id);

/* 1 when the allocator counts blocks the way pymalloc does (the hello
 * record's "pymalloc"), 0 for PYTHONMALLOC=malloc or --without-pymalloc. */
int probe_pymalloc(void);

/* A full collection, the same way every round: embed_gc_collect(). */
void probe_collect(void);

/* First pass: every pure-C reading into r.  Allocates nothing. */
void probe_read_c(struct probe_reading *r);

/*
 * Second pass: the readings that allocate Python objects (gc_objects, the
 * census when enabled, threads_py when threading has no _active dict).
 * Returns 0, or -1 with a Python exception set.
 */
int probe_read_py(struct probe_reading *r);

/*
 * The census of the last probe_read_py(): live objects per type, sorted by
 * type name, types with equal names merged.  Names are module.qualname
 * for classes, tp_name for built-in types; they stay valid until the next
 * probe_read_py().  probe_census_get() returns 0, or -1 if i is out of range.
 */
size_t probe_census_size(void);
int probe_census_get(size_t i, const char **name, long long *count);

#endif
