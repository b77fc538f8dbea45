/* paths.c - where leakmatrix's own files are (paths.h), compiled once per
 * front end: with LMX_INSTALLED for the installed one (LMX_DATADIR,
 * LMX_KITDIR and their paths relative to the binary's directory), without
 * it for the build tree's (LMX_SOURCE_ROOT, LMX_BUILD_ROOT, LMX_CACHE_DIR,
 * LMX_RUNNER_DIR).  No other file sees those macros.
 */
#include "base/paths.h"

#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/util.h"

#ifdef LMX_INSTALLED

/* An installed directory: rel from the binary's directory when it exists
 * there (a DESTDIR staging, a copied tree), else the configured abs. */
static char *
beside_binary(const char *rel, const char *abs)
{
    if (rel[0] != '\0') {
        char *self = path_self_dir();
        char *joined = path_join(self, rel);
        char *real = path_real(joined);
        free(self);
        free(joined);
        if (real && path_is_dir(real)) {
            return real;
        }
        free(real);
    }
    return xstrdup(abs);
}

int
paths_installed(void)
{
    return 1;
}

char *
paths_results_root(void)
{
    char cwd[PATH_MAX];

    if (getcwd(cwd, sizeof(cwd)) == NULL) {
        return NULL;
    }
    return path_join(cwd, "results");
}

char *
paths_suppressions(void)
{
    char *dir = beside_binary(LMX_BIN_TO_DATADIR, LMX_DATADIR);
    char *supp = path_join(dir, "leakcheck.supp");

    free(dir);
    return supp;
}

char *
paths_runner_kit(void)
{
    return beside_binary(LMX_BIN_TO_KITDIR, LMX_KITDIR);
}

const char *
paths_build_root(void)
{
    return NULL;
}

const char *
paths_source_root(void)
{
    return NULL;
}

const char *
paths_build_cache(void)
{
    return NULL;
}

const char *
paths_runner_dir(void)
{
    return NULL;
}

#else /* the build tree's front end */

int
paths_installed(void)
{
    return 0;
}

char *
paths_results_root(void)
{
    /* Kept where it always was: scripts and the docs name it. */
    return xstrdup(LMX_SOURCE_ROOT "/results");
}

char *
paths_suppressions(void)
{
    return xstrdup(LMX_SOURCE_ROOT "/harness/native/leakcheck.supp");
}

char *
paths_runner_kit(void)
{
    return NULL;
}

const char *
paths_build_root(void)
{
    return LMX_BUILD_ROOT;
}

const char *
paths_source_root(void)
{
    return LMX_SOURCE_ROOT;
}

const char *
paths_build_cache(void)
{
    return LMX_CACHE_DIR;
}

const char *
paths_runner_dir(void)
{
    return LMX_RUNNER_DIR;
}

#endif
