/* metrics.h - the names of what leakmatrix measures, defined once for both
 * processes.  The runner writes them as keys of its records (its probes in
 * runner/probe.c, memcheck's totals in runner_round.c), the native engines'
 * parser names its readings with them (native/leakcheck.c), and the metric
 * table (judge/metric.c) gives each its class, unit and rank; the unit
 * suite checks that every name here has a row there and every row a name.
 *
 * LMX_METRICS(X) is the list, one X(ID, "name") a metric.  From it come
 * enum lmx_metric (LMX_METRIC_RSS_BYTES, ...; LMX_METRIC_COUNT of them),
 * lmx_metric_name() and, for static initializers, one constant string a
 * name: LMX_METRIC_NAME_RSS_BYTES is "rss_bytes".  A new metric is a line
 * here and a row in judge/metric.c, nothing else.
 *
 * A scenario's gauges and census types are named by the scenario and are
 * not here.  Nothing here allocates or needs any other header: the runner
 * includes it next to Python.h.  The names point into static storage.
 */
#ifndef LMX_METRICS_H
#define LMX_METRICS_H

/* The runner's probes (runner/probe.h), then the native engines'. */
#define LMX_METRICS(X) \
    X(RSS_BYTES, "rss_bytes") \
    X(THREADS_OS, "threads_os") \
    X(THREADS_PY, "threads_py") \
    X(FDS, "fds") \
    X(REFS_TOTAL, "refs_total") \
    X(REFS_NONE, "refs_none") \
    X(REFS_TRUE, "refs_true") \
    X(REFS_FALSE, "refs_false") \
    X(REFS_ELLIPSIS, "refs_ellipsis") \
    X(REFS_NOTIMPLEMENTED, "refs_notimplemented") \
    X(REFS_EMPTY_TUPLE, "refs_empty_tuple") \
    X(BLOCKS, "blocks") \
    X(GC_OBJECTS, "gc_objects") \
    X(HEAP_BYTES, "heap_bytes") \
    X(REFS_TYPES, "refs_types") \
    X(VG_LOST_BYTES, "vg_lost_bytes") \
    X(VG_LOST_BLOCKS, "vg_lost_blocks") \
    X(VG_POSSIBLY_BYTES, "vg_possibly_bytes") \
    X(VG_POSSIBLY_BLOCKS, "vg_possibly_blocks") \
    X(VG_REACHABLE_BYTES, "vg_reachable_bytes") \
    X(VG_REACHABLE_BLOCKS, "vg_reachable_blocks") \
    X(VG_DEFINITE_BYTES, "vg_definite_bytes") \
    X(VG_DEFINITE_BLOCKS, "vg_definite_blocks") \
    X(VG_INDIRECT_BYTES, "vg_indirect_bytes") \
    X(VG_INDIRECT_BLOCKS, "vg_indirect_blocks") \
    X(LSAN_DIRECT_BYTES, "lsan_direct_bytes") \
    X(LSAN_DIRECT_OBJECTS, "lsan_direct_objects") \
    X(LSAN_INDIRECT_BYTES, "lsan_indirect_bytes") \
    X(LSAN_INDIRECT_OBJECTS, "lsan_indirect_objects")

enum lmx_metric {
#define LMX_METRIC_ENUM(id, name) LMX_METRIC_##id,
    LMX_METRICS(LMX_METRIC_ENUM)
#undef LMX_METRIC_ENUM
    LMX_METRIC_COUNT
};

/* LMX_METRIC_NAME_RSS_BYTES, ...: arrays, not macros, so that the name is
 * spelt once (above) and is still a constant a static table may hold. */
#define LMX_METRIC_STRING(id, name) \
    static const char LMX_METRIC_NAME_##id[] = name;
LMX_METRICS(LMX_METRIC_STRING)
#undef LMX_METRIC_STRING

/* The name of metric id ("rss_bytes"), or "?" when id is out of range. */
static inline const char *
lmx_metric_name(enum lmx_metric id)
{
#define LMX_METRIC_ENTRY(id, name) LMX_METRIC_NAME_##id,
    static const char *const names[LMX_METRIC_COUNT] = {
        LMX_METRICS(LMX_METRIC_ENTRY)
    };
#undef LMX_METRIC_ENTRY
    return (unsigned)id < LMX_METRIC_COUNT ? names[id] : "?";
}

#endif
