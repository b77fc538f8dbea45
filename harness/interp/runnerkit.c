/* runnerkit.c - an installed leakmatrix's runners (runnerkit.h): the kit
 * read from runner.build, the store entry of an interpreter's runner, and
 * building it there: headers by the interpreter, then one compiler run,
 * in a work directory under the entry's lock, renamed into place whole.
 */
#include "interp/runnerkit.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/digest.h"
#include "base/interrupt.h"
#include "base/spawn.h"
#include "base/store.h"

#define BUILD_TIMEOUT_S 600.0
#define MAX_FIELDS 16

/* ---- the kit --------------------------------------------------------- */

void
runnerkit_release(struct runnerkit *kit)
{
    free(kit->dir);
    free(kit->store);
    strvec_clear(&kit->cc);
    strvec_clear(&kit->sources);
    strvec_clear(&kit->cflags);
    strvec_clear(&kit->ldflags);
    strvec_clear(&kit->whens);
    strvec_clear(&kit->gens);
    kit->dir = NULL;
    kit->store = NULL;
    kit->digest = 0;
}

/* Splits s at tabs into at most max fields, in place; returns how
 * many. */
static size_t
split_fields(char *s, char **f, size_t max)
{
    size_t n = 0;

    for (char *tok = strtok(s, "\t"); tok && n < max;
         tok = strtok(NULL, "\t")) {
        f[n++] = tok;
    }
    return n;
}

/* Appends the blank-separated words of s (may be NULL) to av. */
static void
push_words(struct strvec *av, const char *s)
{
    const char *blanks = " \t\n";

    for (const char *p = s ? s : ""; *p;) {
        size_t skip = strspn(p, blanks);
        size_t len = strcspn(p + skip, blanks);
        if (len > 0) {
            char *w = xstrndup(p + skip, len);
            strvec_push(av, w);
            free(w);
        }
        p += skip + len;
    }
}

/* Reads the kit's file rel into sb.  0, or -1 with a reason in err. */
static int
read_kit_file(const char *dir, const char *rel, struct strbuf *sb,
              struct strbuf *err)
{
    char *path = path_join(dir, rel);
    int rc = util_read_file(path, sb);

    if (rc < 0) {
        strbuf_addf(err, "the runner kit lacks %s (%s); reinstall "
                         "leakmatrix",
                    path, strerror(errno));
    }
    free(path);
    return rc;
}

/* Feeds the kit's file rel, name and content, into *h.  0, or -1 with a
 * reason in err. */
static int
digest_kit_file(const char *dir, const char *rel, uint64_t *h,
                struct strbuf *err)
{
    struct strbuf sb = STRBUF_INIT;
    int rc = read_kit_file(dir, rel, &sb, err);

    *h = digest_fnv1a(digest_fnv1a_str(*h, rel), sb.buf, sb.len + 1);
    strbuf_release(&sb);
    return rc;
}

/* The entry of one runner.build line, fields f[0..n); the files it names
 * are digested into kit->digest.  0, or -1 with a reason in err. */
static int
take_entry(struct runnerkit *kit, char **f, size_t n, struct strbuf *err)
{
    const char *key = f[0];

    if (strcmp(key, "version") == 0 && n == 2) {
        if (strcmp(f[1], LMX_VERSION) != 0) {
            strbuf_addf(err, "the runner kit in %s is leakmatrix %s's, "
                             "not %s's; reinstall leakmatrix",
                        kit->dir, f[1], LMX_VERSION);
            return -1;
        }
        return 0;
    }
    if ((strcmp(key, "source") == 0 || strcmp(key, "file") == 0)
        && n == 2) {
        if (key[0] == 's') {
            strvec_push(&kit->sources, f[1]);
        }
        return digest_kit_file(kit->dir, f[1], &kit->digest, err);
    }
    if (strcmp(key, "cflag") == 0 && n == 2) {
        strvec_push(&kit->cflags, f[1]);
        return 0;
    }
    if (strcmp(key, "ldflag") == 0 && n == 2) {
        strvec_push(&kit->ldflags, f[1]);
        return 0;
    }
    struct strvec *joined = strcmp(key, "when") == 0 && n >= 3 ? &kit->whens
                            : strcmp(key, "generate") == 0 && n >= 5
                                ? &kit->gens
                                : NULL;
    if (joined == NULL) {
        strbuf_addf(err, "%s/%s: cannot read the line '%s'", kit->dir,
                    RUNNERKIT_DESCRIPTION, key);
        return -1;
    }
    struct strbuf line = STRBUF_INIT;
    for (size_t i = 1; i < n; i++) {
        strbuf_addf(&line, "%s%s", i > 1 ? "\t" : "", f[i]);
    }
    strvec_push(joined, line.buf);
    strbuf_release(&line);
    /* Valgrind's headers installed since: another runner, with them. */
    if (joined == &kit->whens) {
        kit->digest = digest_fnv1a_str(kit->digest,
                                       path_exists(f[1]) ? "+" : "-");
    }
    return 0;
}

/* Reads runner.build's lines into kit. */
static int
read_description(struct runnerkit *kit, struct strbuf *err)
{
    struct strbuf text = STRBUF_INIT;
    int rc = read_kit_file(kit->dir, RUNNERKIT_DESCRIPTION, &text, err);

    kit->digest = digest_fnv1a(kit->digest, text.buf, text.len);
    for (char *line = text.buf, *nl; rc == 0 && *line; line = nl + 1) {
        nl = strchr(line, '\n');
        if (nl) {
            *nl = '\0';
        }
        char *f[MAX_FIELDS];
        size_t n = line[0] == '#' ? 0 : split_fields(line, f, MAX_FIELDS);
        if (n > 0) {
            rc = take_entry(kit, f, n, err);
        }
        if (nl == NULL) {
            break;
        }
    }
    if (rc == 0 && kit->sources.nr == 0) {
        strbuf_addf(err, "%s/%s names no source; reinstall leakmatrix",
                    kit->dir, RUNNERKIT_DESCRIPTION);
        rc = -1;
    }
    strbuf_release(&text);
    return rc;
}

int
runnerkit_load(struct runnerkit *kit, const char *dir, const char *store,
               const char *cc_env, struct strbuf *err)
{
    runnerkit_release(kit);
    kit->dir = xstrdup(dir);
    kit->store = xstrdup(store);
    kit->digest = DIGEST_FNV_OFFSET;
    push_words(&kit->cc, cc_env);
    if (kit->cc.nr == 0) {
        strvec_push(&kit->cc, "cc");
    }
    for (size_t i = 0; i < kit->cc.nr; i++) {
        kit->digest = digest_fnv1a_str(kit->digest, kit->cc.v[i]);
    }
    if (read_description(kit, err) < 0) {
        runnerkit_release(kit);
        return -1;
    }
    return 0;
}

/* ---- where a runner is ------------------------------------------------ */

char *
runnerkit_entry(const struct runnerkit *kit, const struct python *py)
{
    const char *parts[] = {py->executable, py->cflags, py->libs, py->libdir,
                           py->loader};
    uint64_t h = kit->digest;

    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        h = digest_fnv1a_str(h, parts[i] ? parts[i] : "");
        h = digest_fnv1a(h, "\n", 1);
    }
    return xasprintf("%s-%s-%016llx", py->tag, LMX_VERSION,
                     (unsigned long long)h);
}

/* The runner's path in the store (fresh), built or not. */
static char *
runner_path(const struct runnerkit *kit, const struct python *py)
{
    char *entry = runnerkit_entry(kit, py);
    char *path = xasprintf("%s/%s/%s", kit->store, entry, RUNNERKIT_RUNNER);

    free(entry);
    return path;
}

/* Sets py->runner when its runner is built; 1 when it is. */
static int
take_built(const struct runnerkit *kit, struct python *py)
{
    char *path = runner_path(kit, py);

    if (path_is_executable(path)) {
        free(py->runner);
        py->runner = path;
        return 1;
    }
    free(path);
    return 0;
}

void
runnerkit_attach(const struct runnerkit *kit, struct registry *reg)
{
    for (size_t i = 0; i < reg->nr; i++) {
        struct python *py = &reg->v[i];
        if (py->embeddable && py->runner == NULL && py->executable) {
            take_built(kit, py);
        }
    }
}

/* ---- what a build needs ----------------------------------------------- */

/* "python3.11-dev" for Debian's packages of py's version (fresh). */
static char *
dev_package(const struct python *py, const char *what)
{
    return xasprintf("%spython%lu.%lu-dev", what,
                     (py->hexversion >> 24) & 0xff,
                     (py->hexversion >> 16) & 0xff);
}

/* Whether one of py's include directories (-I, -isystem) holds
 * Python.h; where it looked goes to dirs. */
static int
has_python_h(const struct python *py, struct strbuf *dirs)
{
    struct strvec words = STRVEC_INIT;
    int found = 0;

    push_words(&words, py->cflags);
    char **f = words.v;
    for (size_t i = 0; i < words.nr && !found; i++) {
        const char *dir = strncmp(f[i], "-I", 2) == 0 ? f[i] + 2
                          : strcmp(f[i], "-isystem") == 0 && i + 1 < words.nr
                              ? f[++i]
                              : NULL;
        if (dir && *dir) {
            char *h = path_join(dir, "Python.h");
            found = path_exists(h);
            strbuf_addf(dirs, "%s%s", dirs->len ? ", " : "", dir);
            free(h);
        }
    }
    strvec_clear(&words);
    return found;
}

/* No Python.h: one line naming what to install. */
static int
check_headers(const struct python *py, struct strbuf *err)
{
    struct strbuf dirs = STRBUF_INIT;
    int ok = has_python_h(py, &dirs);

    if (!ok && (py->origin == PYTHON_ORIGIN_SYSTEM
                || py->origin == PYTHON_ORIGIN_DEBIAN_DBG)) {
        char *pkg = dev_package(py, "");
        strbuf_addf(err, "cannot build the runner for %s: no Python.h in "
                         "%s; install %s (apt-get install %s)",
                    py->tag, dirs.len ? dirs.buf : "its include path", pkg,
                    pkg);
        free(pkg);
    }
    else if (!ok) {
        strbuf_addf(err, "cannot build the runner for %s: no Python.h in "
                         "%s; reinstall that interpreter with its C headers",
                    py->tag, dirs.len ? dirs.buf : "its include path");
    }
    strbuf_release(&dirs);
    return ok ? 0 : -1;
}

/* ---- building --------------------------------------------------------- */

/* One build: where it works and logs. */
struct kitbuild {
    const struct runnerkit *kit;
    struct python *py;
    struct store store;
    struct store_work wk;
    char *entry;      /* "<tag>-<version>-<hash>" */
    char *log_path;
    int log_fd;
    int lock_fd;
};

/* The compiler's argv for py, writing out. */
static void
compile_argv(const struct kitbuild *b, const char *out, struct strvec *av)
{
    const struct runnerkit *kit = b->kit;
    const struct python *py = b->py;
    char *f[MAX_FIELDS];

    strvec_pushv(av, (const char *const *)kit->cc.v);
    strvec_pushv(av, (const char *const *)kit->cflags.v);
    strvec_pushf(av, "-I%s", kit->dir);
    strvec_pushf(av, "-I%s", b->wk.dir);
    for (size_t i = 0; i < kit->whens.nr; i++) {
        char *when = xstrdup(kit->whens.v[i]);
        size_t n = split_fields(when, f, MAX_FIELDS);
        for (size_t j = 1; j < n && path_exists(f[0]); j++) {
            strvec_push(av, f[j]);
        }
        free(when);
    }
    push_words(av, py->cflags);
    strvec_pushf(av, "-DLMX_TAG=\"%s\"", py->tag);
    strvec_pushf(av, "-DLMX_PYTHON_EXE=\"%s\"", py->executable);
    for (size_t i = 0; i < kit->gens.nr; i++) {
        char *gen = xstrdup(kit->gens.v[i]);
        split_fields(gen, f, MAX_FIELDS);
        strvec_pushf(av, "-D%s=\"%s\"", f[3], f[2]);
        free(gen);
    }
    strvec_push(av, "-o");
    strvec_push(av, out);
    for (size_t i = 0; i < kit->sources.nr; i++) {
        strvec_pushf(av, "%s/%s", kit->dir, kit->sources.v[i]);
    }
}

/* What the link takes after the sources: runner.build's flags, py's libs
 * and, for a libpython outside the system's libdir, DT_RPATH rather than
 * RUNPATH, so that LD_LIBRARY_PATH cannot hand the runner another 3.X's
 * (harness/runner/meson.build does the same). */
static void
link_argv(const struct kitbuild *b, struct strvec *av)
{
    const struct python *py = b->py;
    size_t from = av->nr;
    int dtags = 0;

    strvec_pushv(av, (const char *const *)b->kit->ldflags.v);
    push_words(av, py->libs);
    for (size_t i = from; i < av->nr; i++) {
        dtags |= strcmp(av->v[i], "-Wl,--disable-new-dtags") == 0;
    }
    if (!dtags && py->libdir && strncmp(py->libdir, "/usr/lib", 8) != 0) {
        strvec_push(av, "-Wl,--disable-new-dtags");
    }
}

/* Whether prog runs: a path, or a name found in PATH. */
static int
on_path(const char *prog)
{
    const char *path = getenv("PATH");

    if (strchr(prog, '/')) {
        return path_is_executable(prog);
    }
    for (const char *p = path ? path : "/usr/bin:/bin";; p++) {
        size_t len = strcspn(p, ":");
        char *dir = len ? xstrndup(p, len) : xstrdup(".");
        char *exe = path_join(dir, prog);
        int ok = path_is_executable(exe);
        free(exe);
        free(dir);
        p += len;
        if (ok || *p == '\0') {
            return ok;
        }
    }
}

/* The compiler, checked before anything starts: one line naming what to
 * install when it is missing. */
static int
check_compiler(const struct runnerkit *kit, const struct python *py,
               struct strbuf *err)
{
    if (on_path(kit->cc.v[0])) {
        return 0;
    }
    strbuf_addf(err, "cannot build the runner for %s: no C compiler (%s "
                     "not found); install one (apt-get install gcc) or set "
                     "CC",
                py->tag, kit->cc.v[0]);
    return -1;
}

/* The first line of the log that says what went wrong (a compiler's
 * "error:", the linker's "cannot find", Python's "...Error: ..."), with
 * what to install when it is a missing header or libpython. */
static void
first_error(const struct kitbuild *b, struct strbuf *out)
{
    struct strbuf log = STRBUF_INIT;

    util_read_file(b->log_path, &log);
    for (char *line = log.buf, *nl; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        if (nl) {
            *nl = '\0';
        }
        if (strncmp(line, "==>", 3) != 0
            && (strstr(line, "error:") || strstr(line, "cannot find")
                || strstr(line, "Error:"))) {
            strbuf_adds(out, line + strspn(line, " \t"));
            break;
        }
        if (nl == NULL) {
            break;
        }
    }
    const char *pkg = strstr(out->buf, "Python.h") ? ""
                      : strstr(out->buf, "-lpython") ? "lib"
                                                     : NULL;
    if (pkg) {
        char *name = dev_package(b->py, pkg);
        strbuf_addf(out, "; install %s (apt-get install %s)", name, name);
        free(name);
    }
    strbuf_release(&log);
}

/* Runs one step of b into its log.  0, or -1 with one line in err. */
static int
run_step(struct kitbuild *b, const char *step, struct strvec *av,
         struct strbuf *err)
{
    struct spawn_exit ex;
    int rc = spawn_step(b->log_fd, step, (const char *const *)strvec_array(av),
                        b->wk.dir, NULL, interrupt_flag(), BUILD_TIMEOUT_S,
                        &ex);

    if (rc == 0) {
        return 0;
    }
    strbuf_addf(err, "building the runner for %s failed at %s: ",
                b->py->tag, step);
    if (rc == -1) {
        strbuf_addf(err, "cannot run %s: %s", av->v[0], strerror(errno));
    }
    else if (rc == -2) {
        strbuf_addf(err, "interrupted by signal %d", interrupt_pending());
    }
    else {
        struct strbuf why = STRBUF_INIT;
        first_error(b, &why);
        if (why.len == 0) {
            spawn_exit_describe(&ex, &why);
        }
        strbuf_adds(err, why.buf);
        strbuf_release(&why);
    }
    strbuf_addf(err, "; log: %s", b->log_path);
    return -1;
}

static void
kitbuild_release(struct kitbuild *b)
{
    if (b->log_fd >= 0) {
        close(b->log_fd);
    }
    if (b->lock_fd >= 0) {
        close(b->lock_fd);
    }
    store_work_end(&b->wk);
    store_release(&b->store);
    free(b->entry);
    free(b->log_path);
}

/* The work directory and the log of b.  0, or -1 with a reason. */
static int
begin_work(struct kitbuild *b, struct strbuf *err)
{
    if (store_work_begin(&b->store, &b->wk, err) < 0) {
        return -1;
    }
    char *stamp = util_utc_now("%Y%m%d-%H%M%S");
    b->log_path = store_log_path(&b->store, b->entry, stamp);
    free(stamp);
    b->log_fd = open(b->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
                     0644);
    if (b->log_fd < 0) {
        strbuf_addf(err, "cannot create the log %s: %s", b->log_path,
                    strerror(errno));
        return -1;
    }
    spawn_log_note(b->log_fd, "leakmatrix %s: the runner for %s (%s) from "
                              "%s",
                   LMX_VERSION, b->py->tag, b->py->executable, b->kit->dir);
    return 0;
}

/* runner.build's generate lines: the interpreter writes each header into
 * the work directory. */
static int
generate(struct kitbuild *b, struct strbuf *err)
{
    int rc = 0;

    for (size_t i = 0; rc == 0 && i < b->kit->gens.nr; i++) {
        char *gen = xstrdup(b->kit->gens.v[i]);
        char *f[MAX_FIELDS];
        size_t n = split_fields(gen, f, MAX_FIELDS);
        struct strvec av = STRVEC_INIT;
        strvec_push(&av, b->py->executable);
        strvec_pushf(&av, "%s/%s", b->kit->dir, f[0]);
        strvec_pushf(&av, "%s/%s", b->kit->dir, f[1]);
        strvec_pushf(&av, "%s/%s", b->wk.dir, f[2]);
        for (size_t j = 4; j < n; j++) {
            strvec_push(&av, f[j]);
        }
        char *step = xasprintf("generate %s", f[2]);
        rc = run_step(b, step, &av, err);
        free(step);
        strvec_clear(&av);
        free(gen);
    }
    return rc;
}

/* Compiles and links the runner into stage/, says what it is made of
 * there, and renames stage into place. */
static int
compile_and_commit(struct kitbuild *b, double t0, struct strbuf *err)
{
    char *stage = path_join(b->wk.dir, "stage");
    char *out = path_join(stage, RUNNERKIT_RUNNER);
    char *final = path_join(b->store.root, b->entry);
    struct strvec av = STRVEC_INIT;
    int rc = -1;

    if (util_mkdir_p(stage, 0755) < 0) {
        strbuf_addf(err, "cannot create %s: %s", stage, strerror(errno));
        goto out;
    }
    compile_argv(b, out, &av);
    link_argv(b, &av);
    if (run_step(b, "compile", &av, err) < 0) {
        goto out;
    }
    json_t *meta = json_pack("{s:s, s:s, s:s, s:s, s:f}", "tag", b->py->tag,
                             "executable", b->py->executable, "leakmatrix",
                             LMX_VERSION, "kit", b->kit->dir, "seconds",
                             util_now_monotonic() - t0);
    int written = meta ? store_meta_write(stage, "runner.json", meta) : -1;
    json_decref(meta);
    if (written < 0) {
        strbuf_addf(err, "cannot write %s/runner.json: %s", stage,
                    strerror(errno));
        goto out;
    }
    rc = store_commit(&b->wk, stage, final, 0, err);
out:
    strvec_clear(&av);
    free(final);
    free(out);
    free(stage);
    return rc;
}

/* With the entry's lock held and no runner built: builds it, saying so
 * unless quiet. */
static int
build_locked(struct kitbuild *b, int quiet, struct strbuf *err)
{
    double t0 = util_now_monotonic();
    int rc;

    if (!quiet) {
        fprintf(stderr, "leakmatrix: building the runner for %s ...",
                b->py->tag);
        fflush(stderr);
    }
    rc = begin_work(b, err);
    if (rc == 0) {
        rc = generate(b, err);
    }
    if (rc == 0) {
        rc = compile_and_commit(b, t0, err);
    }
    if (rc == 0 && !take_built(b->kit, b->py)) {
        strbuf_addf(err, "the runner for %s is not in %s after its build",
                    b->py->tag, b->store.root);
        rc = -1;
    }
    if (!quiet) {
        if (rc == 0) {
            fprintf(stderr, " %.1f s\n", util_now_monotonic() - t0);
        }
        else {
            fputs(" failed\n", stderr);
        }
    }
    return rc;
}

int
runnerkit_build(const struct runnerkit *kit, struct python *py, int quiet,
                struct strbuf *err)
{
    struct kitbuild b = {kit, py, STORE_INIT, STORE_WORK_INIT, NULL, NULL,
                         -1, -1};
    int rc = -1;

    if (take_built(kit, py)) {
        return 0;
    }
    if (check_compiler(kit, py, err) < 0 || check_headers(py, err) < 0) {
        return -1;
    }
    interrupt_catch();
    b.entry = runnerkit_entry(kit, py);
    if (store_open(&b.store, kit->store, err) == 0) {
        char *waiting = xasprintf("leakmatrix: waiting for another "
                                  "leakmatrix building the runner for %s "
                                  "...",
                                  py->tag);
        b.lock_fd = store_lock_key(&b.store, b.entry, quiet ? NULL : waiting,
                                   interrupt_flag());
        free(waiting);
        if (b.lock_fd < 0) {
            strbuf_addf(err, "cannot lock %s/%s.lock: %s", b.store.tmp,
                        b.entry, strerror(errno));
        }
        else {
            /* Another process may have built it while we waited. */
            rc = take_built(kit, py) ? 0 : build_locked(&b, quiet, err);
        }
    }
    kitbuild_release(&b);
    int sig = interrupt_release();
    if (sig) {
        /* The compiler is stopped and the work directory gone: die of
         * the signal, as the shell expects of an interrupted command. */
        interrupt_raise(sig);
    }
    return rc;
}
