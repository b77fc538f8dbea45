/* native: the runner's side of the native leak engines (issue 8).  At the
 * end of each round, after every other probe, it asks the engine the
 * runner runs under for a leak check:
 *
 *   Valgrind memcheck: VALGRIND_DO_ADDED_LEAK_CHECK, then
 *     VALGRIND_COUNT_LEAKS / VALGRIND_COUNT_LEAK_BLOCKS give the totals
 *     (memcheck's "leaked" is definitely + indirectly lost).  Outside
 *     valgrind the client requests are a few no-op instructions.
 *   LeakSanitizer (liblsan.so.0 preloaded): __lsan_do_recoverable_leak_check,
 *     found with dlsym so the runner does not link liblsan; the report goes
 *     to the --native-fd descriptor (__sanitizer_set_report_fd).
 *
 * Each check is bracketed by marker lines in the engine's own log
 *     leakmatrix-native: begin <phase> <round>
 *     leakmatrix-native: end <phase> <round>
 * (VALGRIND_PRINTF under valgrind, a write() to the report fd under LSan),
 * so that the front end can tell which round a loss record belongs to, and
 * knows, once it has the round record, that the round's report is all in
 * the pipe.  Nothing here allocates: it runs between the probes and the
 * round record.
 */
#ifndef LMX_NATIVE_H
#define LMX_NATIVE_H

enum native_engine {
    NATIVE_NONE,
    NATIVE_VALGRIND,
    NATIVE_LSAN,
};

/* The totals of one valgrind leak check (all 0 under other engines). */
struct native_reading {
    unsigned long lost_bytes, possibly_bytes, reachable_bytes;
    unsigned long lost_blocks, possibly_blocks, reachable_blocks;
    unsigned long suppressed_bytes, suppressed_blocks;
};

/*
 * Finds the engine this runner runs under: valgrind (RUNNING_ON_VALGRIND),
 * else LSan when its entry point is in the process, else none.  report_fd
 * (>= 0) is where an LSan report goes; LSan without one is not used (its
 * reports would land on the scenario's stderr).  Call once, before the
 * scenario loads.  Never fails.
 */
enum native_engine native_init(int report_fd);

/* The engine native_init() found (NATIVE_NONE without one). */
enum native_engine native_active(void);

/* "valgrind", "lsan" or NULL for none. */
const char *native_engine_name(enum native_engine engine);

/*
 * The check at the end of a round: markers, the leak check, and under
 * valgrind the totals into *r.  In a counted round valgrind lists only the
 * loss records that grew since the check before; a warm-up round's check
 * is a summary (its totals, no records): it sets the baseline the first
 * counted round's growth is measured from, without listing the tens of
 * thousands of records the interpreter holds after start-up, which nobody
 * reads (listing them cost the cell about a second).  LSan has no summary
 * mode: it reports every unreachable block each time.
 * Returns 1 when a reading was taken into r (valgrind), 0 otherwise.
 */
int native_round_end(const char *phase, unsigned round,
                     struct native_reading *r);

#endif
