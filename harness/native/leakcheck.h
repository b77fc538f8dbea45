/* leakcheck.h - native leaks (issue 8): running a cell's runner under
 * Valgrind memcheck (--valgrind) or LeakSanitizer (--lsan), and reading
 * the engine's reports from a channel of its own (LMX_PROTO_NATIVE_FD:
 * valgrind's --log-fd, LSan's report fd), never from the scenario's
 * stderr.
 *
 * The runner (harness/runner/native.h) brackets the leak check it asks
 * for at each round end with "leakmatrix-native: begin|end PHASE ROUND"
 * lines in that log.  The log parser cuts the log at those lines and gives
 * per round (a) readings that join the cell's metrics (valgrind's LEAK
 * SUMMARY split into definitely and indirectly lost; LSan's direct and
 * indirect totals) and (b) per allocation stack, filtered of allocator,
 * engine, libffi and eval loop frames, its bytes and blocks.  The stacks
 * that grew in every counted round become the outcome's stacks.
 *
 * The verdict never comes from an exit-time summary: valgrind runs with
 * --leak-check=no and LSan with leak_check_at_exit=0.
 *
 * Ownership: struct leakcheck_log owns everything in it; the python and
 * spawn passed in are borrowed.
 */
#ifndef LMX_LEAKCHECK_H
#define LMX_LEAKCHECK_H

#include <jansson.h>
#include <stddef.h>

#include "judge/outcome.h"
#include "interp/registry.h"
#include "base/spawn.h"
#include "base/util.h"

enum leakcheck_mode {
    LEAKCHECK_OFF,
    LEAKCHECK_VALGRIND,
    LEAKCHECK_LSAN,
};

/* "valgrind", "lsan", or NULL for LEAKCHECK_OFF. */
const char *leakcheck_mode_name(enum leakcheck_mode mode);

/* The cell key's mode: "default", or what the cell adds, in this order:
 * "census", "trace", the engine ("census+trace+valgrind", "trace",
 * "census+lsan").  Static storage. */
const char *leakcheck_key_mode(enum leakcheck_mode mode, int census,
                               int trace);

/* How much longer a cell may take under the engine: valgrind 50x
 * (memcheck runs CPython 20-70x slower, 34x on a json/zlib loop), LSan 3x
 * (its checks take ~30 ms each, the loop runs at native speed); 1 off. */
double leakcheck_timeout_factor(enum leakcheck_mode mode);
/* The same for the memory bound: memcheck's shadow memory and redzones
 * about double a process's RSS, so 3x; LSan 1.5x. */
double leakcheck_rss_factor(enum leakcheck_mode mode);

/* Whether the mode's engine is installed here.  0, or -1 with one line
 * in why: valgrind not on PATH, or liblsan.so.0 not installed.  This fails
 * a whole run (nothing can be measured in the mode). */
int leakcheck_engine_check(enum leakcheck_mode mode, struct strbuf *why);

/* Whether the mode can measure py (the engine aside).  0, or -1 with one
 * line in why: an interpreter older than 3.6 built with pymalloc and
 * without --with-valgrind (PYTHONMALLOC=malloc came with 3.6).  Such an
 * interpreter's cells are results, skipped with that line as the reason;
 * the others carry on. */
int leakcheck_python_check(enum leakcheck_mode mode, const struct python *py,
                           struct strbuf *why);


/* Wraps the runner's argv in sp->args (built, runner first) for the mode
 * and adds to sp->env_set: PYTHONMALLOC=malloc; valgrind with its options
 * and suppressions (the interpreter's valgrind-python.supp where the
 * registry knows it, plus harness/native/leakcheck.supp for the harness's own
 * start-up); LD_PRELOAD of liblsan with LSAN_OPTIONS.  The engine's
 * report is to go to LMX_PROTO_NATIVE_FD, which the caller passes. */
void leakcheck_wrap(enum leakcheck_mode mode, const struct python *py,
                    struct spawn *sp);

struct leakcheck_stack;

/* A round whose end marker was read, with its readings: the channel may
 * run a round ahead of the records pipe, so they are kept by round. */
struct leakcheck_round {
    int counted;
    unsigned round;
    double sum[4];
};

struct leakcheck_log {
    enum leakcheck_mode mode;
    struct strbuf line;          /* a partial line */
    int in_round;                /* between begin and end markers */
    int counted;                 /* the round being read is counted */
    unsigned round;
    struct leakcheck_round *ended;   /* every round whose end was read */
    size_t nended, alloc_ended;
    size_t rounds;               /* counted rounds cut so far */
    void *cur;                   /* the record being read (leakcheck.c) */
    struct leakcheck_stack *stacks;
    size_t nstacks, alloc;
    double sum[8];               /* this round's summary readings */
    int summary_line;            /* inside valgrind's LEAK SUMMARY */
};

void leakcheck_log_init(struct leakcheck_log *log, enum leakcheck_mode mode);
void leakcheck_log_release(struct leakcheck_log *log);

/* Feeds bytes read from the engine's channel. */
void leakcheck_log_feed(struct leakcheck_log *log, const char *buf,
                        size_t n);

/* 1 when the end marker of that round was read. */
int leakcheck_log_round_ended(const struct leakcheck_log *log, int counted,
                              unsigned round);

/* The readings of that round, as metrics for the cell
 * ("vg_definite_bytes", ..., or "lsan_direct_bytes", ...): a new object,
 * or NULL when the mode gives none or the round's end was not read. */
json_t *leakcheck_log_readings(const struct leakcheck_log *log, int counted,
                               unsigned round);

/* The stacks that grew in every one of the counted rounds, at least
 * LEAKCHECK_STACK_FLOOR bytes in all, fastest first, into o->stacks;
 * counted_iterations divides the growth.  Under LSan (symbolize=0) the
 * frames of the stacks that changed in a counted round are named here,
 * from the user's symbol cache or by running llvm-symbolizer or addr2line
 * (native/symbolize.h), which may add files to that cache; a frame that
 * cannot be named stays as LSan printed it. */
#define LEAKCHECK_STACK_FLOOR 4096.0
void leakcheck_log_stacks(const struct leakcheck_log *log,
                          double counted_iterations, struct outcome *o);

#endif
