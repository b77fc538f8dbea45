/* result.h - cell result files: their key, writing them, reading them
 * back.
 *
 * A result is one JSON document per cell (schema: results/README.md),
 * written atomically into a results directory under a name derived from
 * the cell's key, so that the same cell always lands in the same file and
 * a second run over the directory can tell what is already done.  The
 * reader is the only way back from a file to a struct: report, compare
 * and resume stand on it, and it rejects what it cannot trust (not JSON,
 * truncated, not a leakmatrix result, another schema, fields missing or of
 * the wrong type) with a reason, never by crashing or silently.
 *
 * Ownership: every struct here owns its strings; the *_release()
 * functions free them and leave the struct as after *_init().
 */
#ifndef LMX_RESULT_H
#define LMX_RESULT_H

#include <jansson.h>
#include <stdio.h>

#include "judge/outcome.h"
#include "base/util.h"

/* The schema this version writes and the only one it reads. */
#define RESULT_SCHEMA 2

/* What makes two cells the same measurement.  Two results with equal keys
 * answer the same question; compare matches keys on everything but the
 * interpreter. */
struct result_key {
    char *scenario;   /* the file's stem: "threading_server" */
    char *params;     /* the parameters set on the command line, sorted by
                         name, "name=value,name=value"; "" for none */
    char *python;     /* the interpreter's tag */
    char *libset;     /* the library set; "" for the interpreter's own */
    char *mode;       /* "default", "census", "trace", "census+trace",
                         "valgrind", ... (leakcheck_key_mode()) */
};

void result_key_init(struct result_key *k);
void result_key_release(struct result_key *k);
/* Fills k (released first) from its parts, copying them; sets is the
 * "name=value" list the cell was given (NULL-ended, may be NULL), made
 * canonical (sorted by name; the last of two equal names wins). */
void result_key_set(struct result_key *k, const char *scenario_path,
                    const char *const *sets, const char *python,
                    const char *libset, const char *mode);
/* 1 when a and b are equal; with ignore_python, equal but for python. */
int result_key_equal(const struct result_key *a, const struct result_key *b,
                     int ignore_python);
/* The row of a grid: "threading_server" or "threading_server
 * [block_on_close=false]" (fresh string). */
char *result_key_row(const struct result_key *k);
/* The file name: <scenario>[--<params>]--<python>[--<libset>][--<mode>
 * unless default].json, with characters outside [A-Za-z0-9._=,+-]
 * replaced by '_' and, when anything was replaced, a short hash of the
 * key appended so that names stay unique.  Fresh string. */
char *result_key_file_name(const struct result_key *k);

/* "threading_server" for ".../threading_server.py" (fresh string). */
char *result_scenario_stem(const char *path);

/* Writes doc into dir under the key's file name atomically, after adding
 * "schema", "key" and scenario.digest (digest may be NULL).  0 with
 * *path_out (fresh, may be NULL) set, or -1 with errno. */
int result_write(json_t *doc, const struct result_key *key,
                 const char *digest, const char *dir, char **path_out);

/* One result read back. */
struct result {
    struct result_key key;
    struct outcome outcome;
    char *summary;            /* outcome_summary() */
    char *python_version;     /* "3.11.7" */
    unsigned long hexversion;
    int debug;
    char *scenario_path;
    char *digest;             /* NULL when the file did not record one */
    char *started;            /* UTC ISO 8601, "" when unknown */
    double wall_s;
    char *path;               /* the file it came from */
    json_t *doc;              /* the whole document (a reference), for the
                                 detail views of reports */
};

void result_init(struct result *r);
void result_release(struct result *r);

/* Reads one result file.  0, or -1 with the reason in err (r released). */
int result_read(const char *path, struct result *r, struct strbuf *err);
/* The same from a document already parsed (takes a new reference). */
int result_from_doc(json_t *doc, const char *path, struct result *r,
                    struct strbuf *err);

/* Results of one or more directories. */
struct result_set {
    struct result *v;
    size_t nr;
    size_t alloc;
    size_t skipped;           /* files that could not be trusted */
    size_t replaced;          /* same key twice: the older one dropped */
};

void result_set_init(struct result_set *set);
void result_set_release(struct result_set *set);
/* Reads every *.json in dir into set.  A file that cannot be trusted is
 * skipped with one warning line on `warn` (may be NULL) naming it and why;
 * a key already in the set keeps the newer result (by start time) with a
 * warning naming both files.  0, or -1 with errno when dir cannot be
 * read. */
int result_set_load_dir(struct result_set *set, const char *dir, FILE *warn);
/* Adds r (moved into the set; r is left released), replacing an older
 * result with the same key.  Returns the entry. */
struct result *result_set_add(struct result_set *set, struct result *r,
                              FILE *warn);
/* The entry with this key, or NULL. */
struct result *result_set_find(const struct result_set *set,
                               const struct result_key *key);

#endif
