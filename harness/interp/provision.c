/* provision.c - `leakmatrix pythons build`: its options and checks, and
 * the sequence of one build (the pythons root, fetch, build, commit), each
 * step in its own file around provision_private.h.  The layout and the
 * locking rules are described in provision.h; discovery of what ends up
 * there is registry.c's business.
 */
#include "interp/provision_private.h"
#include "base/interrupt.h"
#include "base/opt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SEE_HELP "see `leakmatrix pythons build --help`"

/* ---- One build ------------------------------------------------------- */

static void
build_init(struct build *b)
{
    struct strvec blank_vec = STRVEC_INIT;
    struct strbuf blank_sb = STRBUF_INIT;

    memset(b, 0, sizeof(*b));
    b->configure_extra = blank_vec;
    b->configure_args = blank_vec;
    b->sha = blank_sb;
    b->mirror_uri = blank_sb;
    b->mirror_where = blank_sb;
    b->debian_version = blank_sb;
    b->version = blank_sb;
    b->check_output = blank_sb;
    b->wk.lock_fd = -1;
    b->tag_lock_fd = -1;
    b->log_fd = -1;
}

static void
build_release(struct build *b)
{
    strvec_clear(&b->configure_extra);
    strvec_clear(&b->configure_args);
    strbuf_release(&b->sha);
    strbuf_release(&b->mirror_uri);
    strbuf_release(&b->mirror_where);
    strbuf_release(&b->debian_version);
    strbuf_release(&b->version);
    strbuf_release(&b->check_output);
    free(b->suite);
    free(b->package);
    free(b->url_path);
    free(b->request);
    free(b->root);
    free(b->name);
    free(b->log_path);
    free(b->source_file);
    free(b->srcdir);
    free(b->final_tag);
    free(b->prefix);
    free(b->staged_prefix);
    store_work_end(&b->wk);
    store_release(&b->store);
    if (b->tag_lock_fd >= 0) {
        close(b->tag_lock_fd);
    }
    if (b->log_fd >= 0) {
        close(b->log_fd);
    }
}

/* ---- Command line ---------------------------------------------------- */

static const char build_usage[] =
"usage: leakmatrix pythons build (--debian SUITE/PACKAGE\n"
"                                 | --debian-binary SUITE/PACKAGE\n"
"                                 | --tarball PATH | --url URL) [options]\n"
"\n"
"Builds CPython from source into leakmatrix's cache, configured with\n"
"--enable-shared --with-valgrind (and --with-pydebug with --debug), so that\n"
"`leakmatrix pythons list` finds it and runners can embed it.  The prefix\n"
"is <cache>/pythons/<tag>, the cache being this build directory's (by\n"
"default $LEAKMATRIX_CACHE, else ${XDG_CACHE_HOME:-$HOME/.cache}/leakmatrix\n"
"at its first `meson setup`; meson option cache_dir), and the tag is the\n"
"source's version (Include/patchlevel.h), plus \"-debug\" with --debug:\n"
"3.9.2, 3.13.5-debug.  The source's\n"
"Misc/valgrind-python.supp is installed as <prefix>/valgrind-python.supp\n"
"and <prefix>/leakmatrix-build.json records how it was built.\n"
"\n"
"Sources (exactly one):\n"
"  --debian SUITE/PACKAGE  a Debian source package with Debian's patches,\n"
"                        e.g. bullseye/python3.9, trixie/python3.13; fetched\n"
"                        with apt-get source through a private apt state\n"
"                        under the pythons root (the machine's apt\n"
"                        configuration is read, never changed); built\n"
"                        --with-ensurepip=no (Debian disables ensurepip)\n"
"                        and --with-system-expat (as Debian builds it)\n"
"  --debian-binary SUITE/PACKAGE  Debian's own binary packages of\n"
"                        PACKAGE (python3.N), for versions whose source\n"
"                        the archive no longer serves: e.g. sid/python3.14,\n"
"                        sid/python3.15.  apt resolves and verifies the\n"
"                        packages and their libraries (glibc included)\n"
"                        through a private apt state; they are unpacked\n"
"                        into <prefix>/root, never installed, and the\n"
"                        interpreter runs on that root's own loader\n"
"                        (patchelf); --debug takes the -dbg packages\n"
"  --tarball PATH        a CPython release archive (.tar.xz, .tgz)\n"
"  --url URL             the same, downloaded with curl (http, https, ftp)\n"
"                        or read from a file:// URL\n"
"\n";

static const char build_usage_options[] =
"Options:\n"
"  --sha256 HEX          check the --tarball or --url archive's SHA-256\n"
"  --mirror URL          the Debian archive for --debian and\n"
"                        --debian-binary; by default the\n"
"                        first .../debian archive in /etc/apt/sources.list\n"
"                        and /etc/apt/sources.list.d/*\n"
"  --debug               configure --with-pydebug; the tag gets \"-debug\"\n"
"  --configure-arg ARG   pass ARG to ./configure (repeatable); LDFLAGS=...\n"
"                        and LDFLAGS_NODIST=... are added to leakmatrix's\n"
"                        rpath flag rather than replacing it\n"
"  --jobs N              make -jN (default: the number of CPUs)\n"
"  --tag NAME            install as NAME instead of the version\n"
"                        ([A-Za-z0-9._+-], not starting with . or -)\n"
"  --force               rebuild even if this build already exists; the\n"
"                        old prefix is replaced only once the new one is\n"
"                        complete\n"
"  -h, --help            show this help\n"
"\n"
"Asking again for a build that exists returns at once.  Nothing appears\n"
"under <tag> until configure, make, make install and a smoke test all\n"
"passed; an interrupted build leaves only <pythons root>/.tmp/build.*,\n"
"which the next build removes.  Every step's output goes to\n"
"<pythons root>/logs/<tag>-<YYYYmmdd-HHMMSS>.log, which a failure names.\n"
"\n"
"On success prints \"<prefix><TAB><tag>\" on stdout; progress goes to\n"
"stderr.\n"
"\n"
"Needs a C compiler, make and tar; xz for .xz archives; curl for http(s)\n"
"and ftp URLs; apt-get, dpkg-source, patch, libexpat1-dev and\n"
"debian-archive-keyring for --debian; apt-get, dpkg-deb, patchelf and\n"
"debian-archive-keyring for --debian-binary; valgrind's headers for\n"
"--with-valgrind.  For a complete\n"
"standard library also install libssl-dev libffi-dev zlib1g-dev\n"
"libbz2-dev liblzma-dev libsqlite3-dev libreadline-dev libncurses-dev\n"
"uuid-dev libgdbm-dev libexpat1-dev.\n"
"\n"
"Exit status: 0 built (or already there), 2 bad options or a missing build\n"
"dependency, 3 the build failed.\n"
"\n"
"Examples:\n"
"  leakmatrix pythons build --debian bullseye/python3.9\n"
"  leakmatrix pythons build --debian trixie/python3.13 --debug\n"
"  leakmatrix pythons build --debian-binary sid/python3.14\n"
"  leakmatrix pythons build --debian-binary sid/python3.15 --debug\n"
"  leakmatrix pythons build --tarball ~/Downloads/Python-3.11.2.tar.xz\n"
"  leakmatrix pythons build --url file:///srv/src/Python-3.12.3.tgz \\\n"
"      --sha256 <64 hex digits> --tag 3.12.3-lto \\\n"
"      --configure-arg=--with-lto\n"
"  leakmatrix pythons build --debian bullseye/python3.9 --jobs 4 --force\n"
"\n"
"For another cache, set up a build directory for it and use its\n"
"leakmatrix: LEAKMATRIX_CACHE=/tmp/lmx meson setup /tmp/b; ninja -C /tmp/b\n";

enum {
    OPT_TARBALL, OPT_URL, OPT_SHA256, OPT_DEBIAN, OPT_DEBIAN_BINARY,
    OPT_MIRROR, OPT_DEBUG,
    OPT_CONFIGURE_ARG, OPT_JOBS, OPT_TAG, OPT_CACHE, OPT_FORCE, OPT_HELP,
};

static const struct opt_spec build_options[] = {
    {"tarball", OPT_TARBALL, 1},
    {"url", OPT_URL, 1},
    {"sha256", OPT_SHA256, 1},
    {"debian", OPT_DEBIAN, 1},
    {"debian-binary", OPT_DEBIAN_BINARY, 1},
    {"mirror", OPT_MIRROR, 1},
    {"debug", OPT_DEBUG, 0},
    {"configure-arg", OPT_CONFIGURE_ARG, 1},
    {"jobs", OPT_JOBS, 1},
    {"tag", OPT_TAG, 1},
    {"cache", OPT_CACHE, 1},
    {"force", OPT_FORCE, 0},
    {"help", OPT_HELP, 0},
};

/* Returns 0 to go on, 1 after printing the help, -1 after a usage error. */
static int
parse_options(struct build *b, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        struct strbuf err = STRBUF_INIT;
        const char *value;
        int id = opt_next(argc, argv, &i, build_options,
                          sizeof(build_options) / sizeof(*build_options),
                          &value, &err);

        if (id < 0) {
            lmx_error("%s; %s", err.buf, SEE_HELP);
            strbuf_release(&err);
            return -1;
        }
        switch (id) {
        case OPT_TARBALL:
            b->sources++;
            b->tarball = value;
            break;
        case OPT_URL:
            b->sources++;
            b->url = value;
            break;
        case OPT_SHA256: b->sha256 = value; break;
        case OPT_DEBIAN:
            b->sources++;
            b->debian = value;
            break;
        case OPT_DEBIAN_BINARY:
            b->sources++;
            b->debian = value;
            b->binary = 1;
            break;
        case OPT_MIRROR: b->mirror = value; break;
        case OPT_DEBUG: b->debug = 1; break;
        case OPT_CONFIGURE_ARG:
            strvec_push(&b->configure_extra, value);
            break;
        case OPT_JOBS:
            if (util_parse_uint(value, 1024, &b->jobs) < 0 || b->jobs == 0) {
                lmx_error("--jobs wants a number from 1 to 1024, not '%s'",
                          value);
                return -1;
            }
            break;
        case OPT_TAG: b->tag = value; break;
        case OPT_CACHE:
            /* The cache is the build directory's (cache.h): a second
             * way to name it is how two caches got mixed. */
            lmx_error("--cache is gone: builds go into the cache of the "
                      "build directory; for another cache, set up a build "
                      "directory for it (LEAKMATRIX_CACHE=DIR meson setup "
                      "BUILD-DIR)");
            return -1;
        case OPT_FORCE: b->force = 1; break;
        case OPT_HELP:
            fputs(build_usage, stdout);
            fputs(build_usage_options, stdout);
            return 1;
        }
    }
    if (b->jobs == 0) {
        b->jobs = (unsigned long)util_cpu_count();
    }
    return 0;
}

static int
hex_digest_valid(const char *s)
{
    return strlen(s) == 64
        && strspn(s, "0123456789abcdefABCDEF") == 64;
}

/* The source options: exactly one source, and only the options that go
 * with it.  0, or -1 after a message. */
static int
check_source(struct build *b)
{
    const char *why;

    if (b->sources == 0) {
        lmx_error("nothing to build: pass --debian SUITE/PACKAGE, "
                  "--tarball PATH or --url URL; %s", SEE_HELP);
        return -1;
    }
    if (b->sources > 1) {
        lmx_error("pass only one of --debian, --debian-binary, --tarball "
                  "and --url");
        return -1;
    }
    if (b->debian
        && provision_parse_debian_spec(b->debian, &b->suite, &b->package,
                                       &why) < 0) {
        lmx_error("invalid --%s '%s': %s; write SUITE/PACKAGE, e.g. "
                  "%s", build_source_kind(b), b->debian, why,
                  b->binary ? "sid/python3.14" : "bullseye/python3.9");
        return -1;
    }
    if (b->binary && provision_binary_minor(b->package) == NULL) {
        lmx_error("invalid --debian-binary '%s': '%s' is not CPython's "
                  "package; write SUITE/python3.N, e.g. sid/python3.14",
                  b->debian, b->package);
        return -1;
    }
    if (b->binary && b->configure_extra.nr > 0) {
        lmx_error("--configure-arg builds from source; --debian-binary "
                  "takes Debian's build as it is");
        return -1;
    }
    if (b->sha256 && b->debian) {
        lmx_error("--sha256 checks a --tarball or --url archive; apt "
                  "already verifies what --debian downloads");
        return -1;
    }
    if (b->sha256 && !hex_digest_valid(b->sha256)) {
        lmx_error("--sha256 wants 64 hex digits, not '%s'", b->sha256);
        return -1;
    }
    if (b->mirror && !b->debian) {
        lmx_error("--mirror only applies to --debian and --debian-binary");
        return -1;
    }
    if (b->mirror && (strstr(b->mirror, ":/") == NULL
                      || b->mirror[strcspn(b->mirror, " \t\r\n[]#")])) {
        lmx_error("--mirror wants the URL of a Debian archive "
                  "(http://HOST/debian), not '%s'", b->mirror);
        return -1;
    }
    return 0;
}

/* Two requests are "the same" when this string is: an existing build
 * whose leakmatrix-build.json has it is returned without fetching.  The
 * caller owns the string. */
static char *
request_string(const struct build *b)
{
    struct strbuf req = STRBUF_INIT;

    if (b->tarball) {
        char *real = path_real(b->tarball);
        strbuf_addf(&req, "tarball %s", real ? real : b->tarball);
        free(real);
    }
    else {
        strbuf_addf(&req, "%s %s", build_source_kind(b),
                    b->debian ? b->debian : b->url);
    }
    if (b->debug) {
        strbuf_adds(&req, " --debug");
    }
    for (size_t i = 0; i < b->configure_extra.nr; i++) {
        strbuf_addf(&req, " --configure-arg=%s", b->configure_extra.v[i]);
    }
    return strbuf_detach(&req, NULL);
}

/* Checks what the options ask for, before anything is touched; sets the
 * derived names.  0, or -1 after a message (usage error). */
static int
check_request(struct build *b)
{
    const char *why;

    if (check_source(b) < 0) {
        return -1;
    }
    if (b->tag && !provision_tag_valid(b->tag, &why)) {
        lmx_error("invalid --tag '%s': %s", b->tag, why);
        return -1;
    }
    for (size_t i = 0; i < b->configure_extra.nr; i++) {
        if (strncmp(b->configure_extra.v[i], "--prefix", 8) == 0
            || strncmp(b->configure_extra.v[i], "--exec-prefix", 13) == 0) {
            lmx_error("--configure-arg cannot change the prefix; use "
                      "--tag NAME to choose where the build goes");
            return -1;
        }
    }
    if (build_check_archive(b) < 0) {
        return -1;
    }
    b->request = request_string(b);
    b->name = xstrdup(b->tag ? b->tag : b->debian ? b->debian
                      : b->tarball ? b->tarball : b->url);
    return 0;
}

/* 1 when name is an executable on $PATH (or a path to one). */
static int
have_program(const char *name)
{
    const char *path = getenv("PATH");
    int found = 0;

    if (strchr(name, '/')) {
        return path_is_executable(name);
    }
    if (path == NULL || *path == '\0') {
        path = "/usr/local/bin:/usr/bin:/bin";
    }
    char *copy = xstrdup(path);
    for (char *save = NULL, *dir = strtok_r(copy, ":", &save);
         dir && !found; dir = strtok_r(NULL, ":", &save)) {
        char *full = path_join(*dir ? dir : ".", name);
        found = path_is_executable(full);
        free(full);
    }
    free(copy);
    return found;
}

static void
add_missing(struct strbuf *what, struct strbuf *pkgs, const char *name,
            const char *package)
{
    strbuf_addf(what, "%s%s", what->len ? ", " : "", name);
    if (!provision_has_word(pkgs->buf, package)) {
        strbuf_addf(pkgs, " %s", package);
    }
}

/* What --debian-binary runs: apt, dpkg-deb, patchelf; no compiler. */
static void
binary_dependencies(struct strbuf *what, struct strbuf *pkgs)
{
    if (!have_program("apt-get")) {
        add_missing(what, pkgs, "apt-get", "apt");
    }
    if (!have_program("dpkg-deb")) {
        add_missing(what, pkgs, "dpkg-deb", "dpkg");
    }
    if (!have_program("patchelf")) {
        add_missing(what, pkgs, "patchelf", "patchelf");
    }
    if (!path_exists(DEBIAN_KEYRING)) {
        add_missing(what, pkgs, DEBIAN_KEYRING, "debian-archive-keyring");
    }
}

/* Checks every program the build will run, up front, so a missing one is
 * reported in one line with the package to install rather than as a
 * failed step minutes later.  0, or -1 after the message. */
static int
check_dependencies(const struct build *b)
{
    struct strbuf what = STRBUF_INIT;
    struct strbuf pkgs = STRBUF_INIT;
    const char *cc = getenv("CC");
    const char *src = b->tarball ? b->tarball : b->url;
    int rc = 0;

    if (b->binary) {
        binary_dependencies(&what, &pkgs);
        goto report;
    }
    if (cc && *cc) {
        char *first = xstrndup(cc, strcspn(cc, " \t"));
        int found = have_program(first);
        if (!found) {
            lmx_error("cannot build: CC names '%s', which is not on PATH; "
                      "fix CC or unset it to use cc", first);
        }
        free(first);
        if (!found) {
            return -1;
        }
    }
    else if (!have_program("cc") && !have_program("gcc")) {
        add_missing(&what, &pkgs, "cc", "gcc");
    }
    if (!have_program("make")) {
        add_missing(&what, &pkgs, "make", "make");
    }
    if (!have_program("tar")) {
        add_missing(&what, &pkgs, "tar", "tar");
    }
    if ((b->debian || util_ends_with(src, ".xz")
         || util_ends_with(src, ".txz"))
        && !have_program("xz")) {
        add_missing(&what, &pkgs, "xz", "xz-utils");
    }
    if (b->url && !b->url_path && !have_program("curl")) {
        add_missing(&what, &pkgs, "curl", "curl");
    }
    if (b->debian) {
        if (!have_program("apt-get")) {
            add_missing(&what, &pkgs, "apt-get", "apt");
        }
        if (!have_program("dpkg-source")) {
            add_missing(&what, &pkgs, "dpkg-source", "dpkg-dev");
        }
        if (!have_program("patch")) {
            add_missing(&what, &pkgs, "patch", "patch");
        }
        if (!path_exists("/usr/include/expat.h")) {
            add_missing(&what, &pkgs, "expat.h", "libexpat1-dev");
        }
        if (!path_exists(DEBIAN_KEYRING)) {
            add_missing(&what, &pkgs, DEBIAN_KEYRING,
                        "debian-archive-keyring");
        }
    }
    if (!path_exists("/usr/include/valgrind/valgrind.h")
        && !path_exists("/usr/local/include/valgrind/valgrind.h")) {
        add_missing(&what, &pkgs, "valgrind/valgrind.h", "valgrind");
    }
report:
    if (what.len) {
        lmx_error("cannot build: missing %s; install with `apt-get "
                  "install%s`", what.buf, pkgs.buf);
        rc = -1;
    }
    strbuf_release(&what);
    strbuf_release(&pkgs);
    return rc;
}

/* ---- The command ----------------------------------------------------- */

/* Fetches the source, settles the tag and builds, unless a build with the
 * same tag turns out to exist; prints the prefix and tag of a new build on
 * stdout.  Returns the exit code. */
static int
fetch_and_build(struct build *b)
{
    int exists = 0;
    int rc = b->binary   ? build_fetch_binary(b)
             : b->debian ? build_fetch_debian(b)
                         : build_fetch_archive(b);

    if (rc == 0) {
        rc = build_settle_tag(b, &exists);
    }
    if (rc == 0 && !exists) {
        rc = b->binary ? build_install_binary(b) : build_and_install(b);
    }
    if (rc == 0 && !exists) {
        fprintf(stderr, "built %s in %.0f s\n", b->final_tag,
                util_now_monotonic() - b->started);
        printf("%s\t%s\n", b->prefix, b->final_tag);
        fflush(stdout);
    }
    return rc;
}

int
provision_cmd_build(int argc, char **argv, const char *pythons_root)
{
    struct build b;
    int handlers = 0;
    int rc;

    build_init(&b);
    b.started = util_now_monotonic();
    rc = parse_options(&b, argc, argv);
    if (rc != 0) {
        rc = rc > 0 ? LMX_EXIT_OK : LMX_EXIT_USAGE;
        goto out;
    }
    if (check_request(&b) < 0 || check_dependencies(&b) < 0) {
        rc = LMX_EXIT_USAGE;
        goto out;
    }
    if ((rc = build_setup_root(&b, pythons_root)) != 0) {
        goto out;
    }
    if (!b.force && (rc = build_find_existing(&b)) >= 0) {
        goto out;
    }
    if (b.debian && build_choose_mirror(&b) < 0) {
        rc = LMX_EXIT_USAGE;
        goto out;
    }

    interrupt_catch();
    handlers = 1;

    if ((rc = build_start_work(&b)) != 0) {
        goto out;
    }
    rc = fetch_and_build(&b);

out:
    if (interrupt_pending()) {
        build_progress_end(&b, "interrupted");
        build_log_note(&b, "interrupted by signal %d", interrupt_pending());
        lmx_error("building %s interrupted by signal %d; log: %s",
                  b.name ? b.name : "CPython", interrupt_pending(),
                  b.log_path ? b.log_path : "none");
    }
    build_progress_end(&b, NULL);
    store_work_end(&b.wk);
    int sig = interrupt_pending();
    build_release(&b);
    if (handlers) {
        sig = interrupt_release();
    }
    if (sig) {
        /* Die of the same signal, as the shell expects from an interrupted
         * command. */
        interrupt_raise(sig);
        rc = LMX_EXIT_INFRA;
    }
    return rc;
}
