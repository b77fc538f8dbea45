/* metric.c - the metric table.  The order of ranks is the order in which a
 * metric explains a leak: threads and fds name the resource not released
 * (a thread that never ends holds its frames and objects: blocks grow
 * +30 a thread, and the thread is what to fix), a reference count names
 * the bug, blocks and gc objects say memory is held, and RSS only that
 * something, somewhere, grew. */
#include "judge/metric.h"

#include <stddef.h>
#include <string.h>

static const struct metric metric_rows[] = {
    {"threads_py", VERDICT_CLASS_RESOURCE, "threads", 0, "Python threads", "Python threads"},
    {"threads_os", VERDICT_CLASS_RESOURCE, "threads", 1, "threads", "OS threads"},
    {"fds", VERDICT_CLASS_RESOURCE, "fds", 2, "fds", "open file descriptors"},
    {"refs_total", VERDICT_CLASS_COUNT, "refs", 3, "refs",
     "total references (debug builds)"},
    {"blocks", VERDICT_CLASS_COUNT, "blocks", 4, "blocks",
     "allocated memory blocks (pymalloc)"},
    {"refs_none", VERDICT_CLASS_SINGLETON, "refs", 5, "None", "refcount of None"},
    {"refs_true", VERDICT_CLASS_SINGLETON, "refs", 6, "True", "refcount of True"},
    {"refs_false", VERDICT_CLASS_SINGLETON, "refs", 7, "False", "refcount of False"},
    {"refs_ellipsis", VERDICT_CLASS_SINGLETON, "refs", 8, "Ellipsis",
     "refcount of Ellipsis"},
    {"refs_notimplemented", VERDICT_CLASS_SINGLETON, "refs", 9, "NotImplemented",
     "refcount of NotImplemented"},
    {"refs_empty_tuple", VERDICT_CLASS_SINGLETON, "refs", 10, "()",
     "refcount of ()"},
    {"gc_objects", VERDICT_CLASS_COUNT, "objects", 11, "gc objects",
     "objects tracked by the gc"},
    /* malloc's bytes in use beside pymalloc (runner/probe.c): exact, so
     * it names a native leak RSS shows only pages later; judged like
     * valgrind's heap totals (a round grows past 10 KiB or not). */
    {"heap_bytes", VERDICT_CLASS_HEAP_BYTES, "bytes", 12, "malloc heap",
     "bytes malloc holds in use (glibc main arena and mmapped blocks)"},
    /* Native engines (--valgrind, --lsan; harness/leakcheck.h).  Lost
     * memory names a native leak; reachable growth is memory kept (the
     * ThreadingMixIn thread list is reachable, not lost); Python objects
     * sit in "possibly lost" under PYTHONMALLOC=malloc (the GC header
     * makes every pointer to an object an interior one), so its growth is
     * Python objects growing, which gc_objects explains better. */
    {"vg_definite_bytes", VERDICT_CLASS_HEAP_BYTES, "bytes", 13,
     "definitely lost", "memcheck: definitely lost bytes"},
    {"lsan_direct_bytes", VERDICT_CLASS_HEAP_BYTES, "bytes", 14,
     "direct leak", "LeakSanitizer: bytes in direct leaks"},
    {"vg_lost_bytes", VERDICT_CLASS_HEAP_BYTES, "bytes", 15, "lost",
     "memcheck: definitely + indirectly lost bytes (client request)"},
    {"vg_indirect_bytes", VERDICT_CLASS_HEAP_BYTES, "bytes", 16,
     "indirectly lost", "memcheck: indirectly lost bytes"},
    {"lsan_indirect_bytes", VERDICT_CLASS_HEAP_BYTES, "bytes", 17,
     "indirect leak", "LeakSanitizer: bytes in indirect leaks"},
    {"vg_reachable_bytes", VERDICT_CLASS_HEAP_BYTES, "bytes", 18,
     "reachable", "memcheck: still reachable bytes"},
    {"vg_possibly_bytes", VERDICT_CLASS_HEAP_BYTES, "bytes", 19,
     "possibly lost", "memcheck: possibly lost bytes (Python objects)"},
    /* References to C code's heap types (runner/probe.h): they move
     * with those types' instances, which blocks and gc_objects explain
     * better; alone they are a tp_dealloc that forgot the type's
     * reference. */
    {"refs_types", VERDICT_CLASS_COUNT, "refs", 20, "extension types",
     "references to heap types made by C code"},
    {"vg_definite_blocks", VERDICT_CLASS_HEAP_BLOCKS, "blocks", 21,
     "definitely lost blocks", "memcheck: definitely lost blocks"},
    {"lsan_direct_objects", VERDICT_CLASS_HEAP_BLOCKS, "blocks", 22,
     "direct leak blocks", "LeakSanitizer: objects in direct leaks"},
    {"vg_lost_blocks", VERDICT_CLASS_HEAP_BLOCKS, "blocks", 23,
     "lost blocks", "memcheck: definitely + indirectly lost blocks"},
    {"vg_indirect_blocks", VERDICT_CLASS_HEAP_BLOCKS, "blocks", 24,
     "indirectly lost blocks", "memcheck: indirectly lost blocks"},
    {"lsan_indirect_objects", VERDICT_CLASS_HEAP_BLOCKS, "blocks", 25,
     "indirect leak blocks", "LeakSanitizer: objects in indirect leaks"},
    {"vg_reachable_blocks", VERDICT_CLASS_HEAP_BLOCKS, "blocks", 26,
     "reachable blocks", "memcheck: still reachable blocks"},
    {"vg_possibly_blocks", VERDICT_CLASS_HEAP_BLOCKS, "blocks", 27,
     "possibly lost blocks", "memcheck: possibly lost blocks"},
    {"rss_bytes", VERDICT_CLASS_BYTES, "bytes", 200, "RSS", "resident set size"},
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
