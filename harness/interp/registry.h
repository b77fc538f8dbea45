/* registry.h - every CPython leakmatrix can embed: discovery, tags, and the
 * pkg-config modules the build uses to make one runner per interpreter.
 *
 * Discovery looks, in this order, at interpreters built by leakmatrix
 * (<cache>/pythons/<tag>), pyenv's ($PYENV_ROOT or ~/.pyenv)/versions/<v>,
 * the system's /usr/bin and /usr/local/bin python3.X and python3.X-dbg,
 * and prefixes the user added (<cache>/added-prefixes, one per line), the
 * cache being the one the caller passes (cache.h decides which).  Each
 * candidate is asked about itself by running it (`python -S -E -c ...`);
 * nothing is inferred from a directory name.
 *
 * Tags name interpreters in every command and result: the version, plus
 * "-debug" for a --with-pydebug build (3.11.2-debug).  When two
 * interpreters would get the same tag, the later one in the order above
 * gets its origin appended (3.11.7-system).
 *
 * Ownership: a struct registry owns all its strings; registry_release()
 * frees them.  Pointers to its entries stay valid until then.
 */
#ifndef LMX_REGISTRY_H
#define LMX_REGISTRY_H

#include <stddef.h>

#include "base/cache.h"
#include "base/util.h"

enum python_origin {
    PYTHON_ORIGIN_BUILT,       /* leakmatrix pythons build */
    PYTHON_ORIGIN_PYENV,
    PYTHON_ORIGIN_SYSTEM,
    PYTHON_ORIGIN_DEBIAN_DBG,  /* Debian's python3.X-dbg */
    PYTHON_ORIGIN_ADDED,       /* leakmatrix pythons add PREFIX */
};

struct python {
    char *tag;
    char *version;        /* "3.11.7", "3.14.0rc1" */
    unsigned long hexversion;
    enum python_origin origin;
    char *executable;     /* the python binary asked */
    char *prefix;         /* sys.prefix */
    int debug;            /* --with-pydebug (sys.gettotalrefcount) */
    int pymalloc;         /* WITH_PYMALLOC */
    int with_valgrind;    /* WITH_VALGRIND */
    int shared;           /* Py_ENABLE_SHARED */
    int free_threaded;    /* Py_GIL_DISABLED: a free-threaded build */
    char *config_args;    /* CONFIG_ARGS */
    char *ext_suffix;     /* EXT_SUFFIX, for building fixture modules */
    char *libdir;         /* LIBDIR (inside the root, for a private root) */
    char *loader;         /* a private root's dynamic loader (absolute),
                             which the interpreter and its runner run on;
                             NULL for an interpreter of this machine */
    char *suppressions;   /* valgrind-python.supp beside it, or NULL */
    char *built_from;     /* a leakmatrix build's request ("debian-binary
                             sid/python3.14 (3.14.10-1)"), else NULL */

    int embeddable;
    char *why_not;        /* reason when !embeddable, else NULL */
    char *pc_module;      /* the install's own pkg-config module name, or
                             NULL when it has none and one is generated */
    char *pc_dir;         /* where that .pc lives */
    char *cflags;         /* from pkg-config (or sysconfig) */
    char *libs;           /* idem, plus -Wl,-rpath */

    char *runner;         /* path of its built runner, or NULL */
};

struct registry {
    struct python *v;
    size_t nr;
    size_t alloc;
    struct strvec broken;      /* tag, why, tag, why, ...: leakmatrix's own
                                  builds (a complete one, in the cache)
                                  whose interpreter cannot be run */
};
#define REGISTRY_INIT {NULL, 0, 0, STRVEC_INIT}

/* Finds every interpreter of the machine and of cache.  Candidates that
 * cannot be run are skipped silently (registry_dropped() says why when
 * one was in the manifest), but for leakmatrix's own complete builds in
 * the cache, which are kept in reg->broken with the error (a private
 * root whose loader cannot start; registry_broken()); ones that run but
 * cannot be embedded are
 * listed with a reason.  Attaches the runners under runner_dir (may be
 * NULL) with registry_attach_runners().  With use_cache, an interpreter
 * whose executable and headers/libpython have not changed since it was
 * last asked is not asked again (the probe cache, registry_probe.c);
 * without, every one is asked and the cache refreshed.  Returns 0, or -1
 * when discovery could not look everywhere (a directory or the added
 * prefixes that exist but cannot be read): the result is incomplete then
 * and must not be written as a manifest; the reason is in err. */
int registry_discover(struct registry *reg, const struct cache *cache,
                      const char *runner_dir, int use_cache,
                      struct strbuf *err);
void registry_release(struct registry *reg);

/* Asks one interpreter about itself and appends it (used for added
 * prefixes and by tests).  exe is a python executable.  0, or -1 with a
 * reason in err when it cannot be run or is not CPython. */
int registry_probe(struct registry *reg, const char *exe,
                   enum python_origin origin, struct strbuf *err);
/* The same, answering from the probe cache in the directory probes when
 * it is fresh and use_cache is set, and refreshing it after asking.  With
 * probes NULL it is neither read nor written. */
int registry_probe_cached(struct registry *reg, const char *exe,
                          enum python_origin origin, const char *probes,
                          int use_cache, struct strbuf *err);

/* Sets python.runner for every embeddable interpreter this build
 * directory has a runner for: listed in runner_dir/runners.txt (which
 * meson writes from the manifest it read, "tag<TAB>executable" per line)
 * under its tag and executable, and present and executable as
 * runner_dir/leakmatrix-run-<tag>.  A binary ninja left behind from an
 * older manifest is not a runner, nor is one built for another interpreter
 * that had the tag.  Missing runners.txt: no runners. */
void registry_attach_runners(struct registry *reg, const char *runner_dir);

/* The entry with exactly this tag, or NULL. */
struct python *registry_find(const struct registry *reg, const char *tag);

/* Selects interpreters by a tag ("3.11.2-debug") or a version prefix that
 * ends at a component boundary ("3.11" matches 3.11.7 and 3.11.2-debug but
 * not 3.1).  A selector that is a tag selects only that interpreter.
 * Appends matches (embeddable or not) to out[*nout...], up to max entries
 * in all, skipping ones already there; returns how many interpreters
 * matched sel (0: an unknown selector). */
size_t registry_select(const struct registry *reg, const char *sel,
                       struct python **out, size_t *nout, size_t max);

const char *registry_origin_name(enum python_origin origin);
/* "release", "debug+valgrind", "release+malloc": compact flavour. */
void registry_flavour(const struct python *py, struct strbuf *sb);

/* Renders the registry as a text table or as a JSON array (schema in
 * docs/interpreters.md: tag, version, flavour, debug, pymalloc, with_valgrind,
 * embeddable, why_not, prefix, executable, origin, runner).  The table
 * follows an interpreter that is not embeddable with a line saying why,
 * and an embeddable one without a runner with a line saying how to get
 * one (REGISTRY_NO_RUNNER_HINT). */
#define REGISTRY_NO_RUNNER_HINT "run `leakmatrix pythons sync` to build it"
void registry_format_text(const struct registry *reg, struct strbuf *out);
int registry_format_json(const struct registry *reg, struct strbuf *out);

/* Writes, into dir, one pkg-config file leakmatrix-python-<tag>.pc per
 * embeddable interpreter (flags from the interpreter's own pkg-config
 * module, or generated from sysconfig when it has none, plus an rpath so
 * the runner finds its libpython) and the manifest pythons.txt that
 * meson.build reads: one line per interpreter, "tag<TAB>executable".
 * Files are written atomically and only rewritten when their content
 * changes (so meson does not reconfigure for nothing).  Returns 1 when the
 * manifest changed, 0 when not, -1 with errno on I/O failure. */
int registry_write_manifest(const struct registry *reg, const char *dir);

/* What a new manifest of reg loses against the old one (the text of
 * pythons.txt, NULL or "" when there was none): one line per interpreter
 * the old manifest lists and reg has no embeddable entry for under that
 * tag and executable, "TAG (EXECUTABLE): WHY", appended to out.  WHY says
 * it is no longer found, cannot be run (the probe's error, asking it
 * again), is not embeddable any more (why_not) or is now TAG2. */
void registry_dropped(const struct registry *reg, const char *old_manifest,
                      struct strvec *out);

/* Why leakmatrix's own build `tag` in the cache cannot be run, or NULL
 * when it can or is not one (borrowed from reg). */
const char *registry_broken(const struct registry *reg, const char *tag);

/* Records a user-added prefix in cache->added after checking that
 * PREFIX/bin holds a python3 that runs.  0, or -1 with a reason. */
int registry_add_prefix(const struct cache *cache, const char *prefix,
                        struct strbuf *err);

/* The versions leakmatrix embeds: 3.4 (inclusive) to 3.16 (exclusive),
 * as PY_VERSION_HEX. */
#define REGISTRY_OLDEST_HEXVERSION 0x03040000UL
#define REGISTRY_PAST_NEWEST_HEXVERSION 0x03100000UL

/* 1 when leakmatrix embeds a Python of this PY_VERSION_HEX, else 0: an
 * interpreter outside is refused for good (why_not says so), whereas one
 * that lacks headers or a shared libpython is embeddable once they are
 * installed. */
int registry_version_supported(unsigned long hexversion);

/* Checks a user-given tag: [A-Za-z0-9._+-], not empty, no leading dot or
 * dash, at most 64 characters.  1 when valid; 0 with *why (when why is
 * not NULL) pointing at a static reason ("it is empty"). */
int registry_tag_valid(const char *tag, const char **why);

#endif
