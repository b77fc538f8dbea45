/* libset_private.h - what the files of the library-set module share, for
 * them alone (libset.h is the module's manual for everyone else).  The
 * files, top to bottom: each calls only files below it.
 *   libset.c          libset_ensure(): the sequence on top of these
 *   libset_resolve.c  a ranged set resolved through pip's report
 *   libset_install.c  a set installed: pip's command line, staging an
 *                     entry, its metadata, a failure's reasons and its
 *                     memo
 *   libset_pip.c      leakmatrix's own pip: chosen, fetched, unpacked
 *   libset_job.c      the job: its work directory, log and steps
 *   libset_spec.c     specs, sets, --libs-from files and the entry keys
 * The sections below go the other way, from the bottom up.
 * Ownership: a job owns its work directory, log, pip version and why;
 * it borrows its store, interpreter and source.  Fresh strings and new
 * JSON references are the caller's, as said at each prototype.
 */
#ifndef LMX_LIBSET_PRIVATE_H
#define LMX_LIBSET_PRIVATE_H

#include <jansson.h>

#include "libs/libset.h"
#include "base/store.h"

/* ---- specs and keys (libset_spec.c) ---------------------------------- */

/* Whether a spec is a git revision (git+PATH_OR_URL@REV). */
int libset_is_git_spec(const char *s);

/* The '@' that splits git+WHERE@REV (the last one after the last '/'),
 * or NULL when there is none or nothing follows it.  Points into s. */
const char *libset_git_rev_at(const char *s);

/* strcmp() of two char *, for qsort(). */
int libset_cmp_str(const void *a, const void *b);

/* <tag>-<16 hex digits>: the store entry of (py, set, src), keyed by the
 * set's keyed text (its specs, digests and commits).  Fresh string. */
char *libset_entry_name(const struct python *py, const struct libset *set,
                        const struct libset_source *src);

/* <tag>-<16 hex digits> of a resolved set: the interpreter, what the
 * set's paths and repositories are (digests, commits), the pins of res
 * ("resolved") and the source options; not the requested specs, so "lz4"
 * and "lz4>=4" resolving to one release share one entry.  Fresh
 * string. */
char *libset_resolved_name(const struct python *py, const struct libset *set,
                           const struct libset_source *src, json_t *res);

/* ---- the job (libset_job.c) ------------------------------------------ */

/* What one install job carries along. */
struct job {
    const struct store *store;
    const struct python *py;
    const struct libset_source *src;
    struct store_work wk;
    int log_fd;
    char *log_path;
    char *pip;                /* the version of pip the job runs, once
                                 libset_ensure_pip() found it */
    struct strbuf why;        /* the failure, one line */
};

/* The job's work directory and log, and the line saying what it does
 * ("installing", "resolving"; to stderr unless quiet).  0, or -1 with
 * err set. */
int libset_job_begin(struct job *job, const struct libset *set,
                     const char *name, const char *doing, int quiet,
                     struct strbuf *err);

/* Runs a step of the job (argv, and env added to the environment when
 * not NULL), its output into the log; on failure sets job->why from the
 * step and how it ended.  0 or -1. */
int libset_job_step(struct job *job, const char *step,
                    const char *const *argv, const char *const *env);

/* ---- pip (libset_pip.c) ---------------------------------------------- */

/* "23.2.1" as 23 * 10000 + 2 * 100 + 1, enough to compare pips. */
long libset_pip_number(const char *v);

/* Makes <store>/pip-<v> (an unpacked pip) exist; sets *dir to it (fresh)
 * and job->pip to its version.  The strategy's pip when it is in the
 * store or can be had; offline without it, the interpreter's bundled one
 * (an entry pip-<its version>-bundled).  0, or -1 with job->why set. */
int libset_ensure_pip(struct job *job, char **dir);

/* ---- installing (libset_install.c) ----------------------------------- */

/* Records the job's failure in inst: its error line (job->why, with
 * pip's reason and the build's cause when the log gives them), the log's
 * tail and meta.  Returns 1 when it is the build's own (a compiler
 * error, an exception of a build script: the same next time), 0 when it
 * may be the network's or the machine's. */
int libset_job_fail(struct job *job, const struct libset *set,
                    struct libset_install *inst);

/* The distributions in a --target directory, from their .dist-info (or
 * .egg-info) metadata, sorted by name: [{name, version}] (the first 256:
 * a set is a handful).  New reference. */
json_t *libset_installed_dists(const char *site);

/* Appends to argv the pip install command line of a set: pip's options,
 * `extra` (NULL or NULL-terminated) before "--", then the specs, then
 * `pins` (a JSON array of strings, or NULL). */
void libset_pip_argv(const struct job *job, const char *pipdir,
                     const char *site, const struct libset *set,
                     const char *const *extra, json_t *pins,
                     struct strvec *argv);

/* Runs pip with argv and the store's pip cache.  0 or -1 (job->why). */
int libset_run_pip(struct job *job, const char *step, struct strvec *argv);

/* pip install of the set (and pins) into <work>/entry/site.  0 or -1
 * with job->why set. */
int libset_stage_install(struct job *job, const char *pipdir,
                         const struct libset *set, json_t *pins);

/* Writes the staged entry's libset.json (what the set is, the installed
 * distributions, `extra`'s fields when not NULL) and renames it into
 * place as entry.  0 with *meta_out set (a new reference), or -1 with
 * job->why set. */
int libset_finish_entry(struct job *job, const struct libset *set,
                        const char *entry, double t0, json_t *extra,
                        json_t **meta_out);

/* An entry that is there already: 1 with inst holding its metadata and
 * site directory (ok, cached), else 0 and inst untouched. */
int libset_take_cached(const char *entry, struct libset_install *inst);

/* A set whose build failed is remembered for as long as a resolution is
 * kept (a day, or until --refresh-libs), so the next run does not spend
 * minutes building a known-broken sdist again for the same interpreter:
 * <store>/failed/<entry>.json.  Only failures of the build itself are
 * (libset_job_fail()); a network error is tried again at once. */

/* Whether name failed to build recently; then 1 with inst holding that
 * failure, saying so, else 0. */
int libset_take_failed(const struct job *job, const char *name,
                       struct libset_install *inst);

/* Remembers inst's failure for name; best effort. */
void libset_remember_failed(const struct job *job, const char *name,
                            const struct libset_install *inst);

/* ---- resolving ranged sets (libset_resolve.c) ------------------------ */

/* Whether a resolution (NULL: none) is young enough to be used as it
 * is. */
int libset_resolution_fresh(json_t *res, const struct libset_source *src);

/* Sets in meta what a result says about a ranged set: this request (the
 * entry may have been made for another request resolving the same) and
 * its resolution res. */
void libset_annotate(json_t *meta, const struct libset *set, json_t *res);

/* The resolution of a ranged set made now, with the request's lock held:
 * *res (a reference, or NULL) replaced by the new one (and written to
 * dir/file); when resolving fails and an older one exists, that one is
 * kept with a warning.  *staged set when resolving installed the set into
 * <work>/entry/site already (a pip without --dry-run).  0, or -1 with
 * job->why set (no resolution at all). */
int libset_refresh_resolution(struct job *job, const struct libset *set,
                              const char *pipdir, const char *dir,
                              const char *file, json_t **res, int *staged);

#endif
