/* registry_probe.c - an interpreter's build facts.  Each candidate
 * executable is run once with a small probe script (it must work on Python
 * 2.7 too, so that an old interpreter is listed as unsupported rather than
 * silently missing) and answers in "key=value" lines; everything else
 * follows from those answers, which the probe cache keeps.
 *
 * Flags for building a runner come from the interpreter's own pkg-config
 * module, queried with PKG_CONFIG_LIBDIR pointing at that install only:
 * pyenv's 3.11.7 and Debian's 3.11.2 both call theirs python-3.11-embed,
 * so a shared search path would silently hand one's flags to the other.
 */
#include "interp/registry.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/digest.h"
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

/* ---- the probe's answers --------------------------------------------- */

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

/* A private root (`pythons build --debian-binary`): Debian's packages
 * unpacked under ROOT, so sys.prefix is ROOT/usr while sysconfig still
 * names the paths Debian built for (/usr/include/python3.14,
 * /usr/lib/x86_64-linux-gnu) and the root holds its own glibc and loader
 * (ROOT/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2).  Returns ROOT
 * (fresh) when prefix is such a root, else NULL; sets py->loader. */
static char *
private_root(struct python *py)
{
    const char *p = py->prefix;
    size_t n = p ? strlen(p) : 0;
    char *root;

    if (n <= 4 || strcmp(p + n - 4, "/usr") != 0 || py->libdir == NULL
        || strncmp(py->libdir, "/usr/", 5) != 0) {
        return NULL;
    }
    root = xstrndup(p, n - 4);
    char *libdir = xasprintf("%s%s", root, py->libdir);
    const char *names[] = {"ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1",
                           "ld-linux.so.2", NULL};
    for (size_t i = 0; names[i] && py->loader == NULL; i++) {
        char *ld = path_join(libdir, names[i]);
        if (path_exists(ld)) {
            py->loader = ld;
        }
        else {
            free(ld);
        }
    }
    free(libdir);
    if (py->loader == NULL) {
        free(root);
        return NULL;
    }
    return root;
}

/* A sysconfig path of a private root's interpreter, inside the root. */
static char *
in_root(const char *root, const char *path)
{
    if (path == NULL || *path == '\0') {
        return NULL;
    }
    return root && strncmp(path, root, strlen(root)) != 0
               ? xasprintf("%s%s", root, path)
               : xstrdup(path);
}

/* The flags of a private root: its headers first and its libc's headers
 * after the machine's (-idirafter: the machine's compiler must keep its
 * own libc headers), and links that run on the root's loader with the
 * root's libraries (DT_RPATH, which also covers libpython's own
 * dependencies, and no check of symbols the machine's libc lacks). */
static void
private_root_flags(struct python *py, const char *root, const char *inc,
                   const char *confinc, const char *ldversion)
{
    struct strbuf cf = STRBUF_INIT;

    strbuf_addf(&cf, "-I%s", inc);
    if (confinc && strcmp(confinc, inc) != 0) {
        strbuf_addf(&cf, " -I%s", confinc);
    }
    strbuf_addf(&cf, " -idirafter %s/usr/include", root);
    py->cflags = strbuf_detach(&cf, NULL);
    py->libs = xasprintf("-L%s -lpython%s -Wl,--allow-shlib-undefined "
                         "-Wl,--disable-new-dtags -Wl,--dynamic-linker=%s",
                         py->libdir, ldversion, py->loader);
}

/* Why py's version cannot be embedded (fresh), or NULL. */
static char *
version_refused(const struct python *py)
{
    if (registry_version_supported(py->hexversion)) {
        return NULL;
    }
    if (py->hexversion < REGISTRY_OLDEST_HEXVERSION) {
        return xasprintf("Python %s is older than 3.4, the oldest "
                         "leakmatrix embeds", py->version);
    }
    return xasprintf("Python %s is newer than 3.15, the newest "
                     "leakmatrix supports", py->version);
}

/* Decides embeddability and build flags from the probe's answers. */
static void
judge_embeddable(struct python *py, char **lines, size_t nr,
                 struct strvec *relied_on)
{
    char *root = private_root(py);
    char *includepy = in_root(root, probe_get(lines, nr, "INCLUDEPY"));
    char *confinclude = in_root(root, probe_get(lines, nr, "CONFINCLUDEPY"));
    const char *ldlibrary = probe_get(lines, nr, "LDLIBRARY");
    const char *ldversion = probe_get(lines, nr, "LDVERSION");
    const char *pyver = probe_get(lines, nr, "VERSION");
    const char *abiflags = probe_get(lines, nr, "abiflags");
    const char *libpc = root ? NULL : probe_get(lines, nr, "LIBPC");
    char *header = NULL;
    char *shlib = NULL;

    if (root) {
        char *libdir = in_root(root, py->libdir);
        free(py->libdir);
        py->libdir = libdir;
    }

    if ((py->why_not = version_refused(py)) != NULL) {
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
    if (root) {
        private_root_flags(py, root, includepy, confinclude,
                           ldversion ? ldversion : pyver);
    }
    else if (flags_from_pkgconfig(py, libpc, pyver ? pyver : "",
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
    free(includepy);
    free(confinclude);
    free(root);
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
    uint64_t h = digest_fnv1a_str(DIGEST_FNV_OFFSET, real);

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
    strbuf_addf(&sb, "flags=%d %d %d %d %d %d\n", py->debug, py->pymalloc,
                py->with_valgrind, py->shared, py->embeddable,
                py->free_threaded);
    cache_field(&sb, "config_args", py->config_args);
    cache_field(&sb, "ext_suffix", py->ext_suffix);
    cache_field(&sb, "libdir", py->libdir);
    cache_field(&sb, "loader", py->loader);
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
    if (sscanf(flags, "%d %d %d %d %d %d", &got.debug, &got.pymalloc,
               &got.with_valgrind, &got.shared, &got.embeddable,
               &got.free_threaded) != 6) {
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
    got.loader = dup_or_null(probe_get(lines.v, lines.nr, "loader"));
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

/* ---- asking ---------------------------------------------------------- */

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
    py->free_threaded = truthy(probe_get(v, n, "Py_GIL_DISABLED"));
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
