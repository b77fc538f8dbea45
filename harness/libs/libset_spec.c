/* libset_spec.c - library-set specs: checking one (no shell ever sees
 * it), the canonical set of a --lib list or a --libs-from line, the keyed
 * text a set's store entry is hashed from (file digests, directory
 * fingerprints, commits), and the entry names themselves.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "libs/libset_private.h"
#include "base/digest.h"
#include "base/spawn.h"

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
is_path_spec(const char *s)
{
    return strchr(s, '/') || s[0] == '.' || util_ends_with(s, ".whl")
           || util_ends_with(s, ".tar.gz") || util_ends_with(s, ".zip")
           || util_ends_with(s, ".tgz");
}

int
libset_is_git_spec(const char *s)
{
    return strncmp(s, "git+", 4) == 0;
}

const char *
libset_git_rev_at(const char *s)
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
    else if (libset_is_git_spec(spec)) {
        if (libset_git_rev_at(spec) == NULL || spec[4] == '@') {
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

int
libset_cmp_str(const void *a, const void *b)
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
            && !util_ends_with(n, ".egg-info")) {
            strvec_push(&names, n);
        }
    }
    if (d) {
        closedir(d);
    }
    qsort(names.v, names.nr, sizeof(char *), libset_cmp_str);
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
    if (libset_is_git_spec(spec)) {
        const char *at = libset_git_rev_at(spec);
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
    if (libset_is_git_spec(s)) {
        const char *rev = libset_git_rev_at(s) + 1;
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
    qsort(set->specs.v, set->specs.nr, sizeof(char *), libset_cmp_str);
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

char *
libset_entry_name(const struct python *py, const struct libset *set,
                  const struct libset_source *src)
{
    char *keyed = xasprintf("\n%s", set->keyed);
    char *name = entry_key(py, src, "", keyed, NULL);

    free(keyed);
    return name;
}

char *
libset_resolved_name(const struct python *py, const struct libset *set,
                     const struct libset_source *src, json_t *res)
{
    const char *local = strchr(set->keyed, '\n');

    return entry_key(py, src, "resolved\n", local ? local : "",
                     json_object_get(res, "resolved"));
}
