/* libset_install.c - a set installed: pip's command line, run as a step
 * of the job (libset_job.c), the set staged and renamed into its store
 * entry with libset.json, the metadata of what was installed, and a
 * failure explained from the log and remembered when it is the build's
 * own.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "libs/libset_private.h"

#define LIBSET_JSON "libset.json"
#define LOG_TAIL_LINES 25

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

json_t *
libset_installed_dists(const char *site)
{
    DIR *dir = opendir(site);
    struct dirent *de;
    json_t *v[256];
    size_t n = 0;
    json_t *list = json_array();

    while (dir && n < 256 && (de = readdir(dir)) != NULL) {
        const char *d = de->d_name;
        const char *file = util_ends_with(d, ".dist-info") ? "METADATA"
                           : util_ends_with(d, ".egg-info") ? "PKG-INFO"
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
    const char *at = libset_git_rev_at(spec);
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

void
libset_pip_argv(const struct job *job, const char *pipdir,
                const char *site, const struct libset *set,
                const char *const *extra, json_t *pins, struct strvec *argv)
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
        if (libset_is_git_spec(s) && s[4] == '/') {
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

/* An interpreter in a private root (`pythons build --debian-binary`)
 * names its headers as Debian installed them: pyconfig.h includes
 * <x86_64-linux-gnu/python3.14/pyconfig.h>, which is in the root's
 * include directory, after this machine's own (whose libc headers the
 * machine's compiler needs).  "CFLAGS=..." for pip's builds, the user's
 * own CFLAGS kept, or NULL for any other interpreter. */
static char *
root_cflags(const struct python *py)
{
    const char *user = getenv("CFLAGS");

    if (py->loader == NULL || py->prefix == NULL) {
        return NULL;
    }
    return xasprintf("CFLAGS=%s%s-idirafter %s/include", user ? user : "",
                     user ? " " : "", py->prefix);
}

int
libset_run_pip(struct job *job, const char *step, struct strvec *argv)
{
    char *cache = path_join(job->store->root, "pip-cache");
    char *cache_env = xasprintf("PIP_CACHE_DIR=%s", cache);
    char *cflags = root_cflags(job->py);
    const char *env[] = {cache_env, pip_env_fixed[0], pip_env_fixed[1],
                         pip_env_fixed[2], cflags, NULL};
    int rc = libset_job_step(job, step,
                             (const char *const *)strvec_array(argv), env);

    free(cflags);
    free(cache);
    free(cache_env);
    return rc;
}

int
libset_stage_install(struct job *job, const char *pipdir,
                     const struct libset *set, json_t *pins)
{
    char *site = path_join(job->wk.dir, "entry/site");
    struct strvec argv = STRVEC_INIT;
    int rc = -1;

    if (util_mkdir_p(site, 0755) < 0) {
        strbuf_addf(&job->why, "cannot create %s: %s", site,
                    strerror(errno));
        goto out;
    }
    libset_pip_argv(job, pipdir, site, set, NULL, pins, &argv);
    rc = libset_run_pip(job, "pip install", &argv);
out:
    strvec_clear(&argv);
    free(site);
    return rc;
}

int
libset_finish_entry(struct job *job, const struct libset *set,
                    const char *entry, double t0, json_t *extra,
                    json_t **meta_out)
{
    char *staged = path_join(job->wk.dir, "entry");
    char *site = path_join(staged, "site");
    struct strbuf err = STRBUF_INIT;
    json_t *meta = base_meta(job->py, set, job->pip);
    int rc = -1;

    json_object_set_new(meta, "installed", libset_installed_dists(site));
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

int
libset_take_cached(const char *entry, struct libset_install *inst)
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

int
libset_job_fail(struct job *job, const struct libset *set,
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

/* Where failed builds are remembered (libset_private.h). */
#define FAILED_DIR "failed"

static double
failed_max_age(const struct job *job)
{
    return job->src->max_age_s > 0 ? job->src->max_age_s : LIBSET_MAX_AGE_S;
}

int
libset_take_failed(const struct job *job, const char *name,
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

void
libset_remember_failed(const struct job *job, const char *name,
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
