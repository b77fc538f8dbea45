/* paths.h - where leakmatrix's own files are.  There are two front ends,
 * built from the same sources and told apart at compile time: paths.c is
 * compiled twice (base/meson.build), and each executable links one.
 *
 *   - The build tree's (build/harness/leakmatrix, scripts/setup and the
 *     test suite): it knows its source and build directories, the cache
 *     that build directory was configured for, and the runners meson
 *     built (`pythons sync` reconfigures the tree and runs ninja).
 *   - The installed one (`meson install`: <prefix>/bin/leakmatrix): it
 *     knows no source or build directory.  Its files are found from where
 *     the binary is: <bindir>/../share/leakmatrix (the leakcheck
 *     suppressions) and <bindir>/../libexec/leakmatrix (the runner kit,
 *     interp/runnerkit.h), so an install staged with DESTDIR or copied
 *     elsewhere still finds its own; when those are not beside the binary,
 *     the prefix it was configured with.  Its cache is the user's
 *     (cache_select_user(), base/cache.h), its runners are built on
 *     demand into that cache, and results go to ./results/.
 *
 * Ownership: functions that return char * return fresh strings; the
 * const char * ones are compiled in and never freed.
 */
#ifndef LMX_PATHS_H
#define LMX_PATHS_H

/* 1 in the installed front end, 0 in the build tree's. */
int paths_installed(void);

/* The directory a run's results/<UTC date-time>/ goes in when no --out is
 * given: <source>/results in the build tree, ./results (absolute, from
 * the current directory) installed.  NULL with errno only when the
 * current directory cannot be read. */
char *paths_results_root(void);

/* leakcheck.supp, Valgrind suppressions for what the runner itself does:
 * <source>/harness/native/leakcheck.supp, or the installed copy. */
char *paths_suppressions(void);

/* The installed runner kit: a directory holding runner.build and the
 * runner's sources (interp/runnerkit.h).  NULL in the build tree, whose
 * runners meson builds. */
char *paths_runner_kit(void);

/* The build tree's own, NULL in the installed front end: its build and
 * source directories, the cache it was configured for (LMX_CACHE_DIR,
 * base/cache.h) and where meson puts the runners (with runners.txt). */
const char *paths_build_root(void);
const char *paths_source_root(void);
const char *paths_build_cache(void);
const char *paths_runner_dir(void);

#endif
