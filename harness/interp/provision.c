/* provision.c - `leakmatrix pythons build`: fetches a CPython source,
 * configures it with --enable-shared --with-valgrind, builds it and moves
 * the installed prefix into the pythons cache in one rename(2).  The
 * layout and the locking rules are described in provision.h; discovery of
 * what ends up there is registry.c's business.
 */
#include "interp/provision.h"
#include "base/digest.h"
#include "base/interrupt.h"

#include "interp/registry.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/opt.h"
#include "base/spawn.h"
#include "base/store.h"

#define DEBIAN_KEYRING "/usr/share/keyrings/debian-archive-keyring.gpg"
#define BUILD_JSON "leakmatrix-build.json"
#define SEE_HELP "see `leakmatrix pythons build --help`"

/* ---- Pure parsing ---------------------------------------------------- */

static int
debian_name_valid(const char *s, size_t len)
{
    if (len == 0 || !(islower((unsigned char)s[0])
                      || isdigit((unsigned char)s[0]))) {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(islower(c) || isdigit(c) || c == '.' || c == '+'
              || c == '-')) {
            return 0;
        }
    }
    return 1;
}

int
provision_parse_debian_spec(const char *spec, char **suite, char **package,
                            const char **why)
{
    const char *reason = NULL;
    const char *slash = spec ? strchr(spec, '/') : NULL;

    if (spec == NULL || *spec == '\0') {
        reason = "empty spec";
    }
    else if (slash == NULL) {
        reason = "missing '/PACKAGE'";
    }
    else if (strchr(slash + 1, '/') != NULL) {
        reason = "more than one '/'";
    }
    else if (slash == spec) {
        reason = "empty suite";
    }
    else if (slash[1] == '\0') {
        reason = "empty package";
    }
    else if (!debian_name_valid(spec, (size_t)(slash - spec))) {
        reason = "the suite must start with a letter or digit and use "
                 "only a-z 0-9 . + -";
    }
    else if (!debian_name_valid(slash + 1, strlen(slash + 1))) {
        reason = "the package must start with a letter or digit and use "
                 "only a-z 0-9 . + -";
    }
    if (reason) {
        if (why) {
            *why = reason;
        }
        return -1;
    }
    *suite = xstrndup(spec, (size_t)(slash - spec));
    *package = xstrdup(slash + 1);
    return 0;
}

/* Length of uri without its trailing slashes when its path ends in
 * "/debian", else 0. */
static size_t
debian_archive_len(const char *uri, size_t len)
{
    const char *end = uri + len;
    const char *path = NULL;

    for (const char *p = uri; p + 3 <= end; p++) {
        if (memcmp(p, "://", 3) == 0) {
            path = memchr(p + 3, '/', (size_t)(end - (p + 3)));
            if (path == NULL) {
                return 0;
            }
            break;
        }
    }
    if (path == NULL) {
        /* "file:/srv/debian" has no "//". */
        const char *colon = memchr(uri, ':', len);
        if (colon == NULL) {
            return 0;
        }
        path = colon + 1;
    }
    while (end > path + 1 && end[-1] == '/') {
        end--;
    }
    if (end - path < 7 || memcmp(end - 7, "/debian", 7) != 0) {
        return 0;
    }
    return (size_t)(end - uri);
}

/* Appends to out the first whitespace-separated word of s[0..len) that
 * is a Debian archive URI (trailing slashes dropped); 1 if there is one. */
static int
first_archive_word(const char *s, size_t len, struct strbuf *out)
{
    const char *end = s + len;

    while (s < end) {
        while (s < end && isspace((unsigned char)*s)) {
            s++;
        }
        const char *w = s;
        while (s < end && !isspace((unsigned char)*s)) {
            s++;
        }
        size_t n = debian_archive_len(w, (size_t)(s - w));
        if (n > 0) {
            strbuf_add(out, w, n);
            return 1;
        }
    }
    return 0;
}

static int
has_word(const char *s, const char *word)
{
    size_t wl = strlen(word);

    while (*s) {
        while (isspace((unsigned char)*s)) {
            s++;
        }
        const char *w = s;
        while (*s && !isspace((unsigned char)*s)) {
            s++;
        }
        if ((size_t)(s - w) == wl && strncasecmp(w, word, wl) == 0) {
            return 1;
        }
    }
    return 0;
}

struct stanza {
    struct strbuf types;
    struct strbuf uris;
    struct strbuf enabled;
    struct strbuf *current;   /* the field continuation lines extend */
};

static int
stanza_finish(struct stanza *st, struct strbuf *out)
{
    int found = 0;

    strbuf_rtrim(&st->enabled);
    const char *en = st->enabled.buf;
    while (isspace((unsigned char)*en)) {
        en++;
    }
    if (strcasecmp(en, "no") != 0
        && (has_word(st->types.buf, "deb")
            || has_word(st->types.buf, "deb-src"))) {
        found = first_archive_word(st->uris.buf, st->uris.len, out);
    }
    strbuf_reset(&st->types);
    strbuf_reset(&st->uris);
    strbuf_reset(&st->enabled);
    st->current = NULL;
    return found;
}

int
provision_mirror_from_deb822(const char *text, struct strbuf *out)
{
    struct stanza st = {STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, NULL};
    int found = 0;
    const char *line = text;

    while (!found && line && *line) {
        const char *eol = strchr(line, '\n');
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        const char *next = eol ? eol + 1 : NULL;
        size_t i = 0;

        while (i < len && isspace((unsigned char)line[i])) {
            i++;
        }
        if (i == len) {
            found = stanza_finish(&st, out);
        }
        else if (line[i] == '#') {
            /* comment */
        }
        else if (i > 0) {
            if (st.current) {
                strbuf_addch(st.current, ' ');
                strbuf_add(st.current, line + i, len - i);
            }
        }
        else {
            const char *colon = memchr(line, ':', len);
            size_t nlen = colon ? (size_t)(colon - line) : 0;
            st.current = NULL;
            if (colon == NULL) {
                /* not a field; ignored like apt ignores garbage */
            }
            else if (nlen == 5 && strncasecmp(line, "Types", 5) == 0) {
                st.current = &st.types;
            }
            else if (nlen == 4 && strncasecmp(line, "URIs", 4) == 0) {
                st.current = &st.uris;
            }
            else if (nlen == 7 && strncasecmp(line, "Enabled", 7) == 0) {
                st.current = &st.enabled;
            }
            if (st.current) {
                strbuf_addch(st.current, ' ');
                strbuf_add(st.current, colon + 1,
                           len - (size_t)(colon + 1 - line));
            }
        }
        line = next;
    }
    if (!found) {
        found = stanza_finish(&st, out);
    }
    strbuf_release(&st.types);
    strbuf_release(&st.uris);
    strbuf_release(&st.enabled);
    return found;
}

int
provision_mirror_from_oneline(const char *text, struct strbuf *out)
{
    const char *line = text;

    while (line && *line) {
        const char *eol = strchr(line, '\n');
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        const char *hash = memchr(line, '#', len);
        const char *end = hash ? hash : line + len;
        const char *p = line;
        const char *words[3];
        size_t lens[3];
        int nw = 0;
        int in_options = 0;

        /* Words, with a "[ ... ]" option block (which may hold spaces)
         * skipped. */
        while (p < end && nw < 3) {
            while (p < end && isspace((unsigned char)*p)) {
                p++;
            }
            if (p == end) {
                break;
            }
            const char *w = p;
            while (p < end && !isspace((unsigned char)*p)) {
                p++;
            }
            if (nw == 1 && !in_options && *w == '[') {
                in_options = 1;
            }
            if (in_options) {
                if (memchr(w, ']', (size_t)(p - w))) {
                    in_options = 0;
                }
                continue;
            }
            words[nw] = w;
            lens[nw] = (size_t)(p - w);
            nw++;
        }
        if (nw == 3
            && ((lens[0] == 3 && memcmp(words[0], "deb", 3) == 0)
                || (lens[0] == 7 && memcmp(words[0], "deb-src", 7) == 0))) {
            size_t n = debian_archive_len(words[1], lens[1]);
            if (n > 0) {
                strbuf_add(out, words[1], n);
                return 1;
            }
        }
        line = eol ? eol + 1 : NULL;
    }
    return 0;
}

static int
is_sources_file(const struct dirent *de)
{
    size_t n = strlen(de->d_name);

    if (de->d_name[0] == '.') {
        return 0;
    }
    return (n > 5 && strcmp(de->d_name + n - 5, ".list") == 0)
        || (n > 8 && strcmp(de->d_name + n - 8, ".sources") == 0);
}

int
provision_find_mirror(const char *etc_apt, struct strbuf *out,
                      struct strbuf *where)
{
    struct strbuf text = STRBUF_INIT;
    char *path = path_join(etc_apt, "sources.list");
    char *dir = path_join(etc_apt, "sources.list.d");
    struct dirent **names = NULL;
    int n = 0;
    int found = 0;

    if (util_read_file(path, &text) == 0) {
        found = provision_mirror_from_oneline(text.buf, out);
    }
    if (!found) {
        n = scandir(dir, &names, is_sources_file, alphasort);
    }
    for (int i = 0; i < n; i++) {
        if (!found) {
            size_t len = strlen(names[i]->d_name);
            free(path);
            path = path_join(dir, names[i]->d_name);
            strbuf_reset(&text);
            if (util_read_file(path, &text) == 0) {
                found = strcmp(names[i]->d_name + len - 5, ".list") == 0
                    ? provision_mirror_from_oneline(text.buf, out)
                    : provision_mirror_from_deb822(text.buf, out);
            }
        }
        free(names[i]);
    }
    free(names);
    if (found && where) {
        strbuf_adds(where, path);
    }
    strbuf_release(&text);
    free(path);
    free(dir);
    return found;
}

int
provision_tag_valid(const char *tag, const char **why)
{
    if (!registry_tag_valid(tag, why)) {
        return 0;
    }
    if (strcmp(tag, "logs") == 0) {
        if (why) {
            *why = "'logs' is the log directory's name";
        }
        return 0;
    }
    return 1;
}

char *
provision_make_tag(const char *version, int debug)
{
    return xasprintf("%s%s", version, debug ? "-debug" : "");
}

int
provision_patchlevel_version(const char *text, struct strbuf *out)
{
    const char *line = text;

    while (line && *line) {
        const char *p = line;
        const char *eol = strchr(line, '\n');

        line = eol ? eol + 1 : NULL;
        while (*p == ' ' || *p == '\t') {
            p++;
        }
        if (*p++ != '#') {
            continue;
        }
        while (*p == ' ' || *p == '\t') {
            p++;
        }
        if (strncmp(p, "define", 6) != 0 || (p[6] != ' ' && p[6] != '\t')) {
            continue;
        }
        p += 6;
        while (*p == ' ' || *p == '\t') {
            p++;
        }
        if (strncmp(p, "PY_VERSION", 10) != 0
            || (p[10] != ' ' && p[10] != '\t')) {
            continue;
        }
        p += 10;
        while (*p == ' ' || *p == '\t') {
            p++;
        }
        if (*p != '"') {
            return -1;
        }
        const char *end = strchr(p + 1, '"');
        const char *nl = strchr(p + 1, '\n');
        if (end == NULL || (nl && nl < end)) {
            return -1;
        }
        char *v = xstrndup(p + 1, (size_t)(end - p - 1));
        int ok = isdigit((unsigned char)v[0]) && provision_tag_valid(v, NULL);
        if (ok) {
            strbuf_adds(out, v);
        }
        free(v);
        return ok ? 0 : -1;
    }
    return -1;
}

int
provision_source_version(const char *srcdir, struct strbuf *out)
{
    struct strbuf text = STRBUF_INIT;
    char *path = path_join(srcdir, "Include/patchlevel.h");
    int rc = util_read_file(path, &text);

    if (rc == 0) {
        rc = provision_patchlevel_version(text.buf, out);
        if (rc < 0) {
            errno = 0;
        }
    }
    int saved = errno;
    strbuf_release(&text);
    free(path);
    errno = saved;
    return rc;
}

int
provision_control_field(const char *text, const char *name,
                        struct strbuf *out)
{
    size_t nlen = strlen(name);
    const char *line = text;

    while (line && *line) {
        const char *eol = strchr(line, '\n');
        size_t len = eol ? (size_t)(eol - line) : strlen(line);

        if (len > nlen && strncasecmp(line, name, nlen) == 0
            && line[nlen] == ':') {
            const char *v = line + nlen + 1;
            const char *end = line + len;
            while (v < end && isspace((unsigned char)*v)) {
                v++;
            }
            while (end > v && isspace((unsigned char)end[-1])) {
                end--;
            }
            strbuf_add(out, v, (size_t)(end - v));
            return 0;
        }
        line = eol ? eol + 1 : NULL;
    }
    return -1;
}

int
provision_json_get_string(const char *json, const char *key,
                          struct strbuf *out)
{
    json_t *doc = json_loads(json, 0, NULL);
    const char *v = json_string_value(json_object_get(doc, key));
    int rc = v ? 0 : -1;

    if (v) {
        strbuf_adds(out, v);
    }
    json_decref(doc);
    return rc;
}

/* ---- One build ------------------------------------------------------- */

struct build {
    /* From the command line; strings point into argv. */
    const char *tarball;
    const char *url;
    const char *sha256;
    const char *debian;
    const char *mirror;
    const char *tag;
    int debug;
    int force;
    unsigned long jobs;
    struct strvec configure_extra;

    /* Derived. */
    char *suite;
    char *package;
    char *url_path;           /* local path of a file:// URL */
    char *request;            /* identifies equal requests, see below */
    char *root;               /* pythons root, absolute */
    struct store store;       /* the pythons root as a store */
    struct store_work wk;
    char *work;               /* wk.dir: root/.tmp/build.XXXXXX */
    int tag_lock_fd;
    char *name;               /* what messages call the build */
    char *log_path;
    int log_fd;
    char stamp[32];
    double started;
    double step_started;
    int progress_open;        /* a "doing X ..." line awaits its end */
    char *source_file;        /* the archive to unpack */
    struct strbuf sha;        /* its sha256 */
    struct strbuf mirror_uri;
    struct strbuf mirror_where;
    struct strbuf debian_version;
    char *srcdir;
    struct strbuf version;
    char *final_tag;
    char *prefix;
    char *staged_prefix;
    struct strvec configure_args;
    struct strbuf check_output;
};

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

/* Progress goes to stderr as "configuring 3.9.2 ... 12 s".  Anything else
 * printed while a line is open ends it first. */
static void
progress_begin(struct build *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
progress_begin(struct build *b, const char *fmt, ...)
{
    va_list ap;

    fflush(stdout);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs(" ...", stderr);
    b->progress_open = 1;
    b->step_started = util_now_monotonic();
}

static void
progress_end(struct build *b, const char *word)
{
    if (b->progress_open) {
        fprintf(stderr, " %s%s%.0f s\n", word ? word : "", word ? ", " : "",
                util_now_monotonic() - b->step_started);
        b->progress_open = 0;
    }
}

static void
build_error(struct build *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
build_error(struct build *b, const char *fmt, ...)
{
    struct strbuf sb = STRBUF_INIT;
    va_list ap;

    progress_end(b, "failed");
    va_start(ap, fmt);
    strbuf_vaddf(&sb, fmt, ap);
    va_end(ap);
    lmx_error("%s", sb.buf);
    if (b->log_fd >= 0) {
        dprintf(b->log_fd, "==> leakmatrix: %s\n", sb.buf);
    }
    strbuf_release(&sb);
}

/* One line in the build's log (spawn_log_note()). */
#define log_note(b, ...) spawn_log_note((b)->log_fd, __VA_ARGS__)

/* Runs one step with stdout and stderr appended to the log and PYTHON*
 * variables removed from its environment (spawn_step()).  0 when it
 * exited 0; otherwise reports the failure (one line naming the step and
 * the log) and returns -1.  Interruption is reported by
 * provision_cmd_build(), not here. */
static int
run_step(struct build *b, const char *step, const char *const *argv,
         const char *dir, const char *const *env_set)
{
    struct spawn_exit ex;
    int rc = spawn_step(b->log_fd, step, argv, dir, env_set, interrupt_flag(), 0,
                        &ex);

    if (rc == -1) {
        build_error(b, "building %s failed at %s: cannot run %s: %s; "
                    "log: %s", b->name, step, argv[0], strerror(errno),
                    b->log_path);
    }
    else if (rc == 1) {
        struct strbuf how = STRBUF_INIT;
        spawn_exit_describe(&ex, &how);
        build_error(b, "building %s failed at %s (%s); log: %s", b->name,
                    step, how.buf, b->log_path);
        strbuf_release(&how);
    }
    return rc == 0 ? 0 : -1;
}

/* ---- Command line ---------------------------------------------------- */

static const char build_usage[] =
"usage: leakmatrix pythons build (--debian SUITE/PACKAGE | --tarball PATH\n"
"                                 | --url URL) [options]\n"
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
"  --tarball PATH        a CPython release archive (.tar.xz, .tgz)\n"
"  --url URL             the same, downloaded with curl (http, https, ftp)\n"
"                        or read from a file:// URL\n"
"\n"
"Options:\n"
"  --sha256 HEX          check the --tarball or --url archive's SHA-256\n"
"  --mirror URL          the Debian archive for --debian; by default the\n"
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
"debian-archive-keyring for --debian; valgrind's headers for\n"
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
"  leakmatrix pythons build --tarball ~/Downloads/Python-3.11.2.tar.xz\n"
"  leakmatrix pythons build --url file:///srv/src/Python-3.12.3.tgz \\\n"
"      --sha256 <64 hex digits> --tag 3.12.3-lto \\\n"
"      --configure-arg=--with-lto\n"
"  leakmatrix pythons build --debian bullseye/python3.9 --jobs 4 --force\n"
"\n"
"For another cache, set up a build directory for it and use its\n"
"leakmatrix: LEAKMATRIX_CACHE=/tmp/lmx meson setup /tmp/b; ninja -C /tmp/b\n";

enum {
    OPT_TARBALL, OPT_URL, OPT_SHA256, OPT_DEBIAN, OPT_MIRROR, OPT_DEBUG,
    OPT_CONFIGURE_ARG, OPT_JOBS, OPT_TAG, OPT_CACHE, OPT_FORCE, OPT_HELP,
};

static const struct opt_spec build_options[] = {
    {"tarball", OPT_TARBALL, 1},
    {"url", OPT_URL, 1},
    {"sha256", OPT_SHA256, 1},
    {"debian", OPT_DEBIAN, 1},
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
        case OPT_TARBALL: b->tarball = value; break;
        case OPT_URL: b->url = value; break;
        case OPT_SHA256: b->sha256 = value; break;
        case OPT_DEBIAN: b->debian = value; break;
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

/* The path of a file:// URL (percent-decoded), or NULL when the URL is
 * not a local file URL. */
static char *
file_url_path(const char *url)
{
    const char *p;
    struct strbuf sb = STRBUF_INIT;

    if (strncmp(url, "file://", 7) != 0) {
        return NULL;
    }
    p = url + 7;
    if (strncmp(p, "localhost/", 10) == 0) {
        p += 9;
    }
    if (*p != '/') {
        return NULL;
    }
    for (; *p; p++) {
        if (*p == '%' && isxdigit((unsigned char)p[1])
            && isxdigit((unsigned char)p[2])) {
            char hex[3] = {p[1], p[2], '\0'};
            strbuf_addch(&sb, (char)strtol(hex, NULL, 16));
            p += 2;
        }
        else {
            strbuf_addch(&sb, *p);
        }
    }
    return strbuf_detach(&sb, NULL);
}

static int
url_scheme_ok(const char *url)
{
    static const char *const schemes[] = {
        "http://", "https://", "ftp://", "ftps://", "file://", NULL,
    };

    for (size_t i = 0; schemes[i]; i++) {
        if (strncmp(url, schemes[i], strlen(schemes[i])) == 0
            && url[strlen(schemes[i])] != '\0') {
            return 1;
        }
    }
    return 0;
}

static const char *
source_kind(const struct build *b)
{
    return b->debian ? "debian" : b->url ? "url" : "tarball";
}

/* The source options: exactly one source, and only the options that go
 * with it.  0, or -1 after a message. */
static int
check_source(struct build *b)
{
    int sources = !!b->tarball + !!b->url + !!b->debian;
    const char *why;

    if (sources == 0) {
        lmx_error("nothing to build: pass --debian SUITE/PACKAGE, "
                  "--tarball PATH or --url URL; %s", SEE_HELP);
        return -1;
    }
    if (sources > 1) {
        lmx_error("pass only one of --debian, --tarball and --url");
        return -1;
    }
    if (b->debian
        && provision_parse_debian_spec(b->debian, &b->suite, &b->package,
                                       &why) < 0) {
        lmx_error("invalid --debian '%s': %s; write SUITE/PACKAGE, e.g. "
                  "bullseye/python3.9", b->debian, why);
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
        lmx_error("--mirror only applies to --debian");
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

/* --url's form, and a local archive (--tarball, file://) that can be
 * read.  0, or -1 after a message. */
static int
check_archive(struct build *b)
{
    if (b->url && !url_scheme_ok(b->url)) {
        lmx_error("--url wants an http://, https://, ftp:// or file:// URL, "
                  "not '%s'", b->url);
        return -1;
    }
    if (b->url) {
        b->url_path = file_url_path(b->url);
        if (strncmp(b->url, "file://", 7) == 0 && b->url_path == NULL) {
            lmx_error("cannot use '%s': write a local file URL as "
                      "file:///absolute/path", b->url);
            return -1;
        }
    }
    const char *local = b->tarball ? b->tarball : b->url_path;
    if (local) {
        struct stat st;
        if (stat(local, &st) < 0) {
            lmx_error("cannot read the archive '%s': %s", local,
                      strerror(errno));
            return -1;
        }
        if (!S_ISREG(st.st_mode) || access(local, R_OK) < 0) {
            lmx_error("'%s' is not a readable file; --tarball wants a "
                      "CPython release archive such as "
                      "Python-3.11.2.tar.xz", local);
            return -1;
        }
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
        strbuf_addf(&req, "%s %s", source_kind(b),
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
    if (check_archive(b) < 0) {
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

static int
ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s);
    size_t m = strlen(suffix);

    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void
add_missing(struct strbuf *what, struct strbuf *pkgs, const char *name,
            const char *package)
{
    strbuf_addf(what, "%s%s", what->len ? ", " : "", name);
    if (!has_word(pkgs->buf, package)) {
        strbuf_addf(pkgs, " %s", package);
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
    if ((b->debian || ends_with(src, ".xz") || ends_with(src, ".txz"))
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
    if (what.len) {
        lmx_error("cannot build: missing %s; install with `apt-get "
                  "install%s`", what.buf, pkgs.buf);
        rc = -1;
    }
    strbuf_release(&what);
    strbuf_release(&pkgs);
    return rc;
}

/* ---- The pythons root ------------------------------------------------ */

/* Characters that configure, make or libtool-style scripts do not survive
 * in a prefix. */
static const char unsafe_path_chars[] = " \t\n\"'\\$`#;&|<>*?()[]{}";

static int
setup_root(struct build *b, const char *root)
{
    if (root == NULL) {
        lmx_error("pythons build: no pythons root given");
        return LMX_EXIT_INFRA;
    }
    if (util_mkdir_p(root, 0755) < 0) {
        lmx_error("cannot create the pythons root '%s': %s", root,
                  strerror(errno));
        return LMX_EXIT_INFRA;
    }
    b->root = path_real(root);
    if (b->root == NULL) {
        lmx_error("cannot resolve '%s': %s", root, strerror(errno));
        return LMX_EXIT_INFRA;
    }
    if (b->root[strcspn(b->root, unsafe_path_chars)] != '\0') {
        lmx_error("the pythons root '%s' contains a space or shell "
                  "character, which CPython's build cannot handle; use a "
                  "build directory configured for a cache with a plain "
                  "path (-Dcache_dir=DIR)", b->root);
        return LMX_EXIT_USAGE;
    }
    return 0;
}

/* Whether <root>/<tag> is a complete build: 1 when it holds
 * leakmatrix-build.json, 0 when it does not exist, -1 when something else
 * occupies the name. */
static int
built_state(const char *root, const char *tag)
{
    char *dir = path_join(root, tag);
    char *json = path_join(dir, BUILD_JSON);
    int state = path_exists(json) ? 1 : path_exists(dir) ? -1 : 0;

    free(json);
    free(dir);
    return state;
}

static int
report_existing(const struct build *b, const char *tag)
{
    char *dir = path_join(b->root, tag);
    char *json = path_join(dir, BUILD_JSON);
    struct strbuf text = STRBUF_INIT;
    struct strbuf from = STRBUF_INIT;

    if (util_read_file(json, &text) == 0) {
        provision_json_get_string(text.buf, "request", &from);
    }
    fprintf(stderr, "%s is already built%s%s; pass --force to rebuild it, "
            "or --tag NAME to build beside it\n", tag,
            from.len ? " from " : "", from.buf);
    printf("%s\t%s\n", dir, tag);
    fflush(stdout);
    strbuf_release(&text);
    strbuf_release(&from);
    free(json);
    free(dir);
    return LMX_EXIT_OK;
}

/* Finds a complete build made from the same request (see check_request())
 * so that asking again needs no download.  With --tag only that name is
 * looked at.  Returns the exit code when the answer is known (0 when the
 * build exists, 2 when --tag names something leakmatrix did not build),
 * -1 to go on building. */
static int
find_existing(const struct build *b)
{
    DIR *dir;
    struct dirent *de;
    int found = -1;

    if (b->tag) {
        int state = built_state(b->root, b->tag);
        if (state == 1) {
            return report_existing(b, b->tag);
        }
        if (state < 0) {
            lmx_error("'%s/%s' exists but was not built by leakmatrix; "
                      "remove it, pass --force to replace it, or choose "
                      "another --tag", b->root, b->tag);
            return LMX_EXIT_USAGE;
        }
        return -1;
    }
    dir = opendir(b->root);
    if (dir == NULL) {
        return -1;
    }
    while (found < 0 && (de = readdir(dir)) != NULL) {
        struct strbuf text = STRBUF_INIT;
        struct strbuf req = STRBUF_INIT;
        if (de->d_name[0] == '.' || !provision_tag_valid(de->d_name, NULL)) {
            continue;
        }
        char *json = xasprintf("%s/%s/%s", b->root, de->d_name, BUILD_JSON);
        if (util_read_file(json, &text) == 0
            && provision_json_get_string(text.buf, "request", &req) == 0
            && strcmp(req.buf, b->request) == 0) {
            found = report_existing(b, de->d_name);
        }
        free(json);
        strbuf_release(&text);
        strbuf_release(&req);
    }
    closedir(dir);
    return found;
}

/* Creates the work directory, its lock and the log.  Returns 0 or an exit
 * code. */
static int
start_work(struct build *b)
{
    struct strbuf err = STRBUF_INIT;
    int rc = LMX_EXIT_INFRA;
    time_t now = time(NULL);

    if (store_open(&b->store, b->root, &err) < 0
        || store_work_begin(&b->store, &b->wk, &err) < 0) {
        lmx_error("%s", err.buf);
        strbuf_release(&err);
        return rc;
    }
    b->work = b->wk.dir;

    strftime(b->stamp, sizeof(b->stamp), "%Y%m%d-%H%M%S", localtime(&now));
    char *base;
    if (b->tag || b->debian) {
        base = xstrdup(b->name);
    }
    else {
        const char *s = b->tarball ? b->tarball : b->url;
        const char *slash = strrchr(s, '/');
        char *file = xstrdup(slash && slash[1] ? slash + 1 : s);
        static const char *const suffixes[] = {
            ".tar.xz", ".tar.gz", ".tar.bz2", ".tgz", ".txz", ".tar", NULL,
        };
        for (size_t i = 0; suffixes[i]; i++) {
            if (ends_with(file, suffixes[i])) {
                file[strlen(file) - strlen(suffixes[i])] = '\0';
                break;
            }
        }
        base = xstrdup(*file ? file : "source");
        free(file);
    }
    b->log_path = store_log_path(&b->store, base, b->stamp);
    free(base);
    b->log_fd = open(b->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
                     0644);
    if (b->log_fd < 0) {
        lmx_error("cannot create the log '%s': %s", b->log_path,
                  strerror(errno));
        goto out;
    }
    log_note(b, "leakmatrix pythons build: %s", b->request);
    log_note(b, "pythons root %s, work directory %s", b->root, b->work);
    rc = 0;
out:
    return rc;
}

/* ---- Fetching -------------------------------------------------------- */

static int
verify_sha256(struct build *b)
{
    char *sum = digest_sha256_file(b->source_file);

    if (sum == NULL) {
        build_error(b, "cannot compute the sha256 of '%s': %s; log: %s",
                    b->source_file, strerror(errno), b->log_path);
        return LMX_EXIT_INFRA;
    }
    strbuf_adds(&b->sha, sum);
    free(sum);
    log_note(b, "sha256 %s", b->sha.buf);
    if (b->sha256 && strcasecmp(b->sha.buf, b->sha256) != 0) {
        build_error(b, "sha256 mismatch for '%s': expected %s, got %s; "
                    "check the archive and the checksum", b->source_file,
                    b->sha256, b->sha.buf);
        return LMX_EXIT_USAGE;
    }
    return 0;
}

/* The only directory inside dir (what a source archive unpacks to), or
 * NULL. */
static char *
single_subdir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char *found = NULL;
    int count = 0;

    if (d == NULL) {
        return NULL;
    }
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) {
            continue;
        }
        count++;
        char *path = path_join(dir, de->d_name);
        if (count == 1 && path_is_dir(path)) {
            found = path;
        }
        else {
            free(path);
        }
    }
    closedir(d);
    if (count != 1) {
        free(found);
        found = NULL;
    }
    return found;
}

static int
fetch_archive(struct build *b)
{
    int rc;

    if (b->tarball || b->url_path) {
        b->source_file = path_real(b->tarball ? b->tarball : b->url_path);
        if (b->source_file == NULL) {
            build_error(b, "cannot read '%s': %s",
                        b->tarball ? b->tarball : b->url_path,
                        strerror(errno));
            return LMX_EXIT_USAGE;
        }
    }
    else {
        b->source_file = path_join(b->work, "download");
        const char *argv[] = {
            "curl", "-fsSL", "--retry", "2", "-o", b->source_file,
            "--url", b->url, NULL,
        };
        progress_begin(b, "downloading %s", b->url);
        if (run_step(b, "download", argv, NULL, NULL) < 0) {
            return LMX_EXIT_INFRA;
        }
        progress_end(b, NULL);
    }
    if ((rc = verify_sha256(b)) != 0) {
        return rc;
    }

    char *dest = path_join(b->work, "src");
    if (util_mkdir_p(dest, 0755) < 0) {
        build_error(b, "cannot create '%s': %s", dest, strerror(errno));
        free(dest);
        return LMX_EXIT_INFRA;
    }
    const char *argv[] = {
        "tar", "--no-same-owner", "-xf", b->source_file, "-C", dest, NULL,
    };
    const char *shown = b->tarball ? b->tarball : b->url;
    const char *slash = strrchr(shown, '/');
    progress_begin(b, "extracting %s", slash && slash[1] ? slash + 1 : shown);
    rc = run_step(b, "extract", argv, NULL, NULL);
    if (rc == 0) {
        b->srcdir = single_subdir(dest);
        if (b->srcdir == NULL) {
            build_error(b, "'%s' does not unpack to a single directory; "
                        "is it a CPython release archive?", b->source_file);
            rc = LMX_EXIT_USAGE;
        }
        else {
            progress_end(b, NULL);
        }
    }
    else {
        rc = LMX_EXIT_INFRA;
    }
    free(dest);
    return rc;
}

/* apt-get options that confine apt to the private state in aptdir.  The
 * machine's apt.conf.d is still read (proxies, timeouts). */
static void
apt_options(struct strvec *argv, const char *aptdir)
{
    strvec_pushf(argv, "-oDir::State=%s/state", aptdir);
    strvec_pushf(argv, "-oDir::State::Lists=%s/lists", aptdir);
    strvec_pushf(argv, "-oDir::Cache=%s/cache", aptdir);
    strvec_pushf(argv, "-oDir::Etc::SourceList=%s/sources.list", aptdir);
    strvec_pushf(argv, "-oDir::Etc::SourceParts=%s/sources.list.d", aptdir);
    strvec_pushf(argv, "-oDir::Etc::Preferences=%s/preferences", aptdir);
    strvec_pushf(argv, "-oDir::Etc::PreferencesParts=%s/preferences.d",
                 aptdir);
    strvec_push(argv, "-oAPT::Sandbox::User=root");
    strvec_push(argv, "-oAcquire::Languages=none");
}

static char *
find_dsc(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char *found = NULL;

    if (d == NULL) {
        return NULL;
    }
    while ((de = readdir(d)) != NULL) {
        if (ends_with(de->d_name, ".dsc") && found == NULL) {
            found = path_join(dir, de->d_name);
        }
    }
    closedir(d);
    return found;
}

/* The private apt state in aptdir, locked (one state per suite; builds
 * of the same suite take turns) and with a sources list of the suite
 * alone.  Returns the lock's fd, or -1 after a message. */
static int
prepare_apt_state(struct build *b, const char *aptdir, const char *dldir)
{
    static const char *const subdirs[] = {
        "state", "lists/partial", "cache/archives/partial",
        "sources.list.d", "preferences.d", NULL,
    };
    struct strbuf text = STRBUF_INIT;
    int apt_lock;

    for (size_t i = 0; subdirs[i]; i++) {
        char *d = path_join(aptdir, subdirs[i]);
        int bad = util_mkdir_p(d, 0755) < 0;
        if (bad) {
            build_error(b, "cannot create '%s': %s", d, strerror(errno));
        }
        free(d);
        if (bad) {
            return -1;
        }
    }
    if (util_mkdir_p(dldir, 0755) < 0) {
        build_error(b, "cannot create '%s': %s", dldir, strerror(errno));
        return -1;
    }
    char *lock = path_join(aptdir, "lock");
    apt_lock = store_lock_file(lock, 0, 1, interrupt_flag());
    free(lock);
    if (apt_lock < 0) {
        build_error(b, "cannot lock '%s': %s", aptdir, strerror(errno));
        return -1;
    }
    strbuf_addf(&text, "# written by leakmatrix pythons build; private to "
                "leakmatrix\ndeb-src [signed-by=%s] %s %s main\n",
                DEBIAN_KEYRING, b->mirror_uri.buf, b->suite);
    char *list = path_join(aptdir, "sources.list");
    if (util_write_file_atomic(list, text.buf, text.len) < 0) {
        build_error(b, "cannot write '%s': %s", list, strerror(errno));
        close(apt_lock);
        apt_lock = -1;
    }
    free(list);
    strbuf_release(&text);
    return apt_lock;
}

/* apt-get update and apt-get source --download-only into dldir, through
 * the state in aptdir.  0, or -1 after a message. */
static int
apt_download(struct build *b, const char *aptdir, const char *dldir)
{
    struct strvec argv = STRVEC_INIT;
    int rc = -1;

    strvec_pushv(&argv, (const char *const[]){"apt-get", "-q", NULL});
    apt_options(&argv, aptdir);
    strvec_push(&argv, "update");
    if (run_step(b, "apt-get update", (const char *const *)
                 strvec_array(&argv), NULL, NULL) < 0) {
        goto out;
    }
    strvec_clear(&argv);
    strvec_pushv(&argv, (const char *const[]){"apt-get", "-q", NULL});
    apt_options(&argv, aptdir);
    strvec_pushv(&argv, (const char *const[]){
        "source", "--download-only", b->package, NULL});
    if (run_step(b, "apt-get source", (const char *const *)
                 strvec_array(&argv), dldir, NULL) < 0) {
        goto out;
    }
    rc = 0;
out:
    strvec_clear(&argv);
    return rc;
}

static int
fetch_debian(struct build *b)
{
    char *aptdir = xasprintf("%s/.apt/%s", b->root, b->suite);
    char *dldir = path_join(b->work, "debian");
    struct strbuf text = STRBUF_INIT;
    char *dsc = NULL;
    int apt_lock;
    int rc = LMX_EXIT_INFRA;

    apt_lock = prepare_apt_state(b, aptdir, dldir);
    if (apt_lock < 0) {
        goto out;
    }
    log_note(b, "mirror %s (%s)", b->mirror_uri.buf,
             b->mirror ? "--mirror" : b->mirror_where.buf);

    progress_begin(b, "fetching %s", b->debian);
    int fetched = apt_download(b, aptdir, dldir);
    close(apt_lock);
    if (fetched < 0) {
        goto out;
    }
    dsc = find_dsc(dldir);
    if (dsc == NULL) {
        build_error(b, "building %s failed at apt-get source (no .dsc was "
                    "downloaded); log: %s", b->name, b->log_path);
        goto out;
    }
    if (util_read_file(dsc, &text) == 0) {
        provision_control_field(text.buf, "Version", &b->debian_version);
    }
    progress_end(b, NULL);

    progress_begin(b, "extracting %s %s", b->package,
                   b->debian_version.buf);
    b->srcdir = path_join(b->work, "src");
    const char *x[] = {"dpkg-source", "-x", dsc, b->srcdir, NULL};
    if (run_step(b, "extract", x, b->work, NULL) < 0) {
        goto out;
    }
    progress_end(b, NULL);
    rc = 0;
out:
    strbuf_release(&text);
    free(dsc);
    free(dldir);
    free(aptdir);
    return rc;
}

/* ---- Building -------------------------------------------------------- */

/* Once the version is known: the tag, the log's final name, the per-tag
 * lock.  Returns 0 to build, or an exit code (0 included, when the build
 * turned out to exist already: the caller checks b->prefix). */
static int
settle_tag(struct build *b, int *exists)
{
    const char *why;
    char *configure = path_join(b->srcdir, "configure");
    int is_source = path_exists(configure);

    free(configure);
    *exists = 0;
    if (!is_source || provision_source_version(b->srcdir, &b->version) < 0) {
        build_error(b, "%s is not a CPython source tree (no configure, or "
                    "no PY_VERSION in Include/patchlevel.h)", b->name);
        return LMX_EXIT_USAGE;
    }
    b->final_tag = b->tag ? xstrdup(b->tag)
                          : provision_make_tag(b->version.buf, b->debug);
    if (!provision_tag_valid(b->final_tag, &why)) {
        build_error(b, "cannot use the tag '%s': %s; pass --tag NAME",
                    b->final_tag, why);
        return LMX_EXIT_USAGE;
    }
    free(b->name);
    b->name = xstrdup(b->final_tag);
    log_note(b, "version %s, tag %s", b->version.buf, b->final_tag);

    /* The log takes the tag's name (unless one is there already). */
    char *path = store_log_path(&b->store, b->final_tag, b->stamp);
    if (strcmp(path, b->log_path) != 0 && link(b->log_path, path) == 0) {
        unlink(b->log_path);
        free(b->log_path);
        b->log_path = path;
    }
    else {
        free(path);
    }

    char *key = xasprintf("tag-%s", b->final_tag);
    char *waiting = xasprintf("waiting for another build of %s to finish "
                              "...", b->final_tag);
    b->tag_lock_fd = store_lock_key(&b->store, key, waiting, interrupt_flag());
    free(waiting);
    free(key);
    if (b->tag_lock_fd < 0) {
        if (!interrupt_pending()) {
            build_error(b, "cannot lock the tag %s: %s", b->final_tag,
                        strerror(errno));
        }
        return LMX_EXIT_INFRA;
    }
    b->prefix = path_join(b->root, b->final_tag);
    if (!b->force) {
        int state = built_state(b->root, b->final_tag);
        if (state == 1) {
            *exists = 1;
            return report_existing(b, b->final_tag);
        }
        if (state < 0) {
            build_error(b, "'%s' exists but was not built by leakmatrix; "
                        "remove it, pass --force to replace it, or pass "
                        "--tag NAME", b->prefix);
            return LMX_EXIT_USAGE;
        }
    }
    return 0;
}

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

static json_t *
string_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* leakmatrix-build.json, read back by provision_json_get_string() and by
 * the registry. */
static int
write_build_json(struct build *b, int with_valgrind)
{
    char when[32];
    time_t now = time(NULL);
    json_t *meta = json_object();
    json_t *args = json_array();
    int rc;

    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    json_object_set_new(meta, "tag", json_string(b->final_tag));
    json_object_set_new(meta, "version", json_string(b->version.buf));
    json_object_set_new(meta, "source_kind", json_string(source_kind(b)));
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

/* Runs the staged interpreter once: it must start, report the version of
 * its source and be a debug build exactly when asked.  *with_valgrind is
 * set from sysconfig.  0 or -1 after the message. */
static int
smoke_test(struct build *b, int *with_valgrind)
{
    char *python = xasprintf("%s/bin/python3", b->staged_prefix);
    char *ldpath = xasprintf("LD_LIBRARY_PATH=%s/lib", b->staged_prefix);
    const char *argv[] = {
        python, "-I", "-c",
        "import sys, sysconfig; print(sys.version.split()[0], "
        "sysconfig.get_config_var('WITH_VALGRIND'), "
        "int(hasattr(sys, 'gettotalrefcount')))",
        NULL,
    };
    const char *env[] = {ldpath, NULL};
    struct strbuf err = STRBUF_INIT;
    struct strbuf want = STRBUF_INIT;
    struct spawn_exit ex;
    int rc = -1;

    log_note(b, "check: %s -I -c ...", python);
    int r = spawn_capture_env(argv, env, &b->check_output, &err, 120, &ex);
    strbuf_rtrim(&b->check_output);
    dprintf(b->log_fd, "%s\n%s", b->check_output.buf, err.buf);
    strbuf_addf(&want, "%s 1 %d", b->version.buf, b->debug);
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
    char version[64];
    char valgrind[16];
    int debug = -1;
    if (sscanf(b->check_output.buf, "%63s %15s %d", version, valgrind,
               &debug) != 3
        || strcmp(version, b->version.buf) != 0 || debug != b->debug) {
        build_error(b, "building %s failed at check (the new interpreter "
                    "says '%s', expected '%s'); log: %s", b->name,
                    b->check_output.buf, want.buf, b->log_path);
        goto out;
    }
    *with_valgrind = strcmp(valgrind, "1") == 0;
    rc = 0;
out:
    strbuf_release(&err);
    strbuf_release(&want);
    free(ldpath);
    free(python);
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
        log_note(b, "rpath not checked: cannot run readelf: %s",
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
            log_note(b, "linked lib/pkgconfig -> %s", target);
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

/* Moves the staged prefix into place: a plain rename when the tag is new,
 * an atomic exchange with the old prefix under --force (the old one then
 * sits in the work directory and goes away with it). */
static int
commit_prefix(struct build *b)
{
    struct strbuf err = STRBUF_INIT;
    int rc = store_commit(&b->wk, b->staged_prefix, b->prefix, b->force,
                          &err);

    if (rc < 0) {
        build_error(b, "cannot install the new build: %s", err.buf);
    }
    strbuf_release(&err);
    return rc;
}

/* configure's own error says "see config.log", which lives in the work
 * directory about to be removed: keep it in the log. */
static void
append_config_log(struct build *b)
{
    struct strbuf text = STRBUF_INIT;
    char *path = path_join(b->srcdir, "config.log");

    if (!interrupt_pending() && util_read_file(path, &text) == 0) {
        log_note(b, "config.log follows");
        if (write(b->log_fd, text.buf, text.len) < 0) {
            /* the failure line already names the log */
        }
    }
    strbuf_release(&text);
    free(path);
}

static int
build_and_install(struct build *b)
{
    char *jobs = xasprintf("-j%lu", b->jobs);
    char *destdir = NULL;
    char *stage = path_join(b->work, "stage");
    int with_valgrind = 0;
    int rc = LMX_EXIT_INFRA;

    make_configure_args(b);
    progress_begin(b, "configuring %s", b->version.buf);
    if (run_step(b, "configure", (const char *const *)
                 strvec_array(&b->configure_args), b->srcdir, NULL) < 0) {
        append_config_log(b);
        goto out;
    }
    progress_end(b, NULL);

    const char *make[] = {"make", jobs, NULL};
    progress_begin(b, "building (make %s)", jobs);
    if (run_step(b, "make", make, b->srcdir, NULL) < 0) {
        goto out;
    }
    progress_end(b, NULL);

    destdir = xasprintf("DESTDIR=%s", stage);
    const char *install[] = {"make", "install", destdir, NULL};
    progress_begin(b, "installing");
    if (run_step(b, "install", install, b->srcdir, NULL) < 0) {
        goto out;
    }
    b->staged_prefix = xasprintf("%s%s", stage, b->prefix);
    char *supp = path_join(b->srcdir, "Misc/valgrind-python.supp");
    char *dest = path_join(b->staged_prefix, "valgrind-python.supp");
    if (copy_file(supp, dest) < 0) {
        log_note(b, "no valgrind suppressions: %s: %s", supp,
                 strerror(errno));
    }
    free(supp);
    free(dest);
    link_pkgconfig(b);
    progress_end(b, NULL);

    progress_begin(b, "checking");
    if (interrupt_pending() || smoke_test(b, &with_valgrind) < 0
        || check_rpath(b) < 0) {
        goto out;
    }
    progress_end(b, with_valgrind ? NULL : "without valgrind support");
    if (interrupt_pending() || write_build_json(b, with_valgrind) < 0
        || interrupt_pending() || commit_prefix(b) < 0) {
        goto out;
    }
    log_note(b, "installed %s", b->prefix);
    rc = 0;
out:
    free(stage);
    free(destdir);
    free(jobs);
    return rc;
}

/* ---- The command ----------------------------------------------------- */

/* The Debian archive --debian fetches from: --mirror, else the one the
 * machine's apt uses.  0, or -1 after a message. */
static int
choose_mirror(struct build *b)
{
    if (b->mirror) {
        strbuf_adds(&b->mirror_uri, b->mirror);
        strbuf_rtrim(&b->mirror_uri);
        while (b->mirror_uri.len > 1
               && b->mirror_uri.buf[b->mirror_uri.len - 1] == '/') {
            b->mirror_uri.buf[--b->mirror_uri.len] = '\0';
        }
        return 0;
    }
    if (!provision_find_mirror("/etc/apt", &b->mirror_uri,
                               &b->mirror_where)) {
        lmx_error("cannot find a Debian archive in /etc/apt/sources.list"
                  " or /etc/apt/sources.list.d; pass --mirror URL (the "
                  "archive's .../debian URL)");
        return -1;
    }
    return 0;
}

/* Fetches the source, settles the tag and builds, unless a build with the
 * same tag turns out to exist; prints the prefix and tag of a new build on
 * stdout.  Returns the exit code. */
static int
fetch_and_build(struct build *b)
{
    int exists = 0;
    int rc = b->debian ? fetch_debian(b) : fetch_archive(b);

    if (rc == 0) {
        rc = settle_tag(b, &exists);
    }
    if (rc == 0 && !exists) {
        rc = build_and_install(b);
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
    if ((rc = setup_root(&b, pythons_root)) != 0) {
        goto out;
    }
    if (!b.force && (rc = find_existing(&b)) >= 0) {
        goto out;
    }
    if (b.debian && choose_mirror(&b) < 0) {
        rc = LMX_EXIT_USAGE;
        goto out;
    }

    interrupt_catch();
    handlers = 1;

    if ((rc = start_work(&b)) != 0) {
        goto out;
    }
    rc = fetch_and_build(&b);

out:
    if (interrupt_pending()) {
        progress_end(&b, "interrupted");
        log_note(&b, "interrupted by signal %d", interrupt_pending());
        lmx_error("building %s interrupted by signal %d; log: %s",
                  b.name ? b.name : "CPython", interrupt_pending(),
                  b.log_path ? b.log_path : "none");
    }
    progress_end(&b, NULL);
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
