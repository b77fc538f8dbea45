/* provision_step.c - what every step of `pythons build` uses: the
 * progress line on stderr, an error said once (on stderr and in the
 * build's log), a note in the log, a program run as a logged step, the
 * kind of source asked for.  The bottom of provision_private.h's map: it
 * calls no other file of the build.
 */
#include "interp/provision_private.h"
#include "base/interrupt.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void
build_progress_begin(struct build *b, const char *fmt, ...)
{
    va_list ap;

    fflush(stdout);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs(" ...", stderr);
    b->progress_open = 1;
    b->step_started = util_now_monotonic();
}

void
build_progress_end(struct build *b, const char *word)
{
    if (b->progress_open) {
        fprintf(stderr, " %s%s%.0f s\n", word ? word : "", word ? ", " : "",
                util_now_monotonic() - b->step_started);
        b->progress_open = 0;
    }
}

void
build_error(struct build *b, const char *fmt, ...)
{
    struct strbuf sb = STRBUF_INIT;
    va_list ap;

    build_progress_end(b, "failed");
    va_start(ap, fmt);
    strbuf_vaddf(&sb, fmt, ap);
    va_end(ap);
    lmx_error("%s", sb.buf);
    if (b->log_fd >= 0) {
        dprintf(b->log_fd, "==> leakmatrix: %s\n", sb.buf);
    }
    strbuf_release(&sb);
}

void
build_log_note(const struct build *b, const char *fmt, ...)
{
    struct strbuf sb = STRBUF_INIT;
    va_list ap;

    va_start(ap, fmt);
    strbuf_vaddf(&sb, fmt, ap);
    va_end(ap);
    spawn_log_note(b->log_fd, "%s", sb.buf);
    strbuf_release(&sb);
}

int
build_run_step(struct build *b, const char *step, const char *const *argv,
               const char *dir, const char *const *env_set)
{
    struct spawn_exit ex;
    int rc = spawn_step(b->log_fd, step, argv, dir, env_set,
                        interrupt_flag(), 0, &ex);

    if (rc == -1) {
        build_error(b, "building %s failed at %s: cannot run %s: %s; "
                    "log: %s", b->name, step, argv[0], strerror(errno),
                    b->log_path);
    }
    else if (rc == 1) {
        struct strbuf how = STRBUF_INIT;
        spawn_exit_describe(&ex, &how);
        build_error(b, "building %s failed at %s (%s); log: %s", b->name,
                    step, how.buf, b->log_path);
        strbuf_release(&how);
    }
    return rc == 0 ? 0 : -1;
}

const char *
build_source_kind(const struct build *b)
{
    return b->binary ? "debian-binary" : b->debian ? "debian"
           : b->url ? "url" : "tarball";
}
