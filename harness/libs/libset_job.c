/* libset_job.c - an install job's own: its work directory and log, and
 * a step (pip, curl, unzip) run into that log, never through a shell,
 * with its failure put in one line.  It calls no other file of the
 * module: pip's, installing and resolving are above it
 * (libset_private.h's map).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libs/libset_private.h"
#include "base/interrupt.h"
#include "base/spawn.h"

#define PIP_TIMEOUT_S 1800.0

int
libset_job_begin(struct job *job, const struct libset *set,
                 const char *name, const char *doing, int quiet,
                 struct strbuf *err)
{
    if (store_work_begin(job->store, &job->wk, err) < 0) {
        return -1;
    }
    char *stamp = util_utc_now("%Y%m%d-%H%M%S");
    job->log_path = store_log_path(job->store, name, stamp);
    free(stamp);
    job->log_fd = open(job->log_path, O_WRONLY | O_CREAT | O_APPEND
                                          | O_CLOEXEC, 0644);
    if (job->log_fd < 0) {
        strbuf_addf(err, "cannot create the log %s: %s", job->log_path,
                    strerror(errno));
        return -1;
    }
    spawn_log_note(job->log_fd, "leakmatrix: %s '%s' for %s (%s)", doing,
                   set->name, job->py->tag, job->py->executable);
    if (!quiet) {
        fprintf(stderr, "leakmatrix: %s '%s' for %s ...\n", doing,
                set->name, job->py->tag);
    }
    return 0;
}

int
libset_job_step(struct job *job, const char *step,
                const char *const *argv, const char *const *env)
{
    struct spawn_exit ex;
    int rc = spawn_step(job->log_fd, step, argv, NULL, env, interrupt_flag(),
                        PIP_TIMEOUT_S, &ex);

    if (rc == 0) {
        return 0;
    }
    if (rc == -1) {
        strbuf_addf(&job->why, "%s: cannot run %s: %s", step, argv[0],
                    strerror(errno));
    }
    else if (rc == -2) {
        strbuf_addf(&job->why, "%s interrupted by signal %d", step,
                    interrupt_pending());
    }
    else {
        struct strbuf how = STRBUF_INIT;
        spawn_exit_describe(&ex, &how);
        strbuf_addf(&job->why, "%s failed (%s)", step, how.buf);
        strbuf_release(&how);
    }
    spawn_log_note(job->log_fd, "%s", job->why.buf);
    return -1;
}
