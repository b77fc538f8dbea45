/* metric.c - the metric table.  The order of ranks is the order in which a
 * metric explains a leak: threads and fds name the resource not released
 * (a thread that never ends holds its frames and objects: blocks grow
 * +30 a thread, and the thread is what to fix), a reference count names
 * the bug, blocks and gc objects say memory is held, and RSS only that
 * something, somewhere, grew.  The names are base/metrics.h's: a name
 * there has a row here and a row here a name there (tests/unit/
 * test-metric.c). */
#include "judge/metric.h"

#include "base/metrics.h"

#include <stddef.h>
#include <string.h>

static const struct metric metric_rows[] = {
    {LMX_METRIC_NAME_THREADS_PY, VERDICT_CLASS_RESOURCE, "threads", 0,
     "Python threads", "Python threads"},
    {LMX_METRIC_NAME_THREADS_OS, VERDICT_CLASS_RESOURCE, "threads", 1,
     "threads", "OS threads"},
    {LMX_METRIC_NAME_FDS, VERDICT_CLASS_RESOURCE, "fds", 2,
     "fds", "open file descriptors"},
    {LMX_METRIC_NAME_REFS_TOTAL, VERDICT_CLASS_COUNT, "refs", 3,
     "refs", "total references (debug builds)"},
    {LMX_METRIC_NAME_BLOCKS, VERDICT_CLASS_COUNT, "blocks", 4,
     "blocks", "allocated memory blocks (pymalloc)"},
    {LMX_METRIC_NAME_REFS_NONE, VERDICT_CLASS_SINGLETON, "refs", 5,
     "None", "refcount of None"},
    {LMX_METRIC_NAME_REFS_TRUE, VERDICT_CLASS_SINGLETON, "refs", 6,
     "True", "refcount of True"},
    {LMX_METRIC_NAME_REFS_FALSE, VERDICT_CLASS_SINGLETON, "refs", 7,
     "False", "refcount of False"},
    {LMX_METRIC_NAME_REFS_ELLIPSIS, VERDICT_CLASS_SINGLETON, "refs", 8,
     "Ellipsis", "refcount of Ellipsis"},
    {LMX_METRIC_NAME_REFS_NOTIMPLEMENTED, VERDICT_CLASS_SINGLETON, "refs", 9,
     "NotImplemented", "refcount of NotImplemented"},
    {LMX_METRIC_NAME_REFS_EMPTY_TUPLE, VERDICT_CLASS_SINGLETON, "refs", 10,
     "()", "refcount of ()"},
    {LMX_METRIC_NAME_GC_OBJECTS, VERDICT_CLASS_COUNT, "objects", 11,
     "gc objects", "objects tracked by the gc"},
    /* malloc's bytes in use beside pymalloc (runner/probe.c): exact, so
     * it names a native leak RSS shows only pages later; judged like
     * valgrind's heap totals (a round grows past 10 KiB or not). */
    {LMX_METRIC_NAME_HEAP_BYTES, VERDICT_CLASS_HEAP_BYTES, "bytes", 12,
     "malloc heap",
     "bytes malloc holds in use (glibc main arena and mmapped blocks)"},
    /* Native engines (--valgrind, --lsan; harness/leakcheck.h).  Lost
     * memory names a native leak; reachable growth is memory kept (the
     * ThreadingMixIn thread list is reachable, not lost); Python objects
     * sit in "possibly lost" under PYTHONMALLOC=malloc (the GC header
     * makes every pointer to an object an interior one), so its growth is
     * Python objects growing, which gc_objects explains better. */
    {LMX_METRIC_NAME_VG_DEFINITE_BYTES, VERDICT_CLASS_HEAP_BYTES, "bytes", 13,
     "definitely lost", "memcheck: definitely lost bytes"},
    {LMX_METRIC_NAME_LSAN_DIRECT_BYTES, VERDICT_CLASS_HEAP_BYTES, "bytes", 14,
     "direct leak", "LeakSanitizer: bytes in direct leaks"},
    {LMX_METRIC_NAME_VG_LOST_BYTES, VERDICT_CLASS_HEAP_BYTES, "bytes", 15,
     "lost", "memcheck: definitely + indirectly lost bytes (client request)"},
    {LMX_METRIC_NAME_VG_INDIRECT_BYTES, VERDICT_CLASS_HEAP_BYTES, "bytes", 16,
     "indirectly lost", "memcheck: indirectly lost bytes"},
    {LMX_METRIC_NAME_LSAN_INDIRECT_BYTES, VERDICT_CLASS_HEAP_BYTES,
     "bytes", 17, "indirect leak", "LeakSanitizer: bytes in indirect leaks"},
    {LMX_METRIC_NAME_VG_REACHABLE_BYTES, VERDICT_CLASS_HEAP_BYTES, "bytes", 18,
     "reachable", "memcheck: still reachable bytes"},
    {LMX_METRIC_NAME_VG_POSSIBLY_BYTES, VERDICT_CLASS_HEAP_BYTES, "bytes", 19,
     "possibly lost", "memcheck: possibly lost bytes (Python objects)"},
    /* References to C code's heap types (runner/probe.h): they move
     * with those types' instances, which blocks and gc_objects explain
     * better; alone they are a tp_dealloc that forgot the type's
     * reference. */
    {LMX_METRIC_NAME_REFS_TYPES, VERDICT_CLASS_COUNT, "refs", 20,
     "extension types", "references to heap types made by C code"},
    {LMX_METRIC_NAME_VG_DEFINITE_BLOCKS, VERDICT_CLASS_HEAP_BLOCKS,
     "blocks", 21, "definitely lost blocks",
     "memcheck: definitely lost blocks"},
    {LMX_METRIC_NAME_LSAN_DIRECT_OBJECTS, VERDICT_CLASS_HEAP_BLOCKS,
     "blocks", 22, "direct leak blocks",
     "LeakSanitizer: objects in direct leaks"},
    {LMX_METRIC_NAME_VG_LOST_BLOCKS, VERDICT_CLASS_HEAP_BLOCKS, "blocks", 23,
     "lost blocks", "memcheck: definitely + indirectly lost blocks"},
    {LMX_METRIC_NAME_VG_INDIRECT_BLOCKS, VERDICT_CLASS_HEAP_BLOCKS,
     "blocks", 24, "indirectly lost blocks",
     "memcheck: indirectly lost blocks"},
    {LMX_METRIC_NAME_LSAN_INDIRECT_OBJECTS, VERDICT_CLASS_HEAP_BLOCKS,
     "blocks", 25, "indirect leak blocks",
     "LeakSanitizer: objects in indirect leaks"},
    {LMX_METRIC_NAME_VG_REACHABLE_BLOCKS, VERDICT_CLASS_HEAP_BLOCKS,
     "blocks", 26, "reachable blocks", "memcheck: still reachable blocks"},
    {LMX_METRIC_NAME_VG_POSSIBLY_BLOCKS, VERDICT_CLASS_HEAP_BLOCKS,
     "blocks", 27, "possibly lost blocks", "memcheck: possibly lost blocks"},
    {LMX_METRIC_NAME_RSS_BYTES, VERDICT_CLASS_BYTES, "bytes", 200,
     "RSS", "resident set size"},
};

#define METRIC_ROWS (sizeof(metric_rows) / sizeof(metric_rows[0]))

const struct metric *
metric_find(const char *name)
{
    for (size_t i = 0; name && i < METRIC_ROWS; i++) {
        if (strcmp(metric_rows[i].name, name) == 0) {
            return &metric_rows[i];
        }
    }
    return NULL;
}

const struct metric *
metric_get(const char *name, int is_gauge, struct metric *scratch)
{
    const struct metric *m = is_gauge ? NULL : metric_find(name);
    if (m) {
        return m;
    }
    scratch->name = name;
    scratch->cls = VERDICT_CLASS_COUNT;
    scratch->unit = name;
    scratch->rank = METRIC_RANK_GAUGE;
    scratch->label = name;
    scratch->what = is_gauge ? "a gauge of the scenario's" : "a count";
    return scratch;
}

const struct metric *
metric_table(unsigned *count)
{
    *count = (unsigned)METRIC_ROWS;
    return metric_rows;
}
