/* test-leakcheck.c - the native engines' logs cut into rounds: readings,
 * loss records merged by filtered stack, growth in every counted round,
 * frame filtering; and the stacks through the outcome's JSON. */
#include <check.h>
#include <dlfcn.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "matrix/cell.h"
#include "native/leakcheck.h"
#include "native/symbolize.h"
#include "base/util.h"
#include "judge/outcome.h"

static void
feed(struct leakcheck_log *log, const char *text)
{
    leakcheck_log_feed(log, text, strlen(text));
}

/* One valgrind round: a definitely lost record growing by `d` bytes in
 * one block, and a reachable one that grows only when `r` > 0. */
static void
vg_round(struct leakcheck_log *log, const char *phase, unsigned round,
         double d, double r)
{
    char buf[4096];
    snprintf(buf, sizeof(buf),
             "**77** leakmatrix-native: begin %s %u\n"
             "==77== 160,000 (+%.0f) bytes in 40 (+1) blocks are definitely "
             "lost in loss record 6,079 of 6,083\n"
             "==77==    at 0x48417B4: malloc (in /usr/libexec/valgrind/"
             "vgpreload_memcheck-amd64-linux.so)\n"
             "==77==    by 0x6E0D4C9: touched_malloc (lmfixture.c:84)\n"
             "==77==    by 0x6E0D4C9: leak_malloc (lmfixture.c:100)\n"
             "==77==    by 0x49F8CC0: cfunction_call (methodobject.c:553)\n"
             "==77==    by 0x494F9C2: _PyEval_EvalFrameDefault "
             "(ceval.c:4769)\n"
             "==77==    by 0x10C233: runner_round.constprop.0 "
             "(runner_main.c:%u)\n"
             "==77==    by 0x10B4C9: main (runner_main.c:1052)\n"
             "==77== \n",
             phase, round, d, 940 + round);
    feed(log, buf);
    if (r > 0) {
        snprintf(buf, sizeof(buf),
                 "==77== 1,000 (+%.0f) (600 (+1) direct, 400 (+1) indirect) "
                 "bytes in 2 (+1) blocks are still reachable in loss record "
                 "5 of 9\n"
                 "==77==    at 0x48417B4: malloc (vg_replace_malloc.c:381)\n"
                 "==77==    by 0x1: PyList_New (listobject.c:179)\n"
                 "==77== \n",
                 r);
        feed(log, buf);
    }
    snprintf(buf, sizeof(buf),
             "==77== LEAK SUMMARY:\n"
             "==77==    definitely lost: %.0f (+%.0f) bytes in 59 (+20) "
             "blocks\n"
             "==77==    indirectly lost: 0 (+0) bytes in 0 (+0) blocks\n"
             "==77==      possibly lost: 5,242,155 (+0) bytes in 38,245 (+0) "
             "blocks\n"
             "==77== \n"
             "**77** leakmatrix-native: end %s %u\n",
             1000.0 * round, d, phase, round);
    feed(log, buf);
}

START_TEST(valgrind_rounds_readings_and_stacks)
{
    struct leakcheck_log log;
    struct outcome o;

    leakcheck_log_init(&log, LEAKCHECK_VALGRIND);
    outcome_init(&o);
    vg_round(&log, "warmup", 1, 1e6, 1);
    ck_assert(leakcheck_log_round_ended(&log, 0, 1));
    ck_assert(!leakcheck_log_round_ended(&log, 1, 1));
    for (unsigned r = 1; r <= 3; r++) {
        /* reachable grows in rounds 1 and 3 only: not every round */
        vg_round(&log, "counted", r, 8000, r == 2 ? 0 : 5000);
        ck_assert(leakcheck_log_round_ended(&log, 1, r));
    }
    json_t *m = leakcheck_log_readings(&log, 1, 3);
    ck_assert_double_eq(json_number_value(json_object_get(
                            m, "vg_definite_bytes")), 3000);
    ck_assert_double_eq(json_number_value(json_object_get(
                            m, "vg_definite_blocks")), 59);
    ck_assert_double_eq(json_number_value(json_object_get(
                            m, "vg_indirect_bytes")), 0);
    json_decref(m);

    leakcheck_log_stacks(&log, 300, &o);
    /* The records of three runner lines are one stack: 24000 B over 300
     * iterations; the warm-up round is not counted. */
    ck_assert_uint_eq(o.nstacks, 1);
    ck_assert_str_eq(o.stacks[0].kind, "definitely lost");
    ck_assert_double_eq_tol(o.stacks[0].bytes_per_iteration, 80, 1e-9);
    ck_assert_double_eq_tol(o.stacks[0].blocks_per_iteration, 0.01, 1e-9);
    ck_assert_uint_eq(o.stacks[0].nframes, 2);
    ck_assert_str_eq(o.stacks[0].frames[0], "touched_malloc (lmfixture.c:84)");
    ck_assert_str_eq(o.stacks[0].frames[1], "leak_malloc (lmfixture.c:100)");
    outcome_release(&o);
    leakcheck_log_release(&log);
}
END_TEST

static void
lsan_round(struct leakcheck_log *log, const char *phase, unsigned round,
           double total)
{
    char buf[2048];
    snprintf(buf, sizeof(buf),
             "leakmatrix-native: begin %s %u\n\n"
             "=================================================\n"
             "==9==ERROR: LeakSanitizer: detected memory leaks\n\n"
             "Direct leak of %.0f byte(s) in %.0f object(s) allocated "
             "from:\n"
             "    #0 0x7f6cd4213545 in __interceptor_malloc ../../../../src/"
             "libsanitizer/lsan/lsan_interceptors.cpp:75\n"
             "    #1 0x7f6cd357c4c9 in touched_malloc ../tests/fixtures/"
             "lmfixture.c:84\n"
             "    #2 0x7f6cd357c4c9 in leak_malloc ../tests/fixtures/"
             "lmfixture.c:100\n"
             "    #3 0x7f6cd357c4d0  (/usr/lib/libpython3.11.so+0x1234)\n\n"
             "SUMMARY: LeakSanitizer: %.0f byte(s) leaked in 19 "
             "allocation(s).\n"
             "leakmatrix-native: end %s %u\n",
             phase, round, total, total / 4000, total, phase, round);
    feed(log, buf);
}

START_TEST(lsan_totals_become_growth)
{
    struct leakcheck_log log;
    struct outcome o;

    leakcheck_log_init(&log, LEAKCHECK_LSAN);
    outcome_init(&o);
    lsan_round(&log, "warmup", 1, 40000);
    lsan_round(&log, "warmup", 2, 80000);
    lsan_round(&log, "counted", 1, 120000);
    lsan_round(&log, "counted", 2, 160000);
    /* the channel may be a round ahead of the records: kept by round */
    json_t *m = leakcheck_log_readings(&log, 1, 1);
    ck_assert_double_eq(json_number_value(json_object_get(
                            m, "lsan_direct_bytes")), 120000);
    json_decref(m);
    ck_assert_ptr_null(leakcheck_log_readings(&log, 1, 3));
    m = leakcheck_log_readings(&log, 1, 2);
    ck_assert_double_eq(json_number_value(json_object_get(
                            m, "lsan_direct_bytes")), 160000);
    ck_assert_double_eq(json_number_value(json_object_get(
                            m, "lsan_direct_objects")), 40);
    json_decref(m);
    leakcheck_log_stacks(&log, 20, &o);
    ck_assert_uint_eq(o.nstacks, 1);
    ck_assert_str_eq(o.stacks[0].kind, "direct");
    /* 80000 B over the baseline (the last warm-up) in 20 iterations */
    ck_assert_double_eq_tol(o.stacks[0].bytes_per_iteration, 4000, 1e-9);
    ck_assert_uint_eq(o.stacks[0].nframes, 3);
    ck_assert_str_eq(o.stacks[0].frames[0], "touched_malloc (lmfixture.c:84)");
    ck_assert_str_eq(o.stacks[0].frames[2], "??? (libpython3.11.so+0x1234)");
    outcome_release(&o);
    leakcheck_log_release(&log);
}
END_TEST

/* malloc called from Python through ctypes: every native frame is
 * ctypes' or the eval loop's, and LSan's fast unwinder adds a frame on
 * the stack itself.  The record names the allocator and the way it was
 * reached instead of showing no frame. */
static void
lsan_ctypes_round(struct leakcheck_log *log, const char *phase,
                  unsigned round, double total)
{
    char buf[2048];
    snprintf(buf, sizeof(buf),
             "leakmatrix-native: begin %s %u\n\n"
             "==9==ERROR: LeakSanitizer: detected memory leaks\n\n"
             "Direct leak of %.0f byte(s) in %.0f object(s) allocated "
             "from:\n"
             "    #0 0x7f2a3d013545 in __interceptor_malloc ../../../../src/"
             "libsanitizer/lsan/lsan_interceptors.cpp:75\n"
             "    #1 0x7f2a3c316f79 in ffi_call_unix64 "
             "(/lib/x86_64-linux-gnu/libffi.so.8+0x6f79)\n"
             "    #2 0x7fffd7a88d1f  ([stack]+0x1ed1f)\n\n"
             "leakmatrix-native: end %s %u\n",
             phase, round, total, total / 1024, phase, round);
    feed(log, buf);
}

START_TEST(ctypes_allocations_are_named)
{
    struct leakcheck_log log;
    struct outcome o;

    leakcheck_log_init(&log, LEAKCHECK_LSAN);
    outcome_init(&o);
    lsan_ctypes_round(&log, "warmup", 1, 102400);
    lsan_ctypes_round(&log, "counted", 1, 204800);
    lsan_ctypes_round(&log, "counted", 2, 307200);
    leakcheck_log_stacks(&log, 200, &o);
    ck_assert_uint_eq(o.nstacks, 1);
    ck_assert_uint_eq(o.stacks[0].nframes, 1);
    ck_assert_str_eq(o.stacks[0].frames[0],
                     "malloc (called from Python through ctypes)");
    outcome_release(&o);
    leakcheck_log_release(&log);
}
END_TEST

START_TEST(flat_stacks_and_junk_are_not_growth)
{
    struct leakcheck_log log;
    struct outcome o;

    leakcheck_log_init(&log, LEAKCHECK_LSAN);
    outcome_init(&o);
    feed(&log, "Direct leak of 5 byte(s) in 1 object(s) outside a round\n");
    lsan_round(&log, "warmup", 1, 40000);
    lsan_round(&log, "counted", 1, 40000);
    feed(&log, "leakmatrix-native: begin counted 2\nDirect leak of x\n"
               "#1 nonsense\n\nleakmatrix-native: end counted 2\n");
    ck_assert(leakcheck_log_round_ended(&log, 1, 2));
    leakcheck_log_stacks(&log, 20, &o);
    ck_assert_uint_eq(o.nstacks, 0);
    outcome_release(&o);
    leakcheck_log_release(&log);
}
END_TEST

START_TEST(modes_keys_and_stacks_round_trip)
{
    struct outcome o, back;
    struct strbuf err = STRBUF_INIT, line = STRBUF_INIT;
    const char *frames[] = {"touched_malloc (lmfixture.c:84)",
                            "leak_malloc (lmfixture.c:100)"};

    ck_assert_str_eq(leakcheck_key_mode(LEAKCHECK_OFF, 0, 0), "default");
    ck_assert_str_eq(leakcheck_key_mode(LEAKCHECK_VALGRIND, 1, 0),
                     "census+valgrind");
    ck_assert_str_eq(leakcheck_key_mode(LEAKCHECK_LSAN, 0, 0), "lsan");
    ck_assert_str_eq(leakcheck_key_mode(LEAKCHECK_OFF, 0, 1), "trace");
    ck_assert_str_eq(leakcheck_key_mode(LEAKCHECK_OFF, 1, 1),
                     "census+trace");
    ck_assert_str_eq(leakcheck_key_mode(LEAKCHECK_VALGRIND, 1, 1),
                     "census+trace+valgrind");
    ck_assert_str_eq(leakcheck_key_mode(LEAKCHECK_LSAN, 0, 1),
                     "trace+lsan");
    ck_assert(leakcheck_timeout_factor(LEAKCHECK_VALGRIND) > 10);
    outcome_init(&o);
    outcome_init(&back);
    o.status = VERDICT_STATUS_LEAK;
    o.native = xstrdup("valgrind");
    outcome_figure_set(&o.lead, "vg_definite_bytes", "definitely lost",
                       "bytes", 0, VERDICT_LEAK, 16384, NAN, NULL);
    outcome_add_stack(&o, "definitely lost", 16384, 1, frames, 2);
    outcome_summary(&o, &line);
    ck_assert_msg(strstr(line.buf, "top stack: +16 KiB/it definitely lost "
                                   "at touched_malloc (lmfixture.c:84) < "
                                   "leak_malloc (lmfixture.c:100)") != NULL,
                  "%s", line.buf);
    json_t *j = outcome_to_json(&o);
    ck_assert_int_eq(outcome_from_json(j, &back, &err), 0);
    ck_assert_str_eq(back.native, "valgrind");
    ck_assert_uint_eq(back.nstacks, 1);
    ck_assert_str_eq(back.stacks[0].frames[1], frames[1]);
    ck_assert_double_eq(back.stacks[0].bytes_per_iteration, 16384);
    /* a stack without frames cannot be trusted */
    json_object_set_new(json_array_get(json_object_get(j, "stacks"), 0),
                        "frames", json_integer(3));
    ck_assert_int_eq(outcome_from_json(j, &back, &err), -1);
    json_decref(j);
    outcome_release(&o);
    outcome_release(&back);
    strbuf_release(&err);
    strbuf_release(&line);
}
END_TEST

/* An interpreter the engine cannot measure (3.5 with pymalloc, no
 * --with-valgrind) is refused with the way out; its cell is a skipped
 * result under the mode's key that says why. */
START_TEST(unmeasurable_interpreter_is_a_skipped_cell)
{
    struct python py35 = {0};
    struct cell_spec spec = {0};
    struct cell_result res;
    struct strbuf why = STRBUF_INIT;

    py35.tag = (char *)"3.5.10";
    py35.version = (char *)"3.5.10";
    py35.hexversion = 0x03050af0UL;
    py35.pymalloc = 1;
    ck_assert_int_eq(leakcheck_python_check(LEAKCHECK_OFF, &py35, &why), 0);
    ck_assert_int_eq(leakcheck_python_check(LEAKCHECK_LSAN, &py35, &why),
                     -1);
    ck_assert_msg(strstr(why.buf, "--lsan: 3.5.10 has pymalloc") != NULL
                      && strstr(why.buf, "--with-valgrind`") != NULL,
                  "%s", why.buf);
    strbuf_reset(&why);
    ck_assert_int_eq(leakcheck_python_check(LEAKCHECK_VALGRIND, &py35, &why),
                     -1);
    spec.py = &py35;
    spec.scenario = "scenarios/threading_server.py";
    spec.native = LEAKCHECK_VALGRIND;
    spec.rounds = 5;
    spec.max_rounds = 12;
    cell_result_init(&res);
    cell_skip_unrunnable(&spec, why.buf, &res);
    ck_assert_int_eq(res.outcome.status, VERDICT_STATUS_SKIPPED);
    ck_assert_str_eq(json_string_value(json_object_get(res.doc, "mode")),
                     "valgrind");
    ck_assert_msg(strstr(res.summary, "--valgrind: 3.5.10 has pymalloc")
                      != NULL,
                  "%s", res.summary);
    cell_result_release(&res);
    /* measurable: 3.6 has PYTHONMALLOC=malloc; a 3.5 that tells valgrind
     * about pymalloc */
    strbuf_reset(&why);
    py35.with_valgrind = 1;
    ck_assert_int_eq(leakcheck_python_check(LEAKCHECK_VALGRIND, &py35, &why),
                     0);
    py35.with_valgrind = 0;
    py35.hexversion = 0x030600f0UL;
    ck_assert_int_eq(leakcheck_python_check(LEAKCHECK_LSAN, &py35, &why), 0);
    ck_assert_str_eq(why.buf, "");
    strbuf_release(&why);
}
END_TEST

/* A round of LSan's symbolize=0 report: a stack in the elfsym fixture at
 * the offset off, above the runner's frame. */
static void
lsan_raw_round(struct leakcheck_log *log, const char *phase,
               unsigned round, double total, unsigned long off)
{
    char buf[2048];
    snprintf(buf, sizeof(buf),
             "leakmatrix-native: begin %s %u\n"
             "Direct leak of %.0f byte(s) in %.0f object(s) allocated "
             "from:\n"
             "    #0 0x7f6cd357c4c9  (%s+0x%lx)\n"
             "    #1 0x5555d357c4c9  (/x/build/harness/runner/"
             "leakmatrix-run-3.11.7+0x1234)\n\n"
             "leakmatrix-native: end %s %u\n",
             phase, round, total, total / 4000, LMX_ELFSYM_PLAIN, off, phase,
             round);
    feed(log, buf);
}

/* The stacks of an LSan log of three rounds growing at off. */
static void
lsan_raw_stacks(unsigned long off, struct outcome *o)
{
    struct leakcheck_log log;

    leakcheck_log_init(&log, LEAKCHECK_LSAN);
    lsan_raw_round(&log, "warmup", 1, 40000, off);
    lsan_raw_round(&log, "counted", 1, 80000, off);
    lsan_raw_round(&log, "counted", 2, 120000, off);
    leakcheck_log_stacks(&log, 20, o);
    leakcheck_log_release(&log);
}

START_TEST(lsan_frames_are_named_after_the_run_and_cached)
{
    void *h = dlopen(LMX_ELFSYM_PLAIN, RTLD_NOW);
    void *fn = h ? dlsym(h, "elfsym_fixture_touch") : NULL;
    Dl_info info;
    char tmpl[] = "/tmp/lmx-symbols-XXXXXX";
    char *path = xstrdup(getenv("PATH") ? getenv("PATH") : "");
    struct outcome o;
    char *named = symbolize_find_program("llvm-symbolizer");

    if (named == NULL) {
        named = symbolize_find_program("addr2line");
    }
    ck_assert_ptr_nonnull(fn);
    ck_assert_int_ne(dladdr(fn, &info), 0);
    unsigned long off = (unsigned long)((char *)fn - (char *)info.dli_fbase);
    ck_assert_ptr_nonnull(mkdtemp(tmpl));
    setenv("LEAKMATRIX_CACHE", tmpl, 1);
    for (int pass = 0; pass < 2; pass++) {
        /* the second pass has no symbolizer: the cache answers */
        outcome_init(&o);
        lsan_raw_stacks(off + 1, &o);
        ck_assert_uint_eq(o.nstacks, 1);
        ck_assert_uint_eq(o.stacks[0].nframes, 1);
        if (named != NULL) {
            ck_assert_msg(strncmp(o.stacks[0].frames[0],
                                  "elfsym_fixture_touch (elfsym-fixture.c:",
                                  39) == 0,
                          "pass %d: %s", pass, o.stacks[0].frames[0]);
        }
        outcome_release(&o);
        setenv("PATH", "/nonexistent", 1);
    }
    setenv("PATH", path, 1);
    unsetenv("LEAKMATRIX_CACHE");
    util_rm_rf(tmpl);
    free(named);
    free(path);
    dlclose(h);
}
END_TEST

Suite *
leakcheck_suite(void)
{
    Suite *s = suite_create("leakcheck");
    TCase *tc = tcase_create("leakcheck: native logs cut into rounds");
    tcase_add_test(tc, valgrind_rounds_readings_and_stacks);
    tcase_add_test(tc, lsan_totals_become_growth);
    tcase_add_test(tc, flat_stacks_and_junk_are_not_growth);
    tcase_add_test(tc, ctypes_allocations_are_named);
    tcase_add_test(tc, lsan_frames_are_named_after_the_run_and_cached);
    tcase_add_test(tc, modes_keys_and_stacks_round_trip);
    tcase_add_test(tc, unmeasurable_interpreter_is_a_skipped_cell);
    suite_add_tcase(s, tc);
    return s;
}
