/* test-evidence.c - a cell's evidence fed as a runner sends it, with no
 * process: records cut anywhere, lines that are no records, a hello of
 * another protocol, tails cut inside a UTF-8 character, baselines and
 * counted rounds, the three namespaces of readings, rounds that wait for
 * the native engine's report, and a served test's error. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/proto.h"
#include "matrix/evidence.h"

static void
add(struct evidence *ev, const char *text)
{
    evidence_add_records(ev, text, strlen(text));
}

/* Takes records until none is left or one waits; returns that, and how
 * many times the runner asked (asked may be NULL). */
static enum evidence_event
take_all(struct evidence *ev, int *asked)
{
    enum evidence_event e;

    while ((e = evidence_next(ev)) != EVIDENCE_NONE
           && e != EVIDENCE_WAITING) {
        ck_assert_int_eq(e, EVIDENCE_ASKED);
        if (asked) {
            (*asked)++;
        }
    }
    return e;
}

static const struct evidence_track *
track(const struct evidence_tracks *t, const char *name)
{
    for (size_t i = 0; i < t->nr; i++) {
        if (strcmp(t->v[i].name, name) == 0) {
            return &t->v[i];
        }
    }
    return NULL;
}

/* A round record: phase, round, 10 iterations, then the rest. */
static void
add_round(struct evidence *ev, const char *phase, unsigned round,
          const char *rest)
{
    char line[1024];
    snprintf(line, sizeof(line),
             "{\"t\": \"round\", \"phase\": \"%s\", \"round\": %u, "
             "\"iterations\": 10%s%s}\n",
             phase, round, rest[0] ? ", " : "", rest);
    add(ev, line);
}

START_TEST(records_cut_anywhere_are_whole_records)
{
    char text[512];
    struct evidence ev;

    snprintf(text, sizeof(text),
             "{\"t\": \"hello\", \"proto\": %d}\n"
             "{\"t\": \"probes\", \"na\": {}}\n"
             "{\"t\": \"scenario\", \"title\": \"x\"}\n"
             "{\"t\": \"imports\", \"modules\": []}\n"
             "{\"t\": \"done\"}\n",
             LMX_PROTO_VERSION);
    evidence_init(&ev, LEAKCHECK_OFF, 2, 4);
    /* One byte at a time: nothing is taken before its newline. */
    for (size_t i = 0; text[i]; i++) {
        evidence_add_records(&ev, text + i, 1);
        ck_assert_int_eq(evidence_next(&ev), EVIDENCE_NONE);
        if (text[i] != '\n' && i < 20) {
            ck_assert_ptr_null(ev.hello);
        }
    }
    ck_assert_ptr_nonnull(ev.hello);
    ck_assert_ptr_nonnull(ev.probes);
    ck_assert_str_eq(json_string_value(json_object_get(ev.scenario,
                                                       "title")),
                     "x");
    ck_assert_ptr_nonnull(ev.imports);
    ck_assert_int_eq(ev.done, 1);
    ck_assert_int_eq(ev.bad_records, 0);
    ck_assert_int_eq(ev.proto_mismatch, 0);
    /* A partial last line is not a record, not even at the end. */
    add(&ev, "{\"t\": \"skip\", \"reason\": \"r\"}");
    ck_assert_int_eq(evidence_next(&ev), EVIDENCE_NONE);
    evidence_end(&ev);
    ck_assert_ptr_null(ev.skip);
    evidence_release(&ev);
}
END_TEST

START_TEST(lines_that_are_no_records_are_counted)
{
    struct evidence ev;

    evidence_init(&ev, LEAKCHECK_OFF, 2, 4);
    add(&ev, "not json\n{\"x\": 1}\n[1, 2]\n\n{\"t\": \"future\"}\n"
             "{\"t\": \"skip\", \"reason\": \"r\"}\n");
    /* Each bad line is said on its own: the cell closes the control
     * pipe at the first. */
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(evidence_next(&ev), EVIDENCE_BAD);
    }
    /* A record of a type we do not know is passed over. */
    ck_assert_int_eq(evidence_next(&ev), EVIDENCE_NONE);
    ck_assert_int_eq(ev.bad_records, 4);
    ck_assert_ptr_nonnull(ev.skip);
    evidence_release(&ev);
}
END_TEST

START_TEST(a_hello_of_another_protocol_is_a_mismatch)
{
    struct evidence ev;

    evidence_init(&ev, LEAKCHECK_OFF, 2, 4);
    add(&ev, "{\"t\": \"hello\", \"proto\": 1}\n");
    ck_assert_int_eq(evidence_next(&ev), EVIDENCE_MISMATCH);
    ck_assert_int_eq(ev.proto_mismatch, 1);
    ck_assert_ptr_nonnull(ev.hello);
    evidence_release(&ev);

    evidence_init(&ev, LEAKCHECK_OFF, 2, 4);
    add(&ev, "{\"t\": \"hello\"}\n");
    ck_assert_int_eq(evidence_next(&ev), EVIDENCE_MISMATCH);
    ck_assert_int_eq(ev.proto_mismatch, -1);
    evidence_release(&ev);
}
END_TEST

START_TEST(tails_do_not_start_inside_a_character)
{
    struct evidence ev;
    size_t keep = EVIDENCE_TAIL_KEEP;
    char *buf = xcalloc(1, 2 * keep + 2);

    evidence_init(&ev, LEAKCHECK_OFF, 2, 4);
    evidence_add_stdout(&ev, "short", 5);
    ck_assert_str_eq(evidence_tail_text(&ev.out_tail), "short");

    /* 'x', keep - 1 times "é" (c3 a9), 'y': 2 * keep bytes, whose last
     * keep start on an a9, inside a character. */
    buf[0] = 'x';
    for (size_t i = 1; i < 2 * keep - 1; i += 2) {
        buf[i] = (char)0xc3;
        buf[i + 1] = (char)0xa9;
    }
    buf[2 * keep - 1] = 'y';
    evidence_add_stderr(&ev, buf, 1);
    evidence_add_stderr(&ev, buf + 1, 2 * keep - 1);
    const char *t = evidence_tail_text(&ev.err_tail);
    ck_assert_uint_eq((unsigned char)t[0], 0xc3);
    ck_assert_uint_eq(strlen(t), keep - 1);
    /* Past twice the bound the buffer drops its head. */
    ck_assert_uint_eq(ev.err_tail.len, 2 * keep);
    evidence_add_stderr(&ev, "!", 1);
    ck_assert_uint_eq(ev.err_tail.len, keep);
    t = evidence_tail_text(&ev.err_tail);
    ck_assert_uint_eq(strlen(t), keep);
    ck_assert_str_eq(t + keep - 1, "!");
    free(buf);
    evidence_release(&ev);
}
END_TEST

START_TEST(a_baseline_then_counted_rounds_asked_from_rounds)
{
    struct evidence ev;
    int asked = 0;

    evidence_init(&ev, LEAKCHECK_OFF, 2, 3);
    add_round(&ev, "warmup", 1, "\"m\": {\"blocks\": 50}");
    add_round(&ev, "warmup", 2, "\"m\": {\"blocks\": 100}");
    add_round(&ev, "counted", 1, "\"m\": {\"blocks\": 100}");
    ck_assert_int_eq(take_all(&ev, &asked), EVIDENCE_NONE);
    ck_assert_int_eq(asked, 0);
    /* From --rounds on, each counted round asks. */
    add_round(&ev, "counted", 2,
              "\"m\": {\"blocks\": 100, \"fds\": 4}");
    ck_assert_int_eq(take_all(&ev, &asked), EVIDENCE_NONE);
    ck_assert_int_eq(asked, 1);
    add_round(&ev, "counted", 3, "\"m\": {\"blocks\": 100, \"fds\": 4}");
    ck_assert_int_eq(take_all(&ev, &asked), EVIDENCE_NONE);
    ck_assert_int_eq(asked, 2);

    const struct evidence_track *b = track(&ev.metrics, "blocks");
    ck_assert_ptr_nonnull(b);
    /* The last warm-up round is the baseline. */
    ck_assert_uint_eq(b->n, 4);
    ck_assert(b->value[0] == 100 && b->value[3] == 100);
    ck_assert(b->iters[1] == 10);
    /* A probe first seen late has no history: n/a before. */
    const struct evidence_track *f = track(&ev.metrics, "fds");
    ck_assert_uint_eq(f->n, 4);
    ck_assert(isnan(f->value[0]) && isnan(f->value[1]));
    ck_assert(f->value[2] == 4);
    ck_assert_uint_eq(ev.counted, 3);
    ck_assert(ev.warm_iterations == 20 && ev.all_iterations == 50);
    ck_assert_uint_eq(json_array_size(ev.rounds), 5);
    /* max_rounds counted: no more, whatever the verdicts. */
    ck_assert_int_eq(evidence_wants_more(&ev), 0);
    evidence_release(&ev);
}
END_TEST

START_TEST(metrics_gauges_and_census_are_apart)
{
    struct evidence ev;
    struct metric scratch;

    evidence_init(&ev, LEAKCHECK_OFF, 2, 4);
    add_round(&ev, "warmup", 1,
              "\"m\": {\"rss_bytes\": 1000}, \"g\": {\"rss_bytes\": 5}, "
              "\"census\": {\"dict\": 3, \"list\": 2}");
    add_round(&ev, "counted", 1,
              "\"m\": {\"rss_bytes\": 1000}, \"g\": {\"rss_bytes\": 6}, "
              "\"census\": {\"dict\": 4, \"set\": 1}");
    ck_assert_int_eq(take_all(&ev, NULL), EVIDENCE_NONE);

    const struct evidence_track *m = track(&ev.metrics, "rss_bytes");
    const struct evidence_track *g = track(&ev.gauges, "rss_bytes");
    ck_assert(m && !m->gauge && m->value[1] == 1000);
    ck_assert(g && g->gauge && g->value[0] == 5 && g->value[1] == 6);
    ck_assert_ptr_null(track(&ev.metrics, "dict"));
    ck_assert_ptr_null(track(&ev.gauges, "dict"));
    /* Census: a type that vanished is 0, one first seen had 0 before. */
    const struct evidence_track *d = track(&ev.census, "dict");
    const struct evidence_track *l = track(&ev.census, "list");
    const struct evidence_track *s = track(&ev.census, "set");
    ck_assert(d && d->census && d->value[0] == 3 && d->value[1] == 4);
    ck_assert(l && l->n == 2 && l->value[1] == 0);
    ck_assert(s && s->n == 2 && s->value[0] == 0 && s->value[1] == 1);
    /* Their rows: the probe's from the table, the others counts in their
     * own names. */
    ck_assert_str_eq(evidence_track_metric(m, &scratch)->unit, "bytes");
    ck_assert_str_eq(evidence_track_metric(g, &scratch)->name,
                     "rss_bytes");
    ck_assert_int_eq(evidence_track_metric(g, &scratch)->rank,
                     METRIC_RANK_GAUGE);
    /* The census is not kept in the round records. */
    json_t *r = json_array_get(ev.rounds, 1);
    ck_assert_ptr_null(json_object_get(r, "census"));
    evidence_release(&ev);
}
END_TEST

START_TEST(what_grew_by_name_and_the_trace_are_kept)
{
    struct evidence ev;
    struct verdict v;

    evidence_init(&ev, LEAKCHECK_OFF, 2, 4);
    add_round(&ev, "warmup", 1, "\"m\": {\"fds\": 5}");
    add_round(&ev, "counted", 1,
              "\"m\": {\"fds\": 15}, \"grew\": {\"fds\": "
              "{\"/tmp/x.log\": 10}, \"garbage\": {\"Node\": 1}}");
    add_round(&ev, "counted", 2, "\"m\": {\"fds\": 25}, \"grew\": "
              "{\"fds\": {\"/tmp/x.log\": 20}}");
    add_round(&ev, "counted", 3, "\"m\": {\"fds\": 35}, \"grew\": "
              "{\"fds\": {\"/tmp/x.log\": 30, \"pipe:[...]\": 1}}");
    add(&ev, "{\"t\": \"trace\", \"tracer\": \"tracemalloc\", "
             "\"sites\": []}\n");
    ck_assert_int_eq(take_all(&ev, NULL), EVIDENCE_NONE);

    /* 0 at the baseline and wherever a round does not name it */
    const struct evidence_track *x =
        track(&ev.grew[EVIDENCE_GREW_FDS], "/tmp/x.log");
    const struct evidence_track *p =
        track(&ev.grew[EVIDENCE_GREW_FDS], "pipe:[...]");
    const struct evidence_track *n =
        track(&ev.grew[EVIDENCE_GREW_GARBAGE], "Node");
    ck_assert(x && x->n == 4 && x->value[0] == 0 && x->value[3] == 30);
    ck_assert(p && p->n == 4 && p->value[2] == 0 && p->value[3] == 1);
    ck_assert(n && n->n == 4 && n->value[1] == 1 && n->value[3] == 0);
    ck_assert_int_eq(ev.grew[EVIDENCE_GREW_THREADS].nr, 0);
    /* judged as counts: a name that grew every round leaks */
    ck_assert_int_eq(evidence_judge_track(x, 1, &v), 0);
    ck_assert_int_eq(v.kind, VERDICT_LEAK);
    ck_assert_str_eq(evidence_grew_kind(EVIDENCE_GREW_THREADS), "threads");
    /* not kept in the round records; the trace record is */
    ck_assert_ptr_null(json_object_get(json_array_get(ev.rounds, 1),
                                       "grew"));
    ck_assert_str_eq(json_string_value(json_object_get(ev.trace, "tracer")),
                     "tracemalloc");
    evidence_release(&ev);
}
END_TEST

/* An LSan report of round (phase, round) with `bytes` directly leaked;
 * the end marker only when `end`. */
static void
add_lsan(struct evidence *ev, const char *phase, unsigned round,
         double bytes, int end)
{
    char buf[1024];
    int n = snprintf(buf, sizeof(buf),
                     "leakmatrix-native: begin %s %u\n"
                     "Direct leak of %.0f byte(s) in 1 object(s) "
                     "allocated from:\n"
                     "    #0 0x1 in malloc lsan_interceptors.cpp:75\n"
                     "    #1 0x2 in leak_malloc lmfixture.c:100\n\n",
                     phase, round, bytes);
    if (end) {
        n += snprintf(buf + n, sizeof(buf) - (size_t)n,
                      "leakmatrix-native: end %s %u\n", phase, round);
    }
    evidence_add_native(ev, buf, (size_t)n);
}

START_TEST(a_round_waits_for_its_native_report)
{
    struct evidence ev;
    int asked = 0;

    evidence_init(&ev, LEAKCHECK_LSAN, 2, 4);
    /* A warm-up round before the last skips the engine's check. */
    add_round(&ev, "warmup", 1, "\"native_checked\": false");
    ck_assert_int_eq(take_all(&ev, NULL), EVIDENCE_NONE);
    add_round(&ev, "warmup", 2, "\"native_checked\": true");
    add(&ev, "{\"t\": \"skip\", \"reason\": \"later\"}\n");
    ck_assert_int_eq(evidence_next(&ev), EVIDENCE_WAITING);
    ck_assert_int_eq(evidence_next(&ev), EVIDENCE_WAITING);
    /* Held, and the records after it with it. */
    ck_assert_uint_eq(json_array_size(ev.rounds), 1);
    ck_assert_ptr_null(ev.skip);
    add_lsan(&ev, "warmup", 2, 100, 0);
    ck_assert_int_eq(evidence_next(&ev), EVIDENCE_WAITING);
    evidence_add_native(&ev, "leakmatrix-native: end warmup 2\n", 32);
    ck_assert_int_eq(take_all(&ev, NULL), EVIDENCE_NONE);
    ck_assert_uint_eq(json_array_size(ev.rounds), 2);
    ck_assert_ptr_nonnull(ev.skip);
    const struct evidence_track *t = track(&ev.metrics,
                                           "lsan_direct_bytes");
    ck_assert(t && t->n == 1 && t->value[0] == 100);

    /* A report already in: no wait. */
    add_lsan(&ev, "counted", 1, 200, 1);
    add_round(&ev, "counted", 1, "\"native_checked\": true");
    ck_assert_int_eq(take_all(&ev, &asked), EVIDENCE_NONE);
    ck_assert(t->n == 2 && t->value[1] == 200);

    /* Given up on: no native readings this round or any later one (a
     * report that comes after all is not read), and native_lost says
     * so. */
    add_round(&ev, "counted", 2, "\"native_checked\": true");
    ck_assert_int_eq(take_all(&ev, &asked), EVIDENCE_WAITING);
    evidence_native_lost(&ev);
    ck_assert_int_eq(take_all(&ev, &asked), EVIDENCE_NONE);
    ck_assert_int_eq(asked, 1);
    ck_assert(ev.native_lost);
    add_lsan(&ev, "counted", 3, 300, 1);
    add_round(&ev, "counted", 3, "\"native_checked\": true");
    ck_assert_int_eq(take_all(&ev, &asked), EVIDENCE_NONE);
    ck_assert_int_eq(asked, 2);
    ck_assert_uint_eq(t->n, 2);
    ck_assert_uint_eq(ev.counted, 3);
    evidence_release(&ev);
}
END_TEST

/* Evidence under LSan holding a warm-up round (and a "done" after it)
 * for its report. */
static void
held_round(struct evidence *ev)
{
    evidence_init(ev, LEAKCHECK_LSAN, 2, 4);
    add_round(ev, "warmup", 1, "\"native_checked\": true");
    add(ev, "{\"t\": \"done\"}\n");
    ck_assert_int_eq(evidence_next(ev), EVIDENCE_WAITING);
    ck_assert_int_eq(ev->done, 0);
}

START_TEST(the_end_takes_what_is_left)
{
    struct evidence ev;

    /* The channel closed: the round takes what came, not lost. */
    held_round(&ev);
    evidence_native_closed(&ev);
    ck_assert_int_eq(evidence_next(&ev), EVIDENCE_NONE);
    ck_assert_uint_eq(json_array_size(ev.rounds), 1);
    ck_assert(!ev.native_lost);
    evidence_release(&ev);

    /* The runner is gone with the channel still open (a process it
     * started holds it): the report never came. */
    held_round(&ev);
    evidence_end(&ev);
    ck_assert(ev.native_lost);
    ck_assert_uint_eq(json_array_size(ev.rounds), 1);
    ck_assert_int_eq(ev.done, 1);
    evidence_release(&ev);
}
END_TEST

START_TEST(rss_is_na_under_valgrind)
{
    struct evidence ev;

    evidence_init(&ev, LEAKCHECK_VALGRIND, 2, 4);
    add(&ev, "{\"t\": \"probes\", \"na\": {}}\n");
    add_round(&ev, "warmup", 1,
              "\"native_checked\": false, \"m\": {\"rss_bytes\": 5}");
    ck_assert_int_eq(take_all(&ev, NULL), EVIDENCE_NONE);
    const struct evidence_track *t = track(&ev.metrics, "rss_bytes");
    ck_assert(t && isnan(t->value[0]));
    json_t *why = json_object_get(json_object_get(ev.probes, "na"),
                                  "rss_bytes");
    ck_assert_ptr_nonnull(strstr(json_string_value(why), "memcheck"));
    evidence_release(&ev);
}
END_TEST

/* A runner that serves went on after a test's error (protocol 7): the
 * error and the served record are both kept, and done never came. */
START_TEST(a_served_error_is_kept_without_done)
{
    struct evidence ev;

    evidence_init(&ev, LEAKCHECK_OFF, 2, 4);
    add(&ev, "{\"t\": \"error\", \"where\": \"load\", "
             "\"kind\": \"test\"}\n{\"t\": \"served\", \"status\": 1}\n");
    ck_assert_int_eq(take_all(&ev, NULL), EVIDENCE_NONE);
    ck_assert_ptr_nonnull(ev.error);
    ck_assert_ptr_nonnull(ev.served);
    ck_assert_int_eq(json_integer_value(json_object_get(ev.served,
                                                        "status")), 1);
    ck_assert_int_eq(ev.done, 0);
    evidence_release(&ev);
}
END_TEST

Suite *
evidence_suite(void)
{
    Suite *s = suite_create("evidence");
    TCase *tc = tcase_create("evidence: records as a runner sends them");
    tcase_add_test(tc, records_cut_anywhere_are_whole_records);
    tcase_add_test(tc, lines_that_are_no_records_are_counted);
    tcase_add_test(tc, a_hello_of_another_protocol_is_a_mismatch);
    tcase_add_test(tc, tails_do_not_start_inside_a_character);
    tcase_add_test(tc, a_served_error_is_kept_without_done);
    suite_add_tcase(s, tc);
    tc = tcase_create("evidence: tracks");
    tcase_add_test(tc, a_baseline_then_counted_rounds_asked_from_rounds);
    tcase_add_test(tc, metrics_gauges_and_census_are_apart);
    tcase_add_test(tc, rss_is_na_under_valgrind);
    tcase_add_test(tc, what_grew_by_name_and_the_trace_are_kept);
    suite_add_tcase(s, tc);
    tc = tcase_create("evidence: the native engine's reports");
    tcase_add_test(tc, a_round_waits_for_its_native_report);
    tcase_add_test(tc, the_end_takes_what_is_left);
    suite_add_tcase(s, tc);
    return s;
}
