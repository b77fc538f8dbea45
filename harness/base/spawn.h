/* spawn.h - starting, watching and stopping child processes (after git's
 * run-command.h).  argv and the environment are built before fork(); an
 * exec failure comes back through a close-on-exec pipe as an errno, so a
 * missing program is an error of spawn_start(), not a mysterious exit 127.
 * Nothing here goes through a shell.
 *
 * Every child is made the leader of its own process group, so that
 * spawn_kill() also reaches whatever the child started (a scenario's
 * servers, `make -j2`'s compilers).
 *
 * File descriptors, both ways (as git's run-command.h says of its own):
 *   - Given: stdout_to and stderr_to when they are descriptors, and the
 *     parent_fd of every spawn_pass_fd(), stay the caller's.  spawn_start()
 *     dup2()s them in the child and never closes them, on success or on
 *     failure; the caller closes its copy once the child has started (a
 *     pipe's write end at once, or its reader never sees EOF).
 *   - Returned: with SPAWN_PIPE, spawn_start() makes the pipe, gives its
 *     write end to the child and leaves the read end in out_fd / err_fd.
 *     From a successful spawn_start() on they are the caller's: it reads
 *     them and closes them, and spawn_release() does not.  When
 *     spawn_start() fails they are -1 and no pipe is left open.
 *   - Its own: stdin from /dev/null and the exec-report pipe are opened
 *     and closed inside spawn_start().
 */
#ifndef LMX_SPAWN_H
#define LMX_SPAWN_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

#include "base/util.h"

/* Which file descriptor a child sees as `child_fd`: the parent's
 * `parent_fd`, dup2()'d after fork.  The parent keeps its own copy. */
struct spawn_fd {
    int child_fd;
    int parent_fd;
};

#define SPAWN_MAX_FDS 8

struct spawn {
    /* Filled in by the caller. */
    struct strvec args;       /* argv; args.v[0] is the program */
    struct strvec env_set;    /* "NAME=value" added to the environment */
    struct strvec env_unset;  /* "NAME" or "PREFIX*" removed from it */
    const char *dir;          /* chdir() here first, or NULL */
    int no_stdin;             /* stdin from /dev/null */
    int die_with_parent;      /* SIGKILL the child when we die */
    /* -1 = inherit; a file descriptor (the caller's) = dup2 it onto 1 /
     * 2; the constant SPAWN_PIPE = make a pipe and leave its read end,
     * the caller's to close, in out_fd / err_fd. */
    int stdout_to;
    int stderr_to;
    struct spawn_fd fds[SPAWN_MAX_FDS];
    size_t nr_fds;
    int cpu;                  /* >= 0: the child (and what it starts) runs
                                 on that CPU only; -1: anywhere */

    /* Filled in by spawn_start(). */
    pid_t pid;
    int out_fd;               /* read end when stdout_to == SPAWN_PIPE, else
                                 -1; the caller closes it */
    int err_fd;               /* the same for stderr_to */
};

#define SPAWN_PIPE (-2)
#define SPAWN_INIT {STRVEC_INIT, STRVEC_INIT, STRVEC_INIT, NULL, 0, 0, \
                    -1, -1, {{0, 0}}, 0, -1, -1, -1, -1}

void spawn_init(struct spawn *sp);
/* Frees the argv and environment vectors.  Closes no descriptor: out_fd
 * and err_fd are the caller's. */
void spawn_release(struct spawn *sp);

/* Asks that the child sees `parent_fd` as `child_fd`.  parent_fd stays
 * the caller's (see the top of this file).  0, or -1 when the table is
 * full. */
int spawn_pass_fd(struct spawn *sp, int child_fd, int parent_fd);

/* Starts the child.  0 on success, out_fd / err_fd then open for a
 * SPAWN_PIPE (the caller's); -1 with errno set on failure (ENOENT when
 * the program does not exist, EACCES when it is not executable, ...): the
 * child has then already been reaped and no descriptor is left open. */
int spawn_start(struct spawn *sp);

/* How a child ended. */
struct spawn_exit {
    int exited;      /* 1 if it called exit(), 0 if a signal killed it */
    int code;        /* exit status when exited */
    int signal;      /* the signal when !exited */
    int core;        /* dumped core */
};

/* Waits for the child (retrying on EINTR).  0, or -1 with errno. */
int spawn_wait(struct spawn *sp, struct spawn_exit *ex);
/* Non-blocking: 1 when it has ended (ex filled), 0 when still running,
 * -1 with errno. */
int spawn_poll_exit(struct spawn *sp, struct spawn_exit *ex);
/* 1 when the child has ended (it stays a zombie, so its process group
 * still exists and can be killed), 0 when it runs, -1 with errno. */
int spawn_has_ended(struct spawn *sp);
/* Waits for the child, then kills whatever is left in its process group
 * (servers a scenario started and forgot), then reaps the child: the
 * zombie keeps the group id alive until then.  0, or -1 with errno. */
int spawn_wait_group(struct spawn *sp, struct spawn_exit *ex);
/* Sends sig to the child's whole process group (to the child alone when
 * the group is gone). */
void spawn_kill(struct spawn *sp, int sig);
/* Describes ex as "exit status 3" / "killed by signal 6 (Aborted)". */
void spawn_exit_describe(const struct spawn_exit *ex, struct strbuf *sb);

/* Convenience: runs argv to completion with stdin from /dev/null, stdout
 * captured into out (may be NULL to discard) and stderr into err (NULL
 * to inherit), killing the process group after timeout_s seconds (0 = no
 * limit).  Returns 0 when the program ran and exited 0; 1 when it ran
 * and failed (ex says how; a timeout shows as SIGKILL); -1 with errno when
 * it could not be started. */
int spawn_capture(const char *const *argv, struct strbuf *out,
                  struct strbuf *err, double timeout_s,
                  struct spawn_exit *ex);
/* The same with "NAME=value" entries added to the environment (env_set may
 * be NULL). */
int spawn_capture_env(const char *const *argv, const char *const *env_set,
                      struct strbuf *out, struct strbuf *err,
                      double timeout_s, struct spawn_exit *ex);

/* The same for a child the caller prepared (args, env_set, env_unset,
 * dir, ...; stdin, stdout_to and stderr_to are set here): sp stays the
 * caller's to release, its descriptors are closed here.  errno is kept
 * when it cannot be started. */
int spawn_capture_prepared(struct spawn *sp, struct strbuf *out,
                           struct strbuf *err, double timeout_s,
                           struct spawn_exit *ex);
/* One logged step of a longer job (building CPython, installing a library
 * set): the one step runner of the front end.  Appends to log_fd a line
 * "==> [HH:MM:SS] STEP: ARGV  (in DIR)", then the step's stdout and
 * stderr, then "==> [HH:MM:SS] STEP: ok, N s" when it succeeded.  The
 * child gets stdin from /dev/null, PYTHON* variables removed and env_set
 * ("NAME=value", may be NULL) added, and runs in dir (may be NULL).
 * While it runs, *stop (may be NULL) turning non-zero (a signal handler's
 * flag) stops it: SIGTERM to its group, SIGKILL 5 s later; so does
 * timeout_s > 0 seconds passing (SIGKILL at once).  Returns 0 when it
 * exited 0; 1 when it ran and failed (ex says how; a timeout shows as
 * SIGKILL); -1 with errno when it could not be started; -2 when *stop
 * ended it. */
int spawn_step(int log_fd, const char *step, const char *const *argv,
               const char *dir, const char *const *env_set,
               volatile sig_atomic_t *stop, double timeout_s,
               struct spawn_exit *ex);

/* Appends "==> [HH:MM:SS] " and the formatted line to log_fd (nothing
 * when log_fd < 0). */
void spawn_log_note(int log_fd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Kills (SIGKILL) every process but this one whose environment holds the
 * entry `entry` ("NAME=value"): how a cell finds what its scenario
 * started outside the runner's process group (setsid, double fork), since
 * the environment is inherited where the group is not.  Members of the
 * process group skip_group are passed over (that group is killed as a
 * whole elsewhere).  Returns how many were killed. */
size_t spawn_kill_marked(const char *entry, pid_t skip_group);

/* Patterns of the environment variables that change how CPython behaves
 * ("PYTHON*"), removed from a runner's environment unless the user asked
 * to keep them. */
extern const char *const spawn_python_env[];

#endif
