/* leakcheck.c - native engines: which ones exist, what they cost, and
 * wrapping the runner in one (leakcheck.h).  Reading their reports round
 * by round is leakcheck_log.c's. */
#include "native/leakcheck.h"

#include <stdlib.h>
#include <string.h>

#include "base/paths.h"
#include "base/proto.h"
#include "native/symbolize.h"

#define LSAN_LIBRARY "liblsan.so.0"
static const char *const lsan_dirs[] = {
    "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64",
    "/usr/lib", NULL,
};

const char *
leakcheck_mode_name(enum leakcheck_mode mode)
{
    return mode == LEAKCHECK_VALGRIND ? "valgrind"
           : mode == LEAKCHECK_LSAN   ? "lsan"
                                      : NULL;
}

const char *
leakcheck_key_mode(enum leakcheck_mode mode, int census, int trace)
{
    /* [engine][census][trace] */
    static const char *const names[3][2][2] = {
        {{"default", "trace"}, {"census", "census+trace"}},
        {{"valgrind", "trace+valgrind"},
         {"census+valgrind", "census+trace+valgrind"}},
        {{"lsan", "trace+lsan"}, {"census+lsan", "census+trace+lsan"}},
    };
    int engine = mode == LEAKCHECK_VALGRIND ? 1
                 : mode == LEAKCHECK_LSAN   ? 2
                                            : 0;

    return names[engine][census != 0][trace != 0];
}

double
leakcheck_timeout_factor(enum leakcheck_mode mode)
{
    return mode == LEAKCHECK_VALGRIND ? 50.0
           : mode == LEAKCHECK_LSAN   ? 3.0
                                      : 1.0;
}

double
leakcheck_rss_factor(enum leakcheck_mode mode)
{
    return mode == LEAKCHECK_VALGRIND ? 3.0
           : mode == LEAKCHECK_LSAN   ? 1.5
                                      : 1.0;
}

static char *
find_lsan(void)
{
    for (size_t i = 0; lsan_dirs[i]; i++) {
        char *p = path_join(lsan_dirs[i], LSAN_LIBRARY);
        if (path_exists(p)) {
            return p;
        }
        free(p);
    }
    return NULL;
}

int
leakcheck_engine_check(enum leakcheck_mode mode, struct strbuf *why)
{
    char *found = NULL;

    if (mode == LEAKCHECK_OFF) {
        return 0;
    }
    found = mode == LEAKCHECK_VALGRIND ? symbolize_find_program("valgrind") : find_lsan();
    if (found == NULL) {
        strbuf_adds(why, mode == LEAKCHECK_VALGRIND
                             ? "--valgrind: valgrind is not on PATH; "
                               "install it (Debian: apt-get install "
                               "valgrind, or scripts/setup)"
                             : "--lsan: " LSAN_LIBRARY " is not installed; "
                               "install it (Debian: apt-get install "
                               "liblsan0, or scripts/setup)");
        return -1;
    }
    free(found);
    return 0;
}

int
leakcheck_python_check(enum leakcheck_mode mode, const struct python *py,
                       struct strbuf *why)
{
    if (mode == LEAKCHECK_OFF) {
        return 0;
    }
    /* PYTHONMALLOC=malloc is 3.6's; before it only a build without
     * pymalloc, or one that tells valgrind about it, can be measured. */
    if (py->hexversion < 0x03060000UL && py->pymalloc && !py->with_valgrind) {
        strbuf_addf(why, "--%s: %s has pymalloc and no --with-valgrind, and "
                         "PYTHONMALLOC=malloc needs 3.6; build it with "
                         "`leakmatrix pythons build %s "
                         "--with-valgrind` (or --without-pymalloc)",
                    leakcheck_mode_name(mode), py->tag, py->version);
        return -1;
    }
    /* A free-threaded interpreter allocates its objects from mimalloc's
     * heaps and refuses PYTHONMALLOC=malloc, so neither engine would see
     * a Python object come or go. */
    if (py->free_threaded) {
        strbuf_addf(why, "--%s: %s is free-threaded: its objects come from "
                         "mimalloc, which PYTHONMALLOC=malloc cannot replace "
                         "there, so %s would see none of them; measure the "
                         "GIL build of %s with --%s",
                    leakcheck_mode_name(mode), py->tag,
                    mode == LEAKCHECK_VALGRIND ? "memcheck" : "LSan",
                    py->version, leakcheck_mode_name(mode));
        return -1;
    }
    /* A private root's glibc is newer than this machine's valgrind knows:
     * it stops at start-up, unable to redirect strlen in the root's
     * loader (stripped; the root's libc6-dbg is compressed in a way
     * valgrind 3.19 does not read). */
    if (mode == LEAKCHECK_VALGRIND && py->loader) {
        strbuf_addf(why, "--valgrind: %s runs on its own glibc (%s), whose "
                         "loader this machine's valgrind cannot redirect; "
                         "use --lsan for its native leaks",
                    py->tag, py->loader);
        return -1;
    }
    return 0;
}

static void
wrap_valgrind(const struct python *py, struct strvec *args)
{
    char *vg = symbolize_find_program("valgrind");

    strvec_push(args, vg ? vg : "valgrind");
    free(vg);
    strvec_push(args, "--tool=memcheck");
    /* The verdict comes from the per-round checks, never from the exit
     * summary (interpreter caches, finalisation: noise for Python). */
    strvec_push(args, "--leak-check=no");
    strvec_push(args, "--show-leak-kinds=all");
    /* Only leak checks are read, never memcheck's error reports, and
     * tracking which bits are undefined costs a quarter of the cell (a
     * fixture cell on 3.11.7: 4.5 s against 3.6 s).  The leak scan still
     * skips memory the program never wrote: at this level stores mark
     * memory defined, and malloc marks it undefined as before. */
    strvec_push(args, "--undef-value-errors=no");
    /* Enough for the extension's frames and the interpreter's around
     * them; every malloc unwinds this deep (40 cost ~15% more). */
    strvec_push(args, "--num-callers=16");
    strvec_pushf(args, "--log-fd=%d", LMX_PROTO_NATIVE_FD);
    /* Python's own errors are not the point; the log stays short. */
    strvec_push(args, "--error-limit=yes");
    strvec_push(args, "--child-silent-after-fork=yes");
    char *supp = paths_suppressions();
    strvec_pushf(args, "--suppressions=%s", supp);
    free(supp);
    if (py->suppressions) {
        strvec_pushf(args, "--suppressions=%s", py->suppressions);
    }
}

void
leakcheck_wrap(enum leakcheck_mode mode, const struct python *py,
               struct spawn *sp)
{
    struct strvec args = STRVEC_INIT;

    if (mode == LEAKCHECK_OFF) {
        return;
    }
    /* Every block through malloc, where the engine sees it (3.6+; older
     * builds were checked by leakcheck_check()). */
    strvec_push(&sp->env_set, "PYTHONMALLOC=malloc");
    if (mode == LEAKCHECK_VALGRIND) {
        wrap_valgrind(py, &args);
        strvec_pushv(&args, (const char *const *)sp->args.v);
    }
    else {
        char *lib = find_lsan();
        strvec_pushf(&sp->env_set, "LD_PRELOAD=%s",
                     lib ? lib : LSAN_LIBRARY);
        free(lib);
        /* The fast (frame pointer) unwinder: CPython and most extensions
         * are built without frame pointers, so stacks stop a frame or two
         * above the allocation, but those are the extension's frames, the
         * ones a user acts on.  The DWARF unwinder
         * (fast_unwind_on_malloc=0) gives whole stacks at about ten times
         * the cost of a cell (docs/native.md); the user's own LSAN_OPTIONS come
         * last and win, so that is one variable away.  No check at exit:
         * the per-round ones count.  No names in the runner: the front
         * end names the stacks that grew (symbolize.h).
         * malloc_context_size=30 costs what 8 does: the unwinder stops
         * where frame pointers do (3 frames a stack on 3.11.7's fixture,
         * 9 on 3.15.2, built with them), and a cell's CPU time was the
         * same within 2% at 30, 16 and 8 (issue 18).  It must stay 2 or
         * more: LSan ignores a block whose stack has no caller, and at 1
         * the fixture's leak read clean.  use_root_regions=0,
         * use_ld_allocations=0 and max_leaks=1 saved nothing either: a
         * check's time is LSan's walk of every block (leaked ones too)
         * and its scan of the reachable ones. */
        const char *user = getenv("LSAN_OPTIONS");
        strvec_pushf(&sp->env_set,
                     "LSAN_OPTIONS=leak_check_at_exit=0:"
                     "fast_unwind_on_malloc=1:malloc_context_size=30:"
                     "print_suppressions=0:symbolize=0%s%s",
                     user && *user ? ":" : "", user ? user : "");
        strvec_push(&args, sp->args.v[0]);
        strvec_pushf(&args, "--native-fd=%d", LMX_PROTO_NATIVE_FD);
        strvec_pushv(&args, (const char *const *)sp->args.v + 1);
    }
    strvec_clear(&sp->args);
    sp->args = args;
}

