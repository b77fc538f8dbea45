/* libset.h - library sets: the Python distributions a cell runs with
 * (`run --lib SPEC`, `--libs-from FILE`), installed once per (interpreter,
 * set) into the cache's library store and put first on the scenario's
 * sys.path by the runner.  The interpreter's own site-packages is never
 * written to.  Which modules a scenario then really imported, and from
 * which distribution, is the runner's business (support.py).
 *
 * This header is the module's manual.  Its code is split by behaviour
 * around libset_private.h, which only these files include: libset.c
 * (libset_ensure() and its sequence), libset_resolve.c (ranged sets),
 * libset_install.c (pip's command line, metadata and failures),
 * libset_pip.c (the pip bootstrap), libset_job.c (the install job: its
 * directory, log and steps) and libset_spec.c (specs, sets and entry
 * keys).
 *
 * A spec is one of
 *   a requirement   NAME[EXTRAS][OP VERSION[,OP VERSION...]]
 *                   ("lz4tools==1.3.1.2", "lz4>=4", "kafka-python")
 *   a local path    a wheel, an sdist or a project directory, holding a
 *                   '/' or ending in .whl/.tar.gz/.zip; made absolute
 *   a git revision  git+PATH_OR_URL@REV ("git+/src/lz4tools@v1.3.1.2");
 *                   a local repository's REV is resolved to its commit
 * A spec never reaches a shell, and characters a requirement cannot hold
 * (';', '&', '|', '$', quotes, spaces, ...) are refused: `x; rm -rf ~` is
 * an invalid requirement, not a command.
 *
 * The install strategy, the one used on every interpreter (measured on
 * 3.6 to 3.13 and the built 3.9.2, which has no usable ensurepip and no
 * setuptools on 3.12+): leakmatrix's own copy of pip, chosen by the
 * interpreter's version (21.3.1 for 3.6, 24.0 for 3.7, 24.3.1 for 3.8 and
 * later), fetched once from PyPI with a pinned sha256 (or taken from
 * --find-links; offline, see below), unpacked into the store and run as
 *   python -I <store>/pip-<v>/pip install --target <work>/site
 *       --use-pep517 --no-compile ... SPEC...
 * The interpreter's own pip (absent, broken or too old) is never used.
 * --use-pep517 makes every sdist build in an isolated environment, so a
 * setup.py project builds on 3.12+ as on 3.6 (build requirements such as
 * setuptools come from the index, or from --find-links with --no-index);
 * a pip run from a zip cannot run its PEP 517 hooks on 3.6, which is why
 * the wheel is unpacked.
 *
 * Store layout under <cache>/libs (store.h):
 *   pip-<version>/pip/...            an unpacked pip
 *   <tag>-<hash>/site/               one installed set (the --target dir)
 *   <tag>-<hash>/libset.json         what it holds (libset_install.meta)
 *   pip-<v>-bundled/pip/...          an interpreter's own pip, offline
 *   pip-cache/                       pip's download and wheel cache
 *   logs/<tag>-<hash>-<stamp>.log    every install's output
 *   resolved/<tag>-<hash>.json       a ranged set's last resolution
 *
 * Keys.  A set is keyed by the interpreter (tag, executable, version) and
 * by what it resolves to, with the index options (--find-links,
 * --no-index), so another index or a changed wheel is another entry:
 *   pinned  every spec names one thing by itself: NAME==VERSION (or ===,
 *           no wildcard), a local path (keyed by the file's sha256 or the
 *           directory's fingerprint), or git+...@REV where REV is a commit
 *           (a local repository's REV is resolved to its commit when the
 *           set is made).  The hash covers those; nothing is asked of pip.
 *           Their own dependencies are resolved once, when installed.
 *   ranged  any other set ("lz4", "lz4>=4", "kafka-python lz4tools==1.3").
 *           It is resolved through pip: `pip install --dry-run --report`
 *           (pip 22.2 and later, so 3.7 and up), or on 3.6, whose pip
 *           21.3.1 has no --dry-run, a real install into the work
 *           directory whose installed distributions are the answer.  The
 *           resolution (every distribution as name==version, with its
 *           time) is kept in resolved/ and used while younger than
 *           LIBSET_MAX_AGE_S (a day), or until --refresh-libs; the entry
 *           is keyed by it, not by the specs, and installed with the
 *           index's distributions pinned to it, so what is in the entry is
 *           what the key says.  A release made since shows up at the next
 *           resolution as another entry.  When resolving again fails
 *           (index unreachable), the old resolution is used with a
 *           warning.
 * Reuse costs reading resolved/<...>.json and the entry's libset.json.
 *
 * Offline (--no-index): pip itself comes from the store, the
 * --find-links directory (pip-<v>-py3-none-any.whl, sha256 checked), or
 * else the interpreter's own ensurepip wheel (ensurepip/_bundled, or
 * Debian's /usr/share/python-wheels) when it is pip 19.0 or later
 * (pip-<v>-bundled in the store); failing all three, the one line says
 * which wheel to put in the directory.
 *
 * Ownership: structs own their strings and JSON references; the
 * *_release() functions free them.  Errors are appended to a struct
 * strbuf as one lowercase line without the "leakmatrix: " prefix.
 */
#ifndef LMX_LIBSET_H
#define LMX_LIBSET_H

#include <jansson.h>

#include "interp/registry.h"
#include "base/util.h"

/* Checks one spec.  0, or -1 with err saying what is wrong and what a
 * spec looks like ("invalid requirement 'x; rm -rf ~': ';' cannot appear
 * in one; ..."). */
int libset_spec_check(const char *spec, struct strbuf *err);

/* One set. */
struct libset {
    struct strvec specs;   /* canonical: checked, paths absolute, sorted,
                              no duplicates */
    char *name;            /* the specs joined by ' ': the key's libset */
    char *keyed;           /* what the store's hash covers besides the
                              interpreter (name, file digests, commits) */
    int pinned;            /* every spec names one thing by itself (==,
                              a path, a commit): no resolution needed */
};
#define LIBSET_INIT {STRVEC_INIT, NULL, NULL, 0}

void libset_init(struct libset *set);
void libset_release(struct libset *set);

/* Fills set (released first) from specs (n of them).  0, or -1 with the
 * reason in err and set released. */
int libset_from_specs(struct libset *set, const char *const *specs,
                      size_t n, struct strbuf *err);

/* A --libs-from file: one set per line, its specs separated by spaces or
 * tabs; blank lines and lines starting with '#' are skipped.  Appends to
 * *sets (n counts them).  0, or -1 with "FILE:LINE: reason" in err. */
int libset_read_file(const char *path, struct libset **sets, size_t *n,
                     struct strbuf *err);

/* Where packages come from. */
struct libset_source {
    const char *find_links;   /* a directory, or NULL */
    int no_index;             /* --no-index */
    int refresh;              /* --refresh-libs: resolve ranged sets now */
    double max_age_s;         /* a resolution older than this is redone;
                                 0: LIBSET_MAX_AGE_S */
};
#define LIBSET_SOURCE_INIT {NULL, 0, 0, 0}

/* How long a ranged set's resolution is used before it is redone: a day,
 * so a new release shows up by the next day's run (or at once with
 * --refresh-libs). */
#define LIBSET_MAX_AGE_S (24.0 * 3600.0)

/* One (interpreter, set) made ready. */
struct libset_install {
    int ok;
    char *site;        /* ok: the directory to put first on sys.path */
    json_t *meta;      /* what goes into results as "libs": set, requested,
                          installed [{name, version}], dir, log, pip;
                          also for a failure (with "error" and
                          "log_tail") */
    char *error;       /* !ok: one line, what failed and where the log is */
    char *log_tail;    /* !ok: the last lines of the install's log */
    double seconds;    /* how long it took (0.0x when cached) */
    int cached;        /* it was installed before */
    int resolved;      /* a ranged set was resolved now (with cached: to
                          what was installed before) */
};

void libset_install_init(struct libset_install *inst);
void libset_install_release(struct libset_install *inst);

/* Installs set for py into the store at libs_root (created when
 * missing), or finds it installed.  Takes the set's lock, so parallel
 * leakmatrix processes install one set once; progress goes to stderr
 * unless quiet.  Returns 0 with inst->ok = 1 and inst->site set, or 0
 * with inst->ok = 0 when the install failed (error and log tail set: the
 * cell is skipped), or -1 with err set when the store itself is unusable
 * (an infrastructure failure).  Interrupted by SIGINT, SIGTERM or SIGHUP,
 * it stops pip, removes its work directory and dies of the same signal
 * (the handlers it had are restored first). */
int libset_ensure(const char *libs_root, const struct python *py,
                  const struct libset *set, const struct libset_source *src,
                  int quiet, struct libset_install *inst,
                  struct strbuf *err);

/* The version of pip this strategy runs for a hexversion ("21.3.1"). */
const char *libset_pip_version(unsigned long hexversion);

#endif
