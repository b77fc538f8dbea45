/* probe: round-end readings, pure-C ones first, then the ones that allocate.
 *
 * /proc is read with open/read/getdents64 into stack buffers.  Immortality
 * and pymalloc are found by behaviour, never by version or magic refcount
 * (3.14 changed the immortal value): see probe_is_immortal() and friends.
 */
#include "embed.h"
#include "probe.h"
#include "base/metrics.h"

#include <errno.h>
#include <fcntl.h>
#if defined(__GLIBC__) \
    && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
#include <malloc.h>
#define PROBE_HAVE_MALLINFO2 1
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PROBE_CENSUS_BITS 14
#define PROBE_CENSUS_SLOTS ((size_t)1 << PROBE_CENSUS_BITS)
#define PROBE_CENSUS_MAX_USED (PROBE_CENSUS_SLOTS / 4 * 3)
#define PROBE_NAMES_SIZE ((size_t)1 << 20)
#define PROBE_OTHER_NAME "(other types)"

static const char *const probe_names[PROBE_COUNT] = {
    [PROBE_RSS_BYTES] = LMX_METRIC_NAME_RSS_BYTES,
    [PROBE_THREADS_OS] = LMX_METRIC_NAME_THREADS_OS,
    [PROBE_THREADS_PY] = LMX_METRIC_NAME_THREADS_PY,
    [PROBE_FDS] = LMX_METRIC_NAME_FDS,
    [PROBE_REFS_TOTAL] = LMX_METRIC_NAME_REFS_TOTAL,
    [PROBE_REFS_NONE] = LMX_METRIC_NAME_REFS_NONE,
    [PROBE_REFS_TRUE] = LMX_METRIC_NAME_REFS_TRUE,
    [PROBE_REFS_FALSE] = LMX_METRIC_NAME_REFS_FALSE,
    [PROBE_REFS_ELLIPSIS] = LMX_METRIC_NAME_REFS_ELLIPSIS,
    [PROBE_REFS_NOTIMPLEMENTED] = LMX_METRIC_NAME_REFS_NOTIMPLEMENTED,
    [PROBE_REFS_EMPTY_TUPLE] = LMX_METRIC_NAME_REFS_EMPTY_TUPLE,
    [PROBE_BLOCKS] = LMX_METRIC_NAME_BLOCKS,
    [PROBE_GC_OBJECTS] = LMX_METRIC_NAME_GC_OBJECTS,
    [PROBE_HEAP_BYTES] = LMX_METRIC_NAME_HEAP_BYTES,
    [PROBE_REFS_TYPES] = LMX_METRIC_NAME_REFS_TYPES,
};

struct probe_census_slot {
    PyTypeObject *type;    /* borrowed, valid while the get_objects list is */
    long long count;
};

struct probe_census_row {
    const char *name;
    long long count;
};

static const char *probe_na[PROBE_COUNT];
static unsigned char probe_immortal[PROBE_COUNT];   /* n/a as immortal */
static int probe_blocks_counted;
static long probe_page_size;

/* singletons whose refcounts are read; the empty tuple is a new reference */
static PyObject *probe_singletons[PROBE_REFS_EMPTY_TUPLE + 1];

static PyObject *probe_threads_active;   /* threading._active, new ref */
static PyObject *probe_threads_limbo;    /* threading._limbo, new ref */
static PyObject *probe_active_count;     /* threading.active_count, new ref */
static PyObject *probe_get_objects;      /* gc.get_objects, new ref */
static PyObject *probe_python_class;     /* a Python class, new ref */
static destructor probe_class_dealloc;   /* what every Python class's
                                            instances are freed by */
static PyObject *probe_str_module;       /* interned "__module__", new ref */

static int probe_census_on;
static struct probe_census_slot *probe_census_table;
static size_t probe_census_used;
static long long probe_census_other;
static struct probe_census_row *probe_census_rows;
static size_t probe_census_nrows;
static char *probe_census_names;
static size_t probe_census_names_len;

/* --- pure C, allocation-free ------------------------------------------- */

/* Read up to n-1 bytes of path into buf, NUL-terminated: length or -1. */
static long
probe_read_file(const char *path, char *buf, size_t n)
{
    size_t len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        return -1;
    }
    while (len + 1 < n) {
        ssize_t r = read(fd, buf + len, n - 1 - len);

        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            close(fd);
            return -1;
        }
        if (r == 0) {
            break;
        }
        len += (size_t)r;
    }
    close(fd);
    buf[len] = '\0';
    return (long)len;
}

/* Parse the unsigned decimal at *p, advancing *p; -1 if there is none. */
static long long
probe_parse_num(const char **p)
{
    long long v = 0;
    const char *s = *p;

    while (*s == ' ') {
        s++;
    }
    if (*s < '0' || *s > '9') {
        return -1;
    }
    while (*s >= '0' && *s <= '9') {
        v = v * 10 + (*s++ - '0');
    }
    *p = s;
    return v;
}

/* The bytes malloc holds in use: glibc's main arena and its mmapped
 * chunks (mallinfo2(): no allocation, a walk of the arena's free bins).
 * With pymalloc, Python's small objects live in its own mmapped arenas,
 * so this is the rest: large objects and buffers, and every C
 * extension's malloc, byte-exact where RSS moves by pages after the free
 * heap is used up (a native leak of 32 bytes an iteration shows here at
 * once).  Threads' own malloc arenas are not counted: mallinfo2() reads
 * the main arena only.  -1 without glibc 2.33. */
static long long
probe_heap(void)
{
#ifdef PROBE_HAVE_MALLINFO2
    struct mallinfo2 mi = mallinfo2();

    return (long long)(mi.uordblks + mi.hblkhd);
#else
    return -1;
#endif
}

/* Resident set size: /proc/self/statm's second field, in pages. */
static long long
probe_rss(void)
{
    char buf[256];
    const char *p = buf;
    long long pages;

    if (probe_read_file("/proc/self/statm", buf, sizeof(buf)) < 0
        || probe_parse_num(&p) < 0) {
        return -1;
    }
    pages = probe_parse_num(&p);
    return pages < 0 ? -1 : pages * probe_page_size;
}

/*
 * num_threads, field 20 of /proc/self/stat.  Field 2 is the command name
 * in parentheses and may itself contain spaces and ')', so count from the
 * last ')': the field after it is field 3.
 */
static long long
probe_threads_os(void)
{
    char buf[1024];
    const char *p;
    int field;

    if (probe_read_file("/proc/self/stat", buf, sizeof(buf)) < 0) {
        return -1;
    }
    p = strrchr(buf, ')');
    if (p == NULL) {
        return -1;
    }
    p++;
    for (field = 3; field < 20; field++) {
        while (*p == ' ') {
            p++;
        }
        while (*p != ' ' && *p != '\0') {
            p++;
        }
        if (*p == '\0') {
            return -1;
        }
    }
    return probe_parse_num(&p);
}

struct probe_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

/* Open file descriptors: entries of /proc/self/fd, minus the one we hold. */
static long long
probe_fds(void)
{
    _Alignas(8) char buf[4096];
    long long count = 0;
    int fd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd < 0) {
        return -1;
    }
    for (;;) {
        long n = syscall(SYS_getdents64, fd, buf, sizeof(buf));
        long off = 0;

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            close(fd);
            return -1;
        }
        if (n == 0) {
            break;
        }
        while (off < n) {
            struct probe_dirent64 *d = (struct probe_dirent64 *)(buf + off);

            if (strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0) {
                count++;
            }
            off += d->d_reclen;
        }
    }
    close(fd);
    return count - 1;
}

static void
probe_set(struct probe_reading *r, enum probe_id id, long long v)
{
    if (probe_na[id] == NULL && v >= 0) {
        r->value[id] = v;
        r->have[id] = 1;
    }
}

void
probe_read_c(struct probe_reading *r)
{
    int i;

    memset(r, 0, sizeof(*r));
    /* the most fragile first: refcounts, then the reference total */
    for (i = PROBE_REFS_NONE; i <= PROBE_REFS_EMPTY_TUPLE; i++) {
        probe_set(r, (enum probe_id)i,
                  (long long)Py_REFCNT(probe_singletons[i]));
    }
    if (probe_na[PROBE_REFS_TOTAL] == NULL) {
        r->value[PROBE_REFS_TOTAL] = embed_ref_total();
        r->have[PROBE_REFS_TOTAL] = 1;
    }
    if (probe_na[PROBE_BLOCKS] == NULL) {
        probe_set(r, PROBE_BLOCKS, embed_allocated_blocks());
    }
    probe_set(r, PROBE_RSS_BYTES, probe_rss());
    probe_set(r, PROBE_HEAP_BYTES, probe_heap());
    probe_set(r, PROBE_THREADS_OS, probe_threads_os());
    if (probe_threads_active != NULL) {
        probe_set(r, PROBE_THREADS_PY,
                  (long long)(PyDict_Size(probe_threads_active)
                              + PyDict_Size(probe_threads_limbo)));
    }
    probe_set(r, PROBE_FDS, probe_fds());
}

/* --- readings that allocate -------------------------------------------- */

static size_t
probe_census_hash(const PyTypeObject *type)
{
    uint64_t h = (uint64_t)(uintptr_t)type * UINT64_C(0x9e3779b97f4a7c15);

    return (size_t)(h >> (64 - PROBE_CENSUS_BITS));
}

static void
probe_census_add(PyTypeObject *type)
{
    size_t i = probe_census_hash(type);

    for (;;) {
        struct probe_census_slot *slot = &probe_census_table[i];

        if (slot->type == type) {
            slot->count++;
            return;
        }
        if (slot->type == NULL) {
            if (probe_census_used >= PROBE_CENSUS_MAX_USED) {
                probe_census_other++;
                return;
            }
            slot->type = type;
            slot->count = 1;
            probe_census_used++;
            return;
        }
        i = (i + 1) & (PROBE_CENSUS_SLOTS - 1);
    }
}

/* Keep a + sep + b in the name arena, NUL-terminated; NULL when full. */
static const char *
probe_census_keep(const char *a, const char *sep, const char *b)
{
    size_t na = strlen(a), ns = strlen(sep), nb = strlen(b);
    char *p = probe_census_names + probe_census_names_len;

    if (na + ns + nb + 1 > PROBE_NAMES_SIZE - probe_census_names_len) {
        return NULL;
    }
    memcpy(p, a, na);
    memcpy(p + na, sep, ns);
    memcpy(p + na + ns, b, nb + 1);
    probe_census_names_len += na + ns + nb + 1;
    return p;
}

/*
 * module.qualname for classes (heap types: their tp_name lacks the module),
 * tp_name for static types, which already carry "module." unless builtin.
 */
static const char *
probe_type_name(PyTypeObject *type)
{
    if (type->tp_flags & Py_TPFLAGS_HEAPTYPE) {
        PyHeapTypeObject *ht = (PyHeapTypeObject *)type;
        PyObject *module = NULL;
        const char *m = NULL, *q = NULL, *name;

        if (type->tp_dict != NULL) {
            /* borrowed reference; no allocation: the key is interned */
            module = PyDict_GetItem(type->tp_dict, probe_str_module);
        }
        if (module != NULL && PyUnicode_Check(module)) {
            m = PyUnicode_AsUTF8(module);
        }
        if (ht->ht_qualname != NULL && PyUnicode_Check(ht->ht_qualname)) {
            q = PyUnicode_AsUTF8(ht->ht_qualname);
        }
        PyErr_Clear();
        if (q != NULL) {
            if (m != NULL && strcmp(m, "builtins") != 0) {
                name = probe_census_keep(m, ".", q);
            }
            else {
                name = probe_census_keep(q, "", "");
            }
            if (name != NULL) {
                return name;
            }
        }
    }
    return type->tp_name;
}

static int
probe_row_cmp(const void *a, const void *b)
{
    const struct probe_census_row *x = a, *y = b;

    return strcmp(x->name, y->name);
}

/* Turn the table into sorted rows, merging types with equal names. */
static void
probe_census_finish(void)
{
    size_t i, n = 0;

    probe_census_names_len = 0;
    for (i = 0; i < PROBE_CENSUS_SLOTS; i++) {
        struct probe_census_slot *slot = &probe_census_table[i];

        if (slot->type != NULL) {
            probe_census_rows[n].name = probe_type_name(slot->type);
            probe_census_rows[n].count = slot->count;
            n++;
            slot->type = NULL;
        }
    }
    if (probe_census_other > 0) {
        probe_census_rows[n].name = PROBE_OTHER_NAME;
        probe_census_rows[n].count = probe_census_other;
        n++;
    }
    qsort(probe_census_rows, n, sizeof(*probe_census_rows), probe_row_cmp);
    probe_census_nrows = 0;
    for (i = 0; i < n; i++) {
        size_t last = probe_census_nrows;

        if (last > 0
            && strcmp(probe_census_rows[last - 1].name,
                      probe_census_rows[i].name) == 0) {
            probe_census_rows[last - 1].count += probe_census_rows[i].count;
        }
        else {
            probe_census_rows[probe_census_nrows++] = probe_census_rows[i];
        }
    }
    probe_census_used = 0;
    probe_census_other = 0;
}

/* The refcounts of the heap types C code made, in the gc's list of
 * objects (which holds one reference to each, not counted): a Python
 * class's instances are freed by the one destructor all classes share,
 * and those are left out.  So are immortal types (embed_immortal()),
 * whose counts say nothing: free-threaded 3.13 immortalises classes once
 * a second thread starts (gh-117783; on 3.13.5t the types C code made
 * stayed mortal, measured), and should a type be immortalised mid-run
 * the sum falls once, which reads as a cache let go, never as a leak. */
static long long
probe_type_refs(PyObject *objects)
{
    long long sum = 0;
    Py_ssize_t i, n = PyList_GET_SIZE(objects);

    for (i = 0; i < n; i++) {
        PyObject *o = PyList_GET_ITEM(objects, i);       /* borrowed */
        if (PyType_Check(o)
            && (((PyTypeObject *)o)->tp_flags & Py_TPFLAGS_HEAPTYPE)
            && ((PyTypeObject *)o)->tp_dealloc != probe_class_dealloc
            && !embed_immortal(o)) {
            sum += (long long)Py_REFCNT(o) - 1;
        }
    }
    return sum;
}

int
probe_read_py(struct probe_reading *r)
{
    PyObject *objects;
    Py_ssize_t i, n;

    if (probe_threads_active == NULL && probe_active_count != NULL) {
        PyObject *c = PyObject_CallObject(probe_active_count, NULL); /* new */

        if (c == NULL) {
            return -1;
        }
        probe_set(r, PROBE_THREADS_PY, PyLong_AsLongLong(c));
        Py_DECREF(c);
        PyErr_Clear();
    }
    objects = PyObject_CallObject(probe_get_objects, NULL);   /* new ref */
    if (objects == NULL) {
        return -1;
    }
    if (!PyList_Check(objects)) {
        Py_DECREF(objects);
        PyErr_SetString(PyExc_TypeError, "gc.get_objects() returned no list");
        return -1;
    }
    n = PyList_GET_SIZE(objects);
    probe_set(r, PROBE_GC_OBJECTS, (long long)n);
    probe_set(r, PROBE_REFS_TYPES, probe_type_refs(objects));
    if (probe_census_on) {
        for (i = 0; i < n; i++) {
            probe_census_add(Py_TYPE(PyList_GET_ITEM(objects, i)));
        }
        /* names are taken while the list keeps every type alive */
        probe_census_finish();
    }
    Py_DECREF(objects);
    return 0;
}

size_t
probe_census_size(void)
{
    return probe_census_nrows;
}

int
probe_census_get(size_t i, const char **name, long long *count)
{
    if (i >= probe_census_nrows) {
        return -1;
    }
    *name = probe_census_rows[i].name;
    *count = probe_census_rows[i].count;
    return 0;
}

/* --- set-up ------------------------------------------------------------ */

/* An INCREF that does not move the refcount: immortal (PEP 683, 3.12+). */
static int
probe_is_immortal(PyObject *o)
{
    Py_ssize_t before = Py_REFCNT(o);
    Py_ssize_t after;

    Py_INCREF(o);
    after = Py_REFCNT(o);
    Py_DECREF(o);
    return after == before;
}

/* A fresh block that does not move the count: the allocator is not pymalloc
 * (PYTHONMALLOC=malloc, malloc_debug, or a --without-pymalloc build). */
static int
probe_counts_blocks(void)
{
    long long before = embed_allocated_blocks();
    void *p = PyObject_Malloc(16);
    long long after = embed_allocated_blocks();

    PyObject_Free(p);
    return p != NULL && before >= 0 && after > before;
}

static int
probe_init_threads(void)
{
    PyObject *threading = PyImport_ImportModule("threading");   /* new */

    if (threading == NULL) {
        return -1;
    }
    probe_threads_active = PyObject_GetAttrString(threading, "_active");
    probe_threads_limbo = PyObject_GetAttrString(threading, "_limbo");
    if (probe_threads_active == NULL || probe_threads_limbo == NULL
        || !PyDict_Check(probe_threads_active)
        || !PyDict_Check(probe_threads_limbo)) {
        /* some other threading: fall back to active_count(), which
         * allocates and so moves to the second pass */
        PyErr_Clear();
        Py_CLEAR(probe_threads_active);
        Py_CLEAR(probe_threads_limbo);
        probe_active_count = PyObject_GetAttrString(threading,
                                                    "active_count");
    }
    Py_DECREF(threading);
    return probe_threads_active != NULL || probe_active_count != NULL ? 0
                                                                      : -1;
}

static int
probe_init_census(void)
{
    probe_census_table = calloc(PROBE_CENSUS_SLOTS,
                                sizeof(*probe_census_table));
    probe_census_rows = calloc(PROBE_CENSUS_SLOTS + 1,
                               sizeof(*probe_census_rows));
    probe_census_names = malloc(PROBE_NAMES_SIZE);
    if (!probe_census_table || !probe_census_rows || !probe_census_names) {
        return -1;
    }
    /* touch every page now, so that RSS does not grow with the census */
    memset(probe_census_table, 0,
           PROBE_CENSUS_SLOTS * sizeof(*probe_census_table));
    memset(probe_census_rows, 0,
           (PROBE_CENSUS_SLOTS + 1) * sizeof(*probe_census_rows));
    memset(probe_census_names, 0, PROBE_NAMES_SIZE);
    probe_census_on = 1;
    return 0;
}

/* Take a reference to each singleton whose refcount is read, and mark the
 * immortal ones n/a, as such (probe_na_immortal()).  0, or -1 with a
 * Python exception set. */
static int
probe_init_singletons(void)
{
    int i;

    /* borrowed singletons are immortal in practice, but hold references */
    probe_singletons[PROBE_REFS_NONE] = Py_None;
    probe_singletons[PROBE_REFS_TRUE] = Py_True;
    probe_singletons[PROBE_REFS_FALSE] = Py_False;
    probe_singletons[PROBE_REFS_ELLIPSIS] = Py_Ellipsis;
    probe_singletons[PROBE_REFS_NOTIMPLEMENTED] = Py_NotImplemented;
    for (i = PROBE_REFS_NONE; i < PROBE_REFS_EMPTY_TUPLE; i++) {
        Py_INCREF(probe_singletons[i]);
    }
    /* every CPython 3 caches the empty tuple: this is the singleton */
    probe_singletons[PROBE_REFS_EMPTY_TUPLE] = PyTuple_New(0);   /* new */
    if (probe_singletons[PROBE_REFS_EMPTY_TUPLE] == NULL) {
        return -1;
    }
    for (i = PROBE_REFS_NONE; i <= PROBE_REFS_EMPTY_TUPLE; i++) {
        if (probe_is_immortal(probe_singletons[i])) {
            probe_na[i] = "immortal (PEP 683)";
            probe_immortal[i] = 1;
        }
    }
    return 0;
}

int
probe_init(int census, char *err, size_t errlen)
{
    PyObject *gc;

    probe_page_size = sysconf(_SC_PAGESIZE);
    if (probe_page_size <= 0) {
        probe_page_size = 4096;
    }
    if (probe_init_singletons() < 0) {
        goto fail;
    }
    if (!embed_has_ref_total()) {
        probe_na[PROBE_REFS_TOTAL] = "release build";
    }
    if (!probe_counts_blocks()) {
        probe_blocks_counted = 0;
        probe_na[PROBE_BLOCKS] = "allocator is not pymalloc";
        /* Every object is malloc's then, and valgrind and LSan replace
         * malloc (and mallinfo2) with their own: their metrics say it. */
        probe_na[PROBE_HEAP_BYTES] = "allocator is not pymalloc";
    }
    else {
        probe_blocks_counted = 1;
    }
    if (probe_heap() < 0 && probe_na[PROBE_HEAP_BYTES] == NULL) {
        probe_na[PROBE_HEAP_BYTES] = "no mallinfo2() (glibc 2.33 or later)";
    }
    if (probe_rss() < 0) {
        probe_na[PROBE_RSS_BYTES] = "cannot read /proc/self/statm";
    }
    if (probe_threads_os() < 0) {
        probe_na[PROBE_THREADS_OS] = "cannot read /proc/self/stat";
    }
    if (probe_fds() < 0) {
        probe_na[PROBE_FDS] = "cannot read /proc/self/fd";
    }
    if (probe_init_threads() < 0) {
        PyErr_Clear();
        probe_na[PROBE_THREADS_PY] = "threading unavailable";
    }

    gc = PyImport_ImportModule("gc");                              /* new */
    if (gc == NULL) {
        goto fail;
    }
    probe_get_objects = PyObject_GetAttrString(gc, "get_objects"); /* new */
    Py_DECREF(gc);
    if (probe_get_objects == NULL) {
        goto fail;
    }
    probe_str_module = PyUnicode_InternFromString("__module__");   /* new */
    if (probe_str_module == NULL) {
        goto fail;
    }
    probe_python_class = PyObject_CallFunction((PyObject *)&PyType_Type,
                                               "s(){}", "_lmx_probe");
    if (probe_python_class == NULL) {                              /* new */
        goto fail;
    }
    probe_class_dealloc = ((PyTypeObject *)probe_python_class)->tp_dealloc;
    if (census && probe_init_census() < 0) {
        snprintf(err, errlen, "cannot allocate the census table");
        return -1;
    }
    return 0;
fail:
    PyErr_Print();
    snprintf(err, errlen, "cannot set up the probes");
    return -1;
}

void
probe_release(void)
{
    int i;

    for (i = PROBE_REFS_NONE; i <= PROBE_REFS_EMPTY_TUPLE; i++) {
        Py_CLEAR(probe_singletons[i]);
    }
    Py_CLEAR(probe_threads_active);
    Py_CLEAR(probe_threads_limbo);
    Py_CLEAR(probe_active_count);
    Py_CLEAR(probe_get_objects);
    Py_CLEAR(probe_str_module);
    Py_CLEAR(probe_python_class);
    free(probe_census_table);
    free(probe_census_rows);
    free(probe_census_names);
    probe_census_table = NULL;
    probe_census_rows = NULL;
    probe_census_names = NULL;
    probe_census_on = 0;
    probe_census_nrows = 0;
}

const char *
probe_name(enum probe_id id)
{
    return (unsigned)id < PROBE_COUNT ? probe_names[id] : "?";
}

void
probe_set_na(enum probe_id id, const char *why)
{
    if (id < PROBE_COUNT && probe_na[id] == NULL) {
        probe_na[id] = why;
    }
}

const char *
probe_na_reason(enum probe_id id)
{
    return (unsigned)id < PROBE_COUNT ? probe_na[id] : "unknown probe";
}

int
probe_na_immortal(enum probe_id id)
{
    return (unsigned)id < PROBE_COUNT && probe_immortal[id];
}

int
probe_pymalloc(void)
{
    return probe_blocks_counted;
}

void
probe_collect(void)
{
    embed_gc_collect();
}
