/* provision_build.c - a fetched CPython source tree made into a staged
 * prefix: configure with leakmatrix's flags and rpath, make, make install
 * into DESTDIR, the checks of the staged interpreter and
 * leakmatrix-build.json.  The source's version (the tag's) and moving the
 * prefix into place are provision_root.c's.
 */
#include "interp/provision_private.h"
#include "base/interrupt.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- Configuring ----------------------------------------------------- */

/* "NAME=<ours> $NAME <every --configure-arg NAME=...>": a user's flags
 * are added to ours instead of replacing them. */
static void
push_flags(struct build *b, const char *name, const char *ours)
{
    struct strbuf sb = STRBUF_INIT;
    const char *env = getenv(name);
    size_t n = strlen(name);

    strbuf_addf(&sb, "%s=%s", name, ours);
    if (env && *env) {
        strbuf_addf(&sb, " %s", env);
    }
    for (size_t i = 0; i < b->configure_extra.nr; i++) {
        const char *arg = b->configure_extra.v[i];
        if (strncmp(arg, name, n) == 0 && arg[n] == '=') {
            strbuf_addf(&sb, " %s", arg + n + 1);
        }
    }
    strvec_push(&b->configure_args, sb.buf);
    strbuf_release(&sb);
}

static int
is_flags_arg(const char *arg)
{
    return strncmp(arg, "LDFLAGS=", 8) == 0
        || strncmp(arg, "LDFLAGS_NODIST=", 15) == 0;
}

static void
make_configure_args(struct build *b)
{
    char *rpath = xasprintf("-Wl,-rpath,%s/lib", b->prefix);

    strvec_push(&b->configure_args, "./configure");
    strvec_pushf(&b->configure_args, "--prefix=%s", b->prefix);
    strvec_push(&b->configure_args, "--enable-shared");
    strvec_push(&b->configure_args, "--with-valgrind");
    if (b->debug) {
        strvec_push(&b->configure_args, "--with-pydebug");
    }
    /* Two things Debian's patches assume of the build:
     * - ensurepip-disabled.diff makes `python -m ensurepip` refuse to run
     *   outside a venv, which would fail `make install`;
     * - setup-modules.diff links pyexpat against the system's libexpat,
     *   while _elementtree would use the bundled expat headers and then
     *   fail its import check ("pyexpat version is incompatible"). */
    if (b->debian) {
        strvec_push(&b->configure_args, "--with-ensurepip=no");
        strvec_push(&b->configure_args, "--with-system-expat");
    }
    /* CPython bakes the prefix in; the rpath lets bin/python3 and every
     * runner find libpython there without LD_LIBRARY_PATH.  Upstream links
     * bin/python3 with LDFLAGS, but Debian's trees from 3.11 on
     * (trixie's 3.13.5 for one) link it with LDFLAGS_NODIST only, so the
     * rpath goes in both; check_rpath() verifies it arrived. */
    push_flags(b, "LDFLAGS", rpath);
    push_flags(b, "LDFLAGS_NODIST", rpath);
    for (size_t i = 0; i < b->configure_extra.nr; i++) {
        if (!is_flags_arg(b->configure_extra.v[i])) {
            strvec_push(&b->configure_args, b->configure_extra.v[i]);
        }
    }
    free(rpath);
}

/* ---- Installing and checking ----------------------------------------- */

static json_t *
string_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

int
build_write_json(struct build *b, int with_valgrind)
{
    char when[32];
    time_t now = time(NULL);
    json_t *meta = json_object();
    json_t *args = json_array();
    int rc;

    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    json_object_set_new(meta, "tag", json_string(b->final_tag));
    json_object_set_new(meta, "version", json_string(b->version.buf));
    json_object_set_new(meta, "source_kind",
                        json_string(build_source_kind(b)));
    json_object_set_new(meta, "source_spec",
                        string_or_null(b->debian ? b->debian
                                       : b->tarball ? b->source_file
                                                    : b->url));
    json_object_set_new(meta, "request", json_string(b->request));
    json_object_set_new(meta, "debian_version",
                        string_or_null(b->debian_version.len
                                       ? b->debian_version.buf : NULL));
    json_object_set_new(meta, "mirror",
                        string_or_null(b->debian ? b->mirror_uri.buf
                                                 : NULL));
    json_object_set_new(meta, "sha256",
                        string_or_null(b->sha.len ? b->sha.buf : NULL));
    json_object_set_new(meta, "prefix", json_string(b->prefix));
    json_object_set_new(meta, "built_at", json_string(when));
    json_object_set_new(meta, "log", string_or_null(b->log_path));
    json_object_set_new(meta, "debug", json_boolean(b->debug));
    json_object_set_new(meta, "with_valgrind", json_boolean(with_valgrind));
    json_object_set_new(meta, "jobs", json_integer((json_int_t)b->jobs));
    json_object_set_new(meta, "build_seconds",
                        json_integer((json_int_t)(util_now_monotonic()
                                                  - b->started)));
    for (size_t i = 1; i < b->configure_args.nr; i++) {
        json_array_append_new(args, json_string(b->configure_args.v[i]));
    }
    json_object_set_new(meta, "configure_args", args);
    rc = store_meta_write(b->staged_prefix, BUILD_JSON, meta);
    if (rc < 0) {
        build_error(b, "cannot write '%s/%s': %s", b->staged_prefix,
                    BUILD_JSON, strerror(errno));
    }
    json_decref(meta);
    return rc;
}

/* Reads the check's answer: the version of the source, and a debug
 * build exactly when asked.  0, or -1 after the message. */
static int
check_answer(struct build *b, int *with_valgrind)
{
    char version[64];
    char valgrind[16];
    int debug = -1;

    if (sscanf(b->check_output.buf, "%63s %15s %d", version, valgrind,
               &debug) != 3
        || strcmp(version, b->version.buf) != 0 || debug != b->debug) {
        build_error(b, "building %s failed at check (the new interpreter "
                    "says '%s', expected '%s %d'); log: %s", b->name,
                    b->check_output.buf, b->version.buf, b->debug,
                    b->log_path);
        return -1;
    }
    *with_valgrind = strcmp(valgrind, "1") == 0;
    return 0;
}

/* The staged interpreter of a source build: bin/python3, with the staged
 * lib/ on LD_LIBRARY_PATH (its rpath names the final prefix). */
static int
smoke_test(struct build *b, int *with_valgrind)
{
    char *python = xasprintf("%s/bin/python3", b->staged_prefix);
    char *ldpath = xasprintf("LD_LIBRARY_PATH=%s/lib", b->staged_prefix);
    const char *cmd[] = {python, NULL};
    const char *env[] = {ldpath, NULL};
    int rc = build_check_interpreter(b, cmd, env, with_valgrind);

    free(ldpath);
    free(python);
    return rc;
}

int
build_check_interpreter(struct build *b, const char *const *cmd,
                        const char *const *env, int *with_valgrind)
{
    static const char *const script[] = {
        "-I", "-c",
        "import sys, sysconfig; print(sys.version.split()[0], "
        "sysconfig.get_config_var('WITH_VALGRIND'), "
        "int(hasattr(sys, 'gettotalrefcount')))",
        NULL,
    };
    struct strvec argv = STRVEC_INIT;
    struct strbuf err = STRBUF_INIT;
    struct spawn_exit ex;
    int rc = -1;

    strvec_pushv(&argv, cmd);
    strvec_pushv(&argv, script);
    build_log_note(b, "check: %s -I -c ...", argv.v[argv.nr - 4]);
    int r = spawn_capture_env((const char *const *)strvec_array(&argv), env,
                              &b->check_output, &err, 120, &ex);
    strbuf_rtrim(&b->check_output);
    dprintf(b->log_fd, "%s\n%s", b->check_output.buf, err.buf);
    *with_valgrind = 0;
    if (r != 0) {
        struct strbuf how = STRBUF_INIT;
        if (r < 0) {
            strbuf_addf(&how, "cannot run it: %s", strerror(errno));
        }
        else {
            spawn_exit_describe(&ex, &how);
        }
        build_error(b, "building %s failed at check (%s); log: %s",
                    b->name, how.buf, b->log_path);
        strbuf_release(&how);
        goto out;
    }
    rc = check_answer(b, with_valgrind);
out:
    strbuf_release(&err);
    strvec_clear(&argv);
    return rc;
}

/* Checks that the staged bin/python3 carries an rpath (RUNPATH or RPATH)
 * to <prefix>/lib; without it the interpreter only starts with
 * LD_LIBRARY_PATH set, which the smoke test sets.  Skipped, with a note in
 * the log, when readelf (binutils, which gcc depends on) is missing.  0 or
 * -1 after the message. */
static int
check_rpath(struct build *b)
{
    char *python = xasprintf("%s/bin/python3", b->staged_prefix);
    char *want = xasprintf("%s/lib", b->prefix);
    const char *argv[] = {"readelf", "-d", python, NULL};
    struct strbuf out = STRBUF_INIT;
    int found = 0;
    int r = spawn_capture(argv, &out, NULL, 60, NULL);

    if (r < 0) {
        build_log_note(b, "rpath not checked: cannot run readelf: %s",
                       strerror(errno));
        found = 1;
    }
    for (const char *line = out.buf; r == 0 && line && !found;) {
        const char *eol = strchr(line, '\n');
        const char *open = strstr(line, "path: [");
        if (open && (eol == NULL || open < eol)
            && (strstr(line, "(RUNPATH)") || strstr(line, "(RPATH)"))) {
            const char *p = open + 7;
            while (*p && *p != ']' && !found) {
                size_t n = strcspn(p, ":]");
                found = n == strlen(want) && strncmp(p, want, n) == 0;
                p += n + (p[n] == ':');
            }
        }
        line = eol ? eol + 1 : NULL;
    }
    if (!found) {
        build_error(b, "building %s failed at check (bin/python3 has no "
                    "rpath to %s, so it would not find libpython); log: %s",
                    b->name, want, b->log_path);
    }
    strbuf_release(&out);
    free(want);
    free(python);
    return found ? 0 : -1;
}

static int
copy_file(const char *from, const char *to)
{
    struct strbuf data = STRBUF_INIT;
    int rc = util_read_file(from, &data);

    if (rc == 0) {
        rc = util_write_file_atomic(to, data.buf, data.len);
    }
    int saved = errno;
    strbuf_release(&data);
    errno = saved;
    return rc;
}

/* Debian's multiarch.diff installs the .pc files in
 * lib/<multiarch>/pkgconfig (LIBPC in sysconfig says so too).  A relative
 * symlink lib/pkgconfig -> <multiarch>/pkgconfig makes them found where
 * pkg-config users of a prefix look first, without changing the layout
 * the interpreter reports.  Nothing to do for upstream sources. */
static void
link_pkgconfig(struct build *b)
{
    char *lib = path_join(b->staged_prefix, "lib");
    char *pc = path_join(lib, "pkgconfig");
    DIR *d;
    struct dirent *de;

    if (path_exists(pc) || (d = opendir(lib)) == NULL) {
        goto out;
    }
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.' || strchr(de->d_name, '-') == NULL) {
            continue;   /* multiarch names look like x86_64-linux-gnu */
        }
        char *target = xasprintf("%s/pkgconfig", de->d_name);
        char *full = path_join(lib, target);
        int found = path_is_dir(full);
        if (found && symlink(target, pc) == 0) {
            build_log_note(b, "linked lib/pkgconfig -> %s", target);
        }
        free(full);
        free(target);
        if (found) {
            break;
        }
    }
    closedir(d);
out:
    free(pc);
    free(lib);
}

/* configure's own error says "see config.log", which lives in the work
 * directory about to be removed: keep it in the log. */
static void
append_config_log(struct build *b)
{
    struct strbuf text = STRBUF_INIT;
    char *path = path_join(b->srcdir, "config.log");

    if (!interrupt_pending() && util_read_file(path, &text) == 0) {
        build_log_note(b, "config.log follows");
        if (write(b->log_fd, text.buf, text.len) < 0) {
            /* the failure line already names the log */
        }
    }
    strbuf_release(&text);
    free(path);
}

int
build_and_install(struct build *b)
{
    char *jobs = xasprintf("-j%lu", b->jobs);
    char *destdir = NULL;
    char *stage = path_join(b->work, "stage");
    int with_valgrind = 0;
    int rc = LMX_EXIT_INFRA;

    make_configure_args(b);
    build_progress_begin(b, "configuring %s", b->version.buf);
    if (build_run_step(b, "configure",
                       (const char *const *)strvec_array(&b->configure_args),
                       b->srcdir, NULL) < 0) {
        append_config_log(b);
        goto out;
    }
    build_progress_end(b, NULL);

    const char *make[] = {"make", jobs, NULL};
    build_progress_begin(b, "building (make %s)", jobs);
    if (build_run_step(b, "make", make, b->srcdir, NULL) < 0) {
        goto out;
    }
    build_progress_end(b, NULL);

    destdir = xasprintf("DESTDIR=%s", stage);
    const char *install[] = {"make", "install", destdir, NULL};
    build_progress_begin(b, "installing");
    if (build_run_step(b, "install", install, b->srcdir, NULL) < 0) {
        goto out;
    }
    b->staged_prefix = xasprintf("%s%s", stage, b->prefix);
    char *supp = path_join(b->srcdir, "Misc/valgrind-python.supp");
    char *dest = path_join(b->staged_prefix, "valgrind-python.supp");
    if (copy_file(supp, dest) < 0) {
        build_log_note(b, "no valgrind suppressions: %s: %s", supp,
                       strerror(errno));
    }
    free(supp);
    free(dest);
    link_pkgconfig(b);
    build_progress_end(b, NULL);

    build_progress_begin(b, "checking");
    if (interrupt_pending() || smoke_test(b, &with_valgrind) < 0
        || check_rpath(b) < 0) {
        goto out;
    }
    build_progress_end(b, with_valgrind ? NULL : "without valgrind support");
    if (interrupt_pending() || build_write_json(b, with_valgrind) < 0
        || interrupt_pending() || build_commit_prefix(b) < 0) {
        goto out;
    }
    build_log_note(b, "installed %s", b->prefix);
    rc = 0;
out:
    free(stage);
    free(destdir);
    free(jobs);
    return rc;
}
