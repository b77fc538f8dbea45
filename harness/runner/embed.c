/* embed: interpreter start-up and shutdown, and all PY_VERSION_HEX checks.
 *
 * Start-up is a few small phases that return a status the caller passes up
 * (as pylifecycle.c does).  Version notes sit next to each #if; the general
 * rule is that a probe a version cannot provide is left to probe.c to report
 * as n/a, never faked here.
 */
#include "embed.h"

#include <marshal.h>

#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* 3.11 moved the declaration to the internal pycore_pymem.h; the function
 * is still exported (it is gone from the ABI in 3.12, see below) */
#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000
PyAPI_FUNC(Py_ssize_t) _Py_GetAllocatedBlocks(void);
#endif

/* Python objects fetched once at start-up (new references) */
#if PY_VERSION_HEX >= 0x030C0000 \
    || (PY_VERSION_HEX >= 0x03080000 && PY_VERSION_HEX < 0x030A0000)
#define EMBED_NEEDS_HELPERS 1
#endif
#if PY_VERSION_HEX >= 0x030C0000
static PyObject *embed_getallocatedblocks;   /* sys.getallocatedblocks */
#endif
#if PY_VERSION_HEX >= 0x03080000 && PY_VERSION_HEX < 0x030A0000
static PyObject *embed_gc_isenabled;         /* gc.isenabled */
static PyObject *embed_gc_enable;            /* gc.enable */
static PyObject *embed_gc_disable;           /* gc.disable */
#endif

static void
embed_msg(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

int
embed_check_version(char *err, size_t errlen)
{
    const char *v = Py_GetVersion();
    char *end;
    long major, minor;

    major = strtol(v, &end, 10);
    minor = *end == '.' ? strtol(end + 1, &end, 10) : -1;
    if (major != PY_MAJOR_VERSION || minor != PY_MINOR_VERSION) {
        embed_msg(err, errlen,
                  "libpython is version %.20s but the runner was built for "
                  "%s; check the rpath and LD_LIBRARY_PATH", v, PY_VERSION);
        return -1;
    }
    return 0;
}

const char *
embed_version(void)
{
    return Py_GetVersion();
}

#if PY_VERSION_HEX >= 0x03080000
/*
 * 3.8+: the PyConfig API, as Programs/_testembed.c uses it.  The "python"
 * configuration reads the environment like the python executable does;
 * the config is cleared on success and on failure.
 */
static int
embed_start_config(const char *exe, char *err, size_t errlen)
{
    PyConfig config;
    PyStatus status;

    PyConfig_InitPythonConfig(&config);
    config.parse_argv = 0;             /* we have no argv for it */
    config.install_signal_handlers = 1;
    status = PyConfig_SetBytesString(&config, &config.program_name, exe);
    if (PyStatus_Exception(status)) {
        goto done;
    }
    status = Py_InitializeFromConfig(&config);
done:
    PyConfig_Clear(&config);
    if (PyStatus_IsExit(status)) {
        embed_msg(err, errlen, "python exited with status %d while starting",
                  status.exitcode);
        return -1;
    }
    if (PyStatus_Exception(status)) {
        embed_msg(err, errlen, "cannot start python: %s%s%s",
                  status.func ? status.func : "",
                  status.func ? ": " : "",
                  status.err_msg ? status.err_msg : "unknown error");
        return -1;
    }
    return 0;
}
#else
/*
 * Before 3.8: Py_SetProgramName() keeps the pointer, so the name lives in
 * static storage.  The path is decoded with the user's locale, as python's
 * own main() does (Py_DecodeLocale is 3.5+; 3.4 gets mbstowcs).  3.6 reads
 * PYTHONMALLOC in Py_Main(), not in Py_Initialize(), so we do it here.
 */
static wchar_t embed_program_name[4096];

static int
embed_decode_program_name(const char *exe, char *err, size_t errlen)
{
    const char *cur = setlocale(LC_CTYPE, NULL);
    char *saved = cur ? strdup(cur) : NULL;
    int rc = -1;

    setlocale(LC_CTYPE, "");
#if PY_VERSION_HEX >= 0x03050000
    {
        size_t n;
        wchar_t *w = Py_DecodeLocale(exe, &n);   /* PyMem_RawMalloc'ed */

        if (w != NULL && n < sizeof(embed_program_name) / sizeof(wchar_t)) {
            wcscpy(embed_program_name, w);
            rc = 0;
        }
        PyMem_RawFree(w);
    }
#else
    {
        size_t n = mbstowcs(embed_program_name, exe,
                            sizeof(embed_program_name) / sizeof(wchar_t));

        if (n != (size_t)-1
            && n < sizeof(embed_program_name) / sizeof(wchar_t)) {
            rc = 0;
        }
    }
#endif
    setlocale(LC_CTYPE, saved ? saved : "C");
    free(saved);
    if (rc < 0) {
        embed_msg(err, errlen, "cannot decode the program name %s", exe);
    }
    return rc;
}

static int
embed_start_legacy(const char *exe, char *err, size_t errlen)
{
    if (embed_decode_program_name(exe, err, errlen) < 0) {
        return -1;
    }
#if PY_VERSION_HEX >= 0x03060000 && PY_VERSION_HEX < 0x03070000
    {
        const char *opt = getenv("PYTHONMALLOC");

        if (opt != NULL && *opt != '\0' && _PyMem_SetupAllocators(opt) < 0) {
            embed_msg(err, errlen, "bad PYTHONMALLOC: unknown allocator %s",
                      opt);
            return -1;
        }
    }
#endif
    Py_SetProgramName(embed_program_name);
    Py_InitializeEx(1);
    if (!Py_IsInitialized()) {
        embed_msg(err, errlen, "cannot start python: Py_InitializeEx failed");
        return -1;
    }
    return 0;
}
#endif

#ifdef EMBED_NEEDS_HELPERS
/* Fetch attribute name of module modname: a new reference or NULL. */
static PyObject *
embed_module_attr(const char *modname, const char *name)
{
    PyObject *module = PyImport_ImportModule(modname);   /* new reference */
    PyObject *attr;

    if (module == NULL) {
        return NULL;
    }
    attr = PyObject_GetAttrString(module, name);         /* new reference */
    Py_DECREF(module);
    return attr;
}
#endif

static int
embed_fetch_helpers(char *err, size_t errlen)
{
    int ok = 1;

#if PY_VERSION_HEX >= 0x030C0000
    embed_getallocatedblocks = embed_module_attr("sys", "getallocatedblocks");
    ok = ok && embed_getallocatedblocks != NULL;
#endif
#if PY_VERSION_HEX >= 0x03080000 && PY_VERSION_HEX < 0x030A0000
    embed_gc_isenabled = embed_module_attr("gc", "isenabled");
    embed_gc_enable = embed_module_attr("gc", "enable");
    embed_gc_disable = embed_module_attr("gc", "disable");
    ok = ok && embed_gc_isenabled && embed_gc_enable && embed_gc_disable;
#endif
    if (!ok) {
        PyErr_Print();
        embed_msg(err, errlen, "cannot fetch the gc and sys helpers");
        return -1;
    }
    return 0;
}

/*
 * Headers and libpython must agree on Py_REF_DEBUG.  They can disagree
 * silently: Debian's /usr/include/python3.11d/Python.h is a symlink into
 * python3.11/, and gcc resolves symlinks of -isystem headers, so its
 * "pyconfig.h" becomes the release one.  A debug libpython has
 * sys.gettotalrefcount; a runner built for release would misread it.
 */
static int
embed_check_build(char *err, size_t errlen)
{
    int runtime = PySys_GetObject("gettotalrefcount") != NULL;  /* borrowed */

    if (runtime != embed_has_ref_total()) {
        embed_msg(err, errlen,
                  "libpython is a %s build but the runner was compiled with "
                  "%s headers (Py_REF_DEBUG); rebuild it with the right "
                  "include directory (-I, not -isystem, on Debian)",
                  runtime ? "debug" : "release",
                  runtime ? "release" : "debug");
        return -1;
    }
    return 0;
}

int
embed_start(const char *exe, char *err, size_t errlen)
{
#if PY_VERSION_HEX >= 0x03080000
    if (embed_start_config(exe, err, errlen) < 0) {
        return -1;
    }
#else
    if (embed_start_legacy(exe, err, errlen) < 0) {
        return -1;
    }
#endif
    if (embed_check_build(err, errlen) < 0) {
        return -1;
    }
    return embed_fetch_helpers(err, errlen);
}

int
embed_finish(void)
{
#if PY_VERSION_HEX >= 0x030C0000
    Py_CLEAR(embed_getallocatedblocks);
#endif
#if PY_VERSION_HEX >= 0x03080000 && PY_VERSION_HEX < 0x030A0000
    Py_CLEAR(embed_gc_isenabled);
    Py_CLEAR(embed_gc_enable);
    Py_CLEAR(embed_gc_disable);
#endif
#if PY_VERSION_HEX >= 0x03060000
    return Py_FinalizeEx() < 0 ? -1 : 0;
#else
    Py_Finalize();
    return 0;
#endif
}

/* m's marshalled code object, or NULL (no exception set) when this
 * interpreter cannot use it: another bytecode magic number, or data it
 * does not read as a code object. */
static PyObject *
embed_load_code(const struct embed_module_code *m)
{
    PyObject *code;
    long magic = PyImport_GetMagicNumber();

    if (magic == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        return NULL;
    }
    if (magic != m->magic || m->code_size > PY_SSIZE_T_MAX) {
        return NULL;
    }
    code = PyMarshal_ReadObjectFromString((const char *)m->code,
                                          (Py_ssize_t)m->code_size); /* new */
    if (code == NULL) {
        PyErr_Clear();
        return NULL;
    }
    if (!PyCode_Check(code)) {
        Py_DECREF(code);
        return NULL;
    }
    return code;
}

PyObject *
embed_exec_module(const char *name, const struct embed_module_code *m)
{
    PyObject *code, *module;

    code = embed_load_code(m);                                  /* new */
    if (code == NULL) {
        code = Py_CompileString(m->source, m->filename, Py_file_input);
        if (code == NULL) {                                     /* new */
            return NULL;
        }
    }
    module = PyImport_ExecCodeModule(name, code);   /* new reference */
    Py_DECREF(code);
    return module;
}

PyObject *
embed_fetch_exception(void)
{
#if PY_VERSION_HEX >= 0x030C0000
    return PyErr_GetRaisedException();   /* new reference, or NULL */
#else
    PyObject *type, *value, *tb;

    PyErr_Fetch(&type, &value, &tb);     /* new references, or NULL */
    if (type == NULL) {
        return NULL;
    }
    PyErr_NormalizeException(&type, &value, &tb);
    if (value != NULL && tb != NULL) {
        PyException_SetTraceback(value, tb);
    }
    Py_XDECREF(type);
    Py_XDECREF(tb);
    return value;
#endif
}

void
embed_gc_collect(void)
{
#if PY_VERSION_HEX >= 0x030A0000
    int was_enabled = PyGC_Enable();

    (void)PyGC_Collect();
    if (!was_enabled) {
        PyGC_Disable();
    }
#elif PY_VERSION_HEX >= 0x03080000
    /* 3.8 and 3.9: PyGC_Collect() skips while gc is disabled and there is
     * no C API to enable it; gc.isenabled() returns a singleton and
     * enable()/disable() return None, so this allocates nothing lasting */
    PyObject *on = PyObject_CallObject(embed_gc_isenabled, NULL);   /* new */
    PyObject *r = NULL;
    int was_enabled = on != Py_False;

    Py_XDECREF(on);
    if (!was_enabled) {
        r = PyObject_CallObject(embed_gc_enable, NULL);             /* new */
        Py_XDECREF(r);
    }
    (void)PyGC_Collect();
    if (!was_enabled) {
        r = PyObject_CallObject(embed_gc_disable, NULL);            /* new */
        Py_XDECREF(r);
    }
    PyErr_Clear();
#else
    (void)PyGC_Collect();
#endif
}

int
embed_gc_freeze(void)
{
#if PY_VERSION_HEX >= 0x03070000
    PyObject *gc = PyImport_ImportModule("gc");                 /* new */
    PyObject *r = NULL;

    embed_gc_collect();
    if (gc != NULL) {
        r = PyObject_CallMethod(gc, "freeze", NULL);            /* new */
        Py_DECREF(gc);
    }
    if (r == NULL) {
        PyErr_Clear();
        return -1;
    }
    Py_DECREF(r);
    return 1;
#else
    return 0;
#endif
}

void
embed_gc_unfreeze(void)
{
#if PY_VERSION_HEX >= 0x03070000
    PyObject *gc = PyImport_ImportModule("gc");                 /* new */
    PyObject *r = gc ? PyObject_CallMethod(gc, "unfreeze", NULL)
                     : NULL;                                    /* new */

    Py_XDECREF(gc);
    Py_XDECREF(r);
    PyErr_Clear();
#endif
}

int
embed_has_ref_total(void)
{
#ifdef Py_REF_DEBUG
    return 1;
#else
    return 0;
#endif
}

int
embed_free_threaded(void)
{
#ifdef Py_GIL_DISABLED
    return 1;
#else
    return 0;
#endif
}

int
embed_gil_enabled(void)
{
#ifdef Py_GIL_DISABLED
    PyObject *r = PySys_GetObject("_is_gil_enabled");      /* borrowed */
    PyObject *on = r ? PyObject_CallNoArgs(r) : NULL;      /* new */
    int enabled = on ? PyObject_IsTrue(on) : -1;

    Py_XDECREF(on);
    if (enabled < 0) {
        PyErr_Clear();
    }
    return enabled;
#else
    return 1;
#endif
}

int
embed_immortal(PyObject *o)
{
#if PY_VERSION_HEX >= 0x030C0000
    /* Immortal counts sit at 2**30 and above (3.12's _Py_IMMORTAL_REFCNT
     * on 64 bits is 2**32 - 1 >> 2; the free-threaded local count is
     * 2**32 - 1); no mortal object nears a billion references. */
    return Py_REFCNT(o) >= ((Py_ssize_t)1 << 30);
#else
    (void)o;
    return 0;
#endif
}

long long
embed_ref_total(void)
{
#if defined(Py_REF_DEBUG) && PY_VERSION_HEX >= 0x030C0000
    return (long long)_Py_GetGlobalRefTotal();
#elif defined(Py_REF_DEBUG)
    return (long long)_Py_GetRefTotal();
#else
    return 0;
#endif
}

long long
embed_allocated_blocks(void)
{
#if PY_VERSION_HEX >= 0x030C0000
    PyObject *r = PyObject_CallObject(embed_getallocatedblocks, NULL);
    long long n;

    if (r == NULL) {                   /* new reference */
        PyErr_Clear();
        return -1;
    }
    n = PyLong_AsLongLong(r);
    Py_DECREF(r);
    if (n == -1 && PyErr_Occurred()) {
        PyErr_Clear();
    }
    return n;
#else
    return (long long)_Py_GetAllocatedBlocks();
#endif
}
