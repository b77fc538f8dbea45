/* test-outcome.c - a cell's structured outcome: the summary line and the
 * grid text rendered from its fields, and its JSON read back unchanged. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "judge/outcome.h"

static void
leak(struct outcome *o)
{
    outcome_init(o);
    o->status = VERDICT_STATUS_LEAK;
    outcome_figure_set(&o->lead, "blocks", "blocks", "blocks", 0,
                       VERDICT_LEAK, 26.0, NAN, NULL);
    struct outcome_figure f = {0};
    outcome_figure_set(&f, "rss_bytes", "RSS", "bytes", 0, VERDICT_LEAK,
                       2764.8, NAN, NULL);
    outcome_add_also(o, &f);
    outcome_figure_set(&f, "server_threads", NULL, "server_threads", 1,
                       VERDICT_LEAK, 1.0, NAN, NULL);
    outcome_add_also(o, &f);
    outcome_figure_release(&f);
}

static void
over_release(struct outcome *o)
{
    outcome_init(o);
    o->status = VERDICT_STATUS_OVER_RELEASE;
    outcome_figure_set(&o->lead, "refs_none", "None", "refs", 0,
                       VERDICT_OVER_RELEASE, -1.0, 4213.4, NULL);
}

static void
crash_after(struct outcome *o, const char *phase)
{
    over_release(o);
    o->status = VERDICT_STATUS_CRASH;
    o->end.how = strdup("killed by signal 6 (Aborted)");
    o->end.signal = 6;
    o->end.exit_code = -1;
    o->end.phase = strdup(phase);
    o->end.round = 2;
    o->end.iteration_in_round = 17;
    o->end.iterations_total = 417;
    o->end.fatal_error = strdup("Fatal Python error: deallocating None");
}

static void check_round_trip(struct outcome *o);

static char *
summary(const struct outcome *o)
{
    struct strbuf sb = STRBUF_INIT;
    outcome_summary(o, &sb);
    return strbuf_detach(&sb, NULL);
}

static char *
cell(const struct outcome *o)
{
    struct strbuf sb = STRBUF_INIT;
    outcome_cell_text(o, &sb);
    return strbuf_detach(&sb, NULL);
}

#define CHECK_TEXTS(o, want_summary, want_cell)                             \
    do {                                                                    \
        char *s_ = summary(o), *c_ = cell(o);                               \
        ck_assert_str_eq(s_, want_summary);                                 \
        ck_assert_str_eq(c_, want_cell);                                    \
        free(s_);                                                           \
        free(c_);                                                           \
    } while (0)

START_TEST(leak_renders_lead_projection_and_others)
{
    struct outcome o;
    leak(&o);
    CHECK_TEXTS(&o,
                "leak: +26 blocks/it (+26.0M blocks per 1M it); also "
                "rss_bytes +2.7 KiB/it, server_threads +1.0 "
                "server_threads/it",
                "leak +26 blocks/it");
    outcome_release(&o);
}
END_TEST

START_TEST(over_release_predicts_the_crash)
{
    struct outcome o;
    over_release(&o);
    CHECK_TEXTS(&o,
                "over-release: -1.0 refs/it; refs_none reaches 0 (crash) at "
                "iteration ~4213",
                "over-release None -1.0/it, 0 at ~it 4.2k");
    outcome_release(&o);
}
END_TEST

START_TEST(a_leak_of_references_says_whose)
{
    struct outcome o;
    outcome_init(&o);
    o.status = VERDICT_STATUS_LEAK;
    outcome_figure_set(&o.lead, "refs_none", "None", "refs", 0, VERDICT_LEAK,
                       1.0, NAN, NULL);
    CHECK_TEXTS(&o, "leak: +1.0 refs/it to None (+1.0M refs per 1M it)",
                "leak None +1.0/it");
    outcome_figure_set(&o.lead, "refs_types", "extension types", "refs", 0,
                       VERDICT_LEAK, 12.0, NAN, NULL);
    CHECK_TEXTS(&o,
                "leak: +12 refs/it to extension types (+12.0M refs per 1M "
                "it)",
                "leak extension types +12/it");
    /* the total is no singleton's */
    outcome_figure_set(&o.lead, "refs_total", "refs", "refs", 0,
                       VERDICT_LEAK, 21.0, NAN, NULL);
    CHECK_TEXTS(&o, "leak: +21 refs/it (+21.0M refs per 1M it)",
                "leak +21 refs/it");
    outcome_release(&o);
}
END_TEST

START_TEST(crash_says_where_and_what_came_before)
{
    struct outcome o;
    crash_after(&o, "counted");
    CHECK_TEXTS(&o,
                "crash: Fatal Python error: deallocating None in counted "
                "round 2 at iteration 17 (417 in all); before it: "
                "over-release: -1.0 refs/it; refs_none reaches 0 (crash) at "
                "iteration ~4213",
                "crash SIGABRT; over-release None -1.0/it, 0 at ~it 4.2k");
    outcome_release(&o);
    crash_after(&o, "finalize");
    outcome_figure_release(&o.lead);
    CHECK_TEXTS(&o,
                "crash: Fatal Python error: deallocating None while the "
                "interpreter shut down (after 417 iterations)",
                "crash SIGABRT at exit");
    outcome_release(&o);
}
END_TEST

START_TEST(other_statuses_render)
{
    struct outcome o;
    outcome_init(&o);
    o.status = VERDICT_STATUS_CLEAN;
    CHECK_TEXTS(&o, "clean", "clean");
    o.flags = OUTCOME_IMMORTAL_SINGLETONS;
    CHECK_TEXTS(&o, "clean (None immortal: a leak or over-release of None would not show)",
                "clean (None immortal)");
    o.flags = 0;
    o.status = VERDICT_STATUS_SKIPPED;
    outcome_set_detail(&o, "missing module lz4 (REQUIRES)");
    CHECK_TEXTS(&o, "skipped: missing module lz4 (REQUIRES)", "skipped");
    o.status = VERDICT_STATUS_ERROR;
    outcome_set_detail(&o, "setup raised ValueError: no");
    CHECK_TEXTS(&o, "error: setup raised ValueError: no", "error");
    o.status = VERDICT_STATUS_TIMEOUT;
    o.end.timeout_s = 10;
    o.end.phase = strdup("counted");
    o.end.round = 3;
    o.end.iteration_in_round = 6;
    CHECK_TEXTS(&o, "timeout: no end after 10 s, in counted round 3 at "
                    "iteration 6",
                "timeout 10 s");
    outcome_release(&o);
}
END_TEST

START_TEST(clean_says_what_it_would_have_seen)
{
    struct outcome o;
    outcome_init(&o);
    o.status = VERDICT_STATUS_CLEAN;
    outcome_figure_set(&o.seen[0], "blocks", "blocks", "blocks", 0,
                       VERDICT_CLEAN, 0.0125, NAN, NULL);
    outcome_figure_set(&o.seen[1], "rss_bytes", "RSS", "bytes", 0,
                       VERDICT_CLEAN, 1331.2, NAN, NULL);
    CHECK_TEXTS(&o,
                "clean; would have seen >= 0.0125 blocks/it (blocks), 1.3 "
                "KiB/it (rss_bytes)",
                "clean");
    check_round_trip(&o);
    o.flags = OUTCOME_IMMORTAL_SINGLETONS;
    outcome_figure_release(&o.seen[1]);
    CHECK_TEXTS(&o,
                "clean (None immortal: a leak or over-release of None would not show); "
                "would have seen >= 0.0125 blocks/it (blocks)",
                "clean (None immortal)");
    outcome_release(&o);
}
END_TEST

START_TEST(memory_bound_and_leftovers_are_said)
{
    struct outcome o;
    outcome_init(&o);
    o.status = VERDICT_STATUS_LEAK;
    o.flags = OUTCOME_RSS_LIMIT | OUTCOME_LEFTOVERS_KILLED;
    o.rss_limit = 400.0 * 1024 * 1024;
    o.leftovers = 2;
    outcome_figure_set(&o.lead, "rss_bytes", "RSS", "bytes", 0, VERDICT_LEAK,
                       50.0 * 1024 * 1024, NAN, NULL);
    CHECK_TEXTS(&o,
                "leak: +50 MiB/it (+47.7 TiB per 1M it); stopped at the "
                "memory bound (--max-rss 400 MiB); killed 2 leftover "
                "processes outside the runner's process group",
                "leak +50 MiB/it (max-rss)");
    outcome_release(&o);
}
END_TEST

static void
check_round_trip(struct outcome *o)
{
    struct outcome back;
    struct strbuf err = STRBUF_INIT;
    json_t *j = outcome_to_json(o);
    char *text = json_dumps(j, 0);
    json_t *reread = json_loads(text, 0, NULL);

    outcome_init(&back);
    ck_assert_int_eq(outcome_from_json(reread, &back, &err), 0);
    ck_assert_int_eq(back.status, o->status);
    ck_assert_uint_eq(back.flags, o->flags);
    ck_assert_uint_eq(back.nalso, o->nalso);
    char *a = summary(o), *b = summary(&back);
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
    a = cell(o);
    b = cell(&back);
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
    outcome_release(&back);
    json_decref(j);
    json_decref(reread);
    free(text);
    strbuf_release(&err);
}

START_TEST(json_round_trips)
{
    struct outcome o;
    leak(&o);
    check_round_trip(&o);
    outcome_release(&o);
    over_release(&o);
    check_round_trip(&o);
    outcome_release(&o);
    crash_after(&o, "counted");
    check_round_trip(&o);
    outcome_release(&o);
}
END_TEST

START_TEST(json_that_cannot_be_trusted_is_rejected)
{
    static const char *const bad[] = {
        "[]",
        "{}",
        "{\"status\": \"leaky\", \"flags\": []}",
        "{\"status\": \"leak\", \"flags\": 3}",
        "{\"status\": \"leak\", \"flags\": [], \"lead\": {\"kind\": "
        "\"leak\"}}",
        "{\"status\": \"leak\", \"flags\": [], \"lead\": {\"metric\": "
        "\"blocks\", \"kind\": \"grows\"}}",
        "{\"status\": \"crash\", \"flags\": [], \"lead\": null}",
        "{\"status\": \"clean\", \"flags\": [], \"detail\": 7}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct outcome o;
        struct strbuf err = STRBUF_INIT;
        json_t *j = json_loads(bad[i], 0, NULL);
        outcome_init(&o);
        ck_assert_msg(outcome_from_json(j, &o, &err) == -1, "accepted %s",
                      bad[i]);
        ck_assert_msg(err.len > 0, "no reason for %s", bad[i]);
        ck_assert_ptr_null(o.lead.metric);
        json_decref(j);
        strbuf_release(&err);
        outcome_release(&o);
    }
}
END_TEST

START_TEST(sites_and_names_say_where_it_grows)
{
    struct outcome o;
    struct outcome_frame frames[2] = {
        {"kafka/codec.py", "/l/kafka/codec.py", 240, "lz4f_decode",
         "out = lz4f.decompress(payload)"},
        {"lz4_frame.py", "/s/lz4_frame.py", 31, "iterate", "decode(m)"},
    };
    struct outcome_frame opened = {"pyfdleak.py", "/s/pyfdleak.py", 12,
                                   "iterate", "state.append(open(p))"};
    char *text;

    leak(&o);
    o.tracer = xstrdup("tracemalloc");
    outcome_add_site(&o, 64, 1, frames, 2, 0);
    outcome_site_add_type(&o, "bytes", 500);
    CHECK_TEXTS(&o,
                "leak: +26 blocks/it (+26.0M blocks per 1M it); also "
                "rss_bytes +2.7 KiB/it, server_threads +1.0 "
                "server_threads/it; grows at kafka/codec.py:240 in "
                "lz4f_decode, +64 B/it",
                "leak +26 blocks/it");
    check_round_trip(&o);
    ck_assert_uint_eq(o.sites[0].ntypes, 1);
    /* a slow leak's site grew in most rounds, not all */
    outcome_site_set_rounds(&o, 6, 12);
    text = summary(&o);
    ck_assert_msg(strstr(text, "+64 B/it (in 6 of 12 rounds)") != NULL, "%s",
                  text);
    free(text);
    check_round_trip(&o);

    /* a name is said when its probe is a finding, or it grew every round */
    outcome_add_named(&o, "fds", "/tmp/x.log", 1.0, 1, &opened);
    outcome_add_named(&o, "threads", "'w-N' running serve (s.py:3)", 0.5,
                      0, NULL);
    text = summary(&o);
    ck_assert_msg(strstr(text, "; fds +1.0/it (/tmp/x.log, opened at "
                               "pyfdleak.py:12 in iterate)") != NULL,
                  "%s", text);
    /* a gauge named server_threads is not the threads probe */
    ck_assert_msg(strstr(text, "'w-N'") == NULL, "%s", text);
    free(text);
    check_round_trip(&o);

    /* traced, a leak, and no site: tracemalloc cannot see C's malloc */
    outcome_release(&o);
    leak(&o);
    o.tracer = xstrdup("tracemalloc");
    text = summary(&o);
    ck_assert_msg(strstr(text, "no allocation site tracemalloc saw "
                               "grew") != NULL, "%s", text);
    free(text);
    check_round_trip(&o);
    outcome_release(&o);
}
END_TEST

START_TEST(gate_statuses)
{
    ck_assert(outcome_is_regression(VERDICT_STATUS_LEAK));
    ck_assert(outcome_is_regression(VERDICT_STATUS_OVER_RELEASE));
    ck_assert(outcome_is_regression(VERDICT_STATUS_CRASH));
    ck_assert(outcome_is_regression(VERDICT_STATUS_TIMEOUT));
    ck_assert(!outcome_is_regression(VERDICT_STATUS_SUSPECT));
    ck_assert(!outcome_is_regression(VERDICT_STATUS_CLEAN));
    ck_assert(outcome_is_finding(VERDICT_STATUS_SUSPECT));
    ck_assert(outcome_is_finding(VERDICT_STATUS_ERROR));
    ck_assert(!outcome_is_finding(VERDICT_STATUS_SKIPPED));
    ck_assert_int_eq(outcome_status_from_name("over-release"),
                     VERDICT_STATUS_OVER_RELEASE);
    ck_assert_int_eq(outcome_status_from_name("nope"), -1);
    ck_assert_int_eq(outcome_status_from_name(NULL), -1);
}
END_TEST

Suite *
outcome_suite(void)
{
    Suite *s = suite_create("outcome");
    TCase *tc = tcase_create("outcome: renders and round-trips");
    tcase_add_test(tc, leak_renders_lead_projection_and_others);
    tcase_add_test(tc, over_release_predicts_the_crash);
    tcase_add_test(tc, a_leak_of_references_says_whose);
    tcase_add_test(tc, crash_says_where_and_what_came_before);
    tcase_add_test(tc, other_statuses_render);
    tcase_add_test(tc, clean_says_what_it_would_have_seen);
    tcase_add_test(tc, memory_bound_and_leftovers_are_said);
    tcase_add_test(tc, json_round_trips);
    tcase_add_test(tc, json_that_cannot_be_trusted_is_rejected);
    tcase_add_test(tc, sites_and_names_say_where_it_grows);
    tcase_add_test(tc, gate_statuses);
    suite_add_tcase(s, tc);
    return s;
}
