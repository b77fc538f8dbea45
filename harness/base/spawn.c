/* spawn.c - fork/exec/wait for the front end.  Everything the child needs
 * (argv, envp, fd plan) is prepared before fork() so the child only calls
 * async-signal-safe functions.  An exec failure is reported back through a
 * close-on-exec pipe: if the pipe reads EOF, exec succeeded.
 */
#include "base/spawn.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

const char *const spawn_python_env[] = {
    /* PYTHONPATH, PYTHONMALLOC, PYTHON_GIL, ... and whatever new ones a
     * release adds. */
    "PYTHON*", NULL,
};

void
spawn_init(struct spawn *sp)
{
    struct spawn blank = SPAWN_INIT;
    *sp = blank;
}

void
spawn_release(struct spawn *sp)
{
    strvec_clear(&sp->args);
    strvec_clear(&sp->env_set);
    strvec_clear(&sp->env_unset);
}

int
spawn_pass_fd(struct spawn *sp, int child_fd, int parent_fd)
{
    if (sp->nr_fds >= SPAWN_MAX_FDS) {
        errno = E2BIG;
        return -1;
    }
    sp->fds[sp->nr_fds].child_fd = child_fd;
    sp->fds[sp->nr_fds].parent_fd = parent_fd;
    sp->nr_fds++;
    return 0;
}

static int
env_name_matches(const char *entry, const char *pattern)
{
    size_t name_len = strcspn(entry, "=");
    char name[256];

    if (name_len >= sizeof(name)) {
        return 0;
    }
    memcpy(name, entry, name_len);
    name[name_len] = '\0';
    return fnmatch(pattern, name, 0) == 0;
}

/* environ minus env_unset, with env_set added (later entries win). */
static void
build_env(const struct spawn *sp, struct strvec *out)
{
    for (char **e = environ; e && *e; e++) {
        int drop = 0;
        for (size_t i = 0; i < sp->env_unset.nr && !drop; i++) {
            drop = env_name_matches(*e, sp->env_unset.v[i]);
        }
        for (size_t i = 0; i < sp->env_set.nr && !drop; i++) {
            const char *set = sp->env_set.v[i];
            size_t n = strcspn(set, "=");
            drop = strncmp(*e, set, n) == 0 && (*e)[n] == '=';
        }
        if (!drop) {
            strvec_push(out, *e);
        }
    }
    for (size_t i = 0; i < sp->env_set.nr; i++) {
        strvec_push(out, sp->env_set.v[i]);
    }
}

/* Writes errno to the report pipe and exits; only async-signal-safe calls. */
static void
child_fail(int report_fd)
{
    int err = errno;
    ssize_t n = write(report_fd, &err, sizeof(err));
    (void)n;
    _exit(127);
}

static int
make_pipe(int fds[2])
{
    return pipe2(fds, O_CLOEXEC);
}

/* Closes every descriptor of the three pipes and null_fd that is open
 * (>= 0). */
static void
close_open(const int report[2], const int out[2], const int err[2],
           int null_fd)
{
    for (int i = 0; i < 2; i++) {
        if (report[i] >= 0) {
            close(report[i]);
        }
        if (out[i] >= 0) {
            close(out[i]);
        }
        if (err[i] >= 0) {
            close(err[i]);
        }
    }
    if (null_fd >= 0) {
        close(null_fd);
    }
}

/* The child, between fork() and exec: only async-signal-safe calls.  Its
 * process group, death with the parent, signal dispositions, CPU, fds;
 * then exec, or the errno down the report pipe. */
static void
child_exec(struct spawn *sp, pid_t parent, int null_fd, int out_src,
           int err_src, int report_fd, char **argv, char **envp)
{
    setpgid(0, 0);
    /* A front end killed with SIGKILL cannot take its runners along;
     * the kernel can. */
    if (sp->die_with_parent
        && (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0
            || getppid() != parent)) {
        _exit(127);
    }
    /* Default signal dispositions: the front end may ignore SIGPIPE. */
    signal(SIGPIPE, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    if (sp->cpu >= 0) {
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(sp->cpu, &one);
        (void)sched_setaffinity(0, sizeof(one), &one);  /* a hint */
    }
    if (null_fd >= 0 && dup2(null_fd, 0) < 0) {
        child_fail(report_fd);
    }
    if (out_src >= 0 && dup2(out_src, 1) < 0) {
        child_fail(report_fd);
    }
    if (err_src >= 0 && dup2(err_src, 2) < 0) {
        child_fail(report_fd);
    }
    /* Passed fds: dup2 clears FD_CLOEXEC on the target.  The source is
     * first moved above the highest target so that mapping 3->4 and
     * 4->3 at once cannot clobber each other. */
    for (size_t i = 0; i < sp->nr_fds; i++) {
        int high = fcntl(sp->fds[i].parent_fd, F_DUPFD_CLOEXEC, 64);
        if (high < 0) {
            child_fail(report_fd);
        }
        sp->fds[i].parent_fd = high;
    }
    /* Nothing else leaks through: descriptors the front end
     * inherited would show in the runner's fd count. */
#ifdef CLOSE_RANGE_CLOEXEC
    close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
#endif
    for (size_t i = 0; i < sp->nr_fds; i++) {
        if (dup2(sp->fds[i].parent_fd, sp->fds[i].child_fd) < 0) {
            child_fail(report_fd);
        }
    }
    if (sp->dir && chdir(sp->dir) < 0) {
        child_fail(report_fd);
    }
    execve(argv[0], argv, envp);
    if (errno == ENOENT && strchr(argv[0], '/') == NULL) {
        execvpe(argv[0], argv, envp);
    }
    child_fail(report_fd);
}

int
spawn_start(struct spawn *sp)
{
    struct strvec env = STRVEC_INIT;
    int report[2] = {-1, -1};
    int out[2] = {-1, -1};
    int err[2] = {-1, -1};
    int null_fd = -1;
    int saved_errno = 0;

    sp->out_fd = sp->err_fd = -1;   /* until the child has them */
    if (sp->args.nr == 0) {
        errno = EINVAL;
        return -1;
    }
    build_env(sp, &env);
    if (make_pipe(report) < 0
        || (sp->stdout_to == SPAWN_PIPE && make_pipe(out) < 0)
        || (sp->stderr_to == SPAWN_PIPE && make_pipe(err) < 0)) {
        saved_errno = errno;
        goto fail;
    }
    if (sp->no_stdin) {
        null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null_fd < 0) {
            saved_errno = errno;
            goto fail;
        }
    }
    /* The child's fd plan, resolved now: source fds for 1 and 2. */
    int out_src = sp->stdout_to == SPAWN_PIPE ? out[1] : sp->stdout_to;
    int err_src = sp->stderr_to == SPAWN_PIPE ? err[1] : sp->stderr_to;
    char **argv = strvec_array(&sp->args);
    char **envp = strvec_array(&env);

    pid_t parent = getpid();
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        saved_errno = errno;
        goto fail;
    }
    if (pid == 0) {
        child_exec(sp, parent, null_fd, out_src, err_src, report[1], argv,
                   envp);
    }

    /* Parent. */
    sp->pid = pid;
    setpgid(pid, pid);  /* also in the parent: no race with spawn_kill() */
    /* The child's ends are the child's now. */
    int child_ends[3][2] = {{-1, report[1]}, {-1, out[1]}, {-1, err[1]}};
    close_open(child_ends[0], child_ends[1], child_ends[2], null_fd);
    report[1] = out[1] = err[1] = null_fd = -1;

    int child_errno = 0;
    ssize_t n;
    do {
        n = read(report[0], &child_errno, sizeof(child_errno));
    } while (n < 0 && errno == EINTR);
    close(report[0]);
    report[0] = -1;
    if (n == (ssize_t)sizeof(child_errno)) {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        sp->pid = -1;
        saved_errno = child_errno;
        goto fail;
    }
    sp->out_fd = out[0];
    sp->err_fd = err[0];
    strvec_clear(&env);
    return 0;

fail:
    close_open(report, out, err, null_fd);
    strvec_clear(&env);
    errno = saved_errno;
    return -1;
}

static void
decode_status(int status, struct spawn_exit *ex)
{
    memset(ex, 0, sizeof(*ex));
    if (WIFEXITED(status)) {
        ex->exited = 1;
        ex->code = WEXITSTATUS(status);
    }
    else if (WIFSIGNALED(status)) {
        ex->signal = WTERMSIG(status);
#ifdef WCOREDUMP
        ex->core = WCOREDUMP(status) ? 1 : 0;
#endif
    }
}

int
spawn_wait(struct spawn *sp, struct spawn_exit *ex)
{
    int status;

    if (sp->pid <= 0) {
        errno = ECHILD;
        return -1;
    }
    while (waitpid(sp->pid, &status, 0) < 0) {
        if (errno != EINTR) {
            return -1;
        }
    }
    sp->pid = -1;
    decode_status(status, ex);
    return 0;
}

int
spawn_poll_exit(struct spawn *sp, struct spawn_exit *ex)
{
    int status;
    pid_t r;

    if (sp->pid <= 0) {
        errno = ECHILD;
        return -1;
    }
    do {
        r = waitpid(sp->pid, &status, WNOHANG);
    } while (r < 0 && errno == EINTR);
    if (r < 0) {
        return -1;
    }
    if (r == 0) {
        return 0;
    }
    sp->pid = -1;
    decode_status(status, ex);
    return 1;
}

void
spawn_kill(struct spawn *sp, int sig)
{
    if (sp->pid > 0 && kill(-sp->pid, sig) < 0 && errno == ESRCH) {
        kill(sp->pid, sig);
    }
}

int
spawn_has_ended(struct spawn *sp)
{
    siginfo_t info;

    if (sp->pid <= 0) {
        errno = ECHILD;
        return -1;
    }
    memset(&info, 0, sizeof(info));
    while (waitid(P_PID, (id_t)sp->pid, &info,
                  WEXITED | WNOHANG | WNOWAIT) < 0) {
        if (errno != EINTR) {
            return -1;
        }
    }
    return info.si_pid == sp->pid;
}

int
spawn_wait_group(struct spawn *sp, struct spawn_exit *ex)
{
    siginfo_t info;

    if (sp->pid <= 0) {
        errno = ECHILD;
        return -1;
    }
    while (waitid(P_PID, (id_t)sp->pid, &info, WEXITED | WNOWAIT) < 0) {
        if (errno != EINTR) {
            return -1;
        }
    }
    kill(-sp->pid, SIGKILL);
    return spawn_wait(sp, ex);
}

void
spawn_exit_describe(const struct spawn_exit *ex, struct strbuf *sb)
{
    if (ex->exited) {
        strbuf_addf(sb, "exit status %d", ex->code);
    }
    else {
        strbuf_addf(sb, "killed by signal %d (%s)%s", ex->signal,
                    strsignal(ex->signal), ex->core ? ", core dumped" : "");
    }
}

/* Drains fd into sb (or discards) until EOF or the deadline; returns 1 on
 * EOF, 0 on timeout. */
static int
drain_until(int out_fd, struct strbuf *out, int err_fd, struct strbuf *err,
            double deadline)
{
    char buf[8192];

    while (out_fd >= 0 || err_fd >= 0) {
        struct pollfd pfd[2];
        int nfds = 0;
        int timeout_ms = -1;

        if (out_fd >= 0) {
            pfd[nfds].fd = out_fd;
            pfd[nfds++].events = POLLIN;
        }
        if (err_fd >= 0) {
            pfd[nfds].fd = err_fd;
            pfd[nfds++].events = POLLIN;
        }
        if (deadline > 0) {
            double left = deadline - util_now_monotonic();
            if (left <= 0) {
                return 0;
            }
            timeout_ms = (int)(left * 1000) + 1;
        }
        int r = poll(pfd, (nfds_t)nfds, timeout_ms);
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            return 1;
        }
        for (int i = 0; i < nfds; i++) {
            if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR))) {
                continue;
            }
            int is_out = pfd[i].fd == out_fd;
            ssize_t n = read(pfd[i].fd, buf, sizeof(buf));
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                if (is_out) {
                    out_fd = -1;
                }
                else {
                    err_fd = -1;
                }
                continue;
            }
            struct strbuf *dst = is_out ? out : err;
            if (dst) {
                strbuf_add(dst, buf, (size_t)n);
            }
        }
    }
    return 1;
}

int
spawn_capture(const char *const *argv, struct strbuf *out, struct strbuf *err,
              double timeout_s, struct spawn_exit *ex)
{
    return spawn_capture_env(argv, NULL, out, err, timeout_s, ex);
}

int
spawn_capture_env(const char *const *argv, const char *const *env_set,
                  struct strbuf *out, struct strbuf *err, double timeout_s,
                  struct spawn_exit *ex)
{
    struct spawn sp = SPAWN_INIT;
    int rc;

    strvec_pushv(&sp.args, argv);
    strvec_pushv(&sp.env_set, env_set);
    rc = spawn_capture_prepared(&sp, out, err, timeout_s, ex);
    spawn_release(&sp);
    return rc;
}

int
spawn_capture_prepared(struct spawn *sp, struct strbuf *out,
                       struct strbuf *err, double timeout_s,
                       struct spawn_exit *ex)
{
    struct spawn_exit local;
    int rc;

    if (ex == NULL) {
        ex = &local;
    }
    sp->no_stdin = 1;
    sp->stdout_to = SPAWN_PIPE;
    sp->stderr_to = err ? SPAWN_PIPE : -1;
    if (spawn_start(sp) < 0) {
        return -1;
    }
    double deadline = timeout_s > 0 ? util_now_monotonic() + timeout_s : 0;
    if (!drain_until(sp->out_fd, out, sp->err_fd, err, deadline)) {
        spawn_kill(sp, SIGKILL);
    }
    /* The read ends are ours (spawn.h). */
    close(sp->out_fd);
    if (sp->err_fd >= 0) {
        close(sp->err_fd);
    }
    rc = spawn_wait(sp, ex);
    if (rc < 0) {
        return -1;
    }
    return ex->exited && ex->code == 0 ? 0 : 1;
}

void
spawn_log_note(int log_fd, const char *fmt, ...)
{
    va_list ap;
    char when[32];
    time_t now = time(NULL);

    if (log_fd < 0) {
        return;
    }
    strftime(when, sizeof(when), "%H:%M:%S", localtime(&now));
    dprintf(log_fd, "==> [%s] ", when);
    va_start(ap, fmt);
    vdprintf(log_fd, fmt, ap);
    va_end(ap);
    dprintf(log_fd, "\n");
}

/* Waits for a step, stopping it when *stop turns non-zero or the time is
 * up.  0 when it ended on its own (or was killed for the time), -2 when
 * stopped, -1 when waiting failed. */
static int
wait_step(struct spawn *sp, struct spawn_exit *ex,
          volatile sig_atomic_t *stop, double timeout_s)
{
    const struct timespec tick = {0, 50 * 1000 * 1000};
    double deadline = timeout_s > 0 ? util_now_monotonic() + timeout_s : 0;
    double kill_at = 0;

    for (;;) {
        int r = spawn_poll_exit(sp, ex);
        if (r == 1) {
            return stop && *stop ? -2 : 0;
        }
        if (r < 0) {
            return -1;
        }
        if (stop && *stop && kill_at == 0) {
            spawn_kill(sp, SIGTERM);
            kill_at = util_now_monotonic() + 5;
        }
        else if (kill_at > 0 && util_now_monotonic() > kill_at) {
            spawn_kill(sp, SIGKILL);
            spawn_wait(sp, ex);
            return -2;
        }
        else if (deadline > 0 && util_now_monotonic() > deadline) {
            spawn_kill(sp, SIGKILL);
            return spawn_wait(sp, ex) < 0 ? -1 : 0;
        }
        nanosleep(&tick, NULL);
    }
}

int
spawn_step(int log_fd, const char *step, const char *const *argv,
           const char *dir, const char *const *env_set,
           volatile sig_atomic_t *stop, double timeout_s,
           struct spawn_exit *ex)
{
    struct spawn sp = SPAWN_INIT;
    struct strbuf cmd = STRBUF_INIT;
    double t0 = util_now_monotonic();
    int rc;

    if (stop && *stop) {
        return -2;
    }
    for (size_t i = 0; argv[i]; i++) {
        strbuf_addf(&cmd, "%s%s", i ? " " : "", argv[i]);
    }
    if (dir) {
        strbuf_addf(&cmd, "  (in %s)", dir);
    }
    spawn_log_note(log_fd, "%s: %s", step, cmd.buf);
    strbuf_release(&cmd);
    strvec_pushv(&sp.args, argv);
    strvec_push(&sp.env_unset, "PYTHON*");
    strvec_pushv(&sp.env_set, env_set);
    sp.dir = dir;
    sp.no_stdin = 1;
    sp.stdout_to = log_fd;
    sp.stderr_to = log_fd;
    if (spawn_start(&sp) < 0) {
        int saved = errno;
        spawn_release(&sp);
        errno = saved;
        return -1;
    }
    rc = wait_step(&sp, ex, stop, timeout_s);
    if (rc == 0) {
        rc = ex->exited && ex->code == 0 ? 0 : 1;
        if (rc == 0) {
            spawn_log_note(log_fd, "%s: ok, %.0f s", step,
                           util_now_monotonic() - t0);
        }
    }
    spawn_release(&sp);
    return rc;
}

/* Whether /proc/<pid>/environ holds the entry `want` ("NAME=value"). */
static int
environ_has(const char *pid, const char *want)
{
    char path[300];
    struct strbuf env = STRBUF_INIT;
    int found = 0;

    snprintf(path, sizeof(path), "/proc/%s/environ", pid);
    if (util_read_file(path, &env) == 0) {
        size_t n = strlen(want);
        for (size_t off = 0; off < env.len;) {
            const char *entry = env.buf + off;
            size_t len = strnlen(entry, env.len - off);
            if (len == n && memcmp(entry, want, n) == 0) {
                found = 1;
                break;
            }
            off += len + 1;
        }
    }
    strbuf_release(&env);
    return found;
}

/* The process group of /proc/<pid>, or -1. */
static long
proc_pgrp(const char *pid)
{
    char path[300];
    struct strbuf stat = STRBUF_INIT;
    long pgrp = -1;

    snprintf(path, sizeof(path), "/proc/%s/stat", pid);
    if (util_read_file(path, &stat) == 0) {
        /* pid (comm) state ppid pgrp ...; comm may hold spaces and ')'. */
        const char *p = strrchr(stat.buf, ')');
        char state;
        long ppid;
        if (p == NULL || sscanf(p + 1, " %c %ld %ld", &state, &ppid, &pgrp)
                             != 3) {
            pgrp = -1;
        }
    }
    strbuf_release(&stat);
    return pgrp;
}

size_t
spawn_kill_marked(const char *entry, pid_t skip_group)
{
    DIR *d = opendir("/proc");
    struct dirent *de;
    size_t killed = 0;
    pid_t self = getpid();

    if (d == NULL) {
        return 0;
    }
    while ((de = readdir(d)) != NULL) {
        char *end;
        long pid = strtol(de->d_name, &end, 10);
        if (*end != '\0' || pid <= 0 || (pid_t)pid == self) {
            continue;
        }
        /* The group's own members were killed with it already and may
         * just not have died yet: not leftovers. */
        if (environ_has(de->d_name, entry)
            && proc_pgrp(de->d_name) != (long)skip_group
            && kill((pid_t)pid, SIGKILL) == 0) {
            killed++;
        }
    }
    closedir(d);
    return killed;
}
