/* cmd.h - the subcommands of `leakmatrix`.  Each takes the arguments after
 * `leakmatrix` (argv[0] is the command's own name) and returns the process
 * exit code (LMX_EXIT_* in util.h).  Where the build tree lives is compiled
 * in (LMX_BUILD_ROOT, LMX_SOURCE_ROOT, LMX_REGISTRY_DIR, LMX_RUNNER_DIR)
 * since leakmatrix runs from its build directory.
 */
#ifndef LMX_CMD_H
#define LMX_CMD_H

#include "registry.h"

int cmd_run(int argc, char **argv);
int cmd_pythons(int argc, char **argv);

/* Discovers interpreters with runner paths filled in.  With sync set, also
 * rewrites the registry manifest and rebuilds the runners first (printing
 * progress on stderr).  0, or an exit code on failure (message printed). */
int cmd_load_registry(struct registry *reg, int sync);

#endif
