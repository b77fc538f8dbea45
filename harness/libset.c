/* libset.c - library sets: checking specs, naming sets, and installing
 * each (interpreter, set) once into the library store with leakmatrix's
 * own pip (libset.h says why this strategy).  The store's locks, work
 * directories and final rename are store.c's; every command runs through
 * spawn_step(), never a shell.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "libset.h"
#include "result.h"
#include "spawn.h"
#include "store.h"

#define LIBSET_JSON "libset.json"
#define PIP_TIMEOUT_S 1800.0
#define LOG_TAIL_LINES 25

static uint64_t fnv1a(uint64_t h, const char *s);

/* ---- specs ----------------------------------------------------------- */

static const char spec_help[] =
    "a spec is NAME[EXTRAS][OP VERSION,...] (lz4tools==1.3.1.2), a wheel, "
    "sdist or directory path, or git+PATH_OR_URL@REV";

/* Characters no spec may hold: what a shell would act on, and the
 * separators of --libs-from. */
static const char banned[] = " \t\n\r;&|$`'\"\\(){}#^%";

static int
name_char(int c)
{
    return isalnum(c) || c == '.' || c == '_' || c == '-';
}

static int
version_char(int c)
{
    return name_char(c) || c == '*' || c == '+' || c == '!';
}

static size_t
operator_len(const char *p)
{
    static const char *const ops[] = {"===", "==", "!=", "<=", ">=", "~=",
                                      "<", ">", NULL};
    for (size_t i = 0; ops[i]; i++) {
        size_t n = strlen(ops[i]);
        if (strncmp(p, ops[i], n) == 0) {
            return n;
        }
    }
    return 0;
}

/* NAME[EXTRAS][OP VERSION[,OP VERSION...]]: NULL when valid, else why. */
static const char *
requirement_problem(const char *s)
{
    const char *p = s;

    if (!isalnum((unsigned char)*p)) {
        return "a requirement starts with a letter or digit";
    }
    while (name_char((unsigned char)*p)) {
        p++;
    }
    if (*p == '[') {
        do {
            p++;
            if (!isalnum((unsigned char)*p)) {
                return "an extra is a name ([socks,zstd])";
            }
            while (name_char((unsigned char)*p)) {
                p++;
            }
        } while (*p == ',');
        if (*p++ != ']') {
            return "extras end with ']'";
        }
    }
    if (*p == '\0') {
        return NULL;
    }
    for (;;) {
        size_t n = operator_len(p);
        if (n == 0) {
            return "a version needs an operator (==, >=, <, ~=, !=)";
        }
        p += n;
        if (!version_char((unsigned char)*p)) {
            return "an operator needs a version after it";
        }
        while (version_char((unsigned char)*p)) {
            p++;
        }
        if (*p == '\0') {
            return NULL;
        }
        if (*p++ != ',') {
            return "version clauses are separated by ','";
        }
    }
}

static int
ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int
is_path_spec(const char *s)
{
    return strchr(s, '/') || s[0] == '.' || ends_with(s, ".whl")
           || ends_with(s, ".tar.gz") || ends_with(s, ".zip")
           || ends_with(s, ".tgz");
}

static int
is_git_spec(const char *s)
{
    return strncmp(s, "git+", 4) == 0;
}

/* git+WHERE@REV split at the last '@' after the last '/'. */
static const char *
git_rev_at(const char *s)
{
    const char *slash = strrchr(s, '/');
    const char *at = strrchr(s, '@');
    return at && (!slash || at > slash) && at[1] ? at : NULL;
}

/* The spec as messages show it: one line, control characters as '?'. */
static char *
printable(const char *spec)
{
    char *copy = xstrdup(spec);

    for (char *p = copy; *p; p++) {
        if (iscntrl((unsigned char)*p)) {
            *p = '?';
        }
    }
    return copy;
}

static int spec_problem(const char *spec, const char *shown,
                        struct strbuf *err);

int
libset_spec_check(const char *spec, struct strbuf *err)
{
    char *shown = printable(spec);
    int rc = spec_problem(spec, shown, err);

    free(shown);
    return rc;
}

static int
spec_problem(const char *spec, const char *shown_spec, struct strbuf *err)
{
    const char *bad = spec + strcspn(spec, banned);
    const char *why = NULL;

    if (*spec == '\0') {
        strbuf_addf(err, "invalid requirement '': empty; %s", spec_help);
        return -1;
    }
    if (*bad) {
        char shown[16];
        if (*bad == ' ') {
            snprintf(shown, sizeof(shown), "a space");
        }
        else if (isprint((unsigned char)*bad)) {
            snprintf(shown, sizeof(shown), "'%c'", *bad);
        }
        else {
            snprintf(shown, sizeof(shown), "\\x%02x", (unsigned char)*bad);
        }
        strbuf_addf(err, "invalid requirement '%s': %s cannot appear in a "
                    "spec (specs never reach a shell, and --libs-from "
                    "separates them by spaces); %s", shown_spec, shown,
                    spec_help);
        return -1;
    }
    if (spec[0] == '-') {
        why = "it looks like an option";
    }
    else if (is_git_spec(spec)) {
        if (git_rev_at(spec) == NULL || spec[4] == '@') {
            why = "a git spec is git+PATH_OR_URL@REV";
        }
    }
    else if (is_path_spec(spec)) {
        if (!path_exists(spec)) {
            strbuf_addf(err, "invalid requirement '%s': no such file or "
                        "directory", shown_spec);
            return -1;
        }
    }
    else {
        why = requirement_problem(spec);
    }
    if (why) {
        strbuf_addf(err, "invalid requirement '%s': %s; %s", shown_spec,
                    why, spec_help);
        return -1;
    }
    return 0;
}

void
libset_init(struct libset *set)
{
    struct libset blank = LIBSET_INIT;
    *set = blank;
}

void
libset_release(struct libset *set)
{
    strvec_clear(&set->specs);
    free(set->name);
    free(set->keyed);
    libset_init(set);
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The commit a local repository's revision names, or NULL. */
static char *
git_commit(const char *repo, const char *rev)
{
    char *what = xasprintf("%s^{commit}", rev);
    const char *argv[] = {"git", "-C", repo, "rev-parse", "--verify", "-q",
                          what, NULL};
    struct strbuf out = STRBUF_INIT;
    struct spawn_exit ex;
    char *commit = NULL;

    if (spawn_capture(argv, &out, NULL, 60, &ex) == 0) {
        strbuf_rtrim(&out);
        if (out.len >= 40) {
            commit = strbuf_detach(&out, NULL);
        }
    }
    strbuf_release(&out);
    free(what);
    return commit;
}

/* A fingerprint of a project directory's files (names, sizes, mtimes;
 * .git and build outputs left out), so that a tree changed by `git
 * checkout` during `git bisect run` is another set, not the cached one. */
static void
dir_digest(const char *dir, struct strbuf *sig, size_t *budget)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    struct strvec names = STRVEC_INIT;

    while (d && (de = readdir(d)) != NULL) {
        const char *n = de->d_name;
        if (strcmp(n, ".") && strcmp(n, "..") && strcmp(n, ".git")
            && strcmp(n, "build") && strcmp(n, "__pycache__")
            && !ends_with(n, ".egg-info")) {
            strvec_push(&names, n);
        }
    }
    if (d) {
        closedir(d);
    }
    qsort(names.v, names.nr, sizeof(char *), cmp_str);
    for (size_t i = 0; i < names.nr && *budget > 0; i++, (*budget)--) {
        char *path = path_join(dir, names.v[i]);
        struct stat st;
        if (lstat(path, &st) == 0) {
            strbuf_addf(sig, "%s %lld %lld.%09ld\n", path,
                        (long long)st.st_size, (long long)st.st_mtim.tv_sec,
                        st.st_mtim.tv_nsec);
            if (S_ISDIR(st.st_mode)) {
                dir_digest(path, sig, budget);
            }
        }
        free(path);
    }
    strvec_clear(&names);
}

/* The canonical form of a checked spec (paths made absolute) and what the
 * store's hash must cover for it, appended to keyed.  0, or -1 with err. */
static int
canonical_spec(const char *spec, struct strbuf *out, struct strbuf *keyed,
               struct strbuf *err)
{
    if (is_git_spec(spec)) {
        const char *at = git_rev_at(spec);
        char *where = xstrndup(spec + 4, (size_t)(at - spec - 4));
        char *real = NULL;
        if (where[0] == '/' || where[0] == '.') {
            real = path_real(where);
            char *commit = real ? git_commit(real, at + 1) : NULL;
            if (commit == NULL) {
                strbuf_addf(err, "invalid requirement '%s': %s is not a git "
                            "repository with a revision '%s'", spec, where,
                            at + 1);
                free(real);
                free(where);
                return -1;
            }
            strbuf_addf(out, "git+%s%s", real, at);
            strbuf_addf(keyed, "\ngit %s %s", real, commit);
            free(commit);
        }
        else {
            strbuf_adds(out, spec);
        }
        free(real);
        free(where);
        return 0;
    }
    if (is_path_spec(spec)) {
        char *real = path_real(spec);
        if (real == NULL) {
            strbuf_addf(err, "invalid requirement '%s': %s", spec,
                        strerror(errno));
            return -1;
        }
        strbuf_adds(out, real);
        if (path_is_dir(real)) {
            struct strbuf sig = STRBUF_INIT;
            size_t budget = 20000;
            dir_digest(real, &sig, &budget);
            strbuf_addf(keyed, "\ndir %s %016llx", real,
                        (unsigned long long)fnv1a(14695981039346656037ULL,
                                                  sig.buf));
            strbuf_release(&sig);
        }
        else {
            char *digest = result_file_digest(real);
            strbuf_addf(keyed, "\nfile %s %s", real, digest ? digest : "?");
            free(digest);
        }
        free(real);
        return 0;
    }
    strbuf_adds(out, spec);
    return 0;
}

int
libset_from_specs(struct libset *set, const char *const *specs, size_t n,
                  struct strbuf *err)
{
    struct strbuf keyed = STRBUF_INIT;
    struct strbuf name = STRBUF_INIT;

    libset_release(set);
    for (size_t i = 0; i < n; i++) {
        struct strbuf one = STRBUF_INIT;
        if (libset_spec_check(specs[i], err) < 0
            || canonical_spec(specs[i], &one, &keyed, err) < 0) {
            strbuf_release(&one);
            strbuf_release(&keyed);
            libset_release(set);
            return -1;
        }
        strvec_push(&set->specs, one.buf);
        strbuf_release(&one);
    }
    if (set->specs.nr == 0) {
        strbuf_adds(err, "a library set needs at least one spec");
        strbuf_release(&keyed);
        return -1;
    }
    qsort(set->specs.v, set->specs.nr, sizeof(char *), cmp_str);
    size_t kept = 0;
    for (size_t i = 0; i < set->specs.nr; i++) {
        if (kept && strcmp(set->specs.v[kept - 1], set->specs.v[i]) == 0) {
            free(set->specs.v[i]);
            continue;
        }
        set->specs.v[kept++] = set->specs.v[i];
    }
    set->specs.nr = kept;
    set->specs.v[kept] = NULL;
    for (size_t i = 0; i < set->specs.nr; i++) {
        strbuf_addf(&name, "%s%s", i ? " " : "", set->specs.v[i]);
    }
    set->name = strbuf_detach(&name, NULL);
    set->keyed = xasprintf("%s%s", set->name, keyed.buf);
    strbuf_release(&keyed);
    return 0;
}

int
libset_read_file(const char *path, struct libset **sets, size_t *n,
                 struct strbuf *err)
{
    struct strbuf text = STRBUF_INIT;
    char *save = NULL;
    unsigned lineno = 0;
    int rc = 0;

    if (util_read_file(path, &text) < 0) {
        strbuf_addf(err, "cannot read --libs-from %s: %s", path,
                    strerror(errno));
        return -1;
    }
    /* strtok_r would skip empty lines and lose the numbering. */
    for (char *line = text.buf; rc == 0 && line && *line; line = save) {
        char *nl = strchr(line, '\n');
        save = nl ? nl + 1 : NULL;
        if (nl) {
            *nl = '\0';
        }
        lineno++;
        struct strvec words = STRVEC_INIT;
        char *word_save = NULL;
        for (char *w = strtok_r(line, " \t\r", &word_save); w;
             w = strtok_r(NULL, " \t\r", &word_save)) {
            strvec_push(&words, w);
        }
        if (words.nr && words.v[0][0] != '#') {
            struct strbuf why = STRBUF_INIT;
            *sets = xrealloc(*sets, (*n + 1) * sizeof(**sets));
            libset_init(&(*sets)[*n]);
            if (libset_from_specs(&(*sets)[*n], (const char *const *)words.v,
                                  words.nr, &why) < 0) {
                strbuf_addf(err, "%s:%u: %s", path, lineno, why.buf);
                rc = -1;
            }
            else {
                (*n)++;
            }
            strbuf_release(&why);
        }
        strvec_clear(&words);
    }
    if (rc == 0 && *n == 0) {
        strbuf_addf(err, "--libs-from %s names no library set (one set per "
                    "line, specs separated by spaces)", path);
        rc = -1;
    }
    strbuf_release(&text);
    return rc;
}

/* ---- pip ------------------------------------------------------------- */

/* The pips of the strategy, by the interpreter they run on: the newest
 * release that still runs there.  Pinned by sha256 (PyPI's own). */
static const struct {
    unsigned long below;      /* for hexversions below this */
    const char *version;
    const char *url;
    const char *sha256;
} pips[] = {
    {0x03070000, "21.3.1",
     "https://files.pythonhosted.org/packages/a4/6d/"
     "6463d49a933f547439d6b5b98b46af8742cc03ae83543e4d7688c2420f8b/"
     "pip-21.3.1-py3-none-any.whl",
     "deaf32dcd9ab821e359cd8330786bcd077604b5c5730c0b096eda46f95c24a2d"},
    {0x03080000, "24.0",
     "https://files.pythonhosted.org/packages/8a/6a/"
     "19e9fe04fca059ccf770861c7d5721ab4c2aebc539889e97c7977528a53b/"
     "pip-24.0-py3-none-any.whl",
     "ba0d021a166865d2265246961bec0152ff124de910c5cc39f1156ce3fa7c69dc"},
    {0xffffffff, "24.3.1",
     "https://files.pythonhosted.org/packages/ef/7d/"
     "500c9ad20238fcfcb4cb9243eede163594d7020ce87bd9610c9e02771876/"
     "pip-24.3.1-py3-none-any.whl",
     "3790624780082365f47549d032f3770eeb2b1e8bd1f7b2e02dace1afa361b4ed"},
};

static size_t
pip_index(unsigned long hexversion)
{
    size_t i = 0;
    while (i + 1 < sizeof(pips) / sizeof(pips[0])
           && hexversion >= pips[i].below) {
        i++;
    }
    return i;
}

const char *
libset_pip_version(unsigned long hexversion)
{
    return pips[pip_index(hexversion)].version;
}

/* Set by a SIGINT, SIGTERM or SIGHUP during an install: spawn_step()
 * stops pip, the work directory goes, and the process dies of it. */
static volatile sig_atomic_t got_signal;

static void
on_signal(int sig)
{
    if (!got_signal) {
        got_signal = sig;
    }
}

/* What one install job carries along. */
struct job {
    const struct store *store;
    const struct python *py;
    const struct libset_source *src;
    struct store_work wk;
    int log_fd;
    char *log_path;
    struct strbuf why;        /* the failure, one line */
};

static int
sha256_ok(const char *file, const char *want)
{
    const char *argv[] = {"sha256sum", "--", file, NULL};
    struct strbuf out = STRBUF_INIT;
    struct spawn_exit ex;
    int ok = spawn_capture(argv, &out, NULL, 120, &ex) == 0 && out.len >= 64
             && strncasecmp(out.buf, want, 64) == 0;

    strbuf_release(&out);
    return ok;
}

/* Runs a step of the job; on failure sets job->why from the step, its
 * end and pip's own "ERROR:" line when there is one. */
static int
job_step(struct job *job, const char *step, const char *const *argv,
         const char *const *env)
{
    struct spawn_exit ex;
    int rc = spawn_step(job->log_fd, step, argv, NULL, env, &got_signal,
                        PIP_TIMEOUT_S, &ex);

    if (rc == 0) {
        return 0;
    }
    if (rc == -1) {
        strbuf_addf(&job->why, "%s: cannot run %s: %s", step, argv[0],
                    strerror(errno));
    }
    else if (rc == -2) {
        strbuf_addf(&job->why, "%s interrupted by signal %d", step,
                    (int)got_signal);
    }
    else {
        struct strbuf how = STRBUF_INIT;
        spawn_exit_describe(&ex, &how);
        strbuf_addf(&job->why, "%s failed (%s)", step, how.buf);
        strbuf_release(&how);
    }
    spawn_log_note(job->log_fd, "%s", job->why.buf);
    return -1;
}

/* Makes <store>/pip-<v> (an unpacked pip) exist; sets *dir to it. */
static int
ensure_pip(struct job *job, char **dir)
{
    size_t k = pip_index(job->py->hexversion);
    char *name = xasprintf("pip-%s", pips[k].version);
    char *entry = path_join(job->store->root, name);
    char *main_py = path_join(entry, "pip/__main__.py");
    char *wheel = NULL;
    char *unpacked = NULL;
    int lock = -1;
    int rc = -1;

    if (path_exists(main_py)) {
        rc = 0;
        goto out;
    }
    lock = store_lock_key(job->store, name, NULL, NULL);
    if (path_exists(main_py)) {
        rc = 0;
        goto out;
    }
    char *file = xasprintf("pip-%s-py3-none-any.whl", pips[k].version);
    char *offered = job->src->find_links
                        ? path_join(job->src->find_links, file) : NULL;
    if (offered && path_exists(offered)) {
        wheel = xstrdup(offered);
    }
    else if (job->src->no_index) {
        strbuf_addf(&job->why, "no pip for %s: with --no-index, put %s in "
                    "the --find-links directory", job->py->tag, file);
    }
    else {
        wheel = path_join(job->wk.dir, file);
        const char *curl[] = {"curl", "-fsSL", "--retry", "2", "-o", wheel,
                              pips[k].url, NULL};
        if (job_step(job, "download pip", curl, NULL) < 0) {
            free(wheel);
            wheel = NULL;
        }
    }
    free(offered);
    free(file);
    if (wheel == NULL) {
        goto out;
    }
    if (!sha256_ok(wheel, pips[k].sha256)) {
        strbuf_addf(&job->why, "%s is not pip %s (sha256 mismatch)", wheel,
                    pips[k].version);
        goto out;
    }
    unpacked = path_join(job->wk.dir, name);
    const char *unzip[] = {job->py->executable, "-I", "-m", "zipfile",
                           "-e", wheel, unpacked, NULL};
    struct strbuf err = STRBUF_INIT;
    if (job_step(job, "unpack pip", unzip, NULL) < 0
        || store_commit(&job->wk, unpacked, entry, 0, &err) < 0) {
        if (err.len) {
            strbuf_add(&job->why, err.buf, err.len);
        }
        strbuf_release(&err);
        goto out;
    }
    strbuf_release(&err);
    rc = 0;
out:
    if (lock >= 0) {
        close(lock);
    }
    if (rc == 0) {
        *dir = entry;
        entry = NULL;
    }
    free(entry);
    free(main_py);
    free(wheel);
    free(unpacked);
    free(name);
    return rc;
}

/* ---- installing ------------------------------------------------------ */

void
libset_install_init(struct libset_install *inst)
{
    memset(inst, 0, sizeof(*inst));
}

void
libset_install_release(struct libset_install *inst)
{
    free(inst->site);
    json_decref(inst->meta);
    free(inst->error);
    free(inst->log_tail);
    libset_install_init(inst);
}

static uint64_t
fnv1a(uint64_t h, const char *s)
{
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

/* <tag>-<16 hex digits>: the entry of (py, set, src). */
static char *
entry_name(const struct python *py, const struct libset *set,
           const struct libset_source *src)
{
    uint64_t h = 14695981039346656037ULL;
    char *links = src->find_links ? path_real(src->find_links) : NULL;

    h = fnv1a(h, py->tag);
    h = fnv1a(h, "\n");
    h = fnv1a(h, py->executable ? py->executable : "");
    h = fnv1a(h, "\n");
    h = fnv1a(h, py->version ? py->version : "");
    h = fnv1a(h, "\n");
    h = fnv1a(h, set->keyed);
    h = fnv1a(h, links ? "\nfind-links " : "");
    h = fnv1a(h, links ? links : "");
    h = fnv1a(h, src->no_index ? "\nno-index" : "");
    free(links);
    return xasprintf("%s-%016llx", py->tag, (unsigned long long)h);
}

/* The value of header field `name` ("Name: lz4") of a METADATA or
 * PKG-INFO text, or NULL. */
static char *
metadata_field(const char *text, const char *name)
{
    size_t n = strlen(name);

    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1
                                                                   : NULL) {
        if (*p == '\n') {
            break;   /* the headers end at the first blank line */
        }
        if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
            const char *v = p + n + 1;
            while (*v == ' ' || *v == '\t') {
                v++;
            }
            return xstrndup(v, strcspn(v, "\r\n"));
        }
    }
    return NULL;
}

static int
cmp_dist(const void *a, const void *b)
{
    const char *x = json_string_value(json_object_get(*(json_t *const *)a,
                                                      "name"));
    const char *y = json_string_value(json_object_get(*(json_t *const *)b,
                                                      "name"));
    return strcasecmp(x ? x : "", y ? y : "");
}

/* The distributions in a --target directory, from their .dist-info (or
 * .egg-info) metadata, sorted by name: [{name, version}] (the first 256:
 * a set is a handful). */
static json_t *
installed_dists(const char *site)
{
    DIR *dir = opendir(site);
    struct dirent *de;
    json_t *v[256];
    size_t n = 0;
    json_t *list = json_array();

    while (dir && n < 256 && (de = readdir(dir)) != NULL) {
        const char *file = ends_with(de->d_name, ".dist-info") ? "METADATA"
                           : ends_with(de->d_name, ".egg-info") ? "PKG-INFO"
                                                                 : NULL;
        if (file == NULL) {
            continue;
        }
        char *path = xasprintf("%s/%s/%s", site, de->d_name, file);
        struct strbuf text = STRBUF_INIT;
        if (util_read_file(path, &text) == 0) {
            char *name = metadata_field(text.buf, "Name");
            char *version = metadata_field(text.buf, "Version");
            if (name && version) {
                v[n++] = json_pack("{s:s, s:s}", "name", name, "version",
                                   version);
            }
            free(name);
            free(version);
        }
        strbuf_release(&text);
        free(path);
    }
    if (dir) {
        closedir(dir);
    }
    qsort(v, n, sizeof(v[0]), cmp_dist);
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(list, v[i]);
    }
    return list;
}

/* The last lines of the log, for a result that must explain itself. */
static char *
log_tail(const char *path)
{
    struct strbuf text = STRBUF_INIT;
    size_t lines = 0;
    size_t start = 0;

    if (path == NULL || util_read_file(path, &text) < 0) {
        strbuf_release(&text);
        return xstrdup("");
    }
    strbuf_rtrim(&text);
    for (size_t i = text.len; i-- > 0;) {
        if (text.buf[i] == '\n' && ++lines == LOG_TAIL_LINES) {
            start = i + 1;
            break;
        }
    }
    if (text.len - start > 8192) {
        start = text.len - 8192;
    }
    char *tail = xstrdup(text.buf + start);
    strbuf_release(&text);
    return tail;
}

/* pip's own one-line reason ("ERROR: No matching distribution found for
 * x==9", "error: metadata-generation-failed"), the last such line of the
 * log, or NULL. */
static char *
pip_error_line(const char *path)
{
    struct strbuf text = STRBUF_INIT;
    char *found = NULL;

    if (util_read_file(path, &text) == 0) {
        for (char *p = text.buf; p && *p;) {
            char *nl = strchr(p, '\n');
            /* pip 21-23 say "ERROR: ...", pip 24 also "error: ...". */
            if (strncasecmp(p, "ERROR: ", 7) == 0) {
                free(found);
                found = xstrndup(p + 7, nl ? (size_t)(nl - p - 7)
                                           : strlen(p + 7));
            }
            p = nl ? nl + 1 : NULL;
        }
    }
    strbuf_release(&text);
    return found;
}

static json_t *
base_meta(const struct python *py, const struct libset *set,
          const char *pip)
{
    json_t *req = json_array();

    for (size_t i = 0; i < set->specs.nr; i++) {
        json_array_append_new(req, json_string(set->specs.v[i]));
    }
    return json_pack("{s:s, s:o, s:s, s:s, s:s}", "set", set->name,
                     "requested", req, "python", py->tag, "python_version",
                     py->version ? py->version : "", "pip", pip);
}

/* A local git spec as pip gets it: git+file://PATH@COMMIT, with the
 * commit the set was keyed by (libset_from_specs() resolved REV), so that
 * what is installed is what the key says even if a branch moved since. */
static void
git_pip_arg(const struct libset *set, const char *spec, struct strvec *argv)
{
    const char *at = git_rev_at(spec);
    char *where = xstrndup(spec + 4, (size_t)(at - spec - 4));
    char *line = xasprintf("\ngit %s ", where);
    const char *found = strstr(set->keyed, line);

    if (found) {
        const char *commit = found + strlen(line);
        strvec_pushf(argv, "git+file://%s@%.*s", where,
                     (int)strcspn(commit, "\n"), commit);
    }
    else {
        strvec_pushf(argv, "git+file://%s", spec + 4);
    }
    free(line);
    free(where);
}

/* The pip install command line of a set. */
static void
pip_argv(const struct job *job, const char *pipdir, const char *site,
         const struct libset *set, struct strvec *argv)
{
    strvec_push(argv, job->py->executable);
    strvec_push(argv, "-I");
    strvec_pushf(argv, "%s/pip", pipdir);
    strvec_push(argv, "install");
    strvec_push(argv, "--target");
    strvec_push(argv, site);
    strvec_push(argv, "--use-pep517");
    strvec_push(argv, "--no-compile");
    strvec_push(argv, "--no-warn-script-location");
    strvec_push(argv, "--disable-pip-version-check");
    strvec_push(argv, "--no-input");
    if (job->src->no_index) {
        strvec_push(argv, "--no-index");
    }
    if (job->src->find_links) {
        strvec_push(argv, "--find-links");
        strvec_push(argv, job->src->find_links);
    }
    strvec_push(argv, "--");
    for (size_t i = 0; i < set->specs.nr; i++) {
        const char *s = set->specs.v[i];
        if (is_git_spec(s) && s[4] == '/') {
            git_pip_arg(set, s, argv);
        }
        else {
            strvec_push(argv, s);
        }
    }
}

/* The install proper, with the set's lock held and the job's work
 * directory and log open.  0 or -1 with job->why set. */
static int
install(struct job *job, const struct libset *set, const char *entry,
        json_t **meta_out)
{
    char *pipdir = NULL;
    char *staged = path_join(job->wk.dir, "entry");
    char *site = path_join(staged, "site");
    char *cache = path_join(job->store->root, "pip-cache");
    char *cache_env = xasprintf("PIP_CACHE_DIR=%s", cache);
    const char *env[] = {cache_env, "PIP_NO_INPUT=1",
                         "PIP_DISABLE_PIP_VERSION_CHECK=1",
                         "PIP_PROGRESS_BAR=off", NULL};
    struct strvec argv = STRVEC_INIT;
    struct strbuf err = STRBUF_INIT;
    double t0 = util_now_monotonic();
    int rc = -1;

    if (ensure_pip(job, &pipdir) < 0) {
        goto out;
    }
    if (util_mkdir_p(site, 0755) < 0) {
        strbuf_addf(&job->why, "cannot create %s: %s", site,
                    strerror(errno));
        goto out;
    }
    pip_argv(job, pipdir, site, set, &argv);
    if (job_step(job, "pip install",
                 (const char *const *)strvec_array(&argv), env) < 0) {
        goto out;
    }
    json_t *meta = base_meta(job->py, set,
                             libset_pip_version(job->py->hexversion));
    json_object_set_new(meta, "installed", installed_dists(site));
    json_object_set_new(meta, "dir", json_string(entry));
    json_object_set_new(meta, "log", json_string(job->log_path));
    json_object_set_new(meta, "install_seconds",
                        json_real(util_now_monotonic() - t0));
    char *when = util_utc_now("%Y-%m-%dT%H:%M:%SZ");
    json_object_set_new(meta, "installed_at", json_string(when));
    free(when);
    if (store_meta_write(staged, LIBSET_JSON, meta) < 0) {
        strbuf_addf(&job->why, "cannot write %s/%s: %s", staged,
                    LIBSET_JSON, strerror(errno));
        json_decref(meta);
        goto out;
    }
    if (store_commit(&job->wk, staged, entry, 0, &err) < 0) {
        strbuf_add(&job->why, err.buf, err.len);
        json_decref(meta);
        goto out;
    }
    *meta_out = meta;
    rc = 0;
out:
    strbuf_release(&err);
    strvec_clear(&argv);
    free(pipdir);
    free(staged);
    free(site);
    free(cache);
    free(cache_env);
    return rc;
}

/* An entry that is there already: its metadata and site directory. */
static int
take_cached(const char *entry, struct libset_install *inst)
{
    json_t *meta = store_meta_read(entry, LIBSET_JSON);
    char *site = path_join(entry, "site");

    if (meta == NULL || !path_is_dir(site)) {
        json_decref(meta);
        free(site);
        return 0;
    }
    inst->ok = 1;
    inst->cached = 1;
    inst->meta = meta;
    inst->site = site;
    return 1;
}

static void
fail(struct job *job, const struct libset *set,
     struct libset_install *inst)
{
    char *pip_line = job->log_path ? pip_error_line(job->log_path) : NULL;

    inst->ok = 0;
    inst->error = xasprintf("cannot install '%s' for %s: %s%s%s; log: %s",
                            set->name, job->py->tag,
                            pip_line ? pip_line : job->why.buf,
                            pip_line ? " - " : "",
                            pip_line ? job->why.buf : "",
                            job->log_path ? job->log_path : "none");
    inst->log_tail = log_tail(job->log_path);
    inst->meta = base_meta(job->py, set,
                           libset_pip_version(job->py->hexversion));
    json_object_set_new(inst->meta, "error", json_string(inst->error));
    json_object_set_new(inst->meta, "log_tail", json_string(inst->log_tail));
    json_object_set_new(inst->meta, "log", job->log_path
                                               ? json_string(job->log_path)
                                               : json_null());
    free(pip_line);
}

/* With the set's lock held: the work directory, the log, the install. */
static int
install_locked(struct job *job, const struct libset *set, const char *name,
               const char *entry, int quiet, struct libset_install *inst,
               struct strbuf *err)
{
    if (store_work_begin(job->store, &job->wk, err) < 0) {
        return -1;
    }
    char *stamp = util_utc_now("%Y%m%d-%H%M%S");
    job->log_path = store_log_path(job->store, name, stamp);
    free(stamp);
    job->log_fd = open(job->log_path, O_WRONLY | O_CREAT | O_APPEND
                                          | O_CLOEXEC, 0644);
    if (job->log_fd < 0) {
        strbuf_addf(err, "cannot create the log %s: %s", job->log_path,
                    strerror(errno));
        return -1;
    }
    spawn_log_note(job->log_fd, "leakmatrix: installing '%s' for %s (%s)",
                   set->name, job->py->tag, job->py->executable);
    if (!quiet) {
        fprintf(stderr, "leakmatrix: installing '%s' for %s ...\n",
                set->name, job->py->tag);
    }
    json_t *meta = NULL;
    if (install(job, set, entry, &meta) == 0) {
        inst->ok = 1;
        inst->meta = meta;
        inst->site = path_join(entry, "site");
    }
    else {
        fail(job, set, inst);
    }
    return 0;
}

int
libset_ensure(const char *libs_root, const struct python *py,
              const struct libset *set, const struct libset_source *src,
              int quiet, struct libset_install *inst, struct strbuf *err)
{
    struct store store = STORE_INIT;
    struct job job = {NULL, py, src, STORE_WORK_INIT, -1, NULL,
                      STRBUF_INIT};
    struct sigaction sa, old[3];
    static const int sigs[3] = {SIGINT, SIGTERM, SIGHUP};
    double t0 = util_now_monotonic();
    char *name = entry_name(py, set, src);
    char *entry = NULL;
    int lock = -1;
    int rc = -1;

    libset_install_release(inst);
    got_signal = 0;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (int k = 0; k < 3; k++) {
        sigaction(sigs[k], &sa, &old[k]);
        if (old[k].sa_handler == SIG_IGN) {
            /* Ignored on purpose (nohup, a background job): keep it so. */
            sigaction(sigs[k], &old[k], NULL);
        }
    }
    if (store_open(&store, libs_root, err) < 0) {
        goto out;
    }
    job.store = &store;
    entry = path_join(store.root, name);
    if (take_cached(entry, inst)) {
        rc = 0;
        goto out;
    }
    char *waiting = xasprintf("leakmatrix: waiting for another install of "
                              "'%s' for %s ...", set->name, py->tag);
    lock = store_lock_key(&store, name, quiet ? NULL : waiting, &got_signal);
    free(waiting);
    if (lock < 0) {
        strbuf_addf(err, "cannot lock %s/%s.lock: %s", store.tmp, name,
                    strerror(errno));
        goto out;
    }
    if (take_cached(entry, inst)) {
        rc = 0;
        goto out;
    }
    rc = install_locked(&job, set, name, entry, quiet, inst, err);
out:
    inst->seconds = util_now_monotonic() - t0;
    if (job.log_fd >= 0) {
        close(job.log_fd);
    }
    store_work_end(&job.wk);
    if (lock >= 0) {
        close(lock);
    }
    strbuf_release(&job.why);
    free(job.log_path);
    free(entry);
    free(name);
    store_release(&store);
    for (int k = 0; k < 3; k++) {
        sigaction(sigs[k], &old[k], NULL);
    }
    if (got_signal) {
        /* pip is stopped and its work directory gone: die of the signal,
         * as the shell expects from an interrupted command. */
        raise(got_signal);
    }
    return rc;
}
