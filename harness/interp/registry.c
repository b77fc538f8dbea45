/* registry.c - interpreter discovery.  Each candidate executable is run once
 * with a small probe script (it must work on Python 2.7 too, so that an old
 * interpreter is listed as unsupported rather than silently missing) and
 * answers in "key=value" lines; everything else follows from those answers.
 *
 * Flags for building a runner come from the interpreter's own pkg-config
 * module, queried with PKG_CONFIG_LIBDIR pointing at that install only:
 * pyenv's 3.11.7 and Debian's 3.11.2 both call theirs python-3.11-embed,
 * so a shared search path would silently hand one's flags to the other.
 */
#include "interp/registry.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/spawn.h"

#define PROBE_TIMEOUT_S 20.0

static const char probe_script[] =
    "import sys, sysconfig\n"
    "v = sysconfig.get_config_var\n"
    "def out(k, x):\n"
    "    x = '' if x is None else str(x)\n"
    "    sys.stdout.write(k + '=' + x.replace('\\n', ' ') + '\\n')\n"
    "vi = sys.version_info\n"
    "ver = '%d.%d.%d' % tuple(vi[:3])\n"
    "if vi[3] != 'final':\n"
    "    ver += {'alpha': 'a', 'beta': 'b', 'candidate': 'rc'}"
    ".get(vi[3], vi[3]) + str(vi[4])\n"
    "impl = getattr(sys, 'implementation', None)\n"
    "out('impl', impl.name if impl else 'cpython')\n"
    "out('version', ver)\n"
    "out('hexversion', sys.hexversion)\n"
    "out('prefix', sys.prefix)\n"
    "out('executable', sys.executable)\n"
    "out('debug', int(hasattr(sys, 'gettotalrefcount')))\n"
    "out('abiflags', getattr(sys, 'abiflags', ''))\n"
    "out('EXT_SUFFIX', v('EXT_SUFFIX') or v('SO'))\n"
    "for k in ('WITH_PYMALLOC', 'WITH_VALGRIND', 'Py_ENABLE_SHARED',\n"
    "          'CONFIG_ARGS', 'LIBDIR', 'LDLIBRARY',\n"
    "          'INCLUDEPY', 'CONFINCLUDEPY', 'LDVERSION', 'LIBPC',\n"
    "          'VERSION', 'Py_GIL_DISABLED'):\n"
    "    out(k, v(k))\n";

static void
python_release(struct python *py)
{
    free(py->tag);
    free(py->version);
    free(py->executable);
    free(py->prefix);
    free(py->config_args);
    free(py->ext_suffix);
    free(py->libdir);
    free(py->suppressions);
    free(py->why_not);
    free(py->pc_module);
    free(py->pc_dir);
    free(py->cflags);
    free(py->libs);
    free(py->runner);
    memset(py, 0, sizeof(*py));
}

void
registry_release(struct registry *reg)
{
    for (size_t i = 0; i < reg->nr; i++) {
        python_release(&reg->v[i]);
    }
    free(reg->v);
    reg->v = NULL;
    reg->nr = 0;
    reg->alloc = 0;
}

const char *
registry_origin_name(enum python_origin origin)
{
    switch (origin) {
    case PYTHON_ORIGIN_BUILT:
        return "built";
    case PYTHON_ORIGIN_PYENV:
        return "pyenv";
    case PYTHON_ORIGIN_SYSTEM:
        return "system";
    case PYTHON_ORIGIN_DEBIAN_DBG:
        return "debian-dbg";
    case PYTHON_ORIGIN_ADDED:
        return "added";
    }
    return "unknown";
}

int
registry_tag_valid(const char *tag, const char **why)
{
    const char *reason = NULL;
    size_t len = tag ? strlen(tag) : 0;

    if (len == 0) {
        reason = "it is empty";
    }
    else if (len > 64) {
        reason = "it is longer than 64 characters";
    }
    else if (tag[0] == '.' || tag[0] == '-') {
        reason = "it starts with '.' or '-'";
    }
    else if (strspn(tag, "abcdefghijklmnopqrstuvwxyz"
                         "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-") != len) {
        reason = "use only letters, digits and . _ + -";
    }
    if (reason && why) {
        *why = reason;
    }
    return reason == NULL;
}

/* The value of "key=" in the probe's output, or NULL. */
static const char *
probe_get(char **lines, size_t nr, const char *key)
{
    size_t klen = strlen(key);
    for (size_t i = 0; i < nr; i++) {
        if (strncmp(lines[i], key, klen) == 0 && lines[i][klen] == '=') {
            return lines[i] + klen + 1;
        }
    }
    return NULL;
}

/* Appends each complete "\n"-terminated line of text to lines. */
static void
split_lines(const char *text, struct strvec *lines)
{
    for (const char *line = text, *nl; (nl = strchr(line, '\n'));
         line = nl + 1) {
        char *copy = xstrndup(line, (size_t)(nl - line));
        strvec_push(lines, copy);
        free(copy);
    }
}

static char *
dup_or_null(const char *s)
{
    return s && *s ? xstrdup(s) : NULL;
}

static int
truthy(const char *s)
{
    return s && (strcmp(s, "1") == 0 || strcmp(s, "True") == 0);
}

/* Flags from the install's own pkg-config module, if it has one. */
static int
flags_from_pkgconfig(struct python *py, const char *libpc,
                     const char *pyver, const char *abiflags)
{
    const char *suffixes[] = {"-embed", ""};
    int rc = -1;

    if (libpc == NULL || !path_is_dir(libpc)) {
        return -1;
    }
    for (size_t i = 0; i < 2 && rc < 0; i++) {
        char *name = xasprintf("python-%s%s%s", pyver, abiflags, suffixes[i]);
        char *file = xasprintf("%s/%s.pc", libpc, name);
        if (path_exists(file)) {
            char *env_path = xasprintf("PKG_CONFIG_PATH=%s", libpc);
            char *env_libdir = xasprintf("PKG_CONFIG_LIBDIR=%s", libpc);
            const char *env[] = {env_path, env_libdir, NULL};
            const char *argv_c[] = {"pkg-config", "--cflags", name, NULL};
            const char *argv_l[] = {"pkg-config", "--libs", name, NULL};
            struct strbuf cf = STRBUF_INIT, lf = STRBUF_INIT;

            if (spawn_capture_env(argv_c, env, &cf, NULL, PROBE_TIMEOUT_S,
                                  NULL) == 0
                && spawn_capture_env(argv_l, env, &lf, NULL, PROBE_TIMEOUT_S,
                                     NULL) == 0) {
                strbuf_rtrim(&cf);
                strbuf_rtrim(&lf);
                py->pc_module = xstrdup(name);
                py->pc_dir = xstrdup(libpc);
                py->cflags = strbuf_detach(&cf, NULL);
                py->libs = strbuf_detach(&lf, NULL);
                rc = 0;
            }
            strbuf_release(&cf);
            strbuf_release(&lf);
            free(env_path);
            free(env_libdir);
        }
        free(name);
        free(file);
    }
    return rc;
}

/* Decides embeddability and build flags from the probe's answers. */
static void
judge_embeddable(struct python *py, char **lines, size_t nr,
                 struct strvec *relied_on)
{
    const char *includepy = probe_get(lines, nr, "INCLUDEPY");
    const char *confinclude = probe_get(lines, nr, "CONFINCLUDEPY");
    const char *ldlibrary = probe_get(lines, nr, "LDLIBRARY");
    const char *ldversion = probe_get(lines, nr, "LDVERSION");
    const char *pyver = probe_get(lines, nr, "VERSION");
    const char *abiflags = probe_get(lines, nr, "abiflags");
    const char *libpc = probe_get(lines, nr, "LIBPC");
    char *header = NULL;
    char *shlib = NULL;

    if (py->hexversion < 0x03040000) {
        py->why_not = xasprintf("Python %s is older than 3.4, the oldest "
                                "leakmatrix embeds", py->version);
        goto out;
    }
    if (py->hexversion >= 0x030f0000) {
        py->why_not = xasprintf("Python %s is newer than 3.14, the newest "
                                "leakmatrix supports", py->version);
        goto out;
    }
    if (truthy(probe_get(lines, nr, "Py_GIL_DISABLED"))) {
        py->why_not = xstrdup("free-threaded builds are not supported yet");
        goto out;
    }
    header = includepy ? path_join(includepy, "Python.h") : NULL;
    if (header) {
        strvec_push(relied_on, header);
    }
    if (header == NULL || !path_exists(header)) {
        py->why_not = xasprintf("no C headers (%s missing); on Debian "
                                "install python%s-dev",
                                header ? header : "Python.h",
                                pyver ? pyver : "3");
        goto out;
    }
    if (!py->shared || ldlibrary == NULL || py->libdir == NULL) {
        py->why_not = xstrdup("no shared libpython (built without "
                              "--enable-shared); `leakmatrix pythons build` "
                              "makes one that is");
        goto out;
    }
    shlib = path_join(py->libdir, ldlibrary);
    strvec_push(relied_on, shlib);
    if (!path_exists(shlib)) {
        py->why_not = xasprintf("%s missing; on Debian install "
                                "libpython%s-dev", shlib,
                                pyver ? pyver : "3");
        goto out;
    }
    if (flags_from_pkgconfig(py, libpc, pyver ? pyver : "",
                             abiflags ? abiflags : "") < 0) {
        /* No .pc in the install: generate the flags from sysconfig. */
        struct strbuf cf = STRBUF_INIT;
        strbuf_addf(&cf, "-I%s", includepy);
        if (confinclude && *confinclude && strcmp(confinclude, includepy)) {
            strbuf_addf(&cf, " -I%s", confinclude);
        }
        py->cflags = strbuf_detach(&cf, NULL);
        py->libs = xasprintf("-L%s -lpython%s", py->libdir,
                             ldversion ? ldversion : pyver);
    }
    /* The runner must load this libpython, not another 3.X's. */
    char *libs = xasprintf("%s -Wl,-rpath,%s", py->libs, py->libdir);
    free(py->libs);
    py->libs = libs;
    py->embeddable = 1;

out:
    free(header);
    free(shlib);
}

static struct python *
registry_append(struct registry *reg)
{
    if (reg->nr == reg->alloc) {
        reg->alloc = reg->alloc ? reg->alloc * 2 : 16;
        reg->v = xrealloc(reg->v, reg->alloc * sizeof(*reg->v));
    }
    struct python *py = &reg->v[reg->nr++];
    memset(py, 0, sizeof(*py));
    return py;
}

/* A tag nobody else in reg has yet. */
static char *
unique_tag(const struct registry *reg, const struct python *py)
{
    char *base = xasprintf("%s%s", py->version, py->debug ? "-debug" : "");
    if (registry_find(reg, base) == NULL) {
        return base;
    }
    char *with_origin = xasprintf("%s-%s", base,
                                  registry_origin_name(py->origin));
    for (int n = 2; registry_find(reg, with_origin) != NULL; n++) {
        free(with_origin);
        with_origin = xasprintf("%s-%s%d", base,
                                registry_origin_name(py->origin), n);
    }
    free(base);
    return with_origin;
}

static int
already_known(const struct registry *reg, const char *exe_real)
{
    for (size_t i = 0; i < reg->nr; i++) {
        char *other = path_real(reg->v[i].executable);
        int same = other && strcmp(other, exe_real) == 0;
        free(other);
        if (same) {
            return 1;
        }
    }
    return 0;
}


/* ---- probe cache ------------------------------------------------------
 * Asking an interpreter about itself costs a process start (20-50 ms) and
 * two pkg-config runs; `leakmatrix run` would pay that for every
 * interpreter on the machine before starting one cell.  So what was
 * learnt is kept in <cache>/registry/probes/, keyed by the executable's
 * real path, inode, size and mtime, and dropped when a file the judgement
 * relied on (Python.h, libpython) appeared or vanished since: installing
 * python3.11-dev makes Debian's 3.11 embeddable without touching its
 * binary.  `pythons list` and `sync` always probe afresh. */

static char *
probe_cache_path(const char *probes, const char *real)
{
    uint64_t h = 1469598103934665603ULL;  /* FNV-1a */
    for (const char *p = real; *p; p++) {
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    }
    return xasprintf("%s/%016llx", probes, (unsigned long long)h);
}

static char *
probe_stamp(const char *real)
{
    struct stat st;
    if (stat(real, &st) < 0) {
        return NULL;
    }
    return xasprintf("%s:%llu:%lld:%lld.%09ld", real,
                     (unsigned long long)st.st_ino, (long long)st.st_size,
                     (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

static void
cache_field(struct strbuf *sb, const char *key, const char *value)
{
    if (value) {
        strbuf_addf(sb, "%s=%s\n", key, value);
    }
}

static void
probe_cache_store(const char *probes, const char *real,
                  const struct python *py, const struct strvec *relied_on)
{
    struct strbuf sb = STRBUF_INIT;
    char *stamp = probe_stamp(real);
    char *path = probe_cache_path(probes, real);

    if (stamp == NULL) {
        goto out;
    }
    cache_field(&sb, "stamp", stamp);
    for (size_t i = 0; i < relied_on->nr; i++) {
        strbuf_addf(&sb, "%s=%s\n",
                    path_exists(relied_on->v[i]) ? "present" : "absent",
                    relied_on->v[i]);
    }
    cache_field(&sb, "version", py->version);
    strbuf_addf(&sb, "hexversion=%lu\n", py->hexversion);
    cache_field(&sb, "prefix", py->prefix);
    strbuf_addf(&sb, "flags=%d %d %d %d %d\n", py->debug, py->pymalloc,
                py->with_valgrind, py->shared, py->embeddable);
    cache_field(&sb, "config_args", py->config_args);
    cache_field(&sb, "ext_suffix", py->ext_suffix);
    cache_field(&sb, "libdir", py->libdir);
    cache_field(&sb, "why_not", py->why_not);
    cache_field(&sb, "pc_module", py->pc_module);
    cache_field(&sb, "pc_dir", py->pc_dir);
    cache_field(&sb, "cflags", py->cflags);
    cache_field(&sb, "libs", py->libs);
    if (util_mkdir_p(probes, 0755) == 0) {
        util_write_file_atomic(path, sb.buf, sb.len);
    }

out:
    free(stamp);
    free(path);
    strbuf_release(&sb);
}

/* Fills py from the cache; 1 when it could, 0 when the entry is missing
 * or stale (py untouched then). */
static int
probe_cache_load(const char *probes, const char *real, struct python *py)
{
    struct strbuf sb = STRBUF_INIT;
    struct strvec lines = STRVEC_INIT;
    struct python got;
    char *path = probe_cache_path(probes, real);
    char *stamp = probe_stamp(real);
    int ok = 0;

    memset(&got, 0, sizeof(got));
    if (stamp == NULL || util_read_file(path, &sb) < 0) {
        goto out;
    }
    split_lines(sb.buf, &lines);
    const char *cached_stamp = probe_get(lines.v, lines.nr, "stamp");
    const char *flags = probe_get(lines.v, lines.nr, "flags");
    const char *version = probe_get(lines.v, lines.nr, "version");
    if (cached_stamp == NULL || strcmp(cached_stamp, stamp) != 0
        || flags == NULL || version == NULL) {
        goto out;
    }
    for (size_t i = 0; i < lines.nr; i++) {
        int present = strncmp(lines.v[i], "present=", 8) == 0;
        int absent = strncmp(lines.v[i], "absent=", 7) == 0;
        if ((present && !path_exists(lines.v[i] + 8))
            || (absent && path_exists(lines.v[i] + 7))) {
            goto out;
        }
    }
    if (sscanf(flags, "%d %d %d %d %d", &got.debug, &got.pymalloc,
               &got.with_valgrind, &got.shared, &got.embeddable) != 5) {
        goto out;
    }
    got.version = xstrdup(version);
    got.hexversion = strtoul(probe_get(lines.v, lines.nr, "hexversion")
                                 ? probe_get(lines.v, lines.nr, "hexversion")
                                 : "0",
                             NULL, 10);
    got.prefix = dup_or_null(probe_get(lines.v, lines.nr, "prefix"));
    got.config_args = dup_or_null(probe_get(lines.v, lines.nr,
                                            "config_args"));
    got.ext_suffix = dup_or_null(probe_get(lines.v, lines.nr, "ext_suffix"));
    got.libdir = dup_or_null(probe_get(lines.v, lines.nr, "libdir"));
    got.why_not = dup_or_null(probe_get(lines.v, lines.nr, "why_not"));
    got.pc_module = dup_or_null(probe_get(lines.v, lines.nr, "pc_module"));
    got.pc_dir = dup_or_null(probe_get(lines.v, lines.nr, "pc_dir"));
    got.cflags = dup_or_null(probe_get(lines.v, lines.nr, "cflags"));
    got.libs = dup_or_null(probe_get(lines.v, lines.nr, "libs"));
    *py = got;
    ok = 1;

out:
    strvec_clear(&lines);
    strbuf_release(&sb);
    free(path);
    free(stamp);
    return ok;
}

/* Suppressions that ship beside a prefix built by leakmatrix. */
static void
find_suppressions(struct python *py)
{
    if (py->prefix) {
        char *supp = path_join(py->prefix, "valgrind-python.supp");
        if (path_exists(supp)) {
            py->suppressions = supp;
        }
        else {
            free(supp);
        }
    }
}

int
registry_probe(struct registry *reg, const char *exe,
               enum python_origin origin, struct strbuf *err)
{
    return registry_probe_cached(reg, exe, origin, NULL, 0, err);
}

/* The build facts of a probe's answer (prefix, debug, pymalloc, ...) and
 * the suppressions file that goes with them. */
static void
fill_from_probe(struct python *py, const struct strvec *lines)
{
    char **v = lines->v;
    size_t n = lines->nr;

    py->prefix = dup_or_null(probe_get(v, n, "prefix"));
    py->debug = truthy(probe_get(v, n, "debug"));
    py->pymalloc = truthy(probe_get(v, n, "WITH_PYMALLOC"));
    py->with_valgrind = truthy(probe_get(v, n, "WITH_VALGRIND"));
    py->shared = truthy(probe_get(v, n, "Py_ENABLE_SHARED"));
    py->config_args = dup_or_null(probe_get(v, n, "CONFIG_ARGS"));
    py->ext_suffix = dup_or_null(probe_get(v, n, "EXT_SUFFIX"));
    py->libdir = dup_or_null(probe_get(v, n, "LIBDIR"));
    find_suppressions(py);
}

/* Appends exe from the probe cache when its entry is fresh; 1 when it
 * did, 0 when the entry is missing or stale (reg untouched then). */
static int
append_cached(struct registry *reg, const char *exe,
              enum python_origin origin, const char *probes,
              const char *real)
{
    struct python cached;

    if (!probe_cache_load(probes, real, &cached)) {
        return 0;
    }
    struct python *py = registry_append(reg);
    *py = cached;
    py->origin = origin;
    py->executable = xstrdup(exe);
    find_suppressions(py);
    py->tag = unique_tag(reg, py);
    return 1;
}

/* Runs exe with the probe script and appends its answer's lines to
 * lines.  0 when it answered like CPython, else -1 with the reason in
 * err. */
static int
ask_python(const char *exe, struct strvec *lines, struct strbuf *err)
{
    const char *argv[] = {exe, "-S", "-E", "-c", probe_script, NULL};
    struct strbuf out = STRBUF_INIT;
    struct strbuf errout = STRBUF_INIT;
    struct spawn_exit ex;
    int rc = -1;

    /* stderr is captured to keep warnings of old interpreters quiet. */
    int r = spawn_capture(argv, &out, &errout, PROBE_TIMEOUT_S, &ex);
    if (r != 0) {
        strbuf_addf(err, "%s could not be run (", exe);
        if (r < 0) {
            strbuf_adds(err, strerror(errno));
        }
        else {
            spawn_exit_describe(&ex, err);
        }
        strbuf_addch(err, ')');
        goto out;
    }
    split_lines(out.buf, lines);
    const char *impl = probe_get(lines->v, lines->nr, "impl");
    const char *version = probe_get(lines->v, lines->nr, "version");
    const char *hex = probe_get(lines->v, lines->nr, "hexversion");
    if (impl == NULL || version == NULL || hex == NULL) {
        strbuf_addf(err, "%s did not answer the probe like CPython", exe);
        goto out;
    }
    if (strcmp(impl, "cpython") != 0) {
        strbuf_addf(err, "%s is %s, not CPython", exe, impl);
        goto out;
    }
    rc = 0;

out:
    strbuf_release(&out);
    strbuf_release(&errout);
    return rc;
}

int
registry_probe_cached(struct registry *reg, const char *exe,
                      enum python_origin origin, const char *probes,
                      int use_cache, struct strbuf *err)
{
    struct strvec relied_on = STRVEC_INIT;
    struct strvec lines = STRVEC_INIT;
    int rc = -1;

    char *real = path_real(exe);
    if (real == NULL) {
        strbuf_addf(err, "%s: %s", exe, strerror(errno));
        return -1;
    }
    if (already_known(reg, real)
        || (use_cache && probes
            && append_cached(reg, exe, origin, probes, real))) {
        free(real);
        return 0;
    }
    if (ask_python(exe, &lines, err) < 0) {
        goto out;
    }

    struct python *py = registry_append(reg);
    py->version = xstrdup(probe_get(lines.v, lines.nr, "version"));
    py->hexversion = strtoul(probe_get(lines.v, lines.nr, "hexversion"),
                             NULL, 10);
    py->origin = origin;
    py->executable = xstrdup(exe);
    fill_from_probe(py, &lines);
    judge_embeddable(py, lines.v, lines.nr, &relied_on);
    if (probes) {
        probe_cache_store(probes, real, py, &relied_on);
    }
    py->tag = unique_tag(reg, py);
    rc = 0;

out:
    free(real);
    strvec_clear(&lines);
    strvec_clear(&relied_on);
    return rc;
}

static int
compare_names(const void *a, const void *b)
{
    /* Version-aware: "3.9.18" before "3.10.13". */
    return strverscmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted entries of dir, or an empty vector when it does not exist.
 * -1 with errno when it exists but cannot be read. */
static int
list_dir(const char *dir, struct strvec *out)
{
    DIR *d = opendir(dir);
    struct dirent *de;

    if (d == NULL) {
        return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
    }
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] != '.') {
            strvec_push(out, de->d_name);
        }
    }
    closedir(d);
    if (out->nr > 1) {
        qsort(out->v, out->nr, sizeof(*out->v), compare_names);
    }
    return 0;
}

/* A prefix's python3 executable: bin/python3, else bin/python3.X. */
static char *
prefix_python(const char *prefix)
{
    char *bin = path_join(prefix, "bin");
    char *exe = path_join(bin, "python3");
    struct strvec names = STRVEC_INIT;

    if (path_is_executable(exe)) {
        goto out;
    }
    free(exe);
    exe = NULL;
    list_dir(bin, &names);
    for (size_t i = names.nr; i-- > 0 && exe == NULL;) {
        const char *n = names.v[i];
        if (strncmp(n, "python3.", 8) == 0
            && strspn(n + 8, "0123456789") == strlen(n + 8)) {
            char *cand = path_join(bin, n);
            if (path_is_executable(cand)) {
                exe = cand;
            }
            else {
                free(cand);
            }
        }
    }
out:
    strvec_clear(&names);
    free(bin);
    return exe;
}

/* One discovery: where it looks, and whether it could look everywhere. */
struct discovery {
    struct registry *reg;
    const struct cache *cache;
    int use_cache;
    struct strbuf *err;  /* why it is incomplete; first reason only */
    int incomplete;
};

static void
discovery_failed(struct discovery *d, const char *what)
{
    if (!d->incomplete) {
        strbuf_addf(d->err, "cannot read %s: %s", what, strerror(errno));
    }
    d->incomplete = 1;
}

static void
probe_prefix(struct discovery *d, const char *prefix,
             enum python_origin origin)
{
    char *exe = prefix_python(prefix);
    struct strbuf err = STRBUF_INIT;

    if (exe) {
        registry_probe_cached(d->reg, exe, origin, d->cache->probes,
                              d->use_cache, &err);
    }
    free(exe);
    strbuf_release(&err);
}

static void
discover_built(struct discovery *d)
{
    const char *root = d->cache->pythons;
    struct registry *reg = d->reg;
    struct strvec names = STRVEC_INIT;

    if (list_dir(root, &names) < 0) {
        discovery_failed(d, root);
    }
    for (size_t i = 0; i < names.nr; i++) {
        char *prefix = path_join(root, names.v[i]);
        char *marker = path_join(prefix, "leakmatrix-build.json");
        /* Only complete builds carry the marker.  A build is named by
         * its directory, the tag it was built under (--tag may differ
         * from the version). */
        size_t had = reg->nr;
        if (path_exists(marker)) {
            probe_prefix(d, prefix, PYTHON_ORIGIN_BUILT);
        }
        if (reg->nr > had && registry_tag_valid(names.v[i], NULL)
            && registry_find(reg, names.v[i]) == NULL) {
            free(reg->v[had].tag);
            reg->v[had].tag = xstrdup(names.v[i]);
        }
        free(marker);
        free(prefix);
    }
    strvec_clear(&names);
}

static void
discover_pyenv(struct discovery *d)
{
    const char *root_env = getenv("PYENV_ROOT");
    const char *home = getenv("HOME");
    char *root;
    struct strvec names = STRVEC_INIT;

    if (root_env && *root_env) {
        root = path_join(root_env, "versions");
    }
    else if (home && *home) {
        root = xasprintf("%s/.pyenv/versions", home);
    }
    else {
        return;
    }
    if (list_dir(root, &names) < 0) {
        discovery_failed(d, root);
    }
    for (size_t i = 0; i < names.nr; i++) {
        char *prefix = path_join(root, names.v[i]);
        probe_prefix(d, prefix, PYTHON_ORIGIN_PYENV);
        free(prefix);
    }
    strvec_clear(&names);
    free(root);
}

/* python3.X or python3.X-dbg / python3.Xd: 1 = release, 2 = debug. */
static int
system_python_kind(const char *name)
{
    if (strncmp(name, "python3.", 8) != 0) {
        return 0;
    }
    const char *p = name + 8;
    size_t digits = strspn(p, "0123456789");
    if (digits == 0) {
        return 0;
    }
    p += digits;
    if (*p == '\0') {
        return 1;
    }
    if (strcmp(p, "-dbg") == 0 || strcmp(p, "d") == 0) {
        return 2;
    }
    return 0;
}

static void
discover_system(struct discovery *d)
{
    const char *dirs[] = {"/usr/bin", "/usr/local/bin"};
    struct strbuf err = STRBUF_INIT;

    for (size_t i = 0; i < 2; i++) {
        struct strvec names = STRVEC_INIT;
        if (list_dir(dirs[i], &names) < 0) {
            discovery_failed(d, dirs[i]);
        }
        for (size_t j = 0; j < names.nr; j++) {
            int kind = system_python_kind(names.v[j]);
            if (kind == 0) {
                continue;
            }
            char *exe = path_join(dirs[i], names.v[j]);
            if (path_is_executable(exe)) {
                strbuf_reset(&err);
                registry_probe_cached(d->reg, exe,
                                      kind == 2 ? PYTHON_ORIGIN_DEBIAN_DBG
                                                : PYTHON_ORIGIN_SYSTEM,
                                      d->cache->probes, d->use_cache, &err);
            }
            free(exe);
        }
        strvec_clear(&names);
    }
    strbuf_release(&err);
}

static void
discover_added(struct discovery *d)
{
    const char *path = d->cache->added;
    struct strbuf sb = STRBUF_INIT;

    if (util_read_file(path, &sb) < 0) {
        if (errno != ENOENT) {
            discovery_failed(d, path);
        }
    }
    else {
        for (char *line = sb.buf, *nl; *line; line = nl + 1) {
            nl = strchr(line, '\n');
            if (nl) {
                *nl = '\0';
            }
            if (*line == '/') {
                probe_prefix(d, line, PYTHON_ORIGIN_ADDED);
            }
            if (nl == NULL) {
                break;
            }
        }
    }
    strbuf_release(&sb);
}

/* Splits text made of "tag<TAB>executable" lines ('#' lines are
 * comments), in place, into tags and exes, index for index. */
static void
parse_tag_list(char *text, struct strvec *tags, struct strvec *exes)
{
    for (char *line = text, *nl; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        if (nl) {
            *nl = '\0';
        }
        char *tab = strchr(line, '\t');
        if (*line != '#' && tab) {
            *tab = '\0';
            strvec_push(tags, line);
            strvec_push(exes, tab + 1);
        }
        if (nl == NULL) {
            break;
        }
    }
}

/* The same for a file; 0, or -1 with errno. */
static int
read_tag_list(const char *path, struct strvec *tags, struct strvec *exes)
{
    struct strbuf sb = STRBUF_INIT;

    if (util_read_file(path, &sb) < 0) {
        return -1;
    }
    parse_tag_list(sb.buf, tags, exes);
    strbuf_release(&sb);
    return 0;
}

static int
tag_list_has(const struct strvec *tags, const struct strvec *exes,
             const char *tag, const char *exe)
{
    for (size_t i = 0; i < tags->nr; i++) {
        if (strcmp(tags->v[i], tag) == 0 && strcmp(exes->v[i], exe) == 0) {
            return 1;
        }
    }
    return 0;
}

void
registry_attach_runners(struct registry *reg, const char *runner_dir)
{
    struct strvec tags = STRVEC_INIT, exes = STRVEC_INIT;
    char *list = path_join(runner_dir, "runners.txt");

    read_tag_list(list, &tags, &exes);
    for (size_t i = 0; i < reg->nr; i++) {
        struct python *py = &reg->v[i];
        if (!py->embeddable || py->runner || py->executable == NULL
            || !tag_list_has(&tags, &exes, py->tag, py->executable)) {
            continue;
        }
        char *name = xasprintf("leakmatrix-run-%s", py->tag);
        char *path = path_join(runner_dir, name);
        if (path_is_executable(path)) {
            py->runner = path;
        }
        else {
            free(path);
        }
        free(name);
    }
    strvec_clear(&tags);
    strvec_clear(&exes);
    free(list);
}

int
registry_discover(struct registry *reg, const struct cache *cache,
                  const char *runner_dir, int use_cache, struct strbuf *err)
{
    struct discovery d = {reg, cache, use_cache, err, 0};

    discover_built(&d);
    discover_pyenv(&d);
    discover_system(&d);
    discover_added(&d);
    if (runner_dir) {
        registry_attach_runners(reg, runner_dir);
    }
    return d.incomplete ? -1 : 0;
}

/* Why the interpreter the old manifest had as tag/exe is gone. */
static void
why_dropped(const struct registry *reg, const char *tag, const char *exe,
            struct strbuf *why)
{
    const struct python *same_tag = registry_find(reg, tag);
    char *real = path_real(exe);

    for (size_t i = 0; real && i < reg->nr; i++) {
        const struct python *py = &reg->v[i];
        char *other = path_real(py->executable);
        int same = other && strcmp(other, real) == 0;
        free(other);
        if (same && !py->embeddable) {
            strbuf_addf(why, "not embeddable any more: %s", py->why_not);
            goto out;
        }
        if (same) {
            strbuf_addf(why, "it is listed as %s (%s) now", py->tag,
                        py->executable);
            goto out;
        }
    }
    if (real == NULL || !path_is_executable(real)) {
        strbuf_adds(why, "no longer found");
    }
    else {
        /* It is there but discovery could not use it: ask it again, for
         * the reason. */
        struct registry again = REGISTRY_INIT;
        struct strbuf err = STRBUF_INIT;
        if (registry_probe(&again, exe, PYTHON_ORIGIN_ADDED, &err) < 0) {
            strbuf_adds(why, err.len ? err.buf : "it cannot be run");
        }
        else {
            strbuf_adds(why, "no longer among the places discovery looks");
        }
        strbuf_release(&err);
        registry_release(&again);
    }
    if (same_tag) {
        strbuf_addf(why, "; %s is now %s", tag, same_tag->executable);
    }

out:
    free(real);
}

void
registry_dropped(const struct registry *reg, const char *old_manifest,
                 struct strvec *out)
{
    struct strvec tags = STRVEC_INIT, exes = STRVEC_INIT;
    struct strbuf text = STRBUF_INIT;
    struct strbuf why = STRBUF_INIT;

    if (old_manifest == NULL) {
        return;
    }
    strbuf_adds(&text, old_manifest);
    parse_tag_list(text.buf, &tags, &exes);
    for (size_t i = 0; i < tags.nr; i++) {
        const struct python *py = registry_find(reg, tags.v[i]);
        if (py && py->embeddable && py->executable
            && strcmp(py->executable, exes.v[i]) == 0) {
            continue;
        }
        strbuf_reset(&why);
        why_dropped(reg, tags.v[i], exes.v[i], &why);
        strvec_pushf(out, "%s (%s): %s", tags.v[i], exes.v[i], why.buf);
    }
    strbuf_release(&why);
    strbuf_release(&text);
    strvec_clear(&tags);
    strvec_clear(&exes);
}

struct python *
registry_find(const struct registry *reg, const char *tag)
{
    for (size_t i = 0; i < reg->nr; i++) {
        if (reg->v[i].tag && strcmp(reg->v[i].tag, tag) == 0) {
            return &reg->v[i];
        }
    }
    return NULL;
}

size_t
registry_select(const struct registry *reg, const char *sel,
                struct python **out, size_t *nout, size_t max)
{
    size_t found = 0;
    size_t len = strlen(sel);
    /* An exact tag selects that one alone: "3.11.2" is not also
     * "3.11.2-debug". */
    int exact = registry_find(reg, sel) != NULL;

    for (size_t i = 0; i < reg->nr; i++) {
        struct python *py = &reg->v[i];
        int match = strcmp(py->tag, sel) == 0;
        if (exact && !match) {
            continue;
        }
        /* A prefix must end where a version component ends. */
        if (!match && len > 0 && strncmp(py->tag, sel, len) == 0) {
            char next = py->tag[len];
            match = next == '.' || next == '-';
        }
        if (!match) {
            continue;
        }
        found++;
        int dup = 0;
        for (size_t j = 0; j < *nout; j++) {
            dup |= out[j] == py;
        }
        if (!dup && *nout < max) {
            out[(*nout)++] = py;
        }
    }
    return found;
}

void
registry_flavour(const struct python *py, struct strbuf *sb)
{
    strbuf_adds(sb, py->debug ? "debug" : "release");
    if (!py->pymalloc) {
        strbuf_adds(sb, "+malloc");
    }
    if (py->with_valgrind) {
        strbuf_adds(sb, "+valgrind");
    }
}

void
registry_format_text(const struct registry *reg, struct strbuf *out)
{
    size_t tagw = 3;

    for (size_t i = 0; i < reg->nr; i++) {
        size_t n = strlen(reg->v[i].tag);
        tagw = n > tagw ? n : tagw;
    }
    strbuf_addf(out, "%-*s  %-10s  %-22s  %-10s  %-8s  %s\n", (int)tagw,
                "TAG", "VERSION", "FLAVOUR", "ORIGIN", "RUNNER", "PREFIX");
    for (size_t i = 0; i < reg->nr; i++) {
        const struct python *py = &reg->v[i];
        struct strbuf fl = STRBUF_INIT;
        registry_flavour(py, &fl);
        strbuf_addf(out, "%-*s  %-10s  %-22s  %-10s  %-8s  %s\n",
                    (int)tagw, py->tag, py->version, fl.buf,
                    registry_origin_name(py->origin),
                    !py->embeddable ? "-" : py->runner ? "built" : "missing",
                    py->prefix ? py->prefix : "?");
        if (!py->embeddable) {
            strbuf_addf(out, "%-*s  not embeddable: %s\n", (int)tagw, "",
                        py->why_not);
        }
        else if (py->runner == NULL) {
            strbuf_addf(out, "%-*s  no runner: %s\n", (int)tagw, "",
                        REGISTRY_NO_RUNNER_HINT);
        }
        strbuf_release(&fl);
    }
}

static json_t *
json_str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

int
registry_format_json(const struct registry *reg, struct strbuf *out)
{
    json_t *arr = json_array();

    for (size_t i = 0; i < reg->nr; i++) {
        const struct python *py = &reg->v[i];
        struct strbuf fl = STRBUF_INIT;
        registry_flavour(py, &fl);
        json_t *o = json_object();
        json_object_set_new(o, "tag", json_string(py->tag));
        json_object_set_new(o, "version", json_string(py->version));
        json_object_set_new(o, "hexversion",
                            json_integer((json_int_t)py->hexversion));
        json_object_set_new(o, "flavour", json_string(fl.buf));
        json_object_set_new(o, "debug", json_boolean(py->debug));
        json_object_set_new(o, "pymalloc", json_boolean(py->pymalloc));
        json_object_set_new(o, "with_valgrind",
                            json_boolean(py->with_valgrind));
        json_object_set_new(o, "embeddable", json_boolean(py->embeddable));
        json_object_set_new(o, "why_not", json_str_or_null(py->why_not));
        json_object_set_new(o, "prefix", json_str_or_null(py->prefix));
        json_object_set_new(o, "executable",
                            json_str_or_null(py->executable));
        json_object_set_new(o, "origin",
                            json_string(registry_origin_name(py->origin)));
        json_object_set_new(o, "pkg_config",
                            json_str_or_null(py->pc_module));
        json_object_set_new(o, "config_args",
                            json_str_or_null(py->config_args));
        json_object_set_new(o, "suppressions",
                            json_str_or_null(py->suppressions));
        json_object_set_new(o, "runner", json_str_or_null(py->runner));
        json_array_append_new(arr, o);
        strbuf_release(&fl);
    }
    char *text = json_dumps(arr, JSON_INDENT(2));
    json_decref(arr);
    if (text == NULL) {
        return -1;
    }
    strbuf_adds(out, text);
    strbuf_addch(out, '\n');
    free(text);
    return 0;
}

/* Writes path only when its content differs; 1 written, 0 same, -1. */
static int
write_if_changed(const char *path, const struct strbuf *content)
{
    struct strbuf old = STRBUF_INIT;
    int same = util_read_file(path, &old) == 0 && old.len == content->len
               && memcmp(old.buf, content->buf, old.len) == 0;
    strbuf_release(&old);
    if (same) {
        return 0;
    }
    return util_write_file_atomic(path, content->buf, content->len) < 0 ? -1
                                                                         : 1;
}

int
registry_write_manifest(const struct registry *reg, const char *dir)
{
    struct strbuf manifest = STRBUF_INIT;
    int changed = 0;

    if (util_mkdir_p(dir, 0755) < 0) {
        return -1;
    }
    strbuf_adds(&manifest, "# written by `leakmatrix pythons sync`; "
                           "read by meson.build\n");
    for (size_t i = 0; i < reg->nr; i++) {
        const struct python *py = &reg->v[i];
        if (!py->embeddable) {
            continue;
        }
        struct strbuf pc = STRBUF_INIT;
        struct strbuf fl = STRBUF_INIT;
        registry_flavour(py, &fl);
        strbuf_addf(&pc,
                    "# generated by leakmatrix from %s\n"
                    "tag=%s\n"
                    "executable=%s\n"
                    "prefix=%s\n"
                    "libdir=%s\n"
                    "ext_suffix=%s\n"
                    "flavour=%s\n"
                    "\n"
                    "Name: leakmatrix-python-%s\n"
                    "Description: CPython %s (%s, %s) for leakmatrix\n"
                    "Version: %s\n"
                    "Cflags: %s\n"
                    "Libs: %s\n",
                    py->pc_module ? py->pc_module : "sysconfig", py->tag,
                    py->executable, py->prefix ? py->prefix : "",
                    py->libdir ? py->libdir : "",
                    py->ext_suffix ? py->ext_suffix : ".so", fl.buf, py->tag,
                    py->version, fl.buf, registry_origin_name(py->origin),
                    py->version, py->cflags, py->libs);
        char *name = xasprintf("leakmatrix-python-%s.pc", py->tag);
        char *path = path_join(dir, name);
        int r = write_if_changed(path, &pc);
        free(path);
        free(name);
        strbuf_release(&pc);
        strbuf_release(&fl);
        if (r < 0) {
            strbuf_release(&manifest);
            return -1;
        }
        strbuf_addf(&manifest, "%s\t%s\n", py->tag, py->executable);
    }
    char *mpath = path_join(dir, "pythons.txt");
    int r = write_if_changed(mpath, &manifest);
    free(mpath);
    strbuf_release(&manifest);
    if (r < 0) {
        return -1;
    }
    changed = r;
    return changed;
}

int
registry_add_prefix(const struct cache *cache, const char *prefix,
                    struct strbuf *err)
{
    struct registry probe = REGISTRY_INIT;
    struct strbuf list = STRBUF_INIT;
    const char *path = cache->added;
    char *real = path_real(prefix);
    char *exe = NULL;
    int rc = -1;

    if (real == NULL || !path_is_dir(real)) {
        strbuf_addf(err, "%s is not a directory", prefix);
        goto out;
    }
    exe = prefix_python(real);
    if (exe == NULL) {
        strbuf_addf(err, "no python3 executable in %s/bin; give the "
                         "prefix the interpreter was installed into",
                    real);
        goto out;
    }
    if (registry_probe(&probe, exe, PYTHON_ORIGIN_ADDED, err) < 0) {
        goto out;
    }
    if (util_read_file(path, &list) < 0 && errno != ENOENT) {
        strbuf_addf(err, "cannot read %s: %s", path, strerror(errno));
        goto out;
    }
    /* Already listed: nothing to do. */
    for (char *line = list.buf, *nl; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        if (n == strlen(real) && strncmp(line, real, n) == 0) {
            rc = 0;
            goto out;
        }
        if (nl == NULL) {
            break;
        }
    }
    strbuf_addf(&list, "%s\n", real);
    if (util_mkdir_p(cache->root, 0755) < 0
        || util_write_file_atomic(path, list.buf, list.len) < 0) {
        strbuf_addf(err, "cannot write %s: %s", path, strerror(errno));
        goto out;
    }
    rc = 0;

out:
    registry_release(&probe);
    strbuf_release(&list);
    free(real);
    free(exe);
    return rc;
}
