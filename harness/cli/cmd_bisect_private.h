/* cmd_bisect_private.h - what cmd_bisect.c and cmd_bisect_versions.c
 * share, for them alone: one bisection's options and state.  cmd_bisect.c
 * parses the options, probes and searches; cmd_bisect_versions.c lists
 * what the search runs over, and calls nothing of cmd_bisect.c.
 *
 * Ownership: struct bisect owns its target, list, stem, out_dir and
 * git_real and the per-entry arrays; the option strings are argv's,
 * borrowed.
 */
#ifndef LMX_CMD_BISECT_PRIVATE_H
#define LMX_CMD_BISECT_PRIVATE_H

#include "base/util.h"
#include "matrix/run.h"
#include "matrix/target.h"

enum probe_class { PROBE_GOOD, PROBE_BAD, PROBE_SKIP };

struct bisect {
    const char *scenario;
    const char *python;
    const char *lib;
    const char *good;
    const char *bad;
    const char *versions;
    const char *git;
    const char *out;
    int find_fixed;
    struct run_request req;      /* every probe's run: the run options
                                    given, and the probe's own */
    int interrupted;             /* a probe's run was: its exit code */
    int usage;                   /* a probe showed a usage error (a
                                    test target selecting several) */
    struct strvec lib_specs;     /* every --lib SPEC, in order */
    struct target target;        /* what `scenario` names (owned) */

    char *stem;
    char *out_dir;
    char *git_real;
    struct strvec list;          /* versions or commits, oldest first */
    enum probe_class *cls;     /* per list entry, once probed */
    unsigned char *probed;
    char **summary;
};

/* Lists b->lib's released versions from the older of --good and --bad to
 * the newer into b->list, oldest first: those of --versions, else of the
 * --find-links folder, else of the package index.  0, or -1 with the
 * reason said (lmx_error()). */
int bisect_list_versions(struct bisect *b);

/* Lists the first-parent commits of b->git_real from the older revision
 * to the newer into b->list, oldest first.  0, or -1 with the reason
 * said. */
int bisect_list_commits(struct bisect *b);

#endif
