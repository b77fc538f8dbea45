/* cmd.h - the subcommands of `leakmatrix`.  Each takes the arguments after
 * `leakmatrix` (argv[0] is the command's own name) and returns the process
 * exit code (LMX_EXIT_* in util.h).  Which front end this is, the build
 * tree's or an installed one, and so where its cache, runners and files
 * are, is base/paths.h's.
 */
#ifndef LMX_CMD_H
#define LMX_CMD_H

#include "base/cache.h"
#include "interp/registry.h"
#include "interp/runnerkit.h"

int cmd_run(int argc, char **argv);
struct run_request;
/* Runs req as `leakmatrix run` does (matrix_run(), matrix/run.h), then
 * writes the reports in every format into the output directory's report/
 * and, when req->lines is set and there are several cells, the grid on
 * it, with every row when all_rows (`--all-rows`), else as report.h
 * says.  A NULL req->reg or req->libs_root is filled in here from
 * cmd_load_registry() and cmd_cache() (req itself is not changed).
 * Returns run's exit code. */
int cmd_run_request(const struct run_request *req, int all_rows);
int cmd_pythons(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_compare(int argc, char **argv);
/* `check`: a run as an exit code for `git bisect run` (0 clean, 1 bad,
 * 125 untestable, 128 stop). */
int cmd_check(int argc, char **argv);
/* `bisect`: the first bad (or fixed) library version, commit or
 * interpreter. */
int cmd_bisect(int argc, char **argv);

struct result_set;
/* Loads results directories into set for command `cmd` (for messages):
 * a missing directory, or one with no result, is a usage error (message
 * printed, LMX_EXIT_USAGE); files that cannot be trusted are skipped with
 * a warning.  0 on success. */
int cmd_report_load(const char *cmd, char **dirs, size_t ndirs,
                    struct result_set *set);

/* How cmd_load_registry() finds interpreters. */
enum {
    CMD_REGISTRY_CACHED,  /* ask only interpreters that changed (run) */
    CMD_REGISTRY_FRESH,   /* ask every one again (pythons list) */
    CMD_REGISTRY_SYNC,    /* fresh, then rewrite the manifest and build
                             the runners, with progress on stderr */
};

/* The cache: this build directory's (paths_build_cache()), refusing a
 * LEAKMATRIX_CACHE that names another (cache_select()); for an installed
 * leakmatrix the user's (cache_select_user()).  0 with c set, or
 * LMX_EXIT_USAGE after printing the one-line reason. */
int cmd_cache(struct cache *c);

/* An installed leakmatrix's runner kit (paths_runner_kit()), building
 * into cache->runners with $CC.  0 with kit loaded, or LMX_EXIT_INFRA
 * after printing why (a kit missing or of another version). */
int cmd_runner_kit(struct runnerkit *kit, const struct cache *cache);

/* Discovers the interpreters of the machine and of cmd_cache()'s cache,
 * with runner paths filled in, as `how` says.  A sync writes the manifest
 * only from a complete discovery, warns about every interpreter the new
 * manifest drops, and builds the runners: meson and ninja in the build
 * tree, the runner kit (runnerkit.h) for an installed leakmatrix.  0, or
 * an exit code on failure (message printed): 2 for another cache, 3 when
 * discovery, writing or building failed. */
int cmd_load_registry(struct registry *reg, int how);

#endif
