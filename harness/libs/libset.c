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

#include "libs/libset.h"
#include "base/digest.h"
#include "base/interrupt.h"
#include "base/spawn.h"
#include "base/store.h"

#define LIBSET_JSON "libset.json"
#define PIP_TIMEOUT_S 1800.0
#define LOG_TAIL_LINES 25


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
                        (unsigned long long)digest_fnv1a_str(DIGEST_FNV_OFFSET,
                                                  sig.buf));
            strbuf_release(&sig);
        }
        else {
            char *digest = digest_file_fingerprint(real);
            strbuf_addf(keyed, "\nfile %s %s", real, digest ? digest : "?");
            free(digest);
        }
        free(real);
        return 0;
    }
    strbuf_adds(out, spec);
    return 0;
}

/* Whether a checked spec names one thing by itself: an exact version
 * (== or ===, no wildcard, one clause), a local path (keyed by digest) or
 * a git revision that is a commit (a local repository's REV is resolved
 * to one; a remote one counts when REV is 40 hex digits). */
static int
spec_is_pinned(const char *s)
{
    if (is_git_spec(s)) {
        const char *rev = git_rev_at(s) + 1;
        return s[4] == '/' || s[4] == '.'
               || (strlen(rev) == 40
                   && strspn(rev, "0123456789abcdefABCDEF") == 40);
    }
    if (is_path_spec(s)) {
        return 1;
    }
    const char *op = s + strcspn(s, "=!<>~");
    return strncmp(op, "==", 2) == 0 && strchr(op, ',') == NULL
           && strchr(op, '*') == NULL;
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
    set->pinned = 1;
    for (size_t i = 0; i < set->specs.nr; i++) {
        set->pinned &= spec_is_pinned(set->specs.v[i]);
    }
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

/* What one install job carries along. */
struct job {
    const struct store *store;
    const struct python *py;
    const struct libset_source *src;
    struct store_work wk;
    int log_fd;
    char *log_path;
    char *pip;                /* the version of pip the job runs, once
                                 ensure_pip() found it */
    struct strbuf why;        /* the failure, one line */
};

/* Runs a step of the job; on failure sets job->why from the step, its
 * end and pip's own "ERROR:" line when there is one. */
static int
job_step(struct job *job, const char *step, const char *const *argv,
         const char *const *env)
{
    struct spawn_exit ex;
    int rc = spawn_step(job->log_fd, step, argv, NULL, env, interrupt_flag(),
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
                    interrupt_pending());
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

/* "23.2.1" as 23 * 10000 + 2 * 100 + 1, enough to compare pips. */
static long
pip_number(const char *v)
{
    long major = 0, minor = 0, micro = 0;

    sscanf(v, "%ld.%ld.%ld", &major, &minor, &micro);
    return major * 10000 + minor * 100 + micro;
}

/* The pip wheel the interpreter ships for ensurepip (its own
 * ensurepip/_bundled, or Debian's /usr/share/python-wheels for a /usr
 * interpreter), when it is recent enough to run the strategy (19.0:
 * --use-pep517); else NULL.  Fresh string; *version set to its version
 * (fresh). */
static char *
bundled_pip(const struct python *py, char **version)
{
    char *dirs[2];
    char *found = NULL;

    dirs[0] = xasprintf("%s/lib/python%lu.%lu/ensurepip/_bundled",
                        py->prefix ? py->prefix : "/nonexistent",
                        (py->hexversion >> 24) & 0xff,
                        (py->hexversion >> 16) & 0xff);
    dirs[1] = xstrdup(py->prefix && strcmp(py->prefix, "/usr") == 0
                          ? "/usr/share/python-wheels" : "/nonexistent");
    for (int i = 0; i < 2 && found == NULL; i++) {
        DIR *d = opendir(dirs[i]);
        struct dirent *de;
        while (d && (de = readdir(d)) != NULL) {
            const char *n = de->d_name;
            if (strncmp(n, "pip-", 4) == 0 && ends_with(n, ".whl")
                && pip_number(n + 4) >= 190000) {
                found = path_join(dirs[i], n);
                *version = xstrndup(n + 4, strcspn(n + 4, "-"));
                break;
            }
        }
        if (d) {
            closedir(d);
        }
    }
    free(dirs[0]);
    free(dirs[1]);
    return found;
}

/* Where the pip of the strategy comes from when it is not in the store
 * yet: --find-links, else the index (sha256 checked after), else (with
 * --no-index) the interpreter's own bundled pip.  Sets *wheel (fresh) and
 * *version (a fresh copy; the bundled pip's own when that is used) and
 * returns 0, or -1 with job->why set. */
static int
find_pip_wheel(struct job *job, size_t k, char **wheel, char **version,
               int *pinned)
{
    char *file = xasprintf("pip-%s-py3-none-any.whl", pips[k].version);
    char *offered = job->src->find_links
                        ? path_join(job->src->find_links, file) : NULL;
    int rc = 0;

    *pinned = 1;
    *version = xstrdup(pips[k].version);
    if (offered && path_exists(offered)) {
        *wheel = offered;
        offered = NULL;
    }
    else if (job->src->no_index) {
        free(*version);
        *version = NULL;
        *wheel = bundled_pip(job->py, version);
        *pinned = 0;
        if (*wheel == NULL) {
            strbuf_addf(&job->why, "no pip for %s offline: put %s (%s) in "
                        "the --find-links directory %s; the interpreter "
                        "bundles no pip 19.0 or later", job->py->tag, file,
                        pips[k].url, job->src->find_links);
            rc = -1;
        }
    }
    else {
        *wheel = path_join(job->wk.dir, file);
        const char *curl[] = {"curl", "-fsSL", "--retry", "2", "-o", *wheel,
                              pips[k].url, NULL};
        if (job_step(job, "download pip", curl, NULL) < 0) {
            free(*wheel);
            *wheel = NULL;
            rc = -1;
        }
    }
    if (rc < 0) {
        free(*version);
        *version = NULL;
    }
    free(offered);
    free(file);
    return rc;
}

/* Unpacks wheel into the work directory as name and renames it into
 * place as entry; a rename lost to another process that made entry (its
 * main_py there) is no failure.  0, or -1 with job->why set. */
static int
unpack_pip(struct job *job, const char *wheel, const char *name,
           const char *entry, const char *main_py)
{
    char *unpacked = path_join(job->wk.dir, name);
    const char *unzip[] = {job->py->executable, "-I", "-m", "zipfile",
                           "-e", wheel, unpacked, NULL};
    struct strbuf err = STRBUF_INIT;
    int rc = 0;

    if (job_step(job, "unpack pip", unzip, NULL) < 0
        || (store_commit(&job->wk, unpacked, entry, 0, &err) < 0
            && !path_exists(main_py))) {
        if (err.len) {
            strbuf_add(&job->why, err.buf, err.len);
        }
        rc = -1;
    }
    strbuf_release(&err);
    free(unpacked);
    return rc;
}

/* Makes <store>/pip-<v> (an unpacked pip) exist; sets *dir to it and
 * job->pip to its version.  The strategy's pip when it is in the store
 * or can be had; offline without it, the interpreter's bundled one (an
 * entry pip-<its version>-bundled). */
static int
ensure_pip(struct job *job, char **dir)
{
    size_t k = pip_index(job->py->hexversion);
    char *name = xasprintf("pip-%s", pips[k].version);
    char *entry = path_join(job->store->root, name);
    char *main_py = path_join(entry, "pip/__main__.py");
    char *wheel = NULL;
    char *version = NULL;
    int pinned = 1;
    int lock = -1;
    int rc = -1;

    if (path_exists(main_py)) {
        version = xstrdup(pips[k].version);
        rc = 0;
        goto out;
    }
    lock = store_lock_key(job->store, name, NULL, NULL);
    if (path_exists(main_py)) {
        version = xstrdup(pips[k].version);
        rc = 0;
        goto out;
    }
    if (find_pip_wheel(job, k, &wheel, &version, &pinned) < 0) {
        goto out;
    }
    if (pinned && !digest_sha256_file_is(wheel, pips[k].sha256)) {
        strbuf_addf(&job->why, "%s is not pip %s (sha256 mismatch)", wheel,
                    pips[k].version);
        goto out;
    }
    if (!pinned) {
        /* The interpreter's own wheel, trusted as much as the
         * interpreter; its entry says where it came from. */
        free(name);
        free(entry);
        free(main_py);
        name = xasprintf("pip-%s-bundled", version);
        entry = path_join(job->store->root, name);
        main_py = path_join(entry, "pip/__main__.py");
        spawn_log_note(job->log_fd, "leakmatrix: offline, using %s's "
                       "bundled %s", job->py->tag, wheel);
        if (path_exists(main_py)) {
            rc = 0;
            goto out;
        }
    }
    rc = unpack_pip(job, wheel, name, entry, main_py);
out:
    if (lock >= 0) {
        close(lock);
    }
    if (rc == 0) {
        *dir = entry;
        entry = NULL;
        free(job->pip);
        job->pip = version;
        version = NULL;
    }
    free(version);
    free(entry);
    free(main_py);
    free(wheel);
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

/* <tag>-<16 hex digits>: the FNV-1a of `kind`, the interpreter (tag,
 * executable, version), `keyed` (empty, or lines each starting with
 * '\n'), each of `pins` (a JSON array of "name==version", or NULL) as
 * "\npin NAME==VERSION", and the source options.  Fresh string. */
static char *
entry_key(const struct python *py, const struct libset_source *src,
          const char *kind, const char *keyed, json_t *pins)
{
    uint64_t h = DIGEST_FNV_OFFSET;
    char *links = src->find_links ? path_real(src->find_links) : NULL;
    json_t *pin;
    size_t i;

    h = digest_fnv1a_str(h, kind);
    h = digest_fnv1a_str(h, py->tag);
    h = digest_fnv1a_str(h, "\n");
    h = digest_fnv1a_str(h, py->executable ? py->executable : "");
    h = digest_fnv1a_str(h, "\n");
    h = digest_fnv1a_str(h, py->version ? py->version : "");
    h = digest_fnv1a_str(h, keyed);
    json_array_foreach(pins, i, pin) {
        const char *s = json_string_value(pin);
        h = digest_fnv1a_str(h, "\npin ");
        h = digest_fnv1a_str(h, s ? s : "");
    }
    h = digest_fnv1a_str(h, links ? "\nfind-links " : "");
    h = digest_fnv1a_str(h, links ? links : "");
    h = digest_fnv1a_str(h, src->no_index ? "\nno-index" : "");
    free(links);
    return xasprintf("%s-%016llx", py->tag, (unsigned long long)h);
}

/* <tag>-<16 hex digits>: the entry of (py, set, src), keyed by the set's
 * whole keyed text (its specs, digests and commits). */
static char *
entry_name(const struct python *py, const struct libset *set,
           const struct libset_source *src)
{
    char *keyed = xasprintf("\n%s", set->keyed);
    char *name = entry_key(py, src, "", keyed, NULL);

    free(keyed);
    return name;
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

/* Whether line (leading blanks skipped) is a compiler's error,
 * "c-ext/bufferutil.c:761:46: error: lvalue required ...". */
static int
compiler_error(const char *line, size_t len)
{
    const char *e = memmem(line, len, ": error: ", 9);
    const char *colon = memchr(line, ':', len);

    return e && colon && colon < e && isdigit((unsigned char)colon[1]);
}

/* Whether line is a Python exception's last line, "NotImplementedError:
 * Only Python 3.10+ is supported." (pip's own "ERROR: " lines are not). */
static int
exception_line(const char *line, size_t len)
{
    size_t n = 0;

    while (n < len && (isalnum((unsigned char)line[n]) || line[n] == '_'
                       || line[n] == '.')) {
        n++;
    }
    if (n + 2 > len || line[n] != ':' || line[n + 1] != ' '
        || !isupper((unsigned char)line[0])) {
        return 0;
    }
    return (n >= 5 && memcmp(line + n - 5, "Error", 5) == 0)
           || (n >= 9 && memcmp(line + n - 9, "Exception", 9) == 0);
}

/* The reasons a failed install's log gives, read in one pass: pip's own
 * one line (the last "ERROR: " line: "No matching distribution found for
 * x==9", pip 24's "error: metadata-generation-failed") and, beneath it,
 * what made the build fail (the first compiler error, since the others
 * follow from it, else the last exception a build script raised); pip's
 * line alone does not say why.  Each is a fresh string, or NULL. */
static void
log_reasons(const char *path, char **pip_line, char **cause)
{
    struct strbuf text = STRBUF_INIT;
    int compiled = 0;

    *pip_line = *cause = NULL;
    if (util_read_file(path, &text) < 0) {
        return;
    }
    for (char *p = text.buf; p && *p;) {
        char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        size_t blank = strspn(p, " \t");

        if (strncasecmp(p, "ERROR: ", 7) == 0) {
            free(*pip_line);
            *pip_line = xstrndup(p + 7, len - 7);
        }
        else if (!compiled && (compiler_error(p + blank, len - blank)
                               || exception_line(p + blank, len - blank))) {
            compiled = compiler_error(p + blank, len - blank);
            free(*cause);
            *cause = xstrndup(p + blank, len - blank);
        }
        p = nl ? nl + 1 : NULL;
    }
    strbuf_release(&text);
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

/* The pip install command line of a set: pip's options, `extra` (NULL or
 * NULL-terminated) before "--", then the specs, then `pins` (a JSON array
 * of strings, or NULL). */
static void
pip_argv(const struct job *job, const char *pipdir, const char *site,
         const struct libset *set, const char *const *extra, json_t *pins,
         struct strvec *argv)
{
    size_t i;
    json_t *pin;

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
    for (i = 0; extra && extra[i]; i++) {
        strvec_push(argv, extra[i]);
    }
    strvec_push(argv, "--");
    for (i = 0; i < set->specs.nr; i++) {
        const char *s = set->specs.v[i];
        if (is_git_spec(s) && s[4] == '/') {
            git_pip_arg(set, s, argv);
        }
        else {
            strvec_push(argv, s);
        }
    }
    json_array_foreach(pins, i, pin) {
        strvec_push(argv, json_string_value(pin));
    }
}

static const char *const pip_env_fixed[] = {
    "PIP_NO_INPUT=1", "PIP_DISABLE_PIP_VERSION_CHECK=1",
    "PIP_PROGRESS_BAR=off",
};

/* Runs pip with argv and the store's pip cache.  0 or -1 (job->why). */
static int
run_pip(struct job *job, const char *step, struct strvec *argv)
{
    char *cache = path_join(job->store->root, "pip-cache");
    char *cache_env = xasprintf("PIP_CACHE_DIR=%s", cache);
    const char *env[] = {cache_env, pip_env_fixed[0], pip_env_fixed[1],
                         pip_env_fixed[2], NULL};
    int rc = job_step(job, step, (const char *const *)strvec_array(argv),
                      env);

    free(cache);
    free(cache_env);
    return rc;
}

/* pip install of the set (and pins) into <work>/entry/site.  0 or -1
 * with job->why set. */
static int
stage_install(struct job *job, const char *pipdir, const struct libset *set,
              json_t *pins)
{
    char *site = path_join(job->wk.dir, "entry/site");
    struct strvec argv = STRVEC_INIT;
    int rc = -1;

    if (util_mkdir_p(site, 0755) < 0) {
        strbuf_addf(&job->why, "cannot create %s: %s", site,
                    strerror(errno));
        goto out;
    }
    pip_argv(job, pipdir, site, set, NULL, pins, &argv);
    rc = run_pip(job, "pip install", &argv);
out:
    strvec_clear(&argv);
    free(site);
    return rc;
}

/* Writes the staged entry's libset.json (base_meta, the installed
 * distributions, `extra`'s fields when not NULL) and renames it into
 * place as entry.  0 with *meta_out set, or -1 with job->why set. */
static int
finish_entry(struct job *job, const struct libset *set, const char *entry,
             double t0, json_t *extra, json_t **meta_out)
{
    char *staged = path_join(job->wk.dir, "entry");
    char *site = path_join(staged, "site");
    struct strbuf err = STRBUF_INIT;
    json_t *meta = base_meta(job->py, set, job->pip);
    int rc = -1;

    json_object_set_new(meta, "installed", installed_dists(site));
    json_object_set_new(meta, "dir", json_string(entry));
    json_object_set_new(meta, "log", json_string(job->log_path));
    json_object_set_new(meta, "install_seconds",
                        json_real(util_now_monotonic() - t0));
    char *when = util_utc_now("%Y-%m-%dT%H:%M:%SZ");
    json_object_set_new(meta, "installed_at", json_string(when));
    free(when);
    if (extra) {
        json_object_update(meta, extra);
    }
    if (store_meta_write(staged, LIBSET_JSON, meta) < 0) {
        strbuf_addf(&job->why, "cannot write %s/%s: %s", staged,
                    LIBSET_JSON, strerror(errno));
        goto out;
    }
    if (store_commit(&job->wk, staged, entry, 0, &err) < 0) {
        strbuf_add(&job->why, err.buf, err.len);
        goto out;
    }
    *meta_out = meta;
    meta = NULL;
    rc = 0;
out:
    json_decref(meta);
    strbuf_release(&err);
    free(staged);
    free(site);
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

/* Records the failure in inst.  Returns 1 when it is the build's own (a
 * compiler error, an exception of a build script: the same next time),
 * 0 when it may be the network's or the machine's. */
static int
fail(struct job *job, const struct libset *set,
     struct libset_install *inst)
{
    char *pip_line = NULL, *cause = NULL;

    if (job->log_path) {
        log_reasons(job->log_path, &pip_line, &cause);
    }

    inst->ok = 0;
    inst->error = xasprintf("cannot install '%s' for %s: %s%s%s%s%s%s; "
                            "log: %s",
                            set->name, job->py->tag,
                            pip_line ? pip_line : job->why.buf,
                            cause ? " (" : "", cause ? cause : "",
                            cause ? ")" : "",
                            pip_line ? " - " : "",
                            pip_line ? job->why.buf : "",
                            job->log_path ? job->log_path : "none");
    free(cause);
    inst->log_tail = log_tail(job->log_path);
    inst->meta = base_meta(job->py, set,
                           job->pip ? job->pip
                                    : libset_pip_version(job->py->hexversion));
    json_object_set_new(inst->meta, "error", json_string(inst->error));
    json_object_set_new(inst->meta, "log_tail", json_string(inst->log_tail));
    json_object_set_new(inst->meta, "log", job->log_path
                                               ? json_string(job->log_path)
                                               : json_null());
    free(pip_line);
    return cause != NULL;
}

/* A set whose build failed is remembered for as long as a resolution is
 * kept (a day, or until --refresh-libs), so the next run does not spend
 * minutes building a known-broken sdist again for the same interpreter:
 * <store>/failed/<entry>.json.  Only failures of the build itself are
 * (fail()); a network error is tried again at once. */
#define FAILED_DIR "failed"

static double
failed_max_age(const struct job *job)
{
    return job->src->max_age_s > 0 ? job->src->max_age_s : LIBSET_MAX_AGE_S;
}

/* Whether name failed to build recently; then inst holds that failure,
 * saying so. */
static int
take_failed(const struct job *job, const char *name,
            struct libset_install *inst)
{
    char *dir = path_join(job->store->root, FAILED_DIR);
    char *file = xasprintf("%s.json", name);
    json_t *memo = job->src->refresh ? NULL : store_meta_read(dir, file);
    json_t *meta = json_object_get(memo, "meta");
    const char *error = json_string_value(json_object_get(memo, "error"));
    double at = json_number_value(json_object_get(memo, "failed_at"));
    double age = (double)time(NULL) - at;
    int taken = error && json_is_object(meta) && at > 0 && age >= 0
                && age < failed_max_age(job);

    if (taken) {
        inst->ok = 0;
        inst->cached = 1;
        inst->error = xasprintf("%s (the same build failed %.0f min ago; "
                                "--refresh-libs tries again)",
                                error, age / 60);
        const char *tail = json_string_value(json_object_get(memo,
                                                             "log_tail"));
        inst->log_tail = xstrdup(tail ? tail : "");
        inst->meta = json_deep_copy(meta);
        json_object_set_new(inst->meta, "error", json_string(inst->error));
    }
    json_decref(memo);
    free(file);
    free(dir);
    return taken;
}

static void
remember_failed(const struct job *job, const char *name,
                const struct libset_install *inst)
{
    char *dir = path_join(job->store->root, FAILED_DIR);
    char *file = xasprintf("%s.json", name);
    json_t *memo = json_pack("{s:f, s:s, s:s, s:O}", "failed_at",
                             (double)time(NULL), "error", inst->error,
                             "log_tail", inst->log_tail ? inst->log_tail : "",
                             "meta", inst->meta);

    /* Best effort: without the memo the next run builds it again. */
    if (memo && util_mkdir_p(dir, 0755) == 0) {
        (void)store_meta_write(dir, file, memo);
    }
    json_decref(memo);
    free(file);
    free(dir);
}

/* The job's work directory and log, and the line saying what it does
 * ("installing", "resolving").  0, or -1 with err set. */
static int
job_begin(struct job *job, const struct libset *set, const char *name,
          const char *doing, int quiet, struct strbuf *err)
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
    spawn_log_note(job->log_fd, "leakmatrix: %s '%s' for %s (%s)", doing,
                   set->name, job->py->tag, job->py->executable);
    if (!quiet) {
        fprintf(stderr, "leakmatrix: %s '%s' for %s ...\n", doing,
                set->name, job->py->tag);
    }
    return 0;
}

/* A pinned set, with its lock held: the work directory, the log, the
 * install. */
static int
install_pinned(struct job *job, const struct libset *set, const char *name,
               const char *entry, int quiet, struct libset_install *inst,
               struct strbuf *err)
{
    double t0 = util_now_monotonic();
    char *pipdir = NULL;
    json_t *meta = NULL;

    if (job_begin(job, set, name, "installing", quiet, err) < 0) {
        return -1;
    }
    if (ensure_pip(job, &pipdir) == 0 && stage_install(job, pipdir, set,
                                                       NULL) == 0
        && finish_entry(job, set, entry, t0, NULL, &meta) == 0) {
        inst->ok = 1;
        inst->meta = meta;
        inst->site = path_join(entry, "site");
    }
    else if (fail(job, set, inst)) {
        remember_failed(job, name, inst);
    }
    free(pipdir);
    return 0;
}

/* ---- resolving ranged sets ------------------------------------------- */

/* PEP 503's normal form of a project name: lowercase, runs of -_. as
 * one '-'. */
static char *
normal_name(const char *name)
{
    struct strbuf sb = STRBUF_INIT;

    for (const char *p = name; *p; p++) {
        if (*p == '-' || *p == '_' || *p == '.') {
            if (sb.len == 0 || sb.buf[sb.len - 1] != '-') {
                strbuf_addch(&sb, '-');
            }
        }
        else {
            strbuf_addch(&sb, (char)tolower((unsigned char)*p));
        }
    }
    return strbuf_detach(&sb, NULL);
}

/* Whether a resolved item came from the index or a wheelhouse (it is
 * then pinned by NAME==VERSION when installed) rather than from one of
 * the set's own paths or repositories. */
static int
from_index(const struct libset *set, json_t *download)
{
    const char *url = json_string_value(json_object_get(download, "url"));

    if (json_object_get(download, "dir_info")
        || json_object_get(download, "vcs_info") || url == NULL) {
        return 0;
    }
    for (size_t i = 0; i < set->specs.nr; i++) {
        if (strncmp(url, "file://", 7) == 0
            && strcmp(url + 7, set->specs.v[i]) == 0) {
            return 0;
        }
    }
    return 1;
}

/* pip's --report: fills pins (every item, "name==version", sorted) and
 * args (the index items' pins, for the install).  0, or -1 with
 * job->why set. */
static int
read_report(struct job *job, const struct libset *set, const char *path,
            json_t *pins, json_t *args)
{
    json_error_t jerr;
    json_t *doc = json_load_file(path, 0, &jerr);
    json_t *items = json_object_get(doc, "install");
    json_t *item;
    size_t i;
    struct strvec sorted = STRVEC_INIT;

    if (!json_is_array(items)) {
        strbuf_addf(&job->why, "pip's report %s is unreadable: %s", path,
                    doc ? "no \"install\" list" : jerr.text);
        json_decref(doc);
        return -1;
    }
    json_array_foreach(items, i, item) {
        json_t *md = json_object_get(item, "metadata");
        const char *name = json_string_value(json_object_get(md, "name"));
        const char *version = json_string_value(json_object_get(md,
                                                                "version"));
        if (name == NULL || version == NULL) {
            continue;
        }
        char *norm = normal_name(name);
        strvec_pushf(&sorted, "%s==%s", norm, version);
        if (from_index(set, json_object_get(item, "download_info"))) {
            json_array_append_new(args, json_string(sorted.v[sorted.nr
                                                             - 1]));
        }
        free(norm);
    }
    qsort(sorted.v, sorted.nr, sizeof(char *), cmp_str);
    for (i = 0; i < sorted.nr; i++) {
        json_array_append_new(pins, json_string(sorted.v[i]));
    }
    strvec_clear(&sorted);
    json_decref(doc);
    return 0;
}

/* The installed distributions of the staged site as sorted pins. */
static json_t *
staged_pins(struct job *job)
{
    char *site = path_join(job->wk.dir, "entry/site");
    json_t *dists = installed_dists(site);
    json_t *pins = json_array();
    json_t *d;
    size_t i;

    json_array_foreach(dists, i, d) {
        char *norm = normal_name(json_string_value(json_object_get(d,
                                                                   "name")));
        json_array_append_new(pins, json_pack("s+++", norm, "==",
                                              json_string_value(
                                                  json_object_get(d,
                                                                  "version")),
                                              ""));
        free(norm);
    }
    json_decref(dists);
    free(site);
    return pins;
}

/* Resolves the set now.  With a pip that has `install --dry-run --report`
 * (22.2 and later) that is all it does; with an older one (3.6's 21.3.1)
 * it installs into the work directory and reads what was installed
 * (*staged set: the install is done).  Returns the resolution document,
 * or NULL with job->why set. */
static json_t *
resolve_now(struct job *job, const char *pipdir, const struct libset *set,
            int *staged)
{
    json_t *pins = json_array();
    json_t *args = json_array();
    const char *how;
    int rc;

    *staged = 0;
    if (pip_number(job->pip) >= 220200) {
        char *report = path_join(job->wk.dir, "report.json");
        char *dry = path_join(job->wk.dir, "dry");
        const char *extra[] = {"--dry-run", "--ignore-installed", "--report",
                               report, NULL};
        struct strvec argv = STRVEC_INIT;
        pip_argv(job, pipdir, dry, set, extra, NULL, &argv);
        rc = run_pip(job, "pip install --dry-run", &argv);
        if (rc == 0) {
            rc = read_report(job, set, report, pins, args);
        }
        strvec_clear(&argv);
        free(report);
        free(dry);
        how = "pip install --dry-run --report";
    }
    else {
        rc = stage_install(job, pipdir, set, NULL);
        if (rc == 0) {
            json_decref(pins);
            pins = staged_pins(job);
            *staged = 1;
        }
        how = "pip install (this pip has no --dry-run)";
    }
    if (rc < 0) {
        json_decref(pins);
        json_decref(args);
        return NULL;
    }
    char *when = util_utc_now("%Y-%m-%dT%H:%M:%SZ");
    json_t *doc = json_pack("{s:s, s:s, s:o, s:o, s:s, s:I, s:s, s:s}",
                            "set", set->name, "python", job->py->tag,
                            "resolved", pins, "pin_args", args,
                            "resolved_at", when, "resolved_epoch",
                            (json_int_t)time(NULL), "resolved_by", how,
                            "pip", job->pip);
    free(when);
    return doc;
}

/* Whether a resolution is young enough to be used as it is. */
static int
resolution_fresh(json_t *res, const struct libset_source *src)
{
    json_t *epoch = json_object_get(res, "resolved_epoch");
    double max = src->max_age_s > 0 ? src->max_age_s : LIBSET_MAX_AGE_S;
    double age;

    if (res == NULL || src->refresh || !json_is_integer(epoch)
        || !json_is_array(json_object_get(res, "resolved"))) {
        return 0;
    }
    age = difftime(time(NULL), (time_t)json_integer_value(epoch));
    return age >= -60 && age < max;
}

/* <tag>-<16 hex digits> of a resolved set: the interpreter, what the
 * set's paths and repositories are (digests, commits), the resolved
 * pins and the source options; not the requested specs, so "lz4" and
 * "lz4>=4" resolving to one release share one entry. */
static char *
resolved_entry_name(const struct python *py, const struct libset *set,
                    const struct libset_source *src, json_t *res)
{
    const char *local = strchr(set->keyed, '\n');

    return entry_key(py, src, "resolved\n", local ? local : "",
                     json_object_get(res, "resolved"));
}

/* What a result says about a ranged set: this request (the entry may have
 * been made for another request resolving the same) and its
 * resolution. */
static void
annotate(json_t *meta, const struct libset *set, json_t *res)
{
    json_t *req = json_array();

    for (size_t i = 0; i < set->specs.nr; i++) {
        json_array_append_new(req, json_string(set->specs.v[i]));
    }
    json_object_set_new(meta, "set", json_string(set->name));
    json_object_set_new(meta, "requested", req);
    json_object_set(meta, "resolved", json_object_get(res, "resolved"));
    json_object_set(meta, "resolved_at", json_object_get(res,
                                                         "resolved_at"));
    json_object_set(meta, "resolved_by", json_object_get(res,
                                                         "resolved_by"));
}

/* The resolution of a ranged set made now, with the request's lock held:
 * *res replaced by the new one (and written to path); when resolving
 * fails and an older one exists, that one is kept with a warning.
 * 0, or -1 with job->why set (no resolution at all). */
static int
refresh_resolution(struct job *job, const struct libset *set,
                   const char *pipdir, const char *dir, const char *file,
                   json_t **res, int *staged)
{
    json_t *now = resolve_now(job, pipdir, set, staged);

    if (now == NULL && *res == NULL) {
        return -1;
    }
    if (now == NULL) {
        const char *when = json_string_value(json_object_get(*res,
                                                             "resolved_at"));
        lmx_warn("cannot resolve '%s' for %s again (%s); using its "
                 "resolution of %s", set->name, job->py->tag, job->why.buf,
                 when ? when : "earlier");
        strbuf_reset(&job->why);
        return 0;
    }
    json_decref(*res);
    *res = now;
    if (store_meta_write(dir, file, now) < 0) {
        lmx_warn("cannot write %s/%s: %s (the set is resolved again next "
                 "time)", dir, file, strerror(errno));
    }
    return 0;
}

/* A ranged set with the request's lock held: resolve when the remembered
 * resolution is missing, old or --refresh-libs asks; then the entry of
 * what it resolved to, installed with those pins unless it exists. */
static int
ensure_ranged_locked(struct job *job, const struct libset *set,
                     const char *req, const char *dir, const char *file,
                     int quiet, struct libset_install *inst,
                     struct strbuf *err)
{
    double t0 = util_now_monotonic();
    json_t *res = store_meta_read(dir, file);
    json_t *old_res = json_incref(res);
    char *pipdir = NULL;
    char *name = NULL;
    char *entry = NULL;
    json_t *meta = NULL;
    int staged = 0;
    int lock = -1;
    int rc = 0;

    if (job_begin(job, set, req, "resolving", quiet, err) < 0) {
        rc = -1;
        goto out;
    }
    if (ensure_pip(job, &pipdir) < 0
        || refresh_resolution(job, set, pipdir, dir, file, &res, &staged)
               < 0) {
        fail(job, set, inst);
        goto out;
    }
    name = resolved_entry_name(job->py, set, job->src, res);
    entry = path_join(job->store->root, name);
    lock = store_lock_key(job->store, name, NULL, interrupt_flag());
    inst->resolved = !json_equal(json_object_get(res, "resolved_at"),
                                 json_object_get(old_res, "resolved_at"));
    if (take_cached(entry, inst)) {
        annotate(inst->meta, set, res);
        goto out;
    }
    json_t *extra = json_object();
    annotate(extra, set, res);
    if ((staged || stage_install(job, pipdir, set,
                                 json_object_get(res, "pin_args")) == 0)
        && finish_entry(job, set, entry, t0, extra, &meta) == 0) {
        inst->ok = 1;
        inst->meta = meta;
        inst->site = path_join(entry, "site");
    }
    else {
        fail(job, set, inst);
    }
    json_decref(extra);
out:
    if (lock >= 0) {
        close(lock);
    }
    json_decref(res);
    json_decref(old_res);
    free(pipdir);
    free(name);
    free(entry);
    return rc;
}

/* A ranged set: the remembered resolution when it is fresh and its entry
 * exists (the fast path: two small files read), else resolving under the
 * request's lock. */
static int
ensure_ranged(struct job *job, const struct libset *set, const char *req,
              int quiet, struct libset_install *inst, struct strbuf *err)
{
    char *dir = path_join(job->store->root, "resolved");
    char *file = xasprintf("%s.json", req);
    json_t *res = NULL;
    int lock = -1;
    int rc = -1;

    for (int pass = 0; pass < 2; pass++) {
        json_decref(res);
        res = store_meta_read(dir, file);
        if (resolution_fresh(res, job->src)) {
            char *name = resolved_entry_name(job->py, set, job->src, res);
            char *entry = path_join(job->store->root, name);
            int hit = take_cached(entry, inst);
            free(name);
            free(entry);
            if (hit) {
                annotate(inst->meta, set, res);
                rc = 0;
                goto out;
            }
        }
        if (pass == 1) {
            break;
        }
        if (util_mkdir_p(dir, 0755) < 0) {
            strbuf_addf(err, "cannot create %s: %s", dir, strerror(errno));
            goto out;
        }
        char *waiting = xasprintf("leakmatrix: waiting for another "
                                  "resolution of '%s' for %s ...",
                                  set->name, job->py->tag);
        lock = store_lock_key(job->store, req, quiet ? NULL : waiting,
                              interrupt_flag());
        free(waiting);
        if (lock < 0) {
            strbuf_addf(err, "cannot lock %s/%s.lock: %s", job->store->tmp,
                        req, strerror(errno));
            goto out;
        }
        if (job->src->refresh) {
            break;   /* whatever another run resolved, resolve now */
        }
    }
    rc = ensure_ranged_locked(job, set, req, dir, file, quiet, inst, err);
out:
    if (lock >= 0) {
        close(lock);
    }
    json_decref(res);
    free(dir);
    free(file);
    return rc;
}

/* A pinned set: its entry, else installing it under its lock. */
static int
ensure_pinned(struct job *job, const struct libset *set, const char *name,
              int quiet, struct libset_install *inst, struct strbuf *err)
{
    char *entry = path_join(job->store->root, name);
    int lock = -1;
    int rc = -1;

    if (take_cached(entry, inst) || take_failed(job, name, inst)) {
        rc = 0;
        goto out;
    }
    char *waiting = xasprintf("leakmatrix: waiting for another install of "
                              "'%s' for %s ...", set->name, job->py->tag);
    lock = store_lock_key(job->store, name, quiet ? NULL : waiting,
                          interrupt_flag());
    free(waiting);
    if (lock < 0) {
        strbuf_addf(err, "cannot lock %s/%s.lock: %s", job->store->tmp,
                    name, strerror(errno));
        goto out;
    }
    if (take_cached(entry, inst)) {
        rc = 0;
        goto out;
    }
    rc = install_pinned(job, set, name, entry, quiet, inst, err);
out:
    if (lock >= 0) {
        close(lock);
    }
    free(entry);
    return rc;
}

int
libset_ensure(const char *libs_root, const struct python *py,
              const struct libset *set, const struct libset_source *src,
              int quiet, struct libset_install *inst, struct strbuf *err)
{
    struct store store = STORE_INIT;
    struct job job = {NULL, py, src, STORE_WORK_INIT, -1, NULL, NULL,
                      STRBUF_INIT};
    double t0 = util_now_monotonic();
    char *name = entry_name(py, set, src);
    int rc = -1;

    libset_install_release(inst);
    interrupt_catch();
    if (store_open(&store, libs_root, err) == 0) {
        job.store = &store;
        rc = set->pinned
                 ? ensure_pinned(&job, set, name, quiet, inst, err)
                 : ensure_ranged(&job, set, name, quiet, inst, err);
    }
    inst->seconds = util_now_monotonic() - t0;
    if (job.log_fd >= 0) {
        close(job.log_fd);
    }
    store_work_end(&job.wk);
    strbuf_release(&job.why);
    free(job.log_path);
    free(job.pip);
    free(name);
    store_release(&store);
    int sig = interrupt_release();
    if (sig) {
        /* pip is stopped and its work directory gone: die of the signal,
         * as the shell expects from an interrupted command. */
        interrupt_raise(sig);
    }
    return rc;
}
