/* cache.h - leakmatrix's cache: what outlives a build directory
 * (interpreters it built, the registry meson reads, the probe cache, added
 * prefixes).  This module decides which cache a command uses and names
 * every path inside it; nothing else in the front end builds a path into
 * the cache by itself.  What goes in those files is the business of
 * registry.h and provision.h.
 *
 * Which cache.  A build directory is configured for one cache, once: the
 * meson option cache_dir, or when that is empty the one pythons/cache-dir
 * picks the first time the directory is configured ($LEAKMATRIX_CACHE,
 * else ${XDG_CACHE_HOME:-$HOME/.cache}/leakmatrix) and remembers in
 * <build>/leakmatrix-cache, so a later reconfigure under another
 * environment keeps it.  Its binaries have it compiled in (LMX_CACHE_DIR)
 * and its runners are built from that cache's manifest.  So a command
 * cannot honour a LEAKMATRIX_CACHE naming another directory without
 * mixing two caches (discovering one, writing the other's manifest,
 * running runners built for it): such a command is refused, with a message
 * naming both caches and how to get a build directory for the other one.
 * An installed leakmatrix has no build directory (base/paths.h): its cache
 * is the user's, chosen as above at every start (cache_select_user()),
 * and its runners are built into that cache on demand.
 *
 * Layout, below the root:
 *
 *   pythons/                             interpreters `pythons build` made
 *   registry/pythons.txt                 the manifest meson.build reads
 *   registry/leakmatrix-python-<tag>.pc  one pkg-config file each
 *   registry/probes/                     what interpreters said of
 *                                        themselves (registry_probe.c)
 *   added-prefixes                       `pythons add` prefixes
 *   libs/                                installed library sets and the
 *                                        pips that install them (a store,
 *                                        libset.h)
 *   runners/<tag>-<version>-<hash>/      an installed leakmatrix's runner
 *                                        for one interpreter (a store,
 *                                        interp/runnerkit.h)
 *   symbols/<build-id>                   native frames already symbolized,
 *                                        per ELF build-id
 *                                        (native/symbolize.h)
 *
 * Ownership: a struct cache owns its strings; cache_release() frees them.
 */
#ifndef LMX_CACHE_H
#define LMX_CACHE_H

#include "base/util.h"

struct cache {
    char *root;      /* absolute, no trailing slash */
    char *pythons;   /* <root>/pythons: the pythons root */
    char *registry;  /* <root>/registry */
    char *manifest;  /* <root>/registry/pythons.txt */
    char *probes;    /* <root>/registry/probes */
    char *added;     /* <root>/added-prefixes */
    char *libs;      /* <root>/libs */
    char *runners;   /* <root>/runners */
    char *symbols;   /* <root>/symbols */
};
#define CACHE_INIT {NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL}

/* Sets c to the cache at root and every path derived from it, releasing
 * what c held.  Trailing and repeated slashes are dropped ("/a//b/" is
 * "/a/b").  Returns 0, or -1 with a reason appended to err and c untouched
 * when root is empty or not absolute. */
int cache_set_root(struct cache *c, const char *root, struct strbuf *err);
void cache_release(struct cache *c);

/* Whether two cache paths name one directory: equal once slashes are
 * normalised as above, or both exist and resolve to the same real path
 * (a symlinked ~/.cache). */
int cache_same(const char *a, const char *b);

/* Decides the cache of a command.  configured is the build directory's
 * (LMX_CACHE_DIR outside tests), build_dir its path, env the value of
 * LEAKMATRIX_CACHE (NULL or "" when unset).  An env naming the configured
 * cache, or none, gives the configured one: 0 with c set.  Any other env
 * gives -1 and one line in err (without the "leakmatrix: " prefix) naming
 * both caches and what to do; c is untouched then.  -1 too when
 * configured itself is unusable. */
int cache_select(struct cache *c, const char *configured,
                 const char *build_dir, const char *env,
                 struct strbuf *err);

/* The cache of a leakmatrix with no build directory (an installed one):
 * env (LEAKMATRIX_CACHE) when set and not empty, else xdg/leakmatrix for
 * an absolute xdg (XDG_CACHE_HOME), else home/.cache/leakmatrix, else
 * /tmp/leakmatrix-cache, the order pythons/cache-dir follows for a build
 * directory.  env, xdg and home may be NULL.  0 with c set, or -1 with
 * one line in err (c untouched) when env is not an absolute path. */
int cache_select_user(struct cache *c, const char *env, const char *xdg,
                      const char *home, struct strbuf *err);

#endif
