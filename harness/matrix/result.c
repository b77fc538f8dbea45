/* result.c - cell result files: keys and names, atomic writes, and the
 * reader that report, compare and resume trust.
 *
 * What the reader insists on is what those users read: the schema number,
 * the key, the outcome and the interpreter's version.  Everything else in
 * a document (rounds, metrics, tails) is detail that renderers look up in
 * r->doc and must treat as optional.
 */
#include "matrix/result.h"
#include "base/digest.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void
result_key_init(struct result_key *k)
{
    memset(k, 0, sizeof(*k));
}

void
result_key_release(struct result_key *k)
{
    free(k->scenario);
    free(k->params);
    free(k->python);
    free(k->libset);
    free(k->mode);
    result_key_init(k);
}

char *
result_scenario_stem(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t n = strlen(base);
    if (n > 3 && strcmp(base + n - 3, ".py") == 0) {
        n -= 3;
    }
    return xstrndup(base, n);
}

static int
compare_names(const void *a, const void *b)
{
    const char *x = *(const char *const *)a;
    const char *y = *(const char *const *)b;
    size_t nx = strcspn(x, "="), ny = strcspn(y, "=");
    int c = strncmp(x, y, nx < ny ? nx : ny);
    return c ? c : (nx > ny) - (nx < ny);
}

/* "b=2,a=1,a=3" -> "a=3,b=2": sorted by name, the last setting wins. */
static char *
canonical_params(const char *const *sets)
{
    size_t n = 0;
    struct strbuf sb = STRBUF_INIT;

    for (; sets && sets[n]; n++) {
    }
    const char **v = xcalloc(n ? n : 1, sizeof(*v));
    /* Keep only the last of each name, then sort. */
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        int later = 0;
        for (size_t j = i + 1; j < n && !later; j++) {
            later = compare_names(&sets[i], &sets[j]) == 0;
        }
        if (!later) {
            v[kept++] = sets[i];
        }
    }
    qsort(v, kept, sizeof(*v), compare_names);
    for (size_t i = 0; i < kept; i++) {
        strbuf_addf(&sb, "%s%s", i ? "," : "", v[i]);
    }
    free(v);
    return strbuf_detach(&sb, NULL);
}

void
result_key_set(struct result_key *k, const char *scenario_path,
               const char *const *sets, const char *python,
               const char *libset, const char *mode)
{
    result_key_release(k);
    k->scenario = result_scenario_stem(scenario_path);
    k->params = canonical_params(sets);
    k->python = xstrdup(python);
    k->libset = xstrdup(libset ? libset : "");
    k->mode = xstrdup(mode ? mode : "default");
}

int
result_key_equal(const struct result_key *a, const struct result_key *b,
                 int ignore_python)
{
    return strcmp(a->scenario, b->scenario) == 0
           && strcmp(a->params, b->params) == 0
           && (ignore_python || strcmp(a->python, b->python) == 0)
           && strcmp(a->libset, b->libset) == 0
           && strcmp(a->mode, b->mode) == 0;
}

char *
result_key_row(const struct result_key *k)
{
    if (k->params[0] == '\0') {
        return xstrdup(k->scenario);
    }
    return xasprintf("%s [%s]", k->scenario, k->params);
}



/* Appends part to sb, '_' for each character a file name should not
 * carry; returns how many were replaced. */
static int
add_name_part(struct strbuf *sb, const char *part)
{
    int replaced = 0;
    for (const char *p = part; *p; p++) {
        int ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
                 || (*p >= '0' && *p <= '9') || strchr("._=,+-", *p);
        /* A name part never starts with a dot (hidden files). */
        if (p == part && *p == '.') {
            ok = 0;
        }
        strbuf_addch(sb, ok ? *p : '_');
        replaced += !ok;
    }
    return replaced;
}

char *
result_key_file_name(const struct result_key *k)
{
    struct strbuf sb = STRBUF_INIT;
    int replaced = add_name_part(&sb, k->scenario);

    if (k->params[0]) {
        strbuf_adds(&sb, "--");
        replaced += add_name_part(&sb, k->params);
    }
    strbuf_adds(&sb, "--");
    replaced += add_name_part(&sb, k->python);
    if (k->libset[0]) {
        strbuf_adds(&sb, "--");
        replaced += add_name_part(&sb, k->libset);
    }
    if (strcmp(k->mode, "default") != 0) {
        strbuf_adds(&sb, "--");
        replaced += add_name_part(&sb, k->mode);
    }
    /* "--" inside a part would make two keys one name; so would '_'. */
    if (replaced || strstr(k->params, "--") || strstr(k->libset, "--")) {
        const char *parts[] = {k->scenario, k->params, k->python, k->libset,
                               k->mode};
        uint64_t h = DIGEST_FNV_OFFSET;
        for (size_t i = 0; i < 5; i++) {
            h = digest_fnv1a(h, parts[i], strlen(parts[i]) + 1);
        }
        strbuf_addf(&sb, "--%08lx", (unsigned long)(h & 0xffffffffu));
    }
    strbuf_adds(&sb, ".json");
    return strbuf_detach(&sb, NULL);
}

static json_t *
key_to_json(const struct result_key *k)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s}", "scenario", k->scenario,
                     "params", k->params, "python", k->python, "libset",
                     k->libset, "mode", k->mode);
}

int
result_write(json_t *doc, const struct result_key *key, const char *digest,
             const char *dir, char **path_out)
{
    char *name = result_key_file_name(key);
    char *path = path_join(dir, name);
    json_t *scen = json_object_get(doc, "scenario");
    int rc = -1;

    json_object_set_new(doc, "schema", json_integer(RESULT_SCHEMA));
    json_object_set_new(doc, "key", key_to_json(key));
    if (json_is_object(scen) && digest) {
        json_object_set_new(scen, "digest", json_string(digest));
    }
    char *text = json_dumps(doc, JSON_INDENT(1) | JSON_SORT_KEYS);
    if (text != NULL) {
        struct strbuf sb = STRBUF_INIT;
        strbuf_adds(&sb, text);
        strbuf_addch(&sb, '\n');
        rc = util_write_file_atomic(path, sb.buf, sb.len);
        strbuf_release(&sb);
        free(text);
    }
    else {
        errno = EINVAL;
    }
    if (rc == 0 && path_out) {
        *path_out = path;
        path = NULL;
    }
    free(path);
    free(name);
    return rc;
}

/* ---- reading --------------------------------------------------------- */

void
result_init(struct result *r)
{
    memset(r, 0, sizeof(*r));
    result_key_init(&r->key);
    outcome_init(&r->outcome);
}

void
result_release(struct result *r)
{
    result_key_release(&r->key);
    outcome_release(&r->outcome);
    free(r->summary);
    free(r->python_version);
    free(r->scenario_path);
    free(r->digest);
    free(r->started);
    free(r->path);
    json_decref(r->doc);
    result_init(r);
}

static const char *
str_at(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static int
key_from_json(json_t *j, struct result_key *k, struct strbuf *err)
{
    const char *parts[5];
    static const char *const names[5] = {"scenario", "params", "python",
                                         "libset", "mode"};
    for (size_t i = 0; i < 5; i++) {
        parts[i] = str_at(j, names[i]);
        if (parts[i] == NULL) {
            strbuf_addf(err, "key.%s is missing", names[i]);
            return -1;
        }
    }
    if (parts[0][0] == '\0' || parts[2][0] == '\0' || parts[4][0] == '\0') {
        strbuf_adds(err, "the key names no scenario, interpreter or mode");
        return -1;
    }
    k->scenario = xstrdup(parts[0]);
    k->params = xstrdup(parts[1]);
    k->python = xstrdup(parts[2]);
    k->libset = xstrdup(parts[3]);
    k->mode = xstrdup(parts[4]);
    return 0;
}

static int
check_schema(json_t *doc, struct strbuf *err)
{
    json_t *schema = json_object_get(doc, "schema");

    if (!json_is_object(doc) || !json_is_string(json_object_get(doc,
                                                                "leakmatrix"))
        || !json_is_integer(schema)) {
        strbuf_adds(err, "not a leakmatrix result (no schema or "
                         "leakmatrix version)");
        return -1;
    }
    json_int_t v = json_integer_value(schema);
    if (v > RESULT_SCHEMA) {
        strbuf_addf(err, "written with result schema %lld, newer than this "
                         "leakmatrix reads (%d): upgrade leakmatrix",
                    (long long)v, RESULT_SCHEMA);
        return -1;
    }
    if (v < RESULT_SCHEMA) {
        strbuf_addf(err, "written with the older result schema %lld (this "
                         "leakmatrix reads %d): run the cell again",
                    (long long)v, RESULT_SCHEMA);
        return -1;
    }
    return 0;
}

int
result_from_doc(json_t *doc, const char *path, struct result *r,
                struct strbuf *err)
{
    json_t *py = json_object_get(doc, "python");
    json_t *scen = json_object_get(doc, "scenario");
    json_t *timing = json_object_get(doc, "timing");
    struct strbuf line = STRBUF_INIT;

    result_release(r);
    if (check_schema(doc, err) < 0
        || key_from_json(json_object_get(doc, "key"), &r->key, err) < 0
        || outcome_from_json(json_object_get(doc, "outcome"), &r->outcome,
                             err) < 0) {
        goto fail;
    }
    if (!json_is_object(py) || str_at(py, "version") == NULL
        || !json_is_integer(json_object_get(py, "hexversion"))) {
        strbuf_adds(err, "python.version or python.hexversion is missing");
        goto fail;
    }
    if (strcmp(str_at(py, "tag") ? str_at(py, "tag") : "", r->key.python)
        != 0) {
        strbuf_adds(err, "python.tag does not match the key");
        goto fail;
    }
    r->python_version = xstrdup(str_at(py, "version"));
    r->hexversion = (unsigned long)json_integer_value(
        json_object_get(py, "hexversion"));
    r->debug = json_is_true(json_object_get(py, "debug"));
    r->scenario_path = xstrdup(str_at(scen, "path") ? str_at(scen, "path")
                                                    : "");
    r->digest = str_at(scen, "digest") ? xstrdup(str_at(scen, "digest"))
                                       : NULL;
    r->started = xstrdup(str_at(timing, "started") ? str_at(timing,
                                                            "started")
                                                   : "");
    r->wall_s = json_number_value(json_object_get(timing, "wall_s"));
    r->path = xstrdup(path ? path : "");
    outcome_summary(&r->outcome, &line);
    r->summary = strbuf_detach(&line, NULL);
    r->doc = json_incref(doc);
    return 0;

fail:
    result_release(r);
    return -1;
}

int
result_read(const char *path, struct result *r, struct strbuf *err)
{
    json_error_t jerr;
    struct strbuf text = STRBUF_INIT;
    json_t *doc = NULL;

    result_release(r);
    /* Read whole, then parsed from memory: jansson reads a FILE a
     * character at a time, which was most of `report` over many files. */
    if (util_read_file(path, &text) < 0) {
        strbuf_addf(err, "cannot read it: %s", strerror(errno));
        strbuf_release(&text);
        return -1;
    }
    doc = json_loadb(text.buf, text.len, JSON_REJECT_DUPLICATES, &jerr);
    strbuf_release(&text);
    if (doc == NULL) {
        strbuf_addf(err, "not valid JSON (%s, line %d)", jerr.text,
                    jerr.line);
        return -1;
    }
    int rc = result_from_doc(doc, path, r, err);
    json_decref(doc);
    return rc;
}

/* ---- sets ------------------------------------------------------------ */

void
result_set_init(struct result_set *set)
{
    memset(set, 0, sizeof(*set));
}

void
result_set_release(struct result_set *set)
{
    for (size_t i = 0; i < set->nr; i++) {
        result_release(&set->v[i]);
    }
    free(set->v);
    result_set_init(set);
}

struct result *
result_set_find(const struct result_set *set, const struct result_key *key)
{
    for (size_t i = 0; i < set->nr; i++) {
        if (result_key_equal(&set->v[i].key, key, 0)) {
            return &set->v[i];
        }
    }
    return NULL;
}

struct result *
result_set_add(struct result_set *set, struct result *r, FILE *warn)
{
    struct result *old = result_set_find(set, &r->key);

    if (old) {
        /* ISO 8601 in UTC sorts as text. */
        int newer = strcmp(r->started, old->started) >= 0;
        if (warn) {
            fprintf(warn, "leakmatrix: %s and %s hold the same cell; "
                          "keeping the newer, %s\n",
                    old->path, r->path, newer ? r->path : old->path);
        }
        set->replaced++;
        if (newer) {
            result_release(old);
            *old = *r;
            result_init(r);
        }
        else {
            result_release(r);
        }
        return old;
    }
    if (set->nr == set->alloc) {
        set->alloc = set->alloc ? set->alloc * 2 : 64;
        set->v = xrealloc(set->v, set->alloc * sizeof(*set->v));
    }
    set->v[set->nr] = *r;
    result_init(r);
    return &set->v[set->nr++];
}

static int
is_result_name(const char *name)
{
    size_t n = strlen(name);
    return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".json") == 0;
}

static int
compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reading a directory of results is parsing JSON (jansson: about 60 MB a
 * second), so the files are read by one thread a core, each into its own
 * slot; nothing is shared but the index of the next file. */
struct load_job {
    char *path;
    struct result r;
    struct strbuf err;
    int rc;
};

struct load_batch {
    struct load_job *jobs;
    size_t n;
    size_t next;
    pthread_mutex_t lock;
};

#define LOAD_THREADS_MAX 8
/* Fewer files than this a thread are read by the calling thread alone. */
#define LOAD_FILES_PER_THREAD 32

static void *
load_worker(void *arg)
{
    struct load_batch *b = arg;

    for (;;) {
        pthread_mutex_lock(&b->lock);
        size_t i = b->next++;
        pthread_mutex_unlock(&b->lock);
        if (i >= b->n) {
            return NULL;
        }
        b->jobs[i].rc = result_read(b->jobs[i].path, &b->jobs[i].r,
                                    &b->jobs[i].err);
    }
}

static void
load_parallel(struct load_batch *b)
{
    long cores = util_cpu_count();
    size_t want = b->n / LOAD_FILES_PER_THREAD;
    size_t nthreads = want < (size_t)(cores > 1 ? cores : 1) ? want
                                                             : (size_t)cores;
    pthread_t threads[LOAD_THREADS_MAX];
    size_t started = 0;

    if (nthreads > LOAD_THREADS_MAX) {
        nthreads = LOAD_THREADS_MAX;
    }
    /* jansson seeds its hash function on first use: do it here, once. */
    json_object_seed(0);
    for (size_t t = 1; t < nthreads; t++) {
        if (pthread_create(&threads[started], NULL, load_worker, b) != 0) {
            break;          /* fewer threads: the work still gets done */
        }
        started++;
    }
    load_worker(b);
    for (size_t t = 0; t < started; t++) {
        pthread_join(threads[t], NULL);
    }
}

int
result_set_load_dir(struct result_set *set, const char *dir, FILE *warn)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    struct strvec names = STRVEC_INIT;

    if (d == NULL) {
        return -1;
    }
    while ((de = readdir(d)) != NULL) {
        if (is_result_name(de->d_name)) {
            strvec_push(&names, de->d_name);
        }
    }
    closedir(d);
    /* Directory order is the file system's: sort for stable output. */
    if (names.nr) {
        qsort(names.v, names.nr, sizeof(*names.v), compare_strings);
    }
    struct load_batch b = {NULL, names.nr, 0, PTHREAD_MUTEX_INITIALIZER};
    b.jobs = xcalloc(names.nr ? names.nr : 1, sizeof(*b.jobs));
    for (size_t i = 0; i < names.nr; i++) {
        b.jobs[i].path = path_join(dir, names.v[i]);
        result_init(&b.jobs[i].r);
        strbuf_init(&b.jobs[i].err);
    }
    load_parallel(&b);
    /* Merged in name order, as if read one by one. */
    for (size_t i = 0; i < names.nr; i++) {
        struct load_job *j = &b.jobs[i];
        if (j->rc < 0) {
            if (warn) {
                fprintf(warn, "leakmatrix: skipping %s: %s\n", j->path,
                        j->err.buf);
            }
            set->skipped++;
        }
        else {
            result_set_add(set, &j->r, warn);
        }
        result_release(&j->r);
        strbuf_release(&j->err);
        free(j->path);
    }
    free(b.jobs);
    pthread_mutex_destroy(&b.lock);
    strvec_clear(&names);
    return 0;
}
