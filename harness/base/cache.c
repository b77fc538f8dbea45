/* cache.c - which cache a command uses, and the paths inside it.  The
 * paths are derived here and only here so that "the registry of this
 * cache" and "the pythons of this cache" can never come from two different
 * caches, which is how a build with LEAKMATRIX_CACHE=/tmp/other once
 * rewrote the default cache's manifest from /tmp/other's interpreters.
 */
#include "base/cache.h"

#include <stdlib.h>
#include <string.h>

/* root without repeated or trailing slashes ("/" stays "/"). */
static char *
normalise(const char *root)
{
    struct strbuf sb = STRBUF_INIT;

    for (const char *p = root; *p; p++) {
        if (*p == '/' && sb.len > 0 && sb.buf[sb.len - 1] == '/') {
            continue;
        }
        strbuf_addch(&sb, *p);
    }
    if (sb.len > 1 && sb.buf[sb.len - 1] == '/') {
        sb.buf[--sb.len] = '\0';
    }
    return strbuf_detach(&sb, NULL);
}

int
cache_set_root(struct cache *c, const char *root, struct strbuf *err)
{
    if (root == NULL || root[0] != '/') {
        strbuf_addf(err, "the cache '%s' is not an absolute path",
                    root ? root : "");
        return -1;
    }
    char *norm = normalise(root);
    char *registry = path_join(norm, "registry");

    cache_release(c);
    c->root = norm;
    c->pythons = path_join(norm, "pythons");
    c->manifest = path_join(registry, "pythons.txt");
    c->probes = path_join(registry, "probes");
    c->added = path_join(norm, "added-prefixes");
    c->libs = path_join(norm, "libs");
    c->runners = path_join(norm, "runners");
    c->symbols = path_join(norm, "symbols");
    c->registry = registry;
    return 0;
}

void
cache_release(struct cache *c)
{
    free(c->root);
    free(c->pythons);
    free(c->registry);
    free(c->manifest);
    free(c->probes);
    free(c->added);
    free(c->libs);
    free(c->runners);
    free(c->symbols);
    memset(c, 0, sizeof(*c));
}

int
cache_same(const char *a, const char *b)
{
    char *na = normalise(a);
    char *nb = normalise(b);
    int same = strcmp(na, nb) == 0;

    if (!same) {
        char *ra = path_real(na);
        char *rb = path_real(nb);
        same = ra && rb && strcmp(ra, rb) == 0;
        free(ra);
        free(rb);
    }
    free(na);
    free(nb);
    return same;
}

int
cache_select(struct cache *c, const char *configured, const char *build_dir,
             const char *env, struct strbuf *err)
{
    struct strbuf why = STRBUF_INIT;
    struct cache got = CACHE_INIT;

    if (cache_set_root(&got, configured, &why) < 0) {
        strbuf_addf(err, "this build directory (%s) has no usable cache: "
                         "%s; reconfigure it with `meson configure %s "
                         "-Dcache_dir=DIR`",
                    build_dir, why.buf, build_dir);
        strbuf_release(&why);
        return -1;
    }
    strbuf_release(&why);
    if (env && *env && !cache_same(env, got.root)) {
        /* Both names, and both ways out: drop the variable, or give the
         * other cache a build directory (and so runners) of its own. */
        strbuf_addf(err, "LEAKMATRIX_CACHE is %s but this build directory "
                         "(%s) uses the cache %s; unset LEAKMATRIX_CACHE, or "
                         "set up a build directory for the other cache: "
                         "LEAKMATRIX_CACHE=%s meson setup DIR && ninja -C "
                         "DIR, then run DIR/harness/leakmatrix",
                    env, build_dir, got.root, env);
        cache_release(&got);
        return -1;
    }
    cache_release(c);
    *c = got;
    return 0;
}

int
cache_select_user(struct cache *c, const char *env, const char *xdg,
                  const char *home, struct strbuf *err)
{
    char *root;
    int rc;

    if (env && *env) {
        if (env[0] != '/') {
            strbuf_addf(err, "LEAKMATRIX_CACHE is '%s', not an absolute "
                             "path; set it to one or unset it",
                        env);
            return -1;
        }
        root = xstrdup(env);
    }
    else if (xdg && xdg[0] == '/') {
        root = path_join(xdg, "leakmatrix");
    }
    else if (home && *home) {
        root = xasprintf("%s/.cache/leakmatrix", home);
    }
    else {
        root = xstrdup("/tmp/leakmatrix-cache");
    }
    rc = cache_set_root(c, root, err);
    free(root);
    return rc;
}
